"""What the explorer lists: account kinds, the searchable tables (their memcmp filters and
columns), and the rows and pages it answers with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from solders.pubkey import Pubkey

from keeper.client.constants import JOB_STATUS

MAX_PAGE_SIZE = 100  # getMultipleAccounts takes at most 100 addresses

# kind -> [(program, account type)] for `io-keeper explore`
KINDS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "jobs": (("escrow", "Job"),),
    "nodes": (("staking", "Node"),),
    "stakes": (("staking", "StakePosition"),),
    "slashes": (("staking", "SlashRecord"),),
    "emissions": (("rewards", "EmissionState"), ("rewards", "Epoch"), ("rewards", "ClaimReceipt")),
    "burns": (("rewards", "BurnLedger"), ("rewards", "BurnEpoch")),
    "batches": (("provenance", "ProvenanceConfig"), ("provenance", "Batch")),
}


class QueryError(ValueError):
    """The reader asked for something malformed (bad address, unknown status, ...)."""


@dataclass(frozen=True)
class Row:
    program: str
    account_type: str
    address: str
    fields: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"type": self.account_type, "program": self.program, "address": self.address, **self.fields}


@dataclass(frozen=True)
class Filter:
    """A query parameter that becomes a memcmp on a fixed-offset field."""

    field: str
    kind: Literal["pubkey", "enum", "u64", "u32"]
    choices: tuple[str, ...] = ()

    def encode(self, value: str) -> bytes:
        if self.kind == "pubkey":
            try:
                return bytes(Pubkey.from_string(value))
            except ValueError:
                raise QueryError(f"{self.field}: {value!r} is not a base58 address") from None
        if self.kind == "enum":
            if value not in self.choices:
                raise QueryError(f"{self.field}: {value!r} is not one of {', '.join(self.choices)}")
            return bytes([self.choices.index(value)])
        width = 8 if self.kind == "u64" else 4
        if not value.isdecimal() or int(value) >= 1 << (8 * width):
            raise QueryError(f"{self.field}: {value!r} is not a {self.kind}")
        return int(value).to_bytes(width, "little")


@dataclass(frozen=True)
class Table:
    """A searchable list of one account type, ordered by `order_by`, largest first. `tally` is
    a one-byte field (an enum) counted while the index is read: the jobs by status of the
    totals come from the same getProgramAccounts as the jobs table. A `whole` table's rows are
    decoded while its index is read (the totals and charts use every node's)."""

    program: str
    account: str
    order_by: str
    filters: Mapping[str, Filter]
    columns: tuple[str, ...]
    tally: str | None = None
    whole: bool = False


TABLES: Mapping[str, Table] = {
    "jobs": Table(
        "escrow",
        "Job",
        "created_at",
        {
            "status": Filter("status", "enum", tuple(JOB_STATUS)),
            "payment": Filter("payment_kind", "enum", ("Usdc", "Io")),
            "renter": Filter("renter", "pubkey"),
            "node": Filter("node", "pubkey"),
            "job_id": Filter("job_id", "u64"),
        },
        ("job_id", "status", "payment_kind", "price_per_hour", "hours_reserved", "hours_used", "renter", "node", "created_at"),
        tally="status",
    ),
    "nodes": Table(
        "staking",
        "Node",
        "total_stake",
        {"operator": Filter("operator", "pubkey"), "node_key": Filter("node_key", "pubkey")},
        (
            "node_key",
            "operator",
            "gpu_model",
            "tier",
            "total_stake",
            "staker_share_bps",
            "token_share_bps",
            "pending_staker_share_bps",
            "pending_token_share_bps",
            "shares_effective_at",
            "slash_count",
            "active",
        ),
        whole=True,
    ),
    "stakes": Table(
        "staking",
        "StakePosition",
        "shares",
        {"staker": Filter("staker", "pubkey"), "node": Filter("node", "pubkey")},
        ("staker", "node", "shares", "activating_shares", "activates_at", "unbonding_shares", "unbonding_until", "rewards_owed"),
    ),
    "slashes": Table(
        "staking",
        "SlashRecord",
        "timestamp",
        {"node": Filter("node", "pubkey")},
        ("node", "index", "fraction_bps", "amount", "burned", "reporter_amount", "reason", "stake_before", "stake_after", "timestamp"),
    ),
    "batches": Table(
        "provenance",
        "Batch",
        "sequence",
        {"sequence": Filter("sequence", "u64")},
        ("sequence", "leaf_count", "first_ts", "last_ts", "recorded_at", "root"),
    ),
}


@dataclass(frozen=True)
class Page:
    kind: str
    total: int
    page: int
    per_page: int
    columns: tuple[str, ...]
    rows: list[Row]

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": max(1, -(-self.total // self.per_page)),
            "columns": list(self.columns),
            "rows": [row.as_json() for row in self.rows],
        }
