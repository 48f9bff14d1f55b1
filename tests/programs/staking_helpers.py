"""Helpers for the staking program tests: instruction builders over the IDL, account reads,
the rewards claim path (the only legitimate caller of `deposit_staker_rewards`), compute-unit
bookkeeping and a few tricks for the failure tests (unsigned signer slots, forged accounts).

Expected amounts are never read back from the program: `Pool` below restates the SPEC's share
rules (stake buys floor(amount·total_shares/total_stake), withdraw pays
floor(shares·total_stake/total_shares), slash takes floor(total_stake·fraction/10000)) in Python.
"""

from __future__ import annotations

import os
import struct
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer

from keeper.client import rewards as rewards_ix
from keeper.client.addresses import RewardsAddresses, StakingAddresses, associated_token_address
from keeper.client.constants import BPS_DENOMINATOR, IO_UNIT
from keeper.client.fees import share_floor
from keeper.client.merkle import MerkleTree, reward_leaf
from keeper.localnet.remote import TransactionRecord
from tests.programs.harness import START_TS, Harness, error_name
from tests.programs.harness import unsigned as unsign  # noqa: F401 (re-exported for the tests)

IO = IO_UNIT
SYSTEM_PROGRAM = Pubkey.from_string("11111111111111111111111111111111")
U64_MAX = 2**64 - 1
REWARD_SCALE = 10**18

# Compute units of every successful staking instruction a test sent: name -> [units].
COMPUTE_UNITS: dict[str, list[int]] = defaultdict(list)


def staking_compute_units(record: TransactionRecord) -> int:
    """Units the staking program's top-level invocation consumed (from its log line)."""
    program = str(StakingAddresses.program)
    for line in record.result.logs:
        if line.startswith(f"Program {program} consumed "):
            return int(line.split()[3])
    return record.result.compute_units_consumed


def replace_account(instruction: Instruction, old: Pubkey, new: Pubkey) -> Instruction:
    metas = [AccountMeta(new if meta.pubkey == old else meta.pubkey, is_signer=meta.is_signer, is_writable=meta.is_writable) for meta in instruction.accounts]
    return Instruction(instruction.program_id, instruction.data, metas)


@dataclass
class Pool:
    """The SPEC's share-priced pool of one node, in Python."""

    total_stake: int = 0
    total_shares: int = 0

    def shares_for(self, amount: int) -> int:
        if self.total_shares == 0:
            return amount
        return amount * self.total_shares // self.total_stake

    def value_of(self, shares: int) -> int:
        return shares * self.total_stake // self.total_shares if shares else 0

    def stake(self, amount: int) -> int:
        shares = self.shares_for(amount)
        self.total_stake += amount
        self.total_shares += shares
        return shares

    def slash(self, fraction_bps: int) -> int:
        amount = share_floor(self.total_stake, fraction_bps)
        self.total_stake -= amount
        return amount

    def withdraw(self, shares: int) -> int:
        amount = self.value_of(shares)
        self.total_stake -= amount
        self.total_shares -= shares
        return amount


@dataclass
class RegisteredNode:
    operator: Keypair
    node_key: Keypair
    address: Pubkey


@dataclass
class Staking:
    """Acts on the staking program of a harness chain."""

    h: Harness
    records: list[TransactionRecord] = field(default_factory=list)

    @property
    def idl(self):
        return self.h.programs.staking

    # --- sending --------------------------------------------------------------------------
    def ok(self, name: str, instruction: Instruction, payer: Keypair, *signers: Keypair) -> TransactionRecord:
        record = self.h.ok(instruction, payer, *signers)
        COMPUTE_UNITS[name].append(staking_compute_units(record))
        return record

    def events(self, record: TransactionRecord, name: str | None = None) -> list[Any]:
        events = self.idl.decode_events(record.result.logs)
        return [event.data for event in events if name is None or event.name == name]

    def event(self, record: TransactionRecord, name: str) -> Any:
        found = self.events(record, name)
        assert len(found) == 1, f"expected one {name} event, got {self.idl.decode_events(record.result.logs)}"
        return found[0]

    def prefund(self, address: Pubkey, lamports: int) -> None:
        """Someone sends `lamports` to `address` before the program creates it (the old DoS: one
        lamport made Anchor's `init` fail for good). A plain System transfer from a stranger."""
        stranger = self.h.wallet()
        self.h.ok(transfer(TransferParams(from_pubkey=stranger.pubkey(), to_pubkey=address, lamports=lamports)), stranger)
        account = self.h.chain.get_account(address)
        assert (account.lamports, bytes(account.data), account.owner) == (lamports, b"", SYSTEM_PROGRAM)

    # --- reads ----------------------------------------------------------------------------
    def decode(self, kind: str, address: Pubkey) -> Any:
        account = self.h.chain.get_account(address)
        assert account is not None, f"{kind} {address} does not exist"
        assert account.owner == StakingAddresses.program
        return self.idl.decode_account_as(kind, bytes(account.data))

    def config(self) -> Any:
        return self.decode("StakingConfig", StakingAddresses.config)

    def node(self, address: Pubkey) -> Any:
        return self.decode("Node", address)

    def position(self, node: Pubkey, staker: Pubkey) -> Any:
        return self.decode("StakePosition", StakingAddresses.stake_position(node, staker))

    def exists(self, address: Pubkey) -> bool:
        account = self.h.chain.get_account(address)
        return account is not None and account.lamports > 0

    def withdrawable(self, node: Pubkey, staker: Pubkey) -> int:
        """What a position's shares (active + unbonding) are worth now, per the SPEC formula."""
        n = self.node(node)
        p = self.position(node, staker)
        shares = p.shares + p.activating_shares + p.unbonding_shares
        return shares * n.total_stake // n.total_shares if shares else 0

    def vault(self) -> int:
        return self.h.balance(StakingAddresses.stake_vault)

    def reward_vault(self) -> int:
        return self.h.balance(StakingAddresses.staker_reward_vault)

    # --- instruction builders -------------------------------------------------------------
    def update_config_ix(self, signer: Pubkey, **params: Any) -> Instruction:
        """`params` are UpdateConfigParams fields (absent ones are None); `signer` is the admin slot."""
        full = {
            k: params.get(k)
            for k in ("admin", "slashing_authority", "max_stake_per_node", "unstake_cooldown_secs", "reporter_share_bps", "max_slash_bps", "stake_warmup_secs")
        }
        return self.idl.instruction("update_config", {"params": full}, {"admin": signer, "config": StakingAddresses.config})

    def register_node_ix(
        self,
        operator: Pubkey,
        node_key: Pubkey,
        *,
        gpu_model: str = "H100-80GB",
        tier: int = 2,
        staker_share_bps: int = 200,
        token_share_bps: int = 1_000,
        node: Pubkey | None = None,
    ) -> Instruction:
        return self.idl.instruction(
            "register_node",
            {"params": {"gpu_model": gpu_model, "tier": tier, "staker_share_bps": staker_share_bps, "token_share_bps": token_share_bps}},
            {"operator": operator, "node_key": node_key, "node": node or StakingAddresses.node(node_key)},
        )

    def update_node_ix(self, signer: Pubkey, node: Pubkey, **params: Any) -> Instruction:
        """`params` are UpdateNodeParams fields (absent ones are None); `signer` is the operator slot."""
        full = {k: params.get(k) for k in ("operator", "gpu_model", "tier", "staker_share_bps", "token_share_bps", "active")}
        return self.idl.instruction("update_node", {"params": full}, {"operator": signer, "config": StakingAddresses.config, "node": node})

    def stake_ix(self, staker: Pubkey, node: Pubkey, amount: int, source: Pubkey | None = None, position: Pubkey | None = None) -> Instruction:
        return self.idl.instruction(
            "stake",
            {"amount": amount},
            {
                "staker": staker,
                "config": StakingAddresses.config,
                "node": node,
                "position": position or StakingAddresses.stake_position(node, staker),
                "staker_token_account": source or associated_token_address(staker, self.h.io_mint),
                "stake_vault": StakingAddresses.stake_vault,
            },
        )

    def unstake_ix(self, staker: Pubkey, node: Pubkey, shares: int, position: Pubkey | None = None) -> Instruction:
        return self.idl.instruction(
            "unstake",
            {"shares": shares},
            {"staker": staker, "config": StakingAddresses.config, "node": node, "position": position or StakingAddresses.stake_position(node, staker)},
        )

    def withdraw_ix(
        self,
        staker: Pubkey,
        node: Pubkey,
        destination: Pubkey | None = None,
        position: Pubkey | None = None,
        stake_vault: Pubkey = StakingAddresses.stake_vault,
    ) -> Instruction:
        return self.idl.instruction(
            "withdraw",
            {},
            {
                "staker": staker,
                "config": StakingAddresses.config,
                "node": node,
                "position": position or StakingAddresses.stake_position(node, staker),
                "stake_vault": stake_vault,
                "destination": destination or associated_token_address(staker, self.h.io_mint),
            },
        )

    def slash_ix(
        self,
        node: Pubkey,
        fraction_bps: int,
        *,
        evidence_hash: bytes | None = None,
        reason: str = "forged proof",
        authority: Pubkey | None = None,
        payer: Pubkey | None = None,
        reporter_token_account: Pubkey | None = None,
        burn_vault: Pubkey = RewardsAddresses.burn_vault,
        slash_record: Pubkey | None = None,
    ) -> Instruction:
        """A slash; without `evidence_hash`, fresh evidence (each hash slashes once)."""
        authority = authority or self.h.roles.slashing_authority.pubkey()
        evidence_hash = os.urandom(32) if evidence_hash is None else evidence_hash
        if slash_record is None:
            slash_record = StakingAddresses.slash_record(evidence_hash)
        return self.idl.instruction(
            "slash",
            {"params": {"fraction_bps": fraction_bps, "evidence_hash": list(evidence_hash), "reason": reason}},
            {
                "slashing_authority": authority,
                "payer": payer or authority,
                "config": StakingAddresses.config,
                "node": node,
                "slash_record": slash_record,
                "stake_vault": StakingAddresses.stake_vault,
                "burn_vault": burn_vault,
                "reporter_token_account": reporter_token_account,
            },
        )

    def claim_ix(self, staker: Pubkey, node: Pubkey, destination: Pubkey | None = None, position: Pubkey | None = None) -> Instruction:
        return self.idl.instruction(
            "claim_staker_rewards",
            {},
            {
                "staker": staker,
                "config": StakingAddresses.config,
                "node": node,
                "position": position or StakingAddresses.stake_position(node, staker),
                "staker_reward_vault": StakingAddresses.staker_reward_vault,
                "destination": destination or associated_token_address(staker, self.h.io_mint),
            },
        )

    def deposit_ix(self, node: Pubkey, authority: Pubkey, amount: int) -> Instruction:
        return self.idl.instruction("deposit_staker_rewards", {"amount": amount}, {"node": node, "rewards_authority": authority})

    def close_ix(self, staker: Pubkey, node: Pubkey, position: Pubkey | None = None) -> Instruction:
        return self.idl.instruction(
            "close_stake_position",
            {},
            {"staker": staker, "node": node, "position": position or StakingAddresses.stake_position(node, staker)},
        )

    # --- flows ----------------------------------------------------------------------------
    def register(self, **params: Any) -> RegisteredNode:
        operator, node_key = self.h.wallet(), Keypair()
        address = StakingAddresses.node(node_key.pubkey())
        self.ok("register_node", self.register_node_ix(operator.pubkey(), node_key.pubkey(), **params), operator, node_key)
        return RegisteredNode(operator, node_key, address)

    def staker(self, io: int) -> Keypair:
        wallet = self.h.wallet()
        self.h.give_io(wallet.pubkey(), io)
        return wallet

    def stake(self, staker: Keypair, node: Pubkey, amount: int) -> TransactionRecord:
        """A stake as wallets send it: the first on a node also opens the staker's position."""
        self.open_position(staker, node)
        return self.ok("stake", self.stake_ix(staker.pubkey(), node, amount), staker)

    def open_position_ix(self, staker: Pubkey, node: Pubkey) -> Instruction:
        return self.idl.instruction("open_stake_position", {}, {"staker": staker, "node": node, "position": StakingAddresses.stake_position(node, staker)})

    def open_position(self, staker: Keypair, node: Pubkey) -> None:
        """Opens the staker's position on `node` unless it exists."""
        account = self.h.chain.get_account(StakingAddresses.stake_position(node, staker.pubkey()))
        if account is None or account.owner != StakingAddresses.program:
            self.h.ok(self.open_position_ix(staker.pubkey(), node), staker)

    def unstake(self, staker: Keypair, node: Pubkey, shares: int | None = None) -> TransactionRecord:
        if shares is None:
            position = self.position(node, staker.pubkey())
            shares = position.shares + position.activating_shares
        return self.ok("unstake", self.unstake_ix(staker.pubkey(), node, shares), staker)

    def activate_ix(self, node: Pubkey, staker: Pubkey, position: Pubkey | None = None) -> Instruction:
        return self.idl.instruction(
            "activate_stake",
            {},
            {"node": node, "position": position or StakingAddresses.stake_position(node, staker)},
        )

    def warm_up(self, node: Pubkey, *stakers: Keypair) -> None:
        """Waits out the stake warm-up and activates the stakers' positions (the keeper's crank)."""
        warmup = self.config().stake_warmup_secs
        self.h.warp(warmup)
        for staker in stakers:
            if self.position(node, staker.pubkey()).activating_shares:
                self.ok("activate_stake", self.activate_ix(node, staker.pubkey()), self.h.wallet())

    def accept_authority_ix(self, signer: Pubkey) -> Instruction:
        return self.idl.instruction("accept_authority", {}, {"new_authority": signer, "config": StakingAddresses.config})

    def accept_node_operator_ix(self, signer: Pubkey, node: Pubkey) -> Instruction:
        return self.idl.instruction("accept_node_operator", {}, {"new_operator": signer, "node": node})

    def withdraw(self, staker: Keypair, node: Pubkey) -> TransactionRecord:
        """Waits out what is left of the position's cooldown (at least an hour is the protocol's
        minimum), then withdraws. Tests of the cooldown itself send `withdraw_ix` directly."""
        until = self.position(node, staker.pubkey()).unbonding_until
        if until > self.h.now:
            self.h.warp(until - self.h.now)
        return self.ok("withdraw", self.withdraw_ix(staker.pubkey(), node), staker)

    def slash(self, node: Pubkey, fraction_bps: int, **kwargs: Any) -> TransactionRecord:
        authority = self.h.roles.slashing_authority
        return self.ok("slash", self.slash_ix(node, fraction_bps, **kwargs), authority)

    def update_config(self, **params: Any) -> TransactionRecord:
        admin = self.h.roles.admin
        return self.ok("update_config", self.update_config_ix(admin.pubkey(), **params), admin)

    # --- the rewards path into deposit_staker_rewards ---------------------------------------
    def emit_first_hours(self, hours: int = 1) -> None:
        """Moves the clock past `hours` emission hours and emits them into the reward vault."""
        self.h.warp(hours * 3_600 + 1)
        self.h.ok(rewards_ix.emit(self.h.programs.rewards, hours), self.h.roles.keeper)

    def post_root(self, epoch: int, leaves: dict[Pubkey, int]) -> MerkleTree:
        ordered = list(leaves.items())
        tree = MerkleTree.build([reward_leaf(epoch, bytes(node), amount) for node, amount in ordered])
        keeper = self.h.roles.keeper
        post = rewards_ix.post_epoch_root(self.h.programs.rewards, epoch, tree.root, sum(leaves.values()), len(ordered), keeper.pubkey())
        self.h.ok(post, keeper)
        return tree

    def rewards_claim(self, epoch: int, node: RegisteredNode, amount: int, tree: MerkleTree, index: int) -> TransactionRecord:
        """The rewards program's claim: pays the operator and CPIs deposit_staker_rewards."""
        operator_io = self.h.token_account(node.operator.pubkey(), self.h.io_mint)
        payer = self.h.wallet()
        claim = rewards_ix.claim(self.h.programs.rewards, epoch, node.address, amount, tree.proof(index), node.operator.pubkey(), payer.pubkey(), operator_io)
        record = self.h.ok(claim, payer)
        return record

    def hours_ended(self) -> int:
        return max(0, (self.h.now - START_TS) // 3_600)

    def emit_through(self, epoch: int) -> None:
        """Waits for hour `epoch` to end (if it has not) and emits every hour up to it."""
        end = START_TS + 3_600 * (epoch + 1)
        if self.h.now < end:
            self.h.warp(end - self.h.now + 1)
        while self.emitted_hours() <= epoch:
            hours = min(168, epoch + 1 - self.emitted_hours())
            self.h.ok(rewards_ix.emit(self.h.programs.rewards, hours), self.h.roles.keeper)

    def next_epoch(self) -> int:
        """The latest ended epoch that has no root yet (or the next one, waited for)."""
        epoch = max(self.hours_ended() - 1, 0)
        while self.exists(RewardsAddresses.epoch_root(epoch)):
            epoch += 1
        return epoch

    def deposit_via_rewards(self, node: RegisteredNode, claim_amount: int, epoch: int | None = None) -> tuple[TransactionRecord, int]:
        """Emits, posts a one-leaf root for a just-ended epoch and claims it within the staker
        window: returns (record, staker part deposited: 0 while the node has no active shares)."""
        epoch = self.next_epoch() if epoch is None else epoch
        self.emit_through(epoch)
        tree = self.post_root(epoch, {node.address: claim_amount})
        record = self.rewards_claim(epoch, node, claim_amount, tree, 0)
        state = self.node(node.address)
        staker_part = share_floor(claim_amount, state.staker_share_bps) if state.active_shares else 0
        return record, staker_part

    def emitted_hours(self) -> int:
        rewards = self.h.programs.rewards
        emission = rewards.decode_account_as("EmissionState", bytes(self.h.chain.get_account(RewardsAddresses.emission).data))
        return emission.next_hour

    # --- forging (accounts a caller could present; only for wrong-owner / wrong-PDA tests) --
    def forge(self, address: Pubkey, data: bytes, owner: Pubkey) -> Pubkey:
        lamports = self.h.chain.rent_exempt_minimum(len(data))
        self.h.chain.set_account(address, Account(lamports=lamports, data=data, owner=owner, executable=False, rent_epoch=0))
        return address

    def clone_account(self, source: Pubkey, to: Pubkey, owner: Pubkey | None = None) -> Pubkey:
        account = self.h.chain.get_account(source)
        return self.forge(to, bytes(account.data), owner or account.owner)


def error_of(record: TransactionRecord) -> str:
    return error_name(record)


def set_u64(data: bytes, offset: int, value: int) -> bytes:
    return data[:offset] + struct.pack("<Q", value) + data[offset + 8 :]


def bps(amount: int, fraction_bps: int) -> int:
    return amount * fraction_bps // BPS_DENOMINATOR
