use anchor_lang::prelude::*;
use io_common::{handover, pda};

use crate::errors::EscrowError;
use crate::events::AuthorityAccepted;
use crate::state::EscrowConfig;

/// The second step of a handover: the key proposed by `update_config` (as admin and/or oracle
/// authority) signs, and takes every role proposed to it. A key that never signs never
/// holds a role, so a mistyped proposal changes nothing.
#[derive(Accounts)]
pub struct AcceptAuthority<'info> {
    pub new_authority: Signer<'info>,
    /// The `[CONFIG]` PDA.
    #[account(mut, address = pda::ESCROW_CONFIG @ EscrowError::WrongConfig)]
    pub config: Box<Account<'info, EscrowConfig>>,
}

impl AcceptAuthority<'_> {
    pub fn handler(&mut self) -> Result<()> {
        let key = self.new_authority.key();
        let config: &mut EscrowConfig = &mut self.config;
        let admin = handover::accept(&mut config.admin, &mut config.pending_admin, key);
        let oracle_authority = handover::accept(
            &mut config.oracle_authority,
            &mut config.pending_oracle_authority,
            key,
        );
        require!(admin || oracle_authority, EscrowError::NothingToAccept);
        emit!(AuthorityAccepted {
            authority: key,
            admin,
            oracle_authority,
        });
        Ok(())
    }
}
