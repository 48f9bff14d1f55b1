use anchor_lang::prelude::*;
use io_common::{handover, pda};

use crate::errors::EscrowError;
use crate::events::EscrowConfigUpdated;
use crate::state::EscrowConfig;

/// Fields to change; `None` leaves a field as it is. Mints, vaults, burn vault and fee rates are
/// fixed. Timeouts apply to jobs opened (start) or started (completion) afterwards, the dispute
/// window to completions afterwards: each job records its deadlines.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default)]
pub struct UpdateConfigParams {
    /// Proposes a new admin; it takes over when it signs `accept_authority`. Proposing the
    /// current admin withdraws a proposal.
    pub admin: Option<Pubkey>,
    /// Proposes a new oracle authority, accepted the same way.
    pub oracle_authority: Option<Pubkey>,
    pub treasury: Option<Pubkey>,
    pub start_timeout_secs: Option<i64>,
    pub complete_grace_secs: Option<i64>,
    pub dispute_window_secs: Option<i64>,
    pub paused: Option<bool>,
}

/// Admin changes escrow settings.
#[derive(Accounts)]
pub struct UpdateConfig<'info> {
    pub admin: Signer<'info>,
    /// The `[CONFIG]` PDA.
    #[account(
        mut,
        address = pda::ESCROW_CONFIG @ EscrowError::WrongConfig,
        has_one = admin @ EscrowError::NotAdmin,
    )]
    pub config: Box<Account<'info, EscrowConfig>>,
}

impl UpdateConfig<'_> {
    pub fn handler(&mut self, params: UpdateConfigParams) -> Result<()> {
        let config = &mut self.config;
        if let Some(admin) = params.admin {
            config.pending_admin =
                handover::proposal(config.admin, admin).ok_or(EscrowError::InvalidAuthority)?;
        }
        if let Some(oracle) = params.oracle_authority {
            config.pending_oracle_authority = handover::proposal(config.oracle_authority, oracle)
                .ok_or(EscrowError::InvalidAuthority)?;
        }
        if let Some(treasury) = params.treasury {
            require_keys_neq!(treasury, Pubkey::default(), EscrowError::InvalidAuthority);
            config.treasury = treasury;
        }
        let start = params
            .start_timeout_secs
            .unwrap_or(config.start_timeout_secs);
        let grace = params
            .complete_grace_secs
            .unwrap_or(config.complete_grace_secs);
        EscrowConfig::validate_timeouts(start, grace)?;
        config.start_timeout_secs = start;
        config.complete_grace_secs = grace;
        if let Some(secs) = params.dispute_window_secs {
            EscrowConfig::validate_dispute_window(secs)?;
            config.dispute_window_secs = secs;
        }
        if let Some(paused) = params.paused {
            config.paused = paused;
        }
        emit!(EscrowConfigUpdated {
            admin: config.admin,
            oracle_authority: config.oracle_authority,
            pending_admin: config.pending_admin,
            pending_oracle_authority: config.pending_oracle_authority,
            treasury: config.treasury,
            start_timeout_secs: config.start_timeout_secs,
            complete_grace_secs: config.complete_grace_secs,
            dispute_window_secs: config.dispute_window_secs,
            paused: config.paused,
        });
        Ok(())
    }
}
