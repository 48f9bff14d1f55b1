use anchor_lang::prelude::*;
use io_common::schedule::EmissionCursor;

use crate::errors::RewardsError;

/// Most hours one `emit` call catches up (a week): bounds its compute.
pub const MAX_EMIT_HOURS: u16 = 168;

/// The emission may start at most this long before `initialize` (a deploy that took a while),
/// so a mistaken start cannot release months of emission at once.
pub const MAX_START_BACKDATE_SECS: i64 = 7 * 24 * 3_600;
/// ... and at most this long after it.
pub const MAX_START_DELAY_SECS: i64 = 365 * 24 * 3_600;

/// Where the emission schedule stands at the start of `month` (io_common::schedule::EmissionCursor,
/// stored field by field).
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub month: u64,
    /// r_month, parts per 10^18.
    pub rate: u64,
    /// A_month after clipping, base units.
    pub month_amount: u64,
    /// A_0 + … + A_(month-1).
    pub emitted_before_month: u64,
}

impl From<EmissionCursor> for Cursor {
    fn from(c: EmissionCursor) -> Self {
        Self {
            month: c.month,
            rate: c.rate,
            month_amount: c.month_amount,
            emitted_before_month: c.emitted_before_month,
        }
    }
}

impl From<Cursor> for EmissionCursor {
    fn from(c: Cursor) -> Self {
        Self {
            month: c.month,
            rate: c.rate,
            month_amount: c.month_amount,
            emitted_before_month: c.emitted_before_month,
        }
    }
}

/// Singleton [EMISSION]: progress of the hourly emission.
///
/// Zero-copy (a `#[repr(C)]` Pod, read in place through `AccountLoader`): deserializing it and
/// writing it back on exit cost `emit` about 1,100 units (measured on Agave 4.1.2; budget 5,000).
/// The layout has no implicit padding, so the bytes are those of the same fields in Borsh.
#[account(zero_copy)]
pub struct EmissionState {
    pub version: u8,
    pub bump: u8,
    /// Keeps the 8-byte fields aligned (a Pod layout has no implicit padding).
    pub _padding: [u8; 6],
    /// Hour h spans [start_ts + 3600 h, start_ts + 3600 (h + 1)).
    pub start_ts: i64,
    /// First hour not emitted yet.
    pub next_hour: u64,
    /// Schedule position, so emitting an hour costs O(1).
    pub cursor: Cursor,
    /// IO minted by emission so far.
    pub emitted_total: u64,
    /// Sum of the totals of all posted epoch roots (≤ emitted_total).
    pub allocated_total: u64,
    pub last_emit_at: i64,
    pub _reserved: [u8; 64],
}

impl EmissionState {
    /// Account size: discriminator and the Pod struct.
    pub const SPACE: usize = 8 + core::mem::size_of::<Self>();

    /// Emitted IO not yet promised to any epoch.
    pub fn unallocated(&self) -> u64 {
        self.emitted_total.saturating_sub(self.allocated_total)
    }

    /// Returns `amount` set aside for an expired epoch to the unallocated pool.
    pub fn release(&mut self, amount: u64) -> Result<()> {
        self.allocated_total = self
            .allocated_total
            .checked_sub(amount)
            .ok_or(RewardsError::MathOverflow)?;
        Ok(())
    }

    /// Sets `total` aside for an epoch's claims; never more than was emitted.
    pub fn allocate(&mut self, total: u64) -> Result<()> {
        require!(
            total <= self.unallocated(),
            RewardsError::InsufficientUnallocated
        );
        self.allocated_total = self
            .allocated_total
            .checked_add(total)
            .ok_or(RewardsError::MathOverflow)?;
        Ok(())
    }
}
