"""Every RPC call of the keeper goes through here: throttled, retried with backoff, and
transactions sent with fresh blockhashes and tracked until they land or can never land.

Sending is safe to repeat: a transaction is re-sent with the same bytes (same signature)
while its blockhash is valid, and rebuilt with a new blockhash only once the old one has
expired without the signature landing, after asking the caller's `already_done` guard
(the on-chain state) whether the effect happened anyway.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import httpx
from asyncio_throttle.throttler import Throttler
from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Commitment
from solana.rpc.core import RPCException
from solana.rpc.types import TxOpts
from solders.errors import SerdeJSONError
from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.rpc.errors import (
    BlockNotAvailableMessage,
    BlockStatusNotAvailableYetMessage,
    InternalErrorMessage,
    MinContextSlotNotReachedMessage,
    NodeUnhealthyMessage,
)
from solders.rpc.responses import GetSignatureStatusesResp
from solders.signature import Signature
from solders.transaction import Transaction
from solders.transaction_status import TransactionConfirmationStatus, TransactionStatus

from keeper.client.errors import ErrorTable, ProgramError
from keeper.daemon.config import RpcSettings
from keeper.daemon.metrics import Metrics

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_STATUSES_PER_CALL = 256
MAX_TRANSACTION_BYTES = 1232
_TRANSIENT = (SolanaRpcException, httpx.HTTPError, asyncio.TimeoutError, ConnectionError, OSError)
# JSON-RPC error objects that another try can clear: the node is behind (-32005), a block or its
# status is not available yet (-32004, -32014), the context slot not reached (-32016), an internal
# error (-32603), each with the kind it is counted under. Any other error object (a preflight
# failure, bad params) is an answer.
_RETRYABLE_RPC_ERRORS: dict[type, str] = {
    NodeUnhealthyMessage: "node_behind",
    BlockNotAvailableMessage: "block_not_available",
    BlockStatusNotAvailableYetMessage: "block_status_not_available",
    MinContextSlotNotReachedMessage: "min_context_slot_not_reached",
    InternalErrorMessage: "internal_error",
}
# Longest Retry-After a 429 may impose on one retry.
MAX_RETRY_AFTER_SECS = 30.0
_COMMITMENT_RANK = {"processed": 0, "confirmed": 1, "finalized": 2}


def _status_rank(status: TransactionConfirmationStatus | None) -> int:
    if status == TransactionConfirmationStatus.Processed:
        return 0
    if status == TransactionConfirmationStatus.Confirmed:
        return 1
    return 2


class RpcUnavailable(RuntimeError):
    """The RPC kept failing after every retry; the work stays pending for the next round."""


class TransactionError(RuntimeError):
    """The transaction executed (or was simulated) and failed; `err` is the runtime error."""

    def __init__(self, label: str, err: Any, logs: Sequence[str] = (), *, landed: bool, program_ids: Sequence[Pubkey] = ()) -> None:
        self.err = err
        self.logs = list(logs)
        self.landed = landed
        # The transaction's instructions' programs, in order: the failed one's names its error.
        self.program_ids = list(program_ids)
        super().__init__(f"{label}: {'failed on-chain' if landed else 'preflight failed'}: {err}")

    def explain(self, errors: ErrorTable) -> ProgramError:
        return errors.explain(self.err, self.logs, self.program_ids)


@dataclass(frozen=True)
class _Blockhash:
    value: Hash
    last_valid_block_height: int
    fetched_at: float


class RpcGateway:
    def __init__(self, settings: RpcSettings, metrics: Metrics) -> None:
        self.settings = settings
        self.metrics = metrics
        self.client = AsyncClient(settings.url, commitment=Commitment(settings.commitment), timeout=settings.timeout_secs)
        self._throttler = Throttler(rate_limit=settings.requests_per_second, period=1.0)
        self._in_flight = asyncio.Semaphore(settings.max_in_flight)
        self._blockhash: _Blockhash | None = None
        self._blockhash_lock = asyncio.Lock()
        self._height: tuple[int, float] | None = None
        self._statuses = _StatusBatcher(self, settings.status_poll_secs)
        # Signatures landed lately: an identical message under the same blockhash would
        # repeat one of them and be dropped as already processed.
        self._recent: OrderedDict[Signature, None] = OrderedDict()
        metrics.describe("rpc_requests_total", "counter", "RPC requests sent, by method")
        metrics.describe("rpc_errors_total", "counter", "RPC requests that failed and were retried, by method and kind")
        metrics.describe("transactions_total", "counter", "transactions by label and outcome")

    async def close(self) -> None:
        await self.client.close()

    # --- plain calls ---------------------------------------------------------------------

    async def call(self, method: str, request: Callable[[AsyncClient], Awaitable[T]], *, retries: int | None = None) -> T:
        """One RPC request, throttled, retried with exponential backoff and jitter on transport errors,
        answers that are not JSON, retryable JSON-RPC error objects, and 429s (honouring Retry-After)."""
        attempts = (self.settings.max_retries if retries is None else retries) + 1
        delay = self.settings.backoff_initial_secs
        for attempt in range(attempts):
            try:
                async with self._in_flight:
                    async with self._throttler:
                        self.metrics.inc("rpc_requests_total", method=method)
                        return await asyncio.wait_for(request(self.client), self.settings.timeout_secs + 1)
            except Exception as error:
                if not _retryable(error):
                    raise
                kind = _kind(error)
                self.metrics.inc("rpc_errors_total", method=method, kind=kind)
                if attempt + 1 >= attempts:
                    raise RpcUnavailable(f"{method}: {kind} after {attempts} attempts") from error
                wait = max(delay * (0.5 + random.random()), _retry_after(error))
                log.debug("rpc %s failed (%s), retrying in %.2fs", method, kind, wait)
                await asyncio.sleep(wait)
                delay = min(delay * 2, self.settings.backoff_max_secs)
        raise AssertionError("unreachable")

    async def healthy(self) -> bool:
        """Whether the RPC node answers getHealth with ok (reachable, and not behind the cluster)."""
        try:
            return await asyncio.wait_for(self.client.is_connected(), self.settings.timeout_secs + 1)
        except Exception:  # noqa: BLE001 - any failure to answer is "not healthy"
            return False

    async def blockhash(self, *, fresh: bool = False) -> _Blockhash:
        async with self._blockhash_lock:
            cached = self._blockhash
            if fresh or cached is None or time.monotonic() - cached.fetched_at > self.settings.blockhash_ttl_secs:
                value = (await self.call("getLatestBlockhash", lambda c: c.get_latest_blockhash())).value
                cached = _Blockhash(value.blockhash, value.last_valid_block_height, time.monotonic())
                self._blockhash = cached
            return cached

    def forget_blockhash(self, blockhash: Hash) -> None:
        if self._blockhash is not None and self._blockhash.value == blockhash:
            self._blockhash = None

    async def block_height(self, *, max_age: float = 1.0) -> int:
        if self._height is None or time.monotonic() - self._height[1] > max_age:
            height = (await self.call("getBlockHeight", lambda c: c.get_block_height())).value
            self._height = (height, time.monotonic())
        return self._height[0]

    async def status(self, signature: Signature) -> TransactionStatus | None:
        return await self._statuses.get(signature)

    # --- transactions --------------------------------------------------------------------------

    def fits(self, instructions: Sequence[Instruction], payer: Keypair, signers: Sequence[Keypair]) -> bool:
        """Whether these instructions fit in one transaction."""
        try:
            message = Message(list(instructions), payer.pubkey())
        except Exception:  # noqa: BLE001 - too many accounts etc.
            return False
        # The size of the signed transaction, without signing it (a settlement scan asks for
        # every job): a compact-u16 signature count, the signatures, the message. Signable
        # only by exactly these keypairs, as Transaction() would insist.
        required = message.header.num_required_signatures
        if set(message.account_keys[:required]) != {payer.pubkey(), *(signer.pubkey() for signer in signers)}:
            return False
        return _compact_u16_len(required) + 64 * required + len(bytes(message)) <= MAX_TRANSACTION_BYTES

    async def send(
        self,
        label: str,
        instructions: Sequence[Instruction],
        payer: Keypair,
        signers: Sequence[Keypair] = (),
        *,
        already_done: Callable[[], Awaitable[bool]] | None = None,
        max_rebuilds: int = 6,
    ) -> Signature | None:
        """Lands the instructions once; None when `already_done` says the effect already happened.

        Raises TransactionError when the transaction (or its preflight) fails on its merits,
        RpcUnavailable when it could not be landed in `max_rebuilds` blockhash lifetimes.
        """
        for rebuild in range(max_rebuilds):
            if already_done is not None and (rebuild > 0 or self.settings.skip_preflight) and await already_done():
                self.metrics.inc("transactions_total", label=label, outcome="already_done")
                return None
            blockhash = await self.blockhash(fresh=rebuild > 0)
            transaction = Transaction([payer, *signers], Message(list(instructions), payer.pubkey()), blockhash.value)
            for _ in range(50):
                if transaction.signatures[0] not in self._recent:
                    break
                await asyncio.sleep(0.1)
                blockhash = await self.blockhash(fresh=True)
                transaction = Transaction([payer, *signers], Message(list(instructions), payer.pubkey()), blockhash.value)
            signature = transaction.signatures[0]
            outcome = await self._land(label, bytes(transaction), signature, blockhash, [ix.program_id for ix in instructions])
            if outcome == "landed":
                self._recent[signature] = None
                while len(self._recent) > 4096:
                    self._recent.popitem(last=False)
                self.metrics.inc("transactions_total", label=label, outcome="landed")
                return signature
            self.metrics.inc("transactions_total", label=label, outcome=outcome)
            self.forget_blockhash(blockhash.value)
            log.info("transaction not landed, rebuilding", extra={"label": label, "signature": str(signature), "reason": outcome})
        if already_done is not None and await already_done():
            return None
        raise RpcUnavailable(f"{label}: not landed after {max_rebuilds} blockhashes")

    async def _land(self, label: str, raw: bytes, signature: Signature, blockhash: _Blockhash, program_ids: Sequence[Pubkey]) -> str:
        """Sends (and re-sends) one signed transaction until it lands or cannot land any more."""
        opts = TxOpts(skip_preflight=self.settings.skip_preflight, skip_confirmation=True, preflight_commitment=Commitment(self.settings.commitment))
        deadline = time.monotonic() + self.settings.confirm_timeout_secs
        next_send = 0.0
        sent_once = False
        while True:
            now = time.monotonic()
            if now >= next_send:
                next_send = now + self.settings.resend_after_secs
                try:
                    await self.call("sendTransaction", lambda c: c.send_raw_transaction(raw, opts), retries=0)
                    sent_once = True
                except RPCException as error:
                    err, logs, message = _preflight(error)
                    if "already been processed" in message or "AlreadyProcessed" in str(err):
                        sent_once = True
                    elif "Blockhash not found" in message or "BlockhashNotFound" in str(err):
                        if not sent_once or await self._final_status(signature) is None:
                            return "blockhash_expired"
                    else:
                        # A re-send can fail preflight because the first copy already changed
                        # the state it checks: the signature's own status decides.
                        status = await self._final_status(signature) if sent_once else None
                        if status is None:
                            raise TransactionError(label, err if err is not None else message, logs, landed=False, program_ids=program_ids) from None
                except RpcUnavailable:
                    pass  # the copy may or may not have arrived; statuses tell
            landed = await self.status(signature)
            if landed is not None and _status_rank(landed.confirmation_status) >= _COMMITMENT_RANK[self.settings.commitment]:
                if landed.err is not None:
                    raise TransactionError(label, landed.err, landed=True, program_ids=program_ids)
                return "landed"
            try:
                height = await self.block_height()
            except RpcUnavailable:
                height = None
            if height is not None and height > blockhash.last_valid_block_height:
                return "landed" if await self._final_status(signature) == "ok" else "blockhash_expired"
            if time.monotonic() > deadline:
                return "timeout"
            await asyncio.sleep(self.settings.status_poll_secs)

    async def _final_status(self, signature: Signature) -> str | None:
        try:
            status = await self.status(signature)
        except RpcUnavailable:
            return None
        if status is None:
            return None
        return "ok" if status.err is None else "err"

    async def simulate(self, instructions: Sequence[Instruction], payer: Keypair) -> tuple[Any, list[str]]:
        """(err or None, logs) of simulating the instructions (signature not verified)."""
        blockhash = await self.blockhash()
        transaction = Transaction([payer], Message(list(instructions), payer.pubkey()), blockhash.value)
        result = (await self.call("simulateTransaction", lambda c: c.simulate_transaction(transaction, sig_verify=False))).value
        return result.err, list(result.logs or [])


class _StatusBatcher:
    """Coalesces getSignatureStatuses lookups from many senders into one request per window."""

    def __init__(self, gateway: RpcGateway, window: float) -> None:
        self._gateway = gateway
        self._window = window
        self._waiting: dict[Signature, list[asyncio.Future[TransactionStatus | None]]] = {}
        self._flusher: asyncio.Task[None] | None = None
        self._flushes: set[asyncio.Task[None]] = set()

    async def get(self, signature: Signature) -> TransactionStatus | None:
        future: asyncio.Future[TransactionStatus | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(signature, []).append(future)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_soon())
        return await future

    async def _flush_soon(self) -> None:
        # One request per window for everything asked meanwhile. The requests are not awaited
        # here: with a busy RPC, waiting for one answer before collecting the next window would
        # queue every sender behind it (and leave the RPC idle while they wait).
        await asyncio.sleep(min(self._window, 0.05))
        task = asyncio.create_task(self._flush(self._take()))
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    def _take(self) -> dict[Signature, list[asyncio.Future[TransactionStatus | None]]]:
        waiting, self._waiting = self._waiting, {}
        return waiting

    async def _flush(self, waiting: dict[Signature, list[asyncio.Future[TransactionStatus | None]]]) -> None:
        signatures = list(waiting)
        for start in range(0, len(signatures), MAX_STATUSES_PER_CALL):
            chunk = signatures[start : start + MAX_STATUSES_PER_CALL]
            try:
                response = await self._gateway.call("getSignatureStatuses", partial(_get_signature_statuses, chunk))
            except Exception as error:  # noqa: BLE001 - handed to every waiter
                for signature in chunk:
                    for future in waiting[signature]:
                        if not future.done():
                            future.set_exception(error)
                continue
            for signature, status in zip(chunk, response.value, strict=True):
                for future in waiting[signature]:
                    if not future.done():
                        future.set_result(status)


def _compact_u16_len(value: int) -> int:
    return 1 if value < 0x80 else 2 if value < 0x4000 else 3


def _retryable(error: BaseException) -> bool:
    if isinstance(error, (*_TRANSIENT, SerdeJSONError)):
        return True
    return isinstance(error, RPCException) and bool(error.args) and type(error.args[0]) in _RETRYABLE_RPC_ERRORS


def _retry_after(error: BaseException) -> float:
    """The seconds a 429's Retry-After asks for (0 when absent or not a number of seconds)."""
    cause = error.__cause__ or error
    if not isinstance(cause, httpx.HTTPStatusError) or cause.response.status_code != 429:
        return 0.0
    try:
        return min(max(float(cause.response.headers.get("Retry-After", "0")), 0.0), MAX_RETRY_AFTER_SECS)
    except ValueError:
        return 0.0


def _kind(error: BaseException) -> str:
    if isinstance(error, SerdeJSONError):
        return "not_json"
    if isinstance(error, RPCException) and error.args:
        return _RETRYABLE_RPC_ERRORS.get(type(error.args[0]), "rpc_error")
    cause = error.__cause__ or error
    if isinstance(cause, httpx.HTTPStatusError):
        return f"http_{cause.response.status_code}"
    if isinstance(cause, (httpx.TimeoutException, asyncio.TimeoutError)):
        return "timeout"
    return type(cause).__name__


def _preflight(error: RPCException) -> tuple[Any, list[str], str]:
    payload = error.args[0] if error.args else None
    message = str(getattr(payload, "message", payload))
    data = getattr(payload, "data", None)
    err = getattr(data, "err", None)
    logs = list(getattr(data, "logs", None) or [])
    return err, logs, message


async def _get_signature_statuses(chunk: list[Signature], client: AsyncClient) -> GetSignatureStatusesResp:
    return await client.get_signature_statuses(chunk)
