"""The keeper's durable memory: a SQLite journal (WAL, synchronous=FULL).

Everything the keeper accepted (receipts, node work) is committed here before it is
acknowledged, so nothing acknowledged is lost across `kill -9`. Batches and epoch roots
are fixed here before they are sent, so a restarted keeper re-sends the same root for the
same sequence/epoch and the programs' `init` guards make the effect happen once.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from keeper.client.models import NodeWork, Receipt

SCHEMA = """
CREATE TABLE IF NOT EXISTS receipts (
    id TEXT PRIMARY KEY,
    job BLOB NOT NULL, node BLOB NOT NULL, model_hash BLOB NOT NULL, input_hash BLOB NOT NULL,
    output_hash BLOB NOT NULL, timestamp INTEGER NOT NULL,
    received_at REAL NOT NULL,
    batch_id INTEGER, leaf_index INTEGER
);
CREATE INDEX IF NOT EXISTS receipts_by_batch ON receipts(batch_id, leaf_index);
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    sequence INTEGER NOT NULL, root BLOB NOT NULL, leaf_count INTEGER NOT NULL,
    first_ts INTEGER NOT NULL, last_ts INTEGER NOT NULL,
    status TEXT NOT NULL,               -- pending | recorded | superseded
    signature TEXT, created_at REAL NOT NULL, recorded_at REAL
);
CREATE INDEX IF NOT EXISTS batches_by_status ON batches(status, sequence);
CREATE TABLE IF NOT EXISTS work (
    epoch INTEGER NOT NULL, node BLOB NOT NULL, amount INTEGER NOT NULL, updated_at REAL NOT NULL,
    PRIMARY KEY (epoch, node)
);
CREATE TABLE IF NOT EXISTS epochs (
    epoch INTEGER PRIMARY KEY, root BLOB NOT NULL, total INTEGER NOT NULL, leaf_count INTEGER NOT NULL,
    status TEXT NOT NULL,               -- pending | posted | conflict
    signature TEXT, created_at REAL NOT NULL, posted_at REAL
);
CREATE TABLE IF NOT EXISTS epoch_leaves (
    epoch INTEGER NOT NULL, leaf_index INTEGER NOT NULL, node BLOB NOT NULL, amount INTEGER NOT NULL,
    PRIMARY KEY (epoch, leaf_index)
);
CREATE TABLE IF NOT EXISTS feed_offsets (path TEXT PRIMARY KEY, offset INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, signature TEXT,
    status TEXT NOT NULL, detail TEXT, created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS actions_by_kind ON actions(kind, status);
"""


@dataclass(frozen=True)
class StoredReceipt:
    receipt: Receipt
    received_at: float
    batch_id: int | None
    leaf_index: int | None


@dataclass(frozen=True)
class BatchRow:
    id: int
    sequence: int
    root: bytes
    leaf_count: int
    first_ts: int
    last_ts: int
    status: str
    signature: str | None


@dataclass(frozen=True)
class EpochRow:
    epoch: int
    root: bytes
    total: int
    leaf_count: int
    status: str
    signature: str | None


class EpochFrozen(ValueError):
    """Node work for an epoch whose root is already fixed."""


class Journal:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(SCHEMA)

    @classmethod
    def open_readonly(cls, path: Path) -> Journal:
        if not path.is_file():
            raise FileNotFoundError(f"journal {path} does not exist")
        return cls(path)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # --- receipts -------------------------------------------------------------------------

    def add_receipts(self, receipts: Sequence[Receipt], *, feed: tuple[str, int] | None = None) -> int:
        """Stores receipts (duplicates ignored) and, atomically, a feed file's new offset. Returns how many were new."""
        now = time.time()
        rows = [(r.receipt_id, r.job, r.node, r.model_hash, r.input_hash, r.output_hash, r.timestamp, now) for r in receipts]
        with self._transaction() as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO receipts (id, job, node, model_hash, input_hash, output_hash, timestamp, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            added = db.total_changes - before
            if feed is not None:
                self._set_offset(db, *feed)
        return added

    def receipt(self, receipt_id: str) -> StoredReceipt | None:
        row = self._db.execute(
            "SELECT job, node, model_hash, input_hash, output_hash, timestamp, received_at, batch_id, leaf_index FROM receipts WHERE id = ?",
            (receipt_id.lower(),),
        ).fetchone()
        if row is None:
            return None
        receipt = Receipt(job=row[0], node=row[1], model_hash=row[2], input_hash=row[3], output_hash=row[4], timestamp=row[5])
        return StoredReceipt(receipt, row[6], row[7], row[8])

    def unbatched_stats(self) -> tuple[int, float | None]:
        """(count of receipts not in a batch, received_at of the oldest)."""
        count, oldest = self._db.execute("SELECT COUNT(*), MIN(received_at) FROM receipts WHERE batch_id IS NULL").fetchone()
        return count, oldest

    def create_batch(self, sequence: int, max_receipts: int, build: Callable[[list[bytes]], bytes]) -> BatchRow | None:
        """Fixes the oldest unbatched receipts as batch `sequence`: `build(leaves) -> root`."""
        with self._transaction() as db:
            rows = db.execute("SELECT rowid, id, timestamp FROM receipts WHERE batch_id IS NULL ORDER BY rowid LIMIT ?", (max_receipts,)).fetchall()
            if not rows:
                return None
            leaves = [bytes.fromhex(row[1]) for row in rows]
            root = build(leaves)
            timestamps = [row[2] for row in rows]
            cursor = db.execute(
                "INSERT INTO batches (sequence, root, leaf_count, first_ts, last_ts, status, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)",
                (sequence, root, len(rows), min(timestamps), max(timestamps), time.time()),
            )
            batch_id = cursor.lastrowid
            assert batch_id is not None  # an INSERT always sets it
            db.executemany(
                "UPDATE receipts SET batch_id = ?, leaf_index = ? WHERE rowid = ?",
                [(batch_id, index, row[0]) for index, row in enumerate(rows)],
            )
        return self.batch(batch_id)

    def batch(self, batch_id: int) -> BatchRow | None:
        row = self._db.execute("SELECT id, sequence, root, leaf_count, first_ts, last_ts, status, signature FROM batches WHERE id = ?", (batch_id,)).fetchone()
        return None if row is None else BatchRow(*row)

    def batches(self, status: str | None = None) -> list[BatchRow]:
        query = "SELECT id, sequence, root, leaf_count, first_ts, last_ts, status, signature FROM batches"
        rows = self._db.execute(query + (" WHERE status = ? ORDER BY sequence" if status else " ORDER BY id"), (status,) if status else ()).fetchall()
        return [BatchRow(*row) for row in rows]

    def batch_leaves(self, batch_id: int) -> list[bytes]:
        rows = self._db.execute("SELECT id FROM receipts WHERE batch_id = ? ORDER BY leaf_index", (batch_id,)).fetchall()
        return [bytes.fromhex(row[0]) for row in rows]

    def mark_batch(self, batch_id: int, status: str, signature: str | None = None) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE batches SET status = ?, signature = COALESCE(?, signature), recorded_at = ? WHERE id = ?",
                (status, signature, time.time(), batch_id),
            )
            if status == "superseded":
                # Another recorder took this sequence: the receipts go into a later batch.
                db.execute("UPDATE receipts SET batch_id = NULL, leaf_index = NULL WHERE batch_id = ?", (batch_id,))

    def set_batch_signature(self, batch_id: int, signature: str) -> None:
        self._db.execute("UPDATE batches SET signature = ? WHERE id = ?", (signature, batch_id))

    # --- node work and epochs ---------------------------------------------------------------

    def add_work(self, records: Iterable[NodeWork], *, feed: tuple[str, int] | None = None) -> int:
        now = time.time()
        records = list(records)
        with self._transaction() as db:
            frozen = {row[0] for row in db.execute("SELECT epoch FROM epochs")}
            refused = sorted({r.epoch for r in records if r.epoch in frozen})
            if refused and feed is None:
                raise EpochFrozen(f"epochs {refused} already have a root; their work can no longer change")
            db.executemany(
                "INSERT INTO work (epoch, node, amount, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (epoch, node) DO UPDATE SET amount = excluded.amount, updated_at = excluded.updated_at",
                [(r.epoch, r.node, r.amount, now) for r in records if r.epoch not in frozen],
            )
            if feed is not None:
                self._set_offset(db, *feed)
        return len(records) - sum(1 for r in records if r.epoch in frozen)

    def open_work_epochs(self) -> list[int]:
        """Epochs with node work and no root yet, oldest first."""
        rows = self._db.execute("SELECT DISTINCT epoch FROM work WHERE epoch NOT IN (SELECT epoch FROM epochs) ORDER BY epoch").fetchall()
        return [row[0] for row in rows]

    def freeze_epoch(self, epoch: int, build: Callable[[list[tuple[bytes, int]]], bytes]) -> EpochRow:
        """Fixes epoch's leaves (sorted by node) and root: `build([(node, amount)]) -> root`."""
        with self._transaction() as db:
            existing = db.execute("SELECT epoch FROM epochs WHERE epoch = ?", (epoch,)).fetchone()
            if existing is None:
                leaves = [(bytes(row[0]), row[1]) for row in db.execute("SELECT node, amount FROM work WHERE epoch = ? AND amount > 0 ORDER BY node", (epoch,))]
                if leaves:
                    root = build(leaves)
                    db.execute(
                        "INSERT INTO epochs (epoch, root, total, leaf_count, status, created_at) VALUES (?, ?, ?, ?, 'pending', ?)",
                        (epoch, root, sum(amount for _, amount in leaves), len(leaves), time.time()),
                    )
                    db.executemany(
                        "INSERT INTO epoch_leaves (epoch, leaf_index, node, amount) VALUES (?, ?, ?, ?)",
                        [(epoch, index, node, amount) for index, (node, amount) in enumerate(leaves)],
                    )
                else:  # only zero amounts: nothing to post, but the epoch is closed
                    db.execute(
                        "INSERT INTO epochs (epoch, root, total, leaf_count, status, created_at) VALUES (?, ?, 0, 0, 'empty', ?)",
                        (epoch, b"", time.time()),
                    )
        row = self.epoch(epoch)
        assert row is not None
        return row

    def epoch(self, epoch: int) -> EpochRow | None:
        row = self._db.execute("SELECT epoch, root, total, leaf_count, status, signature FROM epochs WHERE epoch = ?", (epoch,)).fetchone()
        return None if row is None else EpochRow(*row)

    def epochs(self, status: str | None = None) -> list[EpochRow]:
        query = "SELECT epoch, root, total, leaf_count, status, signature FROM epochs"
        rows = self._db.execute(query + (" WHERE status = ?" if status else "") + " ORDER BY epoch", (status,) if status else ()).fetchall()
        return [EpochRow(*row) for row in rows]

    def epoch_leaves(self, epoch: int) -> list[tuple[bytes, int]]:
        rows = self._db.execute("SELECT node, amount FROM epoch_leaves WHERE epoch = ? ORDER BY leaf_index", (epoch,)).fetchall()
        return [(bytes(row[0]), row[1]) for row in rows]

    def mark_epoch(self, epoch: int, status: str, signature: str | None = None) -> None:
        self._db.execute(
            "UPDATE epochs SET status = ?, signature = COALESCE(?, signature), posted_at = ? WHERE epoch = ?",
            (status, signature, time.time(), epoch),
        )

    # --- feeds and actions --------------------------------------------------------------------

    def offset(self, path: str) -> int:
        row = self._db.execute("SELECT offset FROM feed_offsets WHERE path = ?", (path,)).fetchone()
        return 0 if row is None else row[0]

    @staticmethod
    def _set_offset(db: sqlite3.Connection, path: str, offset: int) -> None:
        db.execute(
            "INSERT INTO feed_offsets (path, offset) VALUES (?, ?) ON CONFLICT (path) DO UPDATE SET offset = excluded.offset",
            (path, offset),
        )

    def set_offset(self, path: str, offset: int) -> None:
        with self._transaction() as db:
            self._set_offset(db, path, offset)

    def record_action(self, kind: str, key: str, status: str, signature: str | None = None, detail: str | None = None) -> None:
        now = time.time()
        self._db.execute(
            "INSERT INTO actions (kind, key, signature, status, detail, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (kind, key, signature, status, detail, now, now),
        )

    def action_counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for kind, status, count in self._db.execute("SELECT kind, status, COUNT(*) FROM actions GROUP BY kind, status"):
            counts.setdefault(kind, {})[status] = count
        return counts

    def summary(self) -> dict[str, object]:
        receipts, batched = self._db.execute("SELECT COUNT(*), COUNT(batch_id) FROM receipts").fetchone()
        batch_counts = dict(self._db.execute("SELECT status, COUNT(*) FROM batches GROUP BY status").fetchall())
        epoch_counts = dict(self._db.execute("SELECT status, COUNT(*) FROM epochs GROUP BY status").fetchall())
        return {
            "receipts": receipts,
            "receipts_unbatched": receipts - batched,
            "batches": batch_counts,
            "epochs": epoch_counts,
            "work_epochs_open": len(self.open_work_epochs()),
            "actions": self.action_counts(),
        }
