"""The arithmetic the SBF toolchain rewrites, run on the Solana VM and compared with Python.

scripts/sbf/llvm-pass/SbfLower.cpp replaces 128-bit multiplication, division and shifts,
checked multiplication, signed division and all floating point (SBPF v0 has none of them
natively). scripts/sbf/selftest is a small SBF program that evaluates each of these on
inputs from its instruction data; here every result is checked against Rust's semantics
computed in Python, over edge cases and random values.
"""

from __future__ import annotations

import math
import random
import struct
from pathlib import Path

import pytest
from solders.compute_budget import set_compute_unit_limit
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from keeper.localnet.deploy import deploy_program
from keeper.localnet.launch import DeployedNode
from keeper.localnet.remote import LocalnetChain

M64, M128 = 1 << 64, 1 << 128
CHECKED_OVERFLOW = 1 << 127
RECORDS_PER_CALL = 28  # 33 bytes a record: 28 fill a transaction (1,232 bytes)


def signed(value: int, bits: int) -> int:
    value %= 1 << bits
    return value - (1 << bits) if value >> (bits - 1) else value


def as_f64(bits: int) -> float:
    return struct.unpack("<d", (bits % M64).to_bytes(8, "little"))[0]


def f64_bits(value: float) -> int:
    return int.from_bytes(struct.pack("<d", value), "little")


def truncating_div(a: int, b: int) -> int:
    quotient = abs(a) // abs(b)
    return quotient if (a < 0) == (b < 0) else -quotient


def checked_signed_div(a: int, b: int, bits: int, remainder: bool) -> int:
    if b == 0 or (a == -(1 << (bits - 1)) and b == -1):
        return 0
    quotient = truncating_div(a, b)
    return (a - b * quotient if remainder else quotient) % (1 << bits)


def saturating_cast(value: float, low: int, high: int) -> int:
    if math.isnan(value):
        return 0
    if value <= low:
        return low
    if value >= high:
        return high
    return math.trunc(value)


def to_f32_and_back(value: float) -> float:
    try:
        return struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)


def expected(op: int, a: int, b: int) -> int | None:
    """Rust's result for `evaluate(op, a, b)` in scripts/sbf/selftest; None means "any NaN"."""
    a64, b64 = a % M64, b % M64
    f, g = as_f64(a64), as_f64(b64)
    shift = b & 127

    def float_result(value: float) -> int | None:
        return None if math.isnan(value) else f64_bits(value)

    def ieee(operation) -> int | None:
        try:
            return float_result(operation())
        except ZeroDivisionError:
            if math.isnan(f) or f == 0:
                return None
            return f64_bits(math.copysign(math.inf, f) * math.copysign(1.0, g))
        except OverflowError:
            return None

    # fmt: off
    match op:
        case 0: return a * b % M128
        case 1: return a // b if b else 0
        case 2: return a % b if b else 0
        case 3: return (a << shift) % M128
        case 4: return a >> shift
        case 5: return (signed(a, 128) >> shift) % M128
        case 6: return a64 * b64 if a64 * b64 < M64 else CHECKED_OVERFLOW
        case 7:
            product = signed(a64, 64) * signed(b64, 64)
            return product % M64 if -(1 << 63) <= product < (1 << 63) else CHECKED_OVERFLOW
        case 8: return a * b if a * b < M128 else 0xDEAD
        case 9: return checked_signed_div(signed(a64, 64), signed(b64, 64), 64, remainder=False)
        case 10: return checked_signed_div(signed(a64, 64), signed(b64, 64), 64, remainder=True)
        case 11: return checked_signed_div(signed(a64, 32), signed(b64, 32), 32, remainder=False)
        case 12: return checked_signed_div(signed(a, 128), signed(b, 128), 128, remainder=False) % M128
        case 13: return checked_signed_div(signed(a, 128), signed(b, 128), 128, remainder=True) % M128
        case 14: return ieee(lambda: f * g)
        case 15: return ieee(lambda: f / g)
        case 16: return ieee(lambda: f + g)
        case 17: return ieee(lambda: f - g)
        case 18: return saturating_cast(f, 0, M64 - 1)
        case 19: return saturating_cast(f, -(1 << 63), (1 << 63) - 1) % M64
        case 20: return f64_bits(float(a64))
        case 21: return f64_bits(float(signed(a64, 64)))
        case 22:
            unordered = math.isnan(f) or math.isnan(g)
            bits = [f < g, f <= g, f > g, f >= g, f == g, f != g, math.isnan(f), unordered]
            return sum(int(bit) << k for k, bit in enumerate(bits))
        case 23: return float_result(to_f32_and_back(f))
        case 24:
            divisor = signed(b64, 64) or 1
            dividend = signed(a64, 64)
            if dividend == -(1 << 63) and divisor == -1:
                return dividend % M64
            return truncating_div(dividend, divisor) % M64
        case 25: return (a + b - (b >> 3)) % M128
    # fmt: on
    raise ValueError(op)


# fmt: off
EDGE_INTEGERS = [
    0, 1, 2, 3, 7, 10, 10_000, (1 << 31) - 1, 1 << 31, (1 << 32) - 1, 1 << 32, (1 << 63) - 1, 1 << 63, M64 - 1, M64,
    M64 + 1, 1 << 96, (1 << 127) - 1, 1 << 127, M128 - 1, M128 - 10_000, 800_000_000 * 10**9, 5 * 10**17 * 8 * 10**16,
]
# fmt: on
# fmt: off
EDGE_FLOATS = [
    0.0, -0.0, 1.0, -1.5, 3.7, 0.1, 1e300, -1e-300, 5e-324, math.inf, -math.inf, math.nan, 2.0**63, 2.0**64,
    9.2e18, -9.3e18, 3.4028235e38, 3.5e38, 890_880.0 * 3.480,
]
# fmt: on


def cases() -> list[tuple[int, int, int]]:
    rng = random.Random(20261123)
    integers = EDGE_INTEGERS + [rng.getrandbits(rng.choice([8, 32, 63, 64, 65, 96, 127, 128])) for _ in range(40)]
    floats = [f64_bits(x) for x in EDGE_FLOATS] + [f64_bits(rng.uniform(-1e20, 1e20)) for _ in range(10)]
    floats += [rng.getrandbits(64) for _ in range(10)]
    found = []
    for op in range(0, 14):
        found += [(op, a, b) for a in integers for b in rng.sample(integers, 12)]
    # 128-bit by 64-bit division (the divisor-fits path): every divisor width, with and
    # without the top bit set, and dividends both above and below 2^64.
    for _ in range(1_500):
        divisor = rng.getrandbits(rng.randint(1, 64)) or 1
        dividend = rng.getrandbits(rng.choice([64, 65, 100, 127, 128]))
        found += [(1, dividend, divisor), (2, dividend, divisor)]
    for op in (24, 25):
        found += [(op, a, b) for a in integers for b in rng.sample(integers, 6)]
    for op in range(14, 24):
        found += [(op, a, b) for a in floats for b in floats]
    return found


@pytest.fixture(scope="module")
def selftest(repo_root: Path, program_node: DeployedNode) -> tuple[LocalnetChain, Pubkey, Keypair]:
    """The selftest program deployed through the upgradeable loader at a new address."""
    program = repo_root / "target" / "sbf-selftest" / "sbf_selftest.so"
    if not program.is_file():
        pytest.fail("target/sbf-selftest/sbf_selftest.so missing — run scripts/build-sbf", pytrace=False)
    chain = program_node.fresh()
    payer, program_keypair = Keypair(), Keypair()
    chain.airdrop(payer.pubkey(), 10 * 10**9)
    deploy_program(chain, payer, program_keypair, program.read_bytes(), upgrade_authority=payer)
    return chain, program_keypair.pubkey(), payer


def run_on_chain(selftest: tuple[LocalnetChain, Pubkey, Keypair], batch: list[tuple[int, int, int]]) -> tuple[list[int], int]:
    chain, program_id, payer = selftest
    data = b"".join(bytes([op]) + a.to_bytes(16, "little") + b.to_bytes(16, "little") for op, a, b in batch)
    record = chain.send_instructions(
        [set_compute_unit_limit(1_400_000), Instruction(program_id, data, [])],
        payer,
    ).raise_for_error()
    out = record.result.return_data
    return [int.from_bytes(out[k * 16 : k * 16 + 16], "little") for k in range(len(batch))], record.result.compute_units_consumed


def test_every_rewritten_operation_matches_rust_semantics(selftest) -> None:
    all_cases = cases()
    mismatches = []
    for start in range(0, len(all_cases), RECORDS_PER_CALL):
        batch = all_cases[start : start + RECORDS_PER_CALL]
        results, _ = run_on_chain(selftest, batch)
        for (op, a, b), got in zip(batch, results, strict=True):
            want = expected(op, a, b)
            is_nan = want is None and math.isnan(as_f64(got))
            if not is_nan and got != want:
                mismatches.append(f"op {op}: a={a:#x} b={b:#x} got={got:#x} want={want if want is None else hex(want)}")
    assert len(all_cases) > 5_000
    assert not mismatches, f"{len(mismatches)} mismatches, first: " + "\n".join(mismatches[:10])


def test_wide_division_costs_stay_bounded(selftest) -> None:
    """128-bit division by a 64-bit divisor (fees, share prices) must stay affordable."""
    numerator = 800_000_000 * 10**9 * 10**18
    results, units = run_on_chain(selftest, [(1, numerator, 7_777_777_777)] * 8)
    assert results == [numerator // 7_777_777_777] * 8
    assert units < 8 * 12_000, units
