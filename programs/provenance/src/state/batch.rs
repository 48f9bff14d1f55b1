use anchor_lang::prelude::*;
use io_common::merkle;

use crate::errors::ProvenanceError;

/// One recorded batch [BATCH, sequence u64 LE]: the root of a Merkle tree of receipts.
///
/// Created only by `init` in `record_batch`, at that PDA. Later instructions check the address
/// with `io_common::is_program_address!` over the same seeds and the stored `bump`: what
/// `seeds` + `bump = x.bump` checks, without `create_program_address`'s 1,500 units (measured
/// on Agave 4.1.2: verify_receipt 5,584 CU with `seeds`, 4,216 with this (budget 5,000)).
#[account]
#[derive(InitSpace)]
pub struct Batch {
    pub version: u8,
    pub sequence: u64,
    pub root: [u8; 32],
    /// Receipts in the tree (≥ 1).
    pub leaf_count: u32,
    /// Earliest and latest receipt timestamp in the batch (unix seconds).
    pub first_ts: i64,
    pub last_ts: i64,
    pub recorded_at: i64,
    /// The keeper authority that recorded it.
    pub recorder: Pubkey,
    pub bump: u8,
    pub _reserved: [u8; 64],
}

impl Batch {
    /// A batch covers receipts already issued: `first_ts <= last_ts <= now`.
    pub fn check_window(first_ts: i64, last_ts: i64, now: i64) -> Result<()> {
        require!(
            first_ts <= last_ts && last_ts <= now,
            ProvenanceError::InvalidTimeWindow
        );
        Ok(())
    }

    /// Deepest proof a tree of `leaf_count` leaves can need: ceil(log2(leaf_count)).
    /// (Odd levels promote their last node, so no leaf needs more.)
    pub fn max_proof_len(leaf_count: u32) -> usize {
        (u32::BITS - leaf_count.saturating_sub(1).leading_zeros()) as usize
    }

    /// Checks `proof` for `receipt` against this batch and returns the receipt's leaf hash.
    pub fn verify(&self, receipt: &Receipt, proof: &[[u8; 32]]) -> Result<[u8; 32]> {
        require!(
            self.first_ts <= receipt.timestamp && receipt.timestamp <= self.last_ts,
            ProvenanceError::ReceiptOutsideBatchWindow
        );
        require!(
            proof.len() <= Self::max_proof_len(self.leaf_count),
            ProvenanceError::ProofTooLong
        );
        let leaf = receipt.leaf();
        require!(
            merkle::verify(proof, &self.root, leaf),
            ProvenanceError::InvalidProof
        );
        Ok(leaf)
    }
}

/// One inference receipt, as hashed into a batch (`io_common::merkle::receipt_leaf`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The escrow Job PDA the inference ran under.
    pub job: Pubkey,
    /// The staking Node PDA that served it.
    pub node: Pubkey,
    pub model_hash: [u8; 32],
    pub input_hash: [u8; 32],
    pub output_hash: [u8; 32],
    /// Unix seconds.
    pub timestamp: i64,
}

impl Receipt {
    pub fn leaf(&self) -> [u8; 32] {
        merkle::receipt_leaf(
            &self.job.to_bytes(),
            &self.node.to_bytes(),
            &self.model_hash,
            &self.input_hash,
            &self.output_hash,
            self.timestamp,
        )
    }
}
