//! The market's numbers (../shared/SPEC.md). Basis points: 10_000 = 100 %.

pub const BPS_DENOMINATOR: u64 = 10_000;

/// IO has 9 decimals: 1 IO = 10^9 base units.
pub const IO_DECIMALS: u8 = 9;
pub const IO_UNIT: u64 = 1_000_000_000;
/// 800,000,000 IO, never exceeded.
pub const IO_MAX_SUPPLY: u64 = 800_000_000 * IO_UNIT;
/// G: minted once at genesis.
pub const IO_GENESIS_SUPPLY: u64 = 500_000_000 * IO_UNIT;
/// E: emitted hourly as rewards over ~20 years.
pub const IO_EMISSION_SUPPLY: u64 = 300_000_000 * IO_UNIT;

/// 2 % of a job's price, paid by the renter, USDC payments only.
pub const FACILITATION_FEE_BPS: u64 = 200;
/// 0.25 % of a job's reserved cost, kept even when the job is cancelled.
pub const RESERVATION_FEE_BPS: u64 = 25;
/// 5 % of what a job pays its node.
pub const NETWORK_FEE_BPS: u64 = 500;
/// Each node gives its stakers 1 %–3 % of the rewards it earns.
pub const MIN_STAKER_SHARE_BPS: u16 = 100;
pub const MAX_STAKER_SHARE_BPS: u16 = 300;

pub const SECONDS_PER_HOUR: i64 = 3_600;
pub const HOURS_PER_MONTH: u64 = 730;
pub const HOURS_PER_YEAR: u64 = 8_760;

/// The stakers' part of a claim for epoch E reaches the node's stakers only if the claim lands
/// within this long after E ended (48 h); a later claim returns it to the unallocated pool.
pub const STAKER_REWARD_WINDOW_SECS: i64 = 48 * 3_600;
/// Least stake warm-up: longer than an epoch plus its staker window, so stake made after an
/// epoch began is never active before that epoch's staker window closes.
pub const MIN_STAKE_WARMUP_SECS: i64 = STAKER_REWARD_WINDOW_SECS + SECONDS_PER_HOUR + 1;
/// Greatest stake warm-up (30 days).
pub const MAX_STAKE_WARMUP_SECS: i64 = 30 * 24 * 3_600;

/// Fee rounding favours the protocol: fees are rounded up, so splitting a job into many
/// small ones never saves fees. Returns None on overflow.
pub fn fee_ceil(amount: u64, bps: u64) -> Option<u64> {
    let product = (amount as u128).checked_mul(bps as u128)?;
    let fee = product.checked_add(BPS_DENOMINATOR as u128 - 1)? / BPS_DENOMINATOR as u128;
    u64::try_from(fee).ok()
}

/// `amount * bps / 10_000` rounded down (shares paid out of an amount). None on overflow.
pub fn share_floor(amount: u64, bps: u64) -> Option<u64> {
    let product = (amount as u128).checked_mul(bps as u128)?;
    u64::try_from(product / BPS_DENOMINATOR as u128).ok()
}

/// `a * b / c` rounded down, through u128; None when c is 0 or the result overflows u64.
pub fn mul_div_floor(a: u64, b: u64, c: u64) -> Option<u64> {
    if c == 0 {
        return None;
    }
    let product = (a as u128).checked_mul(b as u128)?;
    u64::try_from(product / c as u128).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supply_split_adds_up() {
        assert_eq!(IO_GENESIS_SUPPLY + IO_EMISSION_SUPPLY, IO_MAX_SUPPLY);
    }

    #[test]
    fn fees_round_up_and_shares_round_down() {
        assert_eq!(fee_ceil(10_000, RESERVATION_FEE_BPS), Some(25));
        assert_eq!(fee_ceil(1, RESERVATION_FEE_BPS), Some(1));
        assert_eq!(fee_ceil(0, NETWORK_FEE_BPS), Some(0));
        assert_eq!(share_floor(399, 25), Some(0));
        assert_eq!(share_floor(u64::MAX, BPS_DENOMINATOR), Some(u64::MAX));
        assert_eq!(fee_ceil(u64::MAX, 20_000), None);
        assert_eq!(mul_div_floor(7, 3, 0), None);
        assert_eq!(mul_div_floor(u64::MAX, u64::MAX, u64::MAX), Some(u64::MAX));
    }
}
