use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_common::seeds;

use crate::errors::StakingError;
use crate::events::StakerRewardsDeposited;
use crate::state::{Node, StakingConfig};

/// Called by the rewards program (CPI, signed by its `[MINT_AUTHORITY]` PDA) with the
/// stakers' part of a node's reward claim. The IO moves into the staker reward vault and
/// is spread over the node's active shares. Account order is part of the cross-program
/// contract: config, node, rewards_authority, source, staker_reward_vault, token_program.
#[derive(Accounts)]
pub struct DepositStakerRewards<'info> {
    #[account(
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = rewards_authority @ StakingError::NotRewardsAuthority,
    )]
    pub config: Box<Account<'info, StakingConfig>>,
    #[account(mut, seeds = [seeds::NODE, node.node_key.as_ref()], bump = node.bump)]
    pub node: Box<Account<'info, Node>>,
    /// The rewards program's `[MINT_AUTHORITY]` PDA (`config.rewards_authority`).
    pub rewards_authority: Signer<'info>,
    /// IO comes from here (the rewards program's reward vault).
    #[account(
        mut,
        token::mint = config.io_mint,
        token::authority = rewards_authority,
    )]
    pub source: Box<Account<'info, TokenAccount>>,
    #[account(mut, seeds = [seeds::STAKER_REWARD_VAULT], bump = config.staker_reward_vault_bump)]
    pub staker_reward_vault: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

impl DepositStakerRewards<'_> {
    pub fn handler(&mut self, amount: u64) -> Result<()> {
        // A small claim can round the stakers' part to 0; accept it so the claim goes through.
        if amount == 0 {
            return Ok(());
        }
        let node = &mut self.node;
        node.distribute_rewards(amount)?;

        token::transfer(
            CpiContext::new(
                self.token_program.key(),
                Transfer {
                    from: self.source.to_account_info(),
                    to: self.staker_reward_vault.to_account_info(),
                    authority: self.rewards_authority.to_account_info(),
                },
            ),
            amount,
        )?;

        emit!(StakerRewardsDeposited {
            node: node.key(),
            amount,
            reward_per_share: node.reward_per_share,
            undistributed_rewards: node.undistributed_rewards,
        });
        Ok(())
    }
}
