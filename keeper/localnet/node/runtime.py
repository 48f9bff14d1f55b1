"""Which Agave runtime this node embeds, read from the LiteSVM build that executes transactions.

solders compiles LiteSVM together with Agave's crates; their registry paths
(`.../solana-program-runtime-<version>/src/...`) stay in the native module's panic locations,
so the version `getVersion` reports is the one that really runs, not a number written here.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import solders

_RUNTIME_CRATE = re.compile(rb"solana-program-runtime-(\d+\.\d+\.\d+)")


@cache
def agave_version() -> str:
    """The embedded solana-program-runtime (Agave) version, e.g. "4.1.2"."""
    package = Path(solders.__file__).parent
    versions: set[bytes] = set()
    for native in package.glob("solders*.so"):
        versions.update(_RUNTIME_CRATE.findall(native.read_bytes()))
    if len(versions) != 1:
        raise RuntimeError(f"cannot tell the Agave runtime version of {package}: found {sorted(versions)}")
    return versions.pop().decode()
