use anchor_lang::prelude::*;
use io_common::pda::{create_pda_account, is_uncreated, PROVENANCE_CONFIG};
use io_common::seeds;

use crate::errors::ProvenanceError;
use crate::events::ConfigInitialized;
use crate::state::{ProvenanceConfig, CURRENT_VERSION};

#[derive(Accounts)]
pub struct Initialize<'info> {
    /// Becomes the config admin and pays for the config account.
    #[account(mut)]
    pub admin: Signer<'info>,

    /// The singleton config, created here once. The handler creates it (not Anchor's `init`),
    /// so lamports sent to this predictable address beforehand cannot block the deployment.
    /// CHECK: the fixed PDA [CONFIG] (address); must not exist yet (AlreadyInitialized);
    /// created and written by the handler.
    #[account(
        mut,
        address = crate::CONFIG_ADDRESS @ ProvenanceError::UnexpectedAccount,
        constraint = is_uncreated(&config) @ ProvenanceError::AlreadyInitialized,
    )]
    pub config: UncheckedAccount<'info>,

    pub system_program: Program<'info, System>,
}

impl<'info> Initialize<'info> {
    pub fn handler(&mut self, keeper_authority: Pubkey) -> Result<()> {
        require_keys_neq!(
            keeper_authority,
            Pubkey::default(),
            ProvenanceError::InvalidAuthority
        );
        let bump = PROVENANCE_CONFIG.bump;
        let space = 8 + ProvenanceConfig::INIT_SPACE;
        create_pda_account(
            &self.admin.to_account_info(),
            &self.config,
            &self.system_program.to_account_info(),
            space,
            &crate::ID,
            &[seeds::CONFIG, &[bump]],
        )?;
        let config = ProvenanceConfig {
            version: CURRENT_VERSION,
            admin: self.admin.key(),
            keeper_authority,
            next_sequence: 0,
            total_leaves: 0,
            bump,
            _reserved: [0; 64],
        };
        config.try_serialize(&mut &mut self.config.try_borrow_mut_data()?[..])?;
        emit!(ConfigInitialized {
            admin: self.admin.key(),
            keeper_authority
        });
        Ok(())
    }
}
