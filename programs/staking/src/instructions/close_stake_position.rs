use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::StakePositionClosed;
use crate::state::{Node, StakePosition};

/// Closes an empty position (no shares, nothing unbonding, nothing owed) and returns its
/// rent to the staker. Staking again later opens a fresh position.
#[derive(Accounts)]
pub struct CloseStakePosition<'info> {
    #[account(mut)]
    pub staker: Signer<'info>,
    /// A registered node.
    #[account()]
    pub node: Box<Account<'info, Node>>,
    /// The staker's position on this node.
    #[account(
        mut,
        has_one = staker @ StakingError::NotStaker,
        has_one = node @ StakingError::WrongNode,
        close = staker,
        // With no active shares nothing is pending, so `rewards_owed` is the whole claim.
        constraint = position.is_empty() @ StakingError::PositionNotEmpty,
    )]
    pub position: Box<Account<'info, StakePosition>>,
}

impl CloseStakePosition<'_> {
    pub fn handler(&mut self) -> Result<()> {
        emit!(StakePositionClosed {
            node: self.node.key(),
            staker: self.staker.key()
        });
        Ok(())
    }
}
