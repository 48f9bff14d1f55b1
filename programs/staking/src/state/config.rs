use anchor_lang::prelude::*;
use io_common::economics::{MAX_STAKE_WARMUP_SECS, MIN_STAKE_WARMUP_SECS};
use io_common::handover;

use crate::errors::StakingError;
use crate::math::{pending_share_in_force, share_in_force};

/// The reporter of a fraud gets at most half of the slashed amount.
pub const MAX_REPORTER_SHARE_BPS: u16 = 2_000;

/// Upper bound of `max_slash_bps` (a whole pool).
pub const MAX_SLASH_CAP_BPS: u16 = 10_000;

/// Bounds of `unstake_cooldown_secs`: at least an hour (stake that could leave at once would
/// dodge any slash), at most a year (no unstake deadline can overflow).
pub const MIN_UNSTAKE_COOLDOWN_SECS: i64 = 3_600;
pub const MAX_UNSTAKE_COOLDOWN_SECS: i64 = 365 * 24 * 3_600;

/// Least delay before a new reporter share applies (also at least the unstake cooldown).
pub const MIN_REPORTER_SHARE_DELAY_SECS: i64 = 24 * 3_600;
/// Least delay before a node's new staker or token share applies (also at least the unstake
/// cooldown), so stakers see a change coming and can leave first.
pub const MIN_SHARE_CHANGE_DELAY_SECS: i64 = 24 * 3_600;
/// Stake on one node can never be more than every IO there will ever be.
pub const MAX_STAKE_CAP: u64 = io_common::economics::IO_MAX_SUPPLY;

/// Protocol settings. PDA `[CONFIG]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct StakingConfig {
    pub version: u8,
    pub bump: u8,
    /// Changes this config.
    pub admin: Pubkey,
    /// Only key that may slash a node.
    pub slashing_authority: Pubkey,
    /// The IO mint (the rewards program's PDA `[IO_MINT]`).
    pub io_mint: Pubkey,
    /// The rewards program's PDA `[MINT_AUTHORITY]`: the only signer of
    /// `deposit_staker_rewards`. Computed at initialize; nothing can change it.
    pub rewards_authority: Pubkey,
    /// The rewards program's PDA `[BURN_VAULT]`: destination of slashed IO.
    pub burn_vault: Pubkey,
    /// Stake on one node is refused above this (base units).
    pub max_stake_per_node: u64,
    /// Seconds between `unstake` and `withdraw`.
    pub unstake_cooldown_secs: i64,
    /// Part of a slash paid to the reporter (≤ `MAX_REPORTER_SHARE_BPS`). A change waits in
    /// `pending_reporter_share_bps` until `reporter_share_effective_at`.
    pub reporter_share_bps: u16,
    pub stake_vault_bump: u8,
    pub staker_reward_vault_bump: u8,
    /// Largest fraction of a node's pool one slash may take (1..=10000 bps; set by the admin,
    /// not by the slashing authority).
    pub max_slash_bps: u16,
    /// The reporter share that applies from `reporter_share_effective_at` on.
    pub pending_reporter_share_bps: u16,
    /// When `pending_reporter_share_bps` takes effect (0: no change pending).
    pub reporter_share_effective_at: i64,
    /// Seconds new stake spends activating (slashable, earning nothing) before it earns.
    pub stake_warmup_secs: i64,
    /// Proposed admin: becomes `admin` when it signs `accept_authority` (default: none).
    pub pending_admin: Pubkey,
    /// Proposed slashing authority, accepted the same way (default: none).
    pub pending_slashing_authority: Pubkey,
    pub _reserved: [u8; 44],
}

/// [`StakingConfig::reporter_share_at`] on a lazily loaded config (slash).
pub fn lazy_reporter_share_bps_at(
    config: &LazyAccount<'_, StakingConfig>,
    now: i64,
) -> Result<u16> {
    Ok(
        if pending_share_in_force(*config.load_reporter_share_effective_at()?, now) {
            *config.load_pending_reporter_share_bps()?
        } else {
            *config.load_reporter_share_bps()?
        },
    )
}

/// A handover's first step (`io_common::handover::proposal`) for a config authority or a node
/// operator; the default key is refused with InvalidAuthority.
pub fn proposal(current: Pubkey, key: Pubkey) -> std::result::Result<Pubkey, StakingError> {
    handover::proposal(current, key).ok_or(StakingError::InvalidAuthority)
}

impl StakingConfig {
    pub fn validate_reporter_share(bps: u16) -> std::result::Result<(), StakingError> {
        if bps > MAX_REPORTER_SHARE_BPS {
            return Err(StakingError::InvalidReporterShare);
        }
        Ok(())
    }

    pub fn validate_max_slash(bps: u16) -> std::result::Result<(), StakingError> {
        if bps == 0 || bps > MAX_SLASH_CAP_BPS {
            return Err(StakingError::InvalidSlashCap);
        }
        Ok(())
    }

    /// The reporter share in force at `now` (a pending change applies once its time came).
    pub fn reporter_share_at(&self, now: i64) -> u16 {
        share_in_force(
            self.reporter_share_bps,
            self.pending_reporter_share_bps,
            self.reporter_share_effective_at,
            now,
        )
    }

    /// Schedules `bps` as the reporter share from `now + max(cooldown, 1 day)` on; a change
    /// already due is applied first, a pending one not yet due is replaced.
    pub fn schedule_reporter_share(
        &mut self,
        bps: u16,
        now: i64,
    ) -> std::result::Result<i64, StakingError> {
        Self::validate_reporter_share(bps)?;
        self.reporter_share_bps = self.reporter_share_at(now);
        let delay = self
            .unstake_cooldown_secs
            .max(MIN_REPORTER_SHARE_DELAY_SECS);
        let at = now.checked_add(delay).ok_or(StakingError::MathOverflow)?;
        self.pending_reporter_share_bps = bps;
        self.reporter_share_effective_at = at;
        Ok(at)
    }

    pub fn validate_cooldown(secs: i64) -> std::result::Result<(), StakingError> {
        if !(MIN_UNSTAKE_COOLDOWN_SECS..=MAX_UNSTAKE_COOLDOWN_SECS).contains(&secs) {
            return Err(StakingError::InvalidCooldown);
        }
        Ok(())
    }

    pub fn validate_max_stake(max: u64) -> std::result::Result<(), StakingError> {
        if max == 0 || max > MAX_STAKE_CAP {
            return Err(StakingError::InvalidMaxStake);
        }
        Ok(())
    }

    pub fn validate_warmup(secs: i64) -> std::result::Result<(), StakingError> {
        if !(MIN_STAKE_WARMUP_SECS..=MAX_STAKE_WARMUP_SECS).contains(&secs) {
            return Err(StakingError::InvalidWarmup);
        }
        Ok(())
    }

    /// Delay before a node's share change applies: max(unstake cooldown, 1 day).
    pub fn share_change_delay(&self) -> i64 {
        self.unstake_cooldown_secs.max(MIN_SHARE_CHANGE_DELAY_SECS)
    }

    /// Promotes every role whose pending key is `signer` (and clears it); false if none is.
    pub fn accept(&mut self, signer: Pubkey) -> bool {
        let admin = handover::accept(&mut self.admin, &mut self.pending_admin, signer);
        let slashing_authority = handover::accept(
            &mut self.slashing_authority,
            &mut self.pending_slashing_authority,
            signer,
        );
        admin || slashing_authority
    }
}
