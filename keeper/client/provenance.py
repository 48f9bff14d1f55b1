"""Instructions of the provenance program: recording a batch root, checking a receipt, and the
admin's update_config and accept_authority. `initialize` is the deployment's
(`keeper.localnet.deployment`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from solders.instruction import Instruction
from solders.pubkey import Pubkey

from keeper.client.addresses import ProvenanceAddresses
from keeper.client.idl import ProgramIdl
from keeper.client.models import Receipt


def record_batch(provenance: ProgramIdl, sequence: int, root: bytes, leaf_count: int, first_ts: int, last_ts: int, keeper: Pubkey) -> Instruction:
    return provenance.instruction(
        "record_batch",
        {"sequence": sequence, "root": list(root), "leaf_count": leaf_count, "first_ts": first_ts, "last_ts": last_ts},
        {"config": ProvenanceAddresses.config, "batch": ProvenanceAddresses.batch(sequence), "keeper_authority": keeper},
    )


def receipt_args(receipt: Receipt) -> dict[str, Any]:
    """A receipt as the program's `Receipt` argument."""
    return {
        "job": Pubkey.from_bytes(receipt.job),
        "node": Pubkey.from_bytes(receipt.node),
        "model_hash": list(receipt.model_hash),
        "input_hash": list(receipt.input_hash),
        "output_hash": list(receipt.output_hash),
        "timestamp": receipt.timestamp,
    }


def verify_receipt(provenance: ProgramIdl, sequence: int, receipt: Receipt, proof: Sequence[bytes]) -> Instruction:
    """Checks `receipt` against batch `sequence`'s root (fails unless the proof leads there)."""
    return provenance.instruction(
        "verify_receipt",
        {"sequence": sequence, "receipt": receipt_args(receipt), "proof": [list(item) for item in proof]},
        {"batch": ProvenanceAddresses.batch(sequence)},
    )


def update_config(provenance: ProgramIdl, admin: Pubkey, new_admin: Pubkey | None = None, new_keeper_authority: Pubkey | None = None) -> Instruction:
    """The admin proposes a new admin and/or keeper authority (None: unchanged); each takes over
    with `accept_authority`."""
    return provenance.instruction(
        "update_config", {"new_admin": new_admin, "new_keeper_authority": new_keeper_authority}, {"admin": admin, "config": ProvenanceAddresses.config}
    )


def accept_authority(provenance: ProgramIdl, new_authority: Pubkey) -> Instruction:
    """A proposed admin or keeper authority takes over (it signs)."""
    return provenance.instruction("accept_authority", {}, {"new_authority": new_authority, "config": ProvenanceAddresses.config})
