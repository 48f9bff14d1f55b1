"""Checking an inference receipt against a batch root on chain: provenance.verify_receipt
simulated without a signature (nothing is paid), shared by the explorer and `io-keeper prove`."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from solana.rpc.async_api import AsyncClient
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction

from keeper.daemon.models import Receipt
from keeper.daemon.protocol import Protocol


@dataclass(frozen=True)
class ReceiptCheck:
    valid: bool
    leaf: str
    sequence: int
    batch_root: str | None
    proof_matches_root: bool
    verified_on_chain: bool
    error: str | None
    logs: list[str]

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


async def simulate_verify_receipt(
    client: AsyncClient, protocol: Protocol, sequence: int, receipt: Receipt, proof: Sequence[bytes], fee_payer: Pubkey
) -> tuple[bool, str | None, list[str]]:
    """(verified, error name, logs) of provenance.verify_receipt simulated without a signature."""
    instruction = protocol.verify_receipt(sequence, receipt_args(receipt), list(proof))
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    transaction = Transaction.new_unsigned(Message.new_with_blockhash([instruction], fee_payer, blockhash))
    result = (await client.simulate_transaction(transaction, sig_verify=False)).value
    logs = list(result.logs or [])
    if result.err is None:
        return True, None, logs
    error = next((line.split("Error Code: ", 1)[1].split(".", 1)[0] for line in logs if "Error Code: " in line), str(result.err))
    return False, error, logs


def receipt_args(receipt: Receipt) -> dict[str, Any]:
    return {
        "job": Pubkey.from_bytes(receipt.job), "node": Pubkey.from_bytes(receipt.node),
        "model_hash": list(receipt.model_hash), "input_hash": list(receipt.input_hash),
        "output_hash": list(receipt.output_hash), "timestamp": receipt.timestamp,
    }
