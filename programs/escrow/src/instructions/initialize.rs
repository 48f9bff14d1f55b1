use anchor_lang::prelude::*;
use anchor_spl::token::Mint;
use io_common::pda::{self, create_pda_account, is_uncreated};
use io_common::seeds;

use crate::errors::EscrowError;
use crate::events::EscrowInitialized;
use crate::state::{EscrowConfig, FeeSchedule, ACCOUNT_VERSION};

/// Settings of `initialize`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeParams {
    /// The keeper: may complete jobs as the network's oracle.
    pub oracle_authority: Pubkey,
    /// Treasury wallet (fees and USDC buy-back go to its token accounts, normally its ATAs).
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
    /// The escrow config (PDA `[CONFIG]`), created by the handler after every check; it
    /// survives lamports sent to the address beforehand. A second initialize finds it
    /// created → AlreadyInitialized.
    /// CHECK: the compile-time `[CONFIG]` address; created and written by the handler.
    #[account(mut, address = pda::ESCROW_CONFIG.address @ EscrowError::WrongConfig)]
    pub config: UncheckedAccount<'info>,
    /// The USDC mint accepted for payment.
    #[account(constraint = usdc_mint.key() != io_mint.key() @ EscrowError::SameMints)]
    pub usdc_mint: Box<Account<'info, Mint>>,
    /// The IO mint: must be the rewards program's PDA `[IO_MINT]`.
    #[account(address = pda::IO_MINT.address @ EscrowError::WrongIoMint)]
    pub io_mint: Box<Account<'info, Mint>>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Initialize>, params: InitializeParams) -> Result<()> {
    let accounts = ctx.accounts;
    require!(
        is_uncreated(&accounts.config.to_account_info()),
        EscrowError::AlreadyInitialized
    );
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

    // The burn vault belongs to the rewards program (its PDA `[BURN_VAULT]`, fixed at
    // compile time), so it cannot be redirected.
    let burn_vault = pda::BURN_VAULT.address;
    let fees = FeeSchedule::PROTOCOL;
    let config = EscrowConfig {
        version: ACCOUNT_VERSION,
        bump: pda::ESCROW_CONFIG.bump,
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
    };
    let info = accounts.config.to_account_info();
    create_pda_account(
        &accounts.admin.to_account_info(),
        &info,
        &accounts.system_program.to_account_info(),
        8 + EscrowConfig::INIT_SPACE,
        &crate::ID,
        &[seeds::CONFIG, &[pda::ESCROW_CONFIG.bump]],
    )?;
    config.try_serialize(&mut &mut info.try_borrow_mut_data()?[..])?;

    emit!(EscrowInitialized {
        config: info.key(),
        admin: config.admin,
        oracle_authority: params.oracle_authority,
        treasury: params.treasury,
        usdc_mint: config.usdc_mint,
        io_mint: config.io_mint,
        burn_vault,
        facilitation_fee_bps: fees.facilitation_bps,
        reservation_fee_bps: fees.reservation_bps,
        network_fee_bps: fees.network_bps,
        start_timeout_secs: params.start_timeout_secs,
        complete_grace_secs: params.complete_grace_secs,
    });
    Ok(())
}
