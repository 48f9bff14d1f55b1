use anchor_lang::prelude::*;
use io_common::{pda, seeds};

use crate::errors::RewardsError;
use crate::events::EpochRootExpired;
use crate::state::{EmissionState, Epoch};

/// Anyone, once an epoch's claim window (`EPOCH_CLAIM_WINDOW_SECS` after its root was posted)
/// has closed: what the epoch set aside and nobody claimed returns to the unallocated pool,
/// so a later root can allocate it. The root stays (so the epoch can never be posted again)
/// and is marked expired.
#[derive(Accounts)]
#[instruction(epoch: u64)]
pub struct ExpireEpochRoot<'info> {
    /// Emission totals: the unclaimed rest leaves `allocated_total`.
    #[account(mut, address = pda::EMISSION @ RewardsError::UnexpectedAccount)]
    pub emission: AccountLoader<'info, EmissionState>,

    /// The epoch's root (created only by `post_epoch_root`, at its PDA [EPOCH, epoch u64 LE]).
    #[account(
        mut,
        constraint = io_common::is_program_address!(&epoch_root.key(), [seeds::EPOCH, &epoch.to_le_bytes(), &[epoch_root.bump]], crate::ID)
            @ ErrorCode::ConstraintSeeds,
        constraint = epoch_root.expired_at == 0 @ RewardsError::EpochAlreadyExpired,
    )]
    pub epoch_root: Box<Account<'info, Epoch>>,
}

impl ExpireEpochRoot<'_> {
    pub fn handler(&mut self, epoch: u64) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        require!(
            now >= self.epoch_root.claim_deadline(),
            RewardsError::ClaimWindowOpen
        );
        let unclaimed = self.epoch_root.unclaimed()?;
        let allocated_total = {
            let mut emission = self.emission.load_mut()?;
            emission.release(unclaimed)?;
            emission.allocated_total
        };
        self.epoch_root.expired_at = now;
        emit!(EpochRootExpired {
            epoch,
            total: self.epoch_root.total,
            claimed: self.epoch_root.claimed,
            unclaimed,
            allocated_total,
            expired_at: now,
        });
        Ok(())
    }
}
