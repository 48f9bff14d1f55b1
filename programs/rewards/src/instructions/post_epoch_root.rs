use anchor_lang::prelude::*;
use io_common::pda::is_uncreated;
use io_common::seeds;

use crate::addresses;
use crate::errors::RewardsError;
use crate::events::EpochRootPosted;
use crate::state::{create_and_write, EmissionState, Epoch, RewardsConfig, CURRENT_VERSION};

#[derive(Accounts)]
#[instruction(epoch: u64)]
pub struct PostEpochRoot<'info> {
    /// The rewards config: keeper check.
    #[account(
        address = addresses::CONFIG @ RewardsError::UnexpectedAccount,
        has_one = keeper_authority @ RewardsError::Unauthorized,
    )]
    pub config: Box<Account<'info, RewardsConfig>>,

    /// Emission totals: the epoch total is allocated from them.
    #[account(
        mut,
        address = addresses::EMISSION @ RewardsError::UnexpectedAccount,
        // Rewards are paid from emitted IO only: the epoch's hour must have been emitted.
        constraint = epoch < emission.next_hour @ RewardsError::EpochNotEmitted,
    )]
    pub emission: Box<Account<'info, EmissionState>>,

    /// The epoch's root, [EPOCH, epoch u64 LE]; created here, so one root per epoch, ever.
    /// CHECK: the canonical PDA of `epoch` (seeds + found bump: a claim later trusts any Epoch
    /// account by its stored `epoch`, so this is the one place its address is derived); must
    /// not exist yet; created (also when pre-funded) and written by the handler.
    #[account(
        mut,
        seeds = [seeds::EPOCH, &epoch.to_le_bytes()],
        bump,
        constraint = is_uncreated(&epoch_root) @ RewardsError::EpochAlreadyPosted,
    )]
    pub epoch_root: UncheckedAccount<'info>,

    /// The keeper; signs and pays the epoch account's rent.
    #[account(mut)]
    pub keeper_authority: Signer<'info>,

    pub system_program: Program<'info, System>,
}

impl<'info> PostEpochRoot<'info> {
    /// Posts the Merkle root of per-node rewards for `epoch`; `total` (the sum of the leaves)
    /// is set aside from emitted, unallocated IO.
    pub fn handler(
        &mut self,
        bump: u8,
        epoch: u64,
        root: [u8; 32],
        total: u64,
        leaf_count: u32,
    ) -> Result<()> {
        require!(total > 0 && leaf_count > 0, RewardsError::EmptyEpoch);
        require!(root != [0; 32], RewardsError::InvalidRoot);
        self.emission.allocate(total)?;

        create_and_write(
            &self.keeper_authority.to_account_info(),
            &self.epoch_root,
            &self.system_program.to_account_info(),
            &[seeds::EPOCH, &epoch.to_le_bytes(), &[bump]],
            &Epoch {
                version: CURRENT_VERSION,
                epoch,
                root,
                total,
                leaf_count,
                claimed: 0,
                claim_count: 0,
                posted_at: Clock::get()?.unix_timestamp,
                bump,
                _reserved: [0; 64],
            },
        )?;
        emit!(EpochRootPosted {
            epoch,
            root,
            total,
            leaf_count,
            allocated_total: self.emission.allocated_total
        });
        Ok(())
    }
}
