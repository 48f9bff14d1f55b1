"""Instruction builders, state readers and expected values for the rewards program tests.

Expected amounts come from the keeper's independent Python implementations
(keeper.client.schedule, keeper.client.merkle, keeper.client.fees), never from the program under test.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from spl.token.instructions import TransferCheckedParams, transfer_checked

from keeper.client import merkle
from keeper.client.addresses import (
    TOKEN_PROGRAM_ID,
    associated_token_address,
)
from keeper.client.addresses import (
    RewardsAddresses as R,
)
from keeper.client.addresses import (
    StakingAddresses as S,
)
from keeper.client.constants import IO_DECIMALS, SECONDS_PER_HOUR
from keeper.client.schedule import EmissionCursor
from keeper.localnet.deployment import Programs, Roles
from keeper.localnet.remote import LocalnetChain, TransactionRecord
from tests.programs.harness import (
    START_TS,
    Harness,
    fresh_chain,
    mint_supply,
    session_roles,
    token_amount,
    unsigned,  # noqa: F401 (re-exported for the tests)
)

HOUR = SECONDS_PER_HOUR
# staking::state::REWARD_SCALE: the node accumulator's fixed-point scale (documented in the
# staking program; restated here so expected staker payouts are computed independently).
REWARD_SCALE = 10**18
SYSTEM_PROGRAM_ID = Pubkey.from_string("11111111111111111111111111111111")

# Compute units of every successful instruction the suite sends, by instruction name.
CU: dict[str, list[int]] = defaultdict(list)


def record_cu(name: str, record: TransactionRecord) -> TransactionRecord:
    CU[name].append(record.result.compute_units_consumed)
    return record


def ok(h: Harness, name: str, ix: Instruction | list[Instruction], payer: Keypair, *signers: Keypair) -> TransactionRecord:
    """Sends, requires success and records the compute units under `name`."""
    return record_cu(name, h.ok(ix, payer, *signers))


def events(h: Harness, record: TransactionRecord, name: str) -> list[Any]:
    return [e.data for e in h.programs.rewards.decode_events(record.result.logs) if e.name == name]


def staking_events(h: Harness, record: TransactionRecord, name: str) -> list[Any]:
    return [e.data for e in h.programs.staking.decode_events(record.result.logs) if e.name == name]


# --- clock --------------------------------------------------------------------------------------


def hour_end(hour: int) -> int:
    """The first second after hour `hour` (hour h spans [start + 3600h, start + 3600(h+1)))."""
    return START_TS + HOUR * (hour + 1)


def warp_to(h: Harness, unix_timestamp: int) -> None:
    assert unix_timestamp >= h.now, "the clock only moves forward"
    if unix_timestamp > h.now:
        h.warp(unix_timestamp - h.now)


# --- state --------------------------------------------------------------------------------------


def _decode(h: Harness, program: str, kind: str, address: Pubkey) -> Any:
    account = h.chain.get_account(address)
    assert account is not None, f"{kind} {address} does not exist"
    return getattr(h.programs, program).decode_account_as(kind, bytes(account.data))


def emission(h: Harness) -> Any:
    return _decode(h, "rewards", "EmissionState", R.emission)


def config(h: Harness) -> Any:
    return _decode(h, "rewards", "RewardsConfig", R.config)


def ledger(h: Harness) -> Any:
    return _decode(h, "rewards", "BurnLedger", R.burn_ledger)


def epoch_state(h: Harness, epoch: int) -> Any:
    return _decode(h, "rewards", "Epoch", R.epoch_root(epoch))


def receipt(h: Harness, epoch: int, node: Pubkey) -> Any:
    return _decode(h, "rewards", "ClaimReceipt", R.claim_receipt(epoch, node))


def burn_epoch(h: Harness, epoch: int) -> Any:
    return _decode(h, "rewards", "BurnEpoch", R.burn_epoch(epoch))


def node_state(h: Harness, node: Pubkey) -> Any:
    return _decode(h, "staking", "Node", node)


def position(h: Harness, node: Pubkey, staker: Pubkey) -> Any:
    return _decode(h, "staking", "StakePosition", S.stake_position(node, staker))


def supply(h: Harness) -> int:
    return mint_supply(h.chain, h.io_mint)


def balance(h: Harness, token_account: Pubkey) -> int:
    return token_amount(h.chain, token_account)


# --- rewards instructions ----------------------------------------------------------------------


def emit_ix(h: Harness, max_hours: int, **accounts: Pubkey) -> Instruction:
    base = {
        "config": R.config,
        "emission": R.emission,
        "io_mint": R.io_mint,
        "mint_authority": R.mint_authority,
        "reward_vault": R.reward_vault,
    }
    return h.programs.rewards.instruction("emit", {"max_hours": max_hours}, {**base, **accounts})


def post_root_ix(h: Harness, epoch: int, root: bytes, total: int, leaf_count: int, keeper: Pubkey | None = None, **accounts: Pubkey) -> Instruction:
    base = {
        "config": R.config,
        "emission": R.emission,
        "epoch_root": R.epoch_root(epoch),
        "keeper_authority": keeper or h.roles.keeper.pubkey(),
    }
    return h.programs.rewards.instruction(
        "post_epoch_root",
        {"epoch": epoch, "root": list(root), "total": total, "leaf_count": leaf_count},
        {**base, **accounts},
    )


def claim_ix(
    h: Harness,
    epoch: int,
    amount: int,
    proof: list[bytes],
    node: Pubkey,
    operator_token: Pubkey,
    payer: Pubkey,
    **accounts: Pubkey,
) -> Instruction:
    base = {
        "epoch_root": R.epoch_root(epoch),
        "emission": R.emission,
        "node": node,
        "claim_receipt": R.claim_receipt(epoch, node),
        "operator_token": operator_token,
        "reward_vault": R.reward_vault,
        "mint_authority": R.mint_authority,
        "staker_reward_vault": S.staker_reward_vault,
        "payer": payer,
    }
    return h.programs.rewards.instruction("claim", {"epoch": epoch, "amount": amount, "proof": [list(p) for p in proof]}, {**base, **accounts})


def burn_ix(h: Harness, epoch: int, payer: Pubkey, **accounts: Pubkey) -> Instruction:
    base = {
        "config": R.config,
        "emission": R.emission,
        "burn_ledger": R.burn_ledger,
        "burn_epoch": R.burn_epoch(epoch),
        "burn_vault": R.burn_vault,
        "io_mint": R.io_mint,
        "mint_authority": R.mint_authority,
        "payer": payer,
    }
    return h.programs.rewards.instruction("burn", {"epoch": epoch}, {**base, **accounts})


def update_config_ix(h: Harness, admin: Pubkey, new_admin: Pubkey | None, new_keeper: Pubkey | None) -> Instruction:
    return h.programs.rewards.instruction(
        "update_config",
        {"new_admin": new_admin, "new_keeper_authority": new_keeper},
        {"admin": admin, "config": R.config},
    )


def mint_genesis_ix(programs: Programs, admin: Pubkey, destination: Pubkey, **accounts: Pubkey) -> Instruction:
    base = {
        "admin": admin,
        "config": R.config,
        "io_mint": R.io_mint,
        "mint_authority": R.mint_authority,
        "destination": destination,
    }
    return programs.rewards.instruction("mint_genesis", {}, {**base, **accounts})


def initialize_ix(programs: Programs, admin: Pubkey, keeper: Pubkey, start_ts: int) -> Instruction:
    return programs.rewards.instruction(
        "initialize",
        {"start_ts": start_ts, "keeper_authority": keeper},
        {
            "admin": admin,
            "config": R.config,
            "emission": R.emission,
            "burn_ledger": R.burn_ledger,
            "mint_authority": R.mint_authority,
            "io_mint": R.io_mint,
            "reward_vault": R.reward_vault,
            "burn_vault": R.burn_vault,
        },
    )


# --- emission -----------------------------------------------------------------------------------


@dataclass
class ScheduleModel:
    """The keeper's independent schedule, walked alongside the chain."""

    cursor: EmissionCursor = EmissionCursor.genesis()
    next_hour: int = 0
    emitted: int = 0

    def pay(self, hours: int) -> int:
        total = 0
        for hour in range(self.next_hour, self.next_hour + hours):
            self.cursor, amount = self.cursor.pay_hour(hour)
            total += amount
        self.next_hour += hours
        self.emitted += total
        return total


def emit_checked(h: Harness, model: ScheduleModel, max_hours: int, payer: Keypair | None = None) -> Any:
    """Sends one emit; checks the event, vault, state and supply against the model; returns the event."""
    payer = payer or h.roles.keeper
    vault_before, supply_before = balance(h, R.reward_vault), supply(h)
    record = ok(h, f"emit({max_hours})", emit_ix(h, max_hours), payer)
    (event,) = events(h, record, "HoursEmitted")
    assert event.first_hour == model.next_hour
    hours = event.last_hour - event.first_hour + 1
    assert 1 <= hours <= max_hours
    expected = model.pay(hours)
    assert event.amount == expected, f"hours {event.first_hour}..={event.last_hour}"
    assert event.emitted_total == model.emitted
    assert balance(h, R.reward_vault) == vault_before + expected
    assert supply(h) == supply_before + expected == event.supply
    state = emission(h)
    assert (state.next_hour, state.emitted_total) == (model.next_hour, model.emitted)
    return event


def emit_through(h: Harness, model: ScheduleModel, hours: int, batch: int = 168) -> None:
    """Warps until hours 0..hours have ended and emits them all in catch-up batches."""
    warp_to(h, max(h.now, hour_end(hours - 1)))
    while model.next_hour < hours:
        emit_checked(h, model, min(batch, hours - model.next_hour))


# --- tokens and staking -------------------------------------------------------------------------


def send_io(h: Harness, destination: Pubkey, amount: int) -> None:
    """Moves genesis IO from the treasury into any IO token account (e.g. the burn vault)."""
    treasury = h.roles.treasury
    params = TransferCheckedParams(
        program_id=TOKEN_PROGRAM_ID,
        source=associated_token_address(treasury.pubkey(), h.io_mint),
        mint=h.io_mint,
        dest=destination,
        owner=treasury.pubkey(),
        amount=amount,
        decimals=IO_DECIMALS,
    )
    h.ok(transfer_checked(params), treasury)


@dataclass
class NodeInfo:
    operator: Keypair
    node_key: Keypair
    node: Pubkey
    operator_io: Pubkey
    staker_share_bps: int


def register_node(h: Harness, staker_share_bps: int = 200, token_share_bps: int = 0) -> NodeInfo:
    operator, node_key = h.wallet(), Keypair()
    node = S.node(node_key.pubkey())
    h.ok(
        h.programs.staking.instruction(
            "register_node",
            {"params": {"gpu_model": "H100", "tier": 1, "staker_share_bps": staker_share_bps, "token_share_bps": token_share_bps}},
            {"operator": operator.pubkey(), "node_key": node_key.pubkey(), "node": node},
        ),
        operator,
        node_key,
    )
    operator_io = h.token_account(operator.pubkey(), h.io_mint)
    return NodeInfo(operator, node_key, node, operator_io, staker_share_bps)


def stake(h: Harness, node: Pubkey, amount: int) -> Keypair:
    staker = h.wallet()
    source = h.give_io(staker.pubkey(), amount)
    position = S.stake_position(node, staker.pubkey())
    h.ok(
        [
            h.programs.staking.instruction("open_stake_position", {}, {"staker": staker.pubkey(), "node": node, "position": position}),
            h.programs.staking.instruction(
                "stake",
                {"amount": amount},
                {
                    "staker": staker.pubkey(),
                    "config": S.config,
                    "node": node,
                    "position": position,
                    "staker_token_account": source,
                    "stake_vault": S.stake_vault,
                },
            ),
        ],
        staker,
    )
    return staker


def activate_all(h: Harness, node: Pubkey, stakers: list[Keypair]) -> None:
    """The keeper's crank: each staker's warmed-up shares start earning (`activate_stake`)."""
    cranker = h.wallet()
    for staker in stakers:
        h.ok(
            h.programs.staking.instruction(
                "activate_stake",
                {},
                {"node": node, "position": S.stake_position(node, staker.pubkey())},
            ),
            cranker,
        )


def claim_staker_rewards_ix(h: Harness, node: Pubkey, staker: Pubkey, destination: Pubkey) -> Instruction:
    return h.programs.staking.instruction(
        "claim_staker_rewards",
        {},
        {
            "staker": staker,
            "config": S.config,
            "node": node,
            "position": S.stake_position(node, staker),
            "staker_reward_vault": S.staker_reward_vault,
            "destination": destination,
        },
    )


# --- reward trees -------------------------------------------------------------------------------


@dataclass
class RewardTree:
    epoch: int
    entries: list[tuple[Pubkey, int]]
    tree: merkle.MerkleTree

    @classmethod
    def build(cls, epoch: int, entries: list[tuple[Pubkey, int]]) -> RewardTree:
        leaves = [merkle.reward_leaf(epoch, bytes(node), amount) for node, amount in entries]
        return cls(epoch, entries, merkle.MerkleTree.build(leaves))

    @property
    def root(self) -> bytes:
        return self.tree.root

    @property
    def total(self) -> int:
        return sum(amount for _, amount in self.entries)

    def proof(self, node: Pubkey) -> list[bytes]:
        index = next(i for i, (n, _) in enumerate(self.entries) if n == node)
        return self.tree.proof(index)

    def amount(self, node: Pubkey) -> int:
        return next(a for n, a in self.entries if n == node)


# --- a chain with the rewards program only initialized (before genesis) -------------------------


@dataclass
class BareRewards:
    chain: LocalnetChain
    programs: Programs
    roles: Roles


def bare_rewards(repo_root: Path) -> BareRewards:
    """All programs loaded, only rewards `initialize`d: genesis not minted yet."""
    chain = fresh_chain(START_TS)
    programs = Programs.load(repo_root)
    roles = session_roles()
    for role in (roles.admin, roles.keeper, roles.slashing_authority, roles.treasury):
        chain.airdrop(role.pubkey(), 1_000 * 10**9).raise_for_error()
    record = chain.send_instructions([initialize_ix(programs, roles.admin.pubkey(), roles.keeper.pubkey(), START_TS)], roles.admin)
    record_cu("initialize", record.raise_for_error())
    return BareRewards(chain, programs, roles)
