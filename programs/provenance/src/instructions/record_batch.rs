use anchor_lang::prelude::*;
use anchor_lang::system_program::{
    allocate, assign, create_account, transfer, Allocate, Assign, CreateAccount, Transfer,
};
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
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = keeper_authority @ ProvenanceError::Unauthorized,
        constraint = sequence == config.next_sequence @ ProvenanceError::SequenceMismatch,
    )]
    pub config: Account<'info, ProvenanceConfig>,

    /// The new batch, [BATCH, sequence u64 LE] (address checked by `seeds`). The handler
    /// creates it, so every check above runs first: an Anchor `init` here would create the
    /// account while the accounts are loaded, before the sequence constraint, and a replayed
    /// sequence would die in the system program instead of failing with SequenceMismatch.
    /// The handler also creates it when someone sent lamports to the (predictable) address
    /// beforehand, which would otherwise block the sequence forever.
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

    /// Creates the batch PDA owned by this program, rent paid by the keeper. A pre-funded
    /// address is topped up, allocated and assigned (the path every cluster supports).
    fn create_batch_account(&self, bump: u8, sequence: u64) -> Result<()> {
        let batch = self.batch.to_account_info();
        require_keys_eq!(
            *batch.owner,
            System::id(),
            ProvenanceError::BatchAddressInUse
        );
        require!(batch.data_is_empty(), ProvenanceError::BatchAddressInUse);

        let space = 8 + Batch::INIT_SPACE;
        let required = Rent::get()?.minimum_balance(space);
        let sequence_bytes = sequence.to_le_bytes();
        let bump_bytes = [bump];
        let signer: &[&[&[u8]]] = &[&[seeds::BATCH, &sequence_bytes, &bump_bytes]];
        let system = self.system_program.key();
        let payer = self.keeper_authority.to_account_info();

        let current = batch.lamports();
        if current == 0 {
            return create_account(
                CpiContext::new(
                    system,
                    CreateAccount {
                        from: payer,
                        to: batch,
                    },
                )
                .with_signer(signer),
                required,
                space as u64,
                &crate::ID,
            );
        }
        let top_up = required.saturating_sub(current);
        if top_up > 0 {
            transfer(
                CpiContext::new(
                    system,
                    Transfer {
                        from: payer,
                        to: batch.clone(),
                    },
                ),
                top_up,
            )?;
        }
        allocate(
            CpiContext::new(
                system,
                Allocate {
                    account_to_allocate: batch.clone(),
                },
            )
            .with_signer(signer),
            space as u64,
        )?;
        assign(
            CpiContext::new(
                system,
                Assign {
                    account_to_assign: batch,
                },
            )
            .with_signer(signer),
            &crate::ID,
        )
    }
}
