use anchor_lang::prelude::*;
use io_common::seeds;

use crate::errors::StakingError;
use crate::state::{SlashEvidence, SlashRecord};

/// Read-only, anyone (clients simulate it): checks that `evidence_hash` was used by a slash and
/// that `slash_record` is the record that slash left. Fails when the evidence was never used
/// (its account does not exist) or the record is another one.
#[derive(Accounts)]
#[instruction(evidence_hash: [u8; 32])]
pub struct VerifySlash<'info> {
    /// The evidence marker, PDA `[SLASH_EVIDENCE, evidence_hash]` (created only by `slash`).
    #[account(
        constraint = io_common::is_program_address!(&evidence.key(), [seeds::SLASH_EVIDENCE, &evidence_hash, &[evidence.bump]], crate::ID)
            @ ErrorCode::ConstraintSeeds,
    )]
    pub evidence: Account<'info, SlashEvidence>,
    /// The record of the slash that used the evidence.
    #[account(
        constraint = slash_record.key() == evidence.slash_record @ StakingError::WrongSlashRecord,
    )]
    pub slash_record: Account<'info, SlashRecord>,
}

impl VerifySlash<'_> {
    pub fn handler(&self, evidence_hash: [u8; 32]) -> Result<()> {
        require!(
            self.slash_record.evidence_hash == evidence_hash,
            StakingError::WrongSlashRecord
        );
        Ok(())
    }
}
