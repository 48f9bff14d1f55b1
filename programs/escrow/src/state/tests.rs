use anchor_lang::prelude::*;
use io_common::economics::{FACILITATION_FEE_BPS, NETWORK_FEE_BPS, RESERVATION_FEE_BPS};
use io_common::layout::ACCOUNT_VERSION;

use super::*;
use crate::errors::EscrowError;

const FEES: FeeSchedule = FeeSchedule::PROTOCOL;
const KINDS: [PaymentKind; 2] = [PaymentKind::Usdc, PaymentKind::Io];

fn check_conserves(quote: &JobQuote, split: &Split) {
    assert_eq!(split.total(), Some(quote.deposit), "{quote:?} {split:?}");
    assert_eq!(split.node_payout + split.token_share, split.gross);
}

#[test]
fn protocol_fees_come_from_io_common() {
    assert_eq!(u64::from(FEES.facilitation_bps), FACILITATION_FEE_BPS);
    assert_eq!(u64::from(FEES.reservation_bps), RESERVATION_FEE_BPS);
    assert_eq!(u64::from(FEES.network_bps), NETWORK_FEE_BPS);
}

#[test]
fn worked_example_usdc() {
    // 10 h at 2 USDC (6 decimals), 7 h used, node takes 10 % in tokens.
    let quote = FEES.quote(10, 2_000_000, PaymentKind::Usdc).unwrap();
    assert_eq!(
        quote,
        JobQuote {
            reserved_cost: 20_000_000,
            reservation_fee: 50_000,
            facilitation_fee: 400_000,
            deposit: 20_450_000
        }
    );
    let split = settlement_split(&FEES, &quote, PaymentKind::Usdc, 2_000_000, 7, 1_000).unwrap();
    assert_eq!(split.used_cost, 14_000_000);
    assert_eq!(split.network_fee, 700_000);
    assert_eq!(split.facilitation_charged, 280_000);
    assert_eq!(split.gross, 13_300_000);
    assert_eq!(split.token_share, 1_330_000);
    assert_eq!(split.node_payout, 11_970_000);
    assert_eq!(split.treasury_fees, 50_000 + 280_000 + 700_000);
    assert_eq!(split.refund, 6_000_000 + 120_000);
    check_conserves(&quote, &split);
}

#[test]
fn io_payments_pay_no_facilitation_fee() {
    let quote = FEES.quote(3, 1_000_000_000, PaymentKind::Io).unwrap();
    assert_eq!(quote.facilitation_fee, 0);
    assert_eq!(quote.deposit, 3_000_000_000 + 7_500_000);
    let split = settlement_split(&FEES, &quote, PaymentKind::Io, 1_000_000_000, 3, 10_000).unwrap();
    assert_eq!(split.facilitation_charged, 0);
    assert_eq!((split.token_share, split.node_payout), (2_850_000_000, 0));
    check_conserves(&quote, &split);
}

#[test]
fn fees_round_up_even_on_one_unit() {
    let quote = FEES.quote(1, 1, PaymentKind::Usdc).unwrap();
    assert_eq!(
        quote,
        JobQuote {
            reserved_cost: 1,
            reservation_fee: 1,
            facilitation_fee: 1,
            deposit: 3
        }
    );
    let used = settlement_split(&FEES, &quote, PaymentKind::Usdc, 1, 1, 5_000).unwrap();
    // The whole unit goes to the network fee; the node earns nothing.
    assert_eq!((used.network_fee, used.gross, used.refund), (1, 0, 0));
    check_conserves(&quote, &used);
    let unused = settlement_split(&FEES, &quote, PaymentKind::Usdc, 1, 0, 5_000).unwrap();
    assert_eq!((unused.treasury_fees, unused.refund), (1, 2));
    check_conserves(&quote, &unused);
}

#[test]
fn every_path_conserves_the_deposit() {
    let hours = [
        1u32,
        2,
        3,
        7,
        24,
        729,
        730,
        8_760,
        65_535,
        1_000_003,
        u32::MAX,
    ];
    let prices = [
        1u64,
        2,
        3,
        39,
        399,
        400,
        9_999,
        10_001,
        1_000_000,
        123_456_789,
        1 << 40,
        u64::MAX / 4_000_000_000,
        u64::MAX,
    ];
    let shares = [0u16, 1, 99, 100, 333, 5_000, 9_999, 10_000];
    let mut cases = 0u32;
    for kind in KINDS {
        for &h in &hours {
            for &price in &prices {
                let Ok(quote) = FEES.quote(h, price, kind) else {
                    continue;
                };
                check_conserves(&quote, &cancellation_split(&quote).unwrap());
                let used_hours = [0, 1, h / 3, h / 2, h.saturating_sub(1), h];
                for &used in used_hours.iter().filter(|&&u| u <= h) {
                    for &bps in &shares {
                        let split = settlement_split(&FEES, &quote, kind, price, used, bps)
                            .expect("a job that opened always settles");
                        check_conserves(&quote, &split);
                        assert!(split.facilitation_charged <= quote.facilitation_fee);
                        if kind == PaymentKind::Io {
                            assert_eq!(split.facilitation_charged, 0);
                        }
                        cases += 1;
                    }
                }
            }
        }
    }
    assert!(cases > 2_000, "{cases}");
}

#[test]
fn pseudo_random_jobs_conserve() {
    // xorshift: many irregular (hours, price, used, share) combinations.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..20_000 {
        let kind = KINDS[i % 2];
        let hours = (next() % 10_000 + 1) as u32;
        let price = next() >> (next() % 64);
        let Ok(quote) = FEES.quote(hours, price.max(1), kind) else {
            continue;
        };
        let used = (next() % (u64::from(hours) + 1)) as u32;
        let bps = (next() % 10_001) as u16;
        let split = settlement_split(&FEES, &quote, kind, price.max(1), used, bps).unwrap();
        check_conserves(&quote, &split);
    }
}

#[test]
fn overflow_is_refused_at_open_never_at_settle() {
    for kind in KINDS {
        // Cost itself overflows.
        assert!(matches!(
            FEES.quote(u32::MAX, u64::MAX, kind),
            Err(EscrowError::MathOverflow)
        ));
        assert!(matches!(
            FEES.quote(2, u64::MAX / 2 + 1, kind),
            Err(EscrowError::MathOverflow)
        ));
        // Cost fits, but cost + fees does not.
        assert!(matches!(
            FEES.quote(1, u64::MAX, kind),
            Err(EscrowError::MathOverflow)
        ));
    }
    // The largest price that opens: settle then works for every hours_used.
    for kind in KINDS {
        let mut low = 1u64;
        let mut high = u64::MAX;
        while low < high {
            let mid = low + (high - low).div_ceil(2);
            if FEES.quote(1_000, mid, kind).is_ok() {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        let quote = FEES.quote(1_000, low, kind).unwrap();
        assert!(FEES.quote(1_000, low + 1, kind).is_err());
        for used in [0, 1, 500, 999, 1_000] {
            for bps in [0, 1, 10_000] {
                let split = settlement_split(&FEES, &quote, kind, low, used, bps).unwrap();
                check_conserves(&quote, &split);
            }
        }
        check_conserves(&quote, &cancellation_split(&quote).unwrap());
    }
}

#[test]
fn zero_hours_or_price_and_overuse_are_refused() {
    assert!(matches!(
        FEES.quote(0, 1, PaymentKind::Io),
        Err(EscrowError::ZeroHours)
    ));
    assert!(matches!(
        FEES.quote(1, 0, PaymentKind::Io),
        Err(EscrowError::ZeroPrice)
    ));
    let quote = FEES.quote(2, 10, PaymentKind::Io).unwrap();
    assert!(matches!(
        settlement_split(&FEES, &quote, PaymentKind::Io, 10, 3, 0),
        Err(EscrowError::HoursExceedReserved)
    ));
}

#[test]
fn a_missed_start_refunds_everything() {
    for kind in KINDS {
        let quote = FEES.quote(100, 1_000_000, kind).unwrap();
        let split = missed_start_split(&quote);
        assert_eq!(split.refund, quote.deposit);
        assert_eq!((split.treasury_fees, split.reservation_fee), (0, 0));
        check_conserves(&quote, &split);
    }
}

fn ledger() -> RenterLedger {
    RenterLedger {
        version: 1,
        bump: 255,
        renter: Pubkey::default(),
        window_start: 0,
        used_ids: [0; 4],
        jobs_opened: 0,
    }
}

#[test]
fn job_ids_are_never_taken_twice_in_any_order() {
    let mut l = ledger();
    for id in [5, 0, 255, 3, 64, 63] {
        l.take(id).unwrap();
    }
    for id in [5, 0, 255, 3, 64, 63] {
        assert!(matches!(l.take(id), Err(EscrowError::JobIdReused)));
    }
    assert_eq!((l.window_start, l.jobs_opened), (0, 6));
    // 300 slides the window to 45..=300: 0..45 are spent, the marks above stay.
    l.take(300).unwrap();
    assert_eq!(l.window_start, 45);
    for id in [0, 3, 5, 44, 63, 64, 255, 300] {
        assert!(matches!(l.take(id), Err(EscrowError::JobIdReused)), "{id}");
    }
    l.take(45).unwrap();
    l.take(299).unwrap();
    // A far jump clears the window.
    l.take(10_000).unwrap();
    assert_eq!(l.window_start, 10_000 - 255);
    assert!(matches!(l.take(9_000), Err(EscrowError::JobIdReused)));
    assert!(matches!(l.take(10_000), Err(EscrowError::JobIdReused)));
    l.take(9_999).unwrap();
    l.take(u64::MAX).unwrap();
    assert!(matches!(l.take(u64::MAX), Err(EscrowError::JobIdReused)));
    assert_eq!(l.jobs_opened, 12);
}

#[test]
fn the_window_shift_matches_a_set_model() {
    let mut l = ledger();
    let mut taken = std::collections::BTreeSet::new();
    let mut x: u64 = 12345;
    for _ in 0..2_000 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let id = (x >> 33) % 1_500;
        let expected_ok = id >= l.window_start && !taken.contains(&id);
        assert_eq!(l.take(id).is_ok(), expected_ok, "{id}");
        if expected_ok {
            taken.insert(id);
        }
    }
}

#[test]
fn cancellation_keeps_only_the_reservation_fee() {
    let quote = FEES.quote(100, 1_000_000, PaymentKind::Usdc).unwrap();
    let split = cancellation_split(&quote).unwrap();
    assert_eq!(split.treasury_fees, 250_000);
    assert_eq!(split.refund, quote.deposit - 250_000);
    assert_eq!((split.node_payout, split.token_share), (0, 0));
    check_conserves(&quote, &split);
}

#[test]
fn deadlines_and_billable_hours() {
    assert_eq!(Job::start_deadline(1_000, 600).unwrap(), 1_600);
    assert_eq!(
        Job::complete_deadline(1_000, 2, 300).unwrap(),
        1_000 + 7_200 + 300
    );
    assert!(Job::complete_deadline(i64::MAX - 10, 1, 0).is_err());
    // The largest reservation cannot overflow with a realistic clock.
    assert!(Job::complete_deadline(4_000_000_000, u32::MAX, MAX_TIMEOUT_SECS).is_ok());
    assert_eq!(Job::billable_hours(1_000, 1_000), 0);
    assert_eq!(Job::billable_hours(1_000, 1_001), 1);
    assert_eq!(Job::billable_hours(1_000, 4_600), 1);
    assert_eq!(Job::billable_hours(1_000, 4_601), 2);
    assert_eq!(Job::billable_hours(1_000, 900), 0);
}

#[test]
fn reclaim_only_after_the_missed_deadline() {
    let mut job = Job {
        version: ACCOUNT_VERSION,
        bump: 0,
        job_id: 1,
        renter: Pubkey::new_unique(),
        node: Pubkey::new_unique(),
        node_key: Pubkey::new_unique(),
        payment_mint: Pubkey::new_unique(),
        payment_kind: PaymentKind::Usdc,
        price_per_hour: 1,
        hours_reserved: 1,
        hours_used: 0,
        reserved_cost: 1,
        reservation_fee: 1,
        facilitation_fee: 1,
        status: JobStatus::Open,
        created_at: 0,
        started_at: 0,
        completed_at: 0,
        start_deadline: 100,
        complete_deadline: 5_000,
        vault: Pubkey::new_unique(),
        completed_by: Completer::None,
        dispute_deadline: 0,
        disputed_at: 0,
        complete_grace_secs: 0,
        dispute_window_secs: 60,
        _reserved: [0; 16],
    };
    assert!(!job.is_reclaimable(100));
    assert!(job.is_reclaimable(101));
    job.status = JobStatus::Started;
    assert!(!job.is_reclaimable(5_000));
    assert!(job.is_reclaimable(5_001));
    job.status = JobStatus::Completed;
    assert!(!job.is_reclaimable(i64::MAX));
    job.status = JobStatus::Disputed;
    assert!(!job.is_reclaimable(i64::MAX));
    assert_eq!(job.quote().unwrap().deposit, 3);
}

#[test]
fn timeouts_are_bounded() {
    assert!(EscrowConfig::validate_timeouts(1, 0).is_ok());
    assert!(EscrowConfig::validate_timeouts(MAX_TIMEOUT_SECS, MAX_TIMEOUT_SECS).is_ok());
    assert!(EscrowConfig::validate_timeouts(0, 0).is_err());
    assert!(EscrowConfig::validate_timeouts(1, -1).is_err());
    assert!(EscrowConfig::validate_timeouts(MAX_TIMEOUT_SECS + 1, 0).is_err());
}
