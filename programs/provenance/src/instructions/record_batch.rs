use anchor_lang::prelude::*;
use io_common::{pda, seeds};

use crate::errors::ProvenanceError;
use crate::events::BatchRecorded;
use crate::state::{Batch, ProvenanceConfig, ACCOUNT_VERSION};

#[derive(Accounts)]
#[instruction(sequence: u64)]
pub struct RecordBatch<'info> {
    /// The provenance config: keeper check and the batch sequence.
    #[account(
        mut,
        address = pda::PROVENANCE_CONFIG @ ProvenanceError::UnexpectedAccount,
        has_one = keeper_authority @ ProvenanceError::Unauthorized,
        constraint = sequence == config.next_sequence @ ProvenanceError::SequenceMismatch,
    )]
    pub config: Account<'info, ProvenanceConfig>,

    /// The new batch, PDA [BATCH, sequence u64 LE], created here (also when someone sent
    /// lamports to the address beforehand). Anchor creates `init` accounts before it checks
    /// the other accounts' constraints, so a replayed sequence fails in the system program
    /// (account already in use) and a future one with SequenceMismatch, which reverts it.
    #[account(
        init,
        payer = keeper_authority,
        space = 8 + Batch::INIT_SPACE,
        seeds = [seeds::BATCH, &sequence.to_le_bytes()],
        bump,
    )]
    pub batch: Account<'info, Batch>,

    /// The keeper; signs and pays the batch's rent.
    #[account(mut)]
    pub keeper_authority: Signer<'info>,

    pub system_program: Program<'info, System>,
}

impl RecordBatch<'_> {
    pub fn handler(
        &mut self,
        bump: u8,
        sequence: u64,
        root: [u8; 32],
        leaf_count: u32,
        first_ts: i64,
        last_ts: i64,
    ) -> Result<()> {
        require!(root != [0; 32], ProvenanceError::InvalidRoot);
        let now = Clock::get()?.unix_timestamp;
        Batch::check_window(first_ts, last_ts, now)?;
        self.config.record(sequence, leaf_count)?;

        let recorder = self.keeper_authority.key();
        self.batch.set_inner(Batch {
            version: ACCOUNT_VERSION,
            sequence,
            root,
            leaf_count,
            first_ts,
            last_ts,
            recorded_at: now,
            recorder,
            bump,
            _reserved: [0; 64],
        });
        emit!(BatchRecorded {
            batch: self.batch.key(),
            sequence,
            root,
            leaf_count,
            first_ts,
            last_ts,
            recorder,
            total_leaves: self.config.total_leaves,
        });
        Ok(())
    }
}
