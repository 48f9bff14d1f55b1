use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_common::{pda, seeds};

use crate::errors::StakingError;
use crate::events::Withdrawn;
use crate::state::{Node, StakePosition};

/// After the cooldown, sells all unbonding shares back to the pool at the current price
/// (slashes during the cooldown are reflected) and pays the IO out.
#[derive(Accounts)]
pub struct Withdraw<'info> {
    pub staker: Signer<'info>,
    /// The `[CONFIG]` PDA: the stake vault's authority, only signing here.
    /// CHECK: the fixed address.
    #[account(address = pda::STAKING_CONFIG @ StakingError::WrongConfig)]
    pub config: UncheckedAccount<'info>,
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
    /// The `[STAKE_VAULT]` PDA.
    /// CHECK: the fixed address (a token account created at initialize).
    #[account(mut, address = pda::STAKE_VAULT @ StakingError::WrongStakeVault)]
    pub stake_vault: UncheckedAccount<'info>,
    /// Receives the IO; any IO account the staker chooses (the staker signs) but the stake vault
    /// itself (the IO would stay there, owned by nobody).
    #[account(
        mut,
        token::mint = pda::IO_MINT,
        constraint = destination.key() != pda::STAKE_VAULT @ ErrorCode::ConstraintDuplicateMutableAccount,
    )]
    pub destination: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

impl Withdraw<'_> {
    pub fn handler(&mut self) -> Result<()> {
        let node = &mut self.node;
        let position = &mut self.position;
        let shares = position.unbonding_shares;
        require!(shares > 0, StakingError::NothingToWithdraw);
        let now = Clock::get()?.unix_timestamp;
        require!(
            now >= position.unbonding_until,
            StakingError::CooldownNotElapsed
        );

        let amount = node.stake_for_shares(shares)?;
        node.remove_stake(amount, shares)?;
        position.unbonding_shares = 0;

        // A node slashed to nothing pays 0; the shares are still retired.
        if amount > 0 {
            let signer: &[&[&[u8]]] = &[&[seeds::CONFIG, &[pda::STAKING_CONFIG_BUMP]]];
            token::transfer(
                CpiContext::new_with_signer(
                    self.token_program.key(),
                    Transfer {
                        from: self.stake_vault.to_account_info(),
                        to: self.destination.to_account_info(),
                        authority: self.config.to_account_info(),
                    },
                    signer,
                ),
                amount,
            )?;
        }

        emit!(Withdrawn {
            node: node.key(),
            staker: self.staker.key(),
            shares,
            amount,
            node_total_stake: node.total_stake,
            node_total_shares: node.total_shares,
        });
        Ok(())
    }
}
