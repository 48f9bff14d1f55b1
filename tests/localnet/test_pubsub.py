"""The PubSub WebSocket (RPC port + 1) of a real localnet process, frame by frame.

Notifications are compared with the shapes Agave validators send; every subscription kind,
its unsubscribe, and the errors a client can meet.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.types import TxOpts
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction
from spl.token.constants import TOKEN_PROGRAM_ID
from spl.token.instructions import (
    MintToParams,
    create_idempotent_associated_token_account,
    get_associated_token_address,
    mint_to,
)

from tests.keeper.wallet import load_key
from tests.localnet.conftest import Localnet, ws_url
from tests.localnet.ws import PubSubClient, connect

SKIP_PREFLIGHT = TxOpts(skip_preflight=True, skip_confirmation=True)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
async def pubsub(session: aiohttp.ClientSession, localnet: Localnet) -> AsyncIterator[PubSubClient]:
    client = await connect(session, ws_url(localnet.url))
    yield client
    await client.close()


async def transfer_transaction(client: AsyncClient, payer: Keypair, to: Pubkey, lamports: int) -> Transaction:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    return Transaction([payer], Message([transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=to, lamports=lamports))], payer.pubkey()), blockhash)


def usdc(localnet: Localnet) -> tuple[Pubkey, Keypair]:
    manifest = json.loads((localnet.state_dir / "localnet.json").read_text())
    return Pubkey.from_string(manifest["addresses"]["usdc_mint"]), load_key(localnet.state_dir, "usdc_mint_authority")


async def test_signature_subscription_at_every_commitment_fires_once_then_ends(client: AsyncClient, funded: Keypair, pubsub: PubSubClient) -> None:
    transaction = await transfer_transaction(client, funded, Pubkey.new_unique(), 10**9)
    signature = str(transaction.signatures[0])
    ids = {}
    for commitment in ("processed", "confirmed", "finalized"):
        ids[commitment] = await pubsub.subscribe("signatureSubscribe", [signature, {"commitment": commitment}])
    received = await pubsub.subscribe("signatureSubscribe", [signature, {"commitment": "confirmed", "enableReceivedNotification": True}])
    await client.send_raw_transaction(bytes(transaction), SKIP_PREFLIGHT)
    landed = (await client.get_transaction(transaction.signatures[0], commitment="confirmed")).value
    assert landed is not None
    for subscription in ids.values():
        frame = await pubsub.next(subscription)
        assert frame == {
            "jsonrpc": "2.0",
            "method": "signatureNotification",
            "params": {"result": {"context": {"slot": landed.slot}, "value": {"err": None}}, "subscription": subscription},
        }
    first, second = await pubsub.next(received), await pubsub.next(received)
    assert first["params"]["result"] == {"context": {"slot": landed.slot}, "value": "receivedSignature"}
    assert second["params"]["result"]["value"] == {"err": None}
    # Agave ends a signature subscription with its notification: the id is gone.
    answer = await pubsub.request("signatureUnsubscribe", [ids["confirmed"]])
    assert answer["error"] == {"code": -32602, "message": "Invalid subscription id."}


async def test_a_signature_that_already_landed_is_notified_right_after_the_answer(client: AsyncClient, funded: Keypair, pubsub: PubSubClient) -> None:
    transaction = await transfer_transaction(client, funded, Pubkey.new_unique(), 10**9)
    await client.send_raw_transaction(bytes(transaction), SKIP_PREFLIGHT)
    await client.confirm_transaction(transaction.signatures[0])
    subscription = await pubsub.subscribe("signatureSubscribe", [str(transaction.signatures[0])])
    frame = await pubsub.next(subscription)
    assert frame["params"]["result"]["value"] == {"err": None}
    # The answer came first, then the notification.
    kinds = ["result" if "result" in f else f["method"] for f in pubsub.frames if f.get("id") == pubsub._next_id or "method" in f]
    assert kinds[-2:] == ["result", "signatureNotification"]


async def test_a_failed_transaction_is_notified_with_its_error(client: AsyncClient, funded: Keypair, pubsub: PubSubClient) -> None:
    # More lamports than the payer holds: executes, fails, pays its fee.
    recipient = Pubkey.new_unique()
    transaction = await transfer_transaction(client, funded, recipient, 10**12)
    # solana-py sends an explicit null for options it does not set.
    subscription = await pubsub.subscribe(
        "signatureSubscribe", [str(transaction.signatures[0]), {"commitment": "finalized", "enableReceivedNotification": None}]
    )
    logs = await pubsub.subscribe("logsSubscribe", [{"mentions": [str(funded.pubkey())]}])
    payer_account = await pubsub.subscribe("accountSubscribe", [str(funded.pubkey())])
    recipient_account = await pubsub.subscribe("accountSubscribe", [str(recipient)])
    balance = (await client.get_balance(funded.pubkey())).value
    await client.send_raw_transaction(bytes(transaction), SKIP_PREFLIGHT)
    # Only the fee payer is written by a failed transaction (its fee), as on a validator.
    assert (await pubsub.next(payer_account))["params"]["result"]["value"]["lamports"] == balance - 5_000
    frame = await pubsub.next(subscription)
    assert frame["params"]["result"]["value"] == {"err": {"InstructionError": [0, {"Custom": 1}]}}
    log_frame = await pubsub.next(logs)
    value = log_frame["params"]["result"]["value"]
    assert value["signature"] == str(transaction.signatures[0])
    assert value["err"] == {"InstructionError": [0, {"Custom": 1}]}
    assert any("insufficient lamports" in line for line in value["logs"])
    await asyncio.sleep(0.3)
    assert pubsub.notifications[recipient_account].empty()


async def test_account_subscription_base64_jsonparsed_and_close(client: AsyncClient, funded: Keypair, pubsub: PubSubClient, localnet: Localnet) -> None:
    mint, authority = usdc(localnet)
    owner = Keypair()
    token_account = get_associated_token_address(owner.pubkey(), mint)
    raw = await pubsub.subscribe("accountSubscribe", [str(token_account), {"encoding": "base64", "commitment": "confirmed"}])
    parsed = await pubsub.subscribe("accountSubscribe", [str(token_account), {"encoding": "jsonParsed", "commitment": "finalized"}])
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    instructions = [
        create_idempotent_associated_token_account(funded.pubkey(), owner.pubkey(), mint),
        mint_to(MintToParams(TOKEN_PROGRAM_ID, mint, token_account, authority.pubkey(), 1_500_000)),
    ]
    transaction = Transaction([funded, authority], Message(instructions, funded.pubkey()), blockhash)
    await client.send_raw_transaction(bytes(transaction), SKIP_PREFLIGHT)
    landed = (await client.get_transaction(transaction.signatures[0], commitment="confirmed")).value
    assert landed is not None
    raw_frame = await pubsub.next(raw)
    assert raw_frame["method"] == "accountNotification"
    result = raw_frame["params"]["result"]
    assert result["context"] == {"slot": landed.slot}
    info = (await client.get_account_info(token_account)).value
    assert info is not None
    assert result["value"]["lamports"] == info.lamports and result["value"]["owner"] == str(TOKEN_PROGRAM_ID)
    assert result["value"]["space"] == 165 and result["value"]["executable"] is False
    assert result["value"]["data"][1] == "base64"
    parsed_value = (await pubsub.next(parsed))["params"]["result"]["value"]
    assert parsed_value["data"] == {
        "program": "spl-token",
        "parsed": {
            "info": {
                "isNative": False,
                "mint": str(mint),
                "owner": str(owner.pubkey()),
                "state": "initialized",
                "tokenAmount": {"amount": "1500000", "decimals": 6, "uiAmount": 1.5, "uiAmountString": "1.5"},
            },
            "type": "account",
        },
        "space": 165,
    }
    # A closed account: Agave sends the default account (0 lamports, system-owned, no data).
    spender = Keypair()
    await client.confirm_transaction((await client.request_airdrop(spender.pubkey(), 10**9)).value)
    watch = await pubsub.subscribe("accountSubscribe", [str(spender.pubkey())])
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    drain = transfer(TransferParams(from_pubkey=spender.pubkey(), to_pubkey=funded.pubkey(), lamports=10**9 - 5000))
    await client.send_raw_transaction(bytes(Transaction([spender], Message([drain], spender.pubkey()), blockhash)), SKIP_PREFLIGHT)
    closed = (await pubsub.next(watch))["params"]["result"]["value"]
    assert closed == {"data": ["", "base64"], "executable": False, "lamports": 0, "owner": "11111111111111111111111111111111", "rentEpoch": 0, "space": 0}


async def test_program_subscription_applies_its_filters(client: AsyncClient, funded: Keypair, pubsub: PubSubClient, localnet: Localnet) -> None:
    mint, authority = usdc(localnet)
    mine, other = Keypair(), Keypair()
    filters = [{"dataSize": 165}, {"memcmp": {"offset": 32, "bytes": str(mine.pubkey())}}]
    subscription = await pubsub.subscribe("programSubscribe", [str(TOKEN_PROGRAM_ID), {"encoding": "jsonParsed", "filters": filters}])
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    instructions = [
        create_idempotent_associated_token_account(funded.pubkey(), other.pubkey(), mint),
        create_idempotent_associated_token_account(funded.pubkey(), mine.pubkey(), mint),
    ]
    await client.send_raw_transaction(bytes(Transaction([funded], Message(instructions, funded.pubkey()), blockhash)), SKIP_PREFLIGHT)
    frame = await pubsub.next(subscription)
    assert frame["method"] == "programNotification"
    value = frame["params"]["result"]["value"]
    assert value["pubkey"] == str(get_associated_token_address(mine.pubkey(), mint))
    assert value["account"]["data"]["parsed"]["info"]["owner"] == str(mine.pubkey())
    # Only one of the two new token accounts matched (the mint account changed neither).
    await asyncio.sleep(0.3)
    assert pubsub.notifications[subscription].empty()
    bad = await pubsub.request("programSubscribe", [str(TOKEN_PROGRAM_ID), {"filters": [{"memcmp": {"offset": 0, "bytes": "0OIl"}}]}])
    assert bad["error"]["code"] == -32602 and "memcmp" in bad["error"]["message"]


async def test_logs_subscriptions_all_and_mentions(client: AsyncClient, funded: Keypair, pubsub: PubSubClient) -> None:
    target = Pubkey.new_unique()
    everything = await pubsub.subscribe("logsSubscribe", ["all"])
    with_votes = await pubsub.subscribe("logsSubscribe", ["allWithVotes", {"commitment": "processed"}])
    mentions = await pubsub.subscribe("logsSubscribe", [{"mentions": [str(target)]}, {"commitment": "finalized"}])
    transaction = await transfer_transaction(client, funded, target, 10**9)
    await client.send_raw_transaction(bytes(transaction), SKIP_PREFLIGHT)
    signature = str(transaction.signatures[0])
    expected_logs = ["Program 11111111111111111111111111111111 invoke [1]", "Program 11111111111111111111111111111111 success"]
    for subscription in (everything, with_votes):
        while True:  # other tests' transactions may come first
            value = (await pubsub.next(subscription))["params"]["result"]["value"]
            if value["signature"] == signature:
                break
        assert value == {"signature": signature, "err": None, "logs": expected_logs}
    frame = await pubsub.next(mentions)
    assert frame["params"]["result"]["value"]["signature"] == signature
    assert set(frame["params"]["result"]["context"]) == {"slot"}
    two = await pubsub.request("logsSubscribe", [{"mentions": [str(target), str(funded.pubkey())]}])
    assert two["error"] == {"code": -32602, "message": "Invalid params: Invalid Request: Only 1 address supported"}
    bad = await pubsub.request("logsSubscribe", [{"mentions": ["not-a-key"]}])
    assert bad["error"]["code"] == -32602 and "mentions" in bad["error"]["message"]


async def test_slot_and_root_subscriptions_follow_the_clock(pubsub: PubSubClient) -> None:
    slots = await pubsub.subscribe("slotSubscribe")
    roots = await pubsub.subscribe("rootSubscribe")
    first, second = await pubsub.next(slots), await pubsub.next(slots)
    for frame in (first, second):
        result = frame["params"]["result"]
        assert set(result) == {"parent", "root", "slot"}
        assert result["parent"] < result["slot"] and result["root"] <= result["slot"]
    assert second["params"]["result"]["slot"] > first["params"]["result"]["slot"]
    assert second["params"]["result"]["parent"] == first["params"]["result"]["slot"]
    root = (await pubsub.next(roots))["params"]["result"]
    assert isinstance(root, int) and root >= first["params"]["result"]["root"]
    assert (await pubsub.request("slotUnsubscribe", [slots]))["result"] is True
    assert (await pubsub.request("rootUnsubscribe", [roots]))["result"] is True
    await asyncio.sleep(0.5)
    while not pubsub.notifications[slots].empty():  # sent before the unsubscribe was read
        pubsub.notifications[slots].get_nowait()
    await asyncio.sleep(1.0)
    assert pubsub.notifications[slots].empty()


async def test_unsubscribe_is_per_connection_and_once(session: aiohttp.ClientSession, localnet: Localnet, pubsub: PubSubClient) -> None:
    subscription = await pubsub.subscribe("accountSubscribe", [str(Pubkey.new_unique())])
    other = await connect(session, ws_url(localnet.url))
    try:
        stolen = await other.request("accountUnsubscribe", [subscription])
        assert stolen["error"] == {"code": -32602, "message": "Invalid subscription id."}
    finally:
        await other.close()
    assert (await pubsub.request("accountUnsubscribe", [subscription]))["result"] is True
    again = await pubsub.request("accountUnsubscribe", [subscription])
    assert again["error"] == {"code": -32602, "message": "Invalid subscription id."}
    unknown = await pubsub.request("programUnsubscribe", [987654321])
    assert unknown["error"]["message"] == "Invalid subscription id."
    malformed = await pubsub.request("logsUnsubscribe", ["seven"])
    assert malformed["error"]["code"] == -32602


async def test_bad_requests_get_clear_errors_and_the_connection_keeps_serving(pubsub: PubSubClient) -> None:
    parse = await pubsub.request("", raw="{not json")
    assert parse == {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": None}
    invalid = await pubsub.request("", raw=json.dumps({"id": None, "method": 5}))
    assert invalid["error"] == {"code": -32600, "message": "Invalid request"}
    unknown = await pubsub.request("getSlot")  # HTTP methods are not served here, as on a validator
    assert unknown["error"] == {"code": -32601, "message": "Method not found"}
    bad_key = await pubsub.request("accountSubscribe", ["not-a-pubkey"])
    assert bad_key["error"]["code"] == -32602 and "pubkey" in bad_key["error"]["message"]
    bad_encoding = await pubsub.request("accountSubscribe", [str(Pubkey.new_unique()), {"encoding": "base64+zstd"}])
    assert bad_encoding["error"]["code"] == -32602
    bad_signature = await pubsub.request("signatureSubscribe", ["xyz"])
    assert bad_signature["error"]["code"] == -32602
    extra = await pubsub.request("slotSubscribe", [1])
    assert extra["error"]["code"] == -32602
    # A batch answers in one array.
    batch = [{"jsonrpc": "2.0", "id": "a", "method": "slotSubscribe"}, {"jsonrpc": "2.0", "id": "b", "method": "nope"}]
    answers = await pubsub.request("", raw=json.dumps(batch), answer_id="batch")
    assert [answer["id"] for answer in answers] == ["a", "b"]
    assert isinstance(answers[0]["result"], int) and answers[1]["error"]["code"] == -32601
    empty = await pubsub.request("", raw="[]")
    assert empty["error"]["code"] == -32600
    # Still serving.
    assert isinstance(await pubsub.subscribe("rootSubscribe"), int)


async def test_an_oversized_message_closes_that_client_only(session: aiohttp.ClientSession, localnet: Localnet, pubsub: PubSubClient) -> None:
    big = await session.ws_connect(ws_url(localnet.url))
    await big.send_str(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "slotSubscribe", "params": ["x" * 100_000]}))
    closing = await big.receive(timeout=10)
    assert closing.type == aiohttp.WSMsgType.CLOSE
    assert closing.data == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
    await big.close()
    assert isinstance(await pubsub.subscribe("slotSubscribe"), int)


async def test_plain_http_on_the_pubsub_port_is_told_where_it_is(session: aiohttp.ClientSession, localnet: Localnet) -> None:
    async with session.get(ws_url(localnet.url).replace("ws://", "http://")) as response:
        assert response.status == 400
        assert "PubSub WebSocket" in await response.text()


async def test_binary_frames_are_read_as_text(pubsub: PubSubClient) -> None:
    answer_future = asyncio.get_running_loop().create_future()
    pubsub._answers[99] = answer_future
    await pubsub.ws.send_bytes(json.dumps({"jsonrpc": "2.0", "id": 99, "method": "rootSubscribe"}).encode())
    answer = await asyncio.wait_for(answer_future, 10)
    assert isinstance(answer["result"], int)


async def test_a_connection_can_hold_at_most_10000_subscriptions(pubsub: PubSubClient) -> None:
    # In batches (a message may not exceed 64 kB): 10,000 accepted, the next one refused.
    for first in range(0, 10_000, 500):
        batch = [{"jsonrpc": "2.0", "id": f"s{n}", "method": "slotSubscribe"} for n in range(first, first + 500)]
        answers = await pubsub.request("", raw=json.dumps(batch), answer_id="batch")
        assert all("result" in answer for answer in answers)
    refused = await pubsub.request("accountSubscribe", [str(Pubkey.new_unique())])
    assert refused["error"]["code"] == -32603 and "10000 subscriptions" in refused["error"]["message"]
    # Cancelling one makes room again.
    assert (await pubsub.request("slotUnsubscribe", [answers[0]["result"]]))["result"] is True
    assert isinstance(await pubsub.subscribe("rootSubscribe"), int)
