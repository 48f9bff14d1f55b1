use anchor_lang::prelude::*;
use io_common::seeds;

use crate::errors::ProvenanceError;
use crate::events::ReceiptVerified;
use crate::state::{Batch, Receipt};

#[derive(Accounts)]
#[instruction(sequence: u64)]
pub struct VerifyReceipt<'info> {
    /// The batch the receipt is claimed to belong to (created only by `record_batch`, once per
    /// sequence, at its PDA [BATCH, sequence u64 LE]), so the Batch that stores `sequence` is
    /// that PDA.
    #[account(
        constraint = io_common::is_program_address!(&batch.key(), [seeds::BATCH, &sequence.to_le_bytes(), &[batch.bump]], crate::ID)
            @ ErrorCode::ConstraintSeeds,
    )]
    pub batch: Account<'info, Batch>,
}

impl VerifyReceipt<'_> {
    /// Read-only: succeeds (and emits ReceiptVerified) only if `proof` leads from the
    /// receipt's leaf to the batch root.
    pub fn handler(&mut self, sequence: u64, receipt: Receipt, proof: Vec<[u8; 32]>) -> Result<()> {
        require!(
            proof.len() <= io_common::merkle::MAX_PROOF_LEN,
            ProvenanceError::ProofTooLong
        );
        let leaf = self.batch.verify(&receipt, &proof)?;
        emit!(ReceiptVerified {
            batch: self.batch.key(),
            sequence,
            leaf,
            job: receipt.job,
            node: receipt.node,
            timestamp: receipt.timestamp,
        });
        Ok(())
    }
}
