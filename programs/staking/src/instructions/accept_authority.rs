use anchor_lang::prelude::*;
use io_common::pda;

use crate::errors::StakingError;
use crate::events::AuthorityAccepted;
use crate::state::StakingConfig;

/// The second step of a handover: the proposed key signs and takes every role it was proposed
/// for (`pending_admin`, `pending_slashing_authority`), so no role can pass to a key nobody
/// holds.
#[derive(Accounts)]
pub struct AcceptAuthority<'info> {
    /// A pending admin and/or slashing authority.
    pub new_authority: Signer<'info>,
    /// The `[CONFIG]` PDA.
    #[account(
        mut,
        address = pda::STAKING_CONFIG @ StakingError::WrongConfig,
        constraint = config.pending_admin == new_authority.key()
            || config.pending_slashing_authority == new_authority.key()
            @ StakingError::NothingToAccept,
    )]
    pub config: Box<Account<'info, StakingConfig>>,
}

impl AcceptAuthority<'_> {
    pub fn handler(&mut self) -> Result<()> {
        let signer = self.new_authority.key();
        require!(self.config.accept(signer), StakingError::NothingToAccept);
        emit!(AuthorityAccepted {
            authority: signer,
            admin: self.config.admin,
            slashing_authority: self.config.slashing_authority,
        });
        Ok(())
    }
}
