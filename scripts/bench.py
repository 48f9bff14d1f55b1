"""Benchmarks of the settlement layer, measured on the real SBF programs in LiteSVM.

    scripts/bench                     readable tables
    scripts/bench --json              one JSON object (the shape below)
    scripts/bench --keeper-jobs 500   a smaller keeper section (default 10,000 jobs, ~1.5 min)
    scripts/bench --no-keeper         skip the keeper section (--no-explorer: the explorer section)
    scripts/bench --explorer-jobs 2000 --explorer-nodes 200   a smaller explorer section (default
                                      100,000 jobs and 10,000 nodes, ~5 min of setup)

JSON shape (every section adds its own top-level keys; more sections, e.g. `keeper`, plug
into SECTIONS without touching the others):

    {
      "compute_units":   {"<program>.<instruction>": units, ...},   # every instruction of every IDL
      "scenarios":       {"<program>.<instruction>": "what the measured call did", ...},
      "targets":         {"escrow.settle_job": 30000, ...},          # the issue's limits
      "within_targets":  {"escrow.settle_job": true, ...},
      "keeper":          {"jobs": 10000, "settle_secs": ..., "jobs_settled_per_sec": ..., "receipts_ingested_per_sec": ...,
                          "receipts_per_tx": ..., ...}     # tests/keeper/bench.py; --no-keeper skips it
      "explorer":        {"jobs": 100000, "nodes": 10000, "api_secs": {...}, "browser_secs": {...}, ...}
                                                           # tests/explorer/bench.py; --no-explorer skips it
    }

Compute units are LiteSVM's own per-invocation figures: the `Program <id> consumed N of M
compute units` line of the program's frame (for a one-instruction transaction this equals the
transaction's compute_units_consumed, which is checked). Instructions only reachable by CPI
(staking.deposit_staker_rewards, called by rewards.claim) are measured on their inner frame.
Setup is keeper.deployment.bootstrap + tests.programs.harness.Harness; the initialize calls and
mint_genesis are the ones bootstrap itself sends.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from solders.keypair import Keypair  # noqa: E402
from solders.pubkey import Pubkey  # noqa: E402

from keeper.addresses import (  # noqa: E402
    EscrowAddresses,
    ProvenanceAddresses,
    RewardsAddresses,
    StakingAddresses,
    associated_token_address,
)
from keeper.localnet.launch import DeployedNode  # noqa: E402
from keeper.localnet.remote import LocalnetChain, TransactionRecord  # noqa: E402
from keeper.constants import IO_UNIT  # noqa: E402
from keeper.deployment import Roles, Settings, bootstrap  # noqa: E402
from keeper.merkle import MerkleTree, receipt_leaf, reward_leaf  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.programs.harness import START_TS, Harness  # noqa: E402

PROGRAMS = ("escrow", "staking", "rewards", "provenance")

# The compute-unit budgets on the current runtime (issue 9; reported against, not enforced).
TARGETS: dict[str, int] = {
    "escrow.settle_job": 12_000,  # USDC
    "escrow.settle_job_io": 13_500,
    "escrow.open_job": 15_000,
    "escrow.cancel_job": 9_000,
    "escrow.reclaim_job": 9_000,
    "escrow.start_job": 4_000,
    "escrow.complete_job": 4_000,
    "rewards.claim": 20_000,
    "staking.stake": 10_000,
    "staking.withdraw": 9_000,
    "staking.slash": 18_000,
    "rewards.emit": 5_000,  # one hour
    "provenance.record_batch": 6_000,
    "provenance.verify_receipt": 5_000,  # a proof of 10
}

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

    def send_many(self, transactions):  # type: ignore[override]
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
        matching = [
            frame for frame in frames(record.result.logs)
            if self.program_names.get(frame.program) == program and frame.instruction == instruction
        ]
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


def measure_compute_units(repo_root: Path, node: DeployedNode, run: int = 0) -> ComputeUnits:
    """One pass of typical calls on a fresh chain. Keys are derived from (run, role), so a run is
    repeatable (bootstrap's USDC mint is still random, which moves ATA-derivation costs a little)."""
    node.fresh(START_TS)
    chain = RecordingChain(node.node.url, manual_clock=True)
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
                cu.take(f"{name}.{frame.instruction}", record, "as sent by keeper.deployment.bootstrap")

    admin, keeper, slasher, treasury = h.roles.admin, h.roles.keeper, h.roles.slashing_authority, h.roles.treasury

    # --- staking: a node with two stakers --------------------------------------------------
    operator, node_key = wallet(), wallet()
    node = StakingAddresses.node(node_key.pubkey())
    cu.take("staking.register_node", h.ok(p.staking.instruction(
        "register_node",
        {"params": {"gpu_model": "NVIDIA H100 80GB HBM3", "tier": 3, "staker_share_bps": 200, "token_share_bps": 1_000}},
        {"operator": operator.pubkey(), "node_key": node_key.pubkey(), "node": node},
    ), operator, node_key), "operator registers an H100 node (staker share 2 %, token share 10 %)")
    cu.take("staking.update_node", h.ok(p.staking.instruction(
        "update_node",
        {"params": {"operator": None, "gpu_model": None, "tier": None, "staker_share_bps": 250, "token_share_bps": None,
                    "active": None}},
        {"operator": operator.pubkey(), "node": node},
    ), operator), "operator changes the staker share")
    cu.take("staking.update_config", h.ok(p.staking.instruction(
        "update_config",
        {"params": {"admin": None, "slashing_authority": None, "max_stake_per_node": None, "unstake_cooldown_secs": None,
                    "reporter_share_bps": 1_500}},
        {"admin": admin.pubkey(), "config": StakingAddresses.config},
    ), admin), "admin changes the reporter share")

    def stake(staker: Keypair, amount: int) -> TransactionRecord:
        source = associated_token_address(staker.pubkey(), h.io_mint)
        return h.ok(p.staking.instruction("stake", {"amount": amount}, {
            "staker": staker.pubkey(), "config": StakingAddresses.config, "node": node,
            "position": StakingAddresses.stake_position(node, staker.pubkey()), "staker_token_account": source,
            "stake_vault": StakingAddresses.stake_vault,
        }), staker)

    first_staker, staker = wallet(), wallet()
    first_io = h.give_io(first_staker.pubkey(), 50_000 * IO_UNIT)
    staker_io = h.give_io(staker.pubkey(), 20_000 * IO_UNIT)
    stake(first_staker, 50_000 * IO_UNIT)
    cu.take("staking.stake", stake(staker, 20_000 * IO_UNIT),
            "a staker's first stake (20k IO) into a node that already has stake: creates the position")

    # --- rewards: one hour emitted, an epoch of 64 nodes, our node claims ------------------
    h.warp(3_600 + 1)
    cu.take("rewards.emit", h.ok(p.rewards.instruction("emit", {"max_hours": 1}, {
        "config": RewardsAddresses.config, "emission": RewardsAddresses.emission, "io_mint": h.io_mint,
        "mint_authority": RewardsAddresses.mint_authority, "reward_vault": RewardsAddresses.reward_vault,
    }), wallet()), "one hour of emission minted to the reward vault")
    emission = p.rewards.decode_account_as(
        "EmissionState", bytes(chain.get_account(RewardsAddresses.emission).data))
    epoch, nodes_in_epoch = 0, 64
    share = emission.emitted_total // (2 * nodes_in_epoch)
    others = [bytes(seeded_key(run, f'epoch-node-{i}').pubkey()) for i in range(nodes_in_epoch - 1)]
    leaves = [reward_leaf(epoch, bytes(node), share)] + [reward_leaf(epoch, other, share) for other in others]
    tree = MerkleTree.build(leaves)
    epoch_root = RewardsAddresses.epoch_root(epoch)
    cu.take("rewards.post_epoch_root", h.ok(p.rewards.instruction(
        "post_epoch_root", {"epoch": epoch, "root": list(tree.root), "total": share * nodes_in_epoch, "leaf_count": nodes_in_epoch},
        {"config": RewardsAddresses.config, "emission": RewardsAddresses.emission, "epoch_root": epoch_root,
         "keeper_authority": keeper.pubkey()},
    ), keeper), f"keeper posts the root of an epoch of {nodes_in_epoch} nodes")
    operator_io = h.token_account(operator.pubkey(), h.io_mint)
    claim = h.ok(p.rewards.instruction(
        "claim", {"epoch": epoch, "amount": share, "proof": [list(s) for s in tree.proof(0)]},
        {"config": RewardsAddresses.config, "epoch_root": epoch_root, "node": node,
         "claim_receipt": RewardsAddresses.claim_receipt(epoch, node), "operator_token": operator_io,
         "reward_vault": RewardsAddresses.reward_vault, "mint_authority": RewardsAddresses.mint_authority,
         "staking_config": StakingAddresses.config, "staker_reward_vault": StakingAddresses.staker_reward_vault,
         "payer": operator.pubkey()},
    ), operator)
    cu.take("rewards.claim", claim,
            f"a node claims its epoch reward (proof of {len(tree.proof(0))}): operator part + staker part by CPI")
    cu.take("staking.deposit_staker_rewards", claim, "the CPI inside rewards.claim (inner frame)")
    cu.take("staking.claim_staker_rewards", h.ok(p.staking.instruction("claim_staker_rewards", {}, {
        "staker": staker.pubkey(), "config": StakingAddresses.config, "node": node,
        "position": StakingAddresses.stake_position(node, staker.pubkey()),
        "staker_reward_vault": StakingAddresses.staker_reward_vault, "destination": staker_io,
    }), staker), "a staker claims its share of the deposited staker rewards")

    # --- staking: leave the pool --------------------------------------------------------------
    position = StakingAddresses.stake_position(node, staker.pubkey())
    shares = p.staking.decode_account_as("StakePosition", bytes(chain.get_account(position).data)).shares
    cu.take("staking.unstake", h.ok(p.staking.instruction("unstake", {"shares": shares}, {
        "staker": staker.pubkey(), "config": StakingAddresses.config, "node": node, "position": position,
    }), staker), "a staker unbonds all its shares (starts the cooldown)")
    h.warp(settings.unstake_cooldown_secs + 1)
    cu.take("staking.withdraw", h.ok(p.staking.instruction("withdraw", {}, {
        "staker": staker.pubkey(), "config": StakingAddresses.config, "node": node, "position": position,
        "stake_vault": StakingAddresses.stake_vault, "destination": staker_io,
    }), staker), "after the cooldown, the staker withdraws its unbonded stake")
    cu.take("staking.close_stake_position", h.ok(p.staking.instruction("close_stake_position", {}, {
        "staker": staker.pubkey(), "node": node, "position": position,
    }), staker), "the emptied position is closed (rent back to the staker)")
    reporter = wallet()
    reporter_io = h.token_account(reporter.pubkey(), h.io_mint)
    cu.take("staking.slash", h.ok(p.staking.instruction(
        "slash", {"params": {"fraction_bps": 500, "evidence_hash": [7] * 32, "reason": "forged inference output"}},
        {"slashing_authority": slasher.pubkey(), "payer": slasher.pubkey(), "config": StakingAddresses.config,
         "node": node, "slash_record": StakingAddresses.slash_record(node, 0), "stake_vault": StakingAddresses.stake_vault,
         "burn_vault": RewardsAddresses.burn_vault, "reporter_token_account": reporter_io},
    ), slasher), "5 % slash with a reporter (reporter share + rest to the burn vault)")

    # --- rewards: burn what the slash sent to the burn vault; config --------------------------
    hour = (h.now - START_TS) // 3_600
    cu.take("rewards.burn", h.ok(p.rewards.instruction("burn", {"epoch": hour}, {
        "config": RewardsAddresses.config, "emission": RewardsAddresses.emission, "burn_ledger": RewardsAddresses.burn_ledger,
        "burn_epoch": RewardsAddresses.burn_epoch(hour), "burn_vault": RewardsAddresses.burn_vault, "io_mint": h.io_mint,
        "mint_authority": RewardsAddresses.mint_authority, "payer": keeper.pubkey(),
    }), keeper), "burn of the burn vault balance, first burn of the hour (creates the hour's record)")
    cu.take("rewards.update_config", h.ok(p.rewards.instruction(
        "update_config", {"new_admin": None, "new_keeper_authority": keeper.pubkey()},
        {"admin": admin.pubkey(), "config": RewardsAddresses.config},
    ), admin), "admin re-sets the keeper authority")

    # --- escrow: a USDC job through its life, a cancelled one, a reclaimed one -----------------
    renter = wallet()
    renter_usdc = h.give_usdc(renter.pubkey(), 1_000 * USDC)
    operator_usdc = h.token_account(operator.pubkey(), h.usdc_mint)
    treasury_usdc = associated_token_address(treasury.pubkey(), h.usdc_mint)

    def open_job(job_id: int) -> tuple[TransactionRecord, Pubkey]:
        job = EscrowAddresses.job(renter.pubkey(), job_id)
        record = h.ok(p.escrow.instruction(
            "open_job", {"job_id": job_id, "hours_reserved": 8, "price_per_hour": 2 * USDC},
            {"renter": renter.pubkey(), "config": EscrowAddresses.config, "node": node, "job": job,
             "payment_mint": h.usdc_mint, "job_vault": EscrowAddresses.job_vault(job), "renter_token_account": renter_usdc},
        ), renter)
        return record, job

    def close_accounts(job: Pubkey) -> dict[str, Pubkey]:
        return {"renter": renter.pubkey(), "config": EscrowAddresses.config, "job": job,
                "job_vault": EscrowAddresses.job_vault(job), "renter_token_account": renter_usdc,
                "treasury_token_account": treasury_usdc}

    record, job = open_job(1)
    cu.take("escrow.open_job", record, "renter opens an 8 h USDC job at 2 USDC/h (creates job + vault, deposits)")
    cu.take("escrow.start_job", h.ok(p.escrow.instruction("start_job", {}, {
        "node_key": node_key.pubkey(), "config": EscrowAddresses.config, "job": job,
    }), node_key), "the node key starts the job")
    h.warp(6 * 3_600)
    cu.take("escrow.complete_job", h.ok(p.escrow.instruction("complete_job", {"hours_used": 6}, {
        "authority": node_key.pubkey(), "config": EscrowAddresses.config, "job": job,
    }), node_key), "the node key completes it after 6 of 8 hours")
    cu.take("escrow.settle_job", h.ok(p.escrow.instruction("settle_job", {}, {
        "config": EscrowAddresses.config, "job": job, "node": node, "renter": renter.pubkey(),
        "job_vault": EscrowAddresses.job_vault(job), "operator_token_account": operator_usdc,
        "treasury_token_account": treasury_usdc, "burn_vault": RewardsAddresses.burn_vault,
        "renter_token_account": renter_usdc,
    }), wallet()), "settlement of that USDC job: payout, 10 % token share, fees, refund, vault + job closed")

    # The same for an IO-paid job: its token share goes to the burn vault (one more transfer).
    renter_io = h.give_io(renter.pubkey(), 1_000 * IO_UNIT)
    operator_io = h.token_account(operator.pubkey(), h.io_mint)
    treasury_io = associated_token_address(treasury.pubkey(), h.io_mint)
    io_job = EscrowAddresses.job(renter.pubkey(), 100)
    h.ok(p.escrow.instruction(
        "open_job", {"job_id": 100, "hours_reserved": 8, "price_per_hour": 3 * IO_UNIT},
        {"renter": renter.pubkey(), "config": EscrowAddresses.config, "node": node, "job": io_job,
         "payment_mint": h.io_mint, "job_vault": EscrowAddresses.job_vault(io_job), "renter_token_account": renter_io},
    ), renter)
    h.ok(p.escrow.instruction("start_job", {}, {"node_key": node_key.pubkey(), "config": EscrowAddresses.config, "job": io_job}), node_key)
    h.warp(6 * 3_600)
    h.ok(p.escrow.instruction("complete_job", {"hours_used": 6}, {
        "authority": node_key.pubkey(), "config": EscrowAddresses.config, "job": io_job,
    }), node_key)
    cu.take("escrow.settle_job_io", h.ok(p.escrow.instruction("settle_job", {}, {
        "config": EscrowAddresses.config, "job": io_job, "node": node, "renter": renter.pubkey(),
        "job_vault": EscrowAddresses.job_vault(io_job), "operator_token_account": operator_io,
        "treasury_token_account": treasury_io, "burn_vault": RewardsAddresses.burn_vault,
        "renter_token_account": renter_io,
    }), wallet()), "settlement of an IO job: payout, 10 % token share to the burn vault, fees, refund, closes", "settle_job")

    _, job = open_job(2)
    cu.take("escrow.cancel_job", h.ok(p.escrow.instruction("cancel_job", {}, close_accounts(job)), renter),
            "renter cancels an unstarted job (refund, reservation fee to treasury)")
    _, job = open_job(3)
    h.warp(settings.start_timeout_secs + 1)
    cu.take("escrow.reclaim_job", h.ok(p.escrow.instruction("reclaim_job", {}, close_accounts(job)), renter),
            "renter reclaims a job the node never started, after the start deadline")
    cu.take("escrow.update_config", h.ok(p.escrow.instruction(
        "update_config",
        {"params": {"admin": None, "oracle_authority": None, "treasury": None, "start_timeout_secs": None,
                    "complete_grace_secs": None, "paused": False}},
        {"admin": admin.pubkey(), "config": EscrowAddresses.config},
    ), admin), "admin sets the pause flag")

    # --- provenance: a batch of 1024 receipts, one receipt proven --------------------------------
    receipts = [
        (bytes(EscrowAddresses.job(renter.pubkey(), i)), bytes(node), bytes([1]) * 32, i.to_bytes(32, "little"),
         (i + 1).to_bytes(32, "big"), h.now - 1_024 + i)
        for i in range(1_024)
    ]
    batch_tree = MerkleTree.build([receipt_leaf(*r) for r in receipts])
    cu.take("provenance.record_batch", h.ok(p.provenance.instruction(
        "record_batch",
        {"sequence": 0, "root": list(batch_tree.root), "leaf_count": len(receipts), "first_ts": receipts[0][5],
         "last_ts": receipts[-1][5]},
        {"config": ProvenanceAddresses.config, "batch": ProvenanceAddresses.batch(0), "keeper_authority": keeper.pubkey()},
    ), keeper), "keeper records batch 0: root of 1024 receipts")
    index = 700
    job_, node_, model, input_, output, ts = receipts[index]
    cu.take("provenance.verify_receipt", h.ok(p.provenance.instruction(
        "verify_receipt",
        {"sequence": 0, "receipt": {"job": Pubkey(job_), "node": Pubkey(node_), "model_hash": list(model),
                                     "input_hash": list(input_), "output_hash": list(output), "timestamp": ts},
         "proof": [list(s) for s in batch_tree.proof(index)]},
        {"batch": ProvenanceAddresses.batch(0)},
    ), wallet()), "anyone proves one receipt of that batch (proof of 10)")
    cu.take("provenance.update_config", h.ok(p.provenance.instruction(
        "update_config", {"new_admin": None, "new_keeper_authority": keeper.pubkey()},
        {"admin": admin.pubkey(), "config": ProvenanceAddresses.config},
    ), admin), "admin re-sets the keeper authority")

    h.assert_supply_invariant()
    expected = {f"{name}.{ix}" for name in PROGRAMS for ix in getattr(p, name).instruction_names}
    missing = sorted(expected - set(cu.units))
    if missing:
        raise RuntimeError(f"instructions without a measurement: {', '.join(missing)}")
    return cu


# --- sections -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One part of the report: `collect` returns its top-level JSON keys, `table` renders them."""

    name: str
    collect: Callable[[Path, argparse.Namespace], dict[str, Any]]
    table: Callable[[dict[str, Any]], str]


def collect_compute_units(repo_root: Path, runs: int) -> dict[str, Any]:
    """`runs` passes on fresh chains with different keys: PDA and ATA derivations cost 1,500
    units per bump tried, so single figures depend on the addresses. The median is reported,
    with the range seen."""
    node = DeployedNode.start(repo_root, port=free_port())
    try:
        runtime = f"Agave {node.node.agave_version}"
        passes = [measure_compute_units(repo_root, node, run) for run in range(runs)]
    finally:
        node.stop()
    first = passes[0]
    units = {key: int(statistics.median_low([p.units[key] for p in passes])) for key in sorted(first.units)}
    return {
        "runtime": runtime,
        "compute_units": units,
        "compute_units_range": {key: [min(p.units[key] for p in passes), max(p.units[key] for p in passes)] for key in units},
        "runs": runs,
        "scenarios": dict(sorted(first.scenarios.items())),
        "targets": dict(TARGETS),
        "within_targets": {key: units[key] <= limit for key, limit in TARGETS.items()},
    }


def compute_units_table(data: dict[str, Any]) -> str:
    units, targets, within = data["compute_units"], data["targets"], data["within_targets"]
    width = max(len(key) for key in units)
    ranges = data["compute_units_range"]
    lines = [f"Compute units (LiteSVM, real SBF programs; median of {data['runs']} runs)", ""]
    lines.append(f"{'instruction':<{width}}  {'units':>7}  {'min-max':>13}  {'target':>7}  status  scenario")
    lines.append("-" * (width + 50))
    for key, value in units.items():
        target = f"{targets[key]:>7}" if key in targets else " " * 7
        status = ("ok    " if within[key] else "OVER  ") if key in targets else "      "
        low, high = ranges[key]
        lines.append(f"{key:<{width}}  {value:>7}  {f'{low}-{high}':>13}  {target}  {status}  {data['scenarios'][key]}")
    over = [key for key, good in within.items() if not good]
    lines.append("")
    lines.append("targets: all met" if not over else f"targets missed: {', '.join(over)}")
    return "\n".join(lines)


def run_section(repo_root: Path, module: str, key: str, arguments: list[str], timeout: int) -> dict[str, Any]:
    """`python -m <module> ... --json` as a subprocess; its last line is {key: {...}}."""
    done = subprocess.run([sys.executable, "-m", module, *arguments, "--json"], cwd=repo_root, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{key} bench failed ({done.returncode}):\n{done.stderr[-4000:]}")
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    result = json.loads(lines[-1]) if lines else None
    if not isinstance(result, dict) or not isinstance(result.get(key), dict):
        raise RuntimeError(f"{key} bench printed no {{\"{key}\": ...}} object:\n{done.stdout[-2000:]}")
    return {key: result[key]}


def collect_keeper(repo_root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """tests/keeper/bench.py's measurement (localnet + keeper daemon as processes):
    {"keeper": {...}}, or nothing with --no-keeper."""
    if args.no_keeper:
        return {}
    return run_section(repo_root, "tests.keeper.bench", "keeper",
                       ["--jobs", str(args.keeper_jobs), "--receipts", str(args.keeper_receipts)], 1_800)


def keeper_table(data: dict[str, Any]) -> str:
    if "keeper" not in data:
        return "Keeper throughput: skipped (--no-keeper)"
    k = data["keeper"]
    verdict = {True: "within", False: "OVER", None: "not judged below 10,000 jobs"}[k["within_target"]]
    return "\n".join([
        "Keeper throughput (localnet on LiteSVM + io-keeper daemon, separate processes)",
        "",
        f"jobs settled         {k['jobs']:>9,}  in {k['settle_secs']:.1f} s  ({k['jobs_settled_per_sec']:,.1f} jobs/s; "
        f"target < {k['settle_target_secs']:g} s for 10,000: {verdict})",
        f"settle transactions  {k['settle_transactions']:>9,}  ({k['jobs_per_settle_tx']:g} jobs per transaction)",
        f"setup (not timed)    {k['jobs_setup_secs']:>9.1f} s to open, start and complete the jobs",
        f"receipts ingested    {k['receipts']:>9,}  ({k['receipts_ingested_per_sec']:,.0f} receipts/s over HTTP; "
        f"recorded on chain in {k['receipts_recorded_secs']:.1f} s)",
        f"receipts per tx      {k['receipts_per_tx']:>9,.0f}  ({k['batches']} record_batch transactions)",
    ])


def collect_explorer(repo_root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """tests/explorer/bench.py's measurement (localnet filled with real accounts, explorer
    process, headless Chromium): {"explorer": {...}}, or nothing with --no-explorer."""
    if args.no_explorer:
        return {}
    return run_section(repo_root, "tests.explorer.bench", "explorer",
                       ["--nodes", str(args.explorer_nodes), "--jobs", str(args.explorer_jobs)], 3_600)


def explorer_table(data: dict[str, Any]) -> str:
    if "explorer" not in data:
        return "Explorer responsiveness: skipped (--no-explorer)"
    e = data["explorer"]
    lines = [f"Explorer responsiveness ({e['jobs']:,} jobs, {e['nodes']:,} nodes on the localnet; "
             f"setup {e['setup_secs']:.0f} s not timed; reads cached {e['cache_secs']:g} s)", ""]
    lines.append(f"start-up read (totals, charts, first jobs page) {e['startup_read_secs'] * 1000:,.0f} ms")
    lines += [f"api  {name:<22} {secs * 1000:>8,.0f} ms" for name, secs in e["api_secs"].items()]
    lines += [f"page {name:<22} {secs * 1000:>8,.0f} ms" for name, secs in e["browser_secs"].items()]
    return "\n".join(lines)


SECTIONS: list[Section] = [
    Section("compute_units", lambda root, args: collect_compute_units(root, args.runs), compute_units_table),
    Section("keeper", collect_keeper, keeper_table),
    Section("explorer", collect_explorer, explorer_table),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    parser.add_argument("--runs", type=int, default=5, help="fresh-chain passes per figure (median reported)")
    parser.add_argument("--keeper-jobs", type=int, default=10_000, help="jobs the keeper section settles (default 10000)")
    parser.add_argument("--keeper-receipts", type=int, default=50_000, help="receipts the keeper section ingests (default 50000)")
    parser.add_argument("--no-keeper", action="store_true", help="skip the keeper throughput section")
    parser.add_argument("--explorer-nodes", type=int, default=10_000, help="nodes on the explorer section's localnet (default 10000)")
    parser.add_argument("--explorer-jobs", type=int, default=100_000, help="jobs on the explorer section's localnet (default 100000)")
    parser.add_argument("--no-explorer", action="store_true", help="skip the explorer responsiveness section")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.keeper_jobs < 1 or args.keeper_receipts < 1:
        parser.error("--keeper-jobs and --keeper-receipts must be at least 1")
    if args.explorer_nodes < 1 or args.explorer_jobs < 1:
        parser.error("--explorer-nodes and --explorer-jobs must be at least 1")
    results = [(section, section.collect(REPO_ROOT, args)) for section in SECTIONS]
    if args.json:
        merged: dict[str, Any] = {}
        for _, data in results:
            merged.update(data)
        print(json.dumps(merged, indent=2))
    else:
        print("\n\n".join(section.table(data) for section, data in results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
