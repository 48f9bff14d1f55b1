"""Merkle trees of reward amounts and inference receipts, identical to `io_common::merkle`.

Leaves are `sha256(0x00 || data)`, inner nodes `sha256(0x01 || min(a, b) || max(a, b))`.
The distinct prefixes stop an inner node from passing as a leaf; sorting each pair makes a
proof just the list of siblings (no left/right flags). A level with an odd number of nodes
promotes its last node unchanged, so that node has no sibling at that level.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

LEAF_PREFIX: Final = 0x00
NODE_PREFIX: Final = 0x01
# Deepest proof the programs accept: trees of up to 2^32 leaves.
MAX_PROOF_LEN: Final = 32

Hash32 = bytes
_I64_MIN, _I64_MAX, _U64_MAX = -(2**63), 2**63 - 1, 2**64 - 1


def _require_hash(value: bytes, what: str) -> None:
    if len(value) != 32:
        raise ValueError(f"{what} must be 32 bytes, got {len(value)}")


def leaf_hash(*parts: bytes) -> Hash32:
    return hashlib.sha256(bytes([LEAF_PREFIX]) + b"".join(parts)).digest()


def node_hash(a: Hash32, b: Hash32) -> Hash32:
    low, high = (a, b) if a <= b else (b, a)
    return hashlib.sha256(bytes([NODE_PREFIX]) + low + high).digest()


def verify(proof: Sequence[Hash32], root: Hash32, leaf: Hash32) -> bool:
    """Whether `proof` leads from `leaf` to `root` (same rule as on-chain, depth cap included)."""
    if len(proof) > MAX_PROOF_LEN:
        return False
    current = leaf
    for sibling in proof:
        current = node_hash(current, sibling)
    return current == root


def reward_leaf(epoch: int, node: bytes, amount: int) -> Hash32:
    """Leaf of a reward root: what `node` (the Node PDA) earned in `epoch`."""
    _require_hash(node, "node")
    if not (0 <= epoch <= _U64_MAX and 0 <= amount <= _U64_MAX):
        raise ValueError("epoch and amount must fit in a u64")
    return leaf_hash(epoch.to_bytes(8, "little"), node, amount.to_bytes(8, "little"))


def receipt_leaf(job: bytes, node: bytes, model_hash: bytes, input_hash: bytes, output_hash: bytes, timestamp: int) -> Hash32:
    """Leaf of a provenance batch: one inference receipt."""
    for value, what in ((job, "job"), (node, "node"), (model_hash, "model_hash"), (input_hash, "input_hash"), (output_hash, "output_hash")):
        _require_hash(value, what)
    if not _I64_MIN <= timestamp <= _I64_MAX:
        raise ValueError("timestamp must fit in an i64")
    return leaf_hash(job, node, model_hash, input_hash, output_hash, timestamp.to_bytes(8, "little", signed=True))


@dataclass(frozen=True)
class MerkleTree:
    """All levels of a tree over already-hashed leaves; level 0 is the leaves, the last the root."""

    levels: tuple[tuple[Hash32, ...], ...]

    @classmethod
    def build(cls, leaves: Sequence[Hash32]) -> MerkleTree:
        if not leaves:
            raise ValueError("a Merkle tree needs at least one leaf")
        for leaf in leaves:
            _require_hash(leaf, "leaf")
        level = tuple(leaves)
        levels = [level]
        while len(level) > 1:
            paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                paired.append(level[-1])  # odd count: the last node moves up unchanged
            level = tuple(paired)
            levels.append(level)
        return cls(tuple(levels))

    @property
    def root(self) -> Hash32:
        return self.levels[-1][0]

    @property
    def leaf_count(self) -> int:
        return len(self.levels[0])

    def proof(self, index: int) -> list[Hash32]:
        """Siblings from the leaf at `index` up to the root (promoted levels add nothing)."""
        if not 0 <= index < self.leaf_count:
            raise IndexError(f"leaf index {index} out of range 0..{self.leaf_count}")
        siblings: list[Hash32] = []
        position = index
        for level in self.levels[:-1]:
            sibling = position ^ 1
            if sibling < len(level):
                siblings.append(level[sibling])
            position //= 2
        return siblings
