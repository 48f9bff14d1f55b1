"""`io-keeper explore`: program accounts decoded through the IDLs, as an explorer shows them."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import based58
from solana.rpc.async_api import AsyncClient
from solana.rpc.types import MemcmpOpts
from solders.pubkey import Pubkey

from keeper.daemon.protocol import Protocol

# kind -> [(program, account type)]
KINDS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "jobs": (("escrow", "Job"),),
    "nodes": (("staking", "Node"),),
    "stakes": (("staking", "StakePosition"),),
    "slashes": (("staking", "SlashRecord"),),
    "emissions": (("rewards", "EmissionState"), ("rewards", "Epoch"), ("rewards", "ClaimReceipt")),
    "burns": (("rewards", "BurnLedger"), ("rewards", "BurnEpoch")),
    "batches": (("provenance", "ProvenanceConfig"), ("provenance", "Batch")),
}
# Columns shown in the table view (everything is in --json).
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "Job": ("job_id", "status", "payment_kind", "price_per_hour", "hours_reserved", "hours_used", "renter", "node"),
    "Node": ("node_key", "operator", "gpu_model", "tier", "total_stake", "staker_share_bps", "token_share_bps", "active"),
    "StakePosition": ("staker", "node", "shares", "unbonding_shares", "unbonding_until"),
    "SlashRecord": ("node", "index", "fraction_bps", "amount", "burned", "reporter_amount", "reason"),
    "EmissionState": ("start_ts", "next_hour", "emitted_total", "allocated_total", "last_emit_at"),
    "Epoch": ("epoch", "total", "leaf_count", "claimed", "claim_count", "root"),
    "ClaimReceipt": ("epoch", "node", "amount", "operator_amount", "staker_amount"),
    "BurnLedger": ("total_burned", "burn_count", "last_burn_at"),
    "BurnEpoch": ("epoch", "amount", "burn_count"),
    "ProvenanceConfig": ("next_sequence", "total_leaves", "keeper_authority"),
    "Batch": ("sequence", "leaf_count", "first_ts", "last_ts", "recorded_at", "root"),
}


def to_json(value: Any) -> Any:
    """Plain JSON from decoded IDL values: addresses base58, byte arrays hex, enums by name."""
    if isinstance(value, Pubkey):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, list):
        if len(value) in (32, 64) and all(isinstance(item, int) and 0 <= item < 256 for item in value):
            return bytes(value).hex()
        return [to_json(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value) if not f.name.startswith(("_", "reserved"))}
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items() if not str(key).startswith(("_", "reserved"))}
    if isinstance(value, (int, str, bool, float)) or value is None:
        return value
    # anchorpy enums are sumtype instances: show the variant name.
    return type(value).__name__


@dataclass(frozen=True)
class Row:
    program: str
    account_type: str
    address: str
    fields: dict[str, Any]


async def fetch(client: AsyncClient, protocol: Protocol, kind: str) -> list[Row]:
    rows: list[Row] = []
    for program, account_type in KINDS[kind]:
        idl = protocol.idls[program]
        discriminator = idl.account_discriminator(account_type)
        response = await client.get_program_accounts(
            idl.program_id, encoding="base64", filters=[MemcmpOpts(offset=0, bytes=based58.b58encode(discriminator).decode())]
        )
        for item in response.value:
            decoded = idl.decode_account_as(account_type, bytes(item.account.data))
            rows.append(Row(program, account_type, str(item.pubkey), to_json(decoded)))
    return sorted(rows, key=lambda row: (row.account_type, _sort_key(row.fields), row.address))


def _sort_key(fields: dict[str, Any]) -> tuple:
    for key in ("sequence", "epoch", "job_id", "index", "registered_at"):
        if isinstance(fields.get(key), int):
            return (fields[key],)
    return (0,)


def render(rows: list[Row], as_json: bool) -> str:
    if as_json:
        return json.dumps([{"type": r.account_type, "program": r.program, "address": r.address, **r.fields} for r in rows], indent=2)
    if not rows:
        return "(no accounts)"
    out: list[str] = []
    for account_type in dict.fromkeys(row.account_type for row in rows):
        group = [row for row in rows if row.account_type == account_type]
        columns = ("address", *COLUMNS.get(account_type, tuple(group[0].fields)))
        table = [[_cell(row.address if column == "address" else row.fields.get(column)) for column in columns] for row in group]
        widths = [max(len(column), *(len(line[i]) for line in table)) for i, column in enumerate(columns)]
        out.append(f"{account_type} ({len(group)})")
        out.append("  ".join(column.ljust(width) for column, width in zip(columns, widths)))
        out.extend("  ".join(cell.ljust(width) for cell, width in zip(line, widths)) for line in table)
        out.append("")
    return "\n".join(out).rstrip()


def _cell(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, (dict, list)) else str(value)
    return text if len(text) <= 46 else text[:20] + "…" + text[-8:]


async def explore(rpc_url: str, protocol: Protocol, kind: str, as_json: bool) -> str:
    async with AsyncClient(rpc_url) as client:
        return render(await fetch(client, protocol, kind), as_json)


def run(rpc_url: str, protocol: Protocol, kind: str, as_json: bool) -> str:
    return asyncio.run(explore(rpc_url, protocol, kind, as_json))
