"""The Python client stacks a wallet uses, against the localnet and keeper processes:
solana-py's AsyncClient and its websocket API (connect, signature_subscribe,
account_subscribe, logs_subscribe, slot_subscribe), and anchorpy's Program.rpc with the
Provider's default options (its own confirmation path, no retries of ours).

Notifications are parsed by solders (`parse_websocket_message`), which refuses any frame
not in the validators' shapes.
"""

from __future__ import annotations

import asyncio

from anchorpy import EventParser, Idl, Program, Provider, Wallet
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solana.rpc.types import MemcmpOpts
from solana.rpc.websocket_api import SolanaWsClientProtocol, connect
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.rpc.config import RpcTransactionLogsFilterMentions
from solders.rpc.responses import (
    AccountNotification,
    AccountNotificationJsonParsed,
    LogsNotification,
    ProgramNotificationJsonParsed,
    RootNotification,
    SignatureNotification,
    SlotNotification,
    SubscriptionResult,
    UnsubscribeResult,
)
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction
from spl.token.constants import TOKEN_PROGRAM_ID
from spl.token.instructions import get_associated_token_address

from keeper.client.addresses import EscrowAddresses
from tests.clients.conftest import Cluster
from tests.keeper.test_settlement import expected_split
from tests.keeper.wallet import REPO_ROOT, Bank, Manifest, ctx, funded_keypair, register_node, renter_ledger_if_missing, token_balance

NOTIFICATION_TIMEOUT_SECS = 60
PRICE, HOURS_RESERVED, HOURS_USED, TOKEN_SHARE_BPS = 1_500_000, 6, 1, 2_000


async def next_message(websocket: SolanaWsClientProtocol) -> object:
    messages = await asyncio.wait_for(websocket.recv(), NOTIFICATION_TIMEOUT_SECS)
    assert len(messages) == 1
    return messages[0]


async def subscribed(websocket: SolanaWsClientProtocol) -> int:
    answer = await next_message(websocket)
    assert isinstance(answer, SubscriptionResult), answer
    return answer.result


def default_program(client: AsyncClient, payer: Keypair, name: str) -> Program:
    """A Program as a wallet builds it: the IDL, a Provider with anchorpy's default options."""
    idl = Idl.from_json((REPO_ROOT / "idl" / f"{name}.json").read_text())
    return Program(idl, Pubkey.from_string(idl.address), Provider(client, Wallet(payer)))


async def test_solana_py_websocket_signature_logs_slot_subscriptions(cluster: Cluster) -> None:
    async with AsyncClient(cluster.rpc_url) as client, connect(cluster.ws_url) as websocket:
        payer = await funded_keypair(client)
        recipient = Pubkey.new_unique()
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        transaction = Transaction(
            [payer], Message([transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=recipient, lamports=10**9))], payer.pubkey()), blockhash
        )
        signature = transaction.signatures[0]
        await websocket.signature_subscribe(signature, commitment=Confirmed)
        signature_subscription = await subscribed(websocket)
        await websocket.logs_subscribe(RpcTransactionLogsFilterMentions(recipient), commitment=Confirmed)
        logs_subscription = await subscribed(websocket)
        # AsyncClient's own default path: send, then confirm by polling getSignatureStatuses.
        sent = await client.send_transaction(transaction)
        await client.confirm_transaction(sent.value, commitment=Confirmed)
        landed = (await client.get_transaction(signature)).value
        assert landed is not None
        notifications = [await next_message(websocket), await next_message(websocket)]
        by_kind = {type(item): item for item in notifications}
        signature_notification = by_kind[SignatureNotification]
        assert signature_notification.subscription == signature_subscription
        assert signature_notification.result.context.slot == landed.slot
        assert signature_notification.result.value.err is None
        logs = by_kind[LogsNotification]
        assert logs.subscription == logs_subscription
        assert logs.result.value.signature == signature and logs.result.value.err is None
        assert logs.result.value.logs == [f"Program {'1' * 32} invoke [1]", f"Program {'1' * 32} success"]
        await websocket.logs_unsubscribe(logs_subscription)
        assert isinstance(await next_message(websocket), UnsubscribeResult)
        await websocket.slot_subscribe()
        slot_subscription = await subscribed(websocket)
        slot = await next_message(websocket)
        assert isinstance(slot, SlotNotification) and slot.subscription == slot_subscription
        assert slot.result.slot > slot.result.parent
        await websocket.slot_unsubscribe(slot_subscription)


async def test_anchorpy_program_rpc_wallet_and_solana_py_account_subscription_see_the_keeper_settle(cluster: Cluster) -> None:
    manifest = Manifest.read(cluster.state_dir)
    async with AsyncClient(cluster.rpc_url, commitment="confirmed") as client, connect(cluster.ws_url) as websocket:
        bank = Bank(client, manifest)
        node = await register_node(client, token_share_bps=TOKEN_SHARE_BPS)
        await bank.ata(node.operator.pubkey(), bank.usdc)
        renter = await funded_keypair(client)
        renter_usdc = await bank.give_usdc(renter.pubkey(), 20 * 10**6)
        job_id = 424_242
        job = EscrowAddresses.job(renter.pubkey(), job_id)
        await websocket.account_subscribe(job, commitment=Confirmed, encoding="base64")
        job_subscription = await subscribed(websocket)

        escrow = default_program(client, renter, "escrow")
        opened = await escrow.rpc["open_job"](
            job_id,
            HOURS_RESERVED,
            PRICE,
            ctx=ctx(
                "escrow",
                "open_job",
                {
                    "renter": renter.pubkey(),
                    "renter_ledger": EscrowAddresses.renter_ledger(renter.pubkey()),
                    "config": EscrowAddresses.config,
                    "node": node.address,
                    "job": job,
                    "payment_mint": bank.usdc,
                    "escrow_vault": EscrowAddresses.vault(bank.usdc),
                    "renter_token_account": renter_usdc,
                },
                pre_instructions=await renter_ledger_if_missing(client, renter.pubkey()),
            ),
        )
        decoded = await escrow.account["Job"].fetch(job)
        assert decoded.hours_reserved == HOURS_RESERVED and decoded.price_per_hour == PRICE
        node_escrow = default_program(client, node.node_key, "escrow")
        await node_escrow.rpc["start_job"](ctx=ctx("escrow", "start_job", {"node_key": node.node_key.pubkey(), "config": EscrowAddresses.config, "job": job}))
        await asyncio.sleep(1.1)  # the first hour begins a second after the start
        await node_escrow.rpc["complete_job"](
            HOURS_USED, ctx=ctx("escrow", "complete_job", {"authority": node.node_key.pubkey(), "config": EscrowAddresses.config, "job": job})
        )

        # Opened, started, completed, then closed by the keeper's settlement.
        updates = []
        while not updates or updates[-1].result.value.lamports != 0:
            update = await next_message(websocket)
            assert isinstance(update, AccountNotification) and update.subscription == job_subscription
            updates.append(update)
        assert len(updates) == 4
        assert updates[-1].result.value.owner == Pubkey.from_string("11111111111111111111111111111111")
        settlement = (await client.get_signatures_for_address(job, limit=1)).value[0]
        assert settlement.slot == updates[-1].result.context.slot
        # The JobSettled event, read the anchorpy way from the keeper's transaction.
        settled = (await client.get_transaction(settlement.signature)).value
        assert settled is not None
        events = []
        EventParser(escrow.program_id, escrow.coder).parse_logs(settled.transaction.meta.log_messages, events.append)
        assert [event.name for event in events] == ["JobSettled"] and events[0].data.job == job
        opened_logs = (await client.get_transaction(opened)).value
        assert opened_logs is not None and opened_logs.transaction.meta.err is None

        split = expected_split(PRICE, HOURS_RESERVED, HOURS_USED, TOKEN_SHARE_BPS, usdc=True)
        assert await token_balance(client, get_associated_token_address(node.operator.pubkey(), bank.usdc)) == split.payout
        assert await token_balance(client, renter_usdc) == 20 * 10**6 - split.deposit + split.refund


async def test_solana_py_program_root_and_jsonparsed_account_subscriptions(cluster: Cluster) -> None:
    manifest = Manifest.read(cluster.state_dir)
    async with AsyncClient(cluster.rpc_url, commitment="confirmed") as client, connect(cluster.ws_url) as websocket:
        bank = Bank(client, manifest)
        owner = Keypair()
        token_account = get_associated_token_address(owner.pubkey(), bank.usdc)
        await websocket.program_subscribe(
            TOKEN_PROGRAM_ID, commitment=Confirmed, encoding="jsonParsed", filters=[165, MemcmpOpts(offset=32, bytes=str(owner.pubkey()))]
        )
        program_subscription = await subscribed(websocket)
        await websocket.account_subscribe(token_account, commitment=Confirmed, encoding="jsonParsed")
        account_subscription = await subscribed(websocket)
        await bank.give_usdc(owner.pubkey(), 3_250_000)  # creates the account, then mints into it
        seen: dict[type, list] = {}
        while len(seen.get(AccountNotificationJsonParsed, [])) < 2 or len(seen.get(ProgramNotificationJsonParsed, [])) < 2:
            message = await next_message(websocket)
            seen.setdefault(type(message), []).append(message)
        assert set(seen) == {AccountNotificationJsonParsed, ProgramNotificationJsonParsed}
        account = seen[AccountNotificationJsonParsed][-1]
        assert account.subscription == account_subscription
        parsed = account.result.value.data.parsed
        assert parsed["type"] == "account" and parsed["info"]["tokenAmount"]["amount"] == "3250000"
        assert parsed["info"]["owner"] == str(owner.pubkey())
        program = seen[ProgramNotificationJsonParsed][-1]
        assert program.subscription == program_subscription and program.result.value.pubkey == token_account
        await websocket.program_unsubscribe(program_subscription)
        assert isinstance(await next_message(websocket), UnsubscribeResult)
        await websocket.account_unsubscribe(account_subscription)
        assert isinstance(await next_message(websocket), UnsubscribeResult)
        await websocket.root_subscribe()
        root_subscription = await subscribed(websocket)
        root = await next_message(websocket)
        assert isinstance(root, RootNotification) and root.subscription == root_subscription and root.result > 0
