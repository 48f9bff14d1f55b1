"""keeper.client.idl against a hand-written IDL in the Anchor >= 0.30 format."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from solders.instruction import AccountMeta
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID

from keeper.client.idl import IdlError, ProgramIdl

FIXTURE = Path(__file__).parent / "fixtures" / "counter_idl.json"


@pytest.fixture(scope="module")
def counter() -> ProgramIdl:
    return ProgramIdl.from_file(FIXTURE)


def borsh_string(text: str) -> bytes:
    return len(text).to_bytes(4, "little") + text.encode()


def test_program_id_and_instruction_names_come_from_the_idl(counter: ProgramIdl) -> None:
    assert counter.program_id == Pubkey.from_string("Cntr111111111111111111111111111111111111111")
    assert counter.name == "counter"
    assert counter.instruction_names == ["increment", "initialize"]
    other = Pubkey.new_unique()
    assert ProgramIdl.from_file(FIXTURE, program_id=other).program_id == other


def test_instruction_orders_accounts_and_fills_fixed_addresses(counter: ProgramIdl) -> None:
    account, authority = Pubkey.new_unique(), Pubkey.new_unique()
    instruction = counter.instruction("initialize", {"start": 5, "label": "gpu"}, {"counter": account, "authority": authority})
    assert instruction.program_id == counter.program_id
    assert instruction.accounts == [
        AccountMeta(account, is_signer=True, is_writable=True),
        AccountMeta(authority, is_signer=True, is_writable=True),
        AccountMeta(SYSTEM_PROGRAM_ID, is_signer=False, is_writable=False),
    ]
    assert bytes(instruction.data) == hashlib.sha256(b"global:initialize").digest()[:8] + (5).to_bytes(8, "little") + borsh_string("gpu")


def test_instruction_with_vec_of_arrays_and_remaining_accounts(counter: ProgramIdl) -> None:
    account, authority, extra = Pubkey.new_unique(), Pubkey.new_unique(), Pubkey.new_unique()
    proof = [bytes([1]) * 32, bytes([2]) * 32]
    instruction = counter.instruction("increment", {"by": 3, "proof": proof}, {"counter": account, "authority": authority}, [AccountMeta(extra, False, True)])
    assert bytes(instruction.data) == counter.instruction_discriminator("increment") + (3).to_bytes(4, "little") + (2).to_bytes(4, "little") + b"".join(proof)
    assert [meta.pubkey for meta in instruction.accounts] == [account, authority, extra]
    assert instruction.accounts[1].is_signer and not instruction.accounts[1].is_writable


def test_instruction_errors_name_the_problem(counter: ProgramIdl) -> None:
    with pytest.raises(IdlError, match="no instruction 'reset'"):
        counter.instruction("reset", {}, {})
    with pytest.raises(IdlError, match="account 'authority' not given"):
        counter.instruction("initialize", {"start": 1, "label": ""}, {"counter": Pubkey.new_unique()})
    with pytest.raises(IdlError, match="takes arguments"):
        counter.instruction("initialize", {"start": 1}, {"counter": Pubkey.new_unique(), "authority": Pubkey.new_unique()})
    with pytest.raises(IdlError, match="cannot encode"):
        counter.instruction("initialize", {"start": -1, "label": ""}, {"counter": Pubkey.new_unique(), "authority": Pubkey.new_unique()})


def test_decode_account_and_discriminator(counter: ProgramIdl) -> None:
    authority = Pubkey.new_unique()
    discriminator = counter.account_discriminator("Counter")
    assert discriminator == hashlib.sha256(b"account:Counter").digest()[:8]
    data = discriminator + bytes(authority) + (42).to_bytes(8, "little") + borsh_string("a100") + bytes([254])
    decoded = counter.decode_account(data)
    assert decoded.name == "Counter"
    assert (decoded.data.authority, decoded.data.count, decoded.data.label, decoded.data.bump) == (authority, 42, "a100", 254)
    assert counter.decode_account_as("Counter", data).count == 42


def test_decode_account_errors(counter: ProgramIdl) -> None:
    with pytest.raises(IdlError, match="discriminator"):
        counter.decode_account(bytes(64))
    with pytest.raises(IdlError, match="cannot decode Counter"):
        counter.decode_account(counter.account_discriminator("Counter") + bytes(10))
    with pytest.raises(IdlError, match="no account type"):
        counter.account_discriminator("Missing")


def test_events_are_decoded_from_program_data_logs(counter: ProgramIdl) -> None:
    target = Pubkey.new_unique()
    payload = hashlib.sha256(b"event:Incremented").digest()[:8] + bytes(target) + (7).to_bytes(8, "little")
    logs = [
        f"Program {counter.program_id} invoke [1]",
        "Program data: " + base64.b64encode(payload).decode(),
        "Program data: " + base64.b64encode(bytes(16)).decode(),  # not one of ours
        "Program data: ***",
        f"Program {counter.program_id} success",
    ]
    events = counter.decode_events(logs)
    assert [(event.name, event.data.counter, event.data.new_count) for event in events] == [("Incremented", target, 7)]


def test_error_table(counter: ProgramIdl) -> None:
    assert counter.error(6001) == ("WrongAuthority", "Only the authority may increment")
    assert counter.error(1) is None


def test_workspace_idl_lookup_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no IDL for escrow"):
        ProgramIdl.for_program(tmp_path, "escrow")
    (tmp_path / "idl").mkdir()
    (tmp_path / "idl" / "counter.json").write_text(FIXTURE.read_text())
    assert ProgramIdl.for_program(tmp_path, "counter").name == "counter"


def test_every_workspace_idl_loads_at_its_program_id(repo_root: Path) -> None:
    from keeper.localnet.deploy import workspace_programs

    for spec in workspace_programs(repo_root):
        program = ProgramIdl.for_program(repo_root, spec.name)
        assert program.program_id == spec.program_id, spec.name
        assert program.instruction_names, spec.name
        for instruction in program.instruction_names:
            assert len(program.instruction_discriminator(instruction)) == 8


def test_the_installed_idls_are_the_workspace_ones(repo_root: Path) -> None:
    """The IDLs are package data (keeper/client/idl, shipped in the wheel), and in a checkout
    they are the workspace's idl/ files themselves."""
    import tomllib

    from keeper.client.constants import PROGRAM_NAMES
    from keeper.client.idl import default_idl_dir

    installed = default_idl_dir()
    assert installed.parent == repo_root / "keeper" / "client"
    for name in PROGRAM_NAMES:
        assert (installed / f"{name}.json").read_bytes() == (repo_root / "idl" / f"{name}.json").read_bytes(), name
        assert ProgramIdl.installed(name).name == name
    package_data = tomllib.loads((repo_root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "idl/*.json" in package_data["keeper.client"]
