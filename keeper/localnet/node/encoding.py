"""Solana RPC wire formats: accounts, token amounts, transactions and their metadata."""

from __future__ import annotations

import base64
from typing import Any, Final

import based58
from solders.account import Account
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction

from keeper.localnet.node.errors import UNSUPPORTED_TRANSACTION_VERSION, RpcError, invalid_param, transaction_error_json
from keeper.localnet.node.params import DataSlice
from keeper.localnet.node.parsed import AccountLookup, parse_account
from keeper.localnet.node.parsed import ui_token_amount as ui_token_amount
from keeper.localnet.node.records import TransactionRecord
from keeper.localnet.node.runtime import agave_version

API_VERSION: Final = agave_version()
TOKEN_PROGRAM_ID: Final = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
TOKEN_2022_PROGRAM_ID: Final = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
TOKEN_PROGRAMS: Final = (TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID)
# SPL Token layouts (Token-2022 accounts share the base layout and append extensions).
TOKEN_ACCOUNT_LEN: Final = 165
MINT_LEN: Final = 82
# Agave refuses base58 for account data above this size (base58 is quadratic).
MAX_BASE58_BYTES: Final = 128


def context(slot: int) -> dict[str, Any]:
    return {"slot": slot, "apiVersion": API_VERSION}


def with_context(slot: int, value: Any) -> dict[str, Any]:
    return {"context": context(slot), "value": value}


def b58(data: bytes) -> str:
    return based58.b58encode(data).decode()


def encode_account(
    account: Account, encoding: str | None, data_slice: DataSlice | None, data: bytes | None = None, *, lookup: AccountLookup | None = None
) -> dict[str, Any]:
    """`data`: the account's data when the caller has already copied it out of LiteSVM;
    `lookup`: how jsonParsed reads other accounts (a token account's mint)."""
    data = bytes(account.data) if data is None else data
    space = len(data)
    encoding = encoding or "base64"
    if encoding == "jsonParsed":
        parsed = parse_account(account, data, lookup or (lambda _: None))
        if parsed is not None:
            return _account_json(account, parsed, space)
        encoding = "base64"  # no parser for this account: Agave falls back to base64
    if data_slice is not None:
        data = data[data_slice.offset : data_slice.offset + data_slice.length]
    if encoding in ("base58", "binary"):
        if len(data) > MAX_BASE58_BYTES:
            raise invalid_param(f"encoded binary (base 58) data should be less than {MAX_BASE58_BYTES} bytes, please use Base64 encoding.")
        encoded: Any = b58(data) if encoding == "binary" else [b58(data), "base58"]
    elif encoding == "base64":
        encoded = [base64.b64encode(data).decode(), "base64"]
    else:
        # base64+zstd needs a zstd codec the chain environment does not have.
        raise invalid_param(f"encoding {encoding!r} is not supported by this localnet; use base64")
    return _account_json(account, encoded, space)


def _account_json(account: Account, encoded: Any, space: int) -> dict[str, Any]:
    return {
        "data": encoded,
        "executable": account.executable,
        "lamports": account.lamports,
        "owner": str(account.owner),
        "rentEpoch": account.rent_epoch,
        "space": space,
    }


def is_token_account(account: Account) -> bool:
    return (
        account.owner in TOKEN_PROGRAMS
        and len(account.data) >= TOKEN_ACCOUNT_LEN
        and (len(account.data) == TOKEN_ACCOUNT_LEN or account.owner == TOKEN_2022_PROGRAM_ID)
    )


def is_mint(account: Account) -> bool:
    return account.owner in TOKEN_PROGRAMS and (
        len(account.data) == MINT_LEN or (account.owner == TOKEN_2022_PROGRAM_ID and len(account.data) > TOKEN_ACCOUNT_LEN)
    )


def token_account_mint_and_amount(account: Account) -> tuple[Pubkey, int]:
    data = bytes(account.data)
    return Pubkey.from_bytes(data[0:32]), int.from_bytes(data[64:72], "little")


def mint_supply_and_decimals(account: Account) -> tuple[int, int]:
    data = bytes(account.data)
    return int.from_bytes(data[36:44], "little"), data[44]


def _compiled_instruction(instruction: Any, stack_height: int | None) -> dict[str, Any]:
    return {
        "programIdIndex": instruction.program_id_index,
        "accounts": list(bytes(instruction.accounts)),
        "data": b58(bytes(instruction.data)),
        "stackHeight": stack_height,
    }


def _json_transaction(transaction: VersionedTransaction) -> dict[str, Any]:
    message = transaction.message
    header = message.header
    encoded_message: dict[str, Any] = {
        "header": {
            "numRequiredSignatures": header.num_required_signatures,
            "numReadonlySignedAccounts": header.num_readonly_signed_accounts,
            "numReadonlyUnsignedAccounts": header.num_readonly_unsigned_accounts,
        },
        "accountKeys": [str(key) for key in message.account_keys],
        "recentBlockhash": str(message.recent_blockhash),
        "instructions": [_compiled_instruction(ix, 1) for ix in message.instructions],
    }
    if isinstance(message, MessageV0):
        encoded_message["addressTableLookups"] = [
            {
                "accountKey": str(lookup.account_key),
                "writableIndexes": list(bytes(lookup.writable_indexes)),
                "readonlyIndexes": list(bytes(lookup.readonly_indexes)),
            }
            for lookup in message.address_table_lookups
        ]
    return {"signatures": [str(signature) for signature in transaction.signatures], "message": encoded_message}


def encode_transaction(transaction: VersionedTransaction, encoding: str) -> Any:
    if encoding == "base64":
        return [base64.b64encode(bytes(transaction)).decode(), "base64"]
    if encoding in ("base58", "binary"):
        return [b58(bytes(transaction)), "base58"]
    if encoding == "json":
        return _json_transaction(transaction)
    raise invalid_param(f"transaction encoding {encoding!r} is not supported by this localnet; use json or base64")


def signature_info(record: TransactionRecord) -> dict[str, Any]:
    """One getSignaturesForAddress item."""
    return {
        "signature": str(record.result.signature),
        "slot": record.slot,
        "err": transaction_error_json(record.result.err),
        # Agave fills this from SPL Memo instructions; this localnet does not parse them.
        "memo": None,
        "blockTime": record.block_time,
        # Nothing on this chain is ever rolled back (as in getSignatureStatuses).
        "confirmationStatus": "finalized",
    }


def transaction_meta(record: TransactionRecord) -> dict[str, Any]:
    result = record.result
    err = transaction_error_json(result.err)
    static_count = len(record.transaction.message.account_keys)
    loaded = record.account_keys[static_count:]
    writable_loaded = sum(len(bytes(lookup.writable_indexes)) for lookup in getattr(record.transaction.message, "address_table_lookups", []))
    return {
        "err": err,
        "status": {"Ok": None} if err is None else {"Err": err},
        "fee": record.fee,
        "preBalances": record.pre_balances,
        "postBalances": record.post_balances,
        "innerInstructions": [
            {"index": index, "instructions": [_compiled_instruction(inner.instruction(), inner.stack_height()) for inner in inners]}
            for index, inners in enumerate(result.inner_instructions)
            if inners
        ],
        "logMessages": result.logs,
        # Token balance snapshots are not recorded by this localnet.
        "preTokenBalances": [],
        "postTokenBalances": [],
        "rewards": [],
        "loadedAddresses": {
            "writable": [str(key) for key in loaded[:writable_loaded]],
            "readonly": [str(key) for key in loaded[writable_loaded:]],
        },
        "returnData": None
        if result.return_program is None
        else {"programId": str(result.return_program), "data": [base64.b64encode(result.return_data).decode(), "base64"]},
        "computeUnitsConsumed": result.compute_units_consumed,
    }


def versioned_transaction_json(record: TransactionRecord, encoding: str, max_supported_version: int | None) -> dict[str, Any]:
    """{transaction, meta[, version]} as getTransaction and getBlock write one transaction;
    a v0 transaction needs the client to say it can read it, as on a validator."""
    version = record.transaction.version()
    is_legacy = not isinstance(version, int)
    if isinstance(version, int) and (max_supported_version is None or version > max_supported_version):
        raise RpcError(
            UNSUPPORTED_TRANSACTION_VERSION,
            f"Transaction version ({version}) is not supported by the requesting client. Please try the request "
            'again with the following configuration parameter: "maxSupportedTransactionVersion": 0',
        )
    value: dict[str, Any] = {"transaction": encode_transaction(record.transaction, encoding), "meta": transaction_meta(record)}
    if max_supported_version is not None:
        value["version"] = "legacy" if is_legacy else version
    return value
