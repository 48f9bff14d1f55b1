use anchor_lang::prelude::*;
use io_common::handover;
use io_common::pda;

use crate::errors::ProvenanceError;
use crate::events::ConfigUpdated;
use crate::state::ProvenanceConfig;

#[derive(Accounts)]
pub struct UpdateConfig<'info> {
    /// The current admin.
    pub admin: Signer<'info>,

    /// The provenance config.
    #[account(
        mut,
        address = pda::PROVENANCE_CONFIG @ ProvenanceError::UnexpectedAccount,
        has_one = admin @ ProvenanceError::Unauthorized,
    )]
    pub config: AccountLoader<'info, ProvenanceConfig>,
}

impl UpdateConfig<'_> {
    /// Proposes a new admin and/or keeper authority (each takes its role by signing
    /// `accept_authority`); proposing again replaces a proposal, proposing the current key
    /// cancels it. `None` leaves a field as it is.
    pub fn handler(
        &mut self,
        new_admin: Option<Pubkey>,
        new_keeper_authority: Option<Pubkey>,
    ) -> Result<()> {
        let mut config = self.config.load_mut()?;
        // Handovers are two-step: a proposal here, `accept_authority` by the new key, so a
        // mistyped key can never take (or lock) a role.
        if let Some(admin) = new_admin {
            config.pending_admin =
                handover::proposal(config.admin, admin).ok_or(ProvenanceError::InvalidAuthority)?;
        }
        if let Some(keeper_authority) = new_keeper_authority {
            config.pending_keeper_authority =
                handover::proposal(config.keeper_authority, keeper_authority)
                    .ok_or(ProvenanceError::InvalidAuthority)?;
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
