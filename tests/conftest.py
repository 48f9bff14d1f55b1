from __future__ import annotations

import importlib.util
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from keeper.localnet.launch import DeployedNode

REPO_ROOT = Path(__file__).resolve().parents[1]
# tests/node imports the node's LiteSVM chain: it runs under the chain environment's pytest
# (.venv-chain), the rest under the main one's. Each leaves the other's tests alone.
IN_CHAIN_ENVIRONMENT = importlib.util.find_spec("anchorpy") is None
collect_ignore = (
    [path.name for path in Path(__file__).parent.iterdir() if path.name not in ("node", "conftest.py", "__init__.py")] if IN_CHAIN_ENVIRONMENT else ["node"]
)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def program_node(repo_root: Path) -> Iterator[DeployedNode]:
    """One localnet node for the session with the workspace programs deployed (manual clock)."""
    missing = [name for name in ("escrow", "staking", "rewards", "provenance") if not (repo_root / "target" / "deploy" / f"{name}.so").is_file()]
    if missing:
        pytest.fail(f"programs not built: {', '.join(missing)} — run scripts/build-sbf first", pytrace=False)
    node = DeployedNode.start(repo_root, port=free_port())
    yield node
    node.stop()
