use anchor_lang::prelude::*;
use io_common::pda;

use crate::errors::StakingError;
use crate::events::StakingConfigUpdated;
use crate::state::StakingConfig;

/// Fields to change; `None` leaves a field as it is. The IO mint, the rewards authority
/// and the burn vault are fixed at initialize and cannot be changed.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default)]
pub struct UpdateConfigParams {
    pub admin: Option<Pubkey>,
    pub slashing_authority: Option<Pubkey>,
    pub max_stake_per_node: Option<u64>,
    pub unstake_cooldown_secs: Option<i64>,
    /// Applies after a delay of max(unstake cooldown, 1 day), so stakers see it coming.
    pub reporter_share_bps: Option<u16>,
    /// 1..=10000 bps; applies to the next slash.
    pub max_slash_bps: Option<u16>,
}

/// Admin changes protocol settings.
#[derive(Accounts)]
pub struct UpdateConfig<'info> {
    pub admin: Signer<'info>,
    /// The `[CONFIG]` PDA.
    #[account(
        mut,
        address = pda::STAKING_CONFIG @ StakingError::WrongConfig,
        has_one = admin @ StakingError::NotAdmin,
    )]
    pub config: Box<Account<'info, StakingConfig>>,
}

impl UpdateConfig<'_> {
    pub fn handler(&mut self, params: UpdateConfigParams) -> Result<()> {
        let config = &mut self.config;
        if let Some(admin) = params.admin {
            require_keys_neq!(admin, Pubkey::default(), StakingError::InvalidAuthority);
            config.admin = admin;
        }
        if let Some(authority) = params.slashing_authority {
            require_keys_neq!(authority, Pubkey::default(), StakingError::InvalidAuthority);
            config.slashing_authority = authority;
        }
        if let Some(max) = params.max_stake_per_node {
            // Lowering the cap below a node's stake only refuses new stake on it.
            StakingConfig::validate_max_stake(max)?;
            config.max_stake_per_node = max;
        }
        if let Some(secs) = params.unstake_cooldown_secs {
            // Applies to unstakes from now on; running cooldowns keep their end time.
            StakingConfig::validate_cooldown(secs)?;
            config.unstake_cooldown_secs = secs;
        }
        if let Some(bps) = params.max_slash_bps {
            StakingConfig::validate_max_slash(bps)?;
            config.max_slash_bps = bps;
        }
        let now = Clock::get()?.unix_timestamp;
        if let Some(bps) = params.reporter_share_bps {
            // After the cooldown change above, so the delay is at least the new cooldown.
            config.schedule_reporter_share(bps, now)?;
        }
        emit!(StakingConfigUpdated {
            admin: config.admin,
            slashing_authority: config.slashing_authority,
            max_stake_per_node: config.max_stake_per_node,
            unstake_cooldown_secs: config.unstake_cooldown_secs,
            reporter_share_bps: config.reporter_share_at(now),
            pending_reporter_share_bps: config.pending_reporter_share_bps,
            reporter_share_effective_at: config.reporter_share_effective_at,
            max_slash_bps: config.max_slash_bps,
        });
        Ok(())
    }
}
