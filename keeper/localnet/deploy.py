"""Deploying SBF programs through the upgradeable loader (loader-v3), as `solana program deploy` does.

A deploy is three kinds of transactions: create a buffer account and `InitializeBuffer`;
`Write` the program's bytes into it, one transaction-sized chunk at a time; then create the
program account and `DeployWithMaxDataLen`, which moves the bytes into the program's
`ProgramData` account and records the upgrade authority. An upgrade writes a new buffer the
same way and sends `Upgrade`. The new code runs from the slot after the one it was deployed
in, so both wait for that slot.
"""

from __future__ import annotations

import struct
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import CreateAccountParams, create_account
from solders.sysvar import CLOCK, RENT
from solders.transaction import Transaction

from keeper.client.keys import load_keypair
from keeper.localnet.remote import TransactionRecord

LOADER_V3: Final = Pubkey.from_string("BPFLoaderUpgradeab1e11111111111111111111111")
# UpgradeableLoaderState sizes: enum tag + Option<authority> (buffer); + slot (program data).
BUFFER_METADATA_LEN: Final = 37
PROGRAMDATA_METADATA_LEN: Final = 45
PROGRAM_ACCOUNT_LEN: Final = 36
MAX_TRANSACTION_BYTES: Final = 1_232
# Room for programs to grow: upgrades up to twice the first deploy's size need no extension.
MAX_DATA_LEN_FACTOR: Final = 2
# Write transactions sent per request: independent (each writes its own range of the buffer).
WRITES_PER_REQUEST: Final = 64

# Loader-v3 instruction tags (bincode u32).
_INITIALIZE_BUFFER: Final = 0
_WRITE: Final = 1
_DEPLOY_WITH_MAX_DATA_LEN: Final = 2
_UPGRADE: Final = 3
_SET_AUTHORITY: Final = 4


class DeployError(RuntimeError):
    """A deploy or upgrade step that the cluster refused."""


def program_data_address(program_id: Pubkey) -> Pubkey:
    return Pubkey.find_program_address([bytes(program_id)], LOADER_V3)[0]


def initialize_buffer(buffer: Pubkey, authority: Pubkey) -> Instruction:
    return Instruction(
        LOADER_V3,
        struct.pack("<I", _INITIALIZE_BUFFER),
        [AccountMeta(buffer, is_signer=False, is_writable=True), AccountMeta(authority, is_signer=False, is_writable=False)],
    )


def write(buffer: Pubkey, authority: Pubkey, offset: int, chunk: bytes) -> Instruction:
    data = struct.pack("<IIQ", _WRITE, offset, len(chunk)) + chunk
    return Instruction(LOADER_V3, data, [AccountMeta(buffer, is_signer=False, is_writable=True), AccountMeta(authority, is_signer=True, is_writable=False)])


def deploy_with_max_data_len(payer: Pubkey, program_id: Pubkey, buffer: Pubkey, authority: Pubkey, max_data_len: int) -> Instruction:
    return Instruction(
        LOADER_V3,
        struct.pack("<IQ", _DEPLOY_WITH_MAX_DATA_LEN, max_data_len),
        [
            AccountMeta(payer, is_signer=True, is_writable=True),
            AccountMeta(program_data_address(program_id), is_signer=False, is_writable=True),
            AccountMeta(program_id, is_signer=False, is_writable=True),
            AccountMeta(buffer, is_signer=False, is_writable=True),
            AccountMeta(RENT, is_signer=False, is_writable=False),
            AccountMeta(CLOCK, is_signer=False, is_writable=False),
            AccountMeta(SYSTEM_PROGRAM_ID, is_signer=False, is_writable=False),
            AccountMeta(authority, is_signer=True, is_writable=False),
        ],
    )


def upgrade(program_id: Pubkey, buffer: Pubkey, spill: Pubkey, authority: Pubkey) -> Instruction:
    return Instruction(
        LOADER_V3,
        struct.pack("<I", _UPGRADE),
        [
            AccountMeta(program_data_address(program_id), is_signer=False, is_writable=True),
            AccountMeta(program_id, is_signer=False, is_writable=True),
            AccountMeta(buffer, is_signer=False, is_writable=True),
            AccountMeta(spill, is_signer=False, is_writable=True),
            AccountMeta(RENT, is_signer=False, is_writable=False),
            AccountMeta(CLOCK, is_signer=False, is_writable=False),
            AccountMeta(authority, is_signer=True, is_writable=False),
        ],
    )


def set_upgrade_authority(program_id: Pubkey, current: Pubkey, new: Pubkey | None) -> Instruction:
    """Hands the program's upgrade authority to `new` (None: the program becomes immutable)."""
    accounts = [
        AccountMeta(program_data_address(program_id), is_signer=False, is_writable=True),
        AccountMeta(current, is_signer=True, is_writable=False),
    ]
    if new is not None:
        accounts.append(AccountMeta(new, is_signer=False, is_writable=False))
    return Instruction(LOADER_V3, struct.pack("<I", _SET_AUTHORITY), accounts)


@dataclass(frozen=True)
class ProgramData:
    """A program's ProgramData account, decoded."""

    slot: int
    upgrade_authority: Pubkey | None
    program: bytes


def parse_program_data(data: bytes) -> ProgramData:
    tag, slot, has_authority = struct.unpack_from("<IQB", data, 0)
    if tag != 3:
        raise ValueError(f"not a ProgramData account (state {tag})")
    authority = Pubkey.from_bytes(data[13:45]) if has_authority else None
    return ProgramData(slot, authority, data[PROGRAMDATA_METADATA_LEN:])


class Cluster(Protocol):
    """What deploying needs of a cluster connection (LocalnetChain has it)."""

    def rent_exempt_minimum(self, data_len: int) -> int: ...
    def expire_blockhash(self) -> Hash: ...
    def send(self, transaction: Transaction) -> TransactionRecord: ...
    def send_many(self, transactions: Sequence[Transaction]) -> list[TransactionRecord]: ...
    def wait_for_slot(self, slot: int) -> None: ...


def write_chunk_size(payer: Keypair, authority: Keypair, buffer: Pubkey, blockhash: Hash) -> int:
    """The largest chunk a Write transaction from these keys can carry within 1,232 bytes."""
    signers = [payer] if payer == authority else [payer, authority]
    empty = Transaction(signers, Message([write(buffer, authority.pubkey(), 0, b"")], payer.pubkey()), blockhash)
    # The instruction's data length is a compact-u16: one byte more once it passes 127.
    return MAX_TRANSACTION_BYTES - len(bytes(empty)) - 1


def write_buffer(cluster: Cluster, payer: Keypair, authority: Keypair, program: bytes) -> Pubkey:
    """A new buffer account holding `program`, its authority `authority`."""
    buffer = Keypair()
    size = BUFFER_METADATA_LEN + len(program)
    create = create_account(
        CreateAccountParams(
            from_pubkey=payer.pubkey(),
            to_pubkey=buffer.pubkey(),
            lamports=cluster.rent_exempt_minimum(size),
            space=size,
            owner=LOADER_V3,
        )
    )
    blockhash = cluster.expire_blockhash()
    _check(cluster.send(Transaction([payer, buffer], Message([create, initialize_buffer(buffer.pubkey(), authority.pubkey())], payer.pubkey()), blockhash)))
    chunk = write_chunk_size(payer, authority, buffer.pubkey(), blockhash)
    signers = [payer] if payer == authority else [payer, authority]
    writes = [
        Transaction(signers, Message([write(buffer.pubkey(), authority.pubkey(), offset, program[offset : offset + chunk])], payer.pubkey()), blockhash)
        for offset in range(0, len(program), chunk)
    ]
    for start in range(0, len(writes), WRITES_PER_REQUEST):
        for record in cluster.send_many(writes[start : start + WRITES_PER_REQUEST]):
            _check(record)
    return buffer.pubkey()


def deploy_program(cluster: Cluster, payer: Keypair, program_keypair: Keypair, program: bytes, *, upgrade_authority: Keypair) -> TransactionRecord:
    """Deploys `program` at `program_keypair`'s address; returns the deploy transaction."""
    buffer = write_buffer(cluster, payer, upgrade_authority, program)
    create = create_account(
        CreateAccountParams(
            from_pubkey=payer.pubkey(),
            to_pubkey=program_keypair.pubkey(),
            lamports=cluster.rent_exempt_minimum(PROGRAM_ACCOUNT_LEN),
            space=PROGRAM_ACCOUNT_LEN,
            owner=LOADER_V3,
        )
    )
    deploy = deploy_with_max_data_len(payer.pubkey(), program_keypair.pubkey(), buffer, upgrade_authority.pubkey(), MAX_DATA_LEN_FACTOR * len(program))
    signers = list({bytes(key.pubkey()): key for key in (payer, program_keypair, upgrade_authority)}.values())
    record = _check(cluster.send(Transaction(signers, Message([create, deploy], payer.pubkey()), cluster.expire_blockhash())))
    cluster.wait_for_slot(record.slot + 1)
    return record


def upgrade_program(cluster: Cluster, payer: Keypair, program_id: Pubkey, program: bytes, *, upgrade_authority: Keypair) -> TransactionRecord:
    """Replaces the code of a deployed program; the buffer's rent goes back to `payer`."""
    buffer = write_buffer(cluster, payer, upgrade_authority, program)
    instruction = upgrade(program_id, buffer, payer.pubkey(), upgrade_authority.pubkey())
    signers = [payer] if payer == upgrade_authority else [payer, upgrade_authority]
    record = _check(cluster.send(Transaction(signers, Message([instruction], payer.pubkey()), cluster.expire_blockhash())))
    cluster.wait_for_slot(record.slot + 1)
    return record


def _check(record: TransactionRecord) -> TransactionRecord:
    if not record.result.succeeded:
        logs = "\n  ".join(record.result.logs)
        raise DeployError(f"loader transaction {record.result.signature} failed: {record.result.err}\n  {logs}")
    return record


# --- the workspace's programs ------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramSpec:
    """A workspace program: its Anchor name, address, keypair and where its compiled .so lives."""

    name: str
    program_id: Pubkey
    so_path: Path
    keypair_path: Path

    def keypair(self) -> Keypair:
        keypair = load_keypair(self.keypair_path)
        if keypair.pubkey() != self.program_id:
            raise DeployError(f"{self.keypair_path} holds {keypair.pubkey()}, not {self.name}'s {self.program_id}")
        return keypair


def workspace_programs(repo_root: Path) -> list[ProgramSpec]:
    """Programs of Anchor.toml [programs.localnet]: .so in target/deploy, keypair in scripts/keys."""
    anchor = tomllib.loads((repo_root / "Anchor.toml").read_text())
    localnet: dict[str, str] = anchor.get("programs", {}).get("localnet", {})
    # Anchor names programs with dashes in Cargo but writes the .so with underscores.
    return [
        ProgramSpec(
            name,
            Pubkey.from_string(address),
            repo_root / "target" / "deploy" / f"{name.replace('-', '_')}.so",
            repo_root / "scripts" / "keys" / f"{name.replace('-', '_')}-keypair.json",
        )
        for name, address in sorted(localnet.items())
    ]


def deploy_workspace(
    cluster: Cluster, payer: Keypair, upgrade_authority: Keypair, repo_root: Path, specs: Sequence[ProgramSpec] | None = None
) -> list[ProgramSpec]:
    """Deploys the workspace programs (`specs`, default all; each must be built) with `upgrade_authority`."""
    specs = workspace_programs(repo_root) if specs is None else list(specs)
    missing = [str(spec.so_path) for spec in specs if not spec.so_path.is_file()]
    if missing:
        raise FileNotFoundError(f"programs not built (run scripts/build-sbf): {', '.join(missing)}")
    for spec in specs:
        deploy_program(cluster, payer, spec.keypair(), spec.so_path.read_bytes(), upgrade_authority=upgrade_authority)
    return specs
