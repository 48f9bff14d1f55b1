"""Instructions of the rewards program the keeper sends (emission, burn, epoch roots), every
fixed account and PDA filled in."""

from __future__ import annotations

from solders.instruction import Instruction
from solders.pubkey import Pubkey

from keeper.client.addresses import RewardsAddresses
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
