use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::StakeActivated;
use crate::state::{Node, StakePosition};

/// Anyone (the keeper cranks it): a position's activating shares whose warm-up has passed
/// start earning. The same happens on the position's next stake, unstake or claim; this lets
/// stakers earn from the first deposit after the warm-up without sending anything.
#[derive(Accounts)]
pub struct ActivateStake<'info> {
    /// A registered node.
    #[account(mut)]
    pub node: Box<Account<'info, Node>>,
    /// A position on this node with shares activating.
    #[account(
        mut,
        has_one = node @ StakingError::WrongNode,
        constraint = position.activating_shares > 0 @ StakingError::NothingToActivate,
    )]
    pub position: Box<Account<'info, StakePosition>>,
}

impl ActivateStake<'_> {
    pub fn handler(&mut self) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let position = &mut self.position;
        require!(position.activation_due(now), StakingError::WarmupNotElapsed);
        let shares = position.activate_if_due(&mut self.node, now)?;
        emit!(StakeActivated {
            node: self.node.key(),
            staker: position.staker,
            shares,
            position_shares: position.shares,
            node_active_shares: self.node.active_shares,
        });
        Ok(())
    }
}
