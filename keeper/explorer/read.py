"""The explorer's read API: every figure `io-keeper explore` and the web page show, read from a
Solana JSON-RPC endpoint and decoded through the IDLs. Nothing here signs or writes.

Large account sets (100,000 jobs) are paged on the server side: one getProgramAccounts with
memcmp filters for what the reader asked (status, renter, node, ...) and a `dataSlice` of just
the field rows are ordered by, then getMultipleAccounts for the one page that is shown.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import based58
from solana.rpc.async_api import AsyncClient
from solana.rpc.types import DataSliceOpts, MemcmpOpts
from solders.pubkey import Pubkey
from solders.sysvar import CLOCK

from keeper.client.addresses import EscrowAddresses, ProvenanceAddresses, RewardsAddresses
from keeper.client.clock import clock_unix_timestamp
from keeper.client.constants import IO_DECIMALS, IO_GENESIS_SUPPLY, JOB_STATUS, SECONDS_PER_HOUR
from keeper.client.layout import AccountLayout
from keeper.client.merkle import verify
from keeper.client.models import Receipt
from keeper.client.protocol import Protocol
from keeper.client.schedule import emitted_through
from keeper.client.spl import token_account_of
from keeper.explorer.cache import TtlCache
from keeper.explorer.history import EventHistory, HistorySummary
from keeper.explorer.receipts import ReceiptCheck, simulate_verify_receipt
from keeper.explorer.tables import KINDS, MAX_PAGE_SIZE, TABLES, Page, QueryError, Row, Table

CHART_POINTS = 240
TOP_NODES = 20


@dataclass(frozen=True)
class _Index:
    """Every matching account's address, ordered; rows too when ordering needed them decoded;
    the count of each value of the table's `tally` field."""

    addresses: list[Pubkey]
    rows: dict[Pubkey, Row] | None
    tallies: Counter[int]


def supply_identity(on_chain: int, emitted: int, burned_by_protocol: int) -> dict[str, Any]:
    """IO supply against genesis + emitted − burned by the protocol.

    The protocol mints only through its own authority, but anyone may burn their own IO with
    SPL Token directly, which the burn ledger never sees. So the identity is an inequality:
    supply ≤ genesis + emitted − burned, the difference being IO burned outside the protocol.
    A supply above that bound would mean IO minted outside the protocol: inconsistent.
    """
    expected = IO_GENESIS_SUPPLY + emitted - burned_by_protocol
    return {
        "on_chain": on_chain,
        "genesis": IO_GENESIS_SUPPLY,
        "emitted": emitted,
        "burned": burned_by_protocol,
        "expected": expected,
        "burned_outside_protocol": max(0, expected - on_chain),
        "consistent": on_chain <= expected,
    }


class NetworkReader:
    """Reads the network through one RPC client. Results of the expensive reads are kept for
    `cache_secs`, so a page with many readers stays cheap for the RPC node behind it; for
    `stale_secs` more, the last answer is served at once while a fresh one is read."""

    def __init__(self, client: AsyncClient, protocol: Protocol, *, cache_secs: float = 2.0, stale_secs: float = 0.0) -> None:
        self.client = client
        self.protocol = protocol
        self.cache = TtlCache(cache_secs, stale_secs)
        self.history = EventHistory(client, protocol)

    # --- raw accounts (`io-keeper explore`) --------------------------------------------------

    async def accounts(self, kind: str) -> list[Row]:
        rows: list[Row] = []
        for program, account_type in KINDS[kind]:
            for address, data in await self._program_accounts(program, account_type, []):
                rows.append(self._decode(program, account_type, address, data))
        return sorted(rows, key=lambda row: (row.account_type, _explore_order(row.fields), row.address))

    async def account(self, address: Pubkey) -> Row | None:
        """Any protocol account by address, decoded (None when it is not one of ours)."""
        info = (await self.client.get_account_info(address)).value
        if info is None:
            return None
        idl = self.protocol.program_for(info.owner)
        if idl is None:
            return None
        program = next(name for name, candidate in self.protocol.idls.items() if candidate is idl)
        data = bytes(info.data)
        account_type = idl.account_name(data)
        return Row(program, account_type, str(address), idl.account_json(account_type, data))

    # --- tables ------------------------------------------------------------------------------

    async def page(self, kind: str, filters: Mapping[str, str], page: int = 1, per_page: int = 25) -> Page:
        table = TABLES.get(kind)
        if table is None:
            raise QueryError(f"unknown table {kind!r}; one of {', '.join(TABLES)}")
        if page < 1 or not 1 <= per_page <= MAX_PAGE_SIZE:
            raise QueryError(f"page must be >= 1 and per_page 1..{MAX_PAGE_SIZE}")
        memcmps: list[tuple[int, bytes]] = []
        for name, value in sorted(filters.items()):
            spec = table.filters.get(name)
            if spec is None:
                raise QueryError(f"{kind} cannot be filtered by {name!r}; by {', '.join(table.filters)}")
            if value:
                memcmps.append((self._layout(table).offset(spec.field), spec.encode(value)))
        key = ("index", kind, tuple(memcmps))
        index = await self.cache.get(key, lambda: self._index(table, memcmps))
        chosen = index.addresses[(page - 1) * per_page : page * per_page]
        if index.rows is not None:
            rows = [index.rows[address] for address in chosen]
        else:
            answers = (await self.client.get_multiple_accounts(chosen, encoding="base64")).value if chosen else []
            # An account closed since the index was read drops out of this page.
            rows = [
                self._decode(table.program, table.account, address, bytes(info.data))
                for address, info in zip(chosen, answers, strict=True)
                if info is not None and bytes(info.data[:8]) == self._discriminator(table)
            ]
        return Page(kind, len(index.addresses), page, per_page, table.columns, rows)

    async def _index(self, table: Table, memcmps: Sequence[tuple[int, bytes]]) -> _Index:
        layout = self._layout(table)
        fixed = layout.offsets.get(table.order_by)
        if table.whole or fixed is None:
            # Every row is needed anyway (the nodes), or the field follows a variable-length one:
            # read and decode the accounts whole. Only the small account sets are read so.
            accounts = await self._program_accounts(table.program, table.account, memcmps)
            rows = {address: self._decode(table.program, table.account, address, data) for address, data in accounts}
            ordered = sorted(rows, key=lambda address: (-int(rows[address].fields[table.order_by]), bytes(address)))
            return _Index(ordered, rows, Counter())
        start, size = fixed
        signed = self._field_type(table, table.order_by).startswith("i")
        # One slice covering the ordering field and the tallied byte (adjacent in Job).
        tally_at = layout.offset(table.tally) if table.tally else start
        first = min(start, tally_at)
        window = DataSliceOpts(offset=first, length=max(start + size, tally_at + 1) - first)
        keyed = await self._program_accounts(table.program, table.account, memcmps, window)
        order_from, tally_from = start - first, tally_at - first
        keyed.sort(key=lambda item: (-int.from_bytes(item[1][order_from : order_from + size], "little", signed=signed), bytes(item[0])))
        tallies = Counter(data[tally_from] for _, data in keyed) if table.tally else Counter()
        return _Index([address for address, _ in keyed], None, tallies)

    # --- totals and charts ---------------------------------------------------------------------

    async def totals(self) -> dict[str, Any]:
        return await self.cache.get("totals", self._totals)

    async def _totals(self) -> dict[str, Any]:
        protocol = self.protocol
        supply_answer, fixed, jobs, nodes, history = await asyncio.gather(
            self.client.get_token_supply(RewardsAddresses.io_mint),
            self.client.get_multiple_accounts(
                [RewardsAddresses.emission, RewardsAddresses.burn_ledger, ProvenanceAddresses.config, EscrowAddresses.config, CLOCK],
                encoding="base64",
            ),
            self._unfiltered_index("jobs"),
            self._nodes(),
            self._history(),
        )
        emission_info, burn_info, provenance_info, escrow_info, clock_info = fixed.value
        if emission_info is None or provenance_info is None or escrow_info is None or clock_info is None:
            raise QueryError("the protocol is not deployed on this cluster (its config accounts are missing)")
        emission = protocol.parse_emission(bytes(emission_info.data))
        burned = protocol.rewards.decode_account_as("BurnLedger", bytes(burn_info.data)).total_burned if burn_info else 0
        provenance = protocol.provenance.decode_account_as("ProvenanceConfig", bytes(provenance_info.data))
        escrow = protocol.escrow.decode_account_as("EscrowConfig", bytes(escrow_info.data))
        now = clock_unix_timestamp(bytes(clock_info.data))
        supply = int(supply_answer.value.amount)
        hours_due = emission.hours_ended(now)
        statuses = jobs.tallies
        names = {str(escrow.usdc_mint): "USDC", str(escrow.io_mint): "IO"}
        return {
            "chain_time": now,
            "io_decimals": IO_DECIMALS,
            "supply": supply_identity(supply, emission.emitted_total, burned),
            "emission": {
                "start_ts": emission.start_ts,
                "next_hour": emission.next_hour,
                "hours_due": hours_due,
                "hours_behind": max(0, hours_due - emission.next_hour),
                "scheduled_now": emitted_through(hours_due),
                "allocated": emission.allocated_total,
            },
            "staking": {
                "staked": sum(row.fields["total_stake"] for row in nodes.values()),
                "nodes": len(nodes),
                "active_nodes": sum(1 for row in nodes.values() if row.fields["active"]),
                "slashes": sum(row.fields["slash_count"] for row in nodes.values()),
                "slashed": sum(row.fields["total_slashed"] for row in nodes.values()),
            },
            "jobs": {
                "by_status": {name: statuses.get(value, 0) for name, value in JOB_STATUS.items()},
                "live": len(jobs.addresses),
                "settled": history.jobs_settled if history.available else None,
                "cancelled": history.jobs_cancelled if history.available else None,
            },
            "fees": {
                "available": history.available,
                "error": history.error,
                "by_mint": [
                    {"mint": mint, "symbol": names.get(mint, mint), "amount": amount, "decimals": IO_DECIMALS if mint == str(escrow.io_mint) else 6}
                    for mint, amount in sorted(history.fees.items())
                ],
            },
            "provenance": {"receipts": provenance.total_leaves, "batches": provenance.next_sequence},
        }

    async def charts(self) -> dict[str, Any]:
        return await self.cache.get("charts", self._charts)

    async def _charts(self) -> dict[str, Any]:
        totals, burns, batches, nodes, history = await asyncio.gather(
            self.totals(),
            self._program_accounts("rewards", "BurnEpoch", []),
            self._program_accounts("provenance", "Batch", []),
            self._nodes(),
            self._history(),
        )
        start, now = totals["emission"]["start_ts"], totals["chain_time"]
        # The schedule sampled over [start, now]; on-chain emissions as they happened.
        samples = sorted({start + (now - start) * i // CHART_POINTS for i in range(CHART_POINTS + 1)}) if now > start else [start]
        schedule = [[t, emitted_through(max(0, (t - start) // SECONDS_PER_HOUR))] for t in samples]
        # Nothing is emitted before the first hour ends: the line starts at zero.
        emitted = [[start, 0]] + [[e.block_time, e.emitted_total] for e in history.emissions]
        if emitted[-1][1] != totals["supply"]["emitted"]:
            emitted.append([now, totals["supply"]["emitted"]])
        burn_rows = sorted((self._decode("rewards", "BurnEpoch", a, d).fields for a, d in burns), key=lambda f: f["epoch"])
        # Cumulative charts start from nothing at the emission start.
        cumulative_burn, burn_points = 0, [[start, 0, 0]]
        for fields in burn_rows:
            cumulative_burn += fields["amount"]
            burn_points.append([start + (fields["epoch"] + 1) * SECONDS_PER_HOUR, fields["amount"], cumulative_burn])
        batch_rows = sorted((self._decode("provenance", "Batch", a, d).fields for a, d in batches), key=lambda f: f["sequence"])
        cumulative_receipts, receipt_points = 0, [[start, 0]]
        for fields in batch_rows:
            cumulative_receipts += fields["leaf_count"]
            receipt_points.append([fields["recorded_at"], cumulative_receipts])
        # Every time chart spans [emission start, now]: the cumulative lines carry on to now.
        burn_points.append([now, 0, cumulative_burn])
        receipt_points.append([now, cumulative_receipts])
        ranked = sorted(nodes.values(), key=lambda row: (-row.fields["total_stake"], row.address))
        top = [{"node": row.address, "node_key": row.fields["node_key"], "stake": row.fields["total_stake"]} for row in ranked[:TOP_NODES]]
        others = sum(row.fields["total_stake"] for row in ranked[TOP_NODES:])
        return {
            "emission": {"schedule": schedule, "emitted": _thin(emitted), "history_available": history.available},
            "burns": _thin(burn_points),
            "stake_by_node": {"top": top, "others": others, "other_nodes": max(0, len(ranked) - TOP_NODES)},
            "receipts": _thin(receipt_points),
        }

    async def _unfiltered_index(self, kind: str) -> _Index:
        """The same cache entry as the unfiltered table page, so a page load reads it once."""
        return await self.cache.get(("index", kind, ()), lambda: self._index(TABLES[kind], []))

    async def warm(self) -> float:
        """Reads what the page opens with (totals, charts, the first jobs page); seconds taken."""
        started = time.perf_counter()
        await asyncio.gather(self.charts(), self.page("jobs", {}, 1, 25))
        return time.perf_counter() - started

    async def _nodes(self) -> dict[Pubkey, Row]:
        index = await self._unfiltered_index("nodes")
        assert index.rows is not None
        return index.rows

    async def _history(self) -> HistorySummary:
        async def refresh() -> HistorySummary:
            escrow_info = (await self.client.get_account_info(EscrowAddresses.config)).value
            if escrow_info is None:
                return HistorySummary(available=False, error="escrow is not initialized")
            escrow = self.protocol.escrow.decode_account_as("EscrowConfig", bytes(escrow_info.data))
            # Fees reach the treasury's token accounts; emissions touch the emission state.
            followed = [token_account_of(escrow.treasury, escrow.usdc_mint), token_account_of(escrow.treasury, escrow.io_mint), RewardsAddresses.emission]
            return await self.history.refresh(followed)

        return await self.cache.get("history", refresh)

    # --- receipts ------------------------------------------------------------------------------

    async def check_receipt(self, receipt: Receipt, sequence: int, proof: Sequence[bytes]) -> ReceiptCheck:
        """Checks a receipt against batch `sequence`'s root as stored on chain: the proof folded
        here, and provenance.verify_receipt simulated (nothing is signed or paid)."""
        leaf = receipt.leaf()
        batch_address = ProvenanceAddresses.batch(sequence)
        batch_info, config_info = (await self.client.get_multiple_accounts([batch_address, ProvenanceAddresses.config], encoding="base64")).value
        if batch_info is None:
            return ReceiptCheck(False, leaf.hex(), sequence, None, False, False, f"no batch {sequence} is recorded on chain", [])
        root = bytes(self.protocol.provenance.decode_account_as("Batch", bytes(batch_info.data)).root)
        matches = verify(list(proof), root, leaf)
        assert config_info is not None  # a batch exists, so the config does
        # The simulation needs an existing fee payer; the keeper authority pays for every batch.
        fee_payer = self.protocol.provenance.decode_account_as("ProvenanceConfig", bytes(config_info.data)).keeper_authority
        ok, error, logs = await simulate_verify_receipt(self.client, self.protocol, sequence, receipt, proof, fee_payer)
        return ReceiptCheck(ok and matches, leaf.hex(), sequence, root.hex(), matches, ok, error, logs)

    # --- plumbing ------------------------------------------------------------------------------

    def _layout(self, table: Table) -> AccountLayout:
        return self.protocol.idls[table.program].layout(table.account)

    def _discriminator(self, table: Table) -> bytes:
        return self.protocol.idls[table.program].account_discriminator(table.account)

    def _field_type(self, table: Table, name: str) -> str:
        return self._layout(table).field_type(name)

    def _decode(self, program: str, account_type: str, address: Pubkey, data: bytes) -> Row:
        return Row(program, account_type, str(address), self.protocol.idls[program].account_json(account_type, data))

    async def _program_accounts(
        self, program: str, account_type: str, memcmps: Sequence[tuple[int, bytes]], data_slice: DataSliceOpts | None = None
    ) -> list[tuple[Pubkey, bytes]]:
        idl = self.protocol.idls[program]
        filters = [MemcmpOpts(offset=offset, bytes=based58.b58encode(raw).decode()) for offset, raw in [(0, idl.account_discriminator(account_type)), *memcmps]]
        answer = await self.client.get_program_accounts(idl.program_id, encoding="base64", data_slice=data_slice, filters=filters)
        return [(item.pubkey, bytes(item.account.data)) for item in answer.value]


def _explore_order(fields: dict[str, Any]) -> tuple[int, ...]:
    for key in ("sequence", "epoch", "job_id", "index", "registered_at"):
        if isinstance(fields.get(key), int):
            return (fields[key],)
    return (0,)


def _thin(points: list[list[int]], limit: int = 500) -> list[list[int]]:
    """At most `limit` points, always keeping the last (charts need the shape, not every tx)."""
    if len(points) <= limit:
        return points
    step = -(-len(points) // limit)
    return points[::step] + ([points[-1]] if (len(points) - 1) % step else [])


__all__ = ["NetworkReader"]
