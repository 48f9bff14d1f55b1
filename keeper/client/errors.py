"""Why a transaction failed, named from the IDL of the program that failed.

Every Anchor program numbers its own errors from 6000, so an error code names nothing until
the program is known: escrow's 6003 and rewards' 6003 are different errors. The runtime's
error says which instruction failed (`InstructionError(index, Custom(code))`); that
instruction's program id picks the IDL. Anchor's own log line (`Error Code: Name. Error
Number: 6003. Error Message: ...`) names it too, when the logs are at hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from solders.pubkey import Pubkey

from keeper.client.idl import ProgramIdl

# Anchor logs a failure as "Program log: AnchorError ... Error Code: Name. Error Number: N. Error Message: text."
ANCHOR_ERROR = re.compile(r"Error Code: (\w+)\. Error Number: (\d+)\.(?: Error Message: (.*?)\.?)?$")
_CUSTOM = re.compile(r"InstructionError\(\s*(\d+),\s*Custom\(\s*(\d+)\s*\)\s*\)")
_INDEX = re.compile(r"InstructionError\(\s*(\d+),")


@dataclass(frozen=True)
class AnchorLogError:
    """An Anchor error as the failing program logged it."""

    name: str
    code: int
    message: str | None
    line: str  # the log line without its "Program log: " prefix


@dataclass(frozen=True)
class ProgramError:
    """A failed instruction's program and its error, as far as they are known."""

    instruction_index: int | None
    program_id: Pubkey | None
    code: int | None
    name: str | None
    message: str | None


def anchor_log_error(logs: Iterable[str]) -> AnchorLogError | None:
    """The first Anchor error line of a transaction's logs."""
    for line in logs:
        match = ANCHOR_ERROR.search(line)
        if match:
            return AnchorLogError(match.group(1), int(match.group(2)), match.group(3), line.split("Program log: ", 1)[-1])
    return None


def instruction_error(err: Any) -> tuple[int | None, int | None]:
    """(index of the failed instruction, its custom error code) of a runtime error: a solders
    `TransactionErrorInstructionError`, or its text as an RPC answer shows it."""
    index = getattr(err, "index", None)
    inner = getattr(err, "err", None)
    code = getattr(inner, "code", None)
    if isinstance(index, int):
        return index, code if isinstance(code, int) else None
    text = str(err)
    if match := _CUSTOM.search(text):
        return int(match.group(1)), int(match.group(2))
    if match := _INDEX.search(text):
        return int(match.group(1)), None
    return None, None


class ErrorTable:
    """The error tables of a set of programs, by program id."""

    def __init__(self, idls: Iterable[ProgramIdl]) -> None:
        self._idls = {idl.program_id: idl for idl in idls}

    def lookup(self, program_id: Pubkey, code: int) -> tuple[str, str] | None:
        """(name, message) of `program_id`'s error `code`; None for another program or an unknown code."""
        idl = self._idls.get(program_id)
        return None if idl is None else idl.error(code)

    def explain(self, err: Any, logs: Sequence[str] = (), program_ids: Sequence[Pubkey] = ()) -> ProgramError:
        """What failed: `program_ids` are the transaction's instructions' programs, in order."""
        index, code = instruction_error(err)
        program_id = program_ids[index] if index is not None and 0 <= index < len(program_ids) else None
        found = self.lookup(program_id, code) if program_id is not None and code is not None else None
        if found is not None:
            return ProgramError(index, program_id, code, found[0], found[1])
        logged = anchor_log_error(logs)
        if logged is not None:
            return ProgramError(index, program_id, logged.code, logged.name, logged.message)
        return ProgramError(index, program_id, code, None, None)

    def name(self, err: Any, logs: Sequence[str] = (), program_ids: Sequence[Pubkey] = ()) -> str | None:
        """The failed program's error name, when known."""
        return self.explain(err, logs, program_ids).name
