"""PubSub subscriptions, as Agave's `rpc_pubsub` serves them, fed by the chain's commits.

The chain calls this module (a `ChainObserver`) synchronously right after each commit, on
the event loop that serves every request, so notifications are queued in commit order and
before the sender even hears its transaction landed. Notifications go out in Agave's shapes
(`{"jsonrpc":"2.0","method":"…Notification","params":{"result":…,"subscription":id}}`).

Commitment: nothing on this chain is ever rolled back, so a transaction is processed,
confirmed and finalized in the same instant; a subscription at any commitment is notified
once, at the commit. Subscriptions belong to the connection that made them: only it can
cancel them, and they end with it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import ID as SYSTEM_PROGRAM_ID

from keeper.localnet.node import params as p
from keeper.localnet.node.chain import Chain
from keeper.localnet.node.encoding import encode_account
from keeper.localnet.node.errors import INTERNAL_ERROR, INVALID_PARAMS, METHOD_NOT_FOUND, RpcError, transaction_error_json
from keeper.localnet.node.filters import AccountFilter
from keeper.localnet.node.records import TransactionRecord

# Per connection; a validator's limit is global (1,000,000) but one runaway client should
# not be able to take them all.
MAX_SUBSCRIPTIONS_PER_CLIENT: Final = 10_000
# Slot and root notifications go out at most this often. At 1x a slot lasts 400 ms, so every
# slot is still told; a clock running 600x moves 1,500 slots a second, which would otherwise
# be a notification per slot per subscriber (the slots between count as skipped).
SLOT_NOTIFY_INTERVAL_SECS: Final = 0.05
# What Agave sends for an account that no longer exists (closed): the default account.
_CLOSED_ACCOUNT: Final = {"lamports": 0, "owner": str(SYSTEM_PROGRAM_ID), "executable": False, "rentEpoch": 0, "space": 0}


class Client(Protocol):
    """A connection's outbox: queues one serialised message (the transport bounds it)."""

    def send(self, message: str) -> None: ...


@dataclass(eq=False, slots=True)
class Subscription:
    id: int
    client: Client
    notification: str  # the notification's method, e.g. "accountNotification"
    key: Any = None  # the address or signature it watches (None: everything)
    config: Any = None  # the parsed config (encoding, data slice, …)
    filter: AccountFilter | None = None
    received: bool = False  # signatureSubscribe's enableReceivedNotification


def notification(method: str, result_json: str, subscription_id: int) -> str:
    # Formatted rather than dumped: the result is serialised once and shared by every
    # subscriber of the same event.
    return f'{{"jsonrpc":"2.0","method":"{method}","params":{{"result":{result_json},"subscription":{subscription_id}}}}}'


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


@dataclass
class _Index:
    """Subscriptions by what they watch."""

    signatures: dict[Signature, list[Subscription]] = field(default_factory=dict)
    accounts: dict[Pubkey, list[Subscription]] = field(default_factory=dict)
    programs: dict[Pubkey, list[Subscription]] = field(default_factory=dict)
    mentions: dict[Pubkey, list[Subscription]] = field(default_factory=dict)
    all_logs: list[Subscription] = field(default_factory=list)
    slots: list[Subscription] = field(default_factory=list)
    roots: list[Subscription] = field(default_factory=list)

    def bucket(self, subscription: Subscription) -> list[Subscription]:
        by_method: dict[str, dict[Any, list[Subscription]]] = {
            "signatureNotification": self.signatures,
            "accountNotification": self.accounts,
            "programNotification": self.programs,
            "logsNotification": self.mentions,
        }
        keyed = by_method.get(subscription.notification)
        if keyed is not None and subscription.key is not None:
            return keyed.setdefault(subscription.key, [])
        return {"logsNotification": self.all_logs, "slotNotification": self.slots, "rootNotification": self.roots}[subscription.notification]

    def remove(self, subscription: Subscription) -> None:
        bucket = self.bucket(subscription)
        bucket.remove(subscription)
        if not bucket and subscription.key is not None:
            for keyed in (self.signatures, self.accounts, self.programs, self.mentions):
                if keyed.get(subscription.key) is bucket:
                    del keyed[subscription.key]


class PubSub:
    """Every live subscription of every connection, and the notifications the chain's changes make."""

    def __init__(self, chain: Chain, *, max_per_client: int = MAX_SUBSCRIPTIONS_PER_CLIENT) -> None:
        self.chain = chain
        self.max_per_client = max_per_client
        self._index = _Index()
        self._by_id: dict[int, Subscription] = {}
        self._by_client: dict[Client, dict[int, Subscription]] = {}
        self._next_id = 0
        self.notifications_sent = 0
        # Slot changes not told yet: (parent of the first, newest slot, its root).
        self._pending_slot: tuple[int, int, int] | None = None
        self._slot_flush: asyncio.TimerHandle | None = None
        self._subscribers: dict[str, Callable[[Client, Any], Subscription]] = {
            "signatureSubscribe": self._signature,
            "accountSubscribe": self._account,
            "programSubscribe": self._program,
            "logsSubscribe": self._logs,
            "slotSubscribe": self._slot,
            "rootSubscribe": self._root,
        }
        self._unsubscribers = {
            "signatureUnsubscribe",
            "accountUnsubscribe",
            "programUnsubscribe",
            "logsUnsubscribe",
            "slotUnsubscribe",
            "rootUnsubscribe",
        }

    # --- requests -------------------------------------------------------------------------

    def call(self, client: Client, method: str, params: Any) -> tuple[Any, Subscription | None]:
        """The request's result, and the subscription it made (to `start` once the result is sent)."""
        subscriber = self._subscribers.get(method)
        if subscriber is not None:
            if len(self._by_client.get(client, ())) >= self.max_per_client:
                raise RpcError(INTERNAL_ERROR, f"Internal error: subscription refused, this connection already has {self.max_per_client} subscriptions")
            subscription = subscriber(client, params)
            self._by_id[subscription.id] = subscription
            self._by_client.setdefault(client, {})[subscription.id] = subscription
            self._index.bucket(subscription).append(subscription)
            return subscription.id, subscription
        if method in self._unsubscribers:
            subscription_id = p.UnsubscribeParams.parse(params).subscription_id
            owned = self._by_client.get(client, {})
            if subscription_id not in owned:
                # Agave's answer for an id this connection does not hold (or that already ended).
                raise RpcError(INVALID_PARAMS, "Invalid subscription id.")
            self._cancel(owned[subscription_id])
            return True, None
        raise RpcError(METHOD_NOT_FOUND, "Method not found")

    def start(self, subscription: Subscription) -> None:
        """Sent after the subscribe answer: a signature that already landed is notified now."""
        if subscription.notification == "signatureNotification" and subscription.id in self._by_id:
            record = self.chain.transaction(subscription.key)
            if record is not None:
                self._notify_signature(subscription, record)

    def drop(self, client: Client) -> None:
        """Ends every subscription of a connection that went away."""
        for subscription in list(self._by_client.get(client, {}).values()):
            self._cancel(subscription)
        self._by_client.pop(client, None)

    def subscription_count(self) -> int:
        return len(self._by_id)

    def _new(self, client: Client, notification_method: str, **fields: Any) -> Subscription:
        subscription = Subscription(self._next_id, client, notification_method, **fields)
        self._next_id += 1
        return subscription

    def _signature(self, client: Client, params: Any) -> Subscription:
        parsed = p.SignatureSubscribeParams.parse(params)
        config = parsed.config or p.SignatureSubscribeConfig()
        return self._new(client, "signatureNotification", key=parsed.signature, config=config, received=bool(config.enable_received_notification))

    def _account(self, client: Client, params: Any) -> Subscription:
        parsed = p.AccountSubscribeParams.parse(params)
        config = parsed.config or p.AccountInfoConfig()
        _check_encoding(config.encoding)
        return self._new(client, "accountNotification", key=parsed.pubkey, config=config)

    def _program(self, client: Client, params: Any) -> Subscription:
        parsed = p.ProgramSubscribeParams.parse(params)
        config = parsed.config or p.ProgramAccountsConfig()
        _check_encoding(config.encoding)
        return self._new(client, "programNotification", key=parsed.program_id, config=config, filter=AccountFilter.compile(config.filters))

    def _logs(self, client: Client, params: Any) -> Subscription:
        parsed = p.LogsSubscribeParams.parse(params)
        return self._new(client, "logsNotification", key=parsed.mentioned(), config=parsed.config)

    def _slot(self, client: Client, params: Any) -> Subscription:
        p.NoParams.parse(params)
        return self._new(client, "slotNotification")

    def _root(self, client: Client, params: Any) -> Subscription:
        p.NoParams.parse(params)
        return self._new(client, "rootNotification")

    def _cancel(self, subscription: Subscription) -> None:
        if self._by_id.pop(subscription.id, None) is None:
            return
        self._index.remove(subscription)
        owned = self._by_client.get(subscription.client)
        if owned is not None:
            owned.pop(subscription.id, None)

    def _send(self, subscription: Subscription, result_json: str) -> None:
        subscription.client.send(notification(subscription.notification, result_json, subscription.id))
        self.notifications_sent += 1

    # --- the chain's changes (ChainObserver) ------------------------------------------------

    def transaction_committed(self, record: TransactionRecord) -> None:
        index = self._index
        signature = record.result.signature
        if signature in index.signatures:
            for subscription in list(index.signatures[signature]):
                self._notify_signature(subscription, record)
        if index.all_logs or index.mentions:
            self._notify_logs(record)
        if index.accounts or index.programs:
            # A failed transaction stores only its fee payer (charged the fee), as on a validator.
            written = record.writable_keys() if record.result.succeeded else record.account_keys[:1]
            self._notify_accounts(record.slot, written)

    def account_set(self, address: Pubkey) -> None:
        if self._index.accounts or self._index.programs:
            self._notify_accounts(self.chain.slot, [address])

    def slot_advanced(self, slot: int, parent: int, root: int) -> None:
        if not (self._index.slots or self._index.roots):
            return
        first_parent = parent if self._pending_slot is None else self._pending_slot[0]
        self._pending_slot = (first_parent, slot, root)
        if self._slot_flush is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (the chain used in process): tell now
            self._flush_slots()
            return
        self._slot_flush = loop.call_later(SLOT_NOTIFY_INTERVAL_SECS, self._flush_slots)

    def _flush_slots(self) -> None:
        self._slot_flush = None
        if self._pending_slot is None:
            return
        parent, slot, root = self._pending_slot
        self._pending_slot = None
        if self._index.slots:
            result = _dumps({"parent": parent, "root": root, "slot": slot})
            for subscription in self._index.slots:
                self._send(subscription, result)
        for subscription in self._index.roots:
            self._send(subscription, str(root))

    def _notify_signature(self, subscription: Subscription, record: TransactionRecord) -> None:
        context = f'{{"slot":{record.slot}}}'
        if subscription.received:
            self._send(subscription, f'{{"context":{context},"value":"receivedSignature"}}')
        self._send(subscription, f'{{"context":{context},"value":{{"err":{_dumps(transaction_error_json(record.result.err))}}}}}')
        # A signature subscription ends with its notification, as on a validator.
        self._cancel(subscription)

    def _notify_logs(self, record: TransactionRecord) -> None:
        value = {"signature": str(record.result.signature), "err": transaction_error_json(record.result.err), "logs": record.result.logs}
        result = f'{{"context":{{"slot":{record.slot}}},"value":{_dumps(value)}}}'
        for subscription in self._index.all_logs:
            self._send(subscription, result)
        for key in dict.fromkeys(record.account_keys):
            for subscription in self._index.mentions.get(key, ()):
                self._send(subscription, result)

    def _notify_accounts(self, slot: int, keys: Iterable[Pubkey]) -> None:
        index = self._index
        for key in keys:
            watchers = index.accounts.get(key)
            account = self.chain.get_account(key) if watchers or index.programs else None
            data = None if account is None else bytes(account.data)
            # One encoding per distinct (encoding, data slice) among this event's subscribers.
            encoded: dict[Any, str] = {}
            for subscription in watchers or ():
                config = subscription.config
                cache_key = (config.encoding, config.data_slice)
                if cache_key not in encoded:
                    value = self._account_json(account, data, config)
                    encoded[cache_key] = f'{{"context":{{"slot":{slot}}},"value":{_dumps(value)}}}'
                self._send(subscription, encoded[cache_key])
            if account is None or account.owner not in index.programs:
                continue
            for subscription in index.programs[account.owner]:
                assert data is not None and subscription.filter is not None
                if subscription.filter.matches(data):
                    value = {"pubkey": str(key), "account": self._account_json(account, data, subscription.config)}
                    self._send(subscription, f'{{"context":{{"slot":{slot}}},"value":{_dumps(value)}}}')

    def _account_json(self, account: Any, data: bytes | None, config: p.AccountInfoConfig) -> dict[str, Any]:
        if account is None:
            empty = encode_account_empty(config.encoding)
            return {"data": empty, **_CLOSED_ACCOUNT}
        try:
            return encode_account(account, config.encoding, config.data_slice, data, lookup=self.chain.get_account)
        except RpcError:
            # Too large for base58 now (checked at subscribe time only for the encoding).
            return encode_account(account, "base64", config.data_slice, data, lookup=self.chain.get_account)


def encode_account_empty(encoding: str | None) -> Any:
    if encoding == "binary":
        return ""
    return ["", "base58" if encoding == "base58" else "base64"]


def _check_encoding(encoding: str | None) -> None:
    if encoding == "base64+zstd":
        raise RpcError(INVALID_PARAMS, "Invalid params: encoding 'base64+zstd' is not supported by this localnet; use base64")
