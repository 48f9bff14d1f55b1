"""Blocks: what getBlock, getBlocks, getBlockTime and slot notifications report.

LiteSVM has slots (its Clock) but no blocks. The chain opens a block whenever its slot moves
forward and files every committed transaction into the open one, so a block is a slot the
chain really was at; slots it jumped over (a clock moved by hours at once) are skipped slots,
as on a cluster whose leaders missed them. Nothing here is ever rolled back, so every block is
rooted as soon as the next one opens.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import deque
from dataclasses import dataclass, field
from itertools import islice
from typing import Final

from solders.hash import Hash
from solders.signature import Signature

# Blocks kept for getBlock / getBlocks (oldest dropped first): days of a localnet at 400 ms
# a slot, and a bounded few MB whatever the clock speed.
BLOCKS_KEPT: Final = 100_000


@dataclass(slots=True)
class Block:
    slot: int
    parent_slot: int
    block_height: int
    block_time: int
    previous_blockhash: Hash
    # Set when the next block opens; the open block's is the chain's latest blockhash.
    blockhash: Hash | None = None
    signatures: list[Signature] = field(default_factory=list)


class BlockLedger:
    """Kept blocks in slot order; the last one is open (it receives new transactions)."""

    def __init__(self, blocks: tuple[Block, ...] = ()) -> None:
        self._blocks: deque[Block] = deque(blocks, maxlen=BLOCKS_KEPT)

    def copy(self) -> BlockLedger:
        """An independent copy (the open block's transaction list is the only mutable part)."""
        blocks = tuple(self._blocks)
        if blocks:
            last = blocks[-1]
            blocks = (
                *blocks[:-1],
                Block(last.slot, last.parent_slot, last.block_height, last.block_time, last.previous_blockhash, last.blockhash, list(last.signatures)),
            )
        return BlockLedger(blocks)

    def open(self, slot: int, block_height: int, block_time: int, latest_blockhash: Hash) -> Block | None:
        """Closes the open block (its hash: `latest_blockhash`) and opens one at `slot`.

        Returns the block it closed (None for the first)."""
        closed = self._blocks[-1] if self._blocks else None
        if closed is not None:
            closed.blockhash = latest_blockhash
        parent = closed.slot if closed is not None else slot
        self._blocks.append(Block(slot, parent, block_height, block_time, latest_blockhash))
        return closed

    def add(self, signature: Signature, block_time: int) -> None:
        """Files a committed transaction; the first one fixes the block's time. (The scaled
        clock moves the timestamp by wall seconds and the slot by 400 ms, so a later
        transaction of the same slot can carry the next second.)"""
        block = self._blocks[-1]
        if not block.signatures:
            block.block_time = block_time
        block.signatures.append(signature)

    @property
    def current(self) -> Block:
        return self._blocks[-1]

    @property
    def first_slot(self) -> int:
        return self._blocks[0].slot

    def get(self, slot: int) -> Block | None:
        index = bisect_left(self._blocks, slot, key=lambda block: block.slot)
        if index < len(self._blocks) and self._blocks[index].slot == slot:
            return self._blocks[index]
        return None

    def newest(self, count: int) -> list[Block]:
        """The last `count` blocks, oldest first."""
        return list(islice(reversed(self._blocks), count))[::-1]

    def slots(self, start: int, end: int, limit: int) -> list[int]:
        """Slots of kept blocks in [start, end], oldest first, at most `limit`."""
        key = lambda block: block.slot  # noqa: E731 - bisect's key
        low = bisect_left(self._blocks, start, key=key)
        high = bisect_right(self._blocks, end, key=key)
        return [self._blocks[i].slot for i in range(low, min(high, low + limit))]
