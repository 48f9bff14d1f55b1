use io_common::economics::{IO_EMISSION_SUPPLY, SECONDS_PER_HOUR, STAKER_REWARD_WINDOW_SECS};
use io_common::layout::ACCOUNT_VERSION;
use io_common::schedule::{EmissionCursor, LAST_PAYING_HOUR};

use super::*;
use crate::errors::RewardsError;

const HOUR: i64 = SECONDS_PER_HOUR;

fn emission(start_ts: i64) -> EmissionState {
    EmissionState {
        version: ACCOUNT_VERSION,
        bump: 255,
        _padding: [0; 6],
        start_ts,
        next_hour: 0,
        cursor: EmissionCursor::genesis().into(),
        emitted_total: 0,
        allocated_total: 0,
        last_emit_at: 0,
        _reserved: [0; 64],
    }
}

#[test]
fn stored_cursor_round_trips() {
    let mut c = EmissionCursor::genesis();
    for _ in 0..250 {
        assert_eq!(EmissionCursor::from(Cursor::from(c)), c);
        c = c.next_month();
    }
}

#[test]
fn hours_are_counted_from_start() {
    let e = emission(1_000);
    assert_eq!(e.hour_at(0), 0);
    assert_eq!(e.hour_at(1_000), 0);
    assert_eq!(e.hour_at(1_000 + HOUR - 1), 0);
    assert_eq!(e.hour_at(1_000 + HOUR), 1);
    assert_eq!(e.hour_at(1_000 + 5 * HOUR + 7), 5);
}

#[test]
fn an_hour_is_emitted_only_after_it_ended() {
    let mut e = emission(0);
    assert_eq!(e.emit(HOUR - 1, 1), Err(RewardsError::HourNotEnded.into()));
    let first = e.emit(HOUR, 10).unwrap();
    assert_eq!(
        first,
        Emission {
            first_hour: 0,
            hours: 1,
            amount: 4_566_210_045_662
        }
    );
    // Hour 1 is in progress: nothing more, and hour 0 cannot be emitted again.
    assert_eq!(
        e.emit(2 * HOUR - 1, 10),
        Err(RewardsError::HourNotEnded.into())
    );
    assert_eq!(e.next_hour, 1);
    assert_eq!(e.emitted_total, 4_566_210_045_662);
    assert_eq!(e.last_emit_at, HOUR);
}

#[test]
fn max_hours_is_bounded() {
    let mut e = emission(0);
    assert_eq!(
        e.emit(100 * HOUR, 0),
        Err(RewardsError::InvalidMaxHours.into())
    );
    assert_eq!(
        e.emit(100 * HOUR, MAX_EMIT_HOURS + 1),
        Err(RewardsError::InvalidMaxHours.into())
    );
    assert_eq!(e.next_hour, 0);
}

#[test]
fn catch_up_matches_spec_reference_points() {
    let mut e = emission(0);
    let day = e.emit(24 * HOUR, MAX_EMIT_HOURS).unwrap();
    assert_eq!((day.hours, day.amount), (24, 109_589_041_095_888));

    let mut e = emission(0);
    let now = 8_760 * HOUR;
    while e.next_hour < 8_760 {
        e.emit(now, MAX_EMIT_HOURS).unwrap();
    }
    assert_eq!(e.emitted_total, 37_830_573_245_906_333);
    assert_eq!(e.next_hour, 8_760);
}

#[test]
fn uneven_catch_up_steps_give_the_same_totals() {
    // Crossing month boundaries mid-call must not change what is emitted.
    let mut a = emission(0);
    let mut b = emission(0);
    let now = 3 * 730 * HOUR + 5 * HOUR;
    let mut step = 1u16;
    while b.next_hour < a.hour_at(now) {
        b.emit(now, step).unwrap();
        step = (step + 6) % MAX_EMIT_HOURS + 1;
    }
    while a.next_hour < a.hour_at(now) {
        a.emit(now, MAX_EMIT_HOURS).unwrap();
    }
    assert_eq!((a.emitted_total, a.cursor), (b.emitted_total, b.cursor));
}

#[test]
fn schedule_ends_at_emission_supply() {
    let mut e = emission(0);
    let now = 200_000 * HOUR;
    loop {
        match e.emit(now, MAX_EMIT_HOURS) {
            Ok(_) => continue,
            Err(err) => {
                assert_eq!(err, RewardsError::NothingToEmit.into());
                break;
            }
        }
    }
    assert_eq!(e.emitted_total, IO_EMISSION_SUPPLY);
    assert_eq!(e.next_hour, LAST_PAYING_HOUR + 1);
}

#[test]
fn allocation_never_exceeds_emission() {
    let mut e = emission(0);
    e.emitted_total = 100;
    e.allocate(60).unwrap();
    assert_eq!(
        e.allocate(41),
        Err(RewardsError::InsufficientUnallocated.into())
    );
    e.allocate(40).unwrap();
    assert_eq!(e.unallocated(), 0);
    assert_eq!(
        e.allocate(1),
        Err(RewardsError::InsufficientUnallocated.into())
    );
}

#[test]
fn claims_are_capped_by_epoch_total() {
    let mut epoch = Epoch {
        version: ACCOUNT_VERSION,
        epoch: 3,
        root: [1; 32],
        total: 100,
        leaf_count: 2,
        claimed: 0,
        claim_count: 0,
        posted_at: 0,
        bump: 255,
        expired_at: 0,
        staker_returned: 0,
        staker_deadline: 0,
        _padding: [0; 6],
        _reserved: [0; 40],
    };
    assert_eq!(epoch.claim_deadline(), EPOCH_CLAIM_WINDOW_SECS);
    // Epoch 3 of a schedule starting at 1000 ends at 1000 + 4 h.
    assert_eq!(
        Epoch::staker_deadline(1_000, 3).unwrap(),
        1_000 + 4 * HOUR + STAKER_REWARD_WINDOW_SECS
    );
    assert_eq!(
        Epoch::staker_deadline(0, u64::MAX),
        Err(RewardsError::MathOverflow.into())
    );
    assert_eq!(epoch.unclaimed().unwrap(), 100);
    epoch.record_claim(70).unwrap();
    assert_eq!(epoch.unclaimed().unwrap(), 30);
    assert_eq!(
        epoch.record_claim(31),
        Err(RewardsError::ClaimExceedsEpochTotal.into())
    );
    epoch.record_claim(30).unwrap();
    assert_eq!((epoch.claimed, epoch.claim_count), (100, 2));
    epoch.claimed = u64::MAX;
    assert_eq!(
        epoch.record_claim(1),
        Err(RewardsError::MathOverflow.into())
    );
}

#[test]
fn burn_ledgers_accumulate() {
    let mut ledger = BurnLedger {
        version: 1,
        total_burned: 0,
        burn_count: 0,
        last_burn_at: 0,
        bump: 1,
        _reserved: [0; 64],
    };
    ledger.record(5, 10).unwrap();
    ledger.record(7, 20).unwrap();
    assert_eq!(
        (ledger.total_burned, ledger.burn_count, ledger.last_burn_at),
        (12, 2, 20)
    );
    ledger.total_burned = u64::MAX;
    assert_eq!(ledger.record(1, 30), Err(RewardsError::MathOverflow.into()));

    // What init_if_needed hands over on the hour's first burn: all zeroes.
    let mut entry = BurnEpoch {
        version: 0,
        epoch: 0,
        amount: 0,
        burn_count: 0,
        bump: 0,
        _reserved: [0; 64],
    };
    entry.record(42, 250, 5).unwrap();
    assert_eq!(
        (
            entry.version,
            entry.epoch,
            entry.bump,
            entry.amount,
            entry.burn_count
        ),
        (ACCOUNT_VERSION, 42, 250, 5, 1)
    );
    entry.record(42, 250, 6).unwrap();
    assert_eq!((entry.amount, entry.burn_count), (11, 2));
    entry.amount = u64::MAX;
    assert_eq!(
        entry.record(42, 250, 1),
        Err(RewardsError::MathOverflow.into())
    );
    assert_eq!((entry.amount, entry.burn_count), (u64::MAX, 2));
}
