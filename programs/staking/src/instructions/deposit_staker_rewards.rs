use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_common::pda;

use crate::errors::StakingError;
use crate::events::StakerRewardsDeposited;
use crate::state::Node;

/// Called by the rewards program (CPI, signed by its `[MINT_AUTHORITY]` PDA) with the
/// stakers' part of a node's reward claim. The IO moves into the staker reward vault and
/// is spread over the node's active shares. Account order is part of the cross-program
/// contract: config, node, rewards_authority, source, staker_reward_vault, token_program.
#[derive(Accounts)]
pub struct DepositStakerRewards<'info> {
    /// CHECK: the `[CONFIG]` PDA (address). Nothing is read from it: the two settings a
    /// deposit needs, `rewards_authority` and `io_mint`, are fixed at initialize to the rewards
    /// program's PDAs and checked below against the same constants.
    #[account(address = pda::STAKING_CONFIG @ StakingError::WrongConfig)]
    pub config: UncheckedAccount<'info>,
    /// A registered node (the rewards program's claim leaf names it).
    #[account(mut)]
    pub node: Box<Account<'info, Node>>,
    /// The rewards program's `[MINT_AUTHORITY]` PDA (`config.rewards_authority`, which
    /// initialize sets to this address and nothing can change).
    #[account(address = pda::MINT_AUTHORITY @ StakingError::NotRewardsAuthority)]
    pub rewards_authority: Signer<'info>,
    /// IO comes from here (the rewards program's reward vault).
    #[account(
        mut,
        token::mint = pda::IO_MINT,
        token::authority = rewards_authority,
    )]
    pub source: Box<Account<'info, TokenAccount>>,
    /// CHECK: the `[STAKER_REWARD_VAULT]` PDA (address): the IO token account `initialize`
    /// created, held by the config; only paid into here (the token program checks it is an
    /// account of the source's mint).
    #[account(mut, address = pda::STAKER_REWARD_VAULT @ StakingError::WrongStakerRewardVault)]
    pub staker_reward_vault: UncheckedAccount<'info>,
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
