"""Every Python mirror of an io-common constant equals the Rust one, and none is missing."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

import keeper.constants as constants
import keeper.merkle as merkle
from keeper.constants import ProgramIds, Seeds
from tests.rust_consts import RustValue, parse_rust_constants

IO_COMMON = Path(__file__).resolve().parents[1] / "programs" / "io-common" / "src"

# Rust module -> the Python namespace that mirrors it.
MIRRORS: dict[str, ModuleType | type] = {
    "economics.rs": constants,
    "schedule.rs": constants,
    "seeds.rs": Seeds,
    "ids.rs": ProgramIds,
    "merkle.rs": merkle,
}


def rust_constants(file_name: str) -> dict[str, RustValue]:
    economics = parse_rust_constants(IO_COMMON / "economics.rs")
    # schedule.rs imports economics' names; give them to the evaluator.
    return parse_rust_constants(IO_COMMON / file_name, known=economics)


@pytest.mark.parametrize("file_name", sorted(MIRRORS))
def test_every_rust_constant_is_mirrored_with_the_same_value(file_name: str) -> None:
    rust = rust_constants(file_name)
    assert rust, f"no constants parsed from {file_name}"
    namespace = MIRRORS[file_name]
    missing = sorted(name for name in rust if not hasattr(namespace, name))
    assert missing == [], f"not mirrored in Python: {missing}"
    differing = {name: (getattr(namespace, name), value) for name, value in rust.items() if getattr(namespace, name) != value}
    assert differing == {}, f"Python differs from Rust (python, rust): {differing}"


def test_python_has_no_seed_or_program_id_that_rust_lacks() -> None:
    for file_name, namespace in (("seeds.rs", Seeds), ("ids.rs", ProgramIds)):
        python_names = {name for name in vars(namespace) if name.isupper()}
        assert python_names == set(rust_constants(file_name)), file_name


def test_parser_reads_expressions_and_rejects_unknown_forms(tmp_path: Path) -> None:
    source = tmp_path / "sample.rs"
    source.write_text('pub const A: u64 = 1_000;\npub const B: u64 =\n    3 * A + 7 / 2;\npub const S: &[u8] = b"seed";\n')
    assert parse_rust_constants(source) == {"A": 1000, "B": 3003, "S": b"seed"}
    source.write_text("pub const BAD: u64 = 1 << 3;\n")
    with pytest.raises(ValueError, match="unsupported"):
        parse_rust_constants(source)


def test_anchor_toml_lists_the_same_program_ids(repo_root: Path) -> None:
    import tomllib

    localnet = tomllib.loads((repo_root / "Anchor.toml").read_text())["programs"]["localnet"]
    assert {name: str(getattr(ProgramIds, name.upper())) for name in localnet} == localnet
    assert len(localnet) == 4
