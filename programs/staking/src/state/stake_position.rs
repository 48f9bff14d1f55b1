use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::math::REWARD_SCALE;
use crate::state::Node;

/// One staker's stake on one node. PDA `[STAKE, node, staker]`.
///
/// Created only by `stake`, at its canonical PDA; later instructions identify it by type and by
/// `has_one` on its staker and node (see `Node`).
#[account]
#[derive(InitSpace, Debug)]
pub struct StakePosition {
    pub version: u8,
    pub bump: u8,
    pub staker: Pubkey,
    pub node: Pubkey,
    /// Active (earning) shares.
    pub shares: u128,
    /// Shares in cooldown: still slashable, no longer earning.
    pub unbonding_shares: u128,
    /// When the unbonding shares can be withdrawn.
    pub unbonding_until: i64,
    /// The node's `reward_per_share` when this position was last settled (rewards
    /// accrued before it are already in `rewards_owed`).
    pub reward_debt: u128,
    /// Settled rewards not yet claimed (base units).
    pub rewards_owed: u64,
    /// Shares still warming up: slashable, earning nothing until `activates_at`.
    pub activating_shares: u128,
    /// When `activating_shares` may become active (0: nothing activating).
    pub activates_at: i64,
    pub _reserved: [u8; 40],
}

impl StakePosition {
    /// Move rewards earned by the active shares since the last settlement into
    /// `rewards_owed`. Must run before `shares` changes.
    pub fn settle_rewards(&mut self, node: &Node) -> std::result::Result<(), StakingError> {
        let delta = node
            .reward_per_share
            .checked_sub(self.reward_debt)
            .ok_or(StakingError::MathOverflow)?;
        let pending = self
            .shares
            .checked_mul(delta)
            .ok_or(StakingError::MathOverflow)?
            / REWARD_SCALE;
        let pending = u64::try_from(pending).map_err(|_| StakingError::MathOverflow)?;
        self.rewards_owed = self
            .rewards_owed
            .checked_add(pending)
            .ok_or(StakingError::MathOverflow)?;
        self.reward_debt = node.reward_per_share;
        Ok(())
    }

    /// Whether the position's activating shares may start earning at `now`.
    pub fn activation_due(&self, now: i64) -> bool {
        self.activating_shares > 0 && now >= self.activates_at
    }

    /// Activating shares whose warm-up has passed become active: rewards of the old active
    /// shares are settled first, so the new ones start at the current accumulator and earn
    /// only what is deposited from now on. Returns the shares activated (0 if none were due).
    pub fn activate_if_due(
        &mut self,
        node: &mut Node,
        now: i64,
    ) -> std::result::Result<u128, StakingError> {
        if !self.activation_due(now) {
            return Ok(0);
        }
        self.settle_rewards(node)?;
        let shares = self.activating_shares;
        node.activate_shares(shares)?;
        self.shares = self
            .shares
            .checked_add(shares)
            .ok_or(StakingError::MathOverflow)?;
        self.activating_shares = 0;
        self.activates_at = 0;
        Ok(shares)
    }

    /// New shares join the activating batch; the batch activates at the later of its time and
    /// `now + warmup`.
    pub fn add_activating(
        &mut self,
        shares: u128,
        now: i64,
        warmup: i64,
    ) -> std::result::Result<(), StakingError> {
        self.activating_shares = self
            .activating_shares
            .checked_add(shares)
            .ok_or(StakingError::MathOverflow)?;
        let at = now.checked_add(warmup).ok_or(StakingError::MathOverflow)?;
        self.activates_at = self.activates_at.max(at);
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.shares == 0
            && self.activating_shares == 0
            && self.unbonding_shares == 0
            && self.rewards_owed == 0
    }
}
