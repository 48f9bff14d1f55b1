"""A small time-bounded cache for RPC reads that many page loads ask for at once."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class TtlCache:
    """Keeps each result for `ttl` seconds. Callers asking for a key that is being fetched
    wait for that fetch instead of starting another: a burst of page loads over 100,000 jobs
    costs one getProgramAccounts, not one per browser tab."""

    def __init__(self, ttl: float, max_entries: int = 256) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[float, asyncio.Future[Any]]] = OrderedDict()

    async def get(self, key: Hashable, produce: Callable[[], Awaitable[T]]) -> T:
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and (not entry[1].done() or now < entry[0]):
            self._entries.move_to_end(key)
            return await asyncio.shield(entry[1])
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._entries[key] = (now + self.ttl, future)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        try:
            value = await produce()
        except BaseException as error:
            # A failed read is not remembered: the next caller tries again.
            self._entries.pop(key, None)
            future.set_exception(error)
            future.exception()  # retrieved here, so an unawaited failure is not logged as lost
            raise
        self._entries[key] = (time.monotonic() + self.ttl, future)
        future.set_result(value)
        return value

    def clear(self) -> None:
        self._entries.clear()
