use anchor_lang::prelude::*;
use io_common::seeds;

use crate::errors::RewardsError;
use crate::events::EpochRootPosted;
use crate::pda;
use crate::state::{EmissionState, Epoch, RewardsConfig, CURRENT_VERSION};

#[derive(Accounts)]
#[instruction(epoch: u64)]
pub struct PostEpochRoot<'info> {
    /// The rewards config: keeper check.
    #[account(
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = keeper_authority @ RewardsError::Unauthorized,
    )]
    pub config: Box<Account<'info, RewardsConfig>>,

    /// Emission totals: the epoch total is allocated from them.
    #[account(
        mut,
        seeds = [seeds::EMISSION],
        bump = emission.bump,
        // Rewards are paid from emitted IO only: the epoch's hour must have been emitted.
        constraint = epoch < emission.next_hour @ RewardsError::EpochNotEmitted,
    )]
    pub emission: Box<Account<'info, EmissionState>>,

    /// The epoch's root, [EPOCH, epoch u64 LE]; created here, so one root per epoch, ever.
    /// CHECK: the PDA of `epoch` (seeds); must not exist yet; created and written by the handler.
    #[account(
        mut,
        seeds = [seeds::EPOCH, &epoch.to_le_bytes()],
        bump,
        constraint = pda::is_uncreated(&epoch_root) @ RewardsError::EpochAlreadyPosted,
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

        let epoch_le = epoch.to_le_bytes();
        pda::create_pda(
            &self.keeper_authority.to_account_info(),
            &self.epoch_root.to_account_info(),
            &self.system_program.to_account_info(),
            8 + Epoch::INIT_SPACE,
            &[seeds::EPOCH, &epoch_le, &[bump]],
        )?;
        pda::write_account(
            &self.epoch_root.to_account_info(),
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
