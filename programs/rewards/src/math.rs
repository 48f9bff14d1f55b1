//! The hourly emission arithmetic: which hours an `emit` call pays and how much, along the
//! bit-exact schedule of `io_common::schedule`.

use anchor_lang::prelude::*;
use io_common::economics::{IO_EMISSION_SUPPLY, SECONDS_PER_HOUR};
use io_common::schedule::{EmissionCursor, LAST_PAYING_HOUR};

use crate::errors::RewardsError;
use crate::state::{EmissionState, MAX_EMIT_HOURS};

/// What one `emit` call does: hours `first_hour .. first_hour + hours`, paying `amount`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Emission {
    pub first_hour: u64,
    pub hours: u64,
    pub amount: u64,
}

impl EmissionState {
    /// The hour `now` falls in, which is also how many hours have ended by `now`
    /// (0 before the start).
    pub fn hour_at(&self, now: i64) -> u64 {
        match now.checked_sub(self.start_ts) {
            // start_ts ≥ 0 and now ≥ 0 on-chain, so the difference is non-negative when ≥ start.
            Some(elapsed) if elapsed > 0 => (elapsed / SECONDS_PER_HOUR) as u64,
            _ => 0,
        }
    }

    /// Emits, in order, the hours from `next_hour` that have ended by `now`, at most
    /// `max_hours` of them; advances the cursor and totals and returns what to mint.
    pub fn emit(&mut self, now: i64, max_hours: u16) -> Result<Emission> {
        require!(
            (1..=MAX_EMIT_HOURS).contains(&max_hours),
            RewardsError::InvalidMaxHours
        );
        let first_hour = self.next_hour;
        require!(first_hour <= LAST_PAYING_HOUR, RewardsError::NothingToEmit);
        let ended = self.hour_at(now);
        require!(first_hour < ended, RewardsError::HourNotEnded);

        let end = ended
            .min(
                first_hour
                    .checked_add(u64::from(max_hours))
                    .ok_or(RewardsError::MathOverflow)?,
            )
            .min(LAST_PAYING_HOUR + 1);
        let mut cursor = EmissionCursor::from(self.cursor);
        let mut amount: u64 = 0;
        for hour in first_hour..end {
            amount = amount
                .checked_add(
                    cursor
                        .pay_hour(hour)
                        .ok_or(RewardsError::EmissionOutOfOrder)?,
                )
                .ok_or(RewardsError::MathOverflow)?;
        }
        let emitted_total = self
            .emitted_total
            .checked_add(amount)
            .ok_or(RewardsError::MathOverflow)?;
        // The schedule sums to E exactly; this only guards against a corrupted cursor.
        require!(
            emitted_total <= IO_EMISSION_SUPPLY,
            RewardsError::SupplyCapExceeded
        );

        self.cursor = cursor.into();
        self.next_hour = end;
        self.emitted_total = emitted_total;
        self.last_emit_at = now;
        Ok(Emission {
            first_hour,
            hours: end - first_hour,
            amount,
        })
    }
}
