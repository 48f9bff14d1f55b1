use anchor_lang::prelude::*;
use io_common::economics::{IO_EMISSION_SUPPLY, SECONDS_PER_HOUR, STAKER_REWARD_WINDOW_SECS};
use io_common::handover;
use io_common::layout::ACCOUNT_VERSION;
use io_common::schedule::{EmissionCursor, LAST_PAYING_HOUR};

use crate::errors::RewardsError;

/// Most hours one `emit` call catches up (a week): bounds its compute.
pub const MAX_EMIT_HOURS: u16 = 168;

/// Singleton [CONFIG]: authorities and the addresses of the program's token accounts.
/// The addresses are stored (they are PDAs fixed at initialize) so hot paths check them with a
/// key comparison instead of re-deriving them.
#[account]
#[derive(InitSpace)]
pub struct RewardsConfig {
    pub version: u8,
    pub admin: Pubkey,
    /// Posts epoch reward roots (the keeper; may be a multisig).
    pub keeper_authority: Pubkey,
    /// The IO mint, PDA [IO_MINT]: 9 decimals, mint authority `mint_authority`, no freeze authority.
    pub io_mint: Pubkey,
    /// PDA [MINT_AUTHORITY]: mints IO and owns the reward and burn vaults. Holds no data.
    pub mint_authority: Pubkey,
    /// PDA [REWARD_VAULT]: emitted IO waiting to be claimed.
    pub reward_vault: Pubkey,
    /// PDA [BURN_VAULT]: IO waiting to be burned (slashes, IO job token shares).
    pub burn_vault: Pubkey,
    pub genesis_minted: bool,
    pub bump: u8,
    pub io_mint_bump: u8,
    pub mint_authority_bump: u8,
    pub reward_vault_bump: u8,
    pub burn_vault_bump: u8,
    /// Proposed admin: becomes `admin` when it signs `accept_authority` (default: none).
    pub pending_admin: Pubkey,
    /// Proposed keeper authority, accepted the same way (default: none).
    pub pending_keeper_authority: Pubkey,
}

impl RewardsConfig {
    /// Promotes every role whose pending key is `signer` (and clears it); false if none is.
    pub fn accept(&mut self, signer: Pubkey) -> bool {
        let admin = handover::accept(&mut self.admin, &mut self.pending_admin, signer);
        let keeper_authority = handover::accept(
            &mut self.keeper_authority,
            &mut self.pending_keeper_authority,
            signer,
        );
        admin || keeper_authority
    }
}

/// Where the emission schedule stands at the start of `month` (io_common::schedule::EmissionCursor,
/// stored field by field).
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub month: u64,
    /// r_month, parts per 10^18.
    pub rate: u64,
    /// A_month after clipping, base units.
    pub month_amount: u64,
    /// A_0 + … + A_(month-1).
    pub emitted_before_month: u64,
}

impl From<EmissionCursor> for Cursor {
    fn from(c: EmissionCursor) -> Self {
        Self {
            month: c.month,
            rate: c.rate,
            month_amount: c.month_amount,
            emitted_before_month: c.emitted_before_month,
        }
    }
}

impl From<Cursor> for EmissionCursor {
    fn from(c: Cursor) -> Self {
        Self {
            month: c.month,
            rate: c.rate,
            month_amount: c.month_amount,
            emitted_before_month: c.emitted_before_month,
        }
    }
}

/// Singleton [EMISSION]: progress of the hourly emission.
///
/// Zero-copy (a `#[repr(C)]` Pod, read in place through `AccountLoader`): deserializing it and
/// writing it back on exit cost `emit` about 1,100 units (measured on Agave 4.1.2; budget 5,000).
/// The layout has no implicit padding, so the bytes are those of the same fields in Borsh.
#[account(zero_copy)]
pub struct EmissionState {
    pub version: u8,
    pub bump: u8,
    /// Keeps the 8-byte fields aligned (a Pod layout has no implicit padding).
    pub _padding: [u8; 6],
    /// Hour h spans [start_ts + 3600 h, start_ts + 3600 (h + 1)).
    pub start_ts: i64,
    /// First hour not emitted yet.
    pub next_hour: u64,
    /// Schedule position, so emitting an hour costs O(1).
    pub cursor: Cursor,
    /// IO minted by emission so far.
    pub emitted_total: u64,
    /// Sum of the totals of all posted epoch roots (≤ emitted_total).
    pub allocated_total: u64,
    pub last_emit_at: i64,
    pub _reserved: [u8; 64],
}

/// What one `emit` call does: hours `first_hour .. first_hour + hours`, paying `amount`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Emission {
    pub first_hour: u64,
    pub hours: u64,
    pub amount: u64,
}

impl EmissionState {
    /// Account size: discriminator and the Pod struct.
    pub const SPACE: usize = 8 + core::mem::size_of::<Self>();

    /// The hour `now` falls in, which is also how many hours have ended by `now`
    /// (0 before the start).
    pub fn hour_at(&self, now: i64) -> u64 {
        match now.checked_sub(self.start_ts) {
            // start_ts ≥ 0 and now ≥ 0 on-chain, so the difference is non-negative when ≥ start.
            Some(elapsed) if elapsed > 0 => (elapsed / SECONDS_PER_HOUR) as u64,
            _ => 0,
        }
    }

    /// Emits, in order, the hours from `next_hour` that have ended by `now`, at most
    /// `max_hours` of them; advances the cursor and totals and returns what to mint.
    pub fn emit(&mut self, now: i64, max_hours: u16) -> Result<Emission> {
        require!(
            (1..=MAX_EMIT_HOURS).contains(&max_hours),
            RewardsError::InvalidMaxHours
        );
        let first_hour = self.next_hour;
        require!(first_hour <= LAST_PAYING_HOUR, RewardsError::NothingToEmit);
        let ended = self.hour_at(now);
        require!(first_hour < ended, RewardsError::HourNotEnded);

        let end = ended
            .min(
                first_hour
                    .checked_add(u64::from(max_hours))
                    .ok_or(RewardsError::MathOverflow)?,
            )
            .min(LAST_PAYING_HOUR + 1);
        let mut cursor = EmissionCursor::from(self.cursor);
        let mut amount: u64 = 0;
        for hour in first_hour..end {
            amount = amount
                .checked_add(
                    cursor
                        .pay_hour(hour)
                        .ok_or(RewardsError::EmissionOutOfOrder)?,
                )
                .ok_or(RewardsError::MathOverflow)?;
        }
        let emitted_total = self
            .emitted_total
            .checked_add(amount)
            .ok_or(RewardsError::MathOverflow)?;
        // The schedule sums to E exactly; this only guards against a corrupted cursor.
        require!(
            emitted_total <= IO_EMISSION_SUPPLY,
            RewardsError::SupplyCapExceeded
        );

        self.cursor = cursor.into();
        self.next_hour = end;
        self.emitted_total = emitted_total;
        self.last_emit_at = now;
        Ok(Emission {
            first_hour,
            hours: end - first_hour,
            amount,
        })
    }

    /// Emitted IO not yet promised to any epoch.
    pub fn unallocated(&self) -> u64 {
        self.emitted_total.saturating_sub(self.allocated_total)
    }

    /// Returns `amount` set aside for an expired epoch to the unallocated pool.
    pub fn release(&mut self, amount: u64) -> Result<()> {
        self.allocated_total = self
            .allocated_total
            .checked_sub(amount)
            .ok_or(RewardsError::MathOverflow)?;
        Ok(())
    }

    /// Sets `total` aside for an epoch's claims; never more than was emitted.
    pub fn allocate(&mut self, total: u64) -> Result<()> {
        require!(
            total <= self.unallocated(),
            RewardsError::InsufficientUnallocated
        );
        self.allocated_total = self
            .allocated_total
            .checked_add(total)
            .ok_or(RewardsError::MathOverflow)?;
        Ok(())
    }
}

/// One hour's reward root [EPOCH, epoch u64 LE], posted once by the keeper.
///
/// Created only by `init` in `post_epoch_root`, at that PDA, so the Epoch that stores `epoch` is
/// that PDA: later instructions compare the stored `epoch` instead of re-deriving the address.
/// Zero-copy (a `#[repr(C)]` Pod read in place through `AccountLoader`, fields ordered so the
/// layout has no implicit padding): deserializing it and writing it back cost every claim ~600
/// units (measured on Agave 4.1.2; budget 20,000).
#[account(zero_copy)]
pub struct Epoch {
    pub epoch: u64,
    /// Sum of all leaf amounts: the most that can ever be claimed from this epoch.
    pub total: u64,
    pub claimed: u64,
    pub posted_at: i64,
    /// When `expire_epoch_root` returned the unclaimed rest to the unallocated pool (0: not yet).
    pub expired_at: i64,
    /// Stakers' parts of claims that landed after the staker reward window: counted in
    /// `claimed`, but returned to the unallocated pool instead of paid.
    pub staker_returned: u64,
    /// From this moment on a claim no longer pays the node's stakers
    /// ([`Epoch::staker_deadline`], fixed when the root is posted).
    pub staker_deadline: i64,
    /// Root over `io_common::merkle::reward_leaf(epoch, node PDA, amount)` leaves.
    pub root: [u8; 32],
    pub leaf_count: u32,
    pub claim_count: u32,
    pub version: u8,
    pub bump: u8,
    pub _padding: [u8; 6],
    pub _reserved: [u8; 40],
}

/// The emission may start at most this long before `initialize` (a deploy that took a while),
/// so a mistaken start cannot release months of emission at once.
pub const MAX_START_BACKDATE_SECS: i64 = 7 * 24 * 3_600;
/// ... and at most this long after it.
pub const MAX_START_DELAY_SECS: i64 = 365 * 24 * 3_600;

/// How long an epoch's rewards can be claimed after its root is posted (90 days); after that
/// anyone may expire the root and its unclaimed rewards return to the unallocated pool.
pub const EPOCH_CLAIM_WINDOW_SECS: i64 = 90 * 24 * 3_600;

impl Epoch {
    /// Account size: discriminator and the Pod struct.
    pub const SPACE: usize = 8 + core::mem::size_of::<Self>();

    /// The first moment the epoch can no longer be claimed (and can be expired).
    pub fn claim_deadline(&self) -> i64 {
        self.posted_at.saturating_add(EPOCH_CLAIM_WINDOW_SECS)
    }

    /// The first moment a claim no longer pays the node's stakers: `STAKER_REWARD_WINDOW_SECS`
    /// after epoch `epoch` ended (it ends at `start_ts + 3600 (epoch + 1)`).
    pub fn staker_deadline(start_ts: i64, epoch: u64) -> Result<i64> {
        let hours = i64::try_from(epoch)
            .ok()
            .and_then(|e| e.checked_add(1))
            .ok_or(RewardsError::MathOverflow)?;
        Ok(hours
            .checked_mul(SECONDS_PER_HOUR)
            .and_then(|secs| secs.checked_add(start_ts))
            .and_then(|end| end.checked_add(STAKER_REWARD_WINDOW_SECS))
            .ok_or(RewardsError::MathOverflow)?)
    }

    /// Books a staker part returned to the pool by a late claim.
    pub fn record_staker_return(&mut self, amount: u64) -> Result<()> {
        self.staker_returned = self
            .staker_returned
            .checked_add(amount)
            .ok_or(RewardsError::MathOverflow)?;
        Ok(())
    }

    /// What was set aside for the epoch and not claimed.
    pub fn unclaimed(&self) -> Result<u64> {
        Ok(self
            .total
            .checked_sub(self.claimed)
            .ok_or(RewardsError::MathOverflow)?)
    }

    /// Counts a claim of `amount`; claims never add up to more than `total`
    /// (a root that lies about its total cannot overdraw the vault).
    pub fn record_claim(&mut self, amount: u64) -> Result<()> {
        let claimed = self
            .claimed
            .checked_add(amount)
            .ok_or(RewardsError::MathOverflow)?;
        require!(claimed <= self.total, RewardsError::ClaimExceedsEpochTotal);
        self.claimed = claimed;
        self.claim_count = self
            .claim_count
            .checked_add(1)
            .ok_or(RewardsError::MathOverflow)?;
        Ok(())
    }
}

/// [CLAIM, epoch u64 LE, node]: exists once a node has claimed an epoch, so a claim cannot be
/// repeated; closed only after the epoch expired (`close_claim_receipt`), when no claim can land.
#[account]
#[derive(InitSpace)]
pub struct ClaimReceipt {
    pub version: u8,
    pub epoch: u64,
    /// The staking Node PDA.
    pub node: Pubkey,
    pub amount: u64,
    pub operator_amount: u64,
    pub staker_amount: u64,
    pub claimed_at: i64,
    pub bump: u8,
    /// The stakers' part returned to the unallocated pool (claim after the staker reward
    /// window): amount = operator_amount + staker_amount + staker_returned.
    pub staker_returned: u64,
    /// Paid the receipt's rent; gets it back when the receipt is closed after the epoch expired.
    pub payer: Pubkey,
    pub _reserved: [u8; 24],
}

/// Singleton [BURN_LEDGER]: supply = genesis + emitted_total − total_burned at every moment.
#[account]
#[derive(InitSpace)]
pub struct BurnLedger {
    pub version: u8,
    pub total_burned: u64,
    pub burn_count: u64,
    pub last_burn_at: i64,
    pub bump: u8,
    pub _reserved: [u8; 64],
}

impl BurnLedger {
    pub fn record(&mut self, amount: u64, now: i64) -> Result<()> {
        self.total_burned = self
            .total_burned
            .checked_add(amount)
            .ok_or(RewardsError::MathOverflow)?;
        self.burn_count = self
            .burn_count
            .checked_add(1)
            .ok_or(RewardsError::MathOverflow)?;
        self.last_burn_at = now;
        Ok(())
    }
}

/// [BURN_EPOCH, epoch u64 LE]: IO burned during hour `epoch`.
#[account]
#[derive(InitSpace)]
pub struct BurnEpoch {
    pub version: u8,
    pub epoch: u64,
    pub amount: u64,
    pub burn_count: u32,
    pub bump: u8,
    pub _reserved: [u8; 64],
}

impl BurnEpoch {
    /// Adds a burn of `amount` to hour `epoch`'s entry. A fresh entry (just created by
    /// `init_if_needed`, all zeroes) is filled in first.
    pub fn record(&mut self, epoch: u64, bump: u8, amount: u64) -> Result<()> {
        if self.version == 0 {
            self.version = ACCOUNT_VERSION;
            self.epoch = epoch;
            self.bump = bump;
        }
        self.amount = self
            .amount
            .checked_add(amount)
            .ok_or(RewardsError::MathOverflow)?;
        self.burn_count = self
            .burn_count
            .checked_add(1)
            .ok_or(RewardsError::MathOverflow)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
