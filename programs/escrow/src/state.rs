//! Accounts of the escrow program and the money arithmetic of a job.
//!
//! All amounts are in the payment mint's base units. A job's deposit is fixed at
//! `open_job` ([`FeeSchedule::quote`]), and every way out of the escrow — settle, cancel,
//! reclaim — divides exactly that deposit ([`settlement_split`], [`cancellation_split`]):
//! `deposit == node_payout + token_share + treasury_fees + refund`, to the base unit.
//! Every figure of a split is at most the deposit, so once a deposit fits in u64 no later
//! step can overflow: an oversized job fails cleanly at `open_job`, never at settle.

use anchor_lang::prelude::*;
use io_common::economics::{
    fee_ceil, share_floor, BPS_DENOMINATOR, FACILITATION_FEE_BPS, NETWORK_FEE_BPS,
    RESERVATION_FEE_BPS, SECONDS_PER_HOUR,
};

use crate::errors::EscrowError;

/// Upper bound of the start timeout and the completion grace (one year): keeps deadline
/// arithmetic far from i64 limits and a misconfiguration from locking deposits for ages.
pub const MAX_TIMEOUT_SECS: i64 = 365 * 24 * 3_600;

/// Bounds of the dispute window: at least a minute (a renter must be able to react), at most a
/// week (a node's pay is not held longer than that without a dispute).
pub const MIN_DISPUTE_WINDOW_SECS: i64 = 60;
pub const MAX_DISPUTE_WINDOW_SECS: i64 = 7 * 24 * 3_600;
/// How long the arbiter has to decide a dispute; after it the reported hours stand.
pub const DISPUTE_RESOLUTION_SECS: i64 = 7 * 24 * 3_600;

/// Protocol settings. PDA `[CONFIG]`; also the token authority of the escrow vaults.
#[account]
#[derive(InitSpace, Debug)]
pub struct EscrowConfig {
    pub version: u8,
    pub bump: u8,
    /// Changes this config; decides disputes of the oracle's own completions.
    pub admin: Pubkey,
    /// The keeper: may complete jobs as the network's oracle and decides disputes of node
    /// completions.
    pub oracle_authority: Pubkey,
    /// Treasury wallet; fees and USDC buy-back go to its token accounts (normally its ATAs).
    pub treasury: Pubkey,
    pub usdc_mint: Pubkey,
    /// The rewards program's PDA `[IO_MINT]`.
    pub io_mint: Pubkey,
    /// The rewards program's PDA `[BURN_VAULT]`: IO token shares go here.
    pub burn_vault: Pubkey,
    /// `[ESCROW_VAULT, usdc_mint]`: holds the deposits of every open USDC job.
    pub usdc_vault: Pubkey,
    /// `[ESCROW_VAULT, io_mint]`: holds the deposits of every open IO job.
    pub io_vault: Pubkey,
    /// Protocol fees, copied from io_common at initialize (shown to explorers; not settable).
    pub facilitation_fee_bps: u16,
    pub reservation_fee_bps: u16,
    pub network_fee_bps: u16,
    /// A job not started this long after it was opened can be reclaimed by its renter.
    pub start_timeout_secs: i64,
    /// Extra time after the reserved hours before a started job can be reclaimed.
    pub complete_grace_secs: i64,
    /// After a completion, how long the job can be disputed before it settles.
    pub dispute_window_secs: i64,
    /// When set, no new jobs can be opened; running jobs finish and pay out as usual.
    pub paused: bool,
    /// Proposed admin: becomes admin when it signs `accept_authority` (default: none).
    pub pending_admin: Pubkey,
    /// Proposed oracle authority, accepted the same way.
    pub pending_oracle_authority: Pubkey,
    pub _reserved: [u8; 64],
}

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

/// Job ids a renter has used, PDA `[RENTER, renter]`, created by `open_renter_ledger` (only there).
/// Ids below `window_start` are all spent; within the 256 ids from `window_start` on,
/// `used_ids` marks the spent ones (bit i = id `window_start + i`). A higher id slides the
/// window up. So a closed job's id (and its address) never names another job, while a renter
/// may still open up to 256 jobs concurrently in any landing order.
#[account]
#[derive(InitSpace, Debug)]
pub struct RenterLedger {
    pub version: u8,
    pub bump: u8,
    pub renter: Pubkey,
    /// Every id below this one is spent.
    pub window_start: u64,
    /// Spent ids of `window_start..window_start + 256`.
    pub used_ids: [u64; 4],
    pub jobs_opened: u64,
}

/// Ids tracked individually above `RenterLedger::window_start`.
pub const JOB_ID_WINDOW: u64 = 256;

impl RenterLedger {
    /// Takes `job_id` for a new job: refused when spent (below the window, or marked in it).
    pub fn take(&mut self, job_id: u64) -> std::result::Result<(), EscrowError> {
        if job_id < self.window_start {
            return Err(EscrowError::JobIdReused);
        }
        let mut offset = job_id - self.window_start;
        if offset >= JOB_ID_WINDOW {
            let shift = offset - (JOB_ID_WINDOW - 1);
            self.window_start = self
                .window_start
                .checked_add(shift)
                .ok_or(EscrowError::MathOverflow)?;
            self.used_ids = shift_down(self.used_ids, shift);
            offset = JOB_ID_WINDOW - 1;
        }
        let (word, bit) = ((offset / 64) as usize, offset % 64);
        if self.used_ids[word] & (1 << bit) != 0 {
            return Err(EscrowError::JobIdReused);
        }
        self.used_ids[word] |= 1 << bit;
        self.jobs_opened = self
            .jobs_opened
            .checked_add(1)
            .ok_or(EscrowError::MathOverflow)?;
        Ok(())
    }
}

/// The 256-bit set moved down by `shift` bits (bit i becomes bit i − shift; low bits drop).
fn shift_down(bits: [u64; 4], shift: u64) -> [u64; 4] {
    if shift >= JOB_ID_WINDOW {
        return [0; 4];
    }
    let (words, rest) = ((shift / 64) as usize, (shift % 64) as u32);
    let mut out = [0u64; 4];
    for (i, slot) in out.iter_mut().enumerate() {
        let low = bits.get(i + words).copied().unwrap_or(0);
        let high = bits.get(i + words + 1).copied().unwrap_or(0);
        *slot = if rest == 0 {
            low
        } else {
            (low >> rest) | (high << (64 - rest))
        };
    }
    out
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

/// The fee rates a job is charged at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeSchedule {
    pub facilitation_bps: u16,
    pub reservation_bps: u16,
    pub network_bps: u16,
}

/// What a renter deposits for a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobQuote {
    pub reserved_cost: u64,
    pub reservation_fee: u64,
    pub facilitation_fee: u64,
    pub deposit: u64,
}

/// How a job's deposit leaves the escrow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Split {
    /// hours_used × price_per_hour.
    pub used_cost: u64,
    /// 5 % of used_cost, rounded up (treasury).
    pub network_fee: u64,
    /// 2 % of used_cost, rounded up, USDC only (treasury).
    pub facilitation_charged: u64,
    /// Reservation fee (treasury).
    pub reservation_fee: u64,
    /// used_cost − network_fee: what the node earned.
    pub gross: u64,
    /// The node's token share of gross: burned (IO) or bought back by the treasury (USDC).
    pub token_share: u64,
    /// gross − token_share, to the operator.
    pub node_payout: u64,
    /// reservation + facilitation charged + network fee.
    pub treasury_fees: u64,
    /// Unused hours and unused facilitation fee, back to the renter.
    pub refund: u64,
}

impl FeeSchedule {
    /// The protocol's numbers (SPEC).
    pub const PROTOCOL: FeeSchedule = FeeSchedule {
        facilitation_bps: FACILITATION_FEE_BPS as u16,
        reservation_bps: RESERVATION_FEE_BPS as u16,
        network_bps: NETWORK_FEE_BPS as u16,
    };

    /// Facilitation fee on `amount`: USDC payments only.
    fn facilitation(
        &self,
        amount: u64,
        kind: PaymentKind,
    ) -> std::result::Result<u64, EscrowError> {
        match kind {
            PaymentKind::Usdc => {
                fee_ceil(amount, u64::from(self.facilitation_bps)).ok_or(EscrowError::MathOverflow)
            }
            PaymentKind::Io => Ok(0),
        }
    }

    /// The deposit for `hours` at `price_per_hour`. Fails with `MathOverflow` when any
    /// figure (and so the deposit) does not fit in u64: the only place a job can overflow.
    pub fn quote(
        &self,
        hours: u32,
        price_per_hour: u64,
        kind: PaymentKind,
    ) -> std::result::Result<JobQuote, EscrowError> {
        if hours == 0 {
            return Err(EscrowError::ZeroHours);
        }
        if price_per_hour == 0 {
            return Err(EscrowError::ZeroPrice);
        }
        let reserved_cost = u64::from(hours)
            .checked_mul(price_per_hour)
            .ok_or(EscrowError::MathOverflow)?;
        let reservation_fee = fee_ceil(reserved_cost, u64::from(self.reservation_bps))
            .ok_or(EscrowError::MathOverflow)?;
        let facilitation_fee = self.facilitation(reserved_cost, kind)?;
        let deposit = reserved_cost
            .checked_add(reservation_fee)
            .and_then(|sum| sum.checked_add(facilitation_fee))
            .ok_or(EscrowError::MathOverflow)?;
        Ok(JobQuote {
            reserved_cost,
            reservation_fee,
            facilitation_fee,
            deposit,
        })
    }
}

/// Settlement of a completed job that used `hours_used` of its hours.
///
/// Conservation: refund = (reserved − used) + (facilitation deposited − charged), and
/// payout + token share = used − network fee, so the parts add up to reserved + reservation
/// fee + facilitation deposited = deposit. Fees are monotone in the amount, so the charged
/// facilitation fee never exceeds the deposited one and nothing here can underflow.
pub fn settlement_split(
    fees: &FeeSchedule,
    quote: &JobQuote,
    kind: PaymentKind,
    price_per_hour: u64,
    hours_used: u32,
    token_share_bps: u16,
) -> std::result::Result<Split, EscrowError> {
    if u64::from(token_share_bps) > BPS_DENOMINATOR {
        return Err(EscrowError::MathOverflow);
    }
    let used_cost = u64::from(hours_used)
        .checked_mul(price_per_hour)
        .ok_or(EscrowError::MathOverflow)?;
    if used_cost > quote.reserved_cost {
        return Err(EscrowError::HoursExceedReserved);
    }
    let network_fee =
        fee_ceil(used_cost, u64::from(fees.network_bps)).ok_or(EscrowError::MathOverflow)?;
    let facilitation_charged = fees.facilitation(used_cost, kind)?;
    let gross = used_cost
        .checked_sub(network_fee)
        .ok_or(EscrowError::MathOverflow)?;
    let token_share =
        share_floor(gross, u64::from(token_share_bps)).ok_or(EscrowError::MathOverflow)?;
    let node_payout = gross
        .checked_sub(token_share)
        .ok_or(EscrowError::MathOverflow)?;
    let treasury_fees = quote
        .reservation_fee
        .checked_add(facilitation_charged)
        .and_then(|sum| sum.checked_add(network_fee))
        .ok_or(EscrowError::MathOverflow)?;
    let refund = (quote.reserved_cost - used_cost) // used_cost ≤ reserved_cost, checked above
        .checked_add(
            quote
                .facilitation_fee
                .checked_sub(facilitation_charged)
                .ok_or(EscrowError::MathOverflow)?,
        )
        .ok_or(EscrowError::MathOverflow)?;
    Ok(Split {
        used_cost,
        network_fee,
        facilitation_charged,
        reservation_fee: quote.reservation_fee,
        gross,
        token_share,
        node_payout,
        treasury_fees,
        refund,
    })
}

/// Cancel (before start) and reclaim (after a timeout): the reservation fee is kept by
/// the treasury, everything else goes back to the renter.
pub fn cancellation_split(quote: &JobQuote) -> std::result::Result<Split, EscrowError> {
    Ok(Split {
        reservation_fee: quote.reservation_fee,
        treasury_fees: quote.reservation_fee,
        refund: quote
            .deposit
            .checked_sub(quote.reservation_fee)
            .ok_or(EscrowError::MathOverflow)?,
        ..Split::default()
    })
}

/// Reclaim of a job its node never started (start deadline missed): the node failed the
/// renter, so the whole deposit, reservation fee included, goes back to the renter.
pub fn missed_start_split(quote: &JobQuote) -> Split {
    Split {
        refund: quote.deposit,
        ..Split::default()
    }
}

impl Split {
    /// Everything the split pays out; equals the deposit.
    pub fn total(&self) -> Option<u64> {
        self.node_payout
            .checked_add(self.token_share)?
            .checked_add(self.treasury_fees)?
            .checked_add(self.refund)
    }
}

impl EscrowConfig {
    /// The escrow vault holding deposits in `mint`, if it is a payment mint.
    pub fn vault_for(&self, mint: &Pubkey) -> Option<(Pubkey, PaymentKind)> {
        if *mint == self.usdc_mint {
            Some((self.usdc_vault, PaymentKind::Usdc))
        } else if *mint == self.io_mint {
            Some((self.io_vault, PaymentKind::Io))
        } else {
            None
        }
    }

    pub fn validate_dispute_window(secs: i64) -> std::result::Result<(), EscrowError> {
        if !(MIN_DISPUTE_WINDOW_SECS..=MAX_DISPUTE_WINDOW_SECS).contains(&secs) {
            return Err(EscrowError::InvalidDisputeWindow);
        }
        Ok(())
    }

    pub fn validate_timeouts(
        start_timeout_secs: i64,
        complete_grace_secs: i64,
    ) -> std::result::Result<(), EscrowError> {
        if !(1..=MAX_TIMEOUT_SECS).contains(&start_timeout_secs)
            || !(0..=MAX_TIMEOUT_SECS).contains(&complete_grace_secs)
        {
            return Err(EscrowError::InvalidTimeout);
        }
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use io_common::layout::ACCOUNT_VERSION;

    const FEES: FeeSchedule = FeeSchedule::PROTOCOL;
    const KINDS: [PaymentKind; 2] = [PaymentKind::Usdc, PaymentKind::Io];

    fn check_conserves(quote: &JobQuote, split: &Split) {
        assert_eq!(split.total(), Some(quote.deposit), "{quote:?} {split:?}");
        assert_eq!(split.node_payout + split.token_share, split.gross);
    }

    #[test]
    fn protocol_fees_come_from_io_common() {
        assert_eq!(u64::from(FEES.facilitation_bps), FACILITATION_FEE_BPS);
        assert_eq!(u64::from(FEES.reservation_bps), RESERVATION_FEE_BPS);
        assert_eq!(u64::from(FEES.network_bps), NETWORK_FEE_BPS);
    }

    #[test]
    fn worked_example_usdc() {
        // 10 h at 2 USDC (6 decimals), 7 h used, node takes 10 % in tokens.
        let quote = FEES.quote(10, 2_000_000, PaymentKind::Usdc).unwrap();
        assert_eq!(
            quote,
            JobQuote {
                reserved_cost: 20_000_000,
                reservation_fee: 50_000,
                facilitation_fee: 400_000,
                deposit: 20_450_000
            }
        );
        let split =
            settlement_split(&FEES, &quote, PaymentKind::Usdc, 2_000_000, 7, 1_000).unwrap();
        assert_eq!(split.used_cost, 14_000_000);
        assert_eq!(split.network_fee, 700_000);
        assert_eq!(split.facilitation_charged, 280_000);
        assert_eq!(split.gross, 13_300_000);
        assert_eq!(split.token_share, 1_330_000);
        assert_eq!(split.node_payout, 11_970_000);
        assert_eq!(split.treasury_fees, 50_000 + 280_000 + 700_000);
        assert_eq!(split.refund, 6_000_000 + 120_000);
        check_conserves(&quote, &split);
    }

    #[test]
    fn io_payments_pay_no_facilitation_fee() {
        let quote = FEES.quote(3, 1_000_000_000, PaymentKind::Io).unwrap();
        assert_eq!(quote.facilitation_fee, 0);
        assert_eq!(quote.deposit, 3_000_000_000 + 7_500_000);
        let split =
            settlement_split(&FEES, &quote, PaymentKind::Io, 1_000_000_000, 3, 10_000).unwrap();
        assert_eq!(split.facilitation_charged, 0);
        assert_eq!((split.token_share, split.node_payout), (2_850_000_000, 0));
        check_conserves(&quote, &split);
    }

    #[test]
    fn fees_round_up_even_on_one_unit() {
        let quote = FEES.quote(1, 1, PaymentKind::Usdc).unwrap();
        assert_eq!(
            quote,
            JobQuote {
                reserved_cost: 1,
                reservation_fee: 1,
                facilitation_fee: 1,
                deposit: 3
            }
        );
        let used = settlement_split(&FEES, &quote, PaymentKind::Usdc, 1, 1, 5_000).unwrap();
        // The whole unit goes to the network fee; the node earns nothing.
        assert_eq!((used.network_fee, used.gross, used.refund), (1, 0, 0));
        check_conserves(&quote, &used);
        let unused = settlement_split(&FEES, &quote, PaymentKind::Usdc, 1, 0, 5_000).unwrap();
        assert_eq!((unused.treasury_fees, unused.refund), (1, 2));
        check_conserves(&quote, &unused);
    }

    #[test]
    fn every_path_conserves_the_deposit() {
        let hours = [
            1u32,
            2,
            3,
            7,
            24,
            729,
            730,
            8_760,
            65_535,
            1_000_003,
            u32::MAX,
        ];
        let prices = [
            1u64,
            2,
            3,
            39,
            399,
            400,
            9_999,
            10_001,
            1_000_000,
            123_456_789,
            1 << 40,
            u64::MAX / 4_000_000_000,
            u64::MAX,
        ];
        let shares = [0u16, 1, 99, 100, 333, 5_000, 9_999, 10_000];
        let mut cases = 0u32;
        for kind in KINDS {
            for &h in &hours {
                for &price in &prices {
                    let Ok(quote) = FEES.quote(h, price, kind) else {
                        continue;
                    };
                    check_conserves(&quote, &cancellation_split(&quote).unwrap());
                    let used_hours = [0, 1, h / 3, h / 2, h.saturating_sub(1), h];
                    for &used in used_hours.iter().filter(|&&u| u <= h) {
                        for &bps in &shares {
                            let split = settlement_split(&FEES, &quote, kind, price, used, bps)
                                .expect("a job that opened always settles");
                            check_conserves(&quote, &split);
                            assert!(split.facilitation_charged <= quote.facilitation_fee);
                            if kind == PaymentKind::Io {
                                assert_eq!(split.facilitation_charged, 0);
                            }
                            cases += 1;
                        }
                    }
                }
            }
        }
        assert!(cases > 2_000, "{cases}");
    }

    #[test]
    fn pseudo_random_jobs_conserve() {
        // xorshift: many irregular (hours, price, used, share) combinations.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for i in 0..20_000 {
            let kind = KINDS[i % 2];
            let hours = (next() % 10_000 + 1) as u32;
            let price = next() >> (next() % 64);
            let Ok(quote) = FEES.quote(hours, price.max(1), kind) else {
                continue;
            };
            let used = (next() % (u64::from(hours) + 1)) as u32;
            let bps = (next() % 10_001) as u16;
            let split = settlement_split(&FEES, &quote, kind, price.max(1), used, bps).unwrap();
            check_conserves(&quote, &split);
        }
    }

    #[test]
    fn overflow_is_refused_at_open_never_at_settle() {
        for kind in KINDS {
            // Cost itself overflows.
            assert!(matches!(
                FEES.quote(u32::MAX, u64::MAX, kind),
                Err(EscrowError::MathOverflow)
            ));
            assert!(matches!(
                FEES.quote(2, u64::MAX / 2 + 1, kind),
                Err(EscrowError::MathOverflow)
            ));
            // Cost fits, but cost + fees does not.
            assert!(matches!(
                FEES.quote(1, u64::MAX, kind),
                Err(EscrowError::MathOverflow)
            ));
        }
        // The largest price that opens: settle then works for every hours_used.
        for kind in KINDS {
            let mut low = 1u64;
            let mut high = u64::MAX;
            while low < high {
                let mid = low + (high - low).div_ceil(2);
                if FEES.quote(1_000, mid, kind).is_ok() {
                    low = mid;
                } else {
                    high = mid - 1;
                }
            }
            let quote = FEES.quote(1_000, low, kind).unwrap();
            assert!(FEES.quote(1_000, low + 1, kind).is_err());
            for used in [0, 1, 500, 999, 1_000] {
                for bps in [0, 1, 10_000] {
                    let split = settlement_split(&FEES, &quote, kind, low, used, bps).unwrap();
                    check_conserves(&quote, &split);
                }
            }
            check_conserves(&quote, &cancellation_split(&quote).unwrap());
        }
    }

    #[test]
    fn zero_hours_or_price_and_overuse_are_refused() {
        assert!(matches!(
            FEES.quote(0, 1, PaymentKind::Io),
            Err(EscrowError::ZeroHours)
        ));
        assert!(matches!(
            FEES.quote(1, 0, PaymentKind::Io),
            Err(EscrowError::ZeroPrice)
        ));
        let quote = FEES.quote(2, 10, PaymentKind::Io).unwrap();
        assert!(matches!(
            settlement_split(&FEES, &quote, PaymentKind::Io, 10, 3, 0),
            Err(EscrowError::HoursExceedReserved)
        ));
    }

    #[test]
    fn a_missed_start_refunds_everything() {
        for kind in KINDS {
            let quote = FEES.quote(100, 1_000_000, kind).unwrap();
            let split = missed_start_split(&quote);
            assert_eq!(split.refund, quote.deposit);
            assert_eq!((split.treasury_fees, split.reservation_fee), (0, 0));
            check_conserves(&quote, &split);
        }
    }

    fn ledger() -> RenterLedger {
        RenterLedger {
            version: 1,
            bump: 255,
            renter: Pubkey::default(),
            window_start: 0,
            used_ids: [0; 4],
            jobs_opened: 0,
        }
    }

    #[test]
    fn job_ids_are_never_taken_twice_in_any_order() {
        let mut l = ledger();
        for id in [5, 0, 255, 3, 64, 63] {
            l.take(id).unwrap();
        }
        for id in [5, 0, 255, 3, 64, 63] {
            assert!(matches!(l.take(id), Err(EscrowError::JobIdReused)));
        }
        assert_eq!((l.window_start, l.jobs_opened), (0, 6));
        // 300 slides the window to 45..=300: 0..45 are spent, the marks above stay.
        l.take(300).unwrap();
        assert_eq!(l.window_start, 45);
        for id in [0, 3, 5, 44, 63, 64, 255, 300] {
            assert!(matches!(l.take(id), Err(EscrowError::JobIdReused)), "{id}");
        }
        l.take(45).unwrap();
        l.take(299).unwrap();
        // A far jump clears the window.
        l.take(10_000).unwrap();
        assert_eq!(l.window_start, 10_000 - 255);
        assert!(matches!(l.take(9_000), Err(EscrowError::JobIdReused)));
        assert!(matches!(l.take(10_000), Err(EscrowError::JobIdReused)));
        l.take(9_999).unwrap();
        l.take(u64::MAX).unwrap();
        assert!(matches!(l.take(u64::MAX), Err(EscrowError::JobIdReused)));
        assert_eq!(l.jobs_opened, 12);
    }

    #[test]
    fn the_window_shift_matches_a_set_model() {
        let mut l = ledger();
        let mut taken = std::collections::BTreeSet::new();
        let mut x: u64 = 12345;
        for _ in 0..2_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let id = (x >> 33) % 1_500;
            let expected_ok = id >= l.window_start && !taken.contains(&id);
            assert_eq!(l.take(id).is_ok(), expected_ok, "{id}");
            if expected_ok {
                taken.insert(id);
            }
        }
    }

    #[test]
    fn cancellation_keeps_only_the_reservation_fee() {
        let quote = FEES.quote(100, 1_000_000, PaymentKind::Usdc).unwrap();
        let split = cancellation_split(&quote).unwrap();
        assert_eq!(split.treasury_fees, 250_000);
        assert_eq!(split.refund, quote.deposit - 250_000);
        assert_eq!((split.node_payout, split.token_share), (0, 0));
        check_conserves(&quote, &split);
    }

    #[test]
    fn deadlines_and_billable_hours() {
        assert_eq!(Job::start_deadline(1_000, 600).unwrap(), 1_600);
        assert_eq!(
            Job::complete_deadline(1_000, 2, 300).unwrap(),
            1_000 + 7_200 + 300
        );
        assert!(Job::complete_deadline(i64::MAX - 10, 1, 0).is_err());
        // The largest reservation cannot overflow with a realistic clock.
        assert!(Job::complete_deadline(4_000_000_000, u32::MAX, MAX_TIMEOUT_SECS).is_ok());
        assert_eq!(Job::billable_hours(1_000, 1_000), 0);
        assert_eq!(Job::billable_hours(1_000, 1_001), 1);
        assert_eq!(Job::billable_hours(1_000, 4_600), 1);
        assert_eq!(Job::billable_hours(1_000, 4_601), 2);
        assert_eq!(Job::billable_hours(1_000, 900), 0);
    }

    #[test]
    fn reclaim_only_after_the_missed_deadline() {
        let mut job = Job {
            version: ACCOUNT_VERSION,
            bump: 0,
            job_id: 1,
            renter: Pubkey::new_unique(),
            node: Pubkey::new_unique(),
            node_key: Pubkey::new_unique(),
            payment_mint: Pubkey::new_unique(),
            payment_kind: PaymentKind::Usdc,
            price_per_hour: 1,
            hours_reserved: 1,
            hours_used: 0,
            reserved_cost: 1,
            reservation_fee: 1,
            facilitation_fee: 1,
            status: JobStatus::Open,
            created_at: 0,
            started_at: 0,
            completed_at: 0,
            start_deadline: 100,
            complete_deadline: 5_000,
            vault: Pubkey::new_unique(),
            completed_by: Completer::None,
            dispute_deadline: 0,
            disputed_at: 0,
            complete_grace_secs: 0,
            dispute_window_secs: 60,
            _reserved: [0; 16],
        };
        assert!(!job.is_reclaimable(100));
        assert!(job.is_reclaimable(101));
        job.status = JobStatus::Started;
        assert!(!job.is_reclaimable(5_000));
        assert!(job.is_reclaimable(5_001));
        job.status = JobStatus::Completed;
        assert!(!job.is_reclaimable(i64::MAX));
        job.status = JobStatus::Disputed;
        assert!(!job.is_reclaimable(i64::MAX));
        assert_eq!(job.quote().unwrap().deposit, 3);
    }

    #[test]
    fn timeouts_are_bounded() {
        assert!(EscrowConfig::validate_timeouts(1, 0).is_ok());
        assert!(EscrowConfig::validate_timeouts(MAX_TIMEOUT_SECS, MAX_TIMEOUT_SECS).is_ok());
        assert!(EscrowConfig::validate_timeouts(0, 0).is_err());
        assert!(EscrowConfig::validate_timeouts(1, -1).is_err());
        assert!(EscrowConfig::validate_timeouts(MAX_TIMEOUT_SECS + 1, 0).is_err());
    }
}
