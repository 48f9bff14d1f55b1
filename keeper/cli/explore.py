"""`io-keeper explore`: program accounts decoded through the IDLs, as text or JSON.

Reads through `keeper.explorer.read.NetworkReader`, the read API the web explorer uses too.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from solana.rpc.async_api import AsyncClient

from keeper.client.protocol import Protocol
from keeper.explorer.read import NetworkReader
from keeper.explorer.tables import KINDS, Row

# Columns shown in the table view (everything is in --json).
COLUMNS: dict[str, tuple[str, ...]] = {
    "Job": ("job_id", "status", "payment_kind", "price_per_hour", "hours_reserved", "hours_used", "renter", "node"),
    "Node": ("node_key", "operator", "gpu_model", "tier", "total_stake", "staker_share_bps", "token_share_bps", "active"),
    "StakePosition": ("staker", "node", "shares", "activating_shares", "unbonding_shares", "unbonding_until"),
    "SlashRecord": ("node", "index", "fraction_bps", "amount", "burned", "reporter_amount", "reason"),
    "EmissionState": ("start_ts", "next_hour", "emitted_total", "allocated_total", "last_emit_at"),
    "Epoch": ("epoch", "total", "leaf_count", "claimed", "claim_count", "staker_returned", "root"),
    "ClaimReceipt": ("epoch", "node", "amount", "operator_amount", "staker_amount", "staker_returned"),
    "BurnLedger": ("total_burned", "burn_count", "last_burn_at"),
    "BurnEpoch": ("epoch", "amount", "burn_count"),
    "ProvenanceConfig": ("next_sequence", "total_leaves", "keeper_authority"),
    "Batch": ("sequence", "leaf_count", "first_ts", "last_ts", "recorded_at", "root"),
}


def render(rows: list[Row], as_json: bool) -> str:
    if as_json:
        return json.dumps([row.as_json() for row in rows], indent=2)
    if not rows:
        return "(no accounts)"
    out: list[str] = []
    for account_type in dict.fromkeys(row.account_type for row in rows):
        group = [row for row in rows if row.account_type == account_type]
        columns = ("address", *COLUMNS.get(account_type, tuple(group[0].fields)))
        table = [[_cell(row.address if column == "address" else row.fields.get(column)) for column in columns] for row in group]
        widths = [max(len(column), *(len(line[i]) for line in table)) for i, column in enumerate(columns)]
        out.append(f"{account_type} ({len(group)})")
        out.append("  ".join(column.ljust(width) for column, width in zip(columns, widths, strict=True)))
        out.extend("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in table)
        out.append("")
    return "\n".join(out).rstrip()


def _cell(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, (dict, list)) else str(value)
    return text if len(text) <= 46 else text[:20] + "…" + text[-8:]


async def explore(rpc_url: str, protocol: Protocol, kind: str, as_json: bool) -> str:
    async with AsyncClient(rpc_url) as client:
        return render(await NetworkReader(client, protocol).accounts(kind), as_json)


def run(rpc_url: str, protocol: Protocol, kind: str, as_json: bool) -> str:
    return asyncio.run(explore(rpc_url, protocol, kind, as_json))


__all__ = ["KINDS", "explore", "render", "run"]
