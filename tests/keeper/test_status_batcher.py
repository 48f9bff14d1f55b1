"""The gateway's getSignatureStatuses batcher, against a slow fake RPC (no localnet needed)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from solders.signature import Signature

from keeper.daemon.rpc import _StatusBatcher


class SlowStatuses:
    """Answers getSignatureStatuses after `delay` seconds; every signature is 'its own status'."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.requests: list[list[Signature]] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def call(self, method: str, request: Any) -> Any:
        assert method == "getSignatureStatuses"
        client = SimpleNamespace(get_signature_statuses=self._answer)
        return await request(client)

    async def _answer(self, signatures: list[Signature]) -> Any:
        self.requests.append(list(signatures))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        await asyncio.sleep(self.delay)
        self.in_flight -= 1
        return SimpleNamespace(value=[f"status of {signature}" for signature in signatures])


async def test_lookups_during_a_flush_are_answered_and_do_not_wait_for_it() -> None:
    rpc = SlowStatuses(delay=0.3)
    batcher = _StatusBatcher(rpc, window=0.01)  # type: ignore[arg-type]
    first = [Signature.new_unique() for _ in range(3)]
    early = asyncio.gather(*(batcher.get(signature) for signature in first))
    await asyncio.sleep(0.05)  # the first flush is now waiting for its answer
    late_signature = Signature.new_unique()
    started = asyncio.get_running_loop().time()
    late = await asyncio.wait_for(batcher.get(late_signature), 2)
    assert late == f"status of {late_signature}"
    # Answered by its own request, not queued behind the first one's answer.
    assert asyncio.get_running_loop().time() - started < 0.3 + 0.2
    assert await asyncio.wait_for(early, 2) == [f"status of {signature}" for signature in first]
    assert rpc.requests == [first, [late_signature]]  # one request per window
    assert rpc.max_in_flight == 2


async def test_many_senders_share_requests_and_all_get_their_status() -> None:
    rpc = SlowStatuses(delay=0.02)
    batcher = _StatusBatcher(rpc, window=0.01)  # type: ignore[arg-type]
    signatures = [Signature.new_unique() for _ in range(600)]

    async def sender(signature: Signature) -> Any:
        await asyncio.sleep((hash(signature) % 50) / 1000)  # arrivals spread over 50 ms
        return await batcher.get(signature)

    results = await asyncio.wait_for(asyncio.gather(*(sender(signature) for signature in signatures)), 5)
    assert results == [f"status of {signature}" for signature in signatures]
    assert len(rpc.requests) < len(signatures) / 10
    assert all(len(request) <= 256 for request in rpc.requests)
