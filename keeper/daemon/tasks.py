"""The keeper's periodic jobs. Each `tick` looks at the chain and the journal and does what
is due; the programs' state is the final guard against doing anything twice."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial

from pydantic import ValidationError
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from spl.token.instructions import create_idempotent_associated_token_account

from keeper.client.addresses import RewardsAddresses
from keeper.client.constants import EPOCH_CLAIM_WINDOW_SECS, LAST_PAYING_HOUR, SECONDS_PER_HOUR
from keeper.client.merkle import MerkleTree, reward_leaf
from keeper.client.models import NodeWork, Receipt
from keeper.client.protocol import ActivatingPosition, JobRef, Protocol
from keeper.client.schedule import emitted_through
from keeper.client.spl import token_account_of
from keeper.daemon.chainview import ChainView
from keeper.daemon.config import KeeperConfig
from keeper.daemon.feeds import read_new_lines
from keeper.daemon.journal import BatchRow, EpochRow, Journal
from keeper.daemon.metrics import Metrics
from keeper.daemon.rpc import RpcGateway, RpcUnavailable, TransactionError

log = logging.getLogger("keeper")


@dataclass
class KeeperContext:
    config: KeeperConfig
    gateway: RpcGateway
    chain: ChainView
    protocol: Protocol
    journal: Journal
    metrics: Metrics
    keypair: Keypair
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    last_tick: dict[str, float] = field(default_factory=dict)
    last_error: dict[str, str] = field(default_factory=dict)
    # Since when each failing task has failed every tick (absent: its last tick succeeded).
    failing_since: dict[str, float] = field(default_factory=dict)
    # The fee payer's SOL as last seen, and whether it is below the stop threshold (tasks that
    # send transactions pause while it is).
    fee_payer_lamports: int | None = None
    fee_payer_short: bool = False


def merkle_root(leaves: list[bytes]) -> bytes:
    return MerkleTree.build(leaves).root


def reward_tree(epoch: int, leaves: list[tuple[bytes, int]]) -> MerkleTree:
    return MerkleTree.build([reward_leaf(epoch, node, amount) for node, amount in leaves])


# --- emission -------------------------------------------------------------------------------


@dataclass
class EmissionCrank:
    ctx: KeeperContext
    name: str = "emission"

    async def tick(self) -> None:
        ctx = self.ctx
        settings = ctx.config.emission
        emission, now = await ctx.chain.emission_and_now()
        target = min(emission.hours_ended(now), LAST_PAYING_HOUR + 1)
        behind = target - emission.next_hour
        ctx.metrics.set("emission_next_hour", emission.next_hour)
        ctx.metrics.set("emission_hours_behind", max(behind, 0))
        self._check_total(emission.next_hour, emission.emitted_total)
        start_behind = behind
        while behind > 0 and not ctx.stopping.is_set():
            hours = min(behind, settings.max_hours_per_tx)
            goal = emission.next_hour + hours

            async def done(goal: int = goal) -> bool:
                return (await ctx.chain.emission_and_now())[0].next_hour >= goal

            try:
                signature = await ctx.gateway.send("emit", [ctx.protocol.emit(hours)], ctx.keypair, already_done=done)
            except TransactionError as error:
                name = _error_name(ctx.protocol, error)
                if name in {"HourNotEnded", "NothingToEmit"}:
                    return  # someone else emitted meanwhile, or the schedule is over
                raise
            emission, now = await ctx.chain.emission_and_now()
            ctx.journal.record_action("emit", f"{goal - hours}..{goal}", "landed" if signature else "already_done", str(signature) if signature else None)
            ctx.metrics.inc("emission_hours_emitted_total", hours)
            ctx.metrics.set("emission_next_hour", emission.next_hour)
            behind = min(emission.hours_ended(now), LAST_PAYING_HOUR + 1) - emission.next_hour
            ctx.metrics.set("emission_hours_behind", max(behind, 0))
            self._check_total(emission.next_hour, emission.emitted_total)
            if start_behind > settings.max_hours_per_tx:
                log.info(
                    "catching up emissions: next hour %d, %d behind",
                    emission.next_hour,
                    max(behind, 0),
                    extra={
                        "task": self.name,
                        "next_hour": emission.next_hour,
                        "behind": max(behind, 0),
                        "progress": round(1 - max(behind, 0) / start_behind, 4),
                    },
                )

    def _check_total(self, next_hour: int, emitted_total: int) -> None:
        expected = emitted_through(next_hour)
        ok = expected == emitted_total
        self.ctx.metrics.set("emission_schedule_matches", 1 if ok else 0)
        if not ok:
            log.error("emitted total differs from the schedule", extra={"expected": expected, "on_chain": emitted_total})


# --- settlement -----------------------------------------------------------------------------


@dataclass
class Settler:
    ctx: KeeperContext
    name: str = "settlement"
    _existing_token_accounts: set[Pubkey] = field(default_factory=set)
    _reported_timeouts: set[Pubkey] = field(default_factory=set)

    async def tick(self) -> None:
        ctx = self.ctx
        settings = ctx.config.settlement
        reported = [*await ctx.chain.jobs_with_status("Completed"), *await ctx.chain.jobs_with_status("Disputed")]
        now = await ctx.chain.now()
        # Jobs still in their dispute window wait; the program would refuse them (NotSettleable).
        jobs = [job for job in reported if job.is_settleable(now)][: settings.max_jobs_per_scan]
        # Pending settlement: every reported job, also those still in their dispute window.
        ctx.metrics.set("jobs_completed_pending", len(reported))
        if jobs:
            escrow = await ctx.chain.escrow()
            operators = await ctx.chain.operators([job.node for job in jobs])
            instructions = await self._with_token_accounts(jobs, operators, escrow.treasury)
            groups = self._pack([(job, ixs) for job, ixs in instructions])
            limit = asyncio.Semaphore(settings.concurrency)

            async def run(group: list[tuple[JobRef, list[Instruction]]]) -> None:
                async with limit:
                    if not ctx.stopping.is_set():
                        await self._settle_group(group, operators, escrow.treasury, escrow.burn_vault)

            results = await asyncio.gather(*(run(group) for group in groups), return_exceptions=True)
            for result in results:
                if isinstance(result, BaseException):
                    log.warning("settlement group failed: %s", result, extra={"task": self.name})
        await self._report_timeouts()

    async def _with_token_accounts(self, jobs: list[JobRef], operators: dict[Pubkey, Pubkey], treasury: Pubkey) -> list[tuple[JobRef, list[Instruction]]]:
        """Each job's settle instruction, preceded by creating the operator's / renter's token account if missing."""
        ctx = self.ctx
        escrow = await ctx.chain.escrow()
        needed: dict[Pubkey, tuple[Pubkey, Pubkey]] = {}
        for job in jobs:
            operator = operators.get(job.node)
            if operator is None:
                continue
            for owner in (operator, job.renter):
                address = token_account_of(owner, job.payment_mint)
                if address not in self._existing_token_accounts:
                    needed[address] = (owner, job.payment_mint)
        if needed:
            addresses = list(needed)
            for address, data in zip(addresses, await ctx.chain.accounts_data(addresses), strict=True):
                if data is not None:
                    self._existing_token_accounts.add(address)
        out: list[tuple[JobRef, list[Instruction]]] = []
        for job in jobs:
            operator = operators.get(job.node)
            if operator is None:
                log.warning("job's node account not found", extra={"job": str(job.address), "node": str(job.node)})
                continue
            prefix = []
            for owner in (operator, job.renter):
                address = token_account_of(owner, job.payment_mint)
                if address not in self._existing_token_accounts:
                    prefix.append(create_idempotent_associated_token_account(ctx.keypair.pubkey(), owner, job.payment_mint))
            out.append((job, [*prefix, ctx.protocol.settle_job(job, operator, treasury, escrow.burn_vault)]))
        return out

    def _pack(self, items: list[tuple[JobRef, list[Instruction]]]) -> list[list[tuple[JobRef, list[Instruction]]]]:
        per_tx = self.ctx.config.settlement.jobs_per_tx
        groups: list[list[tuple[JobRef, list[Instruction]]]] = []
        current: list[tuple[JobRef, list[Instruction]]] = []
        for item in items:
            candidate = [*current, item]
            flat = [ix for _, ixs in candidate for ix in ixs]
            if current and (len(candidate) > per_tx or not self.ctx.gateway.fits(flat, self.ctx.keypair, [])):
                groups.append(current)
                current = [item]
            else:
                current = candidate
        if current:
            groups.append(current)
        return groups

    async def _settle_group(self, group: list[tuple[JobRef, list[Instruction]]], operators: dict[Pubkey, Pubkey], treasury: Pubkey, burn_vault: Pubkey) -> None:
        ctx = self.ctx
        addresses = [job.address for job, _ in group]

        async def all_gone() -> bool:
            return all(data is None for data in await ctx.chain.accounts_data(addresses))

        try:
            signature = await ctx.gateway.send("settle_job", [ix for _, ixs in group for ix in ixs], ctx.keypair, already_done=all_gone)
        except TransactionError as error:
            if len(group) == 1:
                await self._single_failed(group[0][0], error)
                return
            # One job of the batch failed (settled by someone else, or bad accounts): one by one.
            for item in group:
                await self._settle_group([item], operators, treasury, burn_vault)
            return
        for _job, ixs in group:
            for ix in ixs[:-1]:
                self._existing_token_accounts.add(ix.accounts[1].pubkey)
        ctx.metrics.inc("jobs_settled_total", len(group))
        ctx.metrics.inc("settle_transactions_total")
        ctx.journal.record_action(
            "settle", ",".join(str(a) for a in addresses), "landed" if signature else "already_done", str(signature) if signature else None
        )

    async def _single_failed(self, job: JobRef, error: TransactionError) -> None:
        ctx = self.ctx
        if not await ctx.chain.exists(job.address):
            ctx.metrics.inc("jobs_settled_elsewhere_total")
            return
        ctx.metrics.inc("jobs_settle_failed_total")
        log.warning(
            "settle_job failed",
            extra={
                "task": self.name,
                "job": str(job.address),
                "error": _error_name(ctx.protocol, error) or str(error.err),
                "logs": [line for line in error.logs if "Error" in line][-3:],
            },
        )

    async def _report_timeouts(self) -> None:
        """Jobs a renter may reclaim (reclaim is the renter's to sign): counted and logged once each."""
        ctx = self.ctx
        now = await ctx.chain.now()
        timed_out = [job for job in await ctx.chain.jobs_with_status("Open") if now > job.start_deadline]
        timed_out += [job for job in await ctx.chain.jobs_with_status("Started") if now > job.complete_deadline]
        ctx.metrics.set("jobs_timed_out", len(timed_out))
        for job in timed_out:
            if job.address not in self._reported_timeouts:
                self._reported_timeouts.add(job.address)
                log.warning("job timed out; its renter may reclaim it", extra={"task": self.name, "job": str(job.address), "renter": str(job.renter)})
        if len(self._reported_timeouts) > 100_000:
            self._reported_timeouts = {job.address for job in timed_out}


# --- reward epochs --------------------------------------------------------------------------


@dataclass
class RewardEpochs:
    ctx: KeeperContext
    name: str = "rewards"

    async def tick(self) -> None:
        ctx = self.ctx
        self.ingest_feed()
        emission, now = await ctx.chain.emission_and_now()
        delay = ctx.config.rewards.settle_delay_secs
        for epoch in ctx.journal.open_work_epochs():
            ended = now >= emission.start_ts + SECONDS_PER_HOUR * (epoch + 1) + delay
            if epoch >= emission.next_hour or not ended:
                break
            row = ctx.journal.freeze_epoch(epoch, partial(_reward_root, epoch))
            log.info("epoch root fixed", extra={"task": self.name, "epoch": epoch, "total": row.total, "leaves": row.leaf_count})
        for row in ctx.journal.epochs("pending"):
            if ctx.stopping.is_set():
                return
            await self._post(row)

    def ingest_feed(self) -> None:
        path = self.ctx.config.rewards.work_feed
        if path is None:
            return
        key = str(path.resolve())
        items, offset = read_new_lines(path, self.ctx.journal.offset(key))
        if offset == self.ctx.journal.offset(key):
            return
        records = []
        for _, item in items:
            try:
                records.append(NodeWork.model_validate(item))
            except ValidationError:
                self.ctx.metrics.inc("feed_invalid_lines_total", feed="work")
        self.ctx.journal.add_work(records, feed=(key, offset))
        self.ctx.metrics.inc("work_records_total", len(records))

    async def _post(self, row: EpochRow) -> None:
        ctx = self.ctx
        emission, _ = await ctx.chain.emission_and_now()
        if row.total > emission.emitted_total - emission.allocated_total and await ctx.chain.epoch_root(row.epoch) is None:
            ctx.metrics.set("reward_epochs_waiting_for_emission", 1)
            log.warning("epoch total exceeds unallocated emission; waiting", extra={"epoch": row.epoch, "total": row.total})
            return

        async def posted() -> bool:
            return await ctx.chain.epoch_root(row.epoch) is not None

        try:
            signature = await ctx.gateway.send(
                "post_epoch_root",
                [ctx.protocol.post_epoch_root(row.epoch, row.root, row.total, row.leaf_count, ctx.keypair.pubkey())],
                ctx.keypair,
                already_done=posted,
            )
        except TransactionError as error:
            if await ctx.chain.epoch_root(row.epoch) is None:
                raise
            signature = None
            log.info("epoch root already on chain", extra={"epoch": row.epoch, "error": _error_name(ctx.protocol, error)})
        on_chain = await ctx.chain.epoch_root(row.epoch)
        status = "posted" if on_chain == row.root else "conflict"
        ctx.journal.mark_epoch(row.epoch, status, str(signature) if signature else None)
        ctx.journal.record_action("post_epoch_root", str(row.epoch), status, str(signature) if signature else None)
        ctx.metrics.inc("reward_epochs_posted_total" if status == "posted" else "reward_epochs_conflict_total")
        ctx.metrics.set("reward_epochs_waiting_for_emission", 0)
        if status == "conflict":
            log.error("another root was posted for this epoch; its proofs are not served", extra={"epoch": row.epoch})


# --- provenance -----------------------------------------------------------------------------


@dataclass
class ProvenanceRecorder:
    ctx: KeeperContext
    name: str = "provenance"

    async def tick(self) -> None:
        ctx = self.ctx
        self.ingest_files()
        for pending in ctx.journal.batches("pending"):
            if ctx.stopping.is_set():
                return
            await self._record(pending)
        settings = ctx.config.provenance
        while not ctx.stopping.is_set():
            count, oldest = ctx.journal.unbatched_stats()
            ctx.metrics.set("receipts_unbatched", count)
            if count == 0 or (count < settings.batch_max_receipts and time.time() - (oldest or 0) < settings.batch_max_age_secs):
                return
            sequence = await ctx.chain.provenance_next_sequence()
            batch = ctx.journal.create_batch(sequence, settings.batch_max_receipts, merkle_root)
            if batch is None:
                return
            await self._record(batch)
            recorded = ctx.journal.batch(batch.id)
            if recorded is None or recorded.status == "pending":
                return  # try again next tick

    def ingest_files(self) -> int:
        total = 0
        for path in self.ctx.config.provenance.receipt_files:
            key = str(path.resolve())
            start = self.ctx.journal.offset(key)
            items, offset = read_new_lines(path, start)
            if offset == start:
                continue
            receipts = []
            for _, item in items:
                try:
                    receipts.append(Receipt.model_validate(item))
                except ValidationError:
                    self.ctx.metrics.inc("feed_invalid_lines_total", feed="receipts")
            added = self.ctx.journal.add_receipts(receipts, feed=(key, offset))
            self.ctx.metrics.inc("receipts_ingested_total", added, source="file")
            total += added
        return total

    async def _record(self, batch: BatchRow) -> None:
        ctx = self.ctx

        async def recorded() -> bool:
            return await ctx.chain.batch_root(batch.sequence) is not None

        signature = None
        try:
            signature = await ctx.gateway.send(
                "record_batch",
                [ctx.protocol.record_batch(batch.sequence, batch.root, batch.leaf_count, batch.first_ts, batch.last_ts, ctx.keypair.pubkey())],
                ctx.keypair,
                already_done=recorded,
            )
        except TransactionError as error:
            name = _error_name(ctx.protocol, error)
            if await ctx.chain.batch_root(batch.sequence) is None:
                if name == "SequenceMismatch":  # someone else recorded this sequence meanwhile
                    ctx.journal.mark_batch(batch.id, "superseded")
                    ctx.metrics.inc("batches_superseded_total")
                    return
                log.warning("record_batch failed; will retry", extra={"sequence": batch.sequence, "error": name or str(error.err)})
                return
        root = await ctx.chain.batch_root(batch.sequence)
        if root == batch.root:
            ctx.journal.mark_batch(batch.id, "recorded", str(signature) if signature else None)
            ctx.metrics.inc("batches_recorded_total")
            ctx.metrics.inc("receipts_recorded_total", batch.leaf_count)
            log.info("batch recorded", extra={"task": self.name, "sequence": batch.sequence, "leaves": batch.leaf_count, "signature": str(signature)})
        elif root is not None:
            ctx.journal.mark_batch(batch.id, "superseded")
            ctx.metrics.inc("batches_superseded_total")
            log.warning("sequence taken by another batch; receipts requeued", extra={"sequence": batch.sequence})


# --- burn -----------------------------------------------------------------------------------


@dataclass
class BurnCrank:
    ctx: KeeperContext
    name: str = "burn"

    async def tick(self) -> None:
        ctx = self.ctx
        balance = await ctx.chain.token_amount(RewardsAddresses.burn_vault)
        ctx.metrics.set("burn_vault_balance", balance)
        if balance == 0:
            return
        emission, now = await ctx.chain.emission_and_now()
        epoch = emission.hour_at(now)

        async def emptied() -> bool:
            return await ctx.chain.token_amount(RewardsAddresses.burn_vault) == 0

        try:
            signature = await ctx.gateway.send("burn", [ctx.protocol.burn(epoch, ctx.keypair.pubkey())], ctx.keypair, already_done=emptied)
        except TransactionError as error:
            if _error_name(ctx.protocol, error) in {"NothingToBurn", "WrongBurnEpoch"}:
                return  # emptied by someone else, or the hour turned: next tick
            raise
        ctx.metrics.inc("burns_total")
        ctx.metrics.inc("burned_base_units_total", balance)
        ctx.journal.record_action("burn", str(epoch), "landed" if signature else "already_done", str(signature) if signature else None)
        log.info("burned the burn vault", extra={"task": self.name, "epoch": epoch, "amount": balance})


# --- epoch expiry ---------------------------------------------------------------------------


@dataclass
class EpochExpiryCrank:
    """Expires posted epochs whose claim window (EPOCH_CLAIM_WINDOW_SECS after posting) closed
    with rewards unclaimed, so those rewards return to the unallocated pool for later roots."""

    ctx: KeeperContext
    name: str = "expiry"

    async def tick(self) -> None:
        ctx = self.ctx
        now = await ctx.chain.now()
        due = sorted(
            (
                epoch
                for epoch in await ctx.chain.epoch_roots()
                if epoch.expired_at == 0 and epoch.claimed < epoch.total and now >= epoch.posted_at + EPOCH_CLAIM_WINDOW_SECS
            ),
            key=lambda epoch: epoch.epoch,
        )
        ctx.metrics.set("reward_epochs_expirable", len(due))
        for epoch in due:
            if ctx.stopping.is_set():
                return
            await self._expire(epoch.epoch, epoch.total - epoch.claimed)

    async def _expire(self, epoch: int, unclaimed: int) -> None:
        ctx = self.ctx

        async def expired() -> bool:
            data = await ctx.chain.account_data(RewardsAddresses.epoch_root(epoch))
            return data is not None and ctx.protocol.parse_epoch(data).expired_at != 0

        try:
            signature = await ctx.gateway.send("expire_epoch_root", [ctx.protocol.expire_epoch_root(epoch)], ctx.keypair, already_done=expired)
        except TransactionError as error:
            if _error_name(ctx.protocol, error) in {"EpochAlreadyExpired", "ClaimWindowOpen"}:
                return  # expired by someone else meanwhile, or our clock read was early: next tick
            raise
        ctx.metrics.inc("reward_epochs_expired_total")
        ctx.metrics.inc("reward_unclaimed_returned_base_units_total", unclaimed)
        ctx.journal.record_action("expire_epoch_root", str(epoch), "landed" if signature else "already_done", str(signature) if signature else None)
        log.info("epoch root expired; its unclaimed rewards are unallocated again", extra={"task": self.name, "epoch": epoch, "unclaimed": unclaimed})


# --- stake activation -------------------------------------------------------------------------


@dataclass
class StakeActivationCrank:
    """Activates stake positions whose warm-up has passed (`activate_stake`), so they earn from
    the next claim on without their stakers sending anything."""

    ctx: KeeperContext
    name: str = "activation"

    async def tick(self) -> None:
        ctx = self.ctx
        now = await ctx.chain.now()
        due = [position for position in await ctx.chain.activating_positions() if now >= position.activates_at]
        ctx.metrics.set("stake_positions_due", len(due))
        per_tx = ctx.config.activation.positions_per_tx
        for start in range(0, len(due), per_tx):
            if ctx.stopping.is_set():
                return
            await self._activate(due[start : start + per_tx])

    async def _activate(self, group: list[ActivatingPosition]) -> None:
        ctx = self.ctx
        instructions = [ctx.protocol.activate_stake(position.node, position.address) for position in group]

        async def all_active() -> bool:
            found = await ctx.chain.accounts_data([position.address for position in group])
            return all(
                data is None or ctx.protocol.parse_position(position.address, data).activating_shares == 0 for position, data in zip(group, found, strict=True)
            )

        try:
            signature = await ctx.gateway.send("activate_stake", instructions, ctx.keypair, already_done=all_active)
        except TransactionError as error:
            if len(group) > 1:
                # One position was activated (or unstaked) by its staker meanwhile: one by one.
                for position in group:
                    await self._activate([position])
                return
            if _error_name(ctx.protocol, error) in {"NothingToActivate", "WarmupNotElapsed", "AccountNotInitialized"}:
                return
            raise
        ctx.metrics.inc("stake_positions_activated_total", len(group))
        ctx.journal.record_action(
            "activate_stake",
            ",".join(str(position.address) for position in group),
            "landed" if signature else "already_done",
            str(signature) if signature else None,
        )
        log.info("stake activated", extra={"task": self.name, "positions": len(group)})


# --- helpers ----------------------------------------------------------------------------------


def _error_name(protocol: Protocol, error: TransactionError) -> str | None:
    """The failed program's error name (looked up in that program's IDL, not any program's)."""
    return error.explain(protocol.errors).name


# --- the fee payer ---------------------------------------------------------------------------


LAMPORTS_PER_SOL = 1_000_000_000


@dataclass
class FeePayerWatch:
    """The keeper key's SOL (`fee_payer_lamports`): a warning below `fee_payer.warn_lamports`;
    below `fee_payer.stop_lamports` the tasks that send transactions pause (and /ready fails)
    until the key is funded again, instead of failing every preflight."""

    ctx: KeeperContext
    name: str = "fee_payer"

    async def tick(self) -> None:
        ctx = self.ctx
        settings = ctx.config.fee_payer
        payer = ctx.keypair.pubkey()
        lamports = await ctx.chain.lamports(payer)
        ctx.fee_payer_lamports = lamports
        ctx.metrics.set("fee_payer_lamports", lamports)
        short = lamports < settings.stop_lamports
        if lamports < settings.warn_lamports:
            deposit = (settings.warn_lamports - lamports) / LAMPORTS_PER_SOL
            level = logging.ERROR if short else logging.WARNING
            state = "transactions paused" if short else "running"
            log.log(
                level,
                "fee payer %s holds %.9f SOL (%s): deposit at least %.9f SOL",
                payer,
                lamports / LAMPORTS_PER_SOL,
                state,
                deposit,
                extra={"task": self.name, "lamports": lamports, "deposit_lamports": settings.warn_lamports - lamports},
            )
        if ctx.fee_payer_short and not short:
            log.info("fee payer funded again: transactions resume", extra={"task": self.name, "lamports": lamports})
        ctx.fee_payer_short = short


# A failing task waits at most this long between ticks.
MAX_TASK_BACKOFF_SECS = 60.0


def task_error_kind(error: Exception) -> str:
    """The kind a task error is counted under (`task_errors_total{kind}`)."""
    if isinstance(error, RpcUnavailable):
        return "rpc"
    if isinstance(error, TransactionError):
        return "transaction"
    if isinstance(error, sqlite3.Error):
        return "journal"
    if isinstance(error, OSError):
        return "transport"
    if isinstance(error, ValueError | KeyError | TypeError | ValidationError):
        return "data"
    return type(error).__name__


async def run_periodically(ctx: KeeperContext, name: str, interval: float, tick: Callable[[], Awaitable[None]], *, spends: bool = True) -> None:
    """Runs `tick` every `interval` seconds until the keeper stops. No error ends the task: it is
    counted by kind, logged and shown in /health and /ready, and the next tick waits longer
    (doubling, at most MAX_TASK_BACKOFF_SECS) until a tick succeeds again. A task that `spends`
    (sends transactions) skips its ticks while the fee payer is below its stop threshold."""
    ctx.last_tick.setdefault(name, time.time())  # listed, and judged, from the start
    failures = 0
    while not ctx.stopping.is_set():
        started = time.monotonic()
        try:
            if spends and ctx.fee_payer_short:
                ctx.metrics.inc("task_ticks_paused_total", task=name)
            else:
                await tick()
            failures = 0
            ctx.last_error.pop(name, None)
            ctx.failing_since.pop(name, None)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - a task survives every error; it is counted and shown instead
            failures += 1
            kind = task_error_kind(error)
            ctx.metrics.inc("task_errors_total", task=name, kind=kind)
            ctx.last_error[name] = f"{kind}: {error}"
            ctx.failing_since.setdefault(name, time.time())
            log.warning("%s tick failed (%s): %s", name, kind, error, extra={"task": name, "kind": kind, "failures": failures})
        ctx.last_tick[name] = time.time()
        ctx.metrics.set("task_last_tick_timestamp", ctx.last_tick[name], task=name)
        ctx.metrics.set("task_tick_seconds", time.monotonic() - started, task=name)
        wait = interval if failures == 0 else min(max(interval, 0.1) * 2**failures, MAX_TASK_BACKOFF_SECS)
        try:
            await asyncio.wait_for(ctx.stopping.wait(), timeout=wait)
        except TimeoutError:
            pass


async def supervise(ctx: KeeperContext, name: str, interval: float, tick: Callable[[], Awaitable[None]], *, spends: bool = True) -> None:
    """`run_periodically`, restarted should it ever end before the keeper stops."""
    while not ctx.stopping.is_set():
        try:
            await run_periodically(ctx, name, interval, tick, spends=spends)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - restart the task whatever ended it
            ctx.metrics.inc("task_restarts_total", task=name)
            ctx.last_error[name] = f"restarted: {error!r}"
            log.error("%s ended unexpectedly; restarting", name, extra={"task": name})
            await asyncio.sleep(1.0)


def _reward_root(epoch: int, leaves: list[tuple[bytes, int]]) -> bytes:
    return reward_tree(epoch, leaves).root
