"""The keeper's view of the programs: instructions it sends and accounts it reads, via the IDLs."""

from __future__ import annotations

import functools
import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.sysvar import CLOCK

from keeper.addresses import (
    TOKEN_PROGRAM_ID,
    EscrowAddresses,
    ProvenanceAddresses,
    RewardsAddresses,
    StakingAddresses,
    associated_token_address,
)
from keeper.constants import SECONDS_PER_HOUR
from keeper.idl import ProgramIdl, default_idl_dir


@functools.lru_cache(maxsize=1 << 16)
def token_account_of(owner: Pubkey, mint: Pubkey) -> Pubkey:
    """`associated_token_address`, remembered: a settlement scan derives the same few
    operators' / renters' / the treasury's accounts for every job (a derivation is ~15 us)."""
    return associated_token_address(owner, mint)

PROGRAM_NAMES = ("rewards", "staking", "escrow", "provenance")
JOB_STATUS = {"Open": 0, "Started": 1, "Completed": 2, "Disputed": 3}
# escrow DISPUTE_RESOLUTION_SECS: an undecided dispute settles on the reported hours after it.
DISPUTE_RESOLUTION_SECS = 7 * 24 * 3_600
_FIXED_SIZES = {"u8": 1, "i8": 1, "bool": 1, "u16": 2, "i16": 2, "u32": 4, "i32": 4, "u64": 8, "i64": 8, "u128": 16, "i128": 16, "pubkey": 32}


class LayoutError(ValueError):
    """An account field is not at a fixed offset (it follows a variable-length field)."""


@dataclass(frozen=True)
class AccountLayout:
    """Byte offsets of an account's leading fixed-size fields, read from the IDL's type definitions."""

    offsets: dict[str, tuple[int, int]]

    @classmethod
    def from_idl(cls, idl_json: dict[str, Any], account: str) -> AccountLayout:
        types = {item["name"]: item["type"] for item in idl_json.get("types", [])}
        offsets: dict[str, tuple[int, int]] = {}
        position = 8  # discriminator
        for field in types[account]["fields"]:
            size = _size(field["type"], types)
            if size is None:
                break
            offsets[field["name"]] = (position, size)
            position += size
        return cls(offsets)

    def offset(self, field: str) -> int:
        if field not in self.offsets:
            raise LayoutError(f"field {field} has no fixed offset")
        return self.offsets[field][0]

    def read(self, data: bytes, field: str, fmt: str) -> Any:
        return struct.unpack_from(fmt, data, self.offset(field))[0]

    def pubkey(self, data: bytes, field: str) -> Pubkey:
        start = self.offset(field)
        return Pubkey.from_bytes(data[start : start + 32])


def _size(ty: Any, types: dict[str, Any]) -> int | None:
    if isinstance(ty, str):
        return _FIXED_SIZES.get(ty)
    if "array" in ty:
        inner, length = ty["array"]
        inner_size = _size(inner, types)
        return None if inner_size is None else inner_size * length
    if "defined" in ty:
        definition = types[ty["defined"]["name"]]
        if definition["kind"] == "enum" and all("fields" not in variant for variant in definition["variants"]):
            return 1
        if definition["kind"] == "struct":
            sizes = [_size(field["type"], types) for field in definition["fields"]]
            return None if any(size is None for size in sizes) else sum(sizes)  # type: ignore[arg-type]
    return None


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
    """IDLs of the four programs plus the keeper's instruction builders."""

    def __init__(self, idl_dir: Path) -> None:
        self.raw: dict[str, dict[str, Any]] = {}
        self.idls: dict[str, ProgramIdl] = {}
        for name in PROGRAM_NAMES:
            path = idl_dir / f"{name}.json"
            if not path.is_file():
                raise FileNotFoundError(f"IDL {path} missing")
            text = path.read_text()
            self.raw[name] = json.loads(text)
            self.idls[name] = ProgramIdl(text)
        self.job_layout = AccountLayout.from_idl(self.raw["escrow"], "Job")
        self.node_layout = AccountLayout.from_idl(self.raw["staking"], "Node")

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

    # --- instructions --------------------------------------------------------------------------

    def emit(self, max_hours: int) -> Instruction:
        return self.rewards.instruction(
            "emit", {"max_hours": max_hours},
            {
                "config": RewardsAddresses.config, "emission": RewardsAddresses.emission, "io_mint": RewardsAddresses.io_mint,
                "mint_authority": RewardsAddresses.mint_authority, "reward_vault": RewardsAddresses.reward_vault,
            },
        )

    def burn(self, epoch: int, payer: Pubkey) -> Instruction:
        return self.rewards.instruction(
            "burn", {"epoch": epoch},
            {
                "config": RewardsAddresses.config, "emission": RewardsAddresses.emission,
                "burn_ledger": RewardsAddresses.burn_ledger, "burn_epoch": RewardsAddresses.burn_epoch(epoch),
                "burn_vault": RewardsAddresses.burn_vault, "io_mint": RewardsAddresses.io_mint,
                "mint_authority": RewardsAddresses.mint_authority, "payer": payer,
            },
        )

    def post_epoch_root(self, epoch: int, root: bytes, total: int, leaf_count: int, keeper: Pubkey) -> Instruction:
        return self.rewards.instruction(
            "post_epoch_root", {"epoch": epoch, "root": list(root), "total": total, "leaf_count": leaf_count},
            {
                "config": RewardsAddresses.config, "emission": RewardsAddresses.emission,
                "epoch_root": RewardsAddresses.epoch_root(epoch), "keeper_authority": keeper,
            },
        )

    def expire_epoch_root(self, epoch: int) -> Instruction:
        return self.rewards.instruction(
            "expire_epoch_root", {"epoch": epoch},
            {"emission": RewardsAddresses.emission, "epoch_root": RewardsAddresses.epoch_root(epoch)},
        )

    def activate_stake(self, node: Pubkey, position: Pubkey) -> Instruction:
        return self.staking.instruction("activate_stake", {}, {"node": node, "position": position})

    def settle_job(self, job: JobRef, operator: Pubkey, treasury: Pubkey, burn_vault: Pubkey) -> Instruction:
        return self.escrow.instruction(
            "settle_job", {},
            {
                "config": EscrowAddresses.config, "job": job.address, "node": job.node, "renter": job.renter,
                "escrow_vault": EscrowAddresses.vault(job.payment_mint),
                "operator_token_account": token_account_of(operator, job.payment_mint),
                "treasury_token_account": token_account_of(treasury, job.payment_mint),
                "burn_vault": burn_vault,
                "renter_token_account": token_account_of(job.renter, job.payment_mint),
            },
        )

    def record_batch(self, sequence: int, root: bytes, leaf_count: int, first_ts: int, last_ts: int, keeper: Pubkey) -> Instruction:
        return self.provenance.instruction(
            "record_batch",
            {"sequence": sequence, "root": list(root), "leaf_count": leaf_count, "first_ts": first_ts, "last_ts": last_ts},
            {"config": ProvenanceAddresses.config, "batch": ProvenanceAddresses.batch(sequence), "keeper_authority": keeper},
        )

    def verify_receipt(self, sequence: int, receipt: dict[str, Any], proof: list[bytes]) -> Instruction:
        return self.provenance.instruction(
            "verify_receipt",
            {"sequence": sequence, "receipt": receipt, "proof": [list(item) for item in proof]},
            {"batch": ProvenanceAddresses.batch(sequence)},
        )


__all__ = [
    "TOKEN_PROGRAM_ID", "EscrowAddresses", "ProvenanceAddresses", "RewardsAddresses", "StakingAddresses",
    "AccountLayout", "ActivatingPosition", "EmissionView", "EpochView", "JobRef", "Protocol", "JOB_STATUS", "default_idl_dir",
]
