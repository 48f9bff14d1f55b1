"""JSON-RPC errors with the codes and messages an Agave validator uses."""

from __future__ import annotations

import json
from typing import Any, Final

from solders.rpc.responses import RpcSimulateTransactionResult
from solders.transaction_status import (
    InstructionErrorCustom,
    InstructionErrorFieldless,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
    TransactionErrorType,
)

PARSE_ERROR: Final = -32700
INVALID_REQUEST: Final = -32600
METHOD_NOT_FOUND: Final = -32601
INVALID_PARAMS: Final = -32602
INTERNAL_ERROR: Final = -32603
BLOCK_CLEANED_UP: Final = -32001
SEND_TRANSACTION_PREFLIGHT_FAILURE: Final = -32002
TRANSACTION_SIGNATURE_VERIFICATION_FAILURE: Final = -32003
BLOCK_NOT_AVAILABLE: Final = -32004
SLOT_SKIPPED: Final = -32007
UNSUPPORTED_TRANSACTION_VERSION: Final = -32015
MIN_CONTEXT_SLOT_NOT_REACHED: Final = -32016


class RpcError(Exception):
    """Raised by a handler; the server turns it into the response's `error` member."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_json(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


def invalid_params(detail: str) -> RpcError:
    return RpcError(INVALID_PARAMS, f"Invalid params: {detail}")


def invalid_param(detail: str) -> RpcError:
    # Agave's wording for a well-formed parameter with an unusable value.
    return RpcError(INVALID_PARAMS, f"Invalid param: {detail}")


def transaction_error_json(err: TransactionErrorType | None) -> Any:
    """The error as the RPC writes it, e.g. {"InstructionError": [0, {"Custom": 1}]}."""
    if err is None:
        return None
    # solders serialises errors only inside its response types; borrow one.
    return json.loads(RpcSimulateTransactionResult(err=err).to_json())["err"]


# solders' error enums are not hashable: a list of pairs instead of a dict.
_FIELDLESS_MESSAGES: Final = (
    (TransactionErrorFieldless.BlockhashNotFound, "Blockhash not found"),
    (TransactionErrorFieldless.AlreadyProcessed, "This transaction has already been processed"),
    (TransactionErrorFieldless.AccountNotFound, "Attempt to debit an account but found no record of a prior credit."),
    (TransactionErrorFieldless.InsufficientFundsForFee, "Insufficient funds for fee"),
    (TransactionErrorFieldless.SignatureFailure, "Transaction did not pass signature verification"),
)


def describe_transaction_error(err: TransactionErrorType) -> str:
    """Human text like a validator's (`Error processing Instruction 0: custom program error: 0x1`)."""
    if isinstance(err, TransactionErrorInstructionError):
        index, instruction_error = err.index, err.err
        if isinstance(instruction_error, InstructionErrorCustom):
            return f"Error processing Instruction {index}: custom program error: {instruction_error.code:#x}"
        if isinstance(instruction_error, InstructionErrorFieldless):
            return f"Error processing Instruction {index}: {_spaced(str(instruction_error).rsplit('.', 1)[-1])}"
        return f"Error processing Instruction {index}: {instruction_error}"
    for known, message in _FIELDLESS_MESSAGES:
        if err == known:
            return message
    return str(err)


def _spaced(camel: str) -> str:
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in camel).strip()
    return words[:1].upper() + words[1:] if words else camel
