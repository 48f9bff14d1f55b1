use anchor_lang::prelude::*;
use io_common::economics::{BPS_DENOMINATOR, MAX_STAKER_SHARE_BPS, MIN_STAKER_SHARE_BPS};

use crate::errors::StakingError;
use crate::math::{pending_share_in_force, share_in_force};

/// `gpu_model` is at most this many bytes.
pub const MAX_GPU_MODEL_LEN: usize = 32;

/// A GPU node. PDA `[NODE, node_key]`.
///
/// Created only by `init` in `register_node`, at that PDA, so a staking-owned `Node` (what
/// `Account<Node>` checks) is always at its PDA: later instructions (here, in escrow and in
/// rewards) identify it by type, not by re-deriving the address (`seeds` + `bump` costs a
/// 1,500-unit `create_program_address`, a hash check ~300; withdraw measured 12,258 CU with the
/// hash checks on node and position on Agave 4.1.2, budget 9,000).
#[account]
#[derive(InitSpace, Debug)]
pub struct Node {
    pub version: u8,
    pub bump: u8,
    /// Wallet that runs the node: receives job pay and rewards, updates the node.
    pub operator: Pubkey,
    /// Device key: signs start/complete of jobs in escrow.
    pub node_key: Pubkey,
    /// Inactive nodes accept no new stake and no new jobs.
    pub active: bool,
    /// Part of the node's rewards paid to its stakers (100..=300 bps).
    pub staker_share_bps: u16,
    /// Part of its job payout the node directs to buy-back/burn (0..=10000 bps).
    pub token_share_bps: u16,
    /// Staker share from `shares_effective_at` on (see [`Node::staker_share_bps_at`]).
    pub pending_staker_share_bps: u16,
    /// Token share from `shares_effective_at` on (see [`Node::token_share_bps_at`]).
    pub pending_token_share_bps: u16,
    /// When the pending shares take effect (0: no change pending).
    pub shares_effective_at: i64,
    /// Shares that earn rewards (not unbonding). First of the [`RewardPool`] fields.
    pub active_shares: u128,
    /// Reward accumulator per active share, scaled by [`REWARD_SCALE`].
    pub reward_per_share: u128,
    /// Rewards not yet spread over shares: those that arrived while `active_shares` was 0,
    /// plus rounding dust; folded into the next distribution.
    pub undistributed_rewards: u64,
    /// IO backing the pool, including unbonding stake (base units).
    pub total_stake: u64,
    /// All shares, including unbonding ones.
    pub total_shares: u128,
    /// Shares bought less than the warm-up ago: in `total_shares` (backed and slashable) but
    /// not in `active_shares` (earning nothing yet).
    pub activating_shares: u128,
    pub tier: u8,
    pub slash_count: u32,
    pub total_slashed: u64,
    pub registered_at: i64,
    /// Proposed operator: takes the node over when it signs `accept_node_operator`
    /// (default: none).
    pub pending_operator: Pubkey,
    pub _reserved: [u8; 4],
    /// Last, so that every other field has a fixed offset (what other programs read lazily,
    /// and the reward pool a deposit updates in place, are near the front).
    #[max_len(MAX_GPU_MODEL_LEN)]
    pub gpu_model: String,
}

/// [`Node::token_share_bps_at`] on a lazily loaded node, loading only the fields it needs: for
/// the other programs' instructions that read little of a node (escrow's settle_job).
pub fn lazy_token_share_bps_at(node: &LazyAccount<'_, Node>, now: i64) -> Result<u16> {
    Ok(
        if pending_share_in_force(*node.load_shares_effective_at()?, now) {
            *node.load_pending_token_share_bps()?
        } else {
            *node.load_token_share_bps()?
        },
    )
}

/// [`Node::staker_share_bps_at`] on a lazily loaded node (rewards' claim).
pub fn lazy_staker_share_bps_at(node: &LazyAccount<'_, Node>, now: i64) -> Result<u16> {
    Ok(
        if pending_share_in_force(*node.load_shares_effective_at()?, now) {
            *node.load_pending_staker_share_bps()?
        } else {
            *node.load_staker_share_bps()?
        },
    )
}

impl Node {
    pub fn validate_staker_share(bps: u16) -> std::result::Result<(), StakingError> {
        if !(MIN_STAKER_SHARE_BPS..=MAX_STAKER_SHARE_BPS).contains(&bps) {
            return Err(StakingError::InvalidStakerShare);
        }
        Ok(())
    }

    pub fn validate_token_share(bps: u16) -> std::result::Result<(), StakingError> {
        if u64::from(bps) > BPS_DENOMINATOR {
            return Err(StakingError::InvalidTokenShare);
        }
        Ok(())
    }

    /// The staker share in force at `now` (a pending change applies once its time came).
    pub fn staker_share_bps_at(&self, now: i64) -> u16 {
        share_in_force(
            self.staker_share_bps,
            self.pending_staker_share_bps,
            self.shares_effective_at,
            now,
        )
    }

    /// The token share in force at `now` (a pending change applies once its time came).
    pub fn token_share_bps_at(&self, now: i64) -> u16 {
        share_in_force(
            self.token_share_bps,
            self.pending_token_share_bps,
            self.shares_effective_at,
            now,
        )
    }

    /// Schedules new staker and/or token shares from `now + delay` on. A change already due is
    /// applied first; a field not given keeps its pending value (or the one in force), and the
    /// delay restarts for both: one pending set, one effective time.
    pub fn schedule_shares(
        &mut self,
        staker_share_bps: Option<u16>,
        token_share_bps: Option<u16>,
        now: i64,
        delay: i64,
    ) -> std::result::Result<i64, StakingError> {
        if let Some(bps) = staker_share_bps {
            Self::validate_staker_share(bps)?;
        }
        if let Some(bps) = token_share_bps {
            Self::validate_token_share(bps)?;
        }
        let at = now.checked_add(delay).ok_or(StakingError::MathOverflow)?;
        if self.shares_effective_at != 0 && now >= self.shares_effective_at {
            self.staker_share_bps = self.pending_staker_share_bps;
            self.token_share_bps = self.pending_token_share_bps;
        } else if self.shares_effective_at == 0 {
            self.pending_staker_share_bps = self.staker_share_bps;
            self.pending_token_share_bps = self.token_share_bps;
        }
        if let Some(bps) = staker_share_bps {
            self.pending_staker_share_bps = bps;
        }
        if let Some(bps) = token_share_bps {
            self.pending_token_share_bps = bps;
        }
        self.shares_effective_at = at;
        Ok(at)
    }

    pub fn validate_gpu_model(model: &str) -> std::result::Result<(), StakingError> {
        if model.len() > MAX_GPU_MODEL_LEN {
            return Err(StakingError::GpuModelTooLong);
        }
        Ok(())
    }
}
