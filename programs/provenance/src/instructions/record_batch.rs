use anchor_lang::prelude::*;
use io_common::pda::{create_pda_account, is_uncreated};
use io_common::seeds;

use crate::errors::ProvenanceError;
use crate::events::BatchRecorded;
use crate::state::{Batch, ProvenanceConfig, CURRENT_VERSION};

#[derive(Accounts)]
#[instruction(sequence: u64)]
pub struct RecordBatch<'info> {
    /// The provenance config: keeper check and the batch sequence.
    #[account(
        mut,
        address = crate::CONFIG_ADDRESS @ ProvenanceError::UnexpectedAccount,
        has_one = keeper_authority @ ProvenanceError::Unauthorized,
        constraint = sequence == config.next_sequence @ ProvenanceError::SequenceMismatch,
    )]
    pub config: Account<'info, ProvenanceConfig>,

    /// The new batch, [BATCH, sequence u64 LE] (address checked by `seeds`). The handler
    /// creates it, so every check above runs first: an Anchor `init` here would create the
    /// account while the accounts are loaded, before the sequence constraint, and a replayed
    /// sequence would die in the system program instead of failing with SequenceMismatch.
    /// The handler also creates it when someone sent lamports to the (predictable) address
    /// beforehand, which would otherwise block the sequence forever
    /// (`io_common::pda::create_pda_account`).
    /// CHECK: created and written by the handler, at the address `seeds` checks.
    #[account(mut, seeds = [seeds::BATCH, &sequence.to_le_bytes()], bump)]
    pub batch: UncheckedAccount<'info>,

    /// The keeper; signs and pays the batch's rent.
    #[account(mut)]
    pub keeper_authority: Signer<'info>,

    pub system_program: Program<'info, System>,
}

impl<'info> RecordBatch<'info> {
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
        self.create_batch_account(bump, sequence)?;
        let batch = Batch {
            version: CURRENT_VERSION,
            sequence,
            root,
            leaf_count,
            first_ts,
            last_ts,
            recorded_at: now,
            recorder,
            bump,
            _reserved: [0; 64],
        };
        let info = self.batch.to_account_info();
        batch.try_serialize(&mut &mut info.try_borrow_mut_data()?[..])?;

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

    /// Creates the batch PDA owned by this program, rent paid by the keeper; an address that
    /// already holds an account (not reachable through this program) is BatchAddressInUse.
    fn create_batch_account(&self, bump: u8, sequence: u64) -> Result<()> {
        require!(
            is_uncreated(&self.batch),
            ProvenanceError::BatchAddressInUse
        );
        create_pda_account(
            &self.keeper_authority.to_account_info(),
            &self.batch,
            &self.system_program.to_account_info(),
            8 + Batch::INIT_SPACE,
            &crate::ID,
            &[seeds::BATCH, &sequence.to_le_bytes(), &[bump]],
        )
    }
}
