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

from keeper.client.models import Receipt
from keeper.client.protocol import Protocol
from keeper.client.provenance import verify_receipt


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
    instruction = verify_receipt(protocol.provenance, sequence, receipt, proof)
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    transaction = Transaction.new_unsigned(Message.new_with_blockhash([instruction], fee_payer, blockhash))
    result = (await client.simulate_transaction(transaction, sig_verify=False)).value
    logs = list(result.logs or [])
    if result.err is None:
        return True, None, logs
    name = protocol.errors.name(result.err, logs, [instruction.program_id])
    return False, name or str(result.err), logs
