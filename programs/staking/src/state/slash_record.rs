use anchor_lang::prelude::*;

/// A slash `reason` is at most this many bytes.
pub const MAX_SLASH_REASON_LEN: usize = 64;

/// Permanent record of one slash, PDA `[SLASH, evidence_hash]`: one per evidence, ever. Created
/// by the slash that used the evidence, so the same evidence can never slash again (any node, any
/// caller): the record is the evidence's mark.
#[account]
#[derive(InitSpace, Debug)]
pub struct SlashRecord {
    pub version: u8,
    pub bump: u8,
    pub node: Pubkey,
    /// The node's `slash_count` before this slash.
    pub index: u32,
    pub authority: Pubkey,
    pub fraction_bps: u16,
    /// Total IO taken from the pool.
    pub amount: u64,
    /// Part of `amount` sent to the burn vault.
    pub burned: u64,
    /// Owner of the reporter's token account (default key when there was no reporter).
    pub reporter: Pubkey,
    pub reporter_amount: u64,
    pub evidence_hash: [u8; 32],
    #[max_len(MAX_SLASH_REASON_LEN)]
    pub reason: String,
    pub stake_before: u64,
    pub stake_after: u64,
    pub timestamp: i64,
    pub _reserved: [u8; 64],
}
