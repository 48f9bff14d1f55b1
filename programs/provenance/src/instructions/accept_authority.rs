use anchor_lang::prelude::*;
use io_common::pda;

use crate::errors::ProvenanceError;
use crate::events::AuthorityAccepted;
use crate::state::ProvenanceConfig;

/// The second step of a handover: the proposed key signs and takes every role it was proposed
/// for (`pending_admin`, `pending_keeper_authority`), so no role can pass to a key nobody holds.
#[derive(Accounts)]
pub struct AcceptAuthority<'info> {
    /// A pending admin and/or keeper authority.
    pub new_authority: Signer<'info>,

    /// The provenance config.
    #[account(
        mut,
        address = pda::PROVENANCE_CONFIG @ ProvenanceError::UnexpectedAccount,
        constraint = config.load()?.pending_admin == new_authority.key()
            || config.load()?.pending_keeper_authority == new_authority.key()
            @ ProvenanceError::NothingToAccept,
    )]
    pub config: AccountLoader<'info, ProvenanceConfig>,
}

impl AcceptAuthority<'_> {
    pub fn handler(&mut self) -> Result<()> {
        let signer = self.new_authority.key();
        let mut config = self.config.load_mut()?;
        require!(config.accept(signer), ProvenanceError::NothingToAccept);
        emit!(AuthorityAccepted {
            authority: signer,
            admin: config.admin,
            keeper_authority: config.keeper_authority,
        });
        Ok(())
    }
}
