use anchor_lang::prelude::*;

use crate::state::{Completer, PaymentKind};

#[event]
pub struct EscrowInitialized {
    pub config: Pubkey,
    pub admin: Pubkey,
    pub oracle_authority: Pubkey,
    pub treasury: Pubkey,
    pub usdc_mint: Pubkey,
    pub io_mint: Pubkey,
    pub burn_vault: Pubkey,
    pub facilitation_fee_bps: u16,
    pub reservation_fee_bps: u16,
    pub network_fee_bps: u16,
    pub start_timeout_secs: i64,
    pub complete_grace_secs: i64,
    pub dispute_window_secs: i64,
    pub usdc_vault: Pubkey,
    pub io_vault: Pubkey,
}

/// Carries the settable part of the config after the update.
#[event]
pub struct EscrowConfigUpdated {
    pub admin: Pubkey,
    pub oracle_authority: Pubkey,
    pub pending_admin: Pubkey,
    pub pending_oracle_authority: Pubkey,
    pub treasury: Pubkey,
    pub start_timeout_secs: i64,
    pub complete_grace_secs: i64,
    pub dispute_window_secs: i64,
    pub paused: bool,
}

/// A renter's job-id ledger was created.
#[event]
pub struct RenterLedgerOpened {
    pub renter: Pubkey,
    pub ledger: Pubkey,
}

#[event]
pub struct JobOpened {
    pub job: Pubkey,
    pub job_id: u64,
    pub renter: Pubkey,
    pub node: Pubkey,
    pub payment_mint: Pubkey,
    pub payment_kind: PaymentKind,
    pub price_per_hour: u64,
    pub hours_reserved: u32,
    pub reserved_cost: u64,
    pub reservation_fee: u64,
    pub facilitation_fee: u64,
    pub deposit: u64,
    pub created_at: i64,
    pub start_deadline: i64,
}

#[event]
pub struct JobStarted {
    pub job: Pubkey,
    pub node: Pubkey,
    pub started_at: i64,
    pub complete_deadline: i64,
}

#[event]
pub struct JobCompleted {
    pub job: Pubkey,
    pub node: Pubkey,
    /// The node key, the oracle authority, or the renter (`stop_job`).
    pub completed_by: Pubkey,
    pub completer: Completer,
    pub hours_used: u32,
    pub completed_at: i64,
    /// Settlement waits until after this.
    pub dispute_deadline: i64,
}

/// The renter (or the node, against an oracle completion) disputed the reported hours.
#[event]
pub struct JobDisputed {
    pub job: Pubkey,
    pub disputed_by: Pubkey,
    pub hours_reported: u32,
    pub disputed_at: i64,
}

/// The arbiter decided a dispute: `hours_used` is final.
#[event]
pub struct DisputeResolved {
    pub job: Pubkey,
    pub arbiter: Pubkey,
    pub hours_reported: u32,
    pub hours_used: u32,
    pub resolved_at: i64,
}

/// A key signed `accept_authority` and now holds the roles proposed to it.
#[event]
pub struct AuthorityAccepted {
    pub authority: Pubkey,
    pub admin: bool,
    pub oracle_authority: bool,
}

/// Every figure of a settlement: deposit == node_payout + token_share + treasury_fees + refund.
#[event]
pub struct JobSettled {
    pub job: Pubkey,
    pub operator: Pubkey,
    pub payment_mint: Pubkey,
    pub payment_kind: PaymentKind,
    pub hours_used: u32,
    pub deposit: u64,
    pub network_fee: u64,
    pub facilitation_fee_charged: u64,
    pub reservation_fee: u64,
    /// reservation fee + facilitation fee charged + network fee.
    pub treasury_fees: u64,
    pub token_share_bps: u16,
    /// To the burn vault (IO) or with the fees to the treasury's token account (USDC buy-back).
    pub token_share: u64,
    pub node_payout: u64,
    pub refund: u64,
    pub settled_at: i64,
}

/// A job ended without running: by the renter before start (`reclaimed == false`) or
/// after the node missed a deadline (`reclaimed == true`).
#[event]
pub struct JobCancelled {
    pub job: Pubkey,
    pub job_id: u64,
    pub renter: Pubkey,
    pub node: Pubkey,
    pub payment_mint: Pubkey,
    pub reclaimed: bool,
    pub deposit: u64,
    pub reservation_fee: u64,
    pub refund: u64,
    pub cancelled_at: i64,
}
