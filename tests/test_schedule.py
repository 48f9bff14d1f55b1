from __future__ import annotations

import pytest

from keeper.client.constants import HOURS_PER_MONTH, HOURS_PER_YEAR, IO_EMISSION_SUPPLY, LAST_PAYING_HOUR, LAST_PAYING_MONTH
from keeper.client.schedule import EmissionCursor, hour_amount, hour_of_month_amount, sum_hours, unclipped_month_amount


def sum_hours_one_by_one(start: int, end: int) -> int:
    cursor, total = EmissionCursor.genesis(), 0
    for hour in range(start, end):
        cursor, amount = cursor.pay_hour(hour)
        total += amount
    return total


def test_spec_reference_points() -> None:
    assert hour_amount(0) == 4_566_210_045_662
    assert sum_hours(0, 24) == 109_589_041_095_888
    assert sum_hours(0, HOURS_PER_YEAR) == 37_830_573_245_906_333


def test_schedule_pays_exactly_e_and_last_paying_hour_is_178119() -> None:
    end = (LAST_PAYING_MONTH + 3) * HOURS_PER_MONTH
    assert sum_hours(0, end) == IO_EMISSION_SUPPLY == 3 * 10**17
    assert sum_hours_one_by_one(0, end) == IO_EMISSION_SUPPLY
    assert LAST_PAYING_HOUR == 178_119
    assert hour_amount(LAST_PAYING_HOUR) > 0
    assert hour_amount(LAST_PAYING_HOUR + 1) == 0
    assert hour_amount(10_000_000) == 0


@pytest.mark.parametrize(("start", "end"), [(0, 0), (5, 5), (3, 700), (700, 1500), (729, 731), (178_000, 178_200), (1_000, 9_000)])
def test_range_sums_match_hour_by_hour(start: int, end: int) -> None:
    assert sum_hours(start, end) == sum_hours_one_by_one(start, end)


def test_last_hour_of_a_month_takes_the_remainder() -> None:
    month = EmissionCursor.genesis()
    assert sum(hour_of_month_amount(month.month_amount, i) for i in range(HOURS_PER_MONTH)) == month.month_amount
    assert hour_of_month_amount(month.month_amount, HOURS_PER_MONTH - 1) > hour_of_month_amount(month.month_amount, 0)


def test_month_243_is_clipped_to_what_is_left() -> None:
    cursor = EmissionCursor.genesis()
    while cursor.month < LAST_PAYING_MONTH:
        cursor = cursor.next_month()
    assert cursor.month_amount < unclipped_month_amount(cursor.rate)
    assert cursor.emitted_before_month + cursor.month_amount == IO_EMISSION_SUPPLY


def test_cursor_matches_reference_across_month_boundaries() -> None:
    cursor = EmissionCursor.genesis()
    for hour in (0, 728, 729, 730, 1_459, 1_460, 50_000, LAST_PAYING_HOUR, LAST_PAYING_HOUR + 1, 400_000):
        cursor, amount = cursor.pay_hour(hour)
        assert amount == hour_amount(hour), hour


def test_cursor_refuses_to_move_backwards_and_bad_ranges_are_rejected() -> None:
    cursor, _ = EmissionCursor.genesis().pay_hour(2 * HOURS_PER_MONTH)
    with pytest.raises(ValueError, match="only moves forward"):
        cursor.pay_hour(0)
    with pytest.raises(ValueError, match=">= 0"):
        EmissionCursor.genesis().pay_hour(-1)
    with pytest.raises(ValueError, match="start <= end"):
        sum_hours(10, 3)
