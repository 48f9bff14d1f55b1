//! The share arithmetic of a node's stake pool and its staker-reward accumulator.
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
use io_common::economics::{share_floor, BPS_DENOMINATOR};

use crate::errors::StakingError;
use crate::state::Node;

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

/// How a slash divides up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlashSplit {
    pub amount: u64,
    pub reporter_amount: u64,
    pub burned: u64,
}

impl Node {
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
