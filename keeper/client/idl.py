"""Anchor IDLs (Anchor >= 0.30 format, `idl/<program>.json`) without an RPC connection.

anchorpy's `Program` wants a provider; the SDK only needs the encoding side, so this wraps
anchorpy's `Idl` and `Coder` directly: instruction builders (accounts ordered as the IDL
declares them, fixed addresses and constant-seed PDAs filled in), the event decoder and the
program's error table. Accounts are decoded by `keeper.client.layout` (the one account decoder).

The IDLs ship inside the package (`keeper/client/idl/`, a link to the workspace's `idl/` in a
checkout, the files themselves in a wheel), so an installed keeper finds them without a checkout.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from anchorpy.coder.coder import Coder
from anchorpy.idl_adapter import Idl
from construct import Container
from pyheck import snake
from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey

from keeper.client.layout import AccountLayout, Record, UnsupportedType

# Anchor logs each emitted event as "Program data: <base64(discriminator || borsh)>".
EVENT_LOG_PREFIX = "Program data: "


def default_idl_dir() -> Path:
    """The IDLs installed with the package (in a checkout, the workspace's idl/)."""
    return Path(str(resources.files("keeper.client") / "idl"))


class IdlError(ValueError):
    """The IDL cannot do what was asked (unknown instruction, missing account, bad data)."""


@dataclass(frozen=True)
class DecodedAccount:
    name: str
    data: Record


@dataclass(frozen=True)
class DecodedEvent:
    name: str
    data: Container[Any]


@dataclass(frozen=True)
class _AccountSlot:
    """One account position of an instruction, flattened from possibly nested groups."""

    path: tuple[str, ...]
    writable: bool
    signer: bool
    optional: bool
    address: Pubkey | None
    # A PDA whose seeds name other accounts of the instruction (resolved when building it).
    pda: Mapping[str, Any] | None = None


def _const_pda(pda: Mapping[str, Any] | None, program_id: Pubkey) -> Pubkey | None:
    """The address of a PDA whose seeds and program are all constants in the IDL (e.g. a
    program's ProgramData, `[program id]` under the upgradeable loader); None otherwise."""
    if not pda or any(seed.get("kind") != "const" for seed in pda["seeds"]):
        return None
    program = pda.get("program")
    if program is not None and program.get("kind") != "const":
        return None
    owner = Pubkey.from_bytes(bytes(program["value"])) if program is not None else program_id
    return Pubkey.find_program_address([bytes(seed["value"]) for seed in pda["seeds"]], owner)[0]


def _flatten(items: Sequence[Mapping[str, Any]], program_id: Pubkey, prefix: tuple[str, ...] = ()) -> list[_AccountSlot]:
    slots: list[_AccountSlot] = []
    for item in items:
        path = (*prefix, snake(item["name"]))
        if "accounts" in item:  # a nested Accounts struct
            slots.extend(_flatten(item["accounts"], program_id, path))
            continue
        address = item.get("address")
        slots.append(
            _AccountSlot(
                path=path,
                writable=bool(item.get("writable", False)),
                signer=bool(item.get("signer", False)),
                optional=bool(item.get("optional", False)),
                address=Pubkey.from_string(address) if address else _const_pda(item.get("pda"), program_id),
                pda=item.get("pda"),
            )
        )
    return slots


class ProgramIdl:
    """One program's IDL: build its instructions, decode its accounts, events and errors."""

    def __init__(self, idl_json: str, program_id: Pubkey | None = None) -> None:
        self.idl = Idl.from_json(idl_json)
        address = program_id or (Pubkey.from_string(self.idl.address) if self.idl.address else None)
        if address is None:
            raise IdlError("the IDL has no address; pass program_id")
        self.program_id = address
        self.coder = Coder(self.idl)
        # anchorpy's normalised IDL drops fixed `address` fields: read instruction accounts
        # from the JSON as written.
        written = json.loads(idl_json)
        self.raw: dict[str, Any] = written
        self._layouts: dict[str, AccountLayout] = {}
        self._account_slots = {snake(ix["name"]): _flatten(ix.get("accounts", []), address) for ix in written.get("instructions", [])}
        self._arg_names = {snake(ix.name): [snake(arg.name) for arg in ix.args] for ix in self.idl.instructions}
        self._errors = {error.code: (error.name, error.msg or error.name) for error in self.idl.errors or []}

    @classmethod
    def from_file(cls, path: Path, program_id: Pubkey | None = None) -> ProgramIdl:
        return cls(path.read_text(), program_id)

    @classmethod
    def for_program(cls, repo_root: Path, program_name: str) -> ProgramIdl:
        """idl/<program>.json of a workspace (written by the programs' build)."""
        return cls.in_dir(repo_root / "idl", program_name)

    @classmethod
    def installed(cls, program_name: str) -> ProgramIdl:
        """<program>.json of the IDLs installed with the package."""
        return cls.in_dir(default_idl_dir(), program_name)

    @classmethod
    def in_dir(cls, idl_dir: Path, program_name: str) -> ProgramIdl:
        """<program>.json of `idl_dir`."""
        path = idl_dir / f"{program_name}.json"
        if not path.is_file():
            raise FileNotFoundError(f"no IDL for {program_name}: IDL {path} missing (build the programs first)")
        return cls.from_file(path)

    @property
    def name(self) -> str:
        return self.idl.name

    @property
    def instruction_names(self) -> list[str]:
        return sorted(self._account_slots)

    # --- instructions ---------------------------------------------------------------------

    def instruction(
        self,
        name: str,
        args: Mapping[str, Any],
        accounts: Mapping[str, Any],
        remaining_accounts: Sequence[AccountMeta] = (),
    ) -> Instruction:
        """An instruction of this program. `accounts` maps snake_case names to Pubkeys
        (nested groups as nested mappings); accounts with a fixed address, or a PDA of constant
        seeds, may be omitted."""
        key = snake(name)
        if key not in self._account_slots:
            raise IdlError(f"{self.name} has no instruction {name!r} (has: {', '.join(self.instruction_names)})")
        expected_args = self._arg_names[key]
        given_args = {snake(arg): value for arg, value in args.items()}
        if set(given_args) != set(expected_args):
            raise IdlError(f"{name} takes arguments {expected_args}, got {sorted(given_args)}")
        metas = [self._account_meta(name, slot, accounts) for slot in self._account_slots[key]]
        try:
            data = self.coder.instruction.encode(key, {arg: given_args[arg] for arg in expected_args})
        except Exception as error:  # construct raises many error types for a value that does not fit
            raise IdlError(f"cannot encode arguments of {name}: {error}") from error
        return Instruction(self.program_id, data, [*metas, *remaining_accounts])

    def _account_meta(self, instruction: str, slot: _AccountSlot, accounts: Mapping[str, Any]) -> AccountMeta:
        value: Any = accounts
        for part in slot.path:
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is None:
            value = slot.address
        if value is None and slot.pda is not None:
            value = self._account_pda(slot.pda, accounts)
        if value is None and slot.optional:
            # Anchor encodes an absent optional account as the program id itself.
            return AccountMeta(self.program_id, is_signer=False, is_writable=False)
        if not isinstance(value, Pubkey):
            raise IdlError(f"{instruction}: account {'.'.join(slot.path)!r} not given")
        return AccountMeta(value, is_signer=slot.signer, is_writable=slot.writable)

    def _account_pda(self, pda: Mapping[str, Any], accounts: Mapping[str, Any]) -> Pubkey | None:
        """A PDA whose seeds are constants and other accounts given to the instruction (e.g.
        escrow's `[RENTER, renter]`); None when a seed is anything else or not given."""
        parts: list[bytes] = []
        for seed in pda["seeds"]:
            if seed.get("kind") == "const":
                parts.append(bytes(seed["value"]))
            elif seed.get("kind") == "account" and "." not in seed.get("path", "."):
                key = accounts.get(snake(seed["path"]))
                if not isinstance(key, Pubkey):
                    return None
                parts.append(bytes(key))
            else:
                return None
        program = pda.get("program")
        if program is not None and program.get("kind") != "const":
            return None
        owner = Pubkey.from_bytes(bytes(program["value"])) if program is not None else self.program_id
        return Pubkey.find_program_address(parts, owner)[0]

    def instruction_discriminator(self, name: str) -> bytes:
        return self.coder.instruction.sighashes[snake(name)]

    # --- accounts ---------------------------------------------------------------------------

    def account_discriminator(self, account_name: str) -> bytes:
        """The 8 bytes every account of this type starts with (for getProgramAccounts memcmp)."""
        try:
            return self.coder.accounts.acc_name_to_discriminator[account_name]
        except KeyError:
            raise IdlError(f"{self.name} has no account type {account_name!r}") from None

    def account_name(self, data: bytes) -> str:
        """The account type `data` is (by its discriminator)."""
        name = self.coder.accounts.discriminator_to_acc_name.get(bytes(data[: self.coder.accounts.discriminator_size]))
        if name is None:
            raise IdlError(f"data does not start with the discriminator of any {self.name} account")
        return str(name)

    def layout(self, account_name: str) -> AccountLayout:
        """Offsets and readers of an account type (made once)."""
        layout = self._layouts.get(account_name)
        if layout is None:
            self.account_discriminator(account_name)  # an account type, not any type
            try:
                layout = self._layouts[account_name] = AccountLayout(self.raw, account_name)
            except UnsupportedType as error:
                raise IdlError(f"cannot decode {account_name}: {error}") from None
        return layout

    def decode_account(self, data: bytes) -> DecodedAccount:
        name = self.account_name(data)
        return DecodedAccount(name, self._decode(name, data))

    def decode_account_as(self, account_name: str, data: bytes) -> Record:
        name = self.account_name(data)
        if name != account_name:
            raise IdlError(f"expected a {account_name} account, found a {name}")
        return self._decode(name, data)

    def account_json(self, account_name: str, data: bytes) -> dict[str, Any]:
        """An account of type `account_name` as the explorer shows it (addresses base58, hashes hex)."""
        name = self.account_name(data)
        if name != account_name:
            raise IdlError(f"expected a {account_name} account, found a {name}")
        try:
            return self.layout(name).to_json(data)
        except (struct.error, IndexError, ValueError) as error:  # truncated, or not UTF-8 where a string is
            raise IdlError(f"cannot decode {name}: {error}") from error

    def _decode(self, name: str, data: bytes) -> Record:
        try:
            return self.layout(name).decode(data)
        except (struct.error, IndexError, ValueError) as error:  # truncated, or not UTF-8 where a string is
            raise IdlError(f"cannot decode {name}: {error}") from error

    # --- events and errors ------------------------------------------------------------------

    def decode_events(self, logs: Sequence[str]) -> list[DecodedEvent]:
        """Events of this program found in a transaction's logs (other data lines are skipped)."""
        events: list[DecodedEvent] = []
        for line in logs:
            if not line.startswith(EVENT_LOG_PREFIX):
                continue
            try:
                payload = base64.b64decode(line[len(EVENT_LOG_PREFIX) :], validate=True)
            except binascii.Error:
                continue
            if bytes(payload[:8]) not in self.coder.events.discriminators:
                continue  # another program's event, or return data
            event = self.coder.events.parse(payload)
            events.append(DecodedEvent(event.name, event.data))
        return events

    def error(self, code: int) -> tuple[str, str] | None:
        """(name, message) of a custom program error code, e.g. 6000 -> ("Overflow", "...")."""
        return self._errors.get(code)
