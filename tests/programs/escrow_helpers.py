"""Helpers for the escrow program tests: a node to rent, instruction builders, the
SPEC's money rules recomputed independently in Python, and compute-unit bookkeeping.

Expected amounts never come from the program: `quote` and `settlement` below restate the
SPEC (Escrow section and fee table) with `keeper.client.fees` (fee_ceil rounds fees up,
share_floor rounds shares down) and the fee rates of `keeper.client.constants`.
"""

from __future__ import annotations

import hashlib
import struct
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from solders.account import Account
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from keeper.client.addresses import EscrowAddresses, RewardsAddresses, StakingAddresses, associated_token_address
from keeper.client.constants import FACILITATION_FEE_BPS, NETWORK_FEE_BPS, RESERVATION_FEE_BPS, SECONDS_PER_HOUR, ProgramIds
from keeper.client.fees import U64_MAX, fee_ceil, share_floor
from keeper.client.spl import TOKEN_ACCOUNT_SIZE
from keeper.localnet.remote import TransactionRecord
from tests.programs.harness import (
    Harness,
    unsigned,  # noqa: F401 (re-exported for the tests)
)

HOUR = SECONDS_PER_HOUR

# --- compute units ---------------------------------------------------------------------------

#: instruction name -> compute units of every successful call seen in this test session.
COMPUTE_UNITS: dict[str, list[int]] = defaultdict(list)


def record_cu(name: str, record: TransactionRecord) -> TransactionRecord:
    assert record.result.succeeded
    COMPUTE_UNITS[name].append(record.result.compute_units_consumed)
    return record


# --- the SPEC's money rules, restated ---------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    reserved_cost: int
    reservation_fee: int
    facilitation_fee: int

    @property
    def deposit(self) -> int:
        return self.reserved_cost + self.reservation_fee + self.facilitation_fee


@dataclass(frozen=True)
class Settlement:
    used_cost: int
    network_fee: int
    facilitation_charged: int
    gross: int
    token_share: int
    node_payout: int
    treasury_fees: int
    refund: int


def quote(hours: int, price: int, usdc: bool) -> Quote | None:
    """What a renter deposits (SPEC: reserved cost + 0.25 % reservation fee + 2 % facilitation
    fee for USDC only, fees rounded up); None when any figure does not fit in a u64."""
    reserved = hours * price
    if reserved > U64_MAX:
        return None
    reservation = fee_ceil(reserved, RESERVATION_FEE_BPS)
    facilitation = fee_ceil(reserved, FACILITATION_FEE_BPS) if usdc else 0
    if reservation is None or facilitation is None:
        return None
    q = Quote(reserved, reservation, facilitation)
    return q if q.deposit <= U64_MAX else None


def settlement(q: Quote, price: int, hours_used: int, token_share_bps: int, usdc: bool) -> Settlement:
    """SPEC settle: used = hours_used × price; facilitation charged on used (USDC); 5 % network
    fee on used, rounded up; the node's token share of what is left, rounded down; unused
    hours and unused facilitation back to the renter."""
    used = hours_used * price
    network = fee_ceil(used, NETWORK_FEE_BPS)
    facilitation = fee_ceil(used, FACILITATION_FEE_BPS) if usdc else 0
    gross = used - network
    token_share = share_floor(gross, token_share_bps)
    return Settlement(
        used_cost=used,
        network_fee=network,
        facilitation_charged=facilitation,
        gross=gross,
        token_share=token_share,
        node_payout=gross - token_share,
        treasury_fees=q.reservation_fee + facilitation + network,
        refund=(q.reserved_cost - used) + (q.facilitation_fee - facilitation),
    )


def max_price(hours: int, usdc: bool) -> int:
    """The largest price per hour whose deposit still fits in a u64 (binary search on `quote`)."""
    low, high = 1, U64_MAX
    while low < high:
        mid = (low + high + 1) // 2
        if quote(hours, mid, usdc) is not None:
            low = mid
        else:
            high = mid - 1
    return low


# --- instruction plumbing ----------------------------------------------------------------------


def kind_name(value: Any) -> str:
    """Name of a decoded Anchor enum variant: accounts' enums are decoded to their names,
    events' (anchorpy) to variant objects."""
    return value if isinstance(value, str) else type(value).__name__


def plain_token_account(harness: Harness, owner: Pubkey, mint: Pubkey) -> Pubkey:
    """A new token account of `owner` in `mint` at a fresh keypair address (not the ATA)."""
    from solders.system_program import CreateAccountParams, create_account
    from spl.token.instructions import InitializeAccountParams, initialize_account

    from keeper.client.addresses import TOKEN_PROGRAM_ID

    payer, account = harness.roles.admin, Keypair()
    harness.ok(
        [
            create_account(
                CreateAccountParams(
                    from_pubkey=payer.pubkey(),
                    to_pubkey=account.pubkey(),
                    lamports=harness.chain.rent_exempt_minimum(TOKEN_ACCOUNT_SIZE),
                    space=TOKEN_ACCOUNT_SIZE,
                    owner=TOKEN_PROGRAM_ID,
                )
            ),
            initialize_account(InitializeAccountParams(program_id=TOKEN_PROGRAM_ID, account=account.pubkey(), mint=mint, owner=owner)),
        ],
        payer,
        account,
    )
    return account.pubkey()


def clone_account(harness: Harness, source: Pubkey, owner: Pubkey | None = None) -> Pubkey:
    """A copy of `source` (same data and lamports) at a fresh address, optionally re-owned."""
    original = harness.chain.get_account(source)
    address = Keypair().pubkey()
    harness.chain.set_account(
        address,
        Account(
            lamports=original.lamports,
            data=bytes(original.data),
            owner=owner or original.owner,
            executable=False,
            rent_epoch=original.rent_epoch,
        ),
    )
    return address


@dataclass(frozen=True)
class RenterLedger:
    """programs/escrow/src/state/renter_ledger.rs `RenterLedger`: discriminator, version, bump, renter,
    window_start, used_ids [u64; 4] (bit i: id window_start + i used), jobs_opened."""

    version: int
    bump: int
    renter: Pubkey
    window_start: int
    used_ids: tuple[int, ...]
    jobs_opened: int

    SIZE = 8 + 1 + 1 + 32 + 8 + 4 * 8 + 8
    DISCRIMINATOR = hashlib.sha256(b"account:RenterLedger").digest()[:8]

    @classmethod
    def decode(cls, data: bytes) -> RenterLedger:
        assert len(data) == cls.SIZE and data[:8] == cls.DISCRIMINATOR, "not a RenterLedger"
        version, bump = data[8], data[9]
        renter = Pubkey.from_bytes(data[10:42])
        window_start, *used, jobs_opened = struct.unpack_from("<6Q", data, 42)
        return cls(version, bump, renter, window_start, tuple(used), jobs_opened)

    def used(self, job_id: int) -> bool:
        offset = job_id - self.window_start
        return job_id < self.window_start or (offset < 256 and bool(self.used_ids[offset // 64] >> (offset % 64) & 1))


@dataclass
class NodeInfo:
    operator: Keypair
    node_key: Keypair
    address: Pubkey
    token_share_bps: int


@dataclass
class JobRef:
    renter: Keypair
    job_id: int
    address: Pubkey
    #: The escrow vault of the job's mint (`EscrowAddresses.vault(mint)`), shared by every job in that mint.
    vault: Pubkey
    mint: Pubkey
    node: NodeInfo
    renter_token: Pubkey
    hours: int
    price: int

    @property
    def usdc(self) -> bool:
        return self.mint != RewardsAddresses.io_mint


class Escrow:
    """The escrow program on a harness chain, with a ready-to-rent node."""

    def __init__(self, harness: Harness, token_share_bps: int = 1_000) -> None:
        self.h = harness
        self.idl = harness.programs.escrow
        self.cranker = harness.wallet()
        self.node = self.register_node(token_share_bps)
        self._next_job_id = 1

    # --- accounts and state ---
    @property
    def treasury(self) -> Pubkey:
        return self.h.roles.treasury.pubkey()

    def treasury_ata(self, mint: Pubkey) -> Pubkey:
        return associated_token_address(self.treasury, mint)

    def operator_ata(self, node: NodeInfo, mint: Pubkey) -> Pubkey:
        return self.h.token_account(node.operator.pubkey(), mint)

    def config(self):
        return self.idl.decode_account_as("EscrowConfig", bytes(self.h.chain.get_account(EscrowAddresses.config).data))

    def job(self, job: JobRef):
        return self.idl.decode_account_as("Job", bytes(self.h.chain.get_account(job.address).data))

    def renter_ledger(self, renter: Pubkey) -> RenterLedger:
        """The renter's job-id ledger, decoded by hand: the IDL does not carry the type since
        open_job takes the ledger as an unchecked account."""
        account = self.h.chain.get_account(EscrowAddresses.renter_ledger(renter))
        assert account is not None and account.owner == ProgramIds.ESCROW, "no renter ledger"
        return RenterLedger.decode(bytes(account.data))

    def open_deposits(self, mint: Pubkey) -> int:
        """The deposits of every job in `mint` not closed yet: what the mint's escrow vault must
        hold at least (it holds exactly that plus whatever someone sent it)."""
        discriminator = self.idl.account_discriminator("Job")
        total = 0
        for _, account in self.h.chain.accounts_owned_by(ProgramIds.ESCROW):
            data = bytes(account.data)
            if data[:8] != discriminator:
                continue
            state = self.idl.decode_account_as("Job", data)
            if state.payment_mint == mint:
                total += state.reserved_cost + state.reservation_fee + state.facilitation_fee
        return total

    def events(self, record: TransactionRecord, name: str) -> list:
        return [e.data for e in self.idl.decode_events(record.result.logs) if e.name == name]

    def event(self, record: TransactionRecord, name: str):
        found = self.events(record, name)
        assert len(found) == 1, f"expected one {name} event, found {len(found)}"
        return found[0]

    def exists(self, address: Pubkey) -> bool:
        account = self.h.chain.get_account(address)
        return account is not None and account.lamports > 0

    def lamports(self, address: Pubkey) -> int:
        return self.h.chain.balance(address)

    # --- staking setup ---
    def register_node(self, token_share_bps: int = 1_000, staker_share_bps: int = 200) -> NodeInfo:
        operator, node_key = self.h.wallet(), Keypair()
        address = StakingAddresses.node(node_key.pubkey())
        ix = self.h.programs.staking.instruction(
            "register_node",
            {"params": {"gpu_model": "NVIDIA H100 80GB", "tier": 1, "staker_share_bps": staker_share_bps, "token_share_bps": token_share_bps}},
            {"operator": operator.pubkey(), "node_key": node_key.pubkey(), "node": address},
        )
        self.h.ok(ix, operator, node_key)
        info = NodeInfo(operator, node_key, address, token_share_bps)
        for mint in (self.h.usdc_mint, self.h.io_mint):
            self.operator_ata(info, mint)
        return info

    def set_node_active(self, node: NodeInfo, active: bool) -> None:
        params = {k: None for k in ("operator", "gpu_model", "tier", "staker_share_bps", "token_share_bps")}
        ix = self.h.programs.staking.instruction(
            "update_node",
            {"params": {**params, "active": active}},
            {"operator": node.operator.pubkey(), "config": StakingAddresses.config, "node": node.address},
        )
        self.h.ok(ix, node.operator)

    # --- money ---
    def fund(self, owner: Pubkey, mint: Pubkey, amount: int) -> Pubkey:
        if mint == self.h.io_mint:
            return self.h.give_io(owner, amount)
        return self.h.give_usdc(owner, amount)

    # --- instructions ---
    def update_config_ix(self, admin: Pubkey, /, **changes: Any) -> Instruction:
        fields = ("admin", "oracle_authority", "treasury", "start_timeout_secs", "complete_grace_secs", "dispute_window_secs", "paused")
        unknown = set(changes) - set(fields)
        assert not unknown, unknown
        params = {f: changes.get(f) for f in fields}
        return self.idl.instruction("update_config", {"params": params}, {"admin": admin, "config": EscrowAddresses.config})

    def accept_authority_ix(self, new_authority: Pubkey, /, **override: Any) -> Instruction:
        accounts = {"new_authority": new_authority, "config": EscrowAddresses.config}
        accounts.update(override)
        return self.idl.instruction("accept_authority", {}, accounts)

    def hand_over(self, current_admin: Keypair, *, admin: Keypair | None = None, oracle_authority: Keypair | None = None) -> None:
        """Both steps of a handover: `current_admin` proposes, each proposed key accepts."""
        changes = {name: key.pubkey() for name, key in (("admin", admin), ("oracle_authority", oracle_authority)) if key}
        self.h.ok(self.update_config_ix(current_admin.pubkey(), **changes), current_admin)
        for key in {k.pubkey(): k for k in (admin, oracle_authority) if k}.values():
            self.h.ok(self.accept_authority_ix(key.pubkey()), self.cranker, key)

    def new_job(
        self,
        mint: Pubkey,
        hours: int,
        price: int,
        *,
        node: NodeInfo | None = None,
        renter: Keypair | None = None,
        fund: int | None = None,
        job_id: int | None = None,
        with_ledger: bool = True,
    ) -> JobRef:
        """A job reference with a funded renter (not yet opened) that has its job-id ledger, unless
        `with_ledger` is false (then `open` creates it with the job, as wallets do)."""
        renter = renter or self.h.wallet()
        if with_ledger:
            self.open_renter_ledger(renter)
        if job_id is None:
            job_id, self._next_job_id = self._next_job_id, self._next_job_id + 1
        if fund is None:
            q = quote(hours, price, mint != self.h.io_mint)
            fund = q.deposit if q else 0
        renter_token = self.fund(renter.pubkey(), mint, fund) if fund else self.h.token_account(renter.pubkey(), mint)
        address = EscrowAddresses.job(renter.pubkey(), job_id)
        return JobRef(renter, job_id, address, EscrowAddresses.vault(mint), mint, node or self.node, renter_token, hours, price)

    def open_renter_ledger(self, renter: Keypair) -> None:
        """Creates the renter's job-id ledger unless it exists (what wallets do before a first job)."""
        if not self.has_ledger(renter.pubkey()):
            self.h.ok(self.open_renter_ledger_ix(renter.pubkey()), renter)

    def has_ledger(self, renter: Pubkey) -> bool:
        """Whether the renter's ledger exists (lamports sent to its address do not make one)."""
        account = self.h.chain.get_account(EscrowAddresses.renter_ledger(renter))
        return account is not None and account.owner == ProgramIds.ESCROW

    def open_renter_ledger_ix(self, renter: Pubkey) -> Instruction:
        return self.idl.instruction("open_renter_ledger", {}, {"renter": renter})

    def opening(self, job: JobRef) -> list[Instruction]:
        """What a wallet sends to open `job`: with the renter's first job, its ledger's creation."""
        first = not self.has_ledger(job.renter.pubkey())
        return [*([self.open_renter_ledger_ix(job.renter.pubkey())] if first else []), self.open_ix(job)]

    def open_ix(self, job: JobRef, /, **override: Any) -> Instruction:
        args = {"job_id": job.job_id, "hours_reserved": job.hours, "price_per_hour": job.price}
        args.update({k: override.pop(k) for k in list(override) if k in args})
        accounts = {
            "renter": job.renter.pubkey(),
            "renter_ledger": EscrowAddresses.renter_ledger(job.renter.pubkey()),
            "config": EscrowAddresses.config,
            "node": job.node.address,
            "job": job.address,
            "payment_mint": job.mint,
            "escrow_vault": job.vault,
            "renter_token_account": job.renter_token,
        }
        accounts.update(override)
        return self.idl.instruction("open_job", args, accounts)

    def start_ix(self, job: JobRef, node_key: Pubkey | None = None, /, **override: Any) -> Instruction:
        accounts = {"node_key": node_key or job.node.node_key.pubkey(), "job": job.address}
        accounts.update(override)
        return self.idl.instruction("start_job", {}, accounts)

    def complete_ix(self, job: JobRef, hours_used: int, authority: Pubkey | None = None, /, **override: Any) -> Instruction:
        accounts = {"authority": authority or job.node.node_key.pubkey(), "config": EscrowAddresses.config, "job": job.address}
        accounts.update(override)
        return self.idl.instruction("complete_job", {"hours_used": hours_used}, accounts)

    def settle_ix(self, job: JobRef, /, **override: Any) -> Instruction:
        accounts = {
            "config": EscrowAddresses.config,
            "job": job.address,
            "node": job.node.address,
            "renter": job.renter.pubkey(),
            "escrow_vault": job.vault,
            "operator_token_account": associated_token_address(job.node.operator.pubkey(), job.mint),
            "treasury_token_account": self.treasury_ata(job.mint),
            "burn_vault": RewardsAddresses.burn_vault,
            "renter_token_account": job.renter_token,
        }
        accounts.update(override)
        return self.idl.instruction("settle_job", {}, accounts)

    def _refund_ix(self, name: str, job: JobRef, /, **override: Any) -> Instruction:
        accounts = {
            "renter": job.renter.pubkey(),
            "config": EscrowAddresses.config,
            "job": job.address,
            "escrow_vault": job.vault,
            "renter_token_account": job.renter_token,
            "treasury_token_account": self.treasury_ata(job.mint),
        }
        accounts.update(override)
        return self.idl.instruction(name, {}, accounts)

    def stop_ix(self, job: JobRef, /, **override: Any) -> Instruction:
        accounts = {"renter": job.renter.pubkey(), "job": job.address}
        accounts.update(override)
        return self.idl.instruction("stop_job", {}, accounts)

    def dispute_ix(self, job: JobRef, disputer: Pubkey | None = None, /, **override: Any) -> Instruction:
        accounts = {"disputer": disputer or job.renter.pubkey(), "job": job.address}
        accounts.update(override)
        return self.idl.instruction("dispute_job", {}, accounts)

    def resolve_ix(self, job: JobRef, hours_used: int, arbiter: Pubkey, /, **override: Any) -> Instruction:
        accounts = {"arbiter": arbiter, "config": EscrowAddresses.config, "job": job.address}
        accounts.update(override)
        return self.idl.instruction("resolve_dispute", {"hours_used": hours_used}, accounts)

    def cancel_ix(self, job: JobRef, /, **override: Any) -> Instruction:
        return self._refund_ix("cancel_job", job, **override)

    def reclaim_ix(self, job: JobRef, /, **override: Any) -> Instruction:
        return self._refund_ix("reclaim_job", job, **override)

    # --- flows (cranker pays the fees, so the renter's lamports move only by rent) ---
    def open(self, job: JobRef) -> TransactionRecord:
        return record_cu("open_job", self.h.ok(self.opening(job), job.renter))

    def start(self, job: JobRef) -> TransactionRecord:
        return record_cu("start_job", self.h.ok(self.start_ix(job), self.cranker, job.node.node_key))

    def complete(self, job: JobRef, hours_used: int, authority: Keypair | None = None) -> TransactionRecord:
        signer = authority or job.node.node_key
        return record_cu("complete_job", self.h.ok(self.complete_ix(job, hours_used, signer.pubkey()), self.cranker, signer))

    def settle(self, job: JobRef, **override: Any) -> TransactionRecord:
        """Settles once the job's dispute window has passed (waiting for it when it has not)."""
        self.wait_for_dispute_window(job)
        return record_cu("settle_job", self.h.ok(self.settle_ix(job, **override), self.cranker))

    def wait_for_dispute_window(self, job: JobRef) -> None:
        deadline = self.job(job).dispute_deadline
        now = self.h.chain.unix_timestamp
        if now <= deadline:
            self.h.warp(deadline + 1 - now)

    def cancel(self, job: JobRef) -> TransactionRecord:
        return record_cu("cancel_job", self.h.ok(self.cancel_ix(job), self.cranker, job.renter))

    def reclaim(self, job: JobRef) -> TransactionRecord:
        return record_cu("reclaim_job", self.h.ok(self.reclaim_ix(job), self.cranker, job.renter))

    def run_to_completed(self, job: JobRef, hours_used: int) -> None:
        """Open, start, let `hours_used` hours pass (at least one second), complete."""
        self.open(job)
        self.start(job)
        self.h.warp(max(hours_used * HOUR, 1))
        self.complete(job, hours_used)

    # --- balance snapshots ---
    def money_accounts(self, job: JobRef) -> dict[str, Pubkey]:
        return {
            "vault": job.vault,
            "renter": job.renter_token,
            "operator": associated_token_address(job.node.operator.pubkey(), job.mint),
            "treasury": self.treasury_ata(job.mint),
            "burn": RewardsAddresses.burn_vault,
        }

    def balances(self, job: JobRef) -> dict[str, int]:
        out = {}
        for name, address in self.money_accounts(job).items():
            out[name] = self.h.balance(address) if self.exists(address) else 0
        return out

    def watch(self, job: JobRef) -> list[Pubkey]:
        return [*self.money_accounts(job).values(), job.address, EscrowAddresses.renter_ledger(job.renter.pubkey()), EscrowAddresses.config]


def deltas(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before[k] for k in before}
