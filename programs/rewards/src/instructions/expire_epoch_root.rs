use anchor_lang::prelude::*;
use io_common::pda;

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

    /// The epoch's root. An Epoch is created only by `post_epoch_root`, once per epoch, at its
    /// PDA [EPOCH, epoch u64 LE], so the Epoch that stores `epoch` is that PDA.
    #[account(
        mut,
        constraint = epoch_root.load()?.epoch == epoch @ RewardsError::WrongEpoch,
        constraint = epoch_root.load()?.expired_at == 0 @ RewardsError::EpochAlreadyExpired,
    )]
    pub epoch_root: AccountLoader<'info, Epoch>,
}

impl ExpireEpochRoot<'_> {
    pub fn handler(&mut self, epoch: u64) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let mut epoch_root = self.epoch_root.load_mut()?;
        require!(
            now >= epoch_root.claim_deadline(),
            RewardsError::ClaimWindowOpen
        );
        let unclaimed = epoch_root.unclaimed()?;
        let allocated_total = {
            let mut emission = self.emission.load_mut()?;
            emission.release(unclaimed)?;
            emission.allocated_total
        };
        epoch_root.expired_at = now;
        emit!(EpochRootExpired {
            epoch,
            total: epoch_root.total,
            claimed: epoch_root.claimed,
            unclaimed,
            allocated_total,
            expired_at: now,
        });
        Ok(())
    }
}
