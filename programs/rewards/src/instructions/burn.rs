use anchor_lang::prelude::*;
use anchor_spl::token::{self, Burn as BurnTokens, Mint, Token, TokenAccount};
use io_common::{pda, seeds};

use crate::errors::RewardsError;
use crate::events::Burned;
use crate::state::{BurnEpoch, BurnLedger, EmissionState};

#[derive(Accounts)]
#[instruction(epoch: u64)]
pub struct Burn<'info> {
    /// The rewards config. Nothing of it is read: the mint, mint authority and burn vault it
    /// records are the fixed PDAs checked below.
    /// CHECK: the rewards config PDA (address).
    #[account(address = pda::REWARDS_CONFIG @ RewardsError::UnexpectedAccount)]
    pub config: UncheckedAccount<'info>,

    /// Read for the clock of epochs (hour index since start_ts).
    #[account(
        address = pda::EMISSION @ RewardsError::UnexpectedAccount,
        constraint = epoch == emission.load()?.hour_at(Clock::get()?.unix_timestamp) @ RewardsError::WrongBurnEpoch,
    )]
    pub emission: AccountLoader<'info, EmissionState>,

    /// Cumulative burn totals.
    #[account(mut, address = pda::BURN_LEDGER @ RewardsError::UnexpectedAccount)]
    pub burn_ledger: Box<Account<'info, BurnLedger>>,

    /// PDA [BURN_EPOCH, epoch u64 LE]: created by the hour's first burn (also when someone
    /// sent lamports to the address beforehand), added to by later ones.
    #[account(
        init_if_needed,
        payer = payer,
        space = 8 + BurnEpoch::INIT_SPACE,
        seeds = [seeds::BURN_EPOCH, &epoch.to_le_bytes()],
        bump,
    )]
    pub burn_epoch: Box<Account<'info, BurnEpoch>>,

    /// Its whole balance is burned.
    #[account(mut, address = pda::BURN_VAULT @ RewardsError::UnexpectedAccount)]
    pub burn_vault: Box<Account<'info, TokenAccount>>,

    /// The IO mint.
    #[account(mut, address = pda::IO_MINT @ RewardsError::UnexpectedAccount)]
    pub io_mint: Box<Account<'info, Mint>>,

    /// Mint authority PDA [MINT_AUTHORITY].
    /// CHECK: the PDA [MINT_AUTHORITY] (address); owns the burn vault.
    #[account(address = pda::MINT_AUTHORITY @ RewardsError::UnexpectedAccount)]
    pub mint_authority: UncheckedAccount<'info>,

    /// Pays the burn epoch's rent when it is created; anyone may crank a burn.
    #[account(mut)]
    pub payer: Signer<'info>,

    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

impl Burn<'_> {
    /// Burns everything in the burn vault and books it under `epoch`, the hour in progress.
    pub fn handler(&mut self, bump: u8, epoch: u64) -> Result<()> {
        let amount = self.burn_vault.amount;
        require!(amount > 0, RewardsError::NothingToBurn);
        let now = Clock::get()?.unix_timestamp;
        self.burn_ledger.record(amount, now)?;
        self.burn_epoch.record(epoch, bump, amount)?;

        let signer: &[&[&[u8]]] = &[&[seeds::MINT_AUTHORITY, &[pda::MINT_AUTHORITY_BUMP]]];
        token::burn(
            CpiContext::new_with_signer(
                self.token_program.key(),
                BurnTokens {
                    mint: self.io_mint.to_account_info(),
                    from: self.burn_vault.to_account_info(),
                    authority: self.mint_authority.to_account_info(),
                },
                signer,
            ),
            amount,
        )?;
        // Supply as the mint will hold it after the burn (the cached Mint is not reloaded).
        let supply = self
            .io_mint
            .supply
            .checked_sub(amount)
            .ok_or(RewardsError::MathOverflow)?;
        emit!(Burned {
            epoch,
            amount,
            epoch_burned: self.burn_epoch.amount,
            total_burned: self.burn_ledger.total_burned,
            supply,
        });
        Ok(())
    }
}
