//! Inference provenance for the IO settlement layer.
//!
//! Every inference a node serves leaves a receipt (job, node, model hash, input hash, output
//! hash, timestamp). The keeper hashes receipts into Merkle trees off-chain
//! (`io_common::merkle::receipt_leaf`) and records one root per batch here, in strict sequence
//! order. Anyone can later prove a single receipt against its batch with `verify_receipt`.
use anchor_lang::prelude::*;

pub mod errors;
pub mod events;
pub mod instructions;
pub mod state;

use instructions::*;
pub use state::Receipt;

declare_id!("HcDV1UaandWxUnR3Dvp9aM195mpvNofpv5B24V3VtUFd");

#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "IO settlement: provenance",
    project_url: "https://io-settlement.example",
    contacts: "email:security@io-settlement.example",
    policy: "https://io-settlement.example/security",
    preferred_languages: "en",
    source_code: "https://io-settlement.example/source"
}

/// Seed of the config PDA: `[CONFIG_SEED]`.
#[constant]
pub const CONFIG_SEED: &[u8] = io_common::seeds::CONFIG;
/// Seed of a batch PDA: `[BATCH_SEED, sequence u64 LE]`.
#[constant]
pub const BATCH_SEED: &[u8] = io_common::seeds::BATCH;
/// Deepest receipt proof accepted (trees of up to 2^32 receipts).
#[constant]
pub const MAX_PROOF_LEN: u8 = io_common::merkle::MAX_PROOF_LEN as u8;
/// Prefix byte of a leaf hash: `sha256(0x00 || receipt fields)`.
#[constant]
pub const LEAF_PREFIX: u8 = io_common::merkle::LEAF_PREFIX;
/// Prefix byte of an inner node hash: `sha256(0x01 || min(a, b) || max(a, b))`.
#[constant]
pub const NODE_PREFIX: u8 = io_common::merkle::NODE_PREFIX;

#[program]
pub mod provenance {
    use super::*;

    /// Creates the singleton config. The signer becomes admin; `keeper_authority` records batches.
    pub fn initialize(ctx: Context<Initialize>, keeper_authority: Pubkey) -> Result<()> {
        ctx.accounts.handler(ctx.bumps.config, keeper_authority)
    }

    /// Admin only: proposes new keys for the admin or the keeper role (either may be a
    /// multisig); each takes its role by signing `accept_authority`.
    pub fn update_config(
        ctx: Context<UpdateConfig>,
        new_admin: Option<Pubkey>,
        new_keeper_authority: Option<Pubkey>,
    ) -> Result<()> {
        ctx.accounts.handler(new_admin, new_keeper_authority)
    }

    /// A proposed admin / keeper authority signs to take every role it was proposed for
    /// (NothingToAccept if it is pending for none).
    pub fn accept_authority(ctx: Context<AcceptAuthority>) -> Result<()> {
        ctx.accounts.handler()
    }

    /// Keeper only: records the Merkle root of the next batch of receipts.
    pub fn record_batch(
        ctx: Context<RecordBatch>,
        sequence: u64,
        root: [u8; 32],
        leaf_count: u32,
        first_ts: i64,
        last_ts: i64,
    ) -> Result<()> {
        ctx.accounts
            .handler(sequence, root, leaf_count, first_ts, last_ts)
    }

    /// Anyone: proves that `receipt` is a leaf of batch `sequence`; fails with InvalidProof otherwise.
    pub fn verify_receipt(
        ctx: Context<VerifyReceipt>,
        sequence: u64,
        receipt: Receipt,
        proof: Vec<[u8; 32]>,
    ) -> Result<()> {
        ctx.accounts.handler(sequence, receipt, proof)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn program_id_matches_io_common() {
        assert_eq!(super::ID, io_common::ids::PROVENANCE);
    }
}
