use anchor_lang::prelude::*;
use anchor_spl::token::{self, InitializeAccount3, Mint, Token, TokenAccount};
use io_common::economics::IO_DECIMALS;
use io_common::pda::{self, create_pda_account, is_uncreated};
use io_common::seeds;

use crate::addresses;
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
///
/// The three accounts live at fixed, predictable addresses, so they are created with
/// `io_common::pda::create_pda_account` (an address someone sent lamports to in advance is
/// still created; Anchor's `init` would fail there) and a second initialize is refused with
/// `AlreadyInitialized`.
#[derive(Accounts)]
pub struct Initialize<'info> {
    /// Becomes the admin; pays for the accounts.
    #[account(mut)]
    pub admin: Signer<'info>,
    /// CHECK: the staking config (PDA `[CONFIG]`, its compile-time address); created here.
    #[account(mut, address = addresses::CONFIG @ StakingError::WrongConfig)]
    pub config: UncheckedAccount<'info>,
    /// The IO mint: must be the rewards program's PDA `[IO_MINT]`.
    #[account(
        address = addresses::IO_MINT @ StakingError::WrongMint,
        constraint = io_mint.decimals == IO_DECIMALS @ StakingError::InvalidMintDecimals,
    )]
    pub io_mint: Box<Account<'info, Mint>>,
    /// CHECK: holds all staked IO (PDA `[STAKE_VAULT]`, authority = config); created here.
    #[account(mut, address = addresses::STAKE_VAULT @ StakingError::WrongStakeVault)]
    pub stake_vault: UncheckedAccount<'info>,
    /// CHECK: holds staker rewards until claimed (PDA `[STAKER_REWARD_VAULT]`, authority =
    /// config); created here.
    #[account(mut, address = addresses::STAKER_REWARD_VAULT @ StakingError::WrongStakerRewardVault)]
    pub staker_reward_vault: UncheckedAccount<'info>,
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

    let accounts = ctx.accounts;
    let config = accounts.config.to_account_info();
    let stake_vault = accounts.stake_vault.to_account_info();
    let staker_reward_vault = accounts.staker_reward_vault.to_account_info();
    // Lamports alone (a pre-funded address) are not an account; any data or owner is.
    require!(
        is_uncreated(&config) && is_uncreated(&stake_vault) && is_uncreated(&staker_reward_vault),
        StakingError::AlreadyInitialized
    );

    let payer = accounts.admin.to_account_info();
    let system_program = accounts.system_program.to_account_info();
    create_pda_account(
        &payer,
        &config,
        &system_program,
        8 + StakingConfig::INIT_SPACE,
        &crate::ID,
        addresses::CONFIG_SIGNER_SEEDS,
    )?;
    // Both keys belong to the rewards program (compile-time PDAs); nothing can change them.
    let state = StakingConfig {
        version: ACCOUNT_VERSION,
        bump: pda::STAKING_CONFIG.bump,
        admin: accounts.admin.key(),
        slashing_authority: params.slashing_authority,
        io_mint: accounts.io_mint.key(),
        rewards_authority: addresses::REWARDS_AUTHORITY,
        burn_vault: addresses::BURN_VAULT,
        max_stake_per_node: params.max_stake_per_node,
        unstake_cooldown_secs: params.unstake_cooldown_secs,
        reporter_share_bps: params.reporter_share_bps,
        stake_vault_bump: pda::STAKE_VAULT.bump,
        staker_reward_vault_bump: pda::STAKER_REWARD_VAULT.bump,
        _reserved: [0; 64],
    };
    state.try_serialize(&mut &mut config.try_borrow_mut_data()?[..])?;

    let vaults = [
        (&stake_vault, seeds::STAKE_VAULT, pda::STAKE_VAULT.bump),
        (
            &staker_reward_vault,
            seeds::STAKER_REWARD_VAULT,
            pda::STAKER_REWARD_VAULT.bump,
        ),
    ];
    for (vault, seed, bump) in vaults {
        create_pda_account(
            &payer,
            vault,
            &system_program,
            TokenAccount::LEN,
            &accounts.token_program.key(),
            &[seed, &[bump]],
        )?;
        token::initialize_account3(CpiContext::new(
            accounts.token_program.key(),
            InitializeAccount3 {
                account: vault.clone(),
                mint: accounts.io_mint.to_account_info(),
                authority: config.clone(),
            },
        ))?;
    }

    emit!(StakingInitialized {
        config: config.key(),
        admin: state.admin,
        slashing_authority: params.slashing_authority,
        io_mint: state.io_mint,
        rewards_authority: state.rewards_authority,
        burn_vault: state.burn_vault,
        stake_vault: stake_vault.key(),
        staker_reward_vault: staker_reward_vault.key(),
        max_stake_per_node: params.max_stake_per_node,
        unstake_cooldown_secs: params.unstake_cooldown_secs,
        reporter_share_bps: params.reporter_share_bps,
    });
    Ok(())
}
