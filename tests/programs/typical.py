"""The typical calls: every instruction of the four programs, each sent as a user would send
it, on a fresh chain, with the compute units LiteSVM says each used. `scripts/bench` reports
the units; tests/programs/test_attack_classes.py sends forged variants of every call first.

Units are the per-invocation figures of the program's frame (`Program <id> consumed N of M
compute units`; for a one-instruction transaction this equals the transaction's
compute_units_consumed, which is checked). Instructions only reachable by CPI
(staking.deposit_staker_rewards, called by rewards.claim) are measured on their inner frame.
Setup is keeper.localnet.deployment.bootstrap; the initialize calls and mint_genesis are the ones
bootstrap itself sends.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.transaction import Transaction, VersionedTransaction

from keeper.client import rewards as rewards_ix
from keeper.client.addresses import (
    EscrowAddresses,
    ProvenanceAddresses,
    RewardsAddresses,
    StakingAddresses,
    associated_token_address,
)
from keeper.client.constants import EPOCH_CLAIM_WINDOW_SECS, IO_UNIT
from keeper.client.merkle import MerkleTree, receipt_leaf, reward_leaf
from keeper.localnet.deployment import Roles, Settings, bootstrap
from keeper.localnet.launch import DeployedNode
from keeper.localnet.remote import LocalnetChain, TransactionRecord
from tests.programs.harness import START_TS, Harness

PROGRAMS = ("escrow", "staking", "rewards", "provenance")

USDC = 10**6
INVOKE = re.compile(r"^Program (\w+) invoke \[(\d+)\]$")
CONSUMED = re.compile(r"^Program (\w+) consumed (\d+) of \d+ compute units$")
RESULT = re.compile(r"^Program (\w+) (success|failed)")
IX_NAME = re.compile(r"^Program log: Instruction: (\w+)$")


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Frame:
    program: str
    depth: int
    instruction: str | None = None
    units: int | None = None


def frames(logs: list[str]) -> list[Frame]:
    """Every program invocation in a transaction's logs, in order, with its instruction name
    (Anchor's `Instruction: X` log) and the units LiteSVM says it consumed."""
    done: list[Frame] = []
    stack: list[Frame] = []
    for line in logs:
        if match := INVOKE.match(line):
            frame = Frame(match.group(1), int(match.group(2)))
            stack.append(frame)
            done.append(frame)
        elif (match := IX_NAME.match(line)) and stack and stack[-1].instruction is None:
            stack[-1].instruction = snake(match.group(1))
        elif (match := CONSUMED.match(line)) and stack and stack[-1].program == match.group(1):
            stack[-1].units = int(match.group(2))
        elif (match := RESULT.match(line)) and stack and stack[-1].program == match.group(1):
            stack.pop()
    return done


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class RecordingChain(LocalnetChain):
    """A LocalnetChain that keeps every transaction it executes (to measure bootstrap's own calls)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.records: list[TransactionRecord] = []

    def send_many(self, transactions: Sequence[Transaction | VersionedTransaction]) -> list[TransactionRecord]:
        records = super().send_many(transactions)
        self.records.extend(records)
        return records


@dataclass
class ComputeUnits:
    """What the compute-unit section collects."""

    program_names: dict[str, str]  # program id -> program name
    units: dict[str, int] = field(default_factory=dict)
    scenarios: dict[str, str] = field(default_factory=dict)

    def take(self, key: str, record: TransactionRecord, scenario: str, instruction: str | None = None) -> int:
        """Records the units of the `key` ("program.instruction") frame of a successful transaction
        (`instruction`: the frame's instruction when the key names a variant, e.g. settle_job_io)."""
        record.raise_for_error()
        program, key_instruction = key.split(".")
        instruction = instruction or key_instruction
        matching = [frame for frame in frames(record.result.logs) if self.program_names.get(frame.program) == program and frame.instruction == instruction]
        if len(matching) != 1 or matching[0].units is None:
            raise RuntimeError(f"{key}: expected one measured frame, found {matching}\n" + "\n".join(record.result.logs))
        frame = matching[0]
        top_level = [f for f in frames(record.result.logs) if f.depth == 1]
        if frame.depth == 1 and len(top_level) == 1 and frame.units != record.result.compute_units_consumed:
            raise RuntimeError(f"{key}: frame {frame.units} != transaction {record.result.compute_units_consumed}")
        self.units[key] = frame.units
        self.scenarios[key] = scenario
        return frame.units


# --- the typical calls ----------------------------------------------------------------------


def seeded_key(run: int, name: str) -> Keypair:
    return Keypair.from_seed(hashlib.sha256(f"io-bench/{run}/{name}".encode()).digest())


def run_typical_calls(repo_root: Path, node: DeployedNode, run: int = 0, chain_class: type[RecordingChain] = RecordingChain) -> ComputeUnits:
    """One pass of typical calls — every instruction of every program, each as a user would send
    it, bootstrap's included — on a fresh chain, with the units each used. Keys are derived from
    (run, role), so a run is repeatable (bootstrap's USDC mint is still random, which moves
    ATA-derivation costs a little). `chain_class`: what sends them (a subclass may try other
    things first)."""
    node.fresh(START_TS)
    chain = chain_class(node.node.url, manual_clock=True)
    settings = Settings(emission_start_ts=START_TS)
    # The admin must be the programs' upgrade authority (each initialize checks its ProgramData).
    roles = Roles(node.deployer, *(seeded_key(run, role) for role in ("keeper", "slashing_authority", "treasury")))
    deployment = bootstrap(chain, repo_root, roles, settings)
    h = Harness(chain, deployment, repo_root)
    wallets = iter(range(1_000))

    def wallet() -> Keypair:
        keypair = seeded_key(run, f"wallet-{next(wallets)}")
        chain.airdrop(keypair.pubkey(), 100 * 10**9).raise_for_error()
        return keypair

    p = h.programs
    cu = ComputeUnits({str(getattr(p, name).program_id): name for name in PROGRAMS})

    # bootstrap's own calls
    for record in chain.records:
        for frame in frames(record.result.logs):
            name = cu.program_names.get(frame.program)
            if name and frame.depth == 1 and frame.instruction in ("initialize", "mint_genesis"):
                cu.take(f"{name}.{frame.instruction}", record, "as sent by keeper.localnet.deployment.bootstrap")

    admin, keeper, treasury = h.roles.admin, h.roles.keeper, h.roles.treasury
    slasher = seeded_key(run, "new-slashing-authority")  # proposed below; accepts the role
    chain.airdrop(slasher.pubkey(), 100 * 10**9).raise_for_error()

    # --- staking: a node with two stakers --------------------------------------------------
    operator, node_key = wallet(), wallet()
    node = StakingAddresses.node(node_key.pubkey())
    cu.take(
        "staking.register_node",
        h.ok(
            p.staking.instruction(
                "register_node",
                {"params": {"gpu_model": "NVIDIA H100 80GB HBM3", "tier": 3, "staker_share_bps": 200, "token_share_bps": 1_000}},
                {"operator": operator.pubkey(), "node_key": node_key.pubkey(), "node": node},
            ),
            operator,
            node_key,
        ),
        "operator registers an H100 node (staker share 2 %, token share 10 %)",
    )
    cu.take(
        "staking.update_node",
        h.ok(
            p.staking.instruction(
                "update_node",
                {"params": {"operator": None, "gpu_model": None, "tier": None, "staker_share_bps": 250, "token_share_bps": None, "active": None}},
                {"operator": operator.pubkey(), "config": StakingAddresses.config, "node": node},
            ),
            operator,
        ),
        "operator changes the staker share (applies after the delay)",
    )
    # The node proposes its own operator key back and forth: a handover proposal, then its acceptance.
    new_operator = wallet()
    h.ok(
        p.staking.instruction(
            "update_node",
            {"params": {"operator": new_operator.pubkey(), "gpu_model": None, "tier": None, "staker_share_bps": None, "token_share_bps": None, "active": None}},
            {"operator": operator.pubkey(), "config": StakingAddresses.config, "node": node},
        ),
        operator,
    )
    cu.take(
        "staking.accept_node_operator",
        h.ok(
            p.staking.instruction(
                "accept_node_operator",
                {},
                {"new_operator": new_operator.pubkey(), "node": node},
            ),
            new_operator,
        ),
        "the proposed operator takes the node over",
    )
    operator = new_operator
    cu.take(
        "staking.update_config",
        h.ok(
            p.staking.instruction(
                "update_config",
                {
                    "params": {
                        "admin": None,
                        "slashing_authority": None,
                        "max_stake_per_node": None,
                        "unstake_cooldown_secs": None,
                        "reporter_share_bps": 1_500,
                        "max_slash_bps": None,
                        "stake_warmup_secs": None,
                    }
                },
                {"admin": admin.pubkey(), "config": StakingAddresses.config},
            ),
            admin,
        ),
        "admin changes the reporter share",
    )
    h.ok(
        p.staking.instruction(
            "update_config",
            {
                "params": {
                    "admin": None,
                    "slashing_authority": slasher.pubkey(),
                    "max_stake_per_node": None,
                    "unstake_cooldown_secs": None,
                    "reporter_share_bps": None,
                    "max_slash_bps": None,
                    "stake_warmup_secs": None,
                }
            },
            {"admin": admin.pubkey(), "config": StakingAddresses.config},
        ),
        admin,
    )
    cu.take(
        "staking.accept_authority",
        h.ok(
            p.staking.instruction(
                "accept_authority",
                {},
                {"new_authority": slasher.pubkey(), "config": StakingAddresses.config},
            ),
            slasher,
        ),
        "a proposed slashing authority accepts the role",
    )

    def stake(staker: Keypair, amount: int, first: bool = False) -> TransactionRecord:
        """A stake; a staker's first on the node also opens its position, as wallets send it."""
        source = associated_token_address(staker.pubkey(), h.io_mint)
        position = StakingAddresses.stake_position(node, staker.pubkey())
        opening = [p.staking.instruction("open_stake_position", {}, {"staker": staker.pubkey(), "node": node, "position": position})]
        return h.ok(
            [
                *(opening if first else []),
                p.staking.instruction(
                    "stake",
                    {"amount": amount},
                    {
                        "staker": staker.pubkey(),
                        "config": StakingAddresses.config,
                        "node": node,
                        "position": position,
                        "staker_token_account": source,
                        "stake_vault": StakingAddresses.stake_vault,
                    },
                ),
            ],
            staker,
        )

    first_staker, staker = wallet(), wallet()
    h.give_io(first_staker.pubkey(), 50_001 * IO_UNIT)
    staker_io = h.give_io(staker.pubkey(), 20_000 * IO_UNIT)
    stake(first_staker, 50_000 * IO_UNIT, first=True)
    record = stake(staker, 20_000 * IO_UNIT, first=True)
    cu.take("staking.open_stake_position", record, "a staker's position, opened in the transaction of its first stake")
    cu.take("staking.stake", record, "a staker's first stake (20k IO) into a node that already has stake")

    # --- the stakes warm up; the keeper activates them -------------------------------------
    h.warp(settings.stake_warmup_secs)
    # The first staker adds to its stake: its warmed-up shares activate on this touch, the new
    # ones start warming up (so its position is not one the crank below could be pointed at).
    stake(first_staker, IO_UNIT)
    cu.take(
        "staking.activate_stake",
        h.ok(
            p.staking.instruction(
                "activate_stake",
                {},
                {
                    "node": node,
                    "position": StakingAddresses.stake_position(node, staker.pubkey()),
                },
            ),
            keeper,
        ),
        "the keeper activates a position whose warm-up has passed",
    )

    # --- rewards: the hours so far emitted, an epoch of 64 nodes, our node claims ----------
    hours_ended = (h.now - START_TS) // 3_600
    mint_accounts = {
        "config": RewardsAddresses.config,
        "emission": RewardsAddresses.emission,
        "io_mint": h.io_mint,
        "mint_authority": RewardsAddresses.mint_authority,
        "reward_vault": RewardsAddresses.reward_vault,
    }
    h.ok(p.rewards.instruction("emit", {"max_hours": hours_ended - 1}, mint_accounts), wallet())
    cu.take("rewards.emit", h.ok(p.rewards.instruction("emit", {"max_hours": 1}, mint_accounts), wallet()), "one hour of emission minted to the reward vault")
    emission = p.rewards.decode_account_as("EmissionState", bytes(chain.get_account(RewardsAddresses.emission).data))
    # The epoch that just ended: within its staker window, the staker part reaches the stakers.
    epoch, nodes_in_epoch = hours_ended - 1, 64
    share = (emission.emitted_total - emission.allocated_total) // (2 * nodes_in_epoch)
    others = [bytes(seeded_key(run, f"epoch-node-{i}").pubkey()) for i in range(nodes_in_epoch - 1)]
    leaves = [reward_leaf(epoch, bytes(node), share)] + [reward_leaf(epoch, other, share) for other in others]
    tree = MerkleTree.build(leaves)
    epoch_root = RewardsAddresses.epoch_root(epoch)
    cu.take(
        "rewards.post_epoch_root",
        h.ok(
            p.rewards.instruction(
                "post_epoch_root",
                {"epoch": epoch, "root": list(tree.root), "total": share * nodes_in_epoch, "leaf_count": nodes_in_epoch},
                {"config": RewardsAddresses.config, "emission": RewardsAddresses.emission, "epoch_root": epoch_root, "keeper_authority": keeper.pubkey()},
            ),
            keeper,
        ),
        f"keeper posts the root of an epoch of {nodes_in_epoch} nodes",
    )
    operator_io = h.token_account(operator.pubkey(), h.io_mint)
    claim = h.ok(
        p.rewards.instruction(
            "claim",
            {"epoch": epoch, "amount": share, "proof": [list(s) for s in tree.proof(0)]},
            {
                "epoch_root": epoch_root,
                "emission": RewardsAddresses.emission,
                "node": node,
                "claim_receipt": RewardsAddresses.claim_receipt(epoch, node),
                "operator_token": operator_io,
                "reward_vault": RewardsAddresses.reward_vault,
                "mint_authority": RewardsAddresses.mint_authority,
                "staker_reward_vault": StakingAddresses.staker_reward_vault,
                "payer": operator.pubkey(),
            },
        ),
        operator,
    )
    cu.take("rewards.claim", claim, f"a node claims its epoch reward (proof of {len(tree.proof(0))}): operator part + staker part by CPI")
    cu.take("staking.deposit_staker_rewards", claim, "the CPI inside rewards.claim (inner frame)")
    cu.take(
        "staking.claim_staker_rewards",
        h.ok(
            p.staking.instruction(
                "claim_staker_rewards",
                {},
                {
                    "staker": staker.pubkey(),
                    "config": StakingAddresses.config,
                    "node": node,
                    "position": StakingAddresses.stake_position(node, staker.pubkey()),
                    "staker_reward_vault": StakingAddresses.staker_reward_vault,
                    "destination": staker_io,
                },
            ),
            staker,
        ),
        "a staker claims its share of the deposited staker rewards",
    )

    # --- staking: leave the pool --------------------------------------------------------------
    position = StakingAddresses.stake_position(node, staker.pubkey())
    shares = p.staking.decode_account_as("StakePosition", bytes(chain.get_account(position).data)).shares
    cu.take(
        "staking.unstake",
        h.ok(
            p.staking.instruction(
                "unstake",
                {"shares": shares},
                {
                    "staker": staker.pubkey(),
                    "config": StakingAddresses.config,
                    "node": node,
                    "position": position,
                },
            ),
            staker,
        ),
        "a staker unbonds all its shares (starts the cooldown)",
    )
    h.warp(settings.unstake_cooldown_secs + 1)
    cu.take(
        "staking.withdraw",
        h.ok(
            p.staking.instruction(
                "withdraw",
                {},
                {
                    "staker": staker.pubkey(),
                    "config": StakingAddresses.config,
                    "node": node,
                    "position": position,
                    "stake_vault": StakingAddresses.stake_vault,
                    "destination": staker_io,
                },
            ),
            staker,
        ),
        "after the cooldown, the staker withdraws its unbonded stake",
    )
    cu.take(
        "staking.close_stake_position",
        h.ok(
            p.staking.instruction(
                "close_stake_position",
                {},
                {
                    "staker": staker.pubkey(),
                    "node": node,
                    "position": position,
                },
            ),
            staker,
        ),
        "the emptied position is closed (rent back to the staker)",
    )
    reporter = wallet()
    reporter_io = h.token_account(reporter.pubkey(), h.io_mint)
    cu.take(
        "staking.slash",
        h.ok(
            p.staking.instruction(
                "slash",
                {"params": {"fraction_bps": 500, "evidence_hash": [7] * 32, "reason": "forged inference output"}},
                {
                    "slashing_authority": slasher.pubkey(),
                    "payer": slasher.pubkey(),
                    "config": StakingAddresses.config,
                    "node": node,
                    "slash_record": StakingAddresses.slash_record(bytes([7] * 32)),
                    "stake_vault": StakingAddresses.stake_vault,
                    "burn_vault": RewardsAddresses.burn_vault,
                    "reporter_token_account": reporter_io,
                },
            ),
            slasher,
        ),
        "5 % slash with a reporter (reporter share + rest to the burn vault)",
    )
    cu.take(
        "staking.verify_slash",
        h.ok(
            p.staking.instruction(
                "verify_slash",
                {"evidence_hash": [7] * 32},
                {"slash_record": StakingAddresses.slash_record(bytes([7] * 32))},
            ),
            wallet(),
        ),
        "anyone checks which slash used an evidence hash",
    )

    # The hour before, posted and claimed too: its receipt outlives the first epoch's, which is
    # closed once that epoch expires (below), so the chain holds every account type at the end.
    earlier_tree = MerkleTree.build([reward_leaf(epoch - 1, bytes(node), share)])
    h.ok(rewards_ix.post_epoch_root(p.rewards, epoch - 1, earlier_tree.root, share, 1, keeper.pubkey()), keeper)
    h.ok(rewards_ix.claim(p.rewards, epoch - 1, node, share, [], operator.pubkey(), operator.pubkey(), operator_io), operator)

    # --- rewards: burn what the slash sent to the burn vault; config --------------------------
    hour = (h.now - START_TS) // 3_600
    cu.take(
        "rewards.burn",
        h.ok(
            p.rewards.instruction(
                "burn",
                {"epoch": hour},
                {
                    "config": RewardsAddresses.config,
                    "emission": RewardsAddresses.emission,
                    "burn_ledger": RewardsAddresses.burn_ledger,
                    "burn_epoch": RewardsAddresses.burn_epoch(hour),
                    "burn_vault": RewardsAddresses.burn_vault,
                    "io_mint": h.io_mint,
                    "mint_authority": RewardsAddresses.mint_authority,
                    "payer": keeper.pubkey(),
                },
            ),
            keeper,
        ),
        "burn of the burn vault balance, first burn of the hour (creates the hour's record)",
    )
    new_keeper = wallet()
    cu.take(
        "rewards.update_config",
        h.ok(
            p.rewards.instruction(
                "update_config",
                {"new_admin": None, "new_keeper_authority": new_keeper.pubkey()},
                {"admin": admin.pubkey(), "config": RewardsAddresses.config},
            ),
            admin,
        ),
        "admin proposes a new keeper authority",
    )
    cu.take(
        "rewards.accept_authority",
        h.ok(
            p.rewards.instruction(
                "accept_authority",
                {},
                {"new_authority": new_keeper.pubkey(), "config": RewardsAddresses.config},
            ),
            new_keeper,
        ),
        "the proposed keeper authority accepts the role",
    )

    # --- escrow: a USDC job through its life, a cancelled one, a reclaimed one -----------------
    renter = wallet()
    renter_usdc = h.give_usdc(renter.pubkey(), 1_000 * USDC)
    operator_usdc = h.token_account(operator.pubkey(), h.usdc_mint)
    treasury_usdc = associated_token_address(treasury.pubkey(), h.usdc_mint)

    def open_job(job_id: int, first: bool = False) -> tuple[TransactionRecord, Pubkey]:
        """A renter's job; its first comes with the creation of its job-id ledger, as wallets send it."""
        job = EscrowAddresses.job(renter.pubkey(), job_id)
        ledger = [p.escrow.instruction("open_renter_ledger", {}, {"renter": renter.pubkey()})] if first else []
        record = h.ok(
            [
                *ledger,
                p.escrow.instruction(
                    "open_job",
                    {"job_id": job_id, "hours_reserved": 8, "price_per_hour": 2 * USDC},
                    {
                        "renter": renter.pubkey(),
                        "renter_ledger": EscrowAddresses.renter_ledger(renter.pubkey()),
                        "config": EscrowAddresses.config,
                        "node": node,
                        "job": job,
                        "payment_mint": h.usdc_mint,
                        "escrow_vault": EscrowAddresses.vault(h.usdc_mint),
                        "renter_token_account": renter_usdc,
                    },
                ),
            ],
            renter,
        )
        return record, job

    def close_accounts(job: Pubkey) -> dict[str, Pubkey]:
        return {
            "renter": renter.pubkey(),
            "config": EscrowAddresses.config,
            "job": job,
            "escrow_vault": EscrowAddresses.vault(h.usdc_mint),
            "renter_token_account": renter_usdc,
            "treasury_token_account": treasury_usdc,
        }

    record, job = open_job(1, first=True)
    cu.take("escrow.open_renter_ledger", record, "a renter's job-id ledger, created in the transaction of its first job")
    cu.take("escrow.open_job", record, "an 8 h USDC job at 2 USDC/h (creates the job, deposits)")
    cu.take(
        "escrow.start_job",
        h.ok(
            p.escrow.instruction(
                "start_job",
                {},
                {
                    "node_key": node_key.pubkey(),
                    "config": EscrowAddresses.config,
                    "job": job,
                },
            ),
            node_key,
        ),
        "the node key starts the job",
    )
    h.warp(6 * 3_600)
    cu.take(
        "escrow.complete_job",
        h.ok(
            p.escrow.instruction(
                "complete_job",
                {"hours_used": 6},
                {
                    "authority": node_key.pubkey(),
                    "config": EscrowAddresses.config,
                    "job": job,
                },
            ),
            node_key,
        ),
        "the node key completes it after 6 of 8 hours (opens the dispute window)",
    )
    h.warp(settings.dispute_window_secs + 1)
    cu.take(
        "escrow.settle_job",
        h.ok(
            p.escrow.instruction(
                "settle_job",
                {},
                {
                    "config": EscrowAddresses.config,
                    "job": job,
                    "node": node,
                    "renter": renter.pubkey(),
                    "escrow_vault": EscrowAddresses.vault(h.usdc_mint),
                    "operator_token_account": operator_usdc,
                    "treasury_token_account": treasury_usdc,
                    "burn_vault": RewardsAddresses.burn_vault,
                    "renter_token_account": renter_usdc,
                },
            ),
            wallet(),
        ),
        "settlement of that USDC job after its dispute window: payout, 10 % token share, fees, refund, job closed",
    )

    # The same for an IO-paid job: its token share goes to the burn vault (one more transfer).
    renter_io = h.give_io(renter.pubkey(), 1_000 * IO_UNIT)
    operator_io = h.token_account(operator.pubkey(), h.io_mint)
    treasury_io = associated_token_address(treasury.pubkey(), h.io_mint)
    io_job = EscrowAddresses.job(renter.pubkey(), 100)
    h.ok(
        p.escrow.instruction(
            "open_job",
            {"job_id": 100, "hours_reserved": 8, "price_per_hour": 3 * IO_UNIT},
            {
                "renter": renter.pubkey(),
                "renter_ledger": EscrowAddresses.renter_ledger(renter.pubkey()),
                "config": EscrowAddresses.config,
                "node": node,
                "job": io_job,
                "payment_mint": h.io_mint,
                "escrow_vault": EscrowAddresses.vault(h.io_mint),
                "renter_token_account": renter_io,
            },
        ),
        renter,
    )
    h.ok(p.escrow.instruction("start_job", {}, {"node_key": node_key.pubkey(), "config": EscrowAddresses.config, "job": io_job}), node_key)
    h.warp(6 * 3_600)
    h.ok(
        p.escrow.instruction(
            "complete_job",
            {"hours_used": 6},
            {
                "authority": node_key.pubkey(),
                "config": EscrowAddresses.config,
                "job": io_job,
            },
        ),
        node_key,
    )
    h.warp(settings.dispute_window_secs + 1)
    cu.take(
        "escrow.settle_job_io",
        h.ok(
            p.escrow.instruction(
                "settle_job",
                {},
                {
                    "config": EscrowAddresses.config,
                    "job": io_job,
                    "node": node,
                    "renter": renter.pubkey(),
                    "escrow_vault": EscrowAddresses.vault(h.io_mint),
                    "operator_token_account": operator_io,
                    "treasury_token_account": treasury_io,
                    "burn_vault": RewardsAddresses.burn_vault,
                    "renter_token_account": renter_io,
                },
            ),
            wallet(),
        ),
        "settlement of an IO job: payout, 10 % token share to the burn vault, fees, refund, closes",
        "settle_job",
    )

    record, job = open_job(2)
    cu.take(
        "escrow.cancel_job",
        h.ok(p.escrow.instruction("cancel_job", {}, close_accounts(job)), renter),
        "renter cancels an unstarted job (refund, reservation fee to treasury)",
    )
    _, job = open_job(3)
    h.warp(settings.start_timeout_secs + 1)
    cu.take(
        "escrow.reclaim_job",
        h.ok(p.escrow.instruction("reclaim_job", {}, close_accounts(job)), renter),
        "renter reclaims a job the node never started, after the start deadline",
    )

    # A renter stops a running job; the node's completion of another is disputed and decided.
    _, job = open_job(4)
    h.ok(p.escrow.instruction("start_job", {}, {"node_key": node_key.pubkey(), "config": EscrowAddresses.config, "job": job}), node_key)
    h.warp(2 * 3_600 + 10)
    cu.take(
        "escrow.stop_job",
        h.ok(
            p.escrow.instruction(
                "stop_job",
                {},
                {
                    "renter": renter.pubkey(),
                    "config": EscrowAddresses.config,
                    "job": job,
                },
            ),
            renter,
        ),
        "the renter stops a job after 2 h 10 s (billed 3 h)",
    )
    _, job = open_job(5)
    h.ok(p.escrow.instruction("start_job", {}, {"node_key": node_key.pubkey(), "config": EscrowAddresses.config, "job": job}), node_key)
    h.warp(3 * 3_600)
    h.ok(
        p.escrow.instruction(
            "complete_job",
            {"hours_used": 3},
            {
                "authority": node_key.pubkey(),
                "config": EscrowAddresses.config,
                "job": job,
            },
        ),
        node_key,
    )
    cu.take(
        "escrow.dispute_job",
        h.ok(
            p.escrow.instruction(
                "dispute_job",
                {},
                {
                    "disputer": renter.pubkey(),
                    "job": job,
                },
            ),
            renter,
        ),
        "the renter disputes the node's 3 h",
    )
    cu.take(
        "escrow.resolve_dispute",
        h.ok(
            p.escrow.instruction(
                "resolve_dispute",
                {"hours_used": 2},
                {
                    "arbiter": keeper.pubkey(),
                    "config": EscrowAddresses.config,
                    "job": job,
                },
            ),
            keeper,
        ),
        "the oracle decides 2 h",
    )
    cu.take(
        "escrow.update_config",
        h.ok(
            p.escrow.instruction(
                "update_config",
                {
                    "params": {
                        "admin": None,
                        "oracle_authority": None,
                        "treasury": None,
                        "start_timeout_secs": None,
                        "complete_grace_secs": None,
                        "dispute_window_secs": None,
                        "paused": False,
                    }
                },
                {"admin": admin.pubkey(), "config": EscrowAddresses.config},
            ),
            admin,
        ),
        "admin sets the pause flag",
    )
    new_oracle = wallet()
    h.ok(
        p.escrow.instruction(
            "update_config",
            {
                "params": {
                    "admin": None,
                    "oracle_authority": new_oracle.pubkey(),
                    "treasury": None,
                    "start_timeout_secs": None,
                    "complete_grace_secs": None,
                    "dispute_window_secs": None,
                    "paused": None,
                }
            },
            {"admin": admin.pubkey(), "config": EscrowAddresses.config},
        ),
        admin,
    )
    cu.take(
        "escrow.accept_authority",
        h.ok(
            p.escrow.instruction(
                "accept_authority",
                {},
                {
                    "new_authority": new_oracle.pubkey(),
                    "config": EscrowAddresses.config,
                },
            ),
            new_oracle,
        ),
        "a proposed oracle authority accepts the handover",
    )

    # --- provenance: a batch of 1024 receipts, one receipt proven --------------------------------
    receipts = [
        (bytes(EscrowAddresses.job(renter.pubkey(), i)), bytes(node), bytes([1]) * 32, i.to_bytes(32, "little"), (i + 1).to_bytes(32, "big"), h.now - 1_024 + i)
        for i in range(1_024)
    ]
    batch_tree = MerkleTree.build([receipt_leaf(*r) for r in receipts])
    cu.take(
        "provenance.record_batch",
        h.ok(
            p.provenance.instruction(
                "record_batch",
                {"sequence": 0, "root": list(batch_tree.root), "leaf_count": len(receipts), "first_ts": receipts[0][5], "last_ts": receipts[-1][5]},
                {"config": ProvenanceAddresses.config, "batch": ProvenanceAddresses.batch(0), "keeper_authority": keeper.pubkey()},
            ),
            keeper,
        ),
        "keeper records batch 0: root of 1024 receipts",
    )
    index = 700
    job_, node_, model, input_, output, ts = receipts[index]
    cu.take(
        "provenance.verify_receipt",
        h.ok(
            p.provenance.instruction(
                "verify_receipt",
                {
                    "sequence": 0,
                    "receipt": {
                        "job": Pubkey(job_),
                        "node": Pubkey(node_),
                        "model_hash": list(model),
                        "input_hash": list(input_),
                        "output_hash": list(output),
                        "timestamp": ts,
                    },
                    "proof": [list(s) for s in batch_tree.proof(index)],
                },
                {"batch": ProvenanceAddresses.batch(0)},
            ),
            wallet(),
        ),
        "anyone proves one receipt of that batch (proof of 10)",
    )
    cu.take(
        "provenance.update_config",
        h.ok(
            p.provenance.instruction(
                "update_config",
                {"new_admin": None, "new_keeper_authority": new_keeper.pubkey()},
                {"admin": admin.pubkey(), "config": ProvenanceAddresses.config},
            ),
            admin,
        ),
        "admin proposes a new keeper authority",
    )
    cu.take(
        "provenance.accept_authority",
        h.ok(
            p.provenance.instruction(
                "accept_authority",
                {},
                {"new_authority": new_keeper.pubkey(), "config": ProvenanceAddresses.config},
            ),
            new_keeper,
        ),
        "the proposed keeper authority accepts the role",
    )

    # --- rewards: the epoch's claim window closes; its unclaimed rest returns ---------------------
    posted_at = p.rewards.decode_account_as("Epoch", bytes(chain.get_account(epoch_root).data)).posted_at
    h.warp(max(0, posted_at + EPOCH_CLAIM_WINDOW_SECS - h.now))
    cu.take(
        "rewards.expire_epoch_root",
        h.ok(
            p.rewards.instruction(
                "expire_epoch_root",
                {"epoch": epoch},
                {"emission": RewardsAddresses.emission, "epoch_root": epoch_root},
            ),
            keeper,
        ),
        f"anyone expires the epoch after its claim window: {nodes_in_epoch - 1} unclaimed leaves return",
    )
    cu.take(
        "rewards.close_claim_receipt",
        h.ok(
            p.rewards.instruction(
                "close_claim_receipt",
                {},
                {
                    "epoch_root": epoch_root,
                    "claim_receipt": RewardsAddresses.claim_receipt(epoch, node),
                    "payer": operator.pubkey(),
                },
            ),
            keeper,
        ),
        "anyone closes a claim receipt of the expired epoch: its rent back to the claim's payer",
    )

    h.assert_supply_invariant()
    expected = {f"{name}.{ix}" for name in PROGRAMS for ix in getattr(p, name).instruction_names}
    missing = sorted(expected - set(cu.units))
    if missing:
        raise RuntimeError(f"instructions without a measurement: {', '.join(missing)}")
    return cu
