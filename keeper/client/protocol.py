"""The keeper's view of the programs: instructions it sends and accounts it reads, via the IDLs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.sysvar import CLOCK

from keeper.client import escrow as escrow_ix
from keeper.client import provenance as provenance_ix
from keeper.client import rewards as rewards_ix
from keeper.client import staking as staking_ix
from keeper.client.constants import DISPUTE_RESOLUTION_SECS, JOB_STATUS, PROGRAM_NAMES, SECONDS_PER_HOUR
from keeper.client.errors import ErrorTable
from keeper.client.idl import ProgramIdl, default_idl_dir


@dataclass(frozen=True)
class JobRef:
    """What settling a job needs, read from its account."""

    address: Pubkey
    renter: Pubkey
    node: Pubkey
    payment_mint: Pubkey
    status: int
    start_deadline: int
    complete_deadline: int
    dispute_deadline: int
    disputed_at: int

    def is_settleable(self, now: int) -> bool:
        """What escrow's `Job::is_settleable` checks: completed and past the dispute window (a
        decided dispute at once), or disputed and left undecided for the resolution period."""
        if self.status == JOB_STATUS["Completed"]:
            return now > self.dispute_deadline or self.disputed_at != 0
        if self.status == JOB_STATUS["Disputed"]:
            return now > self.disputed_at + DISPUTE_RESOLUTION_SECS
        return False


@dataclass(frozen=True)
class EpochView:
    """What expiring an epoch's root needs, read from its account."""

    epoch: int
    total: int
    claimed: int
    posted_at: int
    expired_at: int


@dataclass(frozen=True)
class ActivatingPosition:
    """A stake position with shares warming up."""

    address: Pubkey
    node: Pubkey
    staker: Pubkey
    activating_shares: int
    activates_at: int


@dataclass(frozen=True)
class EmissionView:
    start_ts: int
    next_hour: int
    emitted_total: int
    allocated_total: int

    def hours_ended(self, now: int) -> int:
        """Hours fully over at chain time `now` (what emit may emit up to, exclusive)."""
        return max(0, (now - self.start_ts) // SECONDS_PER_HOUR) if now > self.start_ts else 0

    def hour_at(self, now: int) -> int:
        return self.hours_ended(now)


class Protocol:
    """IDLs of the four programs, their error tables, and the instructions and reads the keeper
    and the explorer use (the instruction builders themselves are keeper.client.<program>)."""

    def __init__(self, idl_dir: Path | None = None) -> None:
        """The IDLs of `idl_dir` (default: those installed with the package)."""
        directory = default_idl_dir() if idl_dir is None else idl_dir
        self.idls: dict[str, ProgramIdl] = {name: ProgramIdl.in_dir(directory, name) for name in PROGRAM_NAMES}
        self.errors = ErrorTable(self.idls.values())
        self.job_layout = self.escrow.layout("Job")
        self.node_layout = self.staking.layout("Node")

    @property
    def rewards(self) -> ProgramIdl:
        return self.idls["rewards"]

    @property
    def escrow(self) -> ProgramIdl:
        return self.idls["escrow"]

    @property
    def staking(self) -> ProgramIdl:
        return self.idls["staking"]

    @property
    def provenance(self) -> ProgramIdl:
        return self.idls["provenance"]

    def program_for(self, program_id: Pubkey) -> ProgramIdl | None:
        return next((idl for idl in self.idls.values() if idl.program_id == program_id), None)

    # --- reads -------------------------------------------------------------------------------

    def job_discriminator(self) -> bytes:
        return self.escrow.account_discriminator("Job")

    def parse_job(self, address: Pubkey, data: bytes) -> JobRef:
        layout = self.job_layout
        return JobRef(
            address=address,
            renter=layout.pubkey(data, "renter"),
            node=layout.pubkey(data, "node"),
            payment_mint=layout.pubkey(data, "payment_mint"),
            status=data[layout.offset("status")],
            start_deadline=layout.read(data, "start_deadline", "<q"),
            complete_deadline=layout.read(data, "complete_deadline", "<q"),
            dispute_deadline=layout.read(data, "dispute_deadline", "<q"),
            disputed_at=layout.read(data, "disputed_at", "<q"),
        )

    def node_operator(self, data: bytes) -> Pubkey:
        return self.node_layout.pubkey(data, "operator")

    def parse_epoch(self, data: bytes) -> EpochView:
        epoch = self.rewards.decode_account_as("Epoch", data)
        return EpochView(epoch.epoch, epoch.total, epoch.claimed, epoch.posted_at, epoch.expired_at)

    def parse_position(self, address: Pubkey, data: bytes) -> ActivatingPosition:
        position = self.staking.decode_account_as("StakePosition", data)
        return ActivatingPosition(address, position.node, position.staker, position.activating_shares, position.activates_at)

    def parse_emission(self, data: bytes) -> EmissionView:
        state = self.rewards.decode_account_as("EmissionState", data)
        return EmissionView(state.start_ts, state.next_hour, state.emitted_total, state.allocated_total)

    clock_address = CLOCK

    # --- instructions (keeper/client/<program>.py builds them) -----------------------------------

    def emit(self, max_hours: int) -> Instruction:
        return rewards_ix.emit(self.rewards, max_hours)

    def burn(self, epoch: int, payer: Pubkey) -> Instruction:
        return rewards_ix.burn(self.rewards, epoch, payer)

    def post_epoch_root(self, epoch: int, root: bytes, total: int, leaf_count: int, keeper: Pubkey) -> Instruction:
        return rewards_ix.post_epoch_root(self.rewards, epoch, root, total, leaf_count, keeper)

    def expire_epoch_root(self, epoch: int) -> Instruction:
        return rewards_ix.expire_epoch_root(self.rewards, epoch)

    def activate_stake(self, node: Pubkey, position: Pubkey) -> Instruction:
        return staking_ix.activate_stake(self.staking, node, position)

    def settle_job(self, job: JobRef, operator: Pubkey, treasury: Pubkey, burn_vault: Pubkey) -> Instruction:
        return escrow_ix.settle_job(self.escrow, job.address, job.node, job.renter, job.payment_mint, operator, treasury, burn_vault)

    def record_batch(self, sequence: int, root: bytes, leaf_count: int, first_ts: int, last_ts: int, keeper: Pubkey) -> Instruction:
        return provenance_ix.record_batch(self.provenance, sequence, root, leaf_count, first_ts, last_ts, keeper)
