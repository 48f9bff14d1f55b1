from __future__ import annotations

from pathlib import Path

import pytest

from tests.programs.harness import Harness


@pytest.fixture(scope="session")
def built_programs(repo_root: Path) -> Path:
    deploy = repo_root / "target" / "deploy"
    missing = [name for name in ("escrow", "staking", "rewards", "provenance") if not (deploy / f"{name}.so").is_file()]
    if missing:
        pytest.fail(f"programs not built: {', '.join(missing)} — run scripts/build-sbf first", pytrace=False)
    return deploy


@pytest.fixture
def harness(repo_root: Path, built_programs: Path) -> Harness:
    """A fresh chain with every program deployed and configured. After the test, IO supply
    must still equal genesis + emitted − burned."""
    h = Harness.create(repo_root)
    yield h
    h.assert_supply_invariant()
