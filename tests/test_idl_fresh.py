"""The committed IDLs (idl/*.json) are what the program code generates now."""

from __future__ import annotations

import subprocess
from pathlib import Path


def test_committed_idls_match_the_code(repo_root: Path) -> None:
    result = subprocess.run(
        [str(repo_root / "scripts" / "build-idl"), "--check"],
        capture_output=True,
        text=True,
        timeout=1_800,
    )
    assert result.returncode == 0, f"idl/ is stale — run scripts/build-idl\n{result.stdout}\n{result.stderr}"
