use anchor_lang::prelude::*;
use io_common::pda;

use crate::errors::RewardsError;
use crate::events::AuthorityAccepted;
use crate::state::RewardsConfig;

/// The second step of a handover: the proposed key signs and takes every role it was proposed
/// for (`pending_admin`, `pending_keeper_authority`), so no role can pass to a key nobody holds.
#[derive(Accounts)]
pub struct AcceptAuthority<'info> {
    /// A pending admin and/or keeper authority.
    pub new_authority: Signer<'info>,

    /// The rewards config.
    #[account(
        mut,
        address = pda::REWARDS_CONFIG @ RewardsError::UnexpectedAccount,
        constraint = config.pending_admin == new_authority.key()
            || config.pending_keeper_authority == new_authority.key()
            @ RewardsError::NothingToAccept,
    )]
    pub config: Account<'info, RewardsConfig>,
}

impl AcceptAuthority<'_> {
    pub fn handler(&mut self) -> Result<()> {
        let signer = self.new_authority.key();
        require!(self.config.accept(signer), RewardsError::NothingToAccept);
        emit!(AuthorityAccepted {
            authority: signer,
            admin: self.config.admin,
            keeper_authority: self.config.keeper_authority,
        });
        Ok(())
    }
}
