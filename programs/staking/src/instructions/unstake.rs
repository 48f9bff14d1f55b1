use anchor_lang::prelude::*;
use io_common::pda;

use crate::errors::StakingError;
use crate::events::Unstaked;
use crate::state::{Node, StakePosition, StakingConfig};

/// Moves shares into cooldown: activating shares first (they never earned), then active ones,
/// which stop earning at once. All stay in the pool, so a slash during the cooldown still
/// reaches them. Unstaking again while shares are unbonding adds to them and restarts the
/// cooldown for all of them. A warmed-up batch is activated first.
#[derive(Accounts)]
pub struct Unstake<'info> {
    pub staker: Signer<'info>,
    /// The `[CONFIG]` PDA.
    #[account(address = pda::STAKING_CONFIG @ StakingError::WrongConfig)]
    pub config: Box<Account<'info, StakingConfig>>,
    /// A registered node.
    #[account(mut)]
    pub node: Box<Account<'info, Node>>,
    /// The staker's position on this node.
    #[account(
        mut,
        has_one = staker @ StakingError::NotStaker,
        has_one = node @ StakingError::WrongNode,
    )]
    pub position: Box<Account<'info, StakePosition>>,
}

impl Unstake<'_> {
    pub fn handler(&mut self, shares: u128) -> Result<()> {
        require!(shares > 0, StakingError::ZeroAmount);
        let now = Clock::get()?.unix_timestamp;
        let node = &mut self.node;
        let position = &mut self.position;
        position.activate_if_due(node, now)?;
        let held = position
            .shares
            .checked_add(position.activating_shares)
            .ok_or(StakingError::MathOverflow)?;
        require!(shares <= held, StakingError::InsufficientShares);

        position.settle_rewards(node)?;
        let from_activating = shares.min(position.activating_shares);
        let from_active = shares - from_activating; // ≤ position.shares, checked above
        node.unbond_activating_shares(from_activating)?;
        node.deactivate_shares(from_active)?;
        position.activating_shares -= from_activating;
        if position.activating_shares == 0 {
            position.activates_at = 0;
        }
        position.shares -= from_active;
        position.unbonding_shares = position
            .unbonding_shares
            .checked_add(shares)
            .ok_or(StakingError::MathOverflow)?;
        position.unbonding_until = now
            .checked_add(self.config.unstake_cooldown_secs)
            .ok_or(StakingError::MathOverflow)?;

        emit!(Unstaked {
            node: node.key(),
            staker: self.staker.key(),
            shares,
            from_activating,
            unbonding_shares: position.unbonding_shares,
            unbonding_until: position.unbonding_until,
        });
        Ok(())
    }
}
