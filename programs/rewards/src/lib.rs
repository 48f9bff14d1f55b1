//! IO token rewards for the IO settlement layer.
//!
//! Owns the IO mint (800,000,000 IO cap): mints the 500,000,000 IO genesis supply once, then
//! emits the remaining 300,000,000 IO hour by hour into the reward vault on the bit-exact
//! schedule of `io_common::schedule`. Each hour (epoch) the keeper posts a Merkle root of
//! per-node rewards; each node claims its leaf once, its staker share going to the staking
//! program's pool for the node. IO sent to the burn vault is burned and booked in the burn
//! ledger, so mint supply == genesis + emitted_total − total_burned at every moment.
use anchor_lang::prelude::*;

pub mod errors;
pub mod events;
pub mod instructions;
pub mod math;
pub mod state;

use instructions::*;

declare_id!("B7jphsoNzWi1Y1oykBm4gA5W8KXDbKUA8spAbqjWg9cs");

#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "IO settlement: rewards",
    project_url: "https://io-settlement.example",
    contacts: "email:security@io-settlement.example",
    policy: "https://io-settlement.example/security",
    preferred_languages: "en",
    source_code: "https://io-settlement.example/source"
}

/// PDA `[CONFIG_SEED]`: the rewards config.
#[constant]
pub const CONFIG_SEED: &[u8] = io_common::seeds::CONFIG;
/// Emission may start at most this many seconds before `initialize`.
#[constant]
pub const MAX_START_BACKDATE_SECS: i64 = state::MAX_START_BACKDATE_SECS;
/// Emission may start at most this many seconds after `initialize`.
#[constant]
pub const MAX_START_DELAY_SECS: i64 = state::MAX_START_DELAY_SECS;
/// Seconds after an epoch root is posted during which its rewards can be claimed.
#[constant]
pub const EPOCH_CLAIM_WINDOW_SECS: i64 = state::EPOCH_CLAIM_WINDOW_SECS;
/// A claim pays the node's stakers only this long after its epoch ended.
#[constant]
pub const STAKER_REWARD_WINDOW_SECS: i64 = io_common::economics::STAKER_REWARD_WINDOW_SECS;
/// PDA `[IO_MINT_SEED]`: the IO mint.
#[constant]
pub const IO_MINT_SEED: &[u8] = io_common::seeds::IO_MINT;
/// PDA `[MINT_AUTHORITY_SEED]`: mints IO, owns the vaults, signs staker deposits.
#[constant]
pub const MINT_AUTHORITY_SEED: &[u8] = io_common::seeds::MINT_AUTHORITY;
/// PDA `[EMISSION_SEED]`: emission progress.
#[constant]
pub const EMISSION_SEED: &[u8] = io_common::seeds::EMISSION;
/// PDA `[REWARD_VAULT_SEED]`: emitted IO waiting to be claimed.
#[constant]
pub const REWARD_VAULT_SEED: &[u8] = io_common::seeds::REWARD_VAULT;
/// PDA `[BURN_VAULT_SEED]`: IO waiting to be burned.
#[constant]
pub const BURN_VAULT_SEED: &[u8] = io_common::seeds::BURN_VAULT;
/// PDA `[BURN_LEDGER_SEED]`: cumulative burns.
#[constant]
pub const BURN_LEDGER_SEED: &[u8] = io_common::seeds::BURN_LEDGER;
/// PDA `[BURN_EPOCH_SEED, epoch u64 LE]`: burns during one hour.
#[constant]
pub const BURN_EPOCH_SEED: &[u8] = io_common::seeds::BURN_EPOCH;
/// PDA `[EPOCH_SEED, epoch u64 LE]`: one epoch's reward root.
#[constant]
pub const EPOCH_SEED: &[u8] = io_common::seeds::EPOCH;
/// PDA `[CLAIM_SEED, epoch u64 LE, node]`: a node's claim of an epoch.
#[constant]
pub const CLAIM_SEED: &[u8] = io_common::seeds::CLAIM;

/// Decimals of IO: 1 IO = 10^9 base units.
#[constant]
pub const IO_DECIMALS: u8 = io_common::economics::IO_DECIMALS;
/// 800,000,000 IO: the supply never passes this.
#[constant]
pub const IO_MAX_SUPPLY: u64 = io_common::economics::IO_MAX_SUPPLY;
/// 500,000,000 IO minted once by `mint_genesis`.
#[constant]
pub const IO_GENESIS_SUPPLY: u64 = io_common::economics::IO_GENESIS_SUPPLY;
/// 300,000,000 IO emitted hourly by `emit`.
#[constant]
pub const IO_EMISSION_SUPPLY: u64 = io_common::economics::IO_EMISSION_SUPPLY;
#[constant]
pub const SECONDS_PER_HOUR: i64 = io_common::economics::SECONDS_PER_HOUR;
#[constant]
pub const HOURS_PER_MONTH: u64 = io_common::economics::HOURS_PER_MONTH;
/// Month 0's yearly emission rate, parts per 10^18 (8 %).
#[constant]
pub const INITIAL_RATE: u64 = io_common::schedule::INITIAL_RATE;
/// Each month's rate is the previous one times DECAY_NUMERATOR / DECAY_DENOMINATOR (floor).
#[constant]
pub const DECAY_NUMERATOR: u64 = io_common::schedule::MONTHLY_DECAY_NUMERATOR;
#[constant]
pub const DECAY_DENOMINATOR: u64 = io_common::schedule::MONTHLY_DECAY_DENOMINATOR;
/// The last hour that pays anything; `emit` fails with NothingToEmit after it.
#[constant]
pub const LAST_PAYING_HOUR: u64 = io_common::schedule::LAST_PAYING_HOUR;
/// Most hours one `emit` call catches up.
#[constant]
pub const MAX_EMIT_HOURS: u16 = state::MAX_EMIT_HOURS;
/// Deepest reward proof accepted.
#[constant]
pub const MAX_PROOF_LEN: u8 = io_common::merkle::MAX_PROOF_LEN as u8;

#[program]
pub mod rewards {
    use super::*;

    /// Creates the config, emission state, burn ledger, IO mint, reward vault and burn vault.
    /// The signer becomes admin. Hour 0 of the schedule starts at `start_ts` (unix seconds, ≥ 0).
    pub fn initialize(
        ctx: Context<Initialize>,
        start_ts: i64,
        keeper_authority: Pubkey,
    ) -> Result<()> {
        ctx.accounts.handler(&ctx.bumps, start_ts, keeper_authority)
    }

    /// Admin only: proposes new keys for the admin or the keeper role (either may be a
    /// multisig); each takes its role by signing `accept_authority`.
    pub fn update_config(
        ctx: Context<UpdateConfig>,
        new_admin: Option<Pubkey>,
        new_keeper_authority: Option<Pubkey>,
    ) -> Result<()> {
        ctx.accounts.handler(new_admin, new_keeper_authority)
    }

    /// A proposed admin / keeper authority signs to take every role it was proposed for
    /// (NothingToAccept if it is pending for none).
    pub fn accept_authority(ctx: Context<AcceptAuthority>) -> Result<()> {
        ctx.accounts.handler()
    }

    /// Admin only, once: mints the 500,000,000 IO genesis supply to `destination`.
    pub fn mint_genesis(ctx: Context<MintGenesis>) -> Result<()> {
        ctx.accounts.handler()
    }

    /// Anyone: emits the next hours that have ended (at most `max_hours`, 1..=MAX_EMIT_HOURS)
    /// into the reward vault, in order, each exactly once.
    pub fn emit(ctx: Context<Emit>, max_hours: u16) -> Result<()> {
        ctx.accounts.handler(max_hours)
    }

    /// Keeper only: posts the Merkle root of per-node rewards for an emitted epoch (hour).
    pub fn post_epoch_root(
        ctx: Context<PostEpochRoot>,
        epoch: u64,
        root: [u8; 32],
        total: u64,
        leaf_count: u32,
    ) -> Result<()> {
        ctx.accounts
            .handler(ctx.bumps.epoch_root, epoch, root, total, leaf_count)
    }

    /// Anyone, after the epoch's claim window (`EPOCH_CLAIM_WINDOW_SECS`) closed: its unclaimed
    /// rewards return to the unallocated pool; the root is marked expired.
    pub fn expire_epoch_root(ctx: Context<ExpireEpochRoot>, epoch: u64) -> Result<()> {
        ctx.accounts.handler(epoch)
    }

    /// Anyone, within `EPOCH_CLAIM_WINDOW_SECS` of the root's posting: pays a node its reward
    /// leaf for `epoch` (once), staker share to its staker pool — within
    /// `STAKER_REWARD_WINDOW_SECS` of the epoch's end and if the node has active shares; a
    /// late claim returns the staker share to the unallocated pool, a node without active
    /// shares pays it to the operator.
    pub fn claim(ctx: Context<Claim>, epoch: u64, amount: u64, proof: Vec<[u8; 32]>) -> Result<()> {
        ctx.accounts.handler(epoch, amount, proof)
    }

    /// Anyone, after the receipt's epoch expired: closes a claim receipt, its rent back to the
    /// account that paid it.
    pub fn close_claim_receipt(ctx: Context<CloseClaimReceipt>) -> Result<()> {
        ctx.accounts.handler()
    }

    /// Anyone: burns the whole burn vault, booked under `epoch` (the hour in progress).
    pub fn burn(ctx: Context<Burn>, epoch: u64) -> Result<()> {
        ctx.accounts.handler(ctx.bumps.burn_epoch, epoch)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn program_id_matches_io_common() {
        assert_eq!(super::ID, io_common::ids::REWARDS);
    }
}
