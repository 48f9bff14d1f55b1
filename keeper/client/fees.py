"""Fee and share arithmetic identical to `io_common::economics` (integers only).

Like the Rust functions these return None instead of a value that would not fit in a u64,
so a keeper computation can never silently disagree with the chain.
"""

from __future__ import annotations

from keeper.client.constants import BPS_DENOMINATOR

U64_MAX = 2**64 - 1


def _as_u64(value: int) -> int | None:
    return value if 0 <= value <= U64_MAX else None


def fee_ceil(amount: int, bps: int) -> int | None:
    """`amount * bps / 10_000` rounded up: fees favour the protocol."""
    return _as_u64((amount * bps + BPS_DENOMINATOR - 1) // BPS_DENOMINATOR)


def share_floor(amount: int, bps: int) -> int | None:
    """`amount * bps / 10_000` rounded down: shares paid out of an amount."""
    return _as_u64(amount * bps // BPS_DENOMINATOR)


def mul_div_floor(a: int, b: int, c: int) -> int | None:
    """`a * b / c` rounded down; None when c is 0 or the result does not fit a u64."""
    if c == 0:
        return None
    return _as_u64(a * b // c)
