//! IO settlement — escrow.
//!
//! A renter opens a job on a node, depositing reserved cost + reservation fee + facilitation
//! fee (USDC only) into the escrow vault of its payment mint. The node starts it; the node (or
//! the keeper as oracle) completes it with the hours used, or the renter stops it early; after
//! the dispute window (or a decided dispute) anyone settles it: the node is paid for hours used
//! less the network fee, its chosen token share goes to the burn vault (IO) or the treasury for
//! buy-back (USDC), fees go to the treasury and the rest back to the renter. A renter may cancel
//! before start and reclaim after a missed deadline. Every path divides the deposit exactly
//! (see `state`).

use anchor_lang::prelude::*;

pub mod errors;
pub mod events;
pub mod instructions;
pub mod math;
pub mod state;
pub mod vault;

use instructions::*;

declare_id!("E491SwqM2vr41jAyWrJGQCk4hgB45HVf5vDMqvrZZuQc");

#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "IO settlement: escrow",
    project_url: "https://io-settlement.example",
    contacts: "email:security@io-settlement.example",
    policy: "https://io-settlement.example/security",
    preferred_languages: "en",
    source_code: "https://io-settlement.example/source"
}

/// USDC facilitation fee on a job's price (bps), paid by the renter.
#[constant]
pub const FACILITATION_FEE_BPS: u64 = io_common::economics::FACILITATION_FEE_BPS;
/// Reservation fee on a job's reserved cost (bps), kept even when cancelled.
#[constant]
pub const RESERVATION_FEE_BPS: u64 = io_common::economics::RESERVATION_FEE_BPS;
/// Network fee on what a job pays its node (bps).
#[constant]
pub const NETWORK_FEE_BPS: u64 = io_common::economics::NETWORK_FEE_BPS;
#[constant]
pub const SECONDS_PER_HOUR: i64 = io_common::economics::SECONDS_PER_HOUR;
/// Upper bound of the start timeout and completion grace (seconds).
#[constant]
pub const MAX_TIMEOUT_SECS: i64 = state::MAX_TIMEOUT_SECS;
/// Seed of the escrow config PDA.
#[constant]
pub const CONFIG_SEED: &[u8] = io_common::seeds::CONFIG;
/// Seed of a job PDA: `[JOB_SEED, renter, job_id u64 LE]`.
#[constant]
pub const JOB_SEED: &[u8] = io_common::seeds::JOB;
/// Seed of an escrow vault PDA: `[ESCROW_VAULT_SEED, mint]`.
#[constant]
pub const ESCROW_VAULT_SEED: &[u8] = io_common::seeds::ESCROW_VAULT;
/// Bounds of the dispute window (seconds).
#[constant]
pub const MIN_DISPUTE_WINDOW_SECS: i64 = state::MIN_DISPUTE_WINDOW_SECS;
#[constant]
pub const MAX_DISPUTE_WINDOW_SECS: i64 = state::MAX_DISPUTE_WINDOW_SECS;
/// How long the arbiter has to decide a dispute before the reported hours stand (seconds).
#[constant]
pub const DISPUTE_RESOLUTION_SECS: i64 = state::DISPUTE_RESOLUTION_SECS;

#[program]
pub mod escrow {
    use super::*;

    /// Creates the config; the signer becomes admin. `io_mint` must be the rewards
    /// program's `[IO_MINT]` PDA; the burn vault is derived from the rewards program id;
    /// fee rates are the protocol's (see constants).
    pub fn initialize(ctx: Context<Initialize>, params: InitializeParams) -> Result<()> {
        ctx.accounts.handler(ctx.bumps.config, params)
    }

    /// Admin changes the treasury, timeouts, dispute window or pause flag, and proposes a new
    /// admin or oracle authority (`None` fields stay). Paused stops new jobs only; running jobs
    /// finish and pay out.
    pub fn update_config(ctx: Context<UpdateConfig>, params: UpdateConfigParams) -> Result<()> {
        ctx.accounts.handler(params)
    }

    /// A proposed admin or oracle authority signs to take its role(s) (NothingToAccept if none).
    pub fn accept_authority(ctx: Context<AcceptAuthority>) -> Result<()> {
        ctx.accounts.handler()
    }

    /// Creates the renter's job-id ledger `[RENTER, renter]`: once, before its first job (wallets
    /// put it in the same transaction as that `open_job`).
    pub fn open_renter_ledger(ctx: Context<OpenRenterLedger>) -> Result<()> {
        ctx.accounts.handler(ctx.bumps.renter_ledger)
    }

    /// Renter opens job `job_id` (PDA `[JOB, renter, job_id LE]`; an id the renter never
    /// used, tracked by its `RenterLedger`) on an active node and
    /// deposits reserved cost (hours × price) + reservation fee (0.25 %, rounded up) +
    /// facilitation fee (2 % rounded up, USDC only) into the escrow vault of the payment mint.
    /// Payment mint must be the configured USDC or IO mint. A deposit that would not fit
    /// in u64 fails here (MathOverflow), never later.
    pub fn open_job(
        ctx: Context<OpenJob>,
        job_id: u64,
        hours_reserved: u32,
        price_per_hour: u64,
    ) -> Result<()> {
        ctx.accounts.handler(job_id, hours_reserved, price_per_hour)
    }

    /// The node's device key starts an open job, at the latest at its start deadline.
    pub fn start_job(ctx: Context<StartJob>) -> Result<()> {
        ctx.accounts.handler()
    }

    /// The node key or the oracle authority reports `hours_used` of a started job, by its
    /// completion deadline (start + reserved hours + grace). `hours_used` ≤ hours reserved
    /// (HoursExceedReserved) and ≤ the hours begun since start, each begun hour counting
    /// whole (HoursExceedElapsed).
    /// Settlement then waits for the dispute window.
    pub fn complete_job(ctx: Context<CompleteJob>, hours_used: u32) -> Result<()> {
        ctx.accounts.handler(hours_used)
    }

    /// The renter stops a started job before its completion deadline, billed for the hours
    /// begun (at most those reserved); settleable from the next second.
    pub fn stop_job(ctx: Context<StopJob>) -> Result<()> {
        ctx.accounts.handler()
    }

    /// Within the dispute window, the renter (any completion but its own stop) or the node key
    /// (an oracle completion) disputes the reported hours, once.
    pub fn dispute_job(ctx: Context<DisputeJob>) -> Result<()> {
        ctx.accounts.handler()
    }

    /// The arbiter (oracle authority; the admin for oracle completions) decides a disputed
    /// job's hours. Undecided for `DISPUTE_RESOLUTION_SECS`, the reported hours stand.
    pub fn resolve_dispute(ctx: Context<ResolveDispute>, hours_used: u32) -> Result<()> {
        ctx.accounts.handler(hours_used)
    }

    /// Anyone settles a completed job once its dispute window passed: node payout (used cost − 5 % network fee − token
    /// share) to a token account of the operator (normally its ATA), token share to the
    /// burn vault (IO) or the treasury's token account (USDC), fees to the treasury's token
    /// account, the rest to the renter's token account; the job closes to the renter.
    /// `burn_vault` is passed for USDC jobs too.
    pub fn settle_job(ctx: Context<SettleJob>) -> Result<()> {
        ctx.accounts.handler()
    }

    /// Renter cancels an open (not started) job: deposit − reservation fee back, the
    /// reservation fee to the treasury; the job closes to the renter.
    pub fn cancel_job(ctx: Context<CancelJob>) -> Result<()> {
        ctx.accounts.handler()
    }

    /// Renter takes the deposit back when an open job passed its start deadline (all of it)
    /// or a started job passed its completion deadline (less the reservation fee, as cancel).
    pub fn reclaim_job(ctx: Context<ReclaimJob>) -> Result<()> {
        ctx.accounts.handler()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn program_id_matches_io_common() {
        assert_eq!(crate::ID, io_common::ids::ESCROW);
    }
}
