"""What running a transaction produced, as the node keeps it and as a client reads it back.

Shared by the node (which fills it from the runtime) and `keeper.localnet.remote` (which fills
it from getTransaction): it needs nothing but solders' basic types, present in both
environments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from solders.account import Account
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from solders.transaction_status import TransactionErrorType


@dataclass(frozen=True)
class ExecutionResult:
    """What running a transaction produced, successful or not."""

    signature: Signature
    err: TransactionErrorType | None
    logs: list[str]
    compute_units_consumed: int
    return_data: bytes
    return_program: Pubkey | None
    # Per top-level instruction, the instructions it invoked (CPIs): the runtime's records in
    # the node, getTransaction's in a client.
    inner_instructions: list[Any] = field(default_factory=list)
    # Accounts after the transaction (simulations only; empty otherwise).
    post_accounts: dict[Pubkey, Account] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.err is None


@dataclass(frozen=True)
class TransactionRecord:
    """A processed transaction as history keeps it (what getTransaction reports)."""

    transaction: VersionedTransaction
    result: ExecutionResult
    slot: int
    block_time: int
    fee: int
    account_keys: list[Pubkey]
    pre_balances: list[int]
    post_balances: list[int]
    # Wall-clock time (unix seconds) it was committed: what the PubSub latency figures start from.
    landed_at: float = 0.0

    def writable_keys(self) -> list[Pubkey]:
        """The keys the transaction could write (the runtime stores each of them), in key order."""
        message = self.transaction.message
        header = message.header
        static_count = len(message.account_keys)
        signed = header.num_required_signatures
        writable = [
            key
            for index, key in enumerate(self.account_keys[:static_count])
            if (index < signed - header.num_readonly_signed_accounts) or (signed <= index < static_count - header.num_readonly_unsigned_accounts)
        ]
        lookups = getattr(message, "address_table_lookups", [])
        loaded_writable = sum(len(bytes(lookup.writable_indexes)) for lookup in lookups)
        return writable + self.account_keys[static_count : static_count + loaded_writable]

    def raise_for_error(self) -> TransactionRecord:
        """This record, or TransactionFailed when the transaction failed."""
        if not self.result.succeeded:
            raise TransactionFailed(self)
        return self


class TransactionFailed(RuntimeError):
    """A transaction that executed and failed (see `record.result` for the error and logs)."""

    def __init__(self, record: TransactionRecord) -> None:
        self.record = record
        logs = "\n  ".join(record.result.logs)
        super().__init__(f"transaction {record.result.signature} failed: {record.result.err}\n  {logs}")


class TransactionRejected(Exception):
    """The transaction never executed (bad blockhash, duplicate, bad signature): nothing was charged."""

    def __init__(self, err: TransactionErrorType | None, reason: str) -> None:
        super().__init__(reason)
        self.err = err
        self.reason = reason
