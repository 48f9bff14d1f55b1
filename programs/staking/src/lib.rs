//! IO settlement — staking.
//!
//! Node operators register GPU nodes; anyone stakes IO on a node (up to a protocol cap)
//! and earns a share of the node's rewards; unstaking starts a cooldown, withdrawal
//! follows it. The slashing authority cuts a node's whole pool pro-rata — every staker
//! of the node loses the same fraction — leaving an on-chain `SlashRecord`; slashed IO
//! goes to the rewards program's burn vault (part to the reporter if one is named).
//! The rewards program pays stakers' rewards in through `deposit_staker_rewards` (CPI).

use anchor_lang::prelude::*;

pub mod errors;
pub mod events;
pub mod instructions;
pub mod math;
pub mod state;

use instructions::*;

declare_id!("2HGoJbbsdN93VNGUFhGjmKSs5ArWpmedAGsuh73M19TL");

#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "IO settlement: staking",
    project_url: "https://io-settlement.example",
    contacts: "email:security@io-settlement.example",
    policy: "https://io-settlement.example/security",
    preferred_languages: "en",
    source_code: "https://io-settlement.example/source"
}

/// Seed of the staking config PDA.
#[constant]
pub const CONFIG_SEED: &[u8] = io_common::seeds::CONFIG;
/// Seed of a node PDA: `[NODE_SEED, node_key]`.
#[constant]
pub const NODE_SEED: &[u8] = io_common::seeds::NODE;
/// Seed of a stake position PDA: `[STAKE_SEED, node, staker]`.
#[constant]
pub const STAKE_SEED: &[u8] = io_common::seeds::STAKE;
/// Seed of a slash record PDA: `[SLASH_SEED, evidence_hash]`.
#[constant]
pub const SLASH_SEED: &[u8] = io_common::seeds::SLASH;
#[constant]
pub const STAKE_VAULT_SEED: &[u8] = io_common::seeds::STAKE_VAULT;
#[constant]
pub const STAKER_REWARD_VAULT_SEED: &[u8] = io_common::seeds::STAKER_REWARD_VAULT;
/// Lowest share of its rewards a node may give its stakers (bps).
#[constant]
pub const MIN_STAKER_SHARE_BPS: u16 = io_common::economics::MIN_STAKER_SHARE_BPS;
/// Highest share of its rewards a node may give its stakers (bps).
#[constant]
pub const MAX_STAKER_SHARE_BPS: u16 = io_common::economics::MAX_STAKER_SHARE_BPS;
/// Highest reporter share of a slash (bps).
#[constant]
pub const MAX_REPORTER_SHARE_BPS: u16 = state::MAX_REPORTER_SHARE_BPS;
/// Least unstake cooldown (seconds).
#[constant]
pub const MIN_UNSTAKE_COOLDOWN_SECS: i64 = state::MIN_UNSTAKE_COOLDOWN_SECS;
/// Greatest unstake cooldown (seconds).
#[constant]
pub const MAX_UNSTAKE_COOLDOWN_SECS: i64 = state::MAX_UNSTAKE_COOLDOWN_SECS;
/// Least stake warm-up (seconds): the staker reward window + one epoch + 1.
#[constant]
pub const MIN_STAKE_WARMUP_SECS: i64 = io_common::economics::MIN_STAKE_WARMUP_SECS;
/// Greatest stake warm-up (seconds).
#[constant]
pub const MAX_STAKE_WARMUP_SECS: i64 = io_common::economics::MAX_STAKE_WARMUP_SECS;
/// Least delay before a node's staker or token share change applies (also ≥ the cooldown).
#[constant]
pub const MIN_SHARE_CHANGE_DELAY_SECS: i64 = state::MIN_SHARE_CHANGE_DELAY_SECS;
/// Greatest `max_stake_per_node` (the IO max supply).
#[constant]
pub const MAX_STAKE_CAP: u64 = state::MAX_STAKE_CAP;
/// Fixed-point scale of `Node::reward_per_share`.
#[constant]
pub const REWARD_SCALE: u128 = state::REWARD_SCALE;

#[program]
pub mod staking {
    use super::*;

    /// Creates the config and the stake and staker-reward vaults (IO token accounts owned
    /// by the config PDA); the signer becomes admin. `io_mint` must be the rewards
    /// program's `[IO_MINT]` PDA; the rewards authority and burn vault are derived from the
    /// rewards program id and can never be changed.
    pub fn initialize(ctx: Context<Initialize>, params: InitializeParams) -> Result<()> {
        ctx.accounts.handler(&ctx.bumps, params)
    }

    /// Admin changes the stake cap, cooldown, reporter share, slash cap or warm-up, or proposes
    /// a new admin or slashing authority (`None` fields stay as they are).
    pub fn update_config(ctx: Context<UpdateConfig>, params: UpdateConfigParams) -> Result<()> {
        ctx.accounts.handler(params)
    }

    /// A proposed admin / slashing authority signs to take every role it was proposed for
    /// (NothingToAccept if it is pending for none).
    pub fn accept_authority(ctx: Context<AcceptAuthority>) -> Result<()> {
        ctx.accounts.handler()
    }

    /// Operator and device key (both sign) register a node: PDA `[NODE, node_key]`,
    /// active, staker share 100..=300 bps, token share 0..=10000 bps, GPU model ≤ 32 bytes.
    pub fn register_node(ctx: Context<RegisterNode>, params: RegisterNodeParams) -> Result<()> {
        ctx.accounts.handler(ctx.bumps.node, params)
    }

    /// Operator changes its node's settings (staker and token shares after a delay of
    /// max(unstake cooldown, 1 day)), proposes a new operator, or (de)activates it (an
    /// inactive node takes no new stake and no new jobs).
    pub fn update_node(ctx: Context<UpdateNode>, params: UpdateNodeParams) -> Result<()> {
        ctx.accounts.handler(params)
    }

    /// The node's proposed operator signs to take the node over.
    pub fn accept_node_operator(ctx: Context<AcceptNodeOperator>) -> Result<()> {
        ctx.accounts.handler()
    }

    /// Creates the staker's position on a node, PDA `[STAKE, node, staker]` (also when someone
    /// sent lamports to it first): once, before (or with) its first stake there.
    pub fn open_stake_position(ctx: Context<OpenStakePosition>) -> Result<()> {
        ctx.accounts.handler(ctx.bumps.position)
    }

    /// Stakes `amount` IO base units on an active node into the staker's position. Shares = amount on an empty pool, else floor(amount × total_shares / total_stake).
    /// They are activating (slashable, earning nothing) for `stake_warmup_secs`. Refused above
    /// `max_stake_per_node` (StakeCapExceeded) or when the amount buys no share (ZeroShares).
    pub fn stake(ctx: Context<Stake>, amount: u64) -> Result<()> {
        ctx.accounts.handler(amount)
    }

    /// Anyone: a position's activating shares whose warm-up has passed start earning.
    pub fn activate_stake(ctx: Context<ActivateStake>) -> Result<()> {
        ctx.accounts.handler()
    }

    /// Moves `shares` into cooldown, activating ones first: they stop earning at once (or
    /// never start) and stay slashable. Unstaking again restarts the cooldown of all
    /// unbonding shares.
    pub fn unstake(ctx: Context<Unstake>, shares: u128) -> Result<()> {
        ctx.accounts.handler(shares)
    }

    /// After the cooldown, pays all unbonding shares out at the current price:
    /// floor(unbonding_shares × total_stake / total_shares) IO.
    pub fn withdraw(ctx: Context<Withdraw>) -> Result<()> {
        ctx.accounts.handler()
    }

    /// Slashing authority cuts a node's whole pool by `fraction_bps` (1..=`max_slash_bps`):
    /// amount = floor(total_stake × fraction / 10000), every staker loses the same fraction.
    /// The reporter (optional account) gets the reporter share in force of it, the rest goes
    /// to the burn vault. Creates the `SlashRecord` `[SLASH, evidence_hash]` (also when someone
    /// sent lamports to that address first), so the same evidence never slashes twice.
    pub fn slash(ctx: Context<Slash>, params: SlashParams) -> Result<()> {
        ctx.accounts.handler(params)
    }

    /// Anyone, read-only: checks that `evidence_hash` slashed, `slash_record` being that slash's
    /// record (clients simulate it to prove a slash and its evidence).
    pub fn verify_slash(ctx: Context<VerifySlash>, evidence_hash: [u8; 32]) -> Result<()> {
        ctx.accounts.handler(evidence_hash)
    }

    /// Staker collects every reward its position has earned (NothingToClaim if none).
    pub fn claim_staker_rewards(ctx: Context<ClaimStakerRewards>) -> Result<()> {
        ctx.accounts.handler()
    }

    /// Rewards program (CPI, signed by its `[MINT_AUTHORITY]` PDA), having paid `amount` of a
    /// node's stakers' rewards into the staker reward vault: spread over the node's active
    /// shares, or kept in `undistributed_rewards` while there are none. 0 is a no-op.
    pub fn deposit_staker_rewards(ctx: Context<DepositStakerRewards>, amount: u64) -> Result<()> {
        ctx.accounts.handler(amount)
    }

    /// Staker closes an empty position (no shares, nothing unbonding or owed) and recovers
    /// its rent.
    pub fn close_stake_position(ctx: Context<CloseStakePosition>) -> Result<()> {
        ctx.accounts.handler()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn program_id_matches_io_common() {
        assert_eq!(crate::ID, io_common::ids::STAKING);
    }
}
