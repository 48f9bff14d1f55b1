"""docs/programs/*.md are generated from the IDLs (scripts/build-docs.py): a stale page fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_program_pages_match_the_idls(repo_root: Path) -> None:
    done = subprocess.run([sys.executable, str(repo_root / "scripts" / "build-docs.py"), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
