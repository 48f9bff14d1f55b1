use anchor_lang::prelude::*;
use anchor_lang::solana_program::bpf_loader_upgradeable;
use io_common::layout::ACCOUNT_VERSION;
use io_common::seeds;

use crate::errors::ProvenanceError;
use crate::events::ConfigInitialized;
use crate::state::ProvenanceConfig;

#[derive(Accounts)]
pub struct Initialize<'info> {
    /// Becomes the config admin (must be the program's upgrade authority) and pays for the config account.
    #[account(mut)]
    pub admin: Signer<'info>,
    /// This program (its account names its ProgramData).
    #[account(
        constraint = program.programdata_address()? == Some(program_data.key())
            @ ProvenanceError::WrongProgramData,
    )]
    pub program: Program<'info, crate::program::Provenance>,
    /// This program's ProgramData (PDA `[program id]` of the upgradeable loader): only the
    /// upgrade authority recorded there may initialize, so no one can take the protocol's
    /// authorities by initializing first.
    #[account(
        seeds = [crate::ID.as_ref()],
        bump,
        seeds::program = bpf_loader_upgradeable::ID,
        constraint = program_data.upgrade_authority_address == Some(admin.key())
            @ ProvenanceError::NotUpgradeAuthority,
    )]
    pub program_data: Account<'info, ProgramData>,

    /// The singleton config, PDA [CONFIG]. `init` creates it once (also when someone sent
    /// lamports to the address beforehand); a second initialize fails in the system program
    /// (account already in use).
    #[account(
        init,
        payer = admin,
        space = ProvenanceConfig::SPACE,
        seeds = [seeds::CONFIG],
        bump,
    )]
    pub config: AccountLoader<'info, ProvenanceConfig>,

    pub system_program: Program<'info, System>,
}

impl Initialize<'_> {
    pub fn handler(&mut self, bump: u8, keeper_authority: Pubkey) -> Result<()> {
        require_keys_neq!(
            keeper_authority,
            Pubkey::default(),
            ProvenanceError::InvalidAuthority
        );
        *self.config.load_init()? = ProvenanceConfig {
            version: ACCOUNT_VERSION,
            bump,
            _padding: [0; 6],
            admin: self.admin.key(),
            keeper_authority,
            pending_admin: Pubkey::default(),
            pending_keeper_authority: Pubkey::default(),
            next_sequence: 0,
            total_leaves: 0,
        };
        emit!(ConfigInitialized {
            admin: self.admin.key(),
            keeper_authority
        });
        Ok(())
    }
}
