//! The money arithmetic of a job.
//!
//! All amounts are in the payment mint's base units. A job's deposit is fixed at
//! `open_job` ([`FeeSchedule::quote`]), and every way out of the escrow — settle, cancel,
//! reclaim — divides exactly that deposit ([`settlement_split`], [`cancellation_split`]):
//! `deposit == node_payout + token_share + treasury_fees + refund`, to the base unit.
//! Every figure of a split is at most the deposit, so once a deposit fits in u64 no later
//! step can overflow: an oversized job fails cleanly at `open_job`, never at settle.

use io_common::economics::{
    fee_ceil, share_floor, BPS_DENOMINATOR, FACILITATION_FEE_BPS, NETWORK_FEE_BPS,
    RESERVATION_FEE_BPS,
};

use crate::errors::EscrowError;
use crate::state::PaymentKind;

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
