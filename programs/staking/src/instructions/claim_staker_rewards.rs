use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_common::{pda, seeds};

use crate::errors::StakingError;
use crate::events::StakerRewardsClaimed;
use crate::state::{Node, StakePosition, StakingConfig};

/// Pays a staker every reward its position has earned so far (activating a warmed-up batch
/// first; the node is writable for that).
#[derive(Accounts)]
pub struct ClaimStakerRewards<'info> {
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
    /// The `[STAKER_REWARD_VAULT]` PDA.
    #[account(mut, address = pda::STAKER_REWARD_VAULT @ StakingError::WrongStakerRewardVault)]
    pub staker_reward_vault: Box<Account<'info, TokenAccount>>,
    /// Receives the IO; any IO account the staker chooses (the staker signs).
    #[account(mut, token::mint = config.io_mint)]
    pub destination: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

impl ClaimStakerRewards<'_> {
    pub fn handler(&mut self) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let position = &mut self.position;
        position.activate_if_due(&mut self.node, now)?;
        position.settle_rewards(&self.node)?;
        let amount = position.rewards_owed;
        require!(amount > 0, StakingError::NothingToClaim);
        position.rewards_owed = 0;

        let signer: &[&[&[u8]]] = &[&[seeds::CONFIG, &[self.config.bump]]];
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
