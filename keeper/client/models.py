"""What crosses the keeper's boundaries (HTTP bodies, JSONL feed lines), validated by pydantic."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer
from solders.pubkey import Pubkey

from keeper.client.merkle import receipt_leaf

I64_MIN, I64_MAX, U64_MAX = -(2**63), 2**63 - 1, 2**64 - 1


def _bytes32(value: Any) -> bytes:
    """32 bytes from a base58 address, 64 hex digits (optionally 0x-prefixed) or a list of ints."""
    if isinstance(value, bytes):
        raw = value
    elif isinstance(value, list):
        raw = bytes(value)
    elif isinstance(value, str):
        text = value.removeprefix("0x")
        if len(text) == 64:
            try:
                raw = bytes.fromhex(text)
            except ValueError:
                raw = b""
        else:
            try:
                raw = bytes(Pubkey.from_string(value))
            except ValueError:
                raise ValueError("expected a base58 address or 64 hex digits") from None
    else:
        raise ValueError("expected a base58 address or 64 hex digits")
    if len(raw) != 32:
        raise ValueError("expected 32 bytes (a base58 address or 64 hex digits)")
    return raw


Bytes32 = Annotated[bytes, BeforeValidator(_bytes32), PlainSerializer(lambda raw: raw.hex(), return_type=str)]
Address = Annotated[bytes, BeforeValidator(_bytes32), PlainSerializer(lambda raw: str(Pubkey.from_bytes(raw)), return_type=str)]


class Receipt(BaseModel):
    """An inference receipt; its id is the hex of its Merkle leaf (so re-posting one is harmless)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    job: Address
    node: Address
    model_hash: Bytes32
    input_hash: Bytes32
    output_hash: Bytes32
    timestamp: int = Field(ge=I64_MIN, le=I64_MAX)

    def leaf(self) -> bytes:
        return receipt_leaf(self.job, self.node, self.model_hash, self.input_hash, self.output_hash, self.timestamp)

    @property
    def receipt_id(self) -> str:
        return self.leaf().hex()


class NodeWork(BaseModel):
    """What a node (its staking Node PDA) earned in an epoch (hour), in IO base units.

    A later record for the same epoch and node replaces the earlier one until the
    epoch's root is fixed; after that the epoch refuses changes.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    epoch: int = Field(ge=0, le=I64_MAX)
    node: Address
    amount: int = Field(ge=0, le=I64_MAX)
