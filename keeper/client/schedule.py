"""The hourly IO emission schedule, bit-exact with `io_common::schedule`.

`r_0 = 8e16` (parts per 10^18), `r_m = floor(r_(m-1) * 9898 / 10000)`; month amount
`A_m = floor(G * r_m / 12e18)` clipped so the running total never passes E; every hour of a
month pays `floor(A_m / 730)` except the last, which takes the remainder. Python integers
are unbounded, so the u128 intermediate products of the Rust code are exact here too.
"""

from __future__ import annotations

from dataclasses import dataclass

from keeper.client.constants import (
    HOURS_PER_MONTH,
    INITIAL_RATE,
    IO_EMISSION_SUPPLY,
    IO_GENESIS_SUPPLY,
    LAST_PAYING_MONTH,
    MONTHLY_DECAY_DENOMINATOR,
    MONTHLY_DECAY_NUMERATOR,
    MONTHS_PER_YEAR,
    RATE_SCALE,
)


def next_rate(rate: int) -> int:
    """Next month's rate from this month's."""
    return rate * MONTHLY_DECAY_NUMERATOR // MONTHLY_DECAY_DENOMINATOR


def unclipped_month_amount(rate: int) -> int:
    """A month's amount before clipping to what is left of E."""
    return IO_GENESIS_SUPPLY * rate // (MONTHS_PER_YEAR * RATE_SCALE)


def hour_of_month_amount(month_amount: int, position: int) -> int:
    """What hour `position` (0..730) of a month paying `month_amount` pays."""
    per_hour = month_amount // HOURS_PER_MONTH
    if position + 1 < HOURS_PER_MONTH:
        return per_hour
    return month_amount - (HOURS_PER_MONTH - 1) * per_hour


@dataclass(frozen=True, slots=True)
class EmissionCursor:
    """Where the schedule stands at the start of a month (`io_common::schedule::EmissionCursor`).

    Immutable: `pay_hour` returns the moved cursor with the amount, so a caller cannot
    accidentally share a cursor that someone else advanced.
    """

    month: int
    rate: int
    month_amount: int
    emitted_before_month: int

    @classmethod
    def genesis(cls) -> EmissionCursor:
        return cls(
            month=0,
            rate=INITIAL_RATE,
            month_amount=unclipped_month_amount(INITIAL_RATE),
            emitted_before_month=0,
        )

    def next_month(self) -> EmissionCursor:
        emitted = self.emitted_before_month + self.month_amount
        rate = next_rate(self.rate)
        left = IO_EMISSION_SUPPLY - emitted
        return EmissionCursor(
            month=self.month + 1,
            rate=rate,
            month_amount=min(unclipped_month_amount(rate), left),
            emitted_before_month=emitted,
        )

    def pay_hour(self, hour: int) -> tuple[EmissionCursor, int]:
        """The cursor stepped to `hour`'s month, and what `hour` pays.

        Hours must be asked for in non-decreasing order, as on-chain.
        """
        if hour < 0:
            raise ValueError(f"hour must be >= 0, got {hour}")
        month = hour // HOURS_PER_MONTH
        if month < self.month:
            raise ValueError(f"the emission cursor only moves forward (at month {self.month}, asked {month})")
        cursor = self
        while cursor.month < month:
            if cursor.month_amount == 0 and cursor.month > LAST_PAYING_MONTH:
                # Past the end of the schedule everything pays 0 (same shortcut as Rust).
                cursor = EmissionCursor(month, cursor.rate, 0, cursor.emitted_before_month)
                break
            cursor = cursor.next_month()
        return cursor, hour_of_month_amount(cursor.month_amount, hour % HOURS_PER_MONTH)


def hour_amount(hour: int) -> int:
    """Reference: what `hour` pays, recomputed from month 0."""
    _, amount = EmissionCursor.genesis().pay_hour(hour)
    return amount


def sum_hours(start: int, end: int) -> int:
    """Total paid by hours `start..end` (end exclusive), walking the cursor once."""
    if not 0 <= start <= end:
        raise ValueError(f"need 0 <= start <= end, got {start}..{end}")
    cursor = EmissionCursor.genesis()
    total = 0
    hour = start
    while hour < end:
        cursor, _ = cursor.pay_hour(hour)
        month_start = cursor.month * HOURS_PER_MONTH
        month_end = month_start + HOURS_PER_MONTH
        if cursor.month_amount == 0 and cursor.month > LAST_PAYING_MONTH:
            break  # nothing after the schedule's end pays
        if hour == month_start and end >= month_end:
            total += cursor.month_amount  # a whole month: its hours add up to A_m exactly
        else:
            total += sum(hour_of_month_amount(cursor.month_amount, h % HOURS_PER_MONTH) for h in range(hour, min(end, month_end)))
        hour = month_end
    return total


def emitted_through(hours: int) -> int:
    """Total emitted once hours `0..hours` have been emitted (what EmissionState.emitted_total holds)."""
    return sum_hours(0, hours)
