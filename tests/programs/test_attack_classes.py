"""Attack classes over every instruction of the four programs.

Each typical call (tests/programs/typical.py: every instruction as a user sends it) is first
sent forged, once per account it names that an attacker could swap:

- fake programs: a program account (System, SPL Token, the associated-token program, the
  protocol's own programs reached by CPI) replaced by an arbitrary deployed program, and the
  SPL Token program also by Token-2022, a real token program that would act on its own accounts;
- Token-2022 accounts: an SPL Token account or mint replaced by a byte-for-byte copy owned by
  Token-2022;
- PDA sharing and type confusion: an account of one of the protocol's programs replaced by
  every other account that program owns (another entity's PDA of the same type, or an account
  of another type).

Every forgery must be refused, must not invoke the program it smuggled in, and must leave
every account it could write as it was (the fee payer pays its fee, nothing else). Then the
real call goes through, so the flow reaches every instruction in a valid state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import ClassVar

import pytest
from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction

from keeper.client.addresses import TOKEN_PROGRAM_ID
from keeper.client.constants import ProgramIds
from keeper.client.errors import anchor_log_error
from keeper.client.idl import ProgramIdl
from keeper.localnet.deploy import deploy_program
from keeper.localnet.launch import DeployedNode
from keeper.localnet.remote import LocalnetChain, TransactionRecord
from tests.conftest import REPO_ROOT
from tests.programs.harness import same_account
from tests.programs.typical import RecordingChain, run_typical_calls

SYSTEM_PROGRAM = Pubkey.from_string("11111111111111111111111111111111")
TOKEN_2022 = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
ASSOCIATED_TOKEN_PROGRAM = Pubkey.from_string("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL")
PROTOCOL_PROGRAMS = (ProgramIds.ESCROW, ProgramIds.STAKING, ProgramIds.REWARDS, ProgramIds.PROVENANCE)
PROGRAM_NAMES = dict(zip(PROTOCOL_PROGRAMS, ("escrow", "staking", "rewards", "provenance"), strict=True))
PROGRAM_ACCOUNTS = frozenset({SYSTEM_PROGRAM, TOKEN_PROGRAM_ID, ASSOCIATED_TOKEN_PROGRAM, *PROTOCOL_PROGRAMS})


@dataclass(frozen=True)
class Probe:
    instruction: str
    account: str
    attack: str
    error: str


class ForgingChain(RecordingChain):
    """Sends each protocol instruction forged in every way first (see the module docstring),
    then as it is. Bootstrap's calls (initialize, mint_genesis) go through it too."""

    fake_program: ClassVar[Pubkey]
    probes: ClassVar[list[Probe]] = []

    def send_instructions(self, instructions: Iterable[Instruction], payer: Keypair, *signers: Keypair) -> TransactionRecord:
        batch = list(instructions)
        for position, instruction in enumerate(batch):
            if instruction.program_id not in PROTOCOL_PROGRAMS:
                continue
            name = _instruction_name(instruction)
            for index, attack, replacement in self._forgeries(instruction):
                forged = [*batch[:position], _replace(instruction, index, replacement), *batch[position + 1 :]]
                error = self._refused(f"{name}: {instruction.accounts[index].pubkey} replaced by {replacement} ({attack})", forged, payer, signers, replacement)
                self.probes.append(Probe(name, str(instruction.accounts[index].pubkey), attack, error))
        return super().send_instructions(batch, payer, *signers)

    def _forgeries(self, instruction: Instruction) -> Iterator[tuple[int, str, Pubkey]]:
        owned_by: dict[Pubkey, list[Pubkey]] = {}
        named = {meta.pubkey for meta in instruction.accounts}
        for index, meta in enumerate(instruction.accounts):
            if meta.is_signer:
                continue
            if meta.pubkey in PROGRAM_ACCOUNTS:
                yield index, "fake program", self.fake_program
                if meta.pubkey == TOKEN_PROGRAM_ID:
                    yield index, "Token-2022 as the token program", TOKEN_2022
                continue
            account = self.get_account(meta.pubkey)
            if account is None:
                continue  # created by this call
            if account.owner == TOKEN_PROGRAM_ID:
                yield index, "Token-2022 copy of an SPL Token account", self._token_2022_copy(account)
            elif account.owner in PROTOCOL_PROGRAMS:
                if account.owner not in owned_by:
                    owned_by[account.owner] = [address for address, _ in self.accounts_owned_by(account.owner)]
                for other in owned_by[account.owner]:
                    if other not in named:
                        yield index, "another account of the same program", other

    def _token_2022_copy(self, account: Account) -> Pubkey:
        copy = Pubkey.new_unique()
        self.set_account(copy, Account(account.lamports, bytes(account.data), TOKEN_2022, account.executable))
        return copy

    def _refused(self, where: str, batch: list[Instruction], payer: Keypair, signers: tuple[Keypair, ...], smuggled: Pubkey) -> str:
        """Sends the forgery, checks it was refused and changed nothing; the error's name."""
        writable = {meta.pubkey for instruction in batch for meta in instruction.accounts if meta.is_writable and meta.pubkey != payer.pubkey()}
        before = {address: self.get_account(address) for address in writable}
        # Sent past RecordingChain: the typical flow's records hold only the real calls.
        transaction = Transaction([payer, *signers], Message(batch, payer.pubkey()), self.expire_blockhash())
        record = LocalnetChain.send_many(self, [transaction])[0]
        assert not record.result.succeeded, f"{where} was accepted:\n" + "\n".join(record.result.logs)
        assert not any(line.startswith(f"Program {smuggled} invoke") for line in record.result.logs), f"{where} invoked it"
        for address in writable:
            assert same_account(before[address], self.get_account(address)), f"{where} changed {address}"
        logged = anchor_log_error(record.result.logs)
        return logged.name if logged is not None else str(record.result.err)


@cache
def _idl(program: str) -> ProgramIdl:
    return ProgramIdl.for_program(REPO_ROOT, program)


def _instruction_name(instruction: Instruction) -> str:
    program = PROGRAM_NAMES[instruction.program_id]
    idl = _idl(program)
    discriminator = bytes(instruction.data[:8])
    return f"{program}.{next(name for name in idl.instruction_names if idl.instruction_discriminator(name) == discriminator)}"


def _replace(instruction: Instruction, index: int, replacement: Pubkey) -> Instruction:
    metas = list(instruction.accounts)
    meta = metas[index]
    metas[index] = AccountMeta(replacement, is_signer=meta.is_signer, is_writable=meta.is_writable)
    return Instruction(instruction.program_id, bytes(instruction.data), metas)


@pytest.fixture(scope="module")
def probes(repo_root: Path, program_node: DeployedNode) -> list[Probe]:
    chain = program_node.fresh()
    fake = Keypair()
    deploy_program(
        chain, program_node.deployer, fake, (repo_root / "target" / "sbf-selftest" / "sbf_selftest.so").read_bytes(), upgrade_authority=program_node.deployer
    )
    snapshot = chain.snapshot()
    ForgingChain.fake_program = fake.pubkey()
    ForgingChain.probes = []
    # The typical calls revert to the deployment snapshot first: keep the fake program there.
    program_node.deployed_snapshot, deployed = snapshot, program_node.deployed_snapshot
    try:
        run_typical_calls(repo_root, program_node, chain_class=ForgingChain)
    finally:
        program_node.deployed_snapshot = deployed
    return ForgingChain.probes


def test_every_instruction_refuses_every_forged_account(probes: list[Probe]) -> None:
    by_attack = Counter(probe.attack for probe in probes)
    assert by_attack["fake program"] >= 20 and by_attack["Token-2022 as the token program"] >= 10
    assert by_attack["Token-2022 copy of an SPL Token account"] >= 15
    assert by_attack["another account of the same program"] >= 50


def test_fake_programs_are_refused_by_their_address_checks(probes: list[Probe]) -> None:
    """A swapped program account is caught by the account checks, before any CPI. (Where the
    program's own id stands for an absent optional account, a swapped-in program is taken as the
    account and refused for its owner.)"""
    errors = Counter(probe.error for probe in probes if probe.attack in ("fake program", "Token-2022 as the token program"))
    assert errors["InvalidProgramId"] >= 40
    assert set(errors) <= {"InvalidProgramId", "ConstraintAddress", "AccountOwnedByWrongProgram"}, errors


def test_token_2022_accounts_are_refused_as_spl_token_accounts(probes: list[Probe]) -> None:
    """Refused for their owner where a slot takes a token account or mint of any address, and for
    their address where the slot is pinned to one (escrow's vaults, its payment mint, the burn
    vault, staking's stake vault: unchecked accounts the program compares with a fixed or recorded
    address)."""
    errors = Counter(probe.error for probe in probes if probe.attack == "Token-2022 copy of an SPL Token account")
    assert errors["AccountOwnedByWrongProgram"] >= 30
    pinned = {"WrongVault", "UnsupportedMint", "WrongBurnVault", "WrongStakeVault"}
    assert set(errors) <= {"AccountOwnedByWrongProgram", "UnexpectedAccount", "ConstraintAddress", *pinned}, errors
    # The pinned slots are escrow's, staking's stake vault and (in slash) the burn vault: the rest
    # check token accounts by owner and type.
    assert {probe.instruction for probe in probes if probe.attack == "Token-2022 copy of an SPL Token account" and probe.error in pinned} <= {
        *(f"escrow.{name}" for name in ("open_job", "settle_job", "cancel_job", "reclaim_job")),
        "staking.stake",
        "staking.withdraw",
        "staking.slash",
    }
    # slash checks both of its vaults by address (unchecked accounts): each copy is refused by name.
    assert {
        probe.error
        for probe in probes
        if probe.instruction == "staking.slash" and probe.error in pinned and probe.attack == "Token-2022 copy of an SPL Token account"
    } == {"WrongStakeVault", "WrongBurnVault"}


def test_pda_sharing_and_type_confusion_are_refused(probes: list[Probe]) -> None:
    """Another entity's account of the same type, or an account of another type, in any slot."""
    errors = Counter(probe.error for probe in probes if probe.attack == "another account of the same program")
    assert errors["AccountDiscriminatorMismatch"] >= 40
    assert set(errors) - {"AccountDiscriminatorMismatch"}, "some same-type swaps must reach the named checks"


def test_every_instruction_was_probed(probes: list[Probe]) -> None:
    probed = {probe.instruction for probe in probes}
    # Not probed: calls whose accounts are all signers, the only accounts of their program, or created by the call.
    assert len(probed) >= 24
    assert {f"{program}.initialize" for program in ("escrow", "staking", "rewards", "provenance")} | {"rewards.mint_genesis"} <= probed
    assert {
        "escrow.settle_job",
        "escrow.open_job",
        "escrow.cancel_job",
        "escrow.reclaim_job",
        "rewards.claim",
        "rewards.burn",
        "rewards.emit",
        "rewards.post_epoch_root",
        "staking.stake",
        "staking.slash",
        "staking.withdraw",
        "staking.unstake",
        "staking.claim_staker_rewards",
        "provenance.record_batch",
        "provenance.verify_receipt",
    } <= probed
