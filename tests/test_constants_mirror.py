"""Every Python mirror of an io-common constant equals the Rust one, and none is missing; so do
the programs' own constants the SDK keeps (emission batch size, dispute resolution, the claim
window, a GPU model's length), the job status ordinals and the list of programs."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

import keeper.client.constants as constants
import keeper.client.merkle as merkle
from keeper.client.constants import JOB_STATUS, PROGRAM_NAMES, ProgramIds, Seeds
from tests.rust_consts import RustValue, parse_rust_constant, parse_rust_constants, parse_rust_enum

PROGRAMS = Path(__file__).resolve().parents[1] / "programs"
IO_COMMON = PROGRAMS / "io-common" / "src"
# Constants of the programs themselves (not io-common) that keeper.client.constants mirrors.
PROGRAM_CONSTANTS = {
    "MAX_EMIT_HOURS": PROGRAMS / "rewards" / "src" / "state" / "emission.rs",
    "EPOCH_CLAIM_WINDOW_SECS": PROGRAMS / "rewards" / "src" / "state" / "epoch.rs",
    "DISPUTE_RESOLUTION_SECS": PROGRAMS / "escrow" / "src" / "state" / "job.rs",
    "MAX_GPU_MODEL_LEN": PROGRAMS / "staking" / "src" / "state" / "node.rs",
}

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


@pytest.mark.parametrize("name", sorted(PROGRAM_CONSTANTS))
def test_program_constants_are_mirrored_with_the_same_value(name: str) -> None:
    assert getattr(constants, name) == parse_rust_constant(PROGRAM_CONSTANTS[name], name)


def test_job_status_ordinals_follow_the_rust_enum() -> None:
    variants = parse_rust_enum(PROGRAMS / "escrow" / "src" / "state" / "job.rs", "JobStatus")
    assert variants == ["Open", "Started", "Completed", "Disputed"]  # the parser found the enum, in order
    assert JOB_STATUS == {name: ordinal for ordinal, name in enumerate(variants)}


def test_the_program_list_is_the_workspace_s(repo_root: Path) -> None:
    import tomllib

    crates = {path.parent.name for path in PROGRAMS.glob("*/Cargo.toml")} - {"io-common"}
    localnet = tomllib.loads((repo_root / "Anchor.toml").read_text())["programs"]["localnet"]
    ids = {name.lower() for name in vars(ProgramIds) if name.isupper()}
    assert len(PROGRAM_NAMES) == len(set(PROGRAM_NAMES)) == 4
    assert set(PROGRAM_NAMES) == crates == set(localnet) == ids


def test_rust_enum_parser_skips_docs_and_attributes(tmp_path: Path) -> None:
    source = tmp_path / "sample.rs"
    source.write_text("pub enum Kind {\n    /// first\n    #[default]\n    A,\n    B { x: u8 },\n    C(u8),\n}\n")
    assert parse_rust_enum(source, "Kind") == ["A", "B", "C"]
    with pytest.raises(ValueError, match="no pub enum"):
        parse_rust_enum(source, "Other")
