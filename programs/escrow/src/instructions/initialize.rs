use anchor_lang::prelude::*;
use anchor_lang::solana_program::bpf_loader_upgradeable;
use anchor_spl::token::{Mint, Token, TokenAccount};
use io_common::layout::ACCOUNT_VERSION;
use io_common::{pda, seeds};

use crate::errors::EscrowError;
use crate::events::EscrowInitialized;
use crate::state::{EscrowConfig, FeeSchedule};

/// Settings of `initialize`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeParams {
    /// The keeper: may complete jobs as the network's oracle.
    pub oracle_authority: Pubkey,
    /// Treasury wallet (fees and USDC buy-back go to its token accounts, normally its ATAs).
    pub treasury: Pubkey,
    pub start_timeout_secs: i64,
    pub complete_grace_secs: i64,
    pub dispute_window_secs: i64,
}

/// Creates the escrow config; the signer becomes admin. Fee rates are the protocol's
/// (io_common) and are recorded in the config for explorers.
#[derive(Accounts)]
pub struct Initialize<'info> {
    /// Becomes the admin (must be the program's upgrade authority); pays for the config.
    #[account(mut)]
    pub admin: Signer<'info>,
    /// This program (its account names its ProgramData).
    #[account(
        constraint = program.programdata_address()? == Some(program_data.key())
            @ EscrowError::WrongProgramData,
    )]
    pub program: Program<'info, crate::program::Escrow>,
    /// This program's ProgramData (PDA `[program id]` of the upgradeable loader): only the
    /// upgrade authority recorded there may initialize, so no one can take the protocol's
    /// authorities by initializing first.
    #[account(
        seeds = [crate::ID.as_ref()],
        bump,
        seeds::program = bpf_loader_upgradeable::ID,
        constraint = program_data.upgrade_authority_address == Some(admin.key())
            @ EscrowError::NotUpgradeAuthority,
    )]
    pub program_data: Account<'info, ProgramData>,
    /// The escrow config, PDA `[CONFIG]`, created here (also when someone sent lamports to
    /// the address beforehand); a second initialize fails in the system program (account
    /// already in use).
    #[account(
        init,
        payer = admin,
        space = 8 + EscrowConfig::INIT_SPACE,
        seeds = [seeds::CONFIG],
        bump,
    )]
    pub config: Box<Account<'info, EscrowConfig>>,
    /// The USDC mint accepted for payment.
    #[account(constraint = usdc_mint.key() != io_mint.key() @ EscrowError::SameMints)]
    pub usdc_mint: Box<Account<'info, Mint>>,
    /// The IO mint: must be the rewards program's PDA `[IO_MINT]`.
    #[account(address = pda::IO_MINT @ EscrowError::WrongIoMint)]
    pub io_mint: Box<Account<'info, Mint>>,
    /// The escrow vault of USDC deposits, `[ESCROW_VAULT, usdc_mint]`, held by the config.
    #[account(
        init,
        payer = admin,
        seeds = [seeds::ESCROW_VAULT, usdc_mint.key().as_ref()],
        bump,
        token::mint = usdc_mint,
        token::authority = config,
        token::token_program = token_program,
    )]
    pub usdc_vault: Box<Account<'info, TokenAccount>>,
    /// The escrow vault of IO deposits, `[ESCROW_VAULT, io_mint]`, held by the config.
    #[account(
        init,
        payer = admin,
        seeds = [seeds::ESCROW_VAULT, io_mint.key().as_ref()],
        bump,
        token::mint = io_mint,
        token::authority = config,
        token::token_program = token_program,
    )]
    pub io_vault: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

impl Initialize<'_> {
    pub fn handler(&mut self, bump: u8, params: InitializeParams) -> Result<()> {
        require_keys_neq!(
            params.oracle_authority,
            Pubkey::default(),
            EscrowError::InvalidAuthority
        );
        require_keys_neq!(
            params.treasury,
            Pubkey::default(),
            EscrowError::InvalidAuthority
        );
        EscrowConfig::validate_timeouts(params.start_timeout_secs, params.complete_grace_secs)?;
        EscrowConfig::validate_dispute_window(params.dispute_window_secs)?;

        // The burn vault belongs to the rewards program (its PDA `[BURN_VAULT]`), so it cannot
        // be redirected.
        let fees = FeeSchedule::PROTOCOL;
        self.config.set_inner(EscrowConfig {
            version: ACCOUNT_VERSION,
            bump,
            admin: self.admin.key(),
            oracle_authority: params.oracle_authority,
            treasury: params.treasury,
            usdc_mint: self.usdc_mint.key(),
            io_mint: self.io_mint.key(),
            burn_vault: pda::BURN_VAULT,
            usdc_vault: self.usdc_vault.key(),
            io_vault: self.io_vault.key(),
            facilitation_fee_bps: fees.facilitation_bps,
            reservation_fee_bps: fees.reservation_bps,
            network_fee_bps: fees.network_bps,
            start_timeout_secs: params.start_timeout_secs,
            complete_grace_secs: params.complete_grace_secs,
            dispute_window_secs: params.dispute_window_secs,
            paused: false,
            pending_admin: Pubkey::default(),
            pending_oracle_authority: Pubkey::default(),
            _reserved: [0; 64],
        });
        emit!(EscrowInitialized {
            config: self.config.key(),
            admin: self.admin.key(),
            oracle_authority: params.oracle_authority,
            treasury: params.treasury,
            usdc_mint: self.usdc_mint.key(),
            io_mint: self.io_mint.key(),
            burn_vault: pda::BURN_VAULT,
            facilitation_fee_bps: fees.facilitation_bps,
            reservation_fee_bps: fees.reservation_bps,
            network_fee_bps: fees.network_bps,
            start_timeout_secs: params.start_timeout_secs,
            complete_grace_secs: params.complete_grace_secs,
            dispute_window_secs: params.dispute_window_secs,
            usdc_vault: self.usdc_vault.key(),
            io_vault: self.io_vault.key(),
        });
        Ok(())
    }
}
