"""What the accounts no longer hold: settled and cancelled jobs (their accounts are closed),
the fees they paid, and when each emission happened. Read from the transactions of a few
addresses (getSignaturesForAddress + getTransaction) and their Anchor events.

An event is believed only when the program that logged it is the one that defines it: the
log is walked as a call stack, so another program invoked in the same transaction cannot
forge a `JobSettled` by printing the same bytes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.core import RPCException
from solders.pubkey import Pubkey
from solders.signature import Signature

from keeper.client.idl import EVENT_LOG_PREFIX
from keeper.client.protocol import Protocol

log = logging.getLogger("io-keeper.explorer")

SIGNATURES_PER_CALL = 1_000
TRANSACTIONS_IN_FLIGHT = 16


def program_data_lines(logs: Sequence[str]) -> Iterator[tuple[str, str]]:
    """(program id, `Program data:` line) for each data line, attributed to the program that
    was executing when it was logged."""
    stack: list[str] = []
    for line in logs:
        if line.startswith("Program ") and " invoke [" in line:
            stack.append(line.split(" ", 2)[1])
        elif stack and (line == f"Program {stack[-1]} success" or line.startswith(f"Program {stack[-1]} failed")):
            stack.pop()
        elif line.startswith(EVENT_LOG_PREFIX) and stack:
            yield stack[-1], line


@dataclass(frozen=True)
class Emission:
    block_time: int
    last_hour: int
    emitted_total: int


@dataclass
class HistorySummary:
    available: bool = True
    error: str | None = None
    transactions: int = 0
    jobs_settled: int = 0
    jobs_cancelled: int = 0
    jobs_reclaimed: int = 0
    # payment mint (base58) -> base units the treasury took (reservation + facilitation + network fees)
    fees: dict[str, int] = field(default_factory=dict)
    node_payouts: dict[str, int] = field(default_factory=dict)
    emissions: list[Emission] = field(default_factory=list)


class EventHistory:
    """Follows addresses forward from what it has already read; each refresh reads only the
    transactions that are new since the last one."""

    def __init__(self, client: AsyncClient, protocol: Protocol) -> None:
        self.client = client
        self.protocol = protocol
        self._newest: dict[Pubkey, Signature] = {}
        self._seen: set[Signature] = set()
        self._summary = HistorySummary()
        self._lock = asyncio.Lock()

    async def refresh(self, addresses: Sequence[Pubkey]) -> HistorySummary:
        async with self._lock:
            try:
                for address in addresses:
                    await self._follow(address)
            except (SolanaRpcException, RPCException, OSError) as error:
                # An RPC without transaction history (or one that is down) leaves these figures
                # unknown; the account-based figures do not depend on them.
                log.warning("transaction history unavailable: %s", error)
                self._summary.available = False
                self._summary.error = str(getattr(error, "error_msg", None) or error)
            else:
                self._summary.available, self._summary.error = True, None
            return self.snapshot()

    def snapshot(self) -> HistorySummary:
        s = self._summary
        return HistorySummary(
            s.available,
            s.error,
            s.transactions,
            s.jobs_settled,
            s.jobs_cancelled,
            s.jobs_reclaimed,
            dict(s.fees),
            dict(s.node_payouts),
            sorted(s.emissions, key=lambda e: (e.last_hour, e.block_time)),
        )

    async def _follow(self, address: Pubkey) -> None:
        until = self._newest.get(address)
        new: list[Signature] = []
        newest: Signature | None = None
        before: Signature | None = None
        while True:
            page = (await self.client.get_signatures_for_address(address, before=before, until=until, limit=SIGNATURES_PER_CALL)).value
            newest = newest or (page[0].signature if page else None)
            new.extend(item.signature for item in page if item.err is None and item.signature not in self._seen)
            if len(page) < SIGNATURES_PER_CALL:
                break
            before = page[-1].signature
        for start in range(0, len(new), TRANSACTIONS_IN_FLIGHT):
            chunk = new[start : start + TRANSACTIONS_IN_FLIGHT]
            answers = await asyncio.gather(
                *(self.client.get_transaction(signature, encoding="json", max_supported_transaction_version=0) for signature in chunk)
            )
            for signature, answer in zip(chunk, answers, strict=True):
                if answer.value is not None and signature not in self._seen:
                    self._seen.add(signature)
                    meta = answer.value.transaction.meta
                    self._apply(answer.value.block_time or 0, (meta.log_messages if meta is not None else None) or [])
        if newest is not None:
            # Remembered only once every new transaction is read: a refresh cut short by an
            # RPC error starts again from the same place.
            self._newest[address] = newest

    def _apply(self, block_time: int, logs: Sequence[str]) -> None:
        s = self._summary
        s.transactions += 1
        for program_id, line in program_data_lines(logs):
            idl = self.protocol.program_for(Pubkey.from_string(program_id))
            if idl is None:
                continue
            for event in idl.decode_events([line]):
                data = event.data
                if idl is self.protocol.escrow and event.name == "JobSettled":
                    mint = str(data.payment_mint)
                    s.jobs_settled += 1
                    s.fees[mint] = s.fees.get(mint, 0) + data.treasury_fees
                    s.node_payouts[mint] = s.node_payouts.get(mint, 0) + data.node_payout
                elif idl is self.protocol.escrow and event.name == "JobCancelled":
                    mint = str(data.payment_mint)
                    s.jobs_cancelled += 1
                    s.jobs_reclaimed += 1 if data.reclaimed else 0
                    s.fees[mint] = s.fees.get(mint, 0) + data.reservation_fee
                elif idl is self.protocol.rewards and event.name == "HoursEmitted":
                    s.emissions.append(Emission(block_time, data.last_hour, data.emitted_total))
