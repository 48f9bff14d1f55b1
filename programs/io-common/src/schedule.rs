//! The hourly IO emission schedule, bit-exact (SPEC "The emission schedule").
//!
//! Integer arithmetic only. `r_0 = 8e16` (8 % in parts per 10^18), each month
//! `r_m = floor(r_(m-1) * 9898 / 10000)`; month amount `A_m = floor(G * r_m / (12e18))`,
//! clipped so the running total never passes E. Hour `h` is in month `h / 730`; every hour
//! of a month pays `floor(A_m / 730)` except the last, which takes the remainder.
//!
//! On-chain, [`EmissionCursor`] walks the schedule one month step at a time so that
//! emitting an hour costs O(1); [`hour_amount`] recomputes from month 0 and is the
//! reference the cursor is tested against.

use crate::economics::{HOURS_PER_MONTH, IO_EMISSION_SUPPLY, IO_GENESIS_SUPPLY};

/// 8 % a year, in parts per 10^18.
pub const INITIAL_RATE: u64 = 80_000_000_000_000_000;
pub const RATE_SCALE: u128 = 1_000_000_000_000_000_000;
/// Each month's rate is 1.02 % lower than the one before: multiply by 9898 / 10000.
pub const MONTHLY_DECAY_NUMERATOR: u64 = 9_898;
pub const MONTHLY_DECAY_DENOMINATOR: u64 = 10_000;
pub const MONTHS_PER_YEAR: u128 = 12;
/// The last month that pays anything; the schedule reaches E exactly in it.
pub const LAST_PAYING_MONTH: u64 = 243;
/// The last hour that pays anything.
pub const LAST_PAYING_HOUR: u64 = 178_119;

/// Next month's rate from this month's.
pub const fn next_rate(rate: u64) -> u64 {
    // rate <= 8e16 and 9898 < 2^14, so the product fits in u128 and the result in u64.
    ((rate as u128 * MONTHLY_DECAY_NUMERATOR as u128) / MONTHLY_DECAY_DENOMINATOR as u128) as u64
}

/// A month's amount before clipping to what is left of E.
pub const fn unclipped_month_amount(rate: u64) -> u64 {
    ((IO_GENESIS_SUPPLY as u128 * rate as u128) / (MONTHS_PER_YEAR * RATE_SCALE)) as u64
}

/// What hour `position` (0..730) of a month paying `month_amount` pays.
pub const fn hour_of_month_amount(month_amount: u64, position: u64) -> u64 {
    let per_hour = month_amount / HOURS_PER_MONTH;
    if position + 1 < HOURS_PER_MONTH {
        per_hour
    } else {
        month_amount - (HOURS_PER_MONTH - 1) * per_hour
    }
}

/// Where the schedule stands at the start of a month: everything needed to pay its hours
/// and to step to the next month. Stored in the rewards program's emission account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EmissionCursor {
    /// Month the cursor is in.
    pub month: u64,
    /// r_month, parts per 10^18.
    pub rate: u64,
    /// A_month after clipping.
    pub month_amount: u64,
    /// Sum of A_0..A_(month-1).
    pub emitted_before_month: u64,
}

impl EmissionCursor {
    pub const fn genesis() -> Self {
        let amount = unclipped_month_amount(INITIAL_RATE);
        Self {
            month: 0,
            rate: INITIAL_RATE,
            month_amount: amount,
            emitted_before_month: 0,
        }
    }

    /// The cursor for the following month.
    pub const fn next_month(&self) -> Self {
        let emitted = self.emitted_before_month + self.month_amount;
        let rate = next_rate(self.rate);
        let unclipped = unclipped_month_amount(rate);
        let left = IO_EMISSION_SUPPLY - emitted;
        let amount = if unclipped < left { unclipped } else { left };
        Self {
            month: self.month + 1,
            rate,
            month_amount: amount,
            emitted_before_month: emitted,
        }
    }

    /// What `hour` pays, stepping the cursor forward to the hour's month first.
    /// Hours must be asked for in non-decreasing order (the cursor never steps back): an
    /// hour of a month before the cursor's is refused with `None`, in every build.
    pub fn pay_hour(&mut self, hour: u64) -> Option<u64> {
        let month = hour / HOURS_PER_MONTH;
        if month < self.month {
            return None;
        }
        while self.month < month {
            if self.month_amount == 0 && self.month > LAST_PAYING_MONTH {
                // Past the end of the schedule everything pays 0: no need to walk on.
                self.month = month;
                break;
            }
            *self = self.next_month();
        }
        Some(hour_of_month_amount(
            self.month_amount,
            hour % HOURS_PER_MONTH,
        ))
    }
}

/// Reference: what hour `hour` pays, recomputed from month 0 (a cursor at month 0 accepts
/// every hour, so this never fails).
pub fn hour_amount(hour: u64) -> u64 {
    EmissionCursor::genesis().pay_hour(hour).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum_hours(hours: core::ops::Range<u64>) -> u128 {
        let mut cursor = EmissionCursor::genesis();
        hours.map(|h| cursor.pay_hour(h).unwrap() as u128).sum()
    }

    #[test]
    fn an_hour_before_the_cursor_month_is_refused_in_every_build() {
        let mut cursor = EmissionCursor::genesis();
        let in_month_2 = 2 * HOURS_PER_MONTH + 5;
        let paid = cursor.pay_hour(in_month_2).unwrap();
        assert_eq!(cursor.month, 2);
        let before = cursor;
        assert_eq!(cursor.pay_hour(HOURS_PER_MONTH + 729), None);
        assert_eq!(cursor.pay_hour(0), None);
        assert_eq!(
            cursor, before,
            "a refused hour leaves the cursor where it was"
        );
        // The same month again, and later ones, still work.
        assert_eq!(cursor.pay_hour(in_month_2), Some(paid));
        assert!(cursor.pay_hour(3 * HOURS_PER_MONTH).is_some());
    }

    #[test]
    fn reference_points_from_spec() {
        assert_eq!(hour_amount(0), 4_566_210_045_662);
        assert_eq!(sum_hours(0..24), 109_589_041_095_888);
        assert_eq!(sum_hours(0..8_760), 37_830_573_245_906_333);
    }

    #[test]
    fn schedule_reaches_emission_supply_exactly_and_then_pays_nothing() {
        let end = (LAST_PAYING_MONTH + 3) * HOURS_PER_MONTH;
        assert_eq!(sum_hours(0..end), IO_EMISSION_SUPPLY as u128);
        assert!(hour_amount(LAST_PAYING_HOUR) > 0);
        assert_eq!(hour_amount(LAST_PAYING_HOUR + 1), 0);
        assert_eq!(hour_amount(10_000_000), 0);
    }

    #[test]
    fn last_hour_of_a_month_takes_the_remainder() {
        let month = EmissionCursor::genesis();
        let paid: u64 = (0..HOURS_PER_MONTH)
            .map(|i| hour_of_month_amount(month.month_amount, i))
            .sum();
        assert_eq!(paid, month.month_amount);
    }

    #[test]
    fn month_243_is_clipped_to_what_is_left() {
        let mut cursor = EmissionCursor::genesis();
        while cursor.month < LAST_PAYING_MONTH {
            cursor = cursor.next_month();
        }
        assert!(cursor.month_amount < unclipped_month_amount(cursor.rate));
        assert_eq!(
            cursor.emitted_before_month + cursor.month_amount,
            IO_EMISSION_SUPPLY
        );
    }
}
