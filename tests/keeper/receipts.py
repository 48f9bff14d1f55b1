"""Synthetic inference receipts for tests and benchmarks."""

from __future__ import annotations

import hashlib
import os
from typing import Any

from solders.pubkey import Pubkey


def make_receipts(count: int, base_ts: int, salt: bytes | None = None) -> list[dict[str, Any]]:
    salt = salt if salt is not None else os.urandom(8)
    job, node = Pubkey.new_unique(), Pubkey.new_unique()
    model = hashlib.sha256(b"llama-70b" + salt).hexdigest()
    return [
        {
            "job": str(job),
            "node": str(node),
            "model_hash": model,
            "input_hash": hashlib.sha256(salt + b"in" + i.to_bytes(8, "little")).hexdigest(),
            "output_hash": hashlib.sha256(salt + b"out" + i.to_bytes(8, "little")).hexdigest(),
            "timestamp": base_ts + i % 60,
        }
        for i in range(count)
    ]
