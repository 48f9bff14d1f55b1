"""The explorer's pure parts: which program logged an event, the shared read cache, and the
JSON the browser gets."""

from __future__ import annotations

import asyncio

import pytest

from keeper.client.addresses import EscrowAddresses
from keeper.explorer.cache import TtlCache
from keeper.explorer.history import program_data_lines
from keeper.explorer.tables import TABLES, QueryError
from keeper.explorer.web import js_safe

ESCROW = str(EscrowAddresses.program)
FORGER = "Forger1111111111111111111111111111111111111"
TOKEN = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"


def test_events_are_attributed_to_the_program_executing_when_logged() -> None:
    logs = [
        f"Program {ESCROW} invoke [1]",
        f"Program {TOKEN} invoke [2]",
        "Program data: dG9rZW4=",
        f"Program {TOKEN} success",
        "Program data: ZXNjcm93",
        f"Program {ESCROW} success",
        f"Program {FORGER} invoke [1]",
        # The same bytes an escrow event would carry, printed by another program: not escrow's.
        "Program data: ZXNjcm93",
        f"Program {FORGER} failed: custom program error: 0x1",
        "Program data: b3JwaGFu",  # outside any invocation: nobody's
    ]
    assert list(program_data_lines(logs)) == [
        (TOKEN, "Program data: dG9rZW4="),
        (ESCROW, "Program data: ZXNjcm93"),
        (FORGER, "Program data: ZXNjcm93"),
    ]


async def test_cache_shares_one_fetch_between_concurrent_readers() -> None:
    cache = TtlCache(ttl=60)
    calls = 0

    async def produce() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return calls

    assert await asyncio.gather(*(cache.get("k", produce) for _ in range(5))) == [1] * 5
    assert await cache.get("k", produce) == 1 and calls == 1


async def test_cache_expires_and_does_not_keep_failures() -> None:
    cache = TtlCache(ttl=0)
    answers = iter([ValueError("rpc down"), 7, 8])

    async def produce() -> int:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    with pytest.raises(ValueError, match="rpc down"):
        await cache.get("k", produce)
    assert await cache.get("k", produce) == 7
    assert await cache.get("k", produce) == 8  # ttl 0: every read is fresh


def test_integers_beyond_2_53_reach_the_browser_as_strings() -> None:
    assert js_safe({"supply": 500_000_000 * 10**9, "n": 7, "ok": True, "rows": [[1, 2**53], [-(2**60), None]]}) == {
        "supply": "500000000000000000",
        "n": 7,
        "ok": True,
        "rows": [[1, "9007199254740992"], ["-1152921504606846976", None]],
    }


@pytest.mark.parametrize(
    ("table", "name", "value", "encoded"),
    [
        ("jobs", "status", "Completed", bytes([2])),
        ("jobs", "payment", "Io", bytes([1])),
        ("jobs", "job_id", "258", (258).to_bytes(8, "little")),
        ("jobs", "node", str(EscrowAddresses.config), bytes(EscrowAddresses.config)),
    ],
)
def test_filters_encode_the_bytes_the_memcmp_compares(table: str, name: str, value: str, encoded: bytes) -> None:
    assert TABLES[table].filters[name].encode(value) == encoded


@pytest.mark.parametrize("value", ["", "1.5", "x", str(2**64), "-3"])
def test_number_filters_refuse_what_is_not_a_u64(value: str) -> None:
    with pytest.raises(QueryError, match="is not a u64"):
        TABLES["jobs"].filters["job_id"].encode(value)


async def test_a_stale_answer_is_served_at_once_while_one_refresh_runs() -> None:
    cache = TtlCache(ttl=0.05, stale=10)
    reads = 0
    release = asyncio.Event()

    async def produce() -> int:
        nonlocal reads
        reads += 1
        if reads > 1:
            await release.wait()  # a slow read, like 100,000 jobs
        return reads

    assert await cache.get("k", produce) == 1
    await asyncio.sleep(0.06)  # no longer fresh, still within `stale`
    assert await asyncio.wait_for(asyncio.gather(*(cache.get("k", produce) for _ in range(3))), 1) == [1, 1, 1]
    await asyncio.sleep(0)
    assert reads == 2  # one background refresh for all three
    release.set()
    await asyncio.sleep(0.01)
    assert await cache.get("k", produce) == 2


async def test_past_the_stale_window_readers_wait_for_a_fresh_read() -> None:
    cache = TtlCache(ttl=0, stale=0)
    values = iter([1, 2])

    async def produce() -> int:
        return next(values)

    assert [await cache.get("k", produce), await cache.get("k", produce)] == [1, 2]
