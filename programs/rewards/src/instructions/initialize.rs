use anchor_lang::prelude::*;
use anchor_spl::token::{self, InitializeAccount3, InitializeMint2, Mint, Token, TokenAccount};
use io_common::economics::IO_DECIMALS;
use io_common::pda::{self, create_pda_account, is_uncreated};
use io_common::schedule::EmissionCursor;
use io_common::seeds;

use crate::addresses;
use crate::errors::RewardsError;
use crate::events::RewardsInitialized;
use crate::state::{create_and_write, BurnLedger, EmissionState, RewardsConfig, CURRENT_VERSION};

/// Creates every singleton of the program at its fixed PDA. The handler creates them with
/// `io_common::pda::create_pda_account` rather than Anchor's `init`, so lamports sent to these
/// predictable addresses before deployment cannot block it; an existing config ends a second
/// run with AlreadyInitialized.
#[derive(Accounts)]
pub struct Initialize<'info> {
    /// Becomes the config admin and pays for all the accounts.
    #[account(mut)]
    pub admin: Signer<'info>,

    /// The rewards config (authorities, mint and vault addresses, bumps).
    /// CHECK: the fixed PDA [CONFIG] (address); must not exist yet; created and written here.
    #[account(
        mut,
        address = addresses::CONFIG @ RewardsError::UnexpectedAccount,
        constraint = is_uncreated(&config) @ RewardsError::AlreadyInitialized,
    )]
    pub config: UncheckedAccount<'info>,

    /// Emission progress, starting at hour 0 of month 0.
    /// CHECK: the fixed PDA [EMISSION] (address); must not exist yet; created and written here.
    #[account(
        mut,
        address = addresses::EMISSION @ RewardsError::UnexpectedAccount,
        constraint = is_uncreated(&emission) @ RewardsError::AlreadyInitialized,
    )]
    pub emission: UncheckedAccount<'info>,

    /// Cumulative burn totals.
    /// CHECK: the fixed PDA [BURN_LEDGER] (address); must not exist yet; created and written here.
    #[account(
        mut,
        address = addresses::BURN_LEDGER @ RewardsError::UnexpectedAccount,
        constraint = is_uncreated(&burn_ledger) @ RewardsError::AlreadyInitialized,
    )]
    pub burn_ledger: UncheckedAccount<'info>,

    /// Mint authority PDA [MINT_AUTHORITY].
    /// CHECK: the fixed PDA [MINT_AUTHORITY] (address) holding no data; it only signs (mint,
    /// vault transfers, burns).
    #[account(address = addresses::MINT_AUTHORITY @ RewardsError::UnexpectedAccount)]
    pub mint_authority: UncheckedAccount<'info>,

    /// The IO mint: 9 decimals, minted only by `mint_authority`, no freeze authority.
    /// CHECK: the fixed PDA [IO_MINT] (address); must not exist yet; created and initialized
    /// by the token program here.
    #[account(
        mut,
        address = addresses::IO_MINT @ RewardsError::UnexpectedAccount,
        constraint = is_uncreated(&io_mint) @ RewardsError::AlreadyInitialized,
    )]
    pub io_mint: UncheckedAccount<'info>,

    /// Emitted IO waiting to be claimed.
    /// CHECK: the fixed PDA [REWARD_VAULT] (address); must not exist yet; created here as an IO
    /// token account of `mint_authority`.
    #[account(
        mut,
        address = addresses::REWARD_VAULT @ RewardsError::UnexpectedAccount,
        constraint = is_uncreated(&reward_vault) @ RewardsError::AlreadyInitialized,
    )]
    pub reward_vault: UncheckedAccount<'info>,

    /// IO waiting to be burned; escrow and staking send here (their configs derive this address).
    /// CHECK: the fixed PDA [BURN_VAULT] (address); must not exist yet; created here as an IO
    /// token account of `mint_authority`.
    #[account(
        mut,
        address = addresses::BURN_VAULT @ RewardsError::UnexpectedAccount,
        constraint = is_uncreated(&burn_vault) @ RewardsError::AlreadyInitialized,
    )]
    pub burn_vault: UncheckedAccount<'info>,

    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

impl<'info> Initialize<'info> {
    pub fn handler(&mut self, start_ts: i64, keeper_authority: Pubkey) -> Result<()> {
        require!(start_ts >= 0, RewardsError::InvalidStartTime);
        require_keys_neq!(
            keeper_authority,
            Pubkey::default(),
            RewardsError::InvalidAuthority
        );
        let admin = self.admin.to_account_info();
        let system = self.system_program.to_account_info();

        create_and_write(
            &admin,
            &self.config,
            &system,
            &[seeds::CONFIG, &[pda::REWARDS_CONFIG.bump]],
            &RewardsConfig {
                version: CURRENT_VERSION,
                admin: self.admin.key(),
                keeper_authority,
                io_mint: addresses::IO_MINT,
                mint_authority: addresses::MINT_AUTHORITY,
                reward_vault: addresses::REWARD_VAULT,
                burn_vault: addresses::BURN_VAULT,
                genesis_minted: false,
                bump: pda::REWARDS_CONFIG.bump,
                io_mint_bump: pda::IO_MINT.bump,
                mint_authority_bump: pda::MINT_AUTHORITY.bump,
                reward_vault_bump: pda::REWARD_VAULT.bump,
                burn_vault_bump: pda::BURN_VAULT.bump,
                _reserved: [0; 64],
            },
        )?;
        create_and_write(
            &admin,
            &self.emission,
            &system,
            &[seeds::EMISSION, &[pda::EMISSION.bump]],
            &EmissionState {
                version: CURRENT_VERSION,
                start_ts,
                next_hour: 0,
                cursor: EmissionCursor::genesis().into(),
                emitted_total: 0,
                allocated_total: 0,
                last_emit_at: 0,
                bump: pda::EMISSION.bump,
                _reserved: [0; 64],
            },
        )?;
        create_and_write(
            &admin,
            &self.burn_ledger,
            &system,
            &[seeds::BURN_LEDGER, &[pda::BURN_LEDGER.bump]],
            &BurnLedger {
                version: CURRENT_VERSION,
                total_burned: 0,
                burn_count: 0,
                last_burn_at: 0,
                bump: pda::BURN_LEDGER.bump,
                _reserved: [0; 64],
            },
        )?;

        // The mint and the vaults: created owned by the token program, then initialized by it.
        let token_program = self.token_program.key();
        create_pda_account(
            &admin,
            &self.io_mint,
            &system,
            Mint::LEN,
            &token::ID,
            &[seeds::IO_MINT, &[pda::IO_MINT.bump]],
        )?;
        token::initialize_mint2(
            CpiContext::new(
                token_program,
                InitializeMint2 {
                    mint: self.io_mint.to_account_info(),
                },
            ),
            IO_DECIMALS,
            &addresses::MINT_AUTHORITY,
            None,
        )?;
        for (vault, seed, bump) in [
            (&self.reward_vault, seeds::REWARD_VAULT, pda::REWARD_VAULT.bump),
            (&self.burn_vault, seeds::BURN_VAULT, pda::BURN_VAULT.bump),
        ] {
            create_pda_account(
                &admin,
                vault,
                &system,
                TokenAccount::LEN,
                &token::ID,
                &[seed, &[bump]],
            )?;
            token::initialize_account3(CpiContext::new(
                token_program,
                InitializeAccount3 {
                    account: vault.to_account_info(),
                    mint: self.io_mint.to_account_info(),
                    authority: self.mint_authority.to_account_info(),
                },
            ))?;
        }

        emit!(RewardsInitialized {
            admin: self.admin.key(),
            keeper_authority,
            io_mint: addresses::IO_MINT,
            mint_authority: addresses::MINT_AUTHORITY,
            reward_vault: addresses::REWARD_VAULT,
            burn_vault: addresses::BURN_VAULT,
            start_ts,
        });
        Ok(())
    }
}
