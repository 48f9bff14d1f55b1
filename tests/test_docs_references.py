"""Every test docs/economics.md names as enforcing a rule exists: a rule whose test was renamed or
removed would otherwise keep pointing at nothing."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# `test_file.py::test_name`, or `::test_name` for the file named last before it.
REFERENCE = re.compile(r"`(?:(?P<file>test_\w+\.py))?::(?P<test>test_\w+)`")


def defined_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def test_every_test_the_economics_page_names_exists() -> None:
    files: dict[str, list[Path]] = {}
    for path in (REPO_ROOT / "tests").rglob("test_*.py"):
        files.setdefault(path.name, []).append(path)
    defined: dict[str, set[str]] = {}
    references = 0
    missing: list[str] = []
    current: str | None = None
    for match in REFERENCE.finditer((REPO_ROOT / "docs" / "economics.md").read_text()):
        current = match["file"] or current
        assert current is not None, f"`::{match['test']}` names no file before it"
        assert current in files, f"docs/economics.md names {current}, which is not under tests/"
        # A name may be two files (tests/programs/ and tests/keeper/ both have a test_rewards.py).
        names = defined.setdefault(current, set().union(*(defined_functions(path) for path in files[current])))
        references += 1
        if match["test"] not in names:
            missing.append(f"{current}::{match['test']}")
    assert references > 30, references
    assert not missing, f"docs/economics.md names tests that do not exist: {missing}"
