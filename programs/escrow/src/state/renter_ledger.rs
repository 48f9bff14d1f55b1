use anchor_lang::prelude::*;

use crate::errors::EscrowError;

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
