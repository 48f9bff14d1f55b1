"""A renter's side of the escrow program: what a job will cost before it is opened, the
instructions that open, cancel and reclaim it, and a job read back from chain.

The arithmetic is `io_common::economics` and `escrow::state::EscrowConfig::quote`, integers
only, with the rates read from the cluster's escrow config (not assumed), so a quote is what
the program will take to the base unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from solders.instruction import Instruction
from solders.pubkey import Pubkey

from keeper.addresses import EscrowAddresses, StakingAddresses
from keeper.fees import fee_ceil
from keeper.idl import ProgramIdl

U32_MAX = 2**32 - 1
U64_MAX = 2**64 - 1


class PaymentKind(Enum):
    USDC = "Usdc"
    IO = "Io"


class QuoteError(ValueError):
    """A job the program would refuse, said before anything is sent."""


@dataclass(frozen=True)
class EscrowConfigView:
    """The escrow config fields a renter needs."""

    treasury: Pubkey
    oracle_authority: Pubkey
    usdc_mint: Pubkey
    io_mint: Pubkey
    facilitation_fee_bps: int
    reservation_fee_bps: int
    network_fee_bps: int
    start_timeout_secs: int
    complete_grace_secs: int
    paused: bool

    @classmethod
    def decode(cls, escrow: ProgramIdl, data: bytes) -> EscrowConfigView:
        config = escrow.decode_account_as("EscrowConfig", data)
        return cls(
            config.treasury, config.oracle_authority, config.usdc_mint, config.io_mint, config.facilitation_fee_bps, config.reservation_fee_bps,
            config.network_fee_bps, config.start_timeout_secs, config.complete_grace_secs, config.paused,
        )

    def payment_kind(self, mint: Pubkey) -> PaymentKind:
        if mint == self.usdc_mint:
            return PaymentKind.USDC
        if mint == self.io_mint:
            return PaymentKind.IO
        raise QuoteError(f"{mint} is neither the USDC nor the IO mint of this cluster")


@dataclass(frozen=True)
class JobQuote:
    """What opening a job takes from the renter, in the payment mint's base units."""

    hours: int
    price_per_hour: int
    payment: PaymentKind
    reserved_cost: int
    reservation_fee: int
    facilitation_fee: int
    start_timeout_secs: int
    complete_grace_secs: int

    @property
    def deposit(self) -> int:
        return self.reserved_cost + self.reservation_fee + self.facilitation_fee


def quote_job(config: EscrowConfigView, hours: int, price_per_hour: int, payment: PaymentKind) -> JobQuote:
    """The deposit of a job of `hours` at `price_per_hour`: reserved cost + reservation fee
    (kept even if cancelled) + facilitation fee (USDC only; its unused part is refunded)."""
    if not 0 < hours <= U32_MAX:
        raise QuoteError(f"hours must be between 1 and {U32_MAX}, not {hours}")
    if not 0 < price_per_hour <= U64_MAX:
        raise QuoteError(f"the price per hour must be positive and fit a u64, not {price_per_hour}")
    reserved_cost = hours * price_per_hour
    reservation_fee = fee_ceil(reserved_cost, config.reservation_fee_bps)
    facilitation_fee = fee_ceil(reserved_cost, config.facilitation_fee_bps) if payment is PaymentKind.USDC else 0
    if reserved_cost > U64_MAX or reservation_fee is None or facilitation_fee is None or reserved_cost + reservation_fee + facilitation_fee > U64_MAX:
        raise QuoteError("the job's cost does not fit a u64")
    return JobQuote(hours, price_per_hour, payment, reserved_cost, reservation_fee, facilitation_fee, config.start_timeout_secs, config.complete_grace_secs)


@dataclass(frozen=True)
class JobView:
    """A job account as chain holds it."""

    address: Pubkey
    job_id: int
    renter: Pubkey
    node: Pubkey
    node_key: Pubkey
    payment_mint: Pubkey
    status: str
    price_per_hour: int
    hours_reserved: int
    hours_used: int
    deposit: int
    created_at: int
    started_at: int
    completed_at: int
    start_deadline: int
    complete_deadline: int

    @classmethod
    def decode(cls, escrow: ProgramIdl, address: Pubkey, data: bytes) -> JobView:
        job = escrow.decode_account_as("Job", data)
        return cls(
            address, job.job_id, job.renter, job.node, job.node_key, job.payment_mint, _variant(job.status), job.price_per_hour,
            job.hours_reserved, job.hours_used, job.reserved_cost + job.reservation_fee + job.facilitation_fee, job.created_at,
            job.started_at, job.completed_at, job.start_deadline, job.complete_deadline,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "address": str(self.address), "job_id": self.job_id, "renter": str(self.renter), "node": str(self.node),
            "node_key": str(self.node_key), "payment_mint": str(self.payment_mint), "status": self.status,
            "price_per_hour": self.price_per_hour, "hours_reserved": self.hours_reserved, "hours_used": self.hours_used,
            "deposit": self.deposit, "created_at": self.created_at, "started_at": self.started_at, "completed_at": self.completed_at,
            "start_deadline": self.start_deadline, "complete_deadline": self.complete_deadline,
        }


def _variant(value: Any) -> str:
    """The name of an anchorpy enum value (its class name)."""
    return type(value).__name__


def open_renter_ledger(escrow: ProgramIdl, renter: Pubkey) -> Instruction:
    """Creates the renter's job-id ledger: once, before (or with) its first `open_job`."""
    return escrow.instruction("open_renter_ledger", {}, {"renter": renter})


def open_job(
    escrow: ProgramIdl, renter: Pubkey, node_key: Pubkey, job_id: int, quote: JobQuote, payment_mint: Pubkey, renter_token_account: Pubkey
) -> Instruction:
    job = EscrowAddresses.job(renter, job_id)
    return escrow.instruction(
        "open_job",
        {"job_id": job_id, "hours_reserved": quote.hours, "price_per_hour": quote.price_per_hour},
        {
            "renter": renter, "renter_ledger": EscrowAddresses.renter_ledger(renter), "config": EscrowAddresses.config,
            "node": StakingAddresses.node(node_key), "job": job,
            "payment_mint": payment_mint, "escrow_vault": EscrowAddresses.vault(payment_mint), "renter_token_account": renter_token_account,
        },
    )


def close_job(escrow: ProgramIdl, name: str, job: JobView, renter_token_account: Pubkey, treasury_token_account: Pubkey) -> Instruction:
    """`cancel_job` (before start) or `reclaim_job` (after a missed deadline): both return the
    deposit less what the program keeps and close the job's accounts to the renter."""
    if name not in ("cancel_job", "reclaim_job"):
        raise ValueError(f"not a renter's closing instruction: {name}")
    return escrow.instruction(
        name,
        {},
        {
            "renter": job.renter, "config": EscrowAddresses.config, "job": job.address, "escrow_vault": EscrowAddresses.vault(job.payment_mint),
            "renter_token_account": renter_token_account, "treasury_token_account": treasury_token_account,
        },
    )
