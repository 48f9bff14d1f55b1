from __future__ import annotations

import hashlib

import pytest

from keeper.client.merkle import MAX_PROOF_LEN, MerkleTree, leaf_hash, node_hash, receipt_leaf, reward_leaf, verify


def test_shared_vector_with_io_common() -> None:
    # Also asserted in programs/io-common/src/merkle.rs (shared_test_vectors): change both or neither.
    leaf = reward_leaf(3, bytes([0xAB]) * 32, 1_000_000_000)
    assert leaf.hex() == "03048da99774d6809abb389635737011f99f311577f70fc284c0e84ee23e1262"


def test_hash_rules_use_distinct_prefixes_and_sorted_pairs() -> None:
    a, b = hashlib.sha256(b"a").digest(), hashlib.sha256(b"b").digest()
    assert leaf_hash(a) == hashlib.sha256(b"\x00" + a).digest()
    assert node_hash(a, b) == node_hash(b, a) == hashlib.sha256(b"\x01" + min(a, b) + max(a, b)).digest()


@pytest.mark.parametrize("count", range(1, 10))
def test_every_leaf_of_odd_and_even_trees_verifies(count: int) -> None:
    leaves = [reward_leaf(7, bytes([i]) * 32, i * 10) for i in range(count)]
    tree = MerkleTree.build(leaves)
    assert tree.leaf_count == count
    for index, leaf in enumerate(leaves):
        proof = tree.proof(index)
        assert verify(proof, tree.root, leaf)
        assert not verify(proof, tree.root, reward_leaf(7, bytes([index]) * 32, 1))


def test_odd_level_promotes_its_last_node_unchanged() -> None:
    leaves = [reward_leaf(1, bytes([i]) * 32, 5) for i in range(3)]
    tree = MerkleTree.build(leaves)
    assert tree.levels[1] == (node_hash(leaves[0], leaves[1]), leaves[2])
    assert tree.proof(2) == [node_hash(leaves[0], leaves[1])]
    assert MerkleTree.build(leaves[:1]).root == leaves[0]


def test_an_inner_node_is_not_a_leaf() -> None:
    leaves = [reward_leaf(1, bytes([i]) * 32, 5) for i in range(4)]
    tree = MerkleTree.build(leaves)
    inner, upper_sibling = node_hash(leaves[0], leaves[1]), node_hash(leaves[2], leaves[3])
    assert verify([upper_sibling], tree.root, inner)
    assert not verify([upper_sibling], tree.root, leaf_hash(inner))


def test_receipt_leaf_layout() -> None:
    parts = [bytes([i]) * 32 for i in range(5)]
    expected = hashlib.sha256(b"\x00" + b"".join(parts) + (-5).to_bytes(8, "little", signed=True)).digest()
    assert receipt_leaf(*parts, -5) == expected


def test_invalid_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="at least one leaf"):
        MerkleTree.build([])
    with pytest.raises(ValueError, match="32 bytes"):
        reward_leaf(1, b"short", 1)
    with pytest.raises(ValueError, match="u64"):
        reward_leaf(-1, bytes(32), 1)
    with pytest.raises(ValueError, match="i64"):
        receipt_leaf(*[bytes(32)] * 5, 2**63)
    with pytest.raises(IndexError):
        MerkleTree.build([bytes(32)]).proof(1)
    leaf = bytes(32)
    assert not verify([leaf] * (MAX_PROOF_LEN + 1), leaf, leaf)
