"""Instructions of the staking program for node operators, stakers, the keeper, the slashing
authority and the admin, every fixed account and PDA filled in.

Not here: `initialize` (the deployment's, `keeper.localnet.deployment`) and
`deposit_staker_rewards`, which only the rewards program calls (by CPI from `rewards.claim`,
signed by its mint authority PDA); no wallet can send it.

Operator instructions name a node by its node key (the device's key, which its Node account is
derived from); staker instructions by its Node account, as stake positions are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from solders.instruction import Instruction
from solders.pubkey import Pubkey

from keeper.client.addresses import RewardsAddresses, StakingAddresses
from keeper.client.idl import ProgramIdl
from keeper.client.spl import associated_token_address

# update_node's params: each None leaves that setting as it is.
NODE_SETTINGS = ("operator", "gpu_model", "tier", "staker_share_bps", "token_share_bps", "active")


def register_node(
    staking: ProgramIdl, operator: Pubkey, node_key: Pubkey, gpu_model: str, tier: int, staker_share_bps: int, token_share_bps: int
) -> Instruction:
    """Registers the node whose device holds `node_key` (which co-signs), run by `operator`."""
    params = {"gpu_model": gpu_model, "tier": tier, "staker_share_bps": staker_share_bps, "token_share_bps": token_share_bps}
    return staking.instruction("register_node", {"params": params}, {"operator": operator, "node_key": node_key, "node": StakingAddresses.node(node_key)})


def update_node(staking: ProgramIdl, operator: Pubkey, node_key: Pubkey, changes: Mapping[str, Any]) -> Instruction:
    """Changes a node's settings (`NODE_SETTINGS`; those not in `changes` stay)."""
    unknown = set(changes) - set(NODE_SETTINGS)
    if unknown:
        raise ValueError(f"not node settings: {sorted(unknown)}")
    params = {name: changes.get(name) for name in NODE_SETTINGS}
    return staking.instruction(
        "update_node", {"params": params}, {"operator": operator, "config": StakingAddresses.config, "node": StakingAddresses.node(node_key)}
    )


def accept_node_operator(staking: ProgramIdl, new_operator: Pubkey, node_key: Pubkey) -> Instruction:
    return staking.instruction("accept_node_operator", {}, {"new_operator": new_operator, "node": StakingAddresses.node(node_key)})


def _position_accounts(staker: Pubkey, node: Pubkey) -> dict[str, Pubkey]:
    return {"staker": staker, "config": StakingAddresses.config, "node": node, "position": StakingAddresses.stake_position(node, staker)}


def _io_account(owner: Pubkey, account: Pubkey | None) -> Pubkey:
    return associated_token_address(owner, RewardsAddresses.io_mint) if account is None else account


def open_stake_position(staking: ProgramIdl, staker: Pubkey, node: Pubkey) -> Instruction:
    """The staker's position on `node` (a Node account): once, before (or with) its first stake."""
    return staking.instruction("open_stake_position", {}, {"staker": staker, "node": node, "position": StakingAddresses.stake_position(node, staker)})


def stake(staking: ProgramIdl, staker: Pubkey, node: Pubkey, amount: int, staker_token_account: Pubkey | None = None) -> Instruction:
    """Stakes `amount` IO base units (from the staker's IO account, its associated one by default)."""
    return staking.instruction(
        "stake",
        {"amount": amount},
        {
            **_position_accounts(staker, node),
            "staker_token_account": _io_account(staker, staker_token_account),
            "stake_vault": StakingAddresses.stake_vault,
        },
    )


def unstake(staking: ProgramIdl, staker: Pubkey, node: Pubkey, shares: int) -> Instruction:
    return staking.instruction("unstake", {"shares": shares}, _position_accounts(staker, node))


def withdraw(staking: ProgramIdl, staker: Pubkey, node: Pubkey, destination: Pubkey | None = None) -> Instruction:
    return staking.instruction(
        "withdraw",
        {},
        {
            **_position_accounts(staker, node),
            "stake_vault": StakingAddresses.stake_vault,
            "destination": _io_account(staker, destination),
        },
    )


def claim_staker_rewards(staking: ProgramIdl, staker: Pubkey, node: Pubkey, destination: Pubkey | None = None) -> Instruction:
    return staking.instruction(
        "claim_staker_rewards",
        {},
        {
            **_position_accounts(staker, node),
            "staker_reward_vault": StakingAddresses.staker_reward_vault,
            "destination": _io_account(staker, destination),
        },
    )


def activate_stake(staking: ProgramIdl, node: Pubkey, position: Pubkey) -> Instruction:
    """Activates a position's warmed-up stake (anyone may send it)."""
    return staking.instruction("activate_stake", {}, {"node": node, "position": position})


def close_stake_position(staking: ProgramIdl, staker: Pubkey, node: Pubkey) -> Instruction:
    """Closes the staker's empty position on `node` (a Node account: no shares, nothing unbonding,
    nothing owed), its rent back to the staker."""
    return staking.instruction("close_stake_position", {}, {"staker": staker, "node": node, "position": StakingAddresses.stake_position(node, staker)})


def slash(
    staking: ProgramIdl,
    slashing_authority: Pubkey,
    payer: Pubkey,
    node: Pubkey,
    fraction_bps: int,
    evidence_hash: bytes,
    reason: str,
    reporter_token_account: Pubkey | None = None,
) -> Instruction:
    """Slashes `fraction_bps` of `node`'s pool on `evidence_hash` (once per evidence: its slash
    record); the reporter's share to `reporter_token_account` when given, all burned otherwise."""
    return staking.instruction(
        "slash",
        {"params": {"fraction_bps": fraction_bps, "evidence_hash": list(evidence_hash), "reason": reason}},
        {
            "slashing_authority": slashing_authority,
            "payer": payer,
            "config": StakingAddresses.config,
            "node": node,
            "slash_record": StakingAddresses.slash_record(evidence_hash),
            "stake_vault": StakingAddresses.stake_vault,
            "burn_vault": RewardsAddresses.burn_vault,
            "reporter_token_account": reporter_token_account,
        },
    )


def verify_slash(staking: ProgramIdl, evidence_hash: bytes) -> Instruction:
    """Fails unless a slash was made on `evidence_hash` (its record exists and names it)."""
    return staking.instruction("verify_slash", {"evidence_hash": list(evidence_hash)}, {"slash_record": StakingAddresses.slash_record(evidence_hash)})


# update_config's params: each None leaves that setting as it is (admin and slashing_authority
# are proposals, taken over by `accept_authority`).
CONFIG_SETTINGS = ("admin", "slashing_authority", "max_stake_per_node", "unstake_cooldown_secs", "reporter_share_bps", "max_slash_bps", "stake_warmup_secs")


def update_config(staking: ProgramIdl, admin: Pubkey, changes: Mapping[str, Any]) -> Instruction:
    """The admin changes the staking config (`CONFIG_SETTINGS`; those not in `changes` stay)."""
    unknown = set(changes) - set(CONFIG_SETTINGS)
    if unknown:
        raise ValueError(f"not config settings: {sorted(unknown)}")
    params = {name: changes.get(name) for name in CONFIG_SETTINGS}
    return staking.instruction("update_config", {"params": params}, {"admin": admin, "config": StakingAddresses.config})


def accept_authority(staking: ProgramIdl, new_authority: Pubkey) -> Instruction:
    """A proposed admin or slashing authority takes over (it signs)."""
    return staking.instruction("accept_authority", {}, {"new_authority": new_authority, "config": StakingAddresses.config})
