use anchor_lang::prelude::*;
use io_common::economics::{MAX_STAKE_WARMUP_SECS, MIN_STAKE_WARMUP_SECS};
use io_common::layout::ACCOUNT_VERSION;

use super::*;
use crate::errors::StakingError;

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
    let stored =
        RewardPool::try_from_slice(&data[RewardPool::OFFSET..RewardPool::OFFSET + RewardPool::LEN])
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
    assert!(a.rewards_owed + whale.rewards_owed <= 2 * io_common::economics::IO_EMISSION_SUPPLY);
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
