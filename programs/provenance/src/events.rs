use anchor_lang::prelude::*;

#[event]
pub struct ConfigInitialized {
    pub admin: Pubkey,
    pub keeper_authority: Pubkey,
}

/// The roles after `update_config`: proposals wait in the pending fields (default: none).
#[event]
pub struct ConfigUpdated {
    pub admin: Pubkey,
    pub keeper_authority: Pubkey,
    pub pending_admin: Pubkey,
    pub pending_keeper_authority: Pubkey,
}

/// A pending authority signed `accept_authority`: the roles after it.
#[event]
pub struct AuthorityAccepted {
    /// The signer: now holds every role it was proposed for.
    pub authority: Pubkey,
    pub admin: Pubkey,
    pub keeper_authority: Pubkey,
}

#[event]
pub struct BatchRecorded {
    pub batch: Pubkey,
    pub sequence: u64,
    pub root: [u8; 32],
    pub leaf_count: u32,
    pub first_ts: i64,
    pub last_ts: i64,
    pub recorder: Pubkey,
    /// Receipts recorded over all batches, this one included.
    pub total_leaves: u64,
}

#[event]
pub struct ReceiptVerified {
    pub batch: Pubkey,
    pub sequence: u64,
    pub leaf: [u8; 32],
    pub job: Pubkey,
    pub node: Pubkey,
    pub timestamp: i64,
}
