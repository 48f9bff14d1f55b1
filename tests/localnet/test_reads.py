"""Read methods wallets and explorers call: token accounts, largest holders, blocks, fees,
samples, schedules, identity and cluster nodes, jsonParsed and minContextSlot, with the
errors validators answer (raw JSON-RPC, to compare the exact shapes)."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import time
from pathlib import Path

import pytest
from solana.rpc.async_api import AsyncClient
from solders.compute_budget import set_compute_unit_price
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, create_nonce_account, transfer
from solders.transaction import Transaction, VersionedTransaction
from spl.token.constants import TOKEN_PROGRAM_ID
from spl.token.instructions import (
    ApproveParams,
    MintToParams,
    approve,
    create_idempotent_associated_token_account,
    get_associated_token_address,
    mint_to,
)

from keeper.localnet.launch import chain_python
from tests.localnet.conftest import Localnet, free_port_pair, raw_rpc, stop_process
from tests.localnet.test_pubsub import SKIP_PREFLIGHT, usdc

TOKEN_2022 = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"


def call(localnet: Localnet, method: str, params: object = None) -> dict:
    payload: dict = {"jsonrpc": "2.0", "id": 1, "method": method}
    if params is not None:
        payload["params"] = params
    return raw_rpc(localnet.url, payload)


def result(localnet: Localnet, method: str, params: object = None) -> object:
    answer = call(localnet, method, params)
    assert "result" in answer, answer
    return answer["result"]


def error(localnet: Localnet, method: str, params: object = None) -> dict:
    answer = call(localnet, method, params)
    assert "error" in answer, answer
    return answer["error"]


async def send(client: AsyncClient, payer: Keypair, instructions: list, *signers: Keypair) -> str:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    transaction = Transaction([payer, *signers], Message(instructions, payer.pubkey()), blockhash)
    signature = (await client.send_raw_transaction(bytes(transaction), SKIP_PREFLIGHT)).value
    await client.confirm_transaction(signature, commitment="confirmed")
    return str(signature)


@pytest.fixture
async def holder(client: AsyncClient, funded: Keypair, localnet: Localnet) -> tuple[Keypair, Pubkey, Keypair]:
    """(owner, its USDC account holding 2.5 USDC with 1 USDC delegated, the delegate)."""
    mint, authority = usdc(localnet)
    owner, delegate = Keypair(), Keypair()
    account = get_associated_token_address(owner.pubkey(), mint)
    await send(
        client,
        funded,
        [
            create_idempotent_associated_token_account(funded.pubkey(), owner.pubkey(), mint),
            mint_to(MintToParams(TOKEN_PROGRAM_ID, mint, account, authority.pubkey(), 2_500_000)),
            approve(ApproveParams(TOKEN_PROGRAM_ID, account, delegate.pubkey(), owner.pubkey(), 1_000_000)),
        ],
        authority,
        owner,
    )
    return owner, account, delegate


async def test_token_accounts_by_owner_and_delegate(localnet: Localnet, holder: tuple[Keypair, Pubkey, Keypair]) -> None:
    owner, account, delegate = holder
    mint, _ = usdc(localnet)
    by_mint = result(localnet, "getTokenAccountsByOwner", [str(owner.pubkey()), {"mint": str(mint)}, {"encoding": "jsonParsed"}])
    assert set(by_mint["context"]) == {"slot", "apiVersion"}
    [entry] = by_mint["value"]
    assert entry["pubkey"] == str(account)
    info = entry["account"]["data"]["parsed"]["info"]
    assert entry["account"]["data"]["program"] == "spl-token" and entry["account"]["data"]["parsed"]["type"] == "account"
    assert info == {
        "mint": str(mint),
        "owner": str(owner.pubkey()),
        "tokenAmount": {"amount": "2500000", "decimals": 6, "uiAmount": 2.5, "uiAmountString": "2.5"},
        "delegate": str(delegate.pubkey()),
        "state": "initialized",
        "isNative": False,
        "delegatedAmount": {"amount": "1000000", "decimals": 6, "uiAmount": 1.0, "uiAmountString": "1"},
    }
    by_program = result(localnet, "getTokenAccountsByOwner", [str(owner.pubkey()), {"programId": str(TOKEN_PROGRAM_ID)}])
    assert [item["pubkey"] for item in by_program["value"]] == [str(account)]
    assert by_program["value"][0]["account"]["data"][1] == "base64"
    assert result(localnet, "getTokenAccountsByOwner", [str(owner.pubkey()), {"programId": TOKEN_2022}])["value"] == []
    delegated = result(localnet, "getTokenAccountsByDelegate", [str(delegate.pubkey()), {"mint": str(mint)}, {"encoding": "jsonParsed"}])
    assert [item["pubkey"] for item in delegated["value"]] == [str(account)]
    assert result(localnet, "getTokenAccountsByDelegate", [str(owner.pubkey()), {"mint": str(mint)}])["value"] == []
    # Validators' refusals.
    assert error(localnet, "getTokenAccountsByOwner", [str(owner.pubkey()), {"mint": str(Pubkey.new_unique())}]) == {
        "code": -32602,
        "message": "Invalid param: could not find mint",
    }
    assert error(localnet, "getTokenAccountsByOwner", [str(owner.pubkey()), {"mint": str(account)}]) == {
        "code": -32602,
        "message": "Invalid param: not a Token mint",
    }
    assert error(localnet, "getTokenAccountsByOwner", [str(owner.pubkey()), {"programId": str(Pubkey.new_unique())}]) == {
        "code": -32602,
        "message": "Invalid param: unrecognized Token program id",
    }
    assert error(localnet, "getTokenAccountsByOwner", [str(owner.pubkey()), {"mint": str(mint), "programId": TOKEN_2022}])["code"] == -32602
    assert error(localnet, "getTokenAccountsByOwner", [str(owner.pubkey())])["code"] == -32602


async def test_token_largest_accounts_and_jsonparsed_mint(localnet: Localnet, holder: tuple[Keypair, Pubkey, Keypair]) -> None:
    mint, authority = usdc(localnet)
    largest = result(localnet, "getTokenLargestAccounts", [str(mint)])["value"]
    assert 1 <= len(largest) <= 20
    amounts = [int(item["amount"]) for item in largest]
    assert amounts == sorted(amounts, reverse=True)
    assert set(largest[0]) == {"address", "amount", "decimals", "uiAmount", "uiAmountString"}
    parsed = result(localnet, "getAccountInfo", [str(mint), {"encoding": "jsonParsed"}])["value"]["data"]
    assert parsed["program"] == "spl-token" and parsed["space"] == 82 and parsed["parsed"]["type"] == "mint"
    assert parsed["parsed"]["info"]["mintAuthority"] == str(authority.pubkey())
    assert parsed["parsed"]["info"]["decimals"] == 6 and parsed["parsed"]["info"]["isInitialized"] is True
    supply = result(localnet, "getTokenSupply", [str(mint)])["value"]["amount"]
    assert parsed["parsed"]["info"]["supply"] == supply
    assert error(localnet, "getTokenLargestAccounts", [str(holder[1])]) == {"code": -32602, "message": "Invalid param: not a Token mint"}
    assert error(localnet, "getTokenLargestAccounts", [str(Pubkey.new_unique())]) == {"code": -32602, "message": "Invalid param: could not find mint"}


async def test_jsonparsed_falls_back_to_base64_for_other_accounts(localnet: Localnet, funded: Keypair) -> None:
    system = result(localnet, "getAccountInfo", [str(funded.pubkey()), {"encoding": "jsonParsed"}])["value"]
    assert system["data"] == ["", "base64"]
    manifest = json.loads((localnet.state_dir / "localnet.json").read_text())
    program_owned = result(localnet, "getMultipleAccounts", [[manifest["addresses"]["escrow_config"]], {"encoding": "jsonParsed"}])["value"][0]
    assert program_owned["data"][1] == "base64"


async def test_blocks_and_block_times(client: AsyncClient, funded: Keypair, localnet: Localnet) -> None:
    signature = await send(client, funded, [transfer(TransferParams(from_pubkey=funded.pubkey(), to_pubkey=Pubkey.new_unique(), lamports=10**6))])
    landed = result(localnet, "getTransaction", [signature])
    block = result(localnet, "getBlock", [landed["slot"]])
    assert set(block) == {"blockHeight", "blockTime", "blockhash", "parentSlot", "previousBlockhash", "transactions", "rewards"}
    assert block["parentSlot"] < landed["slot"] and block["rewards"] == []
    assert block["blockTime"] == result(localnet, "getBlockTime", [landed["slot"]])
    # A block's time is its first transaction's (the scaled clock may tick within a slot).
    first_in_block = result(localnet, "getTransaction", [block["transactions"][0]["transaction"]["signatures"][0]])
    assert block["blockTime"] == first_in_block["blockTime"] and landed["blockTime"] in (block["blockTime"], block["blockTime"] + 1)
    mine = [item for item in block["transactions"] if item["transaction"]["signatures"][0] == signature]
    assert mine == [{"transaction": landed["transaction"], "meta": landed["meta"]}]
    signatures = result(localnet, "getBlock", [landed["slot"], {"transactionDetails": "signatures", "rewards": False}])
    assert signature in signatures["signatures"] and "rewards" not in signatures and "transactions" not in signatures
    none = result(localnet, "getBlock", [landed["slot"], {"transactionDetails": "none"}])
    assert "transactions" not in none and "signatures" not in none
    accounts = result(localnet, "getBlock", [landed["slot"], {"transactionDetails": "accounts", "maxSupportedTransactionVersion": 0}])
    entry = next(item for item in accounts["transactions"] if item["transaction"]["signatures"][0] == signature)
    assert entry["transaction"]["accountKeys"][0] == {"pubkey": str(funded.pubkey()), "writable": True, "signer": True, "source": "transaction"}
    assert entry["version"] == "legacy"
    # The chain of blocks: getBlocks lists the slots it has, parents link them.
    first = result(localnet, "getFirstAvailableBlock")
    slots = result(localnet, "getBlocks", [landed["slot"] - 50, landed["slot"]])
    assert landed["slot"] in slots and slots == sorted(slots) and all(slot >= first for slot in slots)
    assert result(localnet, "getBlock", [slots[-1]])["parentSlot"] == slots[-2]
    assert result(localnet, "getBlocksWithLimit", [landed["slot"], 1]) == [landed["slot"]]
    tip = result(localnet, "getSlot")
    assert max(result(localnet, "getBlocks", [landed["slot"]])) <= result(localnet, "getSlot") and tip >= landed["slot"]
    # Validators' errors.
    future = tip + 10_000
    assert error(localnet, "getBlock", [future]) == {"code": -32004, "message": f"Block not available for slot {future}"}
    assert error(localnet, "getBlockTime", [future])["code"] == -32004
    assert error(localnet, "getBlock", [first - 1]) == {
        "code": -32001,
        "message": f"Block {first - 1} cleaned up, does not exist on node. First available block: {first}",
    }
    assert error(localnet, "getBlock", [landed["slot"], {"commitment": "processed"}]) == {
        "code": -32602,
        "message": "Method does not support commitment below `confirmed`",
    }
    assert error(localnet, "getBlocks", [0, 600_000]) == {"code": -32602, "message": "Slot range too large; max 500000"}
    assert error(localnet, "getBlock", ["7"])["code"] == -32602


async def test_a_v0_transaction_in_a_block_needs_max_supported_version(client: AsyncClient, funded: Keypair, localnet: Localnet) -> None:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    message = MessageV0.try_compile(
        funded.pubkey(), [transfer(TransferParams(from_pubkey=funded.pubkey(), to_pubkey=Pubkey.new_unique(), lamports=10**6))], [], blockhash
    )
    transaction = VersionedTransaction(message, [funded])
    signature = (await client.send_raw_transaction(bytes(transaction), SKIP_PREFLIGHT)).value
    await client.confirm_transaction(signature, commitment="confirmed")
    slot = result(localnet, "getTransaction", [str(signature), {"maxSupportedTransactionVersion": 0}])["slot"]
    assert error(localnet, "getBlock", [slot])["code"] == -32015
    block = result(localnet, "getBlock", [slot, {"maxSupportedTransactionVersion": 0, "encoding": "base64"}])
    mine = [item for item in block["transactions"] if item["version"] == 0]
    assert mine and mine[0]["transaction"][1] == "base64"


async def test_recent_prioritization_fees(client: AsyncClient, funded: Keypair, localnet: Localnet) -> None:
    target = Pubkey.new_unique()
    await send(client, funded, [set_compute_unit_price(777), transfer(TransferParams(from_pubkey=funded.pubkey(), to_pubkey=target, lamports=10**6))])
    fees = result(localnet, "getRecentPrioritizationFees", [[str(target)]])
    assert 1 <= len(fees) <= 150 and all(set(item) == {"slot", "prioritizationFee"} for item in fees)
    assert [item["slot"] for item in fees] == sorted(item["slot"] for item in fees)
    assert 777 in [item["prioritizationFee"] for item in fees]
    assert all(isinstance(item["prioritizationFee"], int) for item in result(localnet, "getRecentPrioritizationFees"))
    too_many = [str(Pubkey.new_unique()) for _ in range(129)]
    assert error(localnet, "getRecentPrioritizationFees", [too_many]) == {"code": -32602, "message": "Too many inputs provided; max 128"}
    assert error(localnet, "getRecentPrioritizationFees", [["nope"]])["code"] == -32602


def test_cluster_identity_schedules_and_samples(localnet: Localnet) -> None:
    identity = result(localnet, "getIdentity")["identity"]
    Pubkey.from_string(identity)
    [node] = result(localnet, "getClusterNodes")
    port = int(localnet.url.rsplit(":", 1)[1])
    assert node["pubkey"] == identity and node["rpc"] == f"127.0.0.1:{port}" and node["pubsub"] == f"127.0.0.1:{port + 1}"
    assert node["version"] == result(localnet, "getVersion")["solana-core"]
    schedule = result(localnet, "getEpochSchedule")
    assert set(schedule) == {"slotsPerEpoch", "leaderScheduleSlotOffset", "warmup", "firstNormalEpoch", "firstNormalSlot"}
    leaders = result(localnet, "getLeaderSchedule")
    info = result(localnet, "getEpochInfo")
    assert list(leaders) == [identity] and len(leaders[identity]) == info["slotsInEpoch"]
    assert result(localnet, "getLeaderSchedule", [None, {"identity": str(Pubkey.new_unique())}]) == {}
    assert result(localnet, "getLeaderSchedule", [info["absoluteSlot"] + 100 * schedule["slotsPerEpoch"]]) is None
    assert result(localnet, "getSlotLeader") == identity
    assert result(localnet, "getTransactionCount") >= info["transactionCount"]
    samples = result(localnet, "getRecentPerformanceSamples", [5])
    assert isinstance(samples, list) and len(samples) <= 5
    assert error(localnet, "getRecentPerformanceSamples", [721])["code"] == -32602
    assert error(localnet, "getIdentity", [1])["code"] == -32602
    assert error(localnet, "getNoSuchThing") == {"code": -32601, "message": "Method not found"}


def test_min_context_slot_and_with_context(localnet: Localnet) -> None:
    slot = result(localnet, "getSlot")
    far = slot + 1_000_000
    for method, params in (
        ("getSlot", [{"minContextSlot": far}]),
        ("getBalance", [str(Pubkey.new_unique()), {"minContextSlot": far}]),
        ("getAccountInfo", [str(Pubkey.new_unique()), {"minContextSlot": far}]),
        ("getLatestBlockhash", [{"minContextSlot": far}]),
    ):
        answer = error(localnet, method, params)
        assert answer["code"] == -32016 and answer["message"] == "Minimum context slot has not been reached"
        assert answer["data"]["contextSlot"] >= slot
    assert result(localnet, "getBalance", [str(Pubkey.new_unique()), {"minContextSlot": slot}])["value"] == 0
    program = str(TOKEN_PROGRAM_ID)
    with_context = result(localnet, "getProgramAccounts", [program, {"withContext": True, "dataSlice": {"offset": 0, "length": 0}}])
    assert set(with_context) == {"context", "value"} and isinstance(with_context["value"], list) and with_context["value"]
    plain = result(localnet, "getProgramAccounts", [program, {"dataSlice": {"offset": 0, "length": 0}}])
    assert isinstance(plain, list) and len(plain) == len(with_context["value"])


async def test_performance_samples_are_taken_every_period(tmp_path: Path) -> None:
    """A node started with a 1 s sample period reports the transactions of each period."""
    port = free_port_pair()
    process = subprocess.Popen(
        [str(chain_python()), "-m", "keeper.localnet.node", "--port", str(port), "--sample-secs", "1"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None and process.stdout.readline().startswith("ready ")
        node = Localnet(f"http://127.0.0.1:{port}", tmp_path, process, tmp_path / "none.log")
        for _ in range(3):
            result(node, "requestAirdrop", [str(Pubkey.new_unique()), 10**9])
        await asyncio.sleep(2.5)
        samples = result(node, "getRecentPerformanceSamples", [10])
        assert len(samples) >= 2
        assert set(samples[0]) == {"slot", "numTransactions", "numSlots", "samplePeriodSecs", "numNonVoteTransactions"}
        assert samples[0]["samplePeriodSecs"] == 1 and samples[0]["slot"] >= samples[1]["slot"]
        assert sum(sample["numTransactions"] for sample in samples) == 3
        assert all(sample["numNonVoteTransactions"] == sample["numTransactions"] for sample in samples)
        assert len(result(node, "getRecentPerformanceSamples", [1])) == 1
    finally:
        stop_process(process)


async def test_jsonparsed_nonce_account(client: AsyncClient, funded: Keypair, localnet: Localnet) -> None:
    nonce, authority = Keypair(), Pubkey.new_unique()
    rent = result(localnet, "getMinimumBalanceForRentExemption", [80])
    await send(client, funded, list(create_nonce_account(funded.pubkey(), nonce.pubkey(), authority, rent)), nonce)
    account = result(localnet, "getAccountInfo", [str(nonce.pubkey()), {"encoding": "jsonParsed"}])["value"]
    assert account["data"]["program"] == "nonce" and account["data"]["space"] == 80
    parsed = account["data"]["parsed"]
    assert parsed["type"] == "initialized"
    assert parsed["info"]["authority"] == str(authority)
    assert parsed["info"]["feeCalculator"] == {"lamportsPerSignature": "5000"}
    raw = base64.b64decode(result(localnet, "getAccountInfo", [str(nonce.pubkey()), {"encoding": "base64"}])["value"]["data"][0])
    assert parsed["info"]["blockhash"] == str(Hash(raw[40:72]))


def test_blocks_with_limit_refuses_a_limit_past_the_maximum(localnet: Localnet) -> None:
    assert error(localnet, "getBlocksWithLimit", [0, 500_001]) == {"code": -32602, "message": "Limit too large; max 500000"}
    assert error(localnet, "getBlocksWithLimit", [0, 10, {"commitment": "processed"}])["code"] == -32602
    assert result(localnet, "getBlocksWithLimit", [0, 0]) == []


async def test_landed_at_says_when_a_transaction_was_committed(client: AsyncClient, funded: Keypair, localnet: Localnet) -> None:
    before = time.time()
    signature = await send(client, funded, [transfer(TransferParams(from_pubkey=funded.pubkey(), to_pubkey=Pubkey.new_unique(), lamports=10**6))])
    landed, unknown = result(localnet, "localnet_landedAt", [[signature, "1" * 64]])
    assert before - 1 <= landed <= time.time() and unknown is None
    assert error(localnet, "localnet_landedAt", [["not-a-signature"]])["code"] == -32602
