"""JSONL files read as they grow; the offset is committed with what was read (exactly once)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
MAX_READ_BYTES = 8 << 20


def read_new_lines(path: Path, offset: int) -> tuple[list[tuple[int, Any]], int]:
    """Complete lines after `offset` as (line start, parsed JSON or None if invalid), and the new offset.

    A trailing line without its newline is left for the next read (it may still be written).
    A file that shrank (rotated or truncated) is read again from the start.
    """
    if not path.is_file():
        return [], offset
    size = path.stat().st_size
    if size < offset:
        log.warning("feed file shrank, reading from the start", extra={"path": str(path)})
        offset = 0
    with path.open("rb") as handle:
        handle.seek(offset)
        chunk = handle.read(MAX_READ_BYTES)
    end = chunk.rfind(b"\n")
    if end < 0:
        return [], offset
    items: list[tuple[int, Any]] = []
    position = offset
    for raw in chunk[: end + 1].split(b"\n")[:-1]:
        line_start = position
        position += len(raw) + 1
        if not raw.strip():
            continue
        try:
            items.append((line_start, json.loads(raw)))
        except (json.JSONDecodeError, UnicodeDecodeError):
            items.append((line_start, None))
    return items, offset + end + 1
