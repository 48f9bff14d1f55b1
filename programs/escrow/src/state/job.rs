use anchor_lang::prelude::*;
use io_common::economics::SECONDS_PER_HOUR;

use crate::errors::EscrowError;
use crate::math::JobQuote;

/// How long the arbiter has to decide a dispute; after it the reported hours stand.
pub const DISPUTE_RESOLUTION_SECS: i64 = 7 * 24 * 3_600;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum PaymentKind {
    /// Paid in USDC: facilitation fee applies; the node's token share buys back IO (treasury).
    Usdc,
    /// Paid in IO: no facilitation fee; the node's token share is burned.
    Io,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum JobStatus {
    /// Deposit held; waiting for the node to start.
    Open,
    /// Running; waiting for completion.
    Started,
    /// Hours used are known; settles once the dispute window has passed.
    Completed,
    /// The renter (or, for an oracle completion, the node) disputed the hours; the arbiter
    /// decides them with `resolve_dispute`.
    Disputed,
}

/// Who reported a job's hours.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum Completer {
    /// Not completed yet.
    None,
    /// The node's device key (`complete_job`).
    Node,
    /// The oracle authority on the network's behalf (`complete_job`).
    Oracle,
    /// The renter stopped the job early (`stop_job`): billed for the hours begun.
    Renter,
}

/// A GPU rental. PDA `[JOB, renter, job_id u64 LE]`; its deposit sits in the escrow vault of
/// its payment mint, whose address the job records.
///
/// Created only by `open_job`, at its canonical PDA, so an escrow-owned `Job` (what `Account<Job>`
/// checks) is always at its PDA: later instructions identify it by type and by `has_one`, without
/// re-deriving the address (`seeds` + `bump` costs a 1,500-unit `create_program_address`; a hash
/// check ~300: start_job measured 4,217 CU with the hash check, budget 4,000, on Agave 4.1.2).
/// The job carries the protocol terms of its time (grace, dispute window), so the renter's terms
/// never change under a running job and start/complete need not read the config.
#[account]
#[derive(InitSpace, Debug)]
pub struct Job {
    pub version: u8,
    pub bump: u8,
    /// Chosen by the renter; never reused by the same renter (its `RenterLedger`).
    pub job_id: u64,
    pub renter: Pubkey,
    /// The staking program's Node account.
    pub node: Pubkey,
    /// The node's device key (signs start and complete).
    pub node_key: Pubkey,
    pub payment_mint: Pubkey,
    pub payment_kind: PaymentKind,
    pub price_per_hour: u64,
    pub hours_reserved: u32,
    pub hours_used: u32,
    /// hours_reserved × price_per_hour.
    pub reserved_cost: u64,
    /// 0.25 % of reserved_cost, rounded up; kept even on cancel.
    pub reservation_fee: u64,
    /// 2 % of reserved_cost, rounded up (USDC only); the unused part is refunded.
    pub facilitation_fee: u64,
    pub status: JobStatus,
    pub created_at: i64,
    pub started_at: i64,
    pub completed_at: i64,
    pub start_deadline: i64,
    pub complete_deadline: i64,
    /// The escrow vault of the payment mint (`config.usdc_vault` or `config.io_vault`),
    /// recorded at open so later instructions check it with a 32-byte compare.
    pub vault: Pubkey,
    pub completed_by: Completer,
    /// completed_at + the dispute window: settle waits for it (0 before completion).
    pub dispute_deadline: i64,
    /// When the job was disputed (0: never). A job is disputed at most once.
    pub disputed_at: i64,
    /// `config.complete_grace_secs` at open.
    pub complete_grace_secs: i64,
    /// `config.dispute_window_secs` at open.
    pub dispute_window_secs: i64,
    pub _reserved: [u8; 16],
}

impl Job {
    /// The deposit terms recorded at open.
    pub fn quote(&self) -> std::result::Result<JobQuote, EscrowError> {
        let deposit = self
            .reserved_cost
            .checked_add(self.reservation_fee)
            .and_then(|sum| sum.checked_add(self.facilitation_fee))
            .ok_or(EscrowError::MathOverflow)?;
        Ok(JobQuote {
            reserved_cost: self.reserved_cost,
            reservation_fee: self.reservation_fee,
            facilitation_fee: self.facilitation_fee,
            deposit,
        })
    }

    /// Seconds from open until the node must have started.
    pub fn start_deadline(
        created_at: i64,
        start_timeout_secs: i64,
    ) -> std::result::Result<i64, EscrowError> {
        created_at
            .checked_add(start_timeout_secs)
            .ok_or(EscrowError::MathOverflow)
    }

    /// started_at + reserved hours + grace: after it, a started job can be reclaimed.
    pub fn complete_deadline(
        started_at: i64,
        hours_reserved: u32,
        complete_grace_secs: i64,
    ) -> std::result::Result<i64, EscrowError> {
        i64::from(hours_reserved)
            .checked_mul(SECONDS_PER_HOUR)
            .and_then(|secs| secs.checked_add(started_at))
            .and_then(|at| at.checked_add(complete_grace_secs))
            .ok_or(EscrowError::MathOverflow)
    }

    /// Hours that may be billed `now`: every started hour since `started_at` counts, so a
    /// node cannot bill hours that have not begun yet.
    pub fn billable_hours(started_at: i64, now: i64) -> u64 {
        let elapsed = now.saturating_sub(started_at).max(0) as u64;
        elapsed.div_ceil(SECONDS_PER_HOUR as u64)
    }

    /// Whether the renter may take the deposit back at `now` (the node missed a deadline).
    pub fn is_reclaimable(&self, now: i64) -> bool {
        match self.status {
            JobStatus::Open => now > self.start_deadline,
            JobStatus::Started => now > self.complete_deadline,
            JobStatus::Completed | JobStatus::Disputed => false,
        }
    }

    /// Records the hours used and opens the dispute window.
    pub fn complete(
        &mut self,
        hours_used: u32,
        completer: Completer,
        now: i64,
        dispute_window_secs: i64,
    ) -> std::result::Result<(), EscrowError> {
        self.status = JobStatus::Completed;
        self.hours_used = hours_used;
        self.completed_at = now;
        self.completed_by = completer;
        self.dispute_deadline = now
            .checked_add(dispute_window_secs)
            .ok_or(EscrowError::MathOverflow)?;
        Ok(())
    }

    /// Whether settlement may run at `now`: completed and past the dispute window, or disputed
    /// and left undecided for `DISPUTE_RESOLUTION_SECS` (the reported hours then stand, so a
    /// deposit is never held by an absent arbiter).
    pub fn is_settleable(&self, now: i64) -> bool {
        match self.status {
            // A decided dispute settles at once.
            JobStatus::Completed => now > self.dispute_deadline || self.disputed_at != 0,
            JobStatus::Disputed => now > self.disputed_at.saturating_add(DISPUTE_RESOLUTION_SECS),
            JobStatus::Open | JobStatus::Started => false,
        }
    }
}
