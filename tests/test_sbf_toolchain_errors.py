"""The SBF toolchain fails clearly, naming the function or symbol, on what SBPF v0 can't run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

HEADER = 'target datalayout = "e-m:e-p:64:64-i64:64-i128:128-n32:64-S128"\ntarget triple = "bpfel"\n'


@pytest.fixture(scope="module")
def toolchain(repo_root: Path) -> dict[str, str]:
    env_file = repo_root / "target" / "sbf-toolchain.env"
    if not env_file.is_file():
        pytest.fail("target/sbf-toolchain.env missing — run scripts/build-sbf", pytrace=False)
    values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if line)
    return {**os.environ, **values}


def lower(repo_root: Path, toolchain: dict[str, str], tmp_path: Path, ir: str) -> subprocess.CompletedProcess:
    source = tmp_path / "program.ll"
    source.write_text(HEADER + ir)
    bitcode = tmp_path / "program.bc"
    subprocess.run([f"{toolchain['SBF_LLVM_BIN']}/llvm-as", str(source), "-o", str(bitcode)], check=True)
    return subprocess.run(
        ["python3", str(repo_root / "scripts/sbf/link.py"), "lower", str(bitcode), str(tmp_path / "program.so")],
        capture_output=True,
        text=True,
        env=toolchain,
    )


def test_a_construct_without_lowering_names_its_function(repo_root, toolchain, tmp_path) -> None:
    result = lower(
        repo_root,
        toolchain,
        tmp_path,
        """
define internal double @remainder_of_floats(double %a, double %b) noinline {
  %r = frem double %a, %b
  ret double %r
}
define i64 @entrypoint(ptr %input) {
  %x = load double, ptr %input
  %r = call double @remainder_of_floats(double %x, double %x)
  %bits = bitcast double %r to i64
  ret i64 %bits
}
""",
    )
    assert result.returncode != 0
    assert "remainder_of_floats: floating-point frem" in result.stderr


def test_writable_static_data_is_refused_with_the_symbols_name(repo_root, toolchain, tmp_path) -> None:
    result = lower(
        repo_root,
        toolchain,
        tmp_path,
        """
@call_counter = internal global i64 0
define i64 @entrypoint(ptr %input) {
  %n = load volatile i64, ptr @call_counter
  %m = add i64 %n, 1
  store volatile i64 %m, ptr @call_counter
  ret i64 %m
}
""",
    )
    assert result.returncode != 0
    assert "call_counter" in result.stderr and "writable static data" in result.stderr


def test_a_program_without_entrypoint_is_refused(repo_root, toolchain, tmp_path) -> None:
    result = lower(
        repo_root,
        toolchain,
        tmp_path,
        """
define i64 @not_the_entrypoint(ptr %input) {
  ret i64 0
}
""",
    )
    assert result.returncode != 0
    assert "no `entrypoint` function" in result.stderr
