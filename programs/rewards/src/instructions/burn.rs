use anchor_lang::prelude::*;
use anchor_spl::token::{self, Burn as BurnTokens, Mint, Token, TokenAccount};
use io_common::pda::is_uncreated;
use io_common::seeds;

use crate::addresses;
use crate::errors::RewardsError;
use crate::events::Burned;
use crate::state::{create_and_write, BurnEpoch, BurnLedger, EmissionState};

/// Fixed accounts are checked against their compile-time PDAs (`crate::addresses`); the burn
/// epoch is derived from `epoch` (its canonical address is part of what it records).
#[derive(Accounts)]
#[instruction(epoch: u64)]
pub struct Burn<'info> {
    /// The rewards config. Nothing of it is read: the mint, mint authority and burn vault it
    /// records are the fixed PDAs checked below.
    /// CHECK: the rewards config PDA (address).
    #[account(address = addresses::CONFIG @ RewardsError::UnexpectedAccount)]
    pub config: UncheckedAccount<'info>,

    /// Read for the clock of epochs (hour index since start_ts).
    #[account(
        address = addresses::EMISSION @ RewardsError::UnexpectedAccount,
        constraint = epoch == emission.hour_at(Clock::get()?.unix_timestamp) @ RewardsError::WrongBurnEpoch,
    )]
    pub emission: Box<Account<'info, EmissionState>>,

    /// Cumulative burn totals.
    #[account(mut, address = addresses::BURN_LEDGER @ RewardsError::UnexpectedAccount)]
    pub burn_ledger: Box<Account<'info, BurnLedger>>,

    /// [BURN_EPOCH, epoch u64 LE]: created by the hour's first burn, added to by later ones.
    /// CHECK: the canonical PDA of `epoch` (seeds). The handler creates it when it does not
    /// exist yet (also when pre-funded) and otherwise loads it as a BurnEpoch (owner and
    /// discriminator checked); only this instruction writes it.
    #[cfg(not(feature = "idl-build"))]
    #[account(mut, seeds = [seeds::BURN_EPOCH, &epoch.to_le_bytes()], bump)]
    pub burn_epoch: UncheckedAccount<'info>,
    // The IDL build sees the account's type, so BurnEpoch stays in the IDL's accounts for
    // explorers (keeper explore decodes it); the instruction's accounts in the IDL are the same
    // either way. The program itself takes the address unchecked (above) because it may create it.
    /// [BURN_EPOCH, epoch u64 LE]: created by the hour's first burn, added to by later ones.
    #[cfg(feature = "idl-build")]
    #[account(mut, seeds = [seeds::BURN_EPOCH, &epoch.to_le_bytes()], bump)]
    pub burn_epoch: Box<Account<'info, BurnEpoch>>,

    /// Its whole balance is burned.
    #[account(mut, address = addresses::BURN_VAULT @ RewardsError::UnexpectedAccount)]
    pub burn_vault: Box<Account<'info, TokenAccount>>,

    /// The IO mint.
    #[account(mut, address = addresses::IO_MINT @ RewardsError::UnexpectedAccount)]
    pub io_mint: Box<Account<'info, Mint>>,

    /// Mint authority PDA [MINT_AUTHORITY].
    /// CHECK: the PDA [MINT_AUTHORITY] (address); owns the burn vault.
    #[account(address = addresses::MINT_AUTHORITY @ RewardsError::UnexpectedAccount)]
    pub mint_authority: UncheckedAccount<'info>,

    /// Pays the burn epoch's rent when it is created; anyone may crank a burn.
    #[account(mut)]
    pub payer: Signer<'info>,

    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

impl<'info> Burn<'info> {
    /// Burns everything in the burn vault and books it under `epoch`, the hour in progress.
    pub fn handler(&mut self, bump: u8, epoch: u64) -> Result<()> {
        let amount = self.burn_vault.amount;
        require!(amount > 0, RewardsError::NothingToBurn);
        let now = Clock::get()?.unix_timestamp;
        self.burn_ledger.record(amount, now)?;
        let epoch_burned = self.record_burn_epoch(bump, epoch, amount)?;

        let signer: &[&[&[u8]]] = &[addresses::MINT_AUTHORITY_SEEDS];
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
            epoch_burned,
            total_burned: self.burn_ledger.total_burned,
            supply,
        });
        Ok(())
    }

    /// Books `amount` in the hour's entry, creating it on the hour's first burn; returns the
    /// hour's total.
    fn record_burn_epoch(&self, bump: u8, epoch: u64, amount: u64) -> Result<u64> {
        let info = self.burn_epoch.to_account_info();
        if is_uncreated(&info) {
            create_and_write(
                &self.payer.to_account_info(),
                &info,
                &self.system_program.to_account_info(),
                &[seeds::BURN_EPOCH, &epoch.to_le_bytes(), &[bump]],
                &BurnEpoch::first(epoch, bump, amount),
            )?;
            return Ok(amount);
        }
        // Created by an earlier burn of this hour: checked as `Account` would (owned by this
        // program, BurnEpoch discriminator), then updated in place.
        require_keys_eq!(*info.owner, crate::ID, ErrorCode::AccountOwnedByWrongProgram);
        let mut data = info.try_borrow_mut_data()?;
        let mut entry = BurnEpoch::try_deserialize(&mut &data[..])?;
        entry.record(amount)?;
        entry.try_serialize(&mut &mut data[..])?;
        Ok(entry.amount)
    }
}
