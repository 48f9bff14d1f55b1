"""What the program tests share: a chain with the real SBF programs deployed and configured,
wallets with SOL/IO/USDC, token reads, and assertions on program errors.

Every test runs the programs built by `scripts/build-sbf` (target/deploy/*.so) on one
localnet node per session (LiteSVM on the Agave runtime clusters run, p-token as the Token
program), deployed through the upgradeable loader; each test starts from that deployment
(`fresh_chain`). Nothing about the chain is mocked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from spl.token.instructions import TransferCheckedParams, transfer_checked

from keeper.client import spl
from keeper.client.addresses import TOKEN_PROGRAM_ID, RewardsAddresses, associated_token_address
from keeper.client.constants import IO_DECIMALS, IO_GENESIS_SUPPLY
from keeper.client.errors import anchor_log_error, instruction_error
from keeper.localnet.deployment import Deployment, Roles, Settings, bootstrap, create_token_account, mint_usdc
from keeper.localnet.launch import DeployedNode
from keeper.localnet.remote import LocalnetChain, TransactionRecord

START_TS = 1_800_000_000


class SessionNode:
    """The session's node (tests/conftest.py `program_node`), set by the autouse fixture in
    tests/programs/conftest.py so that helpers can ask for a fresh chain."""

    current: DeployedNode | None = None


def fresh_chain(start_unix_timestamp: int = START_TS) -> LocalnetChain:
    """The session's node back to "programs deployed, nothing else", its clock at the given time."""
    node = SessionNode.current
    assert node is not None, "no localnet node for this session (the program_node fixture did not run)"
    return node.fresh(start_unix_timestamp)


def session_roles() -> Roles:
    """New protocol roles whose admin is the session's deployer: the programs' upgrade
    authority, the only key their `initialize` accepts."""
    node = SessionNode.current
    assert node is not None, "no localnet node for this session (the program_node fixture did not run)"
    return Roles.generate(admin=node.deployer)


def upgrade_authority() -> Keypair:
    """The key that deployed the session's programs (their upgrade authority)."""
    node = SessionNode.current
    assert node is not None, "no localnet node for this session (the program_node fixture did not run)"
    return node.deployer


def token_amount(chain: LocalnetChain, token_account: Pubkey) -> int:
    account = chain.get_account(token_account)
    assert account is not None, f"token account {token_account} does not exist"
    return spl.token_amount(bytes(account.data))


def mint_supply(chain: LocalnetChain, mint: Pubkey) -> int:
    account = chain.get_account(mint)
    assert account is not None, f"mint {mint} does not exist"
    return spl.mint_supply(bytes(account.data))


def error_name(record: TransactionRecord) -> str:
    """The Anchor error a failed transaction returned (from Anchor's log line)."""
    assert not record.result.succeeded, "the transaction succeeded"
    logged = anchor_log_error(record.result.logs)
    if logged is not None:
        return logged.name
    raise AssertionError(f"no Anchor error in the logs: {record.result.err}\n" + "\n".join(record.result.logs))


def custom_error_code(record: TransactionRecord) -> int | None:
    return instruction_error(record.result.err)[1]


@dataclass
class Harness:
    """A configured protocol on a fresh chain, plus helpers to act on it."""

    chain: LocalnetChain
    deployment: Deployment
    repo_root: Path
    _wallets: list[Keypair] = field(default_factory=list)

    @classmethod
    def create(cls, repo_root: Path, settings: Settings | None = None) -> Harness:
        chain = fresh_chain(START_TS)
        deployment = bootstrap(chain, repo_root, session_roles(), settings or Settings(emission_start_ts=START_TS))
        return cls(chain, deployment, repo_root)

    # --- shortcuts ----------------------------------------------------------------------------
    @property
    def roles(self) -> Roles:
        return self.deployment.roles

    @property
    def programs(self):
        return self.deployment.programs

    @property
    def io_mint(self) -> Pubkey:
        return self.deployment.io_mint

    @property
    def usdc_mint(self) -> Pubkey:
        return self.deployment.usdc_mint

    # --- wallets and tokens -------------------------------------------------------------------
    def wallet(self, sol: int = 100 * 10**9) -> Keypair:
        keypair = Keypair()
        self.chain.airdrop(keypair.pubkey(), sol)
        self._wallets.append(keypair)
        return keypair

    def token_account(self, owner: Pubkey, mint: Pubkey) -> Pubkey:
        return create_token_account(self.chain, self.roles.admin, owner, mint)

    def give_io(self, owner: Pubkey, amount: int) -> Pubkey:
        """Moves `amount` IO from the treasury's genesis supply to `owner`'s associated account."""
        destination = self.token_account(owner, self.io_mint)
        treasury = self.roles.treasury
        source = associated_token_address(treasury.pubkey(), self.io_mint)
        params = TransferCheckedParams(
            program_id=TOKEN_PROGRAM_ID,
            source=source,
            mint=self.io_mint,
            dest=destination,
            owner=treasury.pubkey(),
            amount=amount,
            decimals=IO_DECIMALS,
        )
        self.chain.send_instructions([transfer_checked(params)], treasury).raise_for_error()
        return destination

    def give_usdc(self, owner: Pubkey, amount: int) -> Pubkey:
        destination = self.token_account(owner, self.usdc_mint)
        mint_usdc(self.chain, self.deployment, destination, amount)
        return destination

    def balance(self, token_account: Pubkey) -> int:
        return token_amount(self.chain, token_account)

    # --- sending ------------------------------------------------------------------------------
    def send(self, instructions: Instruction | Iterable[Instruction], payer: Keypair, *signers: Keypair) -> TransactionRecord:
        batch = [instructions] if isinstance(instructions, Instruction) else list(instructions)
        return self.chain.send_instructions(batch, payer, *signers)

    def ok(self, instructions: Instruction | Iterable[Instruction], payer: Keypair, *signers: Keypair) -> TransactionRecord:
        return self.send(instructions, payer, *signers).raise_for_error()

    def fails(
        self,
        expected_error: str,
        instructions: Instruction | Iterable[Instruction],
        payer: Keypair,
        *signers: Keypair,
        watch: Iterable[Pubkey] = (),
    ) -> TransactionRecord:
        """Sends, asserts the named Anchor error, and asserts `watch` accounts are unchanged."""
        watched = list(watch)
        before = {address: self.chain.get_account(address) for address in watched}
        record = self.send(instructions, payer, *signers)
        assert error_name(record) == expected_error, "\n".join(record.result.logs)
        for address in watched:
            assert same_account(before[address], self.chain.get_account(address)), f"{address} changed on failure"
        return record

    def warp(self, seconds: int) -> None:
        self.chain.warp(seconds)

    @property
    def now(self) -> int:
        return self.chain.unix_timestamp

    # --- protocol-wide invariants --------------------------------------------------------------
    def assert_supply_invariant(self) -> None:
        """IO supply = genesis + emitted − burned, read from the chain."""
        rewards = self.programs.rewards
        emission = rewards.decode_account_as("EmissionState", bytes(self.chain.get_account(RewardsAddresses.emission).data))
        ledger = rewards.decode_account_as("BurnLedger", bytes(self.chain.get_account(RewardsAddresses.burn_ledger).data))
        supply = mint_supply(self.chain, self.io_mint)
        assert supply == IO_GENESIS_SUPPLY + emission.emitted_total - ledger.total_burned


def unsigned(instruction: Instruction, signer: Pubkey) -> Instruction:
    """The same instruction with `signer`'s account no longer marked as signing (the way a
    caller leaves out a required signature)."""
    metas = [AccountMeta(meta.pubkey, is_signer=False, is_writable=meta.is_writable) if meta.pubkey == signer else meta for meta in instruction.accounts]
    return Instruction(instruction.program_id, instruction.data, metas)


def same_account(a: Account | None, b: Account | None) -> bool:
    if a is None or b is None:
        return a is b
    return (a.lamports, bytes(a.data), a.owner) == (b.lamports, bytes(b.data), b.owner)
