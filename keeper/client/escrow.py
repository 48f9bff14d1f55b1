"""The escrow program: what a job will cost before it is opened, a job read back from chain, and
the instructions of renters (open, cancel, reclaim, stop, dispute), nodes (start, complete), the
keeper (settle; as oracle, resolve) and the admin (update_config, accept_authority), every fixed
account and PDA filled in. `initialize` is the deployment's (`keeper.localnet.deployment`).

The arithmetic is `io_common::economics` and `escrow::state::EscrowConfig::quote`, integers
only, with the rates read from the cluster's escrow config (not assumed), so a quote is what
the program will take to the base unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from solders.instruction import Instruction
from solders.pubkey import Pubkey

from keeper.client.addresses import EscrowAddresses, StakingAddresses
from keeper.client.fees import fee_ceil
from keeper.client.idl import ProgramIdl
from keeper.client.spl import associated_token_address, token_account_of

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
            config.treasury,
            config.oracle_authority,
            config.usdc_mint,
            config.io_mint,
            config.facilitation_fee_bps,
            config.reservation_fee_bps,
            config.network_fee_bps,
            config.start_timeout_secs,
            config.complete_grace_secs,
            config.paused,
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
            address,
            job.job_id,
            job.renter,
            job.node,
            job.node_key,
            job.payment_mint,
            job.status,
            job.price_per_hour,
            job.hours_reserved,
            job.hours_used,
            job.reserved_cost + job.reservation_fee + job.facilitation_fee,
            job.created_at,
            job.started_at,
            job.completed_at,
            job.start_deadline,
            job.complete_deadline,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "address": str(self.address),
            "job_id": self.job_id,
            "renter": str(self.renter),
            "node": str(self.node),
            "node_key": str(self.node_key),
            "payment_mint": str(self.payment_mint),
            "status": self.status,
            "price_per_hour": self.price_per_hour,
            "hours_reserved": self.hours_reserved,
            "hours_used": self.hours_used,
            "deposit": self.deposit,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "completed_at": self.completed_at,
            "start_deadline": self.start_deadline,
            "complete_deadline": self.complete_deadline,
        }


def open_renter_ledger(escrow: ProgramIdl, renter: Pubkey) -> Instruction:
    """Creates the renter's job-id ledger: once, before (or with) its first `open_job`."""
    return escrow.instruction("open_renter_ledger", {}, {"renter": renter})


def open_job(
    escrow: ProgramIdl,
    renter: Pubkey,
    node_key: Pubkey,
    job_id: int,
    hours: int,
    price_per_hour: int,
    payment_mint: Pubkey,
    renter_token_account: Pubkey | None = None,
) -> Instruction:
    """Opens job `job_id` of `renter` on the node of `node_key`, the deposit taken from the
    renter's token account (its associated one for `payment_mint` by default)."""
    return escrow.instruction(
        "open_job",
        {"job_id": job_id, "hours_reserved": hours, "price_per_hour": price_per_hour},
        {
            "renter": renter,
            "renter_ledger": EscrowAddresses.renter_ledger(renter),
            "config": EscrowAddresses.config,
            "node": StakingAddresses.node(node_key),
            "job": EscrowAddresses.job(renter, job_id),
            "payment_mint": payment_mint,
            "escrow_vault": EscrowAddresses.vault(payment_mint),
            "renter_token_account": associated_token_address(renter, payment_mint) if renter_token_account is None else renter_token_account,
        },
    )


def open_quoted_job(
    escrow: ProgramIdl, renter: Pubkey, node_key: Pubkey, job_id: int, quote: JobQuote, payment_mint: Pubkey, renter_token_account: Pubkey | None = None
) -> Instruction:
    """`open_job` of what `quote_job` quoted."""
    return open_job(escrow, renter, node_key, job_id, quote.hours, quote.price_per_hour, payment_mint, renter_token_account)


def start_job(escrow: ProgramIdl, node_key: Pubkey, job: Pubkey) -> Instruction:
    """The node (its device key signs) starts a job opened on it."""
    return escrow.instruction("start_job", {}, {"node_key": node_key, "config": EscrowAddresses.config, "job": job})


def complete_job(escrow: ProgramIdl, authority: Pubkey, job: Pubkey, hours_used: int) -> Instruction:
    """The node key, or the oracle, reports the hours a started job used."""
    return escrow.instruction("complete_job", {"hours_used": hours_used}, {"authority": authority, "config": EscrowAddresses.config, "job": job})


def settle_job(
    escrow: ProgramIdl, job: Pubkey, node: Pubkey, renter: Pubkey, payment_mint: Pubkey, operator: Pubkey, treasury: Pubkey, burn_vault: Pubkey
) -> Instruction:
    """Settles a completed job past its dispute window (anyone may send it): pays the node's
    operator, the treasury's fees and the renter's refund, into their associated token accounts."""
    return escrow.instruction(
        "settle_job",
        {},
        {
            "config": EscrowAddresses.config,
            "job": job,
            "node": node,
            "renter": renter,
            "escrow_vault": EscrowAddresses.vault(payment_mint),
            "operator_token_account": token_account_of(operator, payment_mint),
            "treasury_token_account": token_account_of(treasury, payment_mint),
            "burn_vault": burn_vault,
            "renter_token_account": token_account_of(renter, payment_mint),
        },
    )


def close_job(escrow: ProgramIdl, name: str, job: JobView, renter_token_account: Pubkey, treasury_token_account: Pubkey) -> Instruction:
    """`cancel_job` (before start) or `reclaim_job` (after a missed deadline): both return the
    deposit less what the program keeps and close the job's accounts to the renter."""
    if name not in ("cancel_job", "reclaim_job"):
        raise ValueError(f"not a renter's closing instruction: {name}")
    return _closing(escrow, name, job.renter, job.address, job.payment_mint, renter_token_account, treasury_token_account)


def cancel_job(
    escrow: ProgramIdl, renter: Pubkey, job: Pubkey, payment_mint: Pubkey, renter_token_account: Pubkey, treasury_token_account: Pubkey
) -> Instruction:
    """Cancels a job its node has not started: all back but the reservation fee."""
    return _closing(escrow, "cancel_job", renter, job, payment_mint, renter_token_account, treasury_token_account)


def reclaim_job(
    escrow: ProgramIdl, renter: Pubkey, job: Pubkey, payment_mint: Pubkey, renter_token_account: Pubkey, treasury_token_account: Pubkey
) -> Instruction:
    """Reclaims a job whose node missed its start or completion deadline."""
    return _closing(escrow, "reclaim_job", renter, job, payment_mint, renter_token_account, treasury_token_account)


def _closing(
    escrow: ProgramIdl, name: str, renter: Pubkey, job: Pubkey, payment_mint: Pubkey, renter_token_account: Pubkey, treasury_token_account: Pubkey
) -> Instruction:
    return escrow.instruction(
        name,
        {},
        {
            "renter": renter,
            "config": EscrowAddresses.config,
            "job": job,
            "escrow_vault": EscrowAddresses.vault(payment_mint),
            "renter_token_account": renter_token_account,
            "treasury_token_account": treasury_token_account,
        },
    )


def stop_job(escrow: ProgramIdl, renter: Pubkey, job: Pubkey) -> Instruction:
    """The renter stops a running job: it completes with the hours begun so far."""
    return escrow.instruction("stop_job", {}, {"renter": renter, "job": job})


def dispute_job(escrow: ProgramIdl, disputer: Pubkey, job: Pubkey) -> Instruction:
    """Disputes a completed job's reported hours within its dispute window: the renter (a node's
    or the oracle's report) or the node key (the oracle's report)."""
    return escrow.instruction("dispute_job", {}, {"disputer": disputer, "job": job})


def resolve_dispute(escrow: ProgramIdl, arbiter: Pubkey, job: Pubkey, hours_used: int) -> Instruction:
    """The oracle (or, for the oracle's own report, the admin) decides a disputed job's hours."""
    return escrow.instruction("resolve_dispute", {"hours_used": hours_used}, {"arbiter": arbiter, "config": EscrowAddresses.config, "job": job})


# update_config's params: each None leaves that setting as it is (admin and oracle_authority
# are proposals, taken over by `accept_authority`).
CONFIG_SETTINGS = ("admin", "oracle_authority", "treasury", "start_timeout_secs", "complete_grace_secs", "dispute_window_secs", "paused")


def update_config(escrow: ProgramIdl, admin: Pubkey, changes: Mapping[str, Any]) -> Instruction:
    """The admin changes the escrow config (`CONFIG_SETTINGS`; those not in `changes` stay)."""
    return escrow.instruction("update_config", {"params": _settings(changes, CONFIG_SETTINGS)}, {"admin": admin, "config": EscrowAddresses.config})


def accept_authority(escrow: ProgramIdl, new_authority: Pubkey) -> Instruction:
    """A proposed admin or oracle authority takes over (it signs)."""
    return escrow.instruction("accept_authority", {}, {"new_authority": new_authority, "config": EscrowAddresses.config})


def _settings(changes: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    unknown = set(changes) - set(names)
    if unknown:
        raise ValueError(f"not config settings: {sorted(unknown)}")
    return {name: changes.get(name) for name in names}
