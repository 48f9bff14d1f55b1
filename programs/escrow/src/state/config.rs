use anchor_lang::prelude::*;

use crate::errors::EscrowError;
use crate::state::PaymentKind;

/// Upper bound of the start timeout and the completion grace (one year): keeps deadline
/// arithmetic far from i64 limits and a misconfiguration from locking deposits for ages.
pub const MAX_TIMEOUT_SECS: i64 = 365 * 24 * 3_600;

/// Bounds of the dispute window: at least a minute (a renter must be able to react), at most a
/// week (a node's pay is not held longer than that without a dispute).
pub const MIN_DISPUTE_WINDOW_SECS: i64 = 60;
pub const MAX_DISPUTE_WINDOW_SECS: i64 = 7 * 24 * 3_600;

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
