use anchor_lang::prelude::*;
use anchor_spl::token::Mint;
use io_common::{ids, seeds};

use crate::errors::EscrowError;
use crate::events::EscrowInitialized;
use crate::state::{EscrowConfig, FeeSchedule, ACCOUNT_VERSION};

/// Settings of `initialize`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeParams {
    /// The keeper: may complete jobs as the network's oracle.
    pub oracle_authority: Pubkey,
    /// Treasury wallet (fees and USDC buy-back go to its associated token accounts).
    pub treasury: Pubkey,
    pub start_timeout_secs: i64,
    pub complete_grace_secs: i64,
}

/// Creates the escrow config; the signer becomes admin. Fee rates are the protocol's
/// (io_common) and are recorded in the config for explorers.
#[derive(Accounts)]
pub struct Initialize<'info> {
    /// Becomes the admin; pays for the config.
    #[account(mut)]
    pub admin: Signer<'info>,
    /// The escrow config (PDA `[CONFIG]`); `init` makes a second initialize impossible.
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
    #[account(address = Pubkey::find_program_address(&[seeds::IO_MINT], &ids::REWARDS).0 @ EscrowError::WrongIoMint)]
    pub io_mint: Box<Account<'info, Mint>>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Initialize>, params: InitializeParams) -> Result<()> {
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

    // The burn vault belongs to the rewards program; derived here so it cannot be redirected.
    let burn_vault = Pubkey::find_program_address(&[seeds::BURN_VAULT], &ids::REWARDS).0;
    let fees = FeeSchedule::PROTOCOL;
    let accounts = ctx.accounts;
    accounts.config.set_inner(EscrowConfig {
        version: ACCOUNT_VERSION,
        bump: ctx.bumps.config,
        admin: accounts.admin.key(),
        oracle_authority: params.oracle_authority,
        treasury: params.treasury,
        usdc_mint: accounts.usdc_mint.key(),
        io_mint: accounts.io_mint.key(),
        burn_vault,
        facilitation_fee_bps: fees.facilitation_bps,
        reservation_fee_bps: fees.reservation_bps,
        network_fee_bps: fees.network_bps,
        start_timeout_secs: params.start_timeout_secs,
        complete_grace_secs: params.complete_grace_secs,
        paused: false,
        _reserved: [0; 64],
    });

    emit!(EscrowInitialized {
        config: accounts.config.key(),
        admin: accounts.admin.key(),
        oracle_authority: params.oracle_authority,
        treasury: params.treasury,
        usdc_mint: accounts.usdc_mint.key(),
        io_mint: accounts.io_mint.key(),
        burn_vault,
        facilitation_fee_bps: fees.facilitation_bps,
        reservation_fee_bps: fees.reservation_bps,
        network_fee_bps: fees.network_bps,
        start_timeout_secs: params.start_timeout_secs,
        complete_grace_secs: params.complete_grace_secs,
    });
    Ok(())
}
