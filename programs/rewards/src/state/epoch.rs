use anchor_lang::prelude::*;
use io_common::economics::{SECONDS_PER_HOUR, STAKER_REWARD_WINDOW_SECS};

use crate::errors::RewardsError;

/// One hour's reward root [EPOCH, epoch u64 LE], posted once by the keeper.
///
/// Created only by `init` in `post_epoch_root`, at that PDA, so the Epoch that stores `epoch` is
/// that PDA: later instructions compare the stored `epoch` instead of re-deriving the address.
/// Zero-copy (a `#[repr(C)]` Pod read in place through `AccountLoader`, fields ordered so the
/// layout has no implicit padding): deserializing it and writing it back cost every claim ~600
/// units (measured on Agave 4.1.2; budget 20,000).
#[account(zero_copy)]
pub struct Epoch {
    pub epoch: u64,
    /// Sum of all leaf amounts: the most that can ever be claimed from this epoch.
    pub total: u64,
    pub claimed: u64,
    pub posted_at: i64,
    /// When `expire_epoch_root` returned the unclaimed rest to the unallocated pool (0: not yet).
    pub expired_at: i64,
    /// Stakers' parts of claims that landed after the staker reward window: counted in
    /// `claimed`, but returned to the unallocated pool instead of paid.
    pub staker_returned: u64,
    /// From this moment on a claim no longer pays the node's stakers
    /// ([`Epoch::staker_deadline`], fixed when the root is posted).
    pub staker_deadline: i64,
    /// Root over `io_common::merkle::reward_leaf(epoch, node PDA, amount)` leaves.
    pub root: [u8; 32],
    pub leaf_count: u32,
    pub claim_count: u32,
    pub version: u8,
    pub bump: u8,
    pub _padding: [u8; 6],
    pub _reserved: [u8; 40],
}

/// How long an epoch's rewards can be claimed after its root is posted (90 days); after that
/// anyone may expire the root and its unclaimed rewards return to the unallocated pool.
pub const EPOCH_CLAIM_WINDOW_SECS: i64 = 90 * 24 * 3_600;

impl Epoch {
    /// Account size: discriminator and the Pod struct.
    pub const SPACE: usize = 8 + core::mem::size_of::<Self>();

    /// The first moment the epoch can no longer be claimed (and can be expired).
    pub fn claim_deadline(&self) -> i64 {
        self.posted_at.saturating_add(EPOCH_CLAIM_WINDOW_SECS)
    }

    /// The first moment a claim no longer pays the node's stakers: `STAKER_REWARD_WINDOW_SECS`
    /// after epoch `epoch` ended (it ends at `start_ts + 3600 (epoch + 1)`).
    pub fn staker_deadline(start_ts: i64, epoch: u64) -> Result<i64> {
        let hours = i64::try_from(epoch)
            .ok()
            .and_then(|e| e.checked_add(1))
            .ok_or(RewardsError::MathOverflow)?;
        Ok(hours
            .checked_mul(SECONDS_PER_HOUR)
            .and_then(|secs| secs.checked_add(start_ts))
            .and_then(|end| end.checked_add(STAKER_REWARD_WINDOW_SECS))
            .ok_or(RewardsError::MathOverflow)?)
    }

    /// Books a staker part returned to the pool by a late claim.
    pub fn record_staker_return(&mut self, amount: u64) -> Result<()> {
        self.staker_returned = self
            .staker_returned
            .checked_add(amount)
            .ok_or(RewardsError::MathOverflow)?;
        Ok(())
    }

    /// What was set aside for the epoch and not claimed.
    pub fn unclaimed(&self) -> Result<u64> {
        Ok(self
            .total
            .checked_sub(self.claimed)
            .ok_or(RewardsError::MathOverflow)?)
    }

    /// Counts a claim of `amount`; claims never add up to more than `total`
    /// (a root that lies about its total cannot overdraw the vault).
    pub fn record_claim(&mut self, amount: u64) -> Result<()> {
        let claimed = self
            .claimed
            .checked_add(amount)
            .ok_or(RewardsError::MathOverflow)?;
        require!(claimed <= self.total, RewardsError::ClaimExceedsEpochTotal);
        self.claimed = claimed;
        self.claim_count = self
            .claim_count
            .checked_add(1)
            .ok_or(RewardsError::MathOverflow)?;
        Ok(())
    }
}

/// [CLAIM, epoch u64 LE, node]: exists once a node has claimed an epoch, so a claim cannot be
/// repeated; closed only after the epoch expired (`close_claim_receipt`), when no claim can land.
#[account]
#[derive(InitSpace)]
pub struct ClaimReceipt {
    pub version: u8,
    pub epoch: u64,
    /// The staking Node PDA.
    pub node: Pubkey,
    pub amount: u64,
    pub operator_amount: u64,
    pub staker_amount: u64,
    pub claimed_at: i64,
    pub bump: u8,
    /// The stakers' part returned to the unallocated pool (claim after the staker reward
    /// window): amount = operator_amount + staker_amount + staker_returned.
    pub staker_returned: u64,
    /// Paid the receipt's rent; gets it back when the receipt is closed after the epoch expired.
    pub payer: Pubkey,
    pub _reserved: [u8; 24],
}
