use anchor_lang::prelude::*;
use io_common::seeds;

use crate::state::SlashRecord;

/// Read-only, anyone (clients simulate it): checks that `evidence_hash` was used by a slash, whose
/// record is `slash_record`, PDA `[SLASH, evidence_hash]` (created only by `slash`). Fails when
/// the evidence was never used (the record does not exist) or the record is another one.
#[derive(Accounts)]
#[instruction(evidence_hash: [u8; 32])]
pub struct VerifySlash<'info> {
    #[account(
        constraint = io_common::is_program_address!(&slash_record.key(), [seeds::SLASH, &evidence_hash, &[slash_record.bump]], crate::ID)
            @ ErrorCode::ConstraintSeeds,
    )]
    pub slash_record: Account<'info, SlashRecord>,
}

impl VerifySlash<'_> {
    pub fn handler(&mut self, _evidence_hash: [u8; 32]) -> Result<()> {
        Ok(())
    }
}
