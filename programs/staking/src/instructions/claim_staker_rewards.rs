use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};

use crate::addresses;
use crate::errors::StakingError;
use crate::events::StakerRewardsClaimed;
use crate::state::{Node, StakePosition, StakingConfig};

/// Pays a staker every reward its position has earned so far.
#[derive(Accounts)]
pub struct ClaimStakerRewards<'info> {
    pub staker: Signer<'info>,
    /// The `[CONFIG]` PDA: its compile-time address (a 32-byte compare, no derivation).
    #[account(address = addresses::CONFIG @ StakingError::WrongConfig)]
    pub config: Box<Account<'info, StakingConfig>>,
    /// A registered node (owner + discriminator; only `register_node` creates `Node` accounts,
    /// always at `[NODE, node_key]`); the position's stored `node` ties the two together.
    pub node: Box<Account<'info, Node>>,
    /// The staker's position: owner + discriminator, and its stored `staker` and `node`
    /// (`has_one`). Positions are only created at their canonical PDA `[STAKE, node, staker]`
    /// (by `stake`), so these relations identify it without re-deriving the address.
    #[account(
        mut,
        has_one = staker @ StakingError::NotStaker,
        has_one = node @ StakingError::WrongNode,
    )]
    pub position: Box<Account<'info, StakePosition>>,
    /// The `[STAKER_REWARD_VAULT]` PDA (compile-time address).
    #[account(mut, address = addresses::STAKER_REWARD_VAULT @ StakingError::WrongStakerRewardVault)]
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

        let signer: &[&[&[u8]]] = &[addresses::CONFIG_SIGNER_SEEDS];
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
