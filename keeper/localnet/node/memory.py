"""Giving freed memory back to the operating system.

A dropped PubSub client leaves megabytes of freed notification buffers in glibc's heap;
glibc keeps freed heap memory for reuse and returns only what sits at its top, so without a
trim the node's resident size creeps up with every client it drops (measured: ~1.5 MB each,
all of it returned by `malloc_trim`). Elsewhere (musl, macOS) this is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache
from typing import Any


@cache
def _libc() -> Any | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    libc = ctypes.CDLL(name)
    return libc if hasattr(libc, "malloc_trim") else None


def release_free_memory() -> None:
    # A closed connection's transport, parser and buffers sit in reference cycles: collect
    # them first, or there is nothing to trim yet.
    gc.collect()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
