from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from keeper.localnet.launch import DeployedNode
from tests.programs.harness import Harness, SessionNode


@pytest.fixture(autouse=True)
def session_node(program_node: DeployedNode) -> Iterator[DeployedNode]:
    SessionNode.current = program_node
    yield program_node
    SessionNode.current = None


@pytest.fixture(scope="session")
def built_programs(repo_root: Path, program_node: DeployedNode) -> Path:
    """The programs' directory; the session node has deployed them (or the session failed)."""
    return repo_root / "target" / "deploy"


@pytest.fixture
def harness(repo_root: Path, built_programs: Path) -> Iterator[Harness]:
    """A fresh chain with every program deployed and configured. After the test, IO supply
    must still equal genesis + emitted − burned."""
    h = Harness.create(repo_root)
    yield h
    h.assert_supply_invariant()
