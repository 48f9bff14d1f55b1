use anchor_lang::prelude::*;
use io_common::handover;

use crate::errors::ProvenanceError;

/// Singleton [CONFIG]: who may record batches, and where the batch sequence stands.
///
/// Zero-copy (a `#[repr(C)]` Pod, read in place through `AccountLoader`): deserializing it and
/// writing it back on exit cost `record_batch` about 1,100 units (measured on Agave 4.1.2;
/// budget 6,000). The layout has no implicit padding, so the bytes are those of the same fields
/// in Borsh.
#[account(zero_copy)]
pub struct ProvenanceConfig {
    pub version: u8,
    pub bump: u8,
    /// Keeps the 8-byte fields aligned (a Pod layout has no implicit padding).
    pub _padding: [u8; 6],
    pub admin: Pubkey,
    /// Records batches (the keeper; may be a multisig).
    pub keeper_authority: Pubkey,
    /// Proposed admin: becomes `admin` when it signs `accept_authority` (default: none).
    pub pending_admin: Pubkey,
    /// Proposed keeper authority, accepted the same way (default: none).
    pub pending_keeper_authority: Pubkey,
    /// Sequence number the next batch must carry.
    pub next_sequence: u64,
    /// Receipts recorded over all batches.
    pub total_leaves: u64,
}

impl ProvenanceConfig {
    /// Account size: discriminator and the Pod struct.
    pub const SPACE: usize = 8 + core::mem::size_of::<Self>();

    /// Promotes every role whose pending key is `signer` (and clears it); false if none is.
    pub fn accept(&mut self, signer: Pubkey) -> bool {
        let admin = handover::accept(&mut self.admin, &mut self.pending_admin, signer);
        let keeper_authority = handover::accept(
            &mut self.keeper_authority,
            &mut self.pending_keeper_authority,
            signer,
        );
        admin || keeper_authority
    }

    /// Accounts for a batch of `leaf_count` receipts numbered `sequence`, which must be the next one.
    pub fn record(&mut self, sequence: u64, leaf_count: u32) -> Result<()> {
        require!(
            sequence == self.next_sequence,
            ProvenanceError::SequenceMismatch
        );
        require!(leaf_count >= 1, ProvenanceError::EmptyBatch);
        self.next_sequence = self
            .next_sequence
            .checked_add(1)
            .ok_or(ProvenanceError::MathOverflow)?;
        self.total_leaves = self
            .total_leaves
            .checked_add(u64::from(leaf_count))
            .ok_or(ProvenanceError::MathOverflow)?;
        Ok(())
    }
}
