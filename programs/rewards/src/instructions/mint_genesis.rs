use anchor_lang::prelude::*;
use anchor_spl::token::{self, Mint, MintTo, Token, TokenAccount};
use io_common::economics::{IO_GENESIS_SUPPLY, IO_MAX_SUPPLY};
use io_common::{pda, seeds};

use crate::errors::RewardsError;
use crate::events::GenesisMinted;
use crate::state::RewardsConfig;

#[derive(Accounts)]
pub struct MintGenesis<'info> {
    /// The config admin.
    pub admin: Signer<'info>,

    /// The rewards config: admin check, genesis only once.
    #[account(
        mut,
        address = pda::REWARDS_CONFIG @ RewardsError::UnexpectedAccount,
        has_one = admin @ RewardsError::Unauthorized,
        constraint = !config.genesis_minted @ RewardsError::GenesisAlreadyMinted,
    )]
    pub config: Account<'info, RewardsConfig>,

    /// The IO mint.
    #[account(mut, address = pda::IO_MINT @ RewardsError::UnexpectedAccount)]
    pub io_mint: Account<'info, Mint>,

    /// Mint authority PDA [MINT_AUTHORITY].
    /// CHECK: the PDA [MINT_AUTHORITY] (address); signs the mint.
    #[account(address = pda::MINT_AUTHORITY @ RewardsError::UnexpectedAccount)]
    pub mint_authority: UncheckedAccount<'info>,

    /// Receives the 500,000,000 IO genesis supply (e.g. the treasury's IO account).
    #[account(mut, constraint = destination.mint == io_mint.key() @ RewardsError::WrongMint)]
    pub destination: Account<'info, TokenAccount>,

    pub token_program: Program<'info, Token>,
}

impl MintGenesis<'_> {
    pub fn handler(&mut self) -> Result<()> {
        let supply = self
            .io_mint
            .supply
            .checked_add(IO_GENESIS_SUPPLY)
            .ok_or(RewardsError::MathOverflow)?;
        require!(supply <= IO_MAX_SUPPLY, RewardsError::SupplyCapExceeded);
        self.config.genesis_minted = true;

        let signer: &[&[&[u8]]] = &[&[seeds::MINT_AUTHORITY, &[pda::MINT_AUTHORITY_BUMP]]];
        token::mint_to(
            CpiContext::new_with_signer(
                self.token_program.key(),
                MintTo {
                    mint: self.io_mint.to_account_info(),
                    to: self.destination.to_account_info(),
                    authority: self.mint_authority.to_account_info(),
                },
                signer,
            ),
            IO_GENESIS_SUPPLY,
        )?;
        emit!(GenesisMinted {
            destination: self.destination.key(),
            amount: IO_GENESIS_SUPPLY,
            supply
        });
        Ok(())
    }
}
