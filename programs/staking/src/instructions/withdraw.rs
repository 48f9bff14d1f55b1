use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};

use crate::addresses;
use crate::errors::StakingError;
use crate::events::Withdrawn;
use crate::state::{Node, StakePosition, StakingConfig};

/// After the cooldown, sells all unbonding shares back to the pool at the current price
/// (slashes during the cooldown are reflected) and pays the IO out.
#[derive(Accounts)]
pub struct Withdraw<'info> {
    pub staker: Signer<'info>,
    /// The `[CONFIG]` PDA: its compile-time address (a 32-byte compare, no derivation).
    #[account(address = addresses::CONFIG @ StakingError::WrongConfig)]
    pub config: Box<Account<'info, StakingConfig>>,
    /// A registered node (owner + discriminator; only `register_node` creates `Node` accounts,
    /// always at `[NODE, node_key]`); the position's stored `node` ties the two together.
    #[account(mut)]
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
    /// The `[STAKE_VAULT]` PDA (compile-time address).
    #[account(mut, address = addresses::STAKE_VAULT @ StakingError::WrongStakeVault)]
    pub stake_vault: Box<Account<'info, TokenAccount>>,
    /// Receives the IO; any IO account the staker chooses (the staker signs).
    #[account(mut, token::mint = config.io_mint)]
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
            let signer: &[&[&[u8]]] = &[addresses::CONFIG_SIGNER_SEEDS];
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
