"""getSignaturesForAddress against a real localnet process: order, limit, paging, errors."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.core import RPCException
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.rpc.errors import InvalidParamsMessage
from solders.signature import Signature
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction
from solders.transaction_status import InstructionErrorCustom, TransactionConfirmationStatus, TransactionErrorInstructionError

from tests.localnet.conftest import Localnet, raw_rpc

LAMPORTS_PER_SOL = 10**9
ITEM_KEYS = {"signature", "slot", "err", "memo", "blockTime", "confirmationStatus"}
INSUFFICIENT_FUNDS = {"InstructionError": [0, {"Custom": 1}]}


def call(localnet: Localnet, method: str, params: list[Any]) -> dict[str, Any]:
    return raw_rpc(localnet.url, {"jsonrpc": "2.0", "id": 1, "method": method, "params": params})


def signatures_for(localnet: Localnet, address: Pubkey | str, **config: Any) -> list[dict[str, Any]]:
    response = call(localnet, "getSignaturesForAddress", [str(address), config] if config else [str(address)])
    assert "error" not in response, response
    return response["result"]


def listed(localnet: Localnet, address: Pubkey | str, **config: Any) -> list[str]:
    return [item["signature"] for item in signatures_for(localnet, address, **config)]


def airdrop(localnet: Localnet, recipient: Pubkey) -> str:
    return call(localnet, "requestAirdrop", [str(recipient), LAMPORTS_PER_SOL])["result"]


def send_transfer(localnet: Localnet, payer: Keypair, recipient: Pubkey, lamports: int, *, skip_preflight: bool = False) -> str:
    blockhash = call(localnet, "getLatestBlockhash", [])["result"]["value"]["blockhash"]
    instruction = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=recipient, lamports=lamports))
    transaction = Transaction([payer], Message([instruction], payer.pubkey()), Hash.from_string(blockhash))
    encoded = base64.b64encode(bytes(transaction)).decode()
    response = call(localnet, "sendTransaction", [encoded, {"encoding": "base64", "skipPreflight": skip_preflight}])
    assert "error" not in response, response
    return response["result"]


@dataclass
class Activity:
    """A fresh payer's transactions (oldest first), with unrelated ones sent in between."""

    payer: Keypair
    signatures: list[str]  # airdrop, four transfers, a failed transfer
    recipients: list[Pubkey]
    unrelated: list[str]  # unrelated[i] was sent right after signatures[i]

    @property
    def newest_first(self) -> list[str]:
        return self.signatures[::-1]


@pytest.fixture(scope="module")
def activity(localnet: Localnet) -> Activity:
    payer, bystander = Keypair(), Keypair()
    airdrop(localnet, bystander.pubkey())
    recipients = [Pubkey.new_unique() for _ in range(5)]
    signatures, unrelated = [airdrop(localnet, payer.pubkey())], []
    for index, recipient in enumerate(recipients):
        unrelated.append(send_transfer(localnet, bystander, Pubkey.new_unique(), 1_000_000))
        # The last transfer asks for more than the payer holds: it lands (no preflight) and fails.
        lamports = 100 * LAMPORTS_PER_SOL if index == len(recipients) - 1 else 1_000_000
        signatures.append(send_transfer(localnet, payer, recipient, lamports, skip_preflight=True))
    unrelated.append(send_transfer(localnet, bystander, Pubkey.new_unique(), 1_000_000))
    return Activity(payer, signatures, recipients, unrelated)


def test_items_are_newest_first_with_agave_fields(localnet: Localnet, activity: Activity) -> None:
    items = signatures_for(localnet, activity.payer.pubkey())
    assert [item["signature"] for item in items] == activity.newest_first
    for item in items:
        assert set(item) == ITEM_KEYS
        assert item["memo"] is None and item["confirmationStatus"] == "finalized"
        assert isinstance(item["blockTime"], int) and isinstance(item["slot"], int)
    slots = [item["slot"] for item in items]
    assert slots == sorted(slots, reverse=True)
    # Each item agrees with getSignatureStatuses / getTransaction for the same signature.
    statuses = call(localnet, "getSignatureStatuses", [[item["signature"] for item in items]])["result"]["value"]
    assert [status["slot"] for status in statuses] == slots
    landed = call(localnet, "getTransaction", [items[0]["signature"], {"encoding": "json"}])["result"]
    assert (landed["slot"], landed["blockTime"]) == (items[0]["slot"], items[0]["blockTime"])


def test_failed_transaction_is_listed_with_its_error(localnet: Localnet, activity: Activity) -> None:
    items = signatures_for(localnet, activity.payer.pubkey())
    assert items[0]["err"] == INSUFFICIENT_FUNDS
    assert [item["err"] for item in items[1:]] == [None] * (len(items) - 1)
    # The failed transfer never credited its recipient, but it did name it.
    assert listed(localnet, activity.recipients[-1]) == [activity.signatures[-1]]


def test_only_transactions_naming_the_address_are_listed(localnet: Localnet, activity: Activity) -> None:
    for recipient, signature in zip(activity.recipients, activity.signatures[1:], strict=False):
        assert listed(localnet, recipient) == [signature]
    assert not set(activity.unrelated) & set(listed(localnet, activity.payer.pubkey()))
    assert listed(localnet, Pubkey.new_unique()) == []
    # Programs are account keys too; nothing has run since the fixture's last transfer.
    assert listed(localnet, SYSTEM_PROGRAM_ID, limit=1) == [activity.unrelated[-1]]


def test_limit(localnet: Localnet, activity: Activity) -> None:
    payer = activity.payer.pubkey()
    assert listed(localnet, payer, limit=1) == activity.newest_first[:1]
    assert listed(localnet, payer, limit=4) == activity.newest_first[:4]
    assert listed(localnet, payer, limit=1000) == activity.newest_first


@pytest.mark.parametrize("page_size", [1, 2, 4, 6, 7])
def test_paging_with_before_walks_the_whole_list(localnet: Localnet, activity: Activity, page_size: int) -> None:
    walked: list[str] = []
    before: str | None = None
    while True:
        page = listed(localnet, activity.payer.pubkey(), limit=page_size, **({} if before is None else {"before": before}))
        assert len(page) <= page_size
        walked.extend(page)
        if len(page) < page_size:
            break
        before = page[-1]
    assert walked == activity.newest_first


def test_paging_with_until_walks_forward_in_time(localnet: Localnet, activity: Activity) -> None:
    # Polling for what is new: everything after the newest signature already seen.
    payer = activity.payer.pubkey()
    for seen in range(len(activity.signatures)):
        assert listed(localnet, payer, until=activity.signatures[seen]) == activity.newest_first[: len(activity.signatures) - seen - 1]


def test_before_and_until_are_exclusive_bounds(localnet: Localnet, activity: Activity) -> None:
    payer, signatures = activity.payer.pubkey(), activity.signatures
    assert listed(localnet, payer, before=signatures[4], until=signatures[1]) == [signatures[3], signatures[2]]
    assert listed(localnet, payer, before=signatures[4], until=signatures[1], limit=1) == [signatures[3]]
    assert listed(localnet, payer, before=signatures[2], until=signatures[3]) == []
    assert listed(localnet, payer, before=signatures[0]) == []


def test_before_and_until_may_be_other_addresses_signatures(localnet: Localnet, activity: Activity) -> None:
    # They mark a point in the ledger, as in Agave, not a position in this address's list.
    payer, signatures, unrelated = activity.payer.pubkey(), activity.signatures, activity.unrelated
    assert listed(localnet, payer, before=unrelated[2]) == [signatures[2], signatures[1], signatures[0]]
    assert listed(localnet, payer, until=unrelated[3]) == [signatures[5], signatures[4]]


def test_unknown_before_finds_nothing_and_unknown_until_is_ignored(localnet: Localnet, activity: Activity) -> None:
    unknown = str(Keypair().sign_message(b"never sent"))
    assert listed(localnet, activity.payer.pubkey(), before=unknown) == []
    assert listed(localnet, activity.payer.pubkey(), until=unknown) == activity.newest_first


def test_commitment_and_min_context_slot_are_accepted(localnet: Localnet, activity: Activity) -> None:
    for commitment in ("confirmed", "finalized"):
        assert listed(localnet, activity.payer.pubkey(), commitment=commitment, minContextSlot=0) == activity.newest_first


ADDRESS = "11111111111111111111111111111111"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (["abc"], "Invalid param: address: invalid pubkey 'abc' (String is the wrong size)"),
        (["not-a-pubkey"], "Invalid param: address: invalid pubkey 'not-a-pubkey' (Invalid Base58 string)"),
        ([ADDRESS, {"before": "xyz"}], "Invalid param: before: invalid signature 'xyz' (string decoded to wrong size for signature)"),
        ([ADDRESS, {"until": "0OIl"}], "Invalid param: until: invalid signature '0OIl' (failed to decode string to signature)"),
        ([ADDRESS, {"limit": 0}], "Invalid limit; max 1000 (got 0)"),
        ([ADDRESS, {"limit": 1001}], "Invalid limit; max 1000 (got 1001)"),
        ([ADDRESS, {"limit": -5}], "Invalid limit; max 1000 (got -5)"),
        ([ADDRESS, {"limit": "10"}], "Invalid params: config.limit: Input should be a valid integer"),
        ([ADDRESS, {"limit": 2.5}], "Invalid params: config.limit: Input should be a valid integer"),
        ([ADDRESS, {"before": 5}], "Invalid params: config.before: Input should be a valid string"),
        ([ADDRESS, {"commitment": "processed"}], "Method does not support commitment below `confirmed`"),
        ([ADDRESS, {"commitment": "sometimes"}], "Invalid params: config.commitment: Input should be"),
        ([ADDRESS, {"minContextSlot": -1}], "Invalid params: config.minContextSlot: Input should be greater than or equal to 0"),
        ([], "Invalid params: address: Field required"),
        ([42], "Invalid params: address: Input should be a valid string"),
        ([ADDRESS, {}, 1], "Invalid params: expected at most 2 parameters, got 3"),
    ],
)
def test_invalid_params_are_32602_with_the_reason(localnet: Localnet, params: list[Any], message: str) -> None:
    error = call(localnet, "getSignaturesForAddress", params)["error"]
    assert error["code"] == -32602
    assert error["message"].startswith(message), error["message"]


async def test_solana_py_parses_the_result(client: AsyncClient, activity: Activity) -> None:
    payer = activity.payer.pubkey()
    items = (await client.get_signatures_for_address(payer)).value
    assert [str(item.signature) for item in items] == activity.newest_first
    assert items[0].err == TransactionErrorInstructionError(0, InstructionErrorCustom(1))
    assert all(item.err is None for item in items[1:])
    assert all(item.memo is None and item.block_time is not None for item in items)
    assert all(item.confirmation_status == TransactionConfirmationStatus.Finalized for item in items)
    signatures = [Signature.from_string(signature) for signature in activity.newest_first]
    page = (await client.get_signatures_for_address(payer, before=signatures[1], until=signatures[4], limit=2)).value
    assert [item.signature for item in page] == signatures[2:4]


async def test_solana_py_surfaces_the_commitment_error(localnet: Localnet) -> None:
    async with AsyncClient(localnet.url, commitment="processed") as processed:
        with pytest.raises(RPCException) as raised:
            await processed.get_signatures_for_address(Pubkey.new_unique())
    parsed = raised.value.args[0]
    assert isinstance(parsed, InvalidParamsMessage)
    assert parsed.message == "Method does not support commitment below `confirmed`"
