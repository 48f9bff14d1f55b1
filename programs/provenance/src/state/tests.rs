use anchor_lang::prelude::*;
use io_common::layout::ACCOUNT_VERSION;
use io_common::merkle;

use super::*;
use crate::errors::ProvenanceError;

fn config() -> ProvenanceConfig {
    ProvenanceConfig {
        version: ACCOUNT_VERSION,
        bump: 255,
        _padding: [0; 6],
        admin: Pubkey::new_unique(),
        keeper_authority: Pubkey::new_unique(),
        pending_admin: Pubkey::default(),
        pending_keeper_authority: Pubkey::default(),
        next_sequence: 0,
        total_leaves: 0,
    }
}

fn receipt(i: u8, timestamp: i64) -> Receipt {
    Receipt {
        job: Pubkey::new_from_array([i; 32]),
        node: Pubkey::new_from_array([i.wrapping_add(1); 32]),
        model_hash: [7; 32],
        input_hash: [i; 32],
        output_hash: [i ^ 0xff; 32],
        timestamp,
    }
}

/// Root and proof the way the keeper builds them (odd levels promote the last node).
fn root_and_proof(leaves: &[[u8; 32]], index: usize) -> ([u8; 32], Vec<[u8; 32]>) {
    let mut level = leaves.to_vec();
    let mut position = index;
    let mut proof = Vec::new();
    while level.len() > 1 {
        if position ^ 1 < level.len() {
            proof.push(level[position ^ 1]);
        }
        level = level
            .chunks(2)
            .map(|pair| {
                if pair.len() == 2 {
                    merkle::node_hash(&pair[0], &pair[1])
                } else {
                    pair[0]
                }
            })
            .collect();
        position /= 2;
    }
    (level[0], proof)
}

fn batch(root: [u8; 32], leaf_count: u32) -> Batch {
    Batch {
        version: ACCOUNT_VERSION,
        sequence: 0,
        root,
        leaf_count,
        first_ts: 100,
        last_ts: 200,
        recorded_at: 300,
        recorder: Pubkey::new_unique(),
        bump: 254,
        _reserved: [0; 64],
    }
}

#[test]
fn batches_are_recorded_in_sequence() {
    let mut c = config();
    c.record(0, 10).unwrap();
    c.record(1, 5).unwrap();
    assert_eq!((c.next_sequence, c.total_leaves), (2, 15));
    assert_eq!(
        c.record(1, 1),
        Err(ProvenanceError::SequenceMismatch.into())
    );
    assert_eq!(
        c.record(3, 1),
        Err(ProvenanceError::SequenceMismatch.into())
    );
    assert_eq!(c.record(2, 0), Err(ProvenanceError::EmptyBatch.into()));
    assert_eq!((c.next_sequence, c.total_leaves), (2, 15));
}

#[test]
fn counters_overflow_is_an_error() {
    let mut c = config();
    c.next_sequence = u64::MAX;
    assert_eq!(
        c.record(u64::MAX, 1),
        Err(ProvenanceError::MathOverflow.into())
    );
    let mut c = config();
    c.total_leaves = u64::MAX;
    assert_eq!(c.record(0, 1), Err(ProvenanceError::MathOverflow.into()));
}

#[test]
fn time_window() {
    assert!(Batch::check_window(1, 1, 1).is_ok());
    assert!(Batch::check_window(1, 2, 3).is_ok());
    assert_eq!(
        Batch::check_window(2, 1, 3),
        Err(ProvenanceError::InvalidTimeWindow.into())
    );
    assert_eq!(
        Batch::check_window(1, 4, 3),
        Err(ProvenanceError::InvalidTimeWindow.into())
    );
}

#[test]
fn max_proof_len_is_tree_depth() {
    let expected = [
        (1, 0),
        (2, 1),
        (3, 2),
        (4, 2),
        (5, 3),
        (8, 3),
        (9, 4),
        (1 << 20, 20),
        (u32::MAX, 32),
    ];
    for (leaves, depth) in expected {
        assert_eq!(Batch::max_proof_len(leaves), depth, "{leaves} leaves");
    }
}

#[test]
fn every_receipt_of_a_batch_verifies_and_tampering_fails() {
    for count in 1..=9u8 {
        let receipts: Vec<_> = (0..count).map(|i| receipt(i, 100 + i64::from(i))).collect();
        let leaves: Vec<_> = receipts.iter().map(Receipt::leaf).collect();
        for (index, r) in receipts.iter().enumerate() {
            let (root, proof) = root_and_proof(&leaves, index);
            let b = batch(root, u32::from(count));
            assert_eq!(b.verify(r, &proof), Ok(leaves[index]));

            let mut forged = r.clone();
            forged.output_hash[0] ^= 1;
            assert_eq!(
                b.verify(&forged, &proof),
                Err(ProvenanceError::InvalidProof.into())
            );

            let mut padded = proof.clone();
            padded.resize(Batch::max_proof_len(u32::from(count)) + 1, [0; 32]);
            assert_eq!(
                b.verify(r, &padded),
                Err(ProvenanceError::ProofTooLong.into())
            );
        }
    }
}

#[test]
fn receipt_outside_the_window_is_rejected() {
    let r = receipt(1, 99);
    let b = batch(r.leaf(), 1);
    assert_eq!(
        b.verify(&r, &[]),
        Err(ProvenanceError::ReceiptOutsideBatchWindow.into())
    );
    let r = receipt(1, 100);
    let b = batch(r.leaf(), 1);
    assert_eq!(b.verify(&r, &[]), Ok(r.leaf()));
}

#[test]
fn an_inner_node_cannot_pose_as_a_receipt() {
    let leaves: Vec<_> = (0..4).map(|i| receipt(i, 150).leaf()).collect();
    let (root, _) = root_and_proof(&leaves, 0);
    // Whatever receipt is offered, its leaf is sha256(0x00 || ...), never an inner node.
    let b = batch(root, 4);
    let inner_sibling = merkle::node_hash(&leaves[2], &leaves[3]);
    assert_eq!(
        b.verify(&receipt(9, 150), &[inner_sibling]),
        Err(ProvenanceError::InvalidProof.into())
    );
}
