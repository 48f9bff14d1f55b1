use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use io_common::{economics::IO_DECIMALS, ids, seeds};

use crate::errors::StakingError;
use crate::events::StakingInitialized;
use crate::state::{StakingConfig, ACCOUNT_VERSION};

/// Settings of `initialize`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeParams {
    pub slashing_authority: Pubkey,
    pub max_stake_per_node: u64,
    pub unstake_cooldown_secs: i64,
    pub reporter_share_bps: u16,
}

/// Creates the config and the two program vaults. The signer becomes admin.
#[derive(Accounts)]
pub struct Initialize<'info> {
    /// Becomes the admin; pays for the accounts.
    #[account(mut)]
    pub admin: Signer<'info>,
    /// The staking config (PDA `[CONFIG]`); `init` makes a second initialize impossible.
    #[account(
        init,
        payer = admin,
        space = 8 + StakingConfig::INIT_SPACE,
        seeds = [seeds::CONFIG],
        bump,
    )]
    pub config: Box<Account<'info, StakingConfig>>,
    /// The IO mint: must be the rewards program's PDA `[IO_MINT]`.
    #[account(
        address = Pubkey::find_program_address(&[seeds::IO_MINT], &ids::REWARDS).0 @ StakingError::WrongMint,
        constraint = io_mint.decimals == IO_DECIMALS @ StakingError::InvalidMintDecimals,
    )]
    pub io_mint: Box<Account<'info, Mint>>,
    /// Holds all staked IO (PDA `[STAKE_VAULT]`, authority = config).
    #[account(
        init,
        payer = admin,
        seeds = [seeds::STAKE_VAULT],
        bump,
        token::mint = io_mint,
        token::authority = config,
    )]
    pub stake_vault: Box<Account<'info, TokenAccount>>,
    /// Holds staker rewards until claimed (PDA `[STAKER_REWARD_VAULT]`, authority = config).
    #[account(
        init,
        payer = admin,
        seeds = [seeds::STAKER_REWARD_VAULT],
        bump,
        token::mint = io_mint,
        token::authority = config,
    )]
    pub staker_reward_vault: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Initialize>, params: InitializeParams) -> Result<()> {
    require_keys_neq!(
        params.slashing_authority,
        Pubkey::default(),
        StakingError::InvalidAuthority
    );
    StakingConfig::validate_max_stake(params.max_stake_per_node)?;
    StakingConfig::validate_cooldown(params.unstake_cooldown_secs)?;
    StakingConfig::validate_reporter_share(params.reporter_share_bps)?;

    // Both keys belong to the rewards program; derived here so no one can point them elsewhere.
    let rewards_authority = Pubkey::find_program_address(&[seeds::MINT_AUTHORITY], &ids::REWARDS).0;
    let burn_vault = Pubkey::find_program_address(&[seeds::BURN_VAULT], &ids::REWARDS).0;

    let accounts = ctx.accounts;
    accounts.config.set_inner(StakingConfig {
        version: ACCOUNT_VERSION,
        bump: ctx.bumps.config,
        admin: accounts.admin.key(),
        slashing_authority: params.slashing_authority,
        io_mint: accounts.io_mint.key(),
        rewards_authority,
        burn_vault,
        max_stake_per_node: params.max_stake_per_node,
        unstake_cooldown_secs: params.unstake_cooldown_secs,
        reporter_share_bps: params.reporter_share_bps,
        stake_vault_bump: ctx.bumps.stake_vault,
        staker_reward_vault_bump: ctx.bumps.staker_reward_vault,
        _reserved: [0; 64],
    });

    emit!(StakingInitialized {
        config: accounts.config.key(),
        admin: accounts.admin.key(),
        slashing_authority: params.slashing_authority,
        io_mint: accounts.io_mint.key(),
        rewards_authority,
        burn_vault,
        stake_vault: accounts.stake_vault.key(),
        staker_reward_vault: accounts.staker_reward_vault.key(),
        max_stake_per_node: params.max_stake_per_node,
        unstake_cooldown_secs: params.unstake_cooldown_secs,
        reporter_share_bps: params.reporter_share_bps,
    });
    Ok(())
}
