"""Every program binary carries its security.txt (solana-security-txt), as explorers and
`query-security-txt` read it: the `SECURITY_TXT` static survives linking and its text is in
the .so between the standard markers."""

from __future__ import annotations

from pathlib import Path

import pytest

PROGRAMS = ("escrow", "staking", "rewards", "provenance")
BEGIN = b"=======BEGIN SECURITY.TXT V1=======\0"
END = b"=======END SECURITY.TXT V1=======\0"


def security_txt(binary: bytes) -> dict[str, str]:
    start = binary.index(BEGIN) + len(BEGIN)
    fields = binary[start : binary.index(END, start)].split(b"\0")
    assert fields[-1] == b"", "fields are NUL-terminated"
    return {fields[i].decode(): fields[i + 1].decode() for i in range(0, len(fields) - 1, 2)}


@pytest.mark.parametrize("program", PROGRAMS)
def test_the_program_binary_carries_its_security_txt(repo_root: Path, program: str) -> None:
    path = repo_root / "target" / "deploy" / f"{program}.so"
    if not path.is_file():
        pytest.fail(f"{path} missing — run scripts/build-sbf", pytrace=False)
    binary = path.read_bytes()
    assert binary.count(BEGIN) == 1
    fields = security_txt(binary)
    assert fields["name"].startswith("IO settlement") and program in fields["name"]
    assert {"project_url", "contacts", "policy"} <= set(fields)
