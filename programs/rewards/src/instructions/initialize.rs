use anchor_lang::prelude::*;
use anchor_lang::solana_program::bpf_loader_upgradeable;
use anchor_spl::token::{Mint, Token, TokenAccount};
use io_common::economics::IO_DECIMALS;
use io_common::layout::ACCOUNT_VERSION;
use io_common::schedule::EmissionCursor;
use io_common::seeds;

use crate::errors::RewardsError;
use crate::events::RewardsInitialized;
use crate::state::{
    BurnLedger, EmissionState, RewardsConfig, MAX_START_BACKDATE_SECS, MAX_START_DELAY_SECS,
};

/// Creates every singleton of the program at its PDA with `init` (also when someone sent
/// lamports to these predictable addresses beforehand); a second run fails in the system
/// program (account already in use).
#[derive(Accounts)]
pub struct Initialize<'info> {
    /// Becomes the config admin (must be the program's upgrade authority) and pays for all the accounts.
    #[account(mut)]
    pub admin: Signer<'info>,
    /// This program (its account names its ProgramData).
    #[account(
        constraint = program.programdata_address()? == Some(program_data.key())
            @ RewardsError::WrongProgramData,
    )]
    pub program: Program<'info, crate::program::Rewards>,
    /// This program's ProgramData (PDA `[program id]` of the upgradeable loader): only the
    /// upgrade authority recorded there may initialize, so no one can take the protocol's
    /// authorities by initializing first.
    #[account(
        seeds = [crate::ID.as_ref()],
        bump,
        seeds::program = bpf_loader_upgradeable::ID,
        constraint = program_data.upgrade_authority_address == Some(admin.key())
            @ RewardsError::NotUpgradeAuthority,
    )]
    pub program_data: Account<'info, ProgramData>,

    /// The rewards config (authorities, mint and vault addresses, bumps), PDA [CONFIG].
    #[account(
        init,
        payer = admin,
        space = 8 + RewardsConfig::INIT_SPACE,
        seeds = [seeds::CONFIG],
        bump,
    )]
    pub config: Box<Account<'info, RewardsConfig>>,

    /// Emission progress, starting at hour 0 of month 0; PDA [EMISSION].
    #[account(
        init,
        payer = admin,
        space = EmissionState::SPACE,
        seeds = [seeds::EMISSION],
        bump,
    )]
    pub emission: AccountLoader<'info, EmissionState>,

    /// Cumulative burn totals, PDA [BURN_LEDGER].
    #[account(
        init,
        payer = admin,
        space = 8 + BurnLedger::INIT_SPACE,
        seeds = [seeds::BURN_LEDGER],
        bump,
    )]
    pub burn_ledger: Box<Account<'info, BurnLedger>>,

    /// Mint authority PDA [MINT_AUTHORITY]: holds no data; signs mints, vault transfers and
    /// burns.
    /// CHECK: the PDA [MINT_AUTHORITY] (seeds); never written.
    #[account(seeds = [seeds::MINT_AUTHORITY], bump)]
    pub mint_authority: UncheckedAccount<'info>,

    /// The IO mint, PDA [IO_MINT]: 9 decimals, minted only by `mint_authority`, no freeze
    /// authority.
    #[account(
        init,
        payer = admin,
        seeds = [seeds::IO_MINT],
        bump,
        mint::decimals = IO_DECIMALS,
        mint::authority = mint_authority,
        mint::token_program = token_program,
    )]
    pub io_mint: Box<Account<'info, Mint>>,

    /// Emitted IO waiting to be claimed, PDA [REWARD_VAULT], held by `mint_authority`.
    #[account(
        init,
        payer = admin,
        seeds = [seeds::REWARD_VAULT],
        bump,
        token::mint = io_mint,
        token::authority = mint_authority,
        token::token_program = token_program,
    )]
    pub reward_vault: Box<Account<'info, TokenAccount>>,

    /// IO waiting to be burned, PDA [BURN_VAULT], held by `mint_authority`; escrow and staking
    /// send here (they check this address, `io_common::pda::BURN_VAULT`).
    #[account(
        init,
        payer = admin,
        seeds = [seeds::BURN_VAULT],
        bump,
        token::mint = io_mint,
        token::authority = mint_authority,
        token::token_program = token_program,
    )]
    pub burn_vault: Box<Account<'info, TokenAccount>>,

    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

impl Initialize<'_> {
    pub fn handler(
        &mut self,
        bumps: &InitializeBumps,
        start_ts: i64,
        keeper_authority: Pubkey,
    ) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        require!(
            start_ts >= 0
                && start_ts >= now.saturating_sub(MAX_START_BACKDATE_SECS)
                && start_ts <= now.saturating_add(MAX_START_DELAY_SECS),
            RewardsError::InvalidStartTime
        );
        require_keys_neq!(
            keeper_authority,
            Pubkey::default(),
            RewardsError::InvalidAuthority
        );
        self.config.set_inner(RewardsConfig {
            version: ACCOUNT_VERSION,
            admin: self.admin.key(),
            keeper_authority,
            io_mint: self.io_mint.key(),
            mint_authority: self.mint_authority.key(),
            reward_vault: self.reward_vault.key(),
            burn_vault: self.burn_vault.key(),
            genesis_minted: false,
            bump: bumps.config,
            io_mint_bump: bumps.io_mint,
            mint_authority_bump: bumps.mint_authority,
            reward_vault_bump: bumps.reward_vault,
            burn_vault_bump: bumps.burn_vault,
            pending_admin: Pubkey::default(),
            pending_keeper_authority: Pubkey::default(),
        });
        *self.emission.load_init()? = EmissionState {
            version: ACCOUNT_VERSION,
            bump: bumps.emission,
            _padding: [0; 6],
            start_ts,
            next_hour: 0,
            cursor: EmissionCursor::genesis().into(),
            emitted_total: 0,
            allocated_total: 0,
            last_emit_at: 0,
            _reserved: [0; 64],
        };
        self.burn_ledger.set_inner(BurnLedger {
            version: ACCOUNT_VERSION,
            total_burned: 0,
            burn_count: 0,
            last_burn_at: 0,
            bump: bumps.burn_ledger,
            _reserved: [0; 64],
        });
        emit!(RewardsInitialized {
            admin: self.admin.key(),
            keeper_authority,
            io_mint: self.io_mint.key(),
            mint_authority: self.mint_authority.key(),
            reward_vault: self.reward_vault.key(),
            burn_vault: self.burn_vault.key(),
            start_ts,
        });
        Ok(())
    }
}
