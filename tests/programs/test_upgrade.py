"""Deploying and upgrading through the upgradeable loader (loader-v3), as `solana program deploy` does.

The session's node deployed every program with real loader transactions (buffer, writes,
DeployWithMaxDataLen); these tests read what that left on chain, and upgrade a program
over live accounts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from solders.instruction import Instruction
from solders.keypair import Keypair

from keeper.client.addresses import ProvenanceAddresses
from keeper.client.constants import ProgramIds
from keeper.localnet.deploy import (
    LOADER_V3,
    MAX_DATA_LEN_FACTOR,
    DeployError,
    deploy_program,
    parse_program_data,
    program_data_address,
    upgrade_program,
    workspace_programs,
)
from keeper.localnet.launch import DeployedNode
from tests.programs.harness import Harness, error_name
from tests.programs.test_provenance import batch_state, config_state, make_receipts, record, verify_ix

# The release here: provenance with Anchor's fallback error message reworded (same length, so
# the rest of the ELF is untouched). The message shows in the logs, so a test can tell which
# code ran.
V1_MESSAGE = b"Fallback functions are not supported"
V2_MESSAGE = b"v2: fallback functions not supported"


def provenance_v2(repo_root: Path) -> bytes:
    v1 = (repo_root / "target" / "deploy" / "provenance.so").read_bytes()
    assert len(V1_MESSAGE) == len(V2_MESSAGE) and v1.count(V1_MESSAGE) == 1
    return v1.replace(V1_MESSAGE, V2_MESSAGE)


def fallback_message(h: Harness) -> str:
    """The log line of the program's answer to an instruction it does not have."""
    record = h.send(Instruction(ProgramIds.PROVENANCE, bytes(8), []), h.wallet())
    assert error_name(record) == "InstructionFallbackNotFound"
    return next(line for line in record.result.logs if "Error Message" in line)


def test_every_program_is_deployed_by_the_upgradeable_loader(harness: Harness, program_node: DeployedNode, repo_root: Path) -> None:
    for spec in workspace_programs(repo_root):
        program = harness.chain.get_account(spec.program_id)
        assert program is not None and program.executable and program.owner == LOADER_V3
        # The program account points at its ProgramData (UpgradeableLoaderState::Program).
        assert bytes(program.data)[4:36] == bytes(program_data_address(spec.program_id))
        data_account = harness.chain.get_account(program_data_address(spec.program_id))
        assert data_account is not None and data_account.owner == LOADER_V3
        data = parse_program_data(bytes(data_account.data))
        binary = spec.so_path.read_bytes()
        assert data.upgrade_authority == program_node.deployer.pubkey()
        assert len(data.program) == MAX_DATA_LEN_FACTOR * len(binary)
        assert data.program[: len(binary)] == binary and not any(data.program[len(binary) :])


def test_upgrade_keeps_accounts_readable_and_working(harness: Harness, program_node: DeployedNode, repo_root: Path) -> None:
    h = harness
    receipts = make_receipts(10, h.now - 100)
    tree = record(h, receipts)
    before = config_state(h)
    assert V1_MESSAGE.decode() in fallback_message(h)

    v2 = provenance_v2(repo_root)
    payer = program_node.deployer
    upgrade_program(h.chain, payer, ProgramIds.PROVENANCE, v2, upgrade_authority=program_node.deployer)

    data = parse_program_data(bytes(h.chain.get_account(program_data_address(ProgramIds.PROVENANCE)).data))
    assert data.program[: len(v2)] == v2 and data.upgrade_authority == payer.pubkey()
    # v2 runs from the next slot on; the accounts v1 wrote read the same under it, and work.
    assert V2_MESSAGE.decode() in fallback_message(h)
    assert config_state(h) == before
    assert bytes(batch_state(h, 0).root) == tree.root
    h.ok(verify_ix(h, 0, receipts[3], tree.proof(3)), h.wallet())
    tree2 = record(h, make_receipts(4, h.now - 50, b"after"))
    assert config_state(h).next_sequence == before.next_sequence + 1
    assert h.chain.get_account(ProvenanceAddresses.batch(1)) is not None
    assert bytes(batch_state(h, 1).root) == tree2.root


def test_upgrade_by_another_key_is_refused_and_keeps_the_program(harness: Harness, program_node: DeployedNode, repo_root: Path) -> None:
    h = harness
    intruder = h.wallet()
    address = program_data_address(ProgramIds.PROVENANCE)
    before = h.chain.get_account(address)
    with pytest.raises(DeployError, match="IncorrectAuthority|Custom|failed"):
        upgrade_program(h.chain, intruder, ProgramIds.PROVENANCE, provenance_v2(repo_root), upgrade_authority=intruder)
    after = h.chain.get_account(address)
    assert after is not None and bytes(after.data) == bytes(before.data)


def test_deploying_over_an_existing_program_is_refused(harness: Harness, program_node: DeployedNode, repo_root: Path) -> None:
    """A program account can be created once: a second deploy to a used address fails and the
    program keeps its code."""
    h = harness
    spec = next(spec for spec in workspace_programs(repo_root) if spec.name == "provenance")
    before = h.chain.get_account(program_data_address(spec.program_id))
    with pytest.raises(DeployError):
        deploy_program(h.chain, program_node.deployer, spec.keypair(), provenance_v2(repo_root), upgrade_authority=program_node.deployer)
    assert bytes(h.chain.get_account(program_data_address(spec.program_id)).data) == bytes(before.data)


def test_a_file_that_is_not_a_program_is_refused_by_the_loader(harness: Harness) -> None:
    payer = harness.wallet(sol=50 * 10**9)
    with pytest.raises(DeployError, match="InvalidAccountData|failed"):
        deploy_program(harness.chain, payer, Keypair(), b"\x7fELF" + bytes(2_000), upgrade_authority=payer)
