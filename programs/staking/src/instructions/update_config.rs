use anchor_lang::prelude::*;
use io_common::pda;

use crate::errors::StakingError;
use crate::events::StakingConfigUpdated;
use crate::state::{proposal, StakingConfig};

/// Fields to change; `None` leaves a field as it is. The IO mint, the rewards authority
/// and the burn vault are fixed at initialize and cannot be changed.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default)]
pub struct UpdateConfigParams {
    /// Proposes a new admin (`pending_admin`); it takes over when it signs `accept_authority`.
    /// Proposing again replaces the proposal; proposing the current admin cancels it.
    pub admin: Option<Pubkey>,
    /// Proposes a new slashing authority (`pending_slashing_authority`), the same way.
    pub slashing_authority: Option<Pubkey>,
    pub max_stake_per_node: Option<u64>,
    pub unstake_cooldown_secs: Option<i64>,
    /// Applies after a delay of max(unstake cooldown, 1 day), so stakers see it coming.
    pub reporter_share_bps: Option<u16>,
    /// 1..=10000 bps; applies to the next slash.
    pub max_slash_bps: Option<u16>,
    /// `MIN_STAKE_WARMUP_SECS..=MAX_STAKE_WARMUP_SECS`; applies to stakes from now on.
    pub stake_warmup_secs: Option<i64>,
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
        // Handovers are two-step: a proposal here, `accept_authority` by the new key, so a
        // mistyped key can never take (or lock) a role.
        if let Some(admin) = params.admin {
            config.pending_admin = proposal(config.admin, admin)?;
        }
        if let Some(authority) = params.slashing_authority {
            config.pending_slashing_authority = proposal(config.slashing_authority, authority)?;
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
        if let Some(secs) = params.stake_warmup_secs {
            // Applies to stakes from now on; batches already warming keep their time.
            StakingConfig::validate_warmup(secs)?;
            config.stake_warmup_secs = secs;
        }
        let now = Clock::get()?.unix_timestamp;
        if let Some(bps) = params.reporter_share_bps {
            // After the cooldown change above, so the delay is at least the new cooldown.
            config.schedule_reporter_share(bps, now)?;
        }
        emit!(StakingConfigUpdated {
            admin: config.admin,
            slashing_authority: config.slashing_authority,
            pending_admin: config.pending_admin,
            pending_slashing_authority: config.pending_slashing_authority,
            max_stake_per_node: config.max_stake_per_node,
            unstake_cooldown_secs: config.unstake_cooldown_secs,
            reporter_share_bps: config.reporter_share_at(now),
            pending_reporter_share_bps: config.pending_reporter_share_bps,
            reporter_share_effective_at: config.reporter_share_effective_at,
            max_slash_bps: config.max_slash_bps,
            stake_warmup_secs: config.stake_warmup_secs,
        });
        Ok(())
    }
}
