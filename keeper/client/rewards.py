"""Instructions of the rewards program: the keeper's (emission, burn, epoch roots and their
expiry), node operators' (claim, close_claim_receipt) and the admin's (mint_genesis,
update_config, accept_authority), every fixed account and PDA filled in. `initialize` is the
deployment's (`keeper.localnet.deployment`)."""

from __future__ import annotations

from collections.abc import Sequence

from solders.instruction import Instruction
from solders.pubkey import Pubkey

from keeper.client.addresses import RewardsAddresses, StakingAddresses, associated_token_address
from keeper.client.idl import ProgramIdl


def emit(rewards: ProgramIdl, max_hours: int) -> Instruction:
    """Emits up to `max_hours` hours that have ended (1..MAX_EMIT_HOURS); anyone may send it."""
    return rewards.instruction(
        "emit",
        {"max_hours": max_hours},
        {
            "config": RewardsAddresses.config,
            "emission": RewardsAddresses.emission,
            "io_mint": RewardsAddresses.io_mint,
            "mint_authority": RewardsAddresses.mint_authority,
            "reward_vault": RewardsAddresses.reward_vault,
        },
    )


def burn(rewards: ProgramIdl, epoch: int, payer: Pubkey) -> Instruction:
    """Burns the burn vault's IO into `epoch`'s burn record (the current hour)."""
    return rewards.instruction(
        "burn",
        {"epoch": epoch},
        {
            "config": RewardsAddresses.config,
            "emission": RewardsAddresses.emission,
            "burn_ledger": RewardsAddresses.burn_ledger,
            "burn_epoch": RewardsAddresses.burn_epoch(epoch),
            "burn_vault": RewardsAddresses.burn_vault,
            "io_mint": RewardsAddresses.io_mint,
            "mint_authority": RewardsAddresses.mint_authority,
            "payer": payer,
        },
    )


def post_epoch_root(rewards: ProgramIdl, epoch: int, root: bytes, total: int, leaf_count: int, keeper: Pubkey) -> Instruction:
    return rewards.instruction(
        "post_epoch_root",
        {"epoch": epoch, "root": list(root), "total": total, "leaf_count": leaf_count},
        {
            "config": RewardsAddresses.config,
            "emission": RewardsAddresses.emission,
            "epoch_root": RewardsAddresses.epoch_root(epoch),
            "keeper_authority": keeper,
        },
    )


def expire_epoch_root(rewards: ProgramIdl, epoch: int) -> Instruction:
    return rewards.instruction(
        "expire_epoch_root",
        {"epoch": epoch},
        {"emission": RewardsAddresses.emission, "epoch_root": RewardsAddresses.epoch_root(epoch)},
    )


def claim(
    rewards: ProgramIdl,
    epoch: int,
    node: Pubkey,
    amount: int,
    proof: Sequence[bytes],
    operator: Pubkey,
    payer: Pubkey | None = None,
    operator_token: Pubkey | None = None,
) -> Instruction:
    """Claims `node`'s (a Node account's) leaf of `epoch`: `amount` with its Merkle `proof`, paid
    to the operator's IO account (its associated one by default) less the stakers' part. `payer`
    (the operator by default) signs and pays the claim receipt's rent."""
    return rewards.instruction(
        "claim",
        {"epoch": epoch, "amount": amount, "proof": [list(item) for item in proof]},
        {
            "epoch_root": RewardsAddresses.epoch_root(epoch),
            "emission": RewardsAddresses.emission,
            "node": node,
            "claim_receipt": RewardsAddresses.claim_receipt(epoch, node),
            "operator_token": associated_token_address(operator, RewardsAddresses.io_mint) if operator_token is None else operator_token,
            "reward_vault": RewardsAddresses.reward_vault,
            "mint_authority": RewardsAddresses.mint_authority,
            "staker_reward_vault": StakingAddresses.staker_reward_vault,
            "payer": operator if payer is None else payer,
        },
    )


def close_claim_receipt(rewards: ProgramIdl, epoch: int, node: Pubkey, payer: Pubkey) -> Instruction:
    """Closes `node`'s claim receipt of an expired `epoch` (anyone may send it); its rent goes to
    `payer`, who must be the payer the receipt records."""
    return rewards.instruction(
        "close_claim_receipt",
        {},
        {"epoch_root": RewardsAddresses.epoch_root(epoch), "claim_receipt": RewardsAddresses.claim_receipt(epoch, node), "payer": payer},
    )


def mint_genesis(rewards: ProgramIdl, admin: Pubkey, destination: Pubkey) -> Instruction:
    """Mints the genesis supply into `destination` (an IO token account), once."""
    return rewards.instruction(
        "mint_genesis",
        {},
        {
            "admin": admin,
            "config": RewardsAddresses.config,
            "io_mint": RewardsAddresses.io_mint,
            "mint_authority": RewardsAddresses.mint_authority,
            "destination": destination,
        },
    )


def update_config(rewards: ProgramIdl, admin: Pubkey, new_admin: Pubkey | None = None, new_keeper_authority: Pubkey | None = None) -> Instruction:
    """The admin proposes a new admin and/or keeper authority (None: unchanged); each takes over
    with `accept_authority`."""
    return rewards.instruction(
        "update_config", {"new_admin": new_admin, "new_keeper_authority": new_keeper_authority}, {"admin": admin, "config": RewardsAddresses.config}
    )


def accept_authority(rewards: ProgramIdl, new_authority: Pubkey) -> Instruction:
    """A proposed admin or keeper authority takes over (it signs)."""
    return rewards.instruction("accept_authority", {}, {"new_authority": new_authority, "config": RewardsAddresses.config})
