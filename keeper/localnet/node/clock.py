"""Maps wall time to chain time: slots and unix_timestamp run `scale` times faster than the wall."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from keeper.localnet.node.chain import Chain

SECONDS_PER_SLOT: Final = 0.4


@dataclass
class ScaledClock:
    """Chain time = start + elapsed wall time × scale; blocks keep the wall-time pace.

    Blocks (and so blockhash expiry) follow unscaled wall time on purpose: at 3600x a
    blockhash would otherwise expire within milliseconds of being handed out.
    """

    start_unix_timestamp: int
    # The runtime's clock starts at a slot of its own (solders 0.29: 435,888,000).
    start_slot: int = 0
    scale: float = 1.0
    monotonic: Callable[[], float] = time.monotonic
    _started_at: float = field(init=False)

    def __post_init__(self) -> None:
        if self.scale < 1:
            raise ValueError("time scale must be >= 1")
        self._started_at = self.monotonic()

    def elapsed_wall_seconds(self) -> float:
        return self.monotonic() - self._started_at

    def slot(self) -> int:
        return self.start_slot + int(self.elapsed_wall_seconds() * self.scale / SECONDS_PER_SLOT)

    def unix_timestamp(self) -> int:
        return self.start_unix_timestamp + int(self.elapsed_wall_seconds() * self.scale)

    def blocks(self) -> int:
        return int(self.elapsed_wall_seconds() / SECONDS_PER_SLOT)

    def apply(self, chain: Chain) -> None:
        """Brings the chain's Clock sysvar and block height up to now (never backwards)."""
        elapsed = self.elapsed_wall_seconds()
        slot = self.start_slot + int(elapsed * self.scale / SECONDS_PER_SLOT)
        unix_timestamp = self.start_unix_timestamp + int(elapsed * self.scale)
        chain.set_time(
            slot=max(slot, chain.slot),
            unix_timestamp=max(unix_timestamp, chain.unix_timestamp),
            produce_block=False,
        )
        chain.produce_blocks(int(elapsed / SECONDS_PER_SLOT) - chain.block_height)
