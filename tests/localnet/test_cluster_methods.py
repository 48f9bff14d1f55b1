"""Cluster-level methods, the JSON-RPC envelope and its error codes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.core import RPCException
from solders.hash import Hash
from solders.message import Message
from solders.pubkey import Pubkey
from solders.rpc.errors import InvalidParamsMessage
from solders.rpc.requests import IsBlockhashValid
from solders.rpc.responses import IsBlockhashValidResp
from solders.system_program import TransferParams, transfer

from keeper.client.keys import load_keypair
from keeper.localnet.launch import chain_python
from tests.localnet.conftest import Localnet, raw_rpc


def rpc(localnet: Localnet, method: str, params: object = None) -> dict:
    payload: dict = {"jsonrpc": "2.0", "id": 7, "method": method}
    if params is not None:
        payload["params"] = params
    return raw_rpc(localnet.url, payload)


async def test_health_version_genesis_and_slot_counters(client: AsyncClient, localnet: Localnet) -> None:
    assert (await client.is_connected()) is True
    version = await client.get_version()
    # The Agave runtime the node really embeds, as its chain environment's solders was built with.
    embedded = subprocess.run(
        [str(chain_python()), "-c", "from keeper.localnet.node.runtime import agave_version; print(agave_version())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert version.value.solana_core == embedded and int(embedded.split(".")[0]) >= 4
    assert json.loads((localnet.state_dir / "localnet.json").read_text())["agave_version"] == embedded
    genesis = (await client.get_genesis_hash()).value
    assert genesis == Hash.from_string(json.loads((localnet.state_dir / "localnet.json").read_text())["genesis_hash"])
    slot = (await client.get_slot()).value
    height = (await client.get_block_height()).value
    epoch_info = (await client.get_epoch_info()).value
    assert slot >= 0 and height >= 0
    assert epoch_info.absolute_slot >= slot
    assert epoch_info.slot_index < epoch_info.slots_in_epoch
    assert epoch_info.transaction_count is not None and epoch_info.transaction_count >= 2  # bootstrap airdrops


async def test_latest_blockhash_is_valid_and_an_unknown_one_is_not(client: AsyncClient) -> None:
    latest = (await client.get_latest_blockhash()).value
    assert latest.last_valid_block_height >= (await client.get_block_height()).value
    # solana-py has no method for isBlockhashValid: send solders' request, parse solders' response.
    for blockhash, expected in ((latest.blockhash, True), (Hash.new_unique(), False)):
        response = await client._provider.make_request(IsBlockhashValid(blockhash), IsBlockhashValidResp)
        assert response.value is expected


async def test_rent_and_fee_for_message(client: AsyncClient, funded) -> None:
    assert (await client.get_minimum_balance_for_rent_exemption(165)).value == 2_039_280
    assert (await client.get_minimum_balance_for_rent_exemption(0)).value == 890_880
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    instruction = transfer(TransferParams(from_pubkey=funded.pubkey(), to_pubkey=funded.pubkey(), lamports=1))
    assert (await client.get_fee_for_message(Message.new_with_blockhash([instruction], funded.pubkey(), blockhash))).value == 5_000
    stale = Message.new_with_blockhash([instruction], funded.pubkey(), Hash.new_unique())
    assert (await client.get_fee_for_message(stale)).value is None


def test_unknown_method_is_32601(localnet: Localnet) -> None:
    response = rpc(localnet, "getBlockProduction")
    assert response["error"] == {"code": -32601, "message": "Method not found"}
    assert response["id"] == 7


@pytest.mark.parametrize(
    ("method", "params", "detail"),
    [
        ("getBalance", ["not-a-pubkey"], "invalid pubkey"),
        ("getBalance", [], "pubkey: Field required"),
        ("getBalance", {"pubkey": "x"}, "params must be an array"),
        ("getSlot", [{"commitment": "sometimes"}], "commitment"),
        ("getHealth", [1], "expected at most 0 parameters"),
        ("getMinimumBalanceForRentExemption", [-1], "data_len"),
        ("requestAirdrop", ["11111111111111111111111111111111", 0], "lamports"),
        ("getSignatureStatuses", [["1" * 200]], "invalid signature"),
        ("getMultipleAccounts", [["11111111111111111111111111111111"] * 101], "pubkeys"),
        ("getProgramAccounts", ["11111111111111111111111111111111", {"filters": [{"dataSize": 1}] * 5}], "filters"),
        ("getProgramAccounts", ["11111111111111111111111111111111", {"filters": [{"tokenAccountState": {}}]}], "filters"),
        ("isBlockhashValid", ["zz"], "invalid blockhash"),
        ("simulateTransaction", ["AA==", {"sigVerify": True, "replaceRecentBlockhash": True}], "sigVerify may not be used"),
    ],
)
def test_bad_params_are_32602_with_the_reason(localnet: Localnet, method: str, params: object, detail: str) -> None:
    error = rpc(localnet, method, params)["error"]
    assert error["code"] == -32602
    assert detail in error["message"]


@pytest.mark.parametrize(
    ("method", "params", "detail"),
    [
        ("getAccountInfo", ["11111111111111111111111111111111", {"encoding": "base64+zstd"}], "not supported"),
        ("sendTransaction", ["!!!", {"encoding": "base64"}], "invalid base64"),
        ("sendTransaction", ["AAAA", {"encoding": "base64"}], "failed to deserialize"),
        ("sendTransaction", ["A" * 2000, {"encoding": "base64"}], "too large"),
        ("getFeeForMessage", ["%%%"], "invalid message"),
        ("getTokenSupply", ["11111111111111111111111111111111"], "not a Token mint"),
        ("getTokenSupply", ["So11111111111111111111111111111111111111113"], "could not find account"),
        ("getTokenAccountBalance", ["11111111111111111111111111111111"], "not a Token account"),
        ("getProgramAccounts", ["11111111111111111111111111111111", {"filters": [{"memcmp": {"offset": 0, "bytes": "0OIl"}}]}], "memcmp"),
    ],
)
def test_unusable_param_values_are_32602_invalid_param(localnet: Localnet, method: str, params: object, detail: str) -> None:
    error = rpc(localnet, method, params)["error"]
    assert error["code"] == -32602
    assert error["message"].startswith("Invalid param")
    assert detail in error["message"]


async def test_solana_py_surfaces_invalid_params(client: AsyncClient) -> None:
    with pytest.raises(RPCException) as raised:
        await client.get_token_supply(Pubkey.new_unique())
    parsed = raised.value.args[0]
    assert isinstance(parsed, InvalidParamsMessage)
    assert "could not find account" in parsed.message


def test_envelope_errors_parse_invalid_request_batch_and_notification(localnet: Localnet) -> None:
    import urllib.request

    request = urllib.request.Request(localnet.url, data=b"{not json", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read())["error"] == {"code": -32700, "message": "Parse error"}
    assert raw_rpc(localnet.url, {"id": 1, "method": "getSlot"})["error"]["code"] == -32600
    assert raw_rpc(localnet.url, [])["error"]["code"] == -32600
    batch = raw_rpc(localnet.url, [{"jsonrpc": "2.0", "id": 1, "method": "getHealth"}, {"jsonrpc": "2.0", "id": 2, "method": "nope"}, 5])
    assert [item.get("result") for item in batch] == ["ok", None, None]
    assert [item.get("error", {}).get("code") for item in batch] == [None, -32601, -32600]
    notification = urllib.request.Request(
        localnet.url, data=json.dumps({"jsonrpc": "2.0", "method": "getHealth"}).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(notification, timeout=10) as response:
        assert response.status == 204


def test_state_dir_holds_generated_keys_and_manifest(localnet: Localnet) -> None:
    manifest = json.loads((localnet.state_dir / "localnet.json").read_text())
    assert manifest["rpc_url"] == localnet.url
    keys = sorted(path.name for path in Path(localnet.state_dir, "keys").iterdir())
    assert keys == ["admin.json", "faucet.json", "keeper.json", "slashing_authority.json", "treasury.json", "usdc_mint_authority.json"]
    for role in ("admin", "keeper", "slashing_authority", "treasury", "usdc_mint_authority"):
        on_disk = load_keypair(localnet.state_dir / "keys" / f"{role}.json")
        assert manifest["addresses"][role] == str(on_disk.pubkey())
    assert {"io_mint", "usdc_mint", "treasury_io", "burn_vault", "reward_vault", "emission", "escrow_config"} <= set(manifest["addresses"])
    assert set(manifest["programs"]) == {"escrow", "provenance", "rewards", "staking"}
    assert manifest["settings"]["emission_start_ts"] > 0
    assert len(json.loads((localnet.state_dir / "keys" / "faucet.json").read_text())) == 64


async def test_protocol_is_deployed_with_genesis_supply_and_configs(localnet: Localnet, client: AsyncClient) -> None:
    from keeper.client.constants import IO_GENESIS_SUPPLY

    addresses = json.loads((localnet.state_dir / "localnet.json").read_text())["addresses"]
    supply = (await client.get_token_supply(Pubkey.from_string(addresses["io_mint"]))).value
    assert int(supply.amount) == IO_GENESIS_SUPPLY and supply.decimals == 9
    treasury = (await client.get_token_account_balance(Pubkey.from_string(addresses["treasury_io"]))).value
    assert int(treasury.amount) == IO_GENESIS_SUPPLY
    usdc = (await client.get_token_supply(Pubkey.from_string(addresses["usdc_mint"]))).value
    assert usdc.decimals == 6
    configs = [Pubkey.from_string(addresses[name]) for name in ("rewards_config", "staking_config", "escrow_config", "provenance_config")]
    accounts = (await client.get_multiple_accounts(configs)).value
    assert all(account is not None for account in accounts)
