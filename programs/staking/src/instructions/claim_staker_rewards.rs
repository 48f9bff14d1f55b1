use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_common::seeds;

use crate::errors::StakingError;
use crate::events::StakerRewardsClaimed;
use crate::state::{Node, StakePosition, StakingConfig};

/// Pays a staker every reward its position has earned so far.
#[derive(Accounts)]
pub struct ClaimStakerRewards<'info> {
    pub staker: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Box<Account<'info, StakingConfig>>,
    #[account(seeds = [seeds::NODE, node.node_key.as_ref()], bump = node.bump)]
    pub node: Box<Account<'info, Node>>,
    #[account(
        mut,
        seeds = [seeds::STAKE, node.key().as_ref(), staker.key().as_ref()],
        bump = position.bump,
        has_one = staker @ StakingError::NotStaker,
        has_one = node @ StakingError::WrongNode,
    )]
    pub position: Box<Account<'info, StakePosition>>,
    #[account(mut, seeds = [seeds::STAKER_REWARD_VAULT], bump = config.staker_reward_vault_bump)]
    pub staker_reward_vault: Box<Account<'info, TokenAccount>>,
    /// Receives the IO; any IO account the staker chooses (the staker signs).
    #[account(mut, token::mint = config.io_mint)]
    pub destination: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

impl ClaimStakerRewards<'_> {
    pub fn handler(&mut self) -> Result<()> {
        let position = &mut self.position;
        position.settle_rewards(&self.node)?;
        let amount = position.rewards_owed;
        require!(amount > 0, StakingError::NothingToClaim);
        position.rewards_owed = 0;

        let bump = [self.config.bump];
        let signer: &[&[&[u8]]] = &[&[seeds::CONFIG, &bump]];
        token::transfer(
            CpiContext::new_with_signer(
                self.token_program.key(),
                Transfer {
                    from: self.staker_reward_vault.to_account_info(),
                    to: self.destination.to_account_info(),
                    authority: self.config.to_account_info(),
                },
                signer,
            ),
            amount,
        )?;

        emit!(StakerRewardsClaimed {
            node: self.node.key(),
            staker: self.staker.key(),
            amount
        });
        Ok(())
    }
}
