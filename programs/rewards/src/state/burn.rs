use anchor_lang::prelude::*;
use io_common::layout::ACCOUNT_VERSION;

use crate::errors::RewardsError;

/// Singleton [BURN_LEDGER]: supply = genesis + emitted_total − total_burned at every moment.
#[account]
#[derive(InitSpace)]
pub struct BurnLedger {
    pub version: u8,
    pub total_burned: u64,
    pub burn_count: u64,
    pub last_burn_at: i64,
    pub bump: u8,
    pub _reserved: [u8; 64],
}

impl BurnLedger {
    pub fn record(&mut self, amount: u64, now: i64) -> Result<()> {
        self.total_burned = self
            .total_burned
            .checked_add(amount)
            .ok_or(RewardsError::MathOverflow)?;
        self.burn_count = self
            .burn_count
            .checked_add(1)
            .ok_or(RewardsError::MathOverflow)?;
        self.last_burn_at = now;
        Ok(())
    }
}

/// [BURN_EPOCH, epoch u64 LE]: IO burned during hour `epoch`.
#[account]
#[derive(InitSpace)]
pub struct BurnEpoch {
    pub version: u8,
    pub epoch: u64,
    pub amount: u64,
    pub burn_count: u32,
    pub bump: u8,
    pub _reserved: [u8; 64],
}

impl BurnEpoch {
    /// Adds a burn of `amount` to hour `epoch`'s entry. A fresh entry (just created by
    /// `init_if_needed`, all zeroes) is filled in first.
    pub fn record(&mut self, epoch: u64, bump: u8, amount: u64) -> Result<()> {
        if self.version == 0 {
            self.version = ACCOUNT_VERSION;
            self.epoch = epoch;
            self.bump = bump;
        }
        self.amount = self
            .amount
            .checked_add(amount)
            .ok_or(RewardsError::MathOverflow)?;
        self.burn_count = self
            .burn_count
            .checked_add(1)
            .ok_or(RewardsError::MathOverflow)?;
        Ok(())
    }
}
