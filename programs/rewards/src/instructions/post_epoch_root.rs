use anchor_lang::prelude::*;
use io_common::layout::ACCOUNT_VERSION;
use io_common::{pda, seeds};

use crate::errors::RewardsError;
use crate::events::EpochRootPosted;
use crate::state::{EmissionState, Epoch, RewardsConfig};

#[derive(Accounts)]
#[instruction(epoch: u64)]
pub struct PostEpochRoot<'info> {
    /// The rewards config: keeper check.
    #[account(
        address = pda::REWARDS_CONFIG @ RewardsError::UnexpectedAccount,
        has_one = keeper_authority @ RewardsError::Unauthorized,
    )]
    pub config: Box<Account<'info, RewardsConfig>>,

    /// Emission totals: the epoch total is allocated from them.
    #[account(
        mut,
        address = pda::EMISSION @ RewardsError::UnexpectedAccount,
        // Rewards are paid from emitted IO only: the epoch's hour must have been emitted.
        constraint = epoch < emission.load()?.next_hour @ RewardsError::EpochNotEmitted,
    )]
    pub emission: AccountLoader<'info, EmissionState>,

    /// The epoch's root, PDA [EPOCH, epoch u64 LE], created here (also when someone sent
    /// lamports to the address beforehand): one root per epoch, ever (a second post fails in
    /// the system program, account already in use).
    #[account(
        init,
        payer = keeper_authority,
        space = Epoch::SPACE,
        seeds = [seeds::EPOCH, &epoch.to_le_bytes()],
        bump,
    )]
    pub epoch_root: AccountLoader<'info, Epoch>,

    /// The keeper; signs and pays the epoch account's rent.
    #[account(mut)]
    pub keeper_authority: Signer<'info>,

    pub system_program: Program<'info, System>,
}

impl PostEpochRoot<'_> {
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
        let (start_ts, allocated_total) = {
            let mut emission = self.emission.load_mut()?;
            emission.allocate(total)?;
            (emission.start_ts, emission.allocated_total)
        };
        *self.epoch_root.load_init()? = Epoch {
            epoch,
            total,
            claimed: 0,
            posted_at: Clock::get()?.unix_timestamp,
            expired_at: 0,
            staker_returned: 0,
            staker_deadline: Epoch::staker_deadline(start_ts, epoch)?,
            root,
            leaf_count,
            claim_count: 0,
            version: ACCOUNT_VERSION,
            bump,
            _padding: [0; 6],
            _reserved: [0; 40],
        };
        emit!(EpochRootPosted {
            epoch,
            root,
            total,
            leaf_count,
            allocated_total,
        });
        Ok(())
    }
}
