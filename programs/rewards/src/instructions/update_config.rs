use anchor_lang::prelude::*;
use io_common::handover;
use io_common::pda;

use crate::errors::RewardsError;
use crate::events::ConfigUpdated;
use crate::state::RewardsConfig;

#[derive(Accounts)]
pub struct UpdateConfig<'info> {
    /// The current admin.
    pub admin: Signer<'info>,

    /// The rewards config.
    #[account(
        mut,
        address = pda::REWARDS_CONFIG @ RewardsError::UnexpectedAccount,
        has_one = admin @ RewardsError::Unauthorized,
    )]
    pub config: Account<'info, RewardsConfig>,
}

impl UpdateConfig<'_> {
    /// Proposes a new admin and/or keeper authority (each takes its role by signing
    /// `accept_authority`); proposing again replaces a proposal, proposing the current key
    /// cancels it. `None` leaves a field as it is. Mint, vaults and schedule are fixed at
    /// initialize.
    pub fn handler(
        &mut self,
        new_admin: Option<Pubkey>,
        new_keeper_authority: Option<Pubkey>,
    ) -> Result<()> {
        let config = &mut self.config;
        // Handovers are two-step: a proposal here, `accept_authority` by the new key, so a
        // mistyped key can never take (or lock) a role.
        if let Some(admin) = new_admin {
            config.pending_admin =
                handover::proposal(config.admin, admin).ok_or(RewardsError::InvalidAuthority)?;
        }
        if let Some(keeper_authority) = new_keeper_authority {
            config.pending_keeper_authority =
                handover::proposal(config.keeper_authority, keeper_authority)
                    .ok_or(RewardsError::InvalidAuthority)?;
        }
        emit!(ConfigUpdated {
            admin: config.admin,
            keeper_authority: config.keeper_authority,
            pending_admin: config.pending_admin,
            pending_keeper_authority: config.pending_keeper_authority,
        });
        Ok(())
    }
}
