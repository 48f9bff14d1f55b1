"""`io-keeper prove RECEIPT_ID`: a receipt's Merkle proof from the journal, checked on-chain
by simulating provenance.verify_receipt (nothing is signed or paid)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from solana.rpc.async_api import AsyncClient
from solders.pubkey import Pubkey

from keeper.client.merkle import MerkleTree, verify
from keeper.client.models import Receipt
from keeper.client.protocol import Protocol
from keeper.daemon.journal import Journal
from keeper.explorer.receipts import simulate_verify_receipt


@dataclass(frozen=True)
class ProofResult:
    receipt_id: str
    receipt: Receipt
    sequence: int | None
    root: bytes | None
    proof: list[bytes]
    locally_valid: bool
    on_chain: bool | None
    error: str | None
    logs: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.receipt_id,
            "receipt": self.receipt.model_dump(mode="json"),
            "sequence": self.sequence,
            "root": self.root.hex() if self.root else None,
            "proof": [p.hex() for p in self.proof],
            "locally_valid": self.locally_valid,
            "verified_on_chain": self.on_chain,
            "error": self.error,
        }


async def prove(journal: Journal, protocol: Protocol, rpc_url: str, receipt_id: str, fee_payer: Pubkey, claimed: Receipt | None = None) -> ProofResult:
    """`fee_payer` must be an existing account (the simulation charges nothing and needs no signature)."""
    stored = journal.receipt(receipt_id)
    if stored is None:
        raise LookupError(f"receipt {receipt_id} is not in the journal")
    receipt = claimed or stored.receipt
    if stored.batch_id is None:
        return ProofResult(receipt_id, receipt, None, None, [], False, None, "not in a batch yet", [])
    batch = journal.batch(stored.batch_id)
    assert batch is not None
    proof = MerkleTree.build(journal.batch_leaves(batch.id)).proof(stored.leaf_index or 0)
    locally_valid = verify(proof, batch.root, receipt.leaf())
    if batch.status != "recorded":
        return ProofResult(receipt_id, receipt, batch.sequence, batch.root, proof, locally_valid, None, f"batch is {batch.status}", [])
    async with AsyncClient(rpc_url) as client:
        on_chain, error, logs = await simulate_verify_receipt(client, protocol, batch.sequence, receipt, proof, fee_payer)
    return ProofResult(receipt_id, receipt, batch.sequence, batch.root, proof, locally_valid, on_chain, error, logs)


def run(journal: Journal, protocol: Protocol, rpc_url: str, receipt_id: str, fee_payer: Pubkey, claimed: Receipt | None) -> ProofResult:
    return asyncio.run(prove(journal, protocol, rpc_url, receipt_id, fee_payer, claimed))


def render(result: ProofResult, as_json: bool) -> str:
    if as_json:
        return json.dumps(result.as_json(), indent=2)
    lines = [f"receipt   {result.receipt_id}"]
    for key, value in result.receipt.model_dump(mode="json").items():
        lines.append(f"  {key:<11} {value}")
    if result.sequence is not None:
        lines.append(f"batch     {result.sequence}  root {result.root.hex() if result.root else '-'}")
        lines.append(f"proof     {len(result.proof)} siblings")
        lines.extend(f"  {sibling.hex()}" for sibling in result.proof)
    lines.append(f"local check     {'valid' if result.locally_valid else 'INVALID'}")
    if result.on_chain is None:
        lines.append(f"on-chain check  not run ({result.error})")
    else:
        lines.append(f"on-chain check  {'VERIFIED by provenance.verify_receipt' if result.on_chain else 'FAILED: ' + str(result.error)}")
    return "\n".join(lines)
