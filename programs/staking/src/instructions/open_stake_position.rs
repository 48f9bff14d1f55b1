use anchor_lang::prelude::*;
use io_common::layout::ACCOUNT_VERSION;
use io_common::seeds;

use crate::events::StakePositionOpened;
use crate::state::{Node, StakePosition};

/// Creates a staker's position on a node, PDA `[STAKE, node, staker]`, before (or in the same
/// transaction as) its first `stake` there. A fresh position has no claim on rewards already
/// spread over the node's shares.
#[derive(Accounts)]
pub struct OpenStakePosition<'info> {
    /// Pays the position's rent (returned by `close_stake_position`).
    #[account(mut)]
    pub staker: Signer<'info>,
    /// A registered node (created only by `register_node`, at its PDA).
    pub node: Box<Account<'info, Node>>,
    /// Created here (also when someone sent lamports to the address beforehand); a second call
    /// fails in the system program (account already in use).
    #[account(
        init,
        payer = staker,
        space = 8 + StakePosition::INIT_SPACE,
        seeds = [seeds::STAKE, node.key().as_ref(), staker.key().as_ref()],
        bump,
    )]
    pub position: Box<Account<'info, StakePosition>>,
    pub system_program: Program<'info, System>,
}

impl OpenStakePosition<'_> {
    pub fn handler(&mut self, bump: u8) -> Result<()> {
        let staker = self.staker.key();
        let node = self.node.key();
        self.position.set_inner(StakePosition {
            version: ACCOUNT_VERSION,
            bump,
            staker,
            node,
            shares: 0,
            unbonding_shares: 0,
            unbonding_until: 0,
            reward_debt: self.node.reward_per_share,
            rewards_owed: 0,
            activating_shares: 0,
            activates_at: 0,
            _reserved: [0; 40],
        });
        emit!(StakePositionOpened {
            node,
            staker,
            position: self.position.key(),
        });
        Ok(())
    }
}
