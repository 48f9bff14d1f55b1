use anchor_lang::prelude::*;
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
    /// `None` leaves a field as it is. Mint, vaults and schedule are fixed at initialize.
    pub fn handler(
        &mut self,
        new_admin: Option<Pubkey>,
        new_keeper_authority: Option<Pubkey>,
    ) -> Result<()> {
        let config = &mut self.config;
        if let Some(admin) = new_admin {
            // A zeroed admin would lock the config forever.
            require_keys_neq!(admin, Pubkey::default(), RewardsError::InvalidAuthority);
            config.admin = admin;
        }
        if let Some(keeper_authority) = new_keeper_authority {
            require_keys_neq!(
                keeper_authority,
                Pubkey::default(),
                RewardsError::InvalidAuthority
            );
            config.keeper_authority = keeper_authority;
        }
        emit!(ConfigUpdated {
            admin: config.admin,
            keeper_authority: config.keeper_authority
        });
        Ok(())
    }
}
