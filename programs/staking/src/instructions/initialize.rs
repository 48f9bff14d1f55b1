use anchor_lang::prelude::*;
use anchor_lang::solana_program::bpf_loader_upgradeable;
use anchor_spl::token::{Mint, Token, TokenAccount};
use io_common::economics::IO_DECIMALS;
use io_common::layout::ACCOUNT_VERSION;
use io_common::{pda, seeds};

use crate::errors::StakingError;
use crate::events::StakingInitialized;
use crate::state::StakingConfig;

/// Settings of `initialize`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeParams {
    pub slashing_authority: Pubkey,
    pub max_stake_per_node: u64,
    pub unstake_cooldown_secs: i64,
    pub reporter_share_bps: u16,
    /// Largest fraction of a node's pool one slash may take (1..=10000 bps).
    pub max_slash_bps: u16,
    /// Seconds new stake warms up before it earns (`MIN_STAKE_WARMUP_SECS..=MAX_STAKE_WARMUP_SECS`).
    pub stake_warmup_secs: i64,
}

/// Creates the config and the two program vaults with `init` (also when someone sent
/// lamports to these predictable addresses beforehand); a second run fails in the system
/// program (account already in use). The signer becomes admin.
#[derive(Accounts)]
pub struct Initialize<'info> {
    /// Becomes the admin (must be the program's upgrade authority); pays for the accounts.
    #[account(mut)]
    pub admin: Signer<'info>,
    /// This program (its account names its ProgramData).
    #[account(
        constraint = program.programdata_address()? == Some(program_data.key())
            @ StakingError::WrongProgramData,
    )]
    pub program: Program<'info, crate::program::Staking>,
    /// This program's ProgramData (PDA `[program id]` of the upgradeable loader): only the
    /// upgrade authority recorded there may initialize, so no one can take the protocol's
    /// authorities by initializing first.
    #[account(
        seeds = [crate::ID.as_ref()],
        bump,
        seeds::program = bpf_loader_upgradeable::ID,
        constraint = program_data.upgrade_authority_address == Some(admin.key())
            @ StakingError::NotUpgradeAuthority,
    )]
    pub program_data: Account<'info, ProgramData>,
    /// The staking config, PDA `[CONFIG]`.
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
        address = pda::IO_MINT @ StakingError::WrongMint,
        constraint = io_mint.decimals == IO_DECIMALS @ StakingError::InvalidMintDecimals,
    )]
    pub io_mint: Box<Account<'info, Mint>>,
    /// Holds all staked IO, PDA `[STAKE_VAULT]`, authority = config.
    #[account(
        init,
        payer = admin,
        seeds = [seeds::STAKE_VAULT],
        bump,
        token::mint = io_mint,
        token::authority = config,
        token::token_program = token_program,
    )]
    pub stake_vault: Box<Account<'info, TokenAccount>>,
    /// Holds staker rewards until claimed, PDA `[STAKER_REWARD_VAULT]`, authority = config.
    #[account(
        init,
        payer = admin,
        seeds = [seeds::STAKER_REWARD_VAULT],
        bump,
        token::mint = io_mint,
        token::authority = config,
        token::token_program = token_program,
    )]
    pub staker_reward_vault: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

impl Initialize<'_> {
    pub fn handler(&mut self, bumps: &InitializeBumps, params: InitializeParams) -> Result<()> {
        require_keys_neq!(
            params.slashing_authority,
            Pubkey::default(),
            StakingError::InvalidAuthority
        );
        StakingConfig::validate_max_stake(params.max_stake_per_node)?;
        StakingConfig::validate_cooldown(params.unstake_cooldown_secs)?;
        StakingConfig::validate_reporter_share(params.reporter_share_bps)?;
        StakingConfig::validate_max_slash(params.max_slash_bps)?;
        StakingConfig::validate_warmup(params.stake_warmup_secs)?;

        // Both keys belong to the rewards program (its PDAs); nothing can change them.
        self.config.set_inner(StakingConfig {
            version: ACCOUNT_VERSION,
            bump: bumps.config,
            admin: self.admin.key(),
            slashing_authority: params.slashing_authority,
            io_mint: self.io_mint.key(),
            rewards_authority: pda::MINT_AUTHORITY,
            burn_vault: pda::BURN_VAULT,
            max_stake_per_node: params.max_stake_per_node,
            unstake_cooldown_secs: params.unstake_cooldown_secs,
            reporter_share_bps: params.reporter_share_bps,
            stake_vault_bump: bumps.stake_vault,
            staker_reward_vault_bump: bumps.staker_reward_vault,
            max_slash_bps: params.max_slash_bps,
            pending_reporter_share_bps: params.reporter_share_bps,
            reporter_share_effective_at: 0,
            stake_warmup_secs: params.stake_warmup_secs,
            pending_admin: Pubkey::default(),
            pending_slashing_authority: Pubkey::default(),
            _reserved: [0; 44],
        });
        emit!(StakingInitialized {
            config: self.config.key(),
            admin: self.admin.key(),
            slashing_authority: params.slashing_authority,
            io_mint: self.io_mint.key(),
            rewards_authority: pda::MINT_AUTHORITY,
            burn_vault: pda::BURN_VAULT,
            stake_vault: self.stake_vault.key(),
            staker_reward_vault: self.staker_reward_vault.key(),
            max_stake_per_node: params.max_stake_per_node,
            unstake_cooldown_secs: params.unstake_cooldown_secs,
            reporter_share_bps: params.reporter_share_bps,
            max_slash_bps: params.max_slash_bps,
            stake_warmup_secs: params.stake_warmup_secs,
        });
        Ok(())
    }
}
