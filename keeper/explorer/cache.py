"""A small time-bounded cache for RPC reads that many page loads ask for at once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

T = TypeVar("T")
log = logging.getLogger("io-keeper.explorer")


@dataclass
class _Entry:
    fresh_until: float
    stale_until: float
    value: asyncio.Future[Any]
    refresh: asyncio.Task[Any] | None = None


class TtlCache:
    """Keeps each result fresh for `ttl` seconds. Callers asking for a key that is being read
    wait for that read instead of starting another: a burst of page loads over 100,000 jobs
    costs one getProgramAccounts, not one per browser tab.

    For `stale` seconds after that, the old result is still answered at once while one
    background read replaces it, so a reader never waits for a big read the explorer has done
    before; only a first read, or one after a long idle time, is waited for.
    """

    def __init__(self, ttl: float, stale: float = 0.0, max_entries: int = 256) -> None:
        self.ttl = ttl
        self.stale = stale
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()

    async def get(self, key: Hashable, produce: Callable[[], Awaitable[T]]) -> T:
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            if not entry.value.done() or now < entry.fresh_until:
                return await asyncio.shield(entry.value)
            if now < entry.stale_until:
                if entry.refresh is None:
                    entry.refresh = asyncio.create_task(self._refresh(key, entry, produce))
                return cast(T, entry.value.result())
        return await self._read(key, produce)

    async def _read(self, key: Hashable, produce: Callable[[], Awaitable[T]]) -> T:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        entry = _Entry(float("inf"), float("inf"), future)
        self._entries[key] = entry
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        try:
            value = await produce()
        except BaseException as error:
            # A failed read is not remembered: the next caller tries again.
            if self._entries.get(key) is entry:
                del self._entries[key]
            future.set_exception(error)
            future.exception()  # retrieved here, so an unawaited failure is not logged as lost
            raise
        done = time.monotonic()
        entry.fresh_until, entry.stale_until = done + self.ttl, done + self.ttl + self.stale
        future.set_result(value)
        return value

    async def _refresh(self, key: Hashable, entry: _Entry, produce: Callable[[], Awaitable[Any]]) -> None:
        """Replaces `entry` once the new value is read; until then readers keep the old one."""
        try:
            value = await produce()
        except Exception as error:  # the old answer stays until it is too old; then callers see the error
            log.warning("background refresh of %r failed: %s", key, error)
            entry.refresh = None
            return
        fresh: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        fresh.set_result(value)
        done = time.monotonic()
        if self._entries.get(key) is entry:
            self._entries[key] = _Entry(done + self.ttl, done + self.ttl + self.stale, fresh)

    def clear(self) -> None:
        self._entries.clear()
