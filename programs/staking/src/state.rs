//! Accounts of the staking program and the share arithmetic they carry.
//!
//! A node's stake is a pool priced in shares: `total_stake` IO backs `total_shares`.
//! Staking buys shares at the current price, withdrawing sells them back. Slashing
//! lowers `total_stake` and leaves every share count untouched, so each staker of the
//! node loses the same fraction and later stakers simply buy shares at the lower price
//! (they are never charged for earlier slashes).
//!
//! Staker rewards use a reward-per-share accumulator over *active* shares (unbonding
//! shares stay slashable but stop earning). See [`REWARD_SCALE`] for why it cannot
//! overflow.

use anchor_lang::prelude::*;
use io_common::economics::{
    share_floor, BPS_DENOMINATOR, MAX_STAKER_SHARE_BPS, MAX_STAKE_WARMUP_SECS,
    MIN_STAKER_SHARE_BPS, MIN_STAKE_WARMUP_SECS,
};
use io_common::handover;

use crate::errors::StakingError;

/// `gpu_model` is at most this many bytes.
pub const MAX_GPU_MODEL_LEN: usize = 32;
/// A slash `reason` is at most this many bytes.
pub const MAX_SLASH_REASON_LEN: usize = 64;
/// The reporter of a fraud gets at most half of the slashed amount.
pub const MAX_REPORTER_SHARE_BPS: u16 = 2_000;
/// Upper bound of `max_slash_bps` (a whole pool).
pub const MAX_SLASH_CAP_BPS: u16 = 10_000;
/// Bounds of `unstake_cooldown_secs`: at least an hour (stake that could leave at once would
/// dodge any slash), at most a year (no unstake deadline can overflow).
pub const MIN_UNSTAKE_COOLDOWN_SECS: i64 = 3_600;
pub const MAX_UNSTAKE_COOLDOWN_SECS: i64 = 365 * 24 * 3_600;
/// Least delay before a new reporter share applies (also at least the unstake cooldown).
pub const MIN_REPORTER_SHARE_DELAY_SECS: i64 = 24 * 3_600;
/// Least delay before a node's new staker or token share applies (also at least the unstake
/// cooldown), so stakers see a change coming and can leave first.
pub const MIN_SHARE_CHANGE_DELAY_SECS: i64 = 24 * 3_600;
/// Stake on one node can never be more than every IO there will ever be.
pub const MAX_STAKE_CAP: u64 = io_common::economics::IO_MAX_SUPPLY;
/// Fixed-point scale of [`Node::reward_per_share`].
///
/// Why 10^18 cannot overflow: every deposit adds `floor(pool * SCALE / active_shares)`
/// with `active_shares >= 1`, so the accumulator never exceeds (all IO ever deposited) ×
/// SCALE; even u64::MAX base units (23× the 800M IO max supply) give 1.8·10^37 < u128::MAX
/// (3.4·10^38). A position's pending reward is `shares × Δaccumulator / SCALE`, and while
/// it held `shares` they were part of every `active_shares` it divided by, so the product
/// is bounded by the same (deposits × SCALE). 10^18 keeps per-share precision for pools
/// up to 800M IO (8·10^17 base-unit shares). What an increment cannot express is carried
/// forward in `undistributed_rewards`; rounding always favours the vault (at most one
/// base unit per deposit and per position settlement stays behind), so every claim is
/// covered.
pub const REWARD_SCALE: u128 = 1_000_000_000_000_000_000;
/// Total shares of a node never exceed this, so that `shares × stake` and
/// `amount × total_shares` always fit in u128 and a withdrawal can never fail on overflow.
/// Only reachable after a node was slashed to a tiny fraction of its stake; then further
/// stake is refused with `ShareSupplyExceeded` (nobody should stake on such a node).
pub const MAX_TOTAL_SHARES: u128 = u64::MAX as u128;

/// Protocol settings. PDA `[CONFIG]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct StakingConfig {
    pub version: u8,
    pub bump: u8,
    /// Changes this config.
    pub admin: Pubkey,
    /// Only key that may slash a node.
    pub slashing_authority: Pubkey,
    /// The IO mint (the rewards program's PDA `[IO_MINT]`).
    pub io_mint: Pubkey,
    /// The rewards program's PDA `[MINT_AUTHORITY]`: the only signer of
    /// `deposit_staker_rewards`. Computed at initialize; nothing can change it.
    pub rewards_authority: Pubkey,
    /// The rewards program's PDA `[BURN_VAULT]`: destination of slashed IO.
    pub burn_vault: Pubkey,
    /// Stake on one node is refused above this (base units).
    pub max_stake_per_node: u64,
    /// Seconds between `unstake` and `withdraw`.
    pub unstake_cooldown_secs: i64,
    /// Part of a slash paid to the reporter (≤ `MAX_REPORTER_SHARE_BPS`). A change waits in
    /// `pending_reporter_share_bps` until `reporter_share_effective_at`.
    pub reporter_share_bps: u16,
    pub stake_vault_bump: u8,
    pub staker_reward_vault_bump: u8,
    /// Largest fraction of a node's pool one slash may take (1..=10000 bps; set by the admin,
    /// not by the slashing authority).
    pub max_slash_bps: u16,
    /// The reporter share that applies from `reporter_share_effective_at` on.
    pub pending_reporter_share_bps: u16,
    /// When `pending_reporter_share_bps` takes effect (0: no change pending).
    pub reporter_share_effective_at: i64,
    /// Seconds new stake spends activating (slashable, earning nothing) before it earns.
    pub stake_warmup_secs: i64,
    /// Proposed admin: becomes `admin` when it signs `accept_authority` (default: none).
    pub pending_admin: Pubkey,
    /// Proposed slashing authority, accepted the same way (default: none).
    pub pending_slashing_authority: Pubkey,
    pub _reserved: [u8; 44],
}

/// A GPU node. PDA `[NODE, node_key]`.
///
/// Created only by `init` in `register_node`, at that PDA, so a staking-owned `Node` (what
/// `Account<Node>` checks) is always at its PDA: later instructions (here, in escrow and in
/// rewards) identify it by type, not by re-deriving the address (`seeds` + `bump` costs a
/// 1,500-unit `create_program_address`, a hash check ~300; withdraw measured 12,258 CU with the
/// hash checks on node and position on Agave 4.1.2, budget 9,000).
#[account]
#[derive(InitSpace, Debug)]
pub struct Node {
    pub version: u8,
    pub bump: u8,
    /// Wallet that runs the node: receives job pay and rewards, updates the node.
    pub operator: Pubkey,
    /// Device key: signs start/complete of jobs in escrow.
    pub node_key: Pubkey,
    /// Inactive nodes accept no new stake and no new jobs.
    pub active: bool,
    /// Part of the node's rewards paid to its stakers (100..=300 bps).
    pub staker_share_bps: u16,
    /// Part of its job payout the node directs to buy-back/burn (0..=10000 bps).
    pub token_share_bps: u16,
    /// Staker share from `shares_effective_at` on (see [`Node::staker_share_bps_at`]).
    pub pending_staker_share_bps: u16,
    /// Token share from `shares_effective_at` on (see [`Node::token_share_bps_at`]).
    pub pending_token_share_bps: u16,
    /// When the pending shares take effect (0: no change pending).
    pub shares_effective_at: i64,
    /// Shares that earn rewards (not unbonding). First of the [`RewardPool`] fields.
    pub active_shares: u128,
    /// Reward accumulator per active share, scaled by [`REWARD_SCALE`].
    pub reward_per_share: u128,
    /// Rewards not yet spread over shares: those that arrived while `active_shares` was 0,
    /// plus rounding dust; folded into the next distribution.
    pub undistributed_rewards: u64,
    /// IO backing the pool, including unbonding stake (base units).
    pub total_stake: u64,
    /// All shares, including unbonding ones.
    pub total_shares: u128,
    /// Shares bought less than the warm-up ago: in `total_shares` (backed and slashable) but
    /// not in `active_shares` (earning nothing yet).
    pub activating_shares: u128,
    pub tier: u8,
    pub slash_count: u32,
    pub total_slashed: u64,
    pub registered_at: i64,
    /// Proposed operator: takes the node over when it signs `accept_node_operator`
    /// (default: none).
    pub pending_operator: Pubkey,
    pub _reserved: [u8; 4],
    /// Last, so that every other field has a fixed offset (what other programs read lazily,
    /// and the reward pool a deposit updates in place, are near the front).
    #[max_len(MAX_GPU_MODEL_LEN)]
    pub gpu_model: String,
}

/// Whether a pending share change (effective from `effective_at`; 0: none pending) is in force
/// at `now`.
pub fn pending_share_in_force(effective_at: i64, now: i64) -> bool {
    effective_at != 0 && now >= effective_at
}

/// A share setting in force at `now`.
pub fn share_in_force(current: u16, pending: u16, effective_at: i64, now: i64) -> u16 {
    if pending_share_in_force(effective_at, now) {
        pending
    } else {
        current
    }
}

/// [`Node::token_share_bps_at`] on a lazily loaded node, loading only the fields it needs: for
/// the other programs' instructions that read little of a node (escrow's settle_job).
pub fn lazy_token_share_bps_at(node: &LazyAccount<'_, Node>, now: i64) -> Result<u16> {
    Ok(
        if pending_share_in_force(*node.load_shares_effective_at()?, now) {
            *node.load_pending_token_share_bps()?
        } else {
            *node.load_token_share_bps()?
        },
    )
}

/// [`StakingConfig::reporter_share_at`] on a lazily loaded config (slash).
pub fn lazy_reporter_share_bps_at(
    config: &LazyAccount<'_, StakingConfig>,
    now: i64,
) -> Result<u16> {
    Ok(
        if pending_share_in_force(*config.load_reporter_share_effective_at()?, now) {
            *config.load_pending_reporter_share_bps()?
        } else {
            *config.load_reporter_share_bps()?
        },
    )
}

/// [`Node::staker_share_bps_at`] on a lazily loaded node (rewards' claim).
pub fn lazy_staker_share_bps_at(node: &LazyAccount<'_, Node>, now: i64) -> Result<u16> {
    Ok(
        if pending_share_in_force(*node.load_shares_effective_at()?, now) {
            *node.load_pending_staker_share_bps()?
        } else {
            *node.load_staker_share_bps()?
        },
    )
}

/// One staker's stake on one node. PDA `[STAKE, node, staker]`.
///
/// Created only by `stake`, at its canonical PDA; later instructions identify it by type and by
/// `has_one` on its staker and node (see `Node`).
#[account]
#[derive(InitSpace, Debug)]
pub struct StakePosition {
    pub version: u8,
    pub bump: u8,
    pub staker: Pubkey,
    pub node: Pubkey,
    /// Active (earning) shares.
    pub shares: u128,
    /// Shares in cooldown: still slashable, no longer earning.
    pub unbonding_shares: u128,
    /// When the unbonding shares can be withdrawn.
    pub unbonding_until: i64,
    /// The node's `reward_per_share` when this position was last settled (rewards
    /// accrued before it are already in `rewards_owed`).
    pub reward_debt: u128,
    /// Settled rewards not yet claimed (base units).
    pub rewards_owed: u64,
    /// Shares still warming up: slashable, earning nothing until `activates_at`.
    pub activating_shares: u128,
    /// When `activating_shares` may become active (0: nothing activating).
    pub activates_at: i64,
    pub _reserved: [u8; 40],
}

/// Permanent record of one slash, PDA `[SLASH, evidence_hash]`: one per evidence, ever. Created
/// by the slash that used the evidence, so the same evidence can never slash again (any node, any
/// caller): the record is the evidence's mark.
#[account]
#[derive(InitSpace, Debug)]
pub struct SlashRecord {
    pub version: u8,
    pub bump: u8,
    pub node: Pubkey,
    /// The node's `slash_count` before this slash.
    pub index: u32,
    pub authority: Pubkey,
    pub fraction_bps: u16,
    /// Total IO taken from the pool.
    pub amount: u64,
    /// Part of `amount` sent to the burn vault.
    pub burned: u64,
    /// Owner of the reporter's token account (default key when there was no reporter).
    pub reporter: Pubkey,
    pub reporter_amount: u64,
    pub evidence_hash: [u8; 32],
    #[max_len(MAX_SLASH_REASON_LEN)]
    pub reason: String,
    pub stake_before: u64,
    pub stake_after: u64,
    pub timestamp: i64,
    pub _reserved: [u8; 64],
}

/// How a slash divides up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlashSplit {
    pub amount: u64,
    pub reporter_amount: u64,
    pub burned: u64,
}

/// A handover's first step (`io_common::handover::proposal`) for a config authority or a node
/// operator; the default key is refused with InvalidAuthority.
pub fn proposal(current: Pubkey, key: Pubkey) -> std::result::Result<Pubkey, StakingError> {
    handover::proposal(current, key).ok_or(StakingError::InvalidAuthority)
}

impl StakingConfig {
    pub fn validate_reporter_share(bps: u16) -> std::result::Result<(), StakingError> {
        if bps > MAX_REPORTER_SHARE_BPS {
            return Err(StakingError::InvalidReporterShare);
        }
        Ok(())
    }

    pub fn validate_max_slash(bps: u16) -> std::result::Result<(), StakingError> {
        if bps == 0 || bps > MAX_SLASH_CAP_BPS {
            return Err(StakingError::InvalidSlashCap);
        }
        Ok(())
    }

    /// The reporter share in force at `now` (a pending change applies once its time came).
    pub fn reporter_share_at(&self, now: i64) -> u16 {
        share_in_force(
            self.reporter_share_bps,
            self.pending_reporter_share_bps,
            self.reporter_share_effective_at,
            now,
        )
    }

    /// Schedules `bps` as the reporter share from `now + max(cooldown, 1 day)` on; a change
    /// already due is applied first, a pending one not yet due is replaced.
    pub fn schedule_reporter_share(
        &mut self,
        bps: u16,
        now: i64,
    ) -> std::result::Result<i64, StakingError> {
        Self::validate_reporter_share(bps)?;
        self.reporter_share_bps = self.reporter_share_at(now);
        let delay = self
            .unstake_cooldown_secs
            .max(MIN_REPORTER_SHARE_DELAY_SECS);
        let at = now.checked_add(delay).ok_or(StakingError::MathOverflow)?;
        self.pending_reporter_share_bps = bps;
        self.reporter_share_effective_at = at;
        Ok(at)
    }

    pub fn validate_cooldown(secs: i64) -> std::result::Result<(), StakingError> {
        if !(MIN_UNSTAKE_COOLDOWN_SECS..=MAX_UNSTAKE_COOLDOWN_SECS).contains(&secs) {
            return Err(StakingError::InvalidCooldown);
        }
        Ok(())
    }

    pub fn validate_max_stake(max: u64) -> std::result::Result<(), StakingError> {
        if max == 0 || max > MAX_STAKE_CAP {
            return Err(StakingError::InvalidMaxStake);
        }
        Ok(())
    }

    pub fn validate_warmup(secs: i64) -> std::result::Result<(), StakingError> {
        if !(MIN_STAKE_WARMUP_SECS..=MAX_STAKE_WARMUP_SECS).contains(&secs) {
            return Err(StakingError::InvalidWarmup);
        }
        Ok(())
    }

    /// Delay before a node's share change applies: max(unstake cooldown, 1 day).
    pub fn share_change_delay(&self) -> i64 {
        self.unstake_cooldown_secs.max(MIN_SHARE_CHANGE_DELAY_SECS)
    }

    /// Promotes every role whose pending key is `signer` (and clears it); false if none is.
    pub fn accept(&mut self, signer: Pubkey) -> bool {
        let admin = handover::accept(&mut self.admin, &mut self.pending_admin, signer);
        let slashing_authority = handover::accept(
            &mut self.slashing_authority,
            &mut self.pending_slashing_authority,
            signer,
        );
        admin || slashing_authority
    }
}

impl Node {
    pub fn validate_staker_share(bps: u16) -> std::result::Result<(), StakingError> {
        if !(MIN_STAKER_SHARE_BPS..=MAX_STAKER_SHARE_BPS).contains(&bps) {
            return Err(StakingError::InvalidStakerShare);
        }
        Ok(())
    }

    pub fn validate_token_share(bps: u16) -> std::result::Result<(), StakingError> {
        if u64::from(bps) > BPS_DENOMINATOR {
            return Err(StakingError::InvalidTokenShare);
        }
        Ok(())
    }

    /// The staker share in force at `now` (a pending change applies once its time came).
    pub fn staker_share_bps_at(&self, now: i64) -> u16 {
        share_in_force(
            self.staker_share_bps,
            self.pending_staker_share_bps,
            self.shares_effective_at,
            now,
        )
    }

    /// The token share in force at `now` (a pending change applies once its time came).
    pub fn token_share_bps_at(&self, now: i64) -> u16 {
        share_in_force(
            self.token_share_bps,
            self.pending_token_share_bps,
            self.shares_effective_at,
            now,
        )
    }

    /// Schedules new staker and/or token shares from `now + delay` on. A change already due is
    /// applied first; a field not given keeps its pending value (or the one in force), and the
    /// delay restarts for both: one pending set, one effective time.
    pub fn schedule_shares(
        &mut self,
        staker_share_bps: Option<u16>,
        token_share_bps: Option<u16>,
        now: i64,
        delay: i64,
    ) -> std::result::Result<i64, StakingError> {
        if let Some(bps) = staker_share_bps {
            Self::validate_staker_share(bps)?;
        }
        if let Some(bps) = token_share_bps {
            Self::validate_token_share(bps)?;
        }
        let at = now.checked_add(delay).ok_or(StakingError::MathOverflow)?;
        if self.shares_effective_at != 0 && now >= self.shares_effective_at {
            self.staker_share_bps = self.pending_staker_share_bps;
            self.token_share_bps = self.pending_token_share_bps;
        } else if self.shares_effective_at == 0 {
            self.pending_staker_share_bps = self.staker_share_bps;
            self.pending_token_share_bps = self.token_share_bps;
        }
        if let Some(bps) = staker_share_bps {
            self.pending_staker_share_bps = bps;
        }
        if let Some(bps) = token_share_bps {
            self.pending_token_share_bps = bps;
        }
        self.shares_effective_at = at;
        Ok(at)
    }

    pub fn validate_gpu_model(model: &str) -> std::result::Result<(), StakingError> {
        if model.len() > MAX_GPU_MODEL_LEN {
            return Err(StakingError::GpuModelTooLong);
        }
        Ok(())
    }

    /// Shares bought by staking `amount` at the current price (rounded down, in the pool's
    /// favour). The first stake (or the first after every share was withdrawn) prices a
    /// share at one base unit.
    pub fn shares_for_stake(&self, amount: u64) -> std::result::Result<u128, StakingError> {
        if self.total_shares == 0 {
            return Ok(u128::from(amount));
        }
        if self.total_stake == 0 {
            // Slashed to nothing while shares remain: a new stake would be shared with
            // the old, worthless shares. Refuse until they are withdrawn.
            return Err(StakingError::PoolWipedOut);
        }
        u128::from(amount)
            .checked_mul(self.total_shares)
            .map(|product| product / u128::from(self.total_stake))
            .ok_or(StakingError::MathOverflow)
    }

    /// IO that `shares` are worth now (rounded down, in the pool's favour).
    pub fn stake_for_shares(&self, shares: u128) -> std::result::Result<u64, StakingError> {
        if shares > self.total_shares {
            return Err(StakingError::InsufficientShares);
        }
        if shares == 0 {
            return Ok(0);
        }
        let value = shares
            .checked_mul(u128::from(self.total_stake))
            .ok_or(StakingError::MathOverflow)?
            / self.total_shares;
        // shares ≤ total_shares, so value ≤ total_stake: always fits.
        u64::try_from(value).map_err(|_| StakingError::MathOverflow)
    }

    /// Add a stake of `amount` buying `shares`, which start activating (slashable, not
    /// earning) until the warm-up has passed.
    pub fn add_stake(
        &mut self,
        amount: u64,
        shares: u128,
    ) -> std::result::Result<(), StakingError> {
        let total_shares = self
            .total_shares
            .checked_add(shares)
            .ok_or(StakingError::MathOverflow)?;
        if total_shares > MAX_TOTAL_SHARES {
            return Err(StakingError::ShareSupplyExceeded);
        }
        self.total_stake = self
            .total_stake
            .checked_add(amount)
            .ok_or(StakingError::MathOverflow)?;
        self.total_shares = total_shares;
        self.activating_shares = self
            .activating_shares
            .checked_add(shares)
            .ok_or(StakingError::MathOverflow)?;
        Ok(())
    }

    /// Warmed-up shares start earning.
    pub fn activate_shares(&mut self, shares: u128) -> std::result::Result<(), StakingError> {
        self.activating_shares = self
            .activating_shares
            .checked_sub(shares)
            .ok_or(StakingError::MathOverflow)?;
        self.active_shares = self
            .active_shares
            .checked_add(shares)
            .ok_or(StakingError::MathOverflow)?;
        Ok(())
    }

    /// Shares stop earning (unstake); they stay in the pool and slashable.
    pub fn deactivate_shares(&mut self, shares: u128) -> std::result::Result<(), StakingError> {
        self.active_shares = self
            .active_shares
            .checked_sub(shares)
            .ok_or(StakingError::MathOverflow)?;
        Ok(())
    }

    /// Activating shares unbond before they ever earned (unstake).
    pub fn unbond_activating_shares(
        &mut self,
        shares: u128,
    ) -> std::result::Result<(), StakingError> {
        self.activating_shares = self
            .activating_shares
            .checked_sub(shares)
            .ok_or(StakingError::MathOverflow)?;
        Ok(())
    }

    /// Remove unbonding `shares` worth `amount` from the pool (withdraw).
    pub fn remove_stake(
        &mut self,
        amount: u64,
        shares: u128,
    ) -> std::result::Result<(), StakingError> {
        self.total_stake = self
            .total_stake
            .checked_sub(amount)
            .ok_or(StakingError::MathOverflow)?;
        self.total_shares = self
            .total_shares
            .checked_sub(shares)
            .ok_or(StakingError::MathOverflow)?;
        Ok(())
    }

    /// What slashing `fraction_bps` of the pool takes, and how it divides between the
    /// reporter (if any) and the burn vault.
    pub fn slash_split(
        &self,
        fraction_bps: u16,
        reporter_share_bps: u16,
        has_reporter: bool,
    ) -> std::result::Result<SlashSplit, StakingError> {
        if fraction_bps == 0 || u64::from(fraction_bps) > BPS_DENOMINATOR {
            return Err(StakingError::InvalidSlashFraction);
        }
        let amount = share_floor(self.total_stake, u64::from(fraction_bps))
            .ok_or(StakingError::MathOverflow)?;
        if amount == 0 {
            return Err(StakingError::NothingToSlash);
        }
        let reporter_amount = if has_reporter {
            share_floor(amount, u64::from(reporter_share_bps)).ok_or(StakingError::MathOverflow)?
        } else {
            0
        };
        let burned = amount
            .checked_sub(reporter_amount)
            .ok_or(StakingError::MathOverflow)?;
        Ok(SlashSplit {
            amount,
            reporter_amount,
            burned,
        })
    }

    /// Take `amount` from the pool. Share counts are unchanged on purpose: every share
    /// (active or unbonding) loses the same fraction of its value.
    pub fn apply_slash(&mut self, amount: u64) -> std::result::Result<(), StakingError> {
        self.total_stake = self
            .total_stake
            .checked_sub(amount)
            .ok_or(StakingError::MathOverflow)?;
        self.total_slashed = self
            .total_slashed
            .checked_add(amount)
            .ok_or(StakingError::MathOverflow)?;
        self.slash_count = self
            .slash_count
            .checked_add(1)
            .ok_or(StakingError::MathOverflow)?;
        Ok(())
    }

    /// Spread `amount` of staker rewards over the active shares (see [`RewardPool::distribute`]).
    pub fn distribute_rewards(&mut self, amount: u64) -> std::result::Result<(), StakingError> {
        let mut pool = RewardPool {
            active_shares: self.active_shares,
            reward_per_share: self.reward_per_share,
            undistributed_rewards: self.undistributed_rewards,
        };
        pool.distribute(amount)?;
        self.reward_per_share = pool.reward_per_share;
        self.undistributed_rewards = pool.undistributed_rewards;
        Ok(())
    }
}

/// A node's staker-reward pool: three adjacent fields of [`Node`], at a fixed offset.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct RewardPool {
    pub active_shares: u128,
    pub reward_per_share: u128,
    pub undistributed_rewards: u64,
}

impl RewardPool {
    /// Byte offset (discriminator included) of the pool in a stored [`Node`]: after the
    /// fixed-size fields `version` … `shares_effective_at` (a test checks it against a
    /// serialized Node).
    pub const OFFSET: usize = 8 + 1 + 1 + 32 + 32 + 1 + 2 + 2 + 2 + 2 + 8;
    /// Its size in the layout.
    pub const LEN: usize = 16 + 16 + 8;

    /// Spread `amount` of staker rewards over the active shares. Rewards that cannot be
    /// spread yet (no active shares) or rounding dust wait in `undistributed_rewards` and
    /// join the next distribution, so the vault always covers every claim.
    pub fn distribute(&mut self, amount: u64) -> std::result::Result<(), StakingError> {
        let pool = amount
            .checked_add(self.undistributed_rewards)
            .ok_or(StakingError::MathOverflow)?;
        if self.active_shares == 0 {
            self.undistributed_rewards = pool;
            return Ok(());
        }
        let increment = u128::from(pool)
            .checked_mul(REWARD_SCALE)
            .ok_or(StakingError::MathOverflow)?
            / self.active_shares;
        // What the positions can claim from this increment, rounded *up*: positions claim
        // floor(shares × Σ increments / SCALE), which can exceed the sum of per-deposit
        // floors, so only the ceiling keeps the carried dust from being paid twice.
        // increment × active_shares ≤ pool × SCALE, so this fits and is ≤ pool.
        let spread = increment
            .checked_mul(self.active_shares)
            .ok_or(StakingError::MathOverflow)?
            .div_ceil(REWARD_SCALE);
        let spread = u64::try_from(spread).map_err(|_| StakingError::MathOverflow)?;
        self.reward_per_share = self
            .reward_per_share
            .checked_add(increment)
            .ok_or(StakingError::MathOverflow)?;
        self.undistributed_rewards = pool.checked_sub(spread).ok_or(StakingError::MathOverflow)?;
        Ok(())
    }

    /// [`RewardPool::distribute`] on a stored Node's data (discriminator included), in place;
    /// the pool after. WrongNode if the data is not a Node's.
    pub fn distribute_in(data: &mut [u8], amount: u64) -> Result<Self> {
        require!(
            data.starts_with(Node::DISCRIMINATOR),
            StakingError::WrongNode
        );
        let bytes = data
            .get_mut(Self::OFFSET..Self::OFFSET + Self::LEN)
            .ok_or(StakingError::WrongNode)?;
        let mut pool = Self::try_from_slice(bytes)?;
        pool.distribute(amount)?;
        pool.serialize(&mut &mut bytes[..])?;
        Ok(pool)
    }
}

impl StakePosition {
    /// Move rewards earned by the active shares since the last settlement into
    /// `rewards_owed`. Must run before `shares` changes.
    pub fn settle_rewards(&mut self, node: &Node) -> std::result::Result<(), StakingError> {
        let delta = node
            .reward_per_share
            .checked_sub(self.reward_debt)
            .ok_or(StakingError::MathOverflow)?;
        let pending = self
            .shares
            .checked_mul(delta)
            .ok_or(StakingError::MathOverflow)?
            / REWARD_SCALE;
        let pending = u64::try_from(pending).map_err(|_| StakingError::MathOverflow)?;
        self.rewards_owed = self
            .rewards_owed
            .checked_add(pending)
            .ok_or(StakingError::MathOverflow)?;
        self.reward_debt = node.reward_per_share;
        Ok(())
    }

    /// Whether the position's activating shares may start earning at `now`.
    pub fn activation_due(&self, now: i64) -> bool {
        self.activating_shares > 0 && now >= self.activates_at
    }

    /// Activating shares whose warm-up has passed become active: rewards of the old active
    /// shares are settled first, so the new ones start at the current accumulator and earn
    /// only what is deposited from now on. Returns the shares activated (0 if none were due).
    pub fn activate_if_due(
        &mut self,
        node: &mut Node,
        now: i64,
    ) -> std::result::Result<u128, StakingError> {
        if !self.activation_due(now) {
            return Ok(0);
        }
        self.settle_rewards(node)?;
        let shares = self.activating_shares;
        node.activate_shares(shares)?;
        self.shares = self
            .shares
            .checked_add(shares)
            .ok_or(StakingError::MathOverflow)?;
        self.activating_shares = 0;
        self.activates_at = 0;
        Ok(shares)
    }

    /// New shares join the activating batch; the batch activates at the later of its time and
    /// `now + warmup`.
    pub fn add_activating(
        &mut self,
        shares: u128,
        now: i64,
        warmup: i64,
    ) -> std::result::Result<(), StakingError> {
        self.activating_shares = self
            .activating_shares
            .checked_add(shares)
            .ok_or(StakingError::MathOverflow)?;
        let at = now.checked_add(warmup).ok_or(StakingError::MathOverflow)?;
        self.activates_at = self.activates_at.max(at);
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.shares == 0
            && self.activating_shares == 0
            && self.unbonding_shares == 0
            && self.rewards_owed == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use io_common::layout::ACCOUNT_VERSION;

    const IO: u64 = io_common::economics::IO_UNIT;

    fn node() -> Node {
        Node {
            version: ACCOUNT_VERSION,
            bump: 255,
            operator: Pubkey::new_unique(),
            node_key: Pubkey::new_unique(),
            gpu_model: "H100".into(),
            tier: 1,
            staker_share_bps: 200,
            token_share_bps: 0,
            total_stake: 0,
            total_shares: 0,
            active_shares: 0,
            reward_per_share: 0,
            undistributed_rewards: 0,
            slash_count: 0,
            total_slashed: 0,
            active: true,
            registered_at: 0,
            pending_operator: Pubkey::default(),
            pending_staker_share_bps: 0,
            pending_token_share_bps: 0,
            shares_effective_at: 0,
            activating_shares: 0,
            _reserved: [0; 4],
        }
    }

    #[test]
    fn the_reward_pool_is_updated_in_place_as_on_the_node() {
        let mut node = node();
        node.gpu_model = "RTX 4090 with a long name".into();
        node.active_shares = 3_000_000_007;
        node.reward_per_share = 0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10;
        node.undistributed_rewards = 5;
        node.shares_effective_at = -2;
        node.total_stake = u64::MAX;
        let mut data = Vec::new();
        node.try_serialize(&mut data).unwrap();
        let stored = RewardPool::try_from_slice(
            &data[RewardPool::OFFSET..RewardPool::OFFSET + RewardPool::LEN],
        )
        .unwrap();
        assert_eq!(
            stored,
            RewardPool {
                active_shares: node.active_shares,
                reward_per_share: node.reward_per_share,
                undistributed_rewards: 5,
            }
        );

        let pool = RewardPool::distribute_in(&mut data, 1_234_567).unwrap();
        node.distribute_rewards(1_234_567).unwrap();
        let mut expected = Vec::new();
        node.try_serialize(&mut expected).unwrap();
        assert_eq!(data, expected);
        assert_eq!(
            (pool.reward_per_share, pool.undistributed_rewards),
            (node.reward_per_share, node.undistributed_rewards)
        );

        let mut position = data.clone();
        position[..8].copy_from_slice(StakePosition::DISCRIMINATOR);
        assert!(RewardPool::distribute_in(&mut position, 1).is_err());
        assert!(RewardPool::distribute_in(&mut data[..RewardPool::OFFSET + 8], 1).is_err());
    }

    fn position(node: &Node) -> StakePosition {
        StakePosition {
            version: ACCOUNT_VERSION,
            bump: 255,
            staker: Pubkey::new_unique(),
            node: Pubkey::new_unique(),
            shares: 0,
            unbonding_shares: 0,
            unbonding_until: 0,
            reward_debt: node.reward_per_share,
            rewards_owed: 0,
            activating_shares: 0,
            activates_at: 0,
            _reserved: [0; 40],
        }
    }

    /// What the handlers do, without accounts; the stake is warmed up at once.
    fn stake(node: &mut Node, pos: &mut StakePosition, amount: u64) -> u128 {
        let shares = node.shares_for_stake(amount).unwrap();
        assert!(shares > 0);
        node.add_stake(amount, shares).unwrap();
        pos.add_activating(shares, 0, 0).unwrap();
        assert_eq!(pos.activate_if_due(node, 0).unwrap(), shares);
        shares
    }

    fn unstake(node: &mut Node, pos: &mut StakePosition, shares: u128) {
        pos.settle_rewards(node).unwrap();
        node.deactivate_shares(shares).unwrap();
        pos.shares -= shares;
        pos.unbonding_shares += shares;
    }

    fn unstake_all(node: &mut Node, pos: &mut StakePosition) {
        let shares = pos.shares;
        unstake(node, pos, shares);
    }

    fn withdraw(node: &mut Node, pos: &mut StakePosition) -> u64 {
        let amount = node.stake_for_shares(pos.unbonding_shares).unwrap();
        node.remove_stake(amount, pos.unbonding_shares).unwrap();
        pos.unbonding_shares = 0;
        amount
    }

    fn slash(node: &mut Node, fraction_bps: u16) -> u64 {
        let split = node.slash_split(fraction_bps, 0, false).unwrap();
        node.apply_slash(split.amount).unwrap();
        split.amount
    }

    fn value(node: &Node, pos: &StakePosition) -> u64 {
        node.stake_for_shares(pos.shares + pos.unbonding_shares)
            .unwrap()
    }

    #[test]
    fn first_stake_prices_shares_at_one_base_unit() {
        let mut n = node();
        let mut a = position(&n);
        assert_eq!(stake(&mut n, &mut a, 1_000 * IO), u128::from(1_000 * IO));
        assert_eq!(value(&n, &a), 1_000 * IO);
    }

    #[test]
    fn every_staker_loses_the_same_fraction() {
        let mut n = node();
        let (mut a, mut b, mut c) = (position(&n), position(&n), position(&n));
        stake(&mut n, &mut a, 1_000 * IO);
        stake(&mut n, &mut b, 3_000 * IO);
        stake(&mut n, &mut c, 6_000 * IO);
        // c starts unbonding: still slashable.
        let half = c.shares / 2;
        unstake(&mut n, &mut c, half);
        let taken = slash(&mut n, 2_500);
        assert_eq!(taken, 2_500 * IO);
        assert_eq!(value(&n, &a), 750 * IO);
        assert_eq!(value(&n, &b), 2_250 * IO);
        assert_eq!(value(&n, &c), 4_500 * IO);
        assert_eq!(n.total_stake, 7_500 * IO);
    }

    #[test]
    fn later_stakers_are_not_charged_for_earlier_slashes() {
        let mut n = node();
        let (mut a, mut b) = (position(&n), position(&n));
        stake(&mut n, &mut a, 1_000 * IO);
        slash(&mut n, 5_000);
        assert_eq!(value(&n, &a), 500 * IO);
        // b buys at the new price: 1 000 IO buys 2 000 shares and is worth 1 000 IO.
        let shares = stake(&mut n, &mut b, 1_000 * IO);
        assert_eq!(shares, u128::from(2_000 * IO));
        assert_eq!(value(&n, &b), 1_000 * IO);
        assert_eq!(value(&n, &a), 500 * IO);
        // A second slash hits both by the same fraction.
        slash(&mut n, 1_000);
        assert_eq!(value(&n, &a), 450 * IO);
        assert_eq!(value(&n, &b), 900 * IO);
        unstake_all(&mut n, &mut a);
        unstake_all(&mut n, &mut b);
        assert_eq!(withdraw(&mut n, &mut a), 450 * IO);
        assert_eq!(withdraw(&mut n, &mut b), 900 * IO);
        assert_eq!((n.total_stake, n.total_shares, n.active_shares), (0, 0, 0));
    }

    #[test]
    fn rounding_never_pays_out_more_than_the_pool_holds() {
        // Odd amounts and odd slashes: the sum of withdrawals never exceeds the stake.
        for seed in 1..200u64 {
            let mut n = node();
            let mut positions: Vec<StakePosition> = (0..5).map(|_| position(&n)).collect();
            let mut staked = 0u64;
            for (i, p) in positions.iter_mut().enumerate() {
                let amount = seed * 7_919 + i as u64 * 104_729 + 1;
                stake(&mut n, p, amount);
                staked += amount;
                if i % 2 == 1 {
                    let fraction = ((seed * 37 + i as u64) % 9_999 + 1) as u16;
                    if let Ok(split) = n.slash_split(fraction, 0, false) {
                        n.apply_slash(split.amount).unwrap();
                        staked -= split.amount;
                    }
                }
            }
            let mut paid = 0u64;
            for p in positions.iter_mut() {
                let shares = p.shares;
                unstake(&mut n, p, shares);
                paid += withdraw(&mut n, p);
            }
            // Each withdrawal rounds down; the last one out holds every remaining share and
            // takes the dust, so the pool empties exactly and never pays more than it holds.
            assert_eq!(paid, staked);
            assert_eq!((n.total_stake, n.total_shares), (0, 0));
        }
    }

    #[test]
    fn pool_slashed_to_nothing_refuses_new_stake_until_old_shares_leave() {
        let mut n = node();
        let mut a = position(&n);
        stake(&mut n, &mut a, 10 * IO);
        slash(&mut n, 10_000);
        assert_eq!(value(&n, &a), 0);
        assert!(matches!(
            n.shares_for_stake(IO),
            Err(StakingError::PoolWipedOut)
        ));
        assert!(matches!(
            n.slash_split(5_000, 0, false),
            Err(StakingError::NothingToSlash)
        ));
        unstake_all(&mut n, &mut a);
        assert_eq!(withdraw(&mut n, &mut a), 0);
        let mut b = position(&n);
        assert_eq!(stake(&mut n, &mut b, IO), u128::from(IO));
    }

    #[test]
    fn share_supply_is_capped_so_withdrawals_cannot_overflow() {
        let mut n = node();
        let mut a = position(&n);
        stake(&mut n, &mut a, 800_000_000 * IO);
        slash(&mut n, 9_999);
        // 80 000 IO left backing 8·10^17 shares: a big stake would mint > u64::MAX shares.
        let shares = n.shares_for_stake(800_000_000 * IO).unwrap();
        assert!(matches!(
            n.add_stake(800_000_000 * IO, shares),
            Err(StakingError::ShareSupplyExceeded)
        ));
        // At the cap, the widest product still fits.
        let mut m = node();
        m.total_stake = u64::MAX;
        m.total_shares = MAX_TOTAL_SHARES;
        assert_eq!(m.stake_for_shares(MAX_TOTAL_SHARES).unwrap(), u64::MAX);
        assert!(m.shares_for_stake(u64::MAX).is_ok());
    }

    #[test]
    fn slash_split_pays_the_reporter_only_when_there_is_one() {
        let mut n = node();
        n.total_stake = 1_001;
        let with = n.slash_split(10_000, 5_000, true).unwrap();
        assert_eq!(
            with,
            SlashSplit {
                amount: 1_001,
                reporter_amount: 500,
                burned: 501
            }
        );
        let without = n.slash_split(10_000, 5_000, false).unwrap();
        assert_eq!(
            without,
            SlashSplit {
                amount: 1_001,
                reporter_amount: 0,
                burned: 1_001
            }
        );
        assert!(matches!(
            n.slash_split(0, 0, false),
            Err(StakingError::InvalidSlashFraction)
        ));
        assert!(matches!(
            n.slash_split(10_001, 0, false),
            Err(StakingError::InvalidSlashFraction)
        ));
        n.apply_slash(with.amount).unwrap();
        assert_eq!(
            (n.total_stake, n.total_slashed, n.slash_count),
            (0, 1_001, 1)
        );
    }

    #[test]
    fn rewards_are_pro_rata_to_active_shares() {
        let mut n = node();
        let (mut a, mut b) = (position(&n), position(&n));
        stake(&mut n, &mut a, 1_000 * IO);
        stake(&mut n, &mut b, 3_000 * IO);
        n.distribute_rewards(400 * IO).unwrap();
        a.settle_rewards(&n).unwrap();
        b.settle_rewards(&n).unwrap();
        assert_eq!((a.rewards_owed, b.rewards_owed), (100 * IO, 300 * IO));
        // Unbonding shares stop earning.
        unstake_all(&mut n, &mut b);
        n.distribute_rewards(100 * IO).unwrap();
        a.settle_rewards(&n).unwrap();
        b.settle_rewards(&n).unwrap();
        assert_eq!((a.rewards_owed, b.rewards_owed), (200 * IO, 300 * IO));
    }

    #[test]
    fn a_late_staker_earns_nothing_from_earlier_rewards() {
        let mut n = node();
        let mut a = position(&n);
        stake(&mut n, &mut a, 1_000);
        n.distribute_rewards(1_000).unwrap();
        let mut late = position(&n);
        stake(&mut n, &mut late, 1_000);
        late.settle_rewards(&n).unwrap();
        assert_eq!(late.rewards_owed, 0);
        a.settle_rewards(&n).unwrap();
        assert_eq!(a.rewards_owed, 1_000);
    }

    #[test]
    fn activating_shares_earn_nothing_until_activated() {
        let mut n = node();
        let mut a = position(&n);
        stake(&mut n, &mut a, 1_000);
        // A sniper's stake warms up: backed and counted in the pool, not earning.
        let mut sniper = position(&n);
        let shares = n.shares_for_stake(1_000_000).unwrap();
        n.add_stake(1_000_000, shares).unwrap();
        sniper.add_activating(shares, 100, 50).unwrap();
        assert_eq!((n.active_shares, n.activating_shares), (1_000, shares));
        n.distribute_rewards(900).unwrap();
        assert_eq!(sniper.activate_if_due(&mut n, 149).unwrap(), 0);
        sniper.settle_rewards(&n).unwrap();
        a.settle_rewards(&n).unwrap();
        assert_eq!((a.rewards_owed, sniper.rewards_owed), (900, 0));
        // A second stake merges and moves the activation to the later time.
        sniper.add_activating(1, 120, 50).unwrap();
        n.add_stake(1, 1).unwrap();
        assert_eq!(sniper.activates_at, 170);
        assert_eq!(sniper.activate_if_due(&mut n, 170).unwrap(), shares + 1);
        assert_eq!(
            (n.active_shares, n.activating_shares),
            (1_000 + shares + 1, 0)
        );
        // Rewards from now on are shared with it.
        n.distribute_rewards(1_000_001 + 1_000).unwrap();
        sniper.settle_rewards(&n).unwrap();
        assert_eq!(sniper.rewards_owed, 1_000_001);
        assert!(!sniper.is_empty());
    }

    #[test]
    fn share_changes_apply_after_the_delay() {
        let mut n = node();
        assert_eq!(
            (n.staker_share_bps_at(0), n.token_share_bps_at(0)),
            (200, 0)
        );
        assert_eq!(
            n.schedule_shares(Some(100), None, 1_000, 500).unwrap(),
            1_500
        );
        assert_eq!(
            (n.staker_share_bps_at(1_499), n.token_share_bps_at(1_499)),
            (200, 0)
        );
        assert_eq!(
            (n.staker_share_bps_at(1_500), n.token_share_bps_at(1_500)),
            (100, 0)
        );
        // A second change before the first is due replaces it and restarts the delay.
        n.schedule_shares(None, Some(700), 1_200, 500).unwrap();
        assert_eq!(
            (n.staker_share_bps_at(1_699), n.token_share_bps_at(1_699)),
            (200, 0)
        );
        assert_eq!(
            (n.staker_share_bps_at(1_700), n.token_share_bps_at(1_700)),
            (100, 700)
        );
        // A change after one became due folds it in first.
        n.schedule_shares(Some(300), None, 2_000, 500).unwrap();
        assert_eq!((n.staker_share_bps, n.token_share_bps), (100, 700));
        assert_eq!(
            (n.staker_share_bps_at(2_500), n.token_share_bps_at(2_500)),
            (300, 700)
        );
        assert!(n.schedule_shares(Some(99), None, 0, 1).is_err());
        assert!(n.schedule_shares(None, Some(10_001), 0, 1).is_err());
    }

    #[test]
    fn handovers_are_proposed_then_accepted() {
        let current = Pubkey::new_unique();
        let next = Pubkey::new_unique();
        assert_eq!(proposal(current, next).unwrap(), next);
        assert_eq!(proposal(current, current).unwrap(), Pubkey::default());
        assert!(proposal(current, Pubkey::default()).is_err());
    }

    #[test]
    fn rewards_without_active_shares_wait_for_the_next_distribution() {
        let mut n = node();
        n.distribute_rewards(70).unwrap();
        assert_eq!((n.undistributed_rewards, n.reward_per_share), (70, 0));
        let mut a = position(&n);
        stake(&mut n, &mut a, 10);
        n.distribute_rewards(30).unwrap();
        a.settle_rewards(&n).unwrap();
        assert_eq!((a.rewards_owed, n.undistributed_rewards), (100, 0));
    }

    #[test]
    fn reward_rounding_dust_is_carried_and_the_vault_always_covers_claims() {
        for seed in 1..300u64 {
            let mut n = node();
            let mut positions: Vec<StakePosition> = (0..3).map(|_| position(&n)).collect();
            for (i, p) in positions.iter_mut().enumerate() {
                stake(&mut n, p, seed * 13 + i as u64 * 7 + 1);
            }
            let mut deposited = 0u64;
            for round in 0..10u64 {
                let amount = (seed * 31 + round * 17) % 1_000;
                n.distribute_rewards(amount).unwrap();
                deposited += amount;
                // Share counts change between deposits (settling first, as handlers do).
                let p = &mut positions[(round % 3) as usize];
                stake(&mut n, p, seed % 5 + round + 1);
            }
            let mut owed = 0u64;
            for p in positions.iter_mut() {
                p.settle_rewards(&n).unwrap();
                owed += p.rewards_owed;
            }
            // Solvency: the vault (everything deposited) covers every claim plus the carry.
            assert!(owed + n.undistributed_rewards <= deposited);
            // Rounding strands at most one base unit per settlement and per deposit.
            let (settlements, deposits) = (positions.len() as u64 + 10, 10);
            assert!(deposited - owed - n.undistributed_rewards <= settlements + deposits);
        }
    }

    #[test]
    fn reward_accumulator_extremes_do_not_overflow() {
        // One base-unit share receives every IO that will ever be emitted.
        let mut n = node();
        let mut a = position(&n);
        stake(&mut n, &mut a, 1);
        n.distribute_rewards(io_common::economics::IO_EMISSION_SUPPLY)
            .unwrap();
        // A whale joins afterwards; then more rewards arrive.
        let mut whale = position(&n);
        stake(&mut n, &mut whale, 800_000_000 * IO - 1);
        n.distribute_rewards(io_common::economics::IO_EMISSION_SUPPLY)
            .unwrap();
        a.settle_rewards(&n).unwrap();
        whale.settle_rewards(&n).unwrap();
        assert!(a.rewards_owed >= io_common::economics::IO_EMISSION_SUPPLY);
        assert!(
            a.rewards_owed + whale.rewards_owed <= 2 * io_common::economics::IO_EMISSION_SUPPLY
        );
        // Even u64::MAX in one deposit to a single share fits.
        let mut m = node();
        let mut b = position(&m);
        stake(&mut m, &mut b, 1);
        m.distribute_rewards(u64::MAX).unwrap();
        b.settle_rewards(&m).unwrap();
        assert_eq!(b.rewards_owed, u64::MAX);
    }

    #[test]
    fn node_parameter_ranges() {
        assert!(Node::validate_staker_share(100).is_ok());
        assert!(Node::validate_staker_share(300).is_ok());
        assert!(Node::validate_staker_share(99).is_err());
        assert!(Node::validate_staker_share(301).is_err());
        assert!(Node::validate_token_share(10_000).is_ok());
        assert!(Node::validate_token_share(10_001).is_err());
        assert!(Node::validate_gpu_model(&"x".repeat(32)).is_ok());
        assert!(Node::validate_gpu_model(&"x".repeat(33)).is_err());
        assert!(StakingConfig::validate_reporter_share(2_000).is_ok());
        assert!(StakingConfig::validate_reporter_share(2_001).is_err());
        assert!(StakingConfig::validate_max_slash(1).is_ok());
        assert!(StakingConfig::validate_max_slash(10_000).is_ok());
        assert!(StakingConfig::validate_max_slash(0).is_err());
        assert!(StakingConfig::validate_max_slash(10_001).is_err());
        assert!(StakingConfig::validate_cooldown(-1).is_err());
        assert!(StakingConfig::validate_cooldown(0).is_err());
        assert!(StakingConfig::validate_cooldown(MIN_UNSTAKE_COOLDOWN_SECS - 1).is_err());
        assert!(StakingConfig::validate_cooldown(MIN_UNSTAKE_COOLDOWN_SECS).is_ok());
        assert!(StakingConfig::validate_cooldown(MAX_UNSTAKE_COOLDOWN_SECS).is_ok());
        assert!(StakingConfig::validate_cooldown(MAX_UNSTAKE_COOLDOWN_SECS + 1).is_err());
        assert!(StakingConfig::validate_cooldown(i64::MAX).is_err());
        assert!(StakingConfig::validate_max_stake(0).is_err());
        assert!(StakingConfig::validate_max_stake(1).is_ok());
        assert!(StakingConfig::validate_max_stake(MAX_STAKE_CAP).is_ok());
        assert!(StakingConfig::validate_max_stake(MAX_STAKE_CAP + 1).is_err());
        assert!(StakingConfig::validate_warmup(MIN_STAKE_WARMUP_SECS - 1).is_err());
        assert!(StakingConfig::validate_warmup(MIN_STAKE_WARMUP_SECS).is_ok());
        assert!(StakingConfig::validate_warmup(MAX_STAKE_WARMUP_SECS).is_ok());
        assert!(StakingConfig::validate_warmup(MAX_STAKE_WARMUP_SECS + 1).is_err());
    }
}
