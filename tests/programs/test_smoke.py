"""Every program is a real SBF program that the Solana runtime loads and dispatches."""

from __future__ import annotations

import pytest
from solders.instruction import Instruction

from keeper.client.constants import IO_GENESIS_SUPPLY
from tests.programs.harness import Harness, custom_error_code, error_name, mint_supply


@pytest.mark.parametrize("program", ["escrow", "staking", "rewards", "provenance"])
def test_unknown_discriminator_fails_with_anchor_fallback_error(harness: Harness, program: str) -> None:
    idl = getattr(harness.programs, program)
    payer = harness.wallet()
    record = harness.send(Instruction(idl.program_id, b"\xff" * 8, []), payer)
    assert custom_error_code(record) == 101
    assert error_name(record) == "InstructionFallbackNotFound"
    assert f"Program {idl.program_id} invoke [1]" in record.result.logs


def test_bootstrap_mints_genesis_supply_once(harness: Harness) -> None:
    assert mint_supply(harness.chain, harness.io_mint) == IO_GENESIS_SUPPLY
