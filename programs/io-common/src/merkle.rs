//! Merkle trees of reward amounts and inference receipts.
//!
//! Leaves are `sha256(0x00 || data)` and inner nodes `sha256(0x01 || min(a, b) || max(a, b))`:
//! distinct prefixes mean an inner node can never be presented as a leaf, and sorted pairs
//! mean a proof is just the list of siblings. A level with an odd count promotes its last
//! node unchanged. The keeper builds the same trees (`keeper/merkle.py`); shared test
//! vectors keep the two identical.

use solana_sha256_hasher::hashv;

pub const LEAF_PREFIX: u8 = 0x00;
pub const NODE_PREFIX: u8 = 0x01;
/// Deepest proof accepted: trees of up to 2^32 leaves.
pub const MAX_PROOF_LEN: usize = 32;

pub fn leaf_hash(parts: &[&[u8]]) -> [u8; 32] {
    let mut with_prefix: [&[u8]; 8] = [&[]; 8];
    with_prefix[0] = &[LEAF_PREFIX];
    with_prefix[1..=parts.len()].copy_from_slice(parts);
    hashv(&with_prefix[..=parts.len()]).to_bytes()
}

pub fn node_hash(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let (low, high) = if a <= b { (a, b) } else { (b, a) };
    hashv(&[&[NODE_PREFIX], low, high]).to_bytes()
}

/// Whether `proof` leads from `leaf` to `root`.
pub fn verify(proof: &[[u8; 32]], root: &[u8; 32], leaf: [u8; 32]) -> bool {
    proof.len() <= MAX_PROOF_LEN
        && proof
            .iter()
            .fold(leaf, |acc, sibling| node_hash(&acc, sibling))
            == *root
}

/// Leaf of a reward root: what `node` earned in `epoch`.
pub fn reward_leaf(epoch: u64, node: &[u8; 32], amount: u64) -> [u8; 32] {
    leaf_hash(&[&epoch.to_le_bytes(), node, &amount.to_le_bytes()])
}

/// Leaf of a provenance batch: one inference receipt.
pub fn receipt_leaf(
    job: &[u8; 32],
    node: &[u8; 32],
    model_hash: &[u8; 32],
    input_hash: &[u8; 32],
    output_hash: &[u8; 32],
    timestamp: i64,
) -> [u8; 32] {
    leaf_hash(&[
        job,
        node,
        model_hash,
        input_hash,
        output_hash,
        &timestamp.to_le_bytes(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root_and_proof(leaves: &[[u8; 32]], index: usize) -> ([u8; 32], std::vec::Vec<[u8; 32]>) {
        let mut level = leaves.to_vec();
        let mut position = index;
        let mut proof = std::vec::Vec::new();
        while level.len() > 1 {
            let sibling = position ^ 1;
            if sibling < level.len() {
                proof.push(level[sibling]);
            }
            level = level
                .chunks(2)
                .map(|pair| {
                    if pair.len() == 2 {
                        node_hash(&pair[0], &pair[1])
                    } else {
                        pair[0]
                    }
                })
                .collect();
            position /= 2;
        }
        (level[0], proof)
    }

    #[test]
    fn every_leaf_of_odd_and_even_trees_verifies() {
        for count in 1..=9u64 {
            let leaves: std::vec::Vec<_> = (0..count)
                .map(|i| reward_leaf(7, &[i as u8; 32], i * 10))
                .collect();
            for index in 0..leaves.len() {
                let (root, proof) = root_and_proof(&leaves, index);
                assert!(verify(&proof, &root, leaves[index]));
                assert!(!verify(
                    &proof,
                    &root,
                    reward_leaf(7, &[index as u8; 32], 1)
                ));
            }
        }
    }

    #[test]
    fn an_inner_node_is_not_a_leaf() {
        let leaves: std::vec::Vec<_> = (0..4u8).map(|i| reward_leaf(1, &[i; 32], 5)).collect();
        let inner = node_hash(&leaves[0], &leaves[1]);
        let (root, _) = root_and_proof(&leaves, 0);
        let upper_sibling = node_hash(&leaves[2], &leaves[3]);
        // The inner node verifies only as an inner node, never re-hashed as a leaf.
        assert!(verify(&[upper_sibling], &root, inner));
        assert!(!verify(&[upper_sibling], &root, leaf_hash(&[&inner])));
    }

    /// Shared with keeper tests (tests/test_merkle_vectors.py): change both or neither.
    #[test]
    fn shared_test_vectors() {
        let leaf = reward_leaf(3, &[0xAB; 32], 1_000_000_000);
        assert_eq!(
            hex(&leaf),
            "03048da99774d6809abb389635737011f99f311577f70fc284c0e84ee23e1262"
        );
    }

    fn hex(bytes: &[u8]) -> std::string::String {
        bytes.iter().map(|b| std::format!("{b:02x}")).collect()
    }
}
