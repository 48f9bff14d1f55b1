"""`jsonParsed` account data for the accounts this localnet knows how to read: SPL Token
(and Token-2022 base) accounts and mints, and system nonce accounts. Anything else falls back
to base64, as Agave does when it has no parser for an account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from solders.account import Account
from solders.hash import Hash
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID

MINT_LEN: Final = 82
TOKEN_ACCOUNT_LEN: Final = 165
NONCE_LEN: Final = 80
TOKEN_PROGRAM_ID: Final = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
TOKEN_2022_PROGRAM_ID: Final = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
_PROGRAM_NAMES: Final = {TOKEN_PROGRAM_ID: "spl-token", TOKEN_2022_PROGRAM_ID: "spl-token-2022"}
_ACCOUNT_STATES: Final = ("uninitialized", "initialized", "frozen")

AccountLookup = Callable[[Pubkey], Account | None]


def ui_token_amount(amount: int, decimals: int) -> dict[str, Any]:
    if decimals:
        digits = str(amount).rjust(decimals + 1, "0")
        whole, fraction = digits[:-decimals], digits[-decimals:].rstrip("0")
        amount_string = f"{whole}.{fraction}" if fraction else whole
    else:
        amount_string = str(amount)
    return {"amount": str(amount), "decimals": decimals, "uiAmount": amount / 10**decimals, "uiAmountString": amount_string}


def _option_pubkey(data: bytes, offset: int) -> str | None:
    """A COption<Pubkey>: a 4-byte tag, then the key."""
    return str(Pubkey.from_bytes(data[offset + 4 : offset + 36])) if data[offset] else None


def parse_mint(data: bytes) -> dict[str, Any]:
    return {
        "mintAuthority": _option_pubkey(data, 0),
        "supply": str(int.from_bytes(data[36:44], "little")),
        "decimals": data[44],
        "isInitialized": bool(data[45]),
        "freezeAuthority": _option_pubkey(data, 46),
    }


def parse_token_account(data: bytes, decimals: int) -> dict[str, Any]:
    """Agave's UiTokenAccount, fields in its order; optional ones only when set."""
    info: dict[str, Any] = {
        "mint": str(Pubkey.from_bytes(data[0:32])),
        "owner": str(Pubkey.from_bytes(data[32:64])),
        "tokenAmount": ui_token_amount(int.from_bytes(data[64:72], "little"), decimals),
    }
    delegate = _option_pubkey(data, 72)
    if delegate is not None:
        info["delegate"] = delegate
    info["state"] = _ACCOUNT_STATES[data[108]] if data[108] < len(_ACCOUNT_STATES) else "uninitialized"
    is_native = bool(data[109])
    info["isNative"] = is_native
    if is_native:
        info["rentExemptReserve"] = ui_token_amount(int.from_bytes(data[113:121], "little"), decimals)
    if delegate is not None:
        info["delegatedAmount"] = ui_token_amount(int.from_bytes(data[121:129], "little"), decimals)
    close_authority = _option_pubkey(data, 129)
    if close_authority is not None:
        info["closeAuthority"] = close_authority
    return info


def _parse_nonce(data: bytes) -> dict[str, Any] | None:
    state = int.from_bytes(data[4:8], "little")
    if state == 0:
        return {"type": "uninitialized"}
    if state != 1:
        return None
    return {
        "type": "initialized",
        "info": {
            "authority": str(Pubkey.from_bytes(data[8:40])),
            "blockhash": str(Hash(data[40:72])),
            "feeCalculator": {"lamportsPerSignature": str(int.from_bytes(data[72:80], "little"))},
        },
    }


def parse_account(account: Account, data: bytes, lookup: AccountLookup) -> dict[str, Any] | None:
    """{program, parsed, space} for a readable account, None for anything else."""
    owner = account.owner
    if owner in _PROGRAM_NAMES:
        parsed = _parse_token(owner, data, lookup)
        return None if parsed is None else {"program": _PROGRAM_NAMES[owner], "parsed": parsed, "space": len(data)}
    if owner == SYSTEM_PROGRAM_ID and len(data) == NONCE_LEN:
        nonce = _parse_nonce(data)
        return None if nonce is None else {"program": "nonce", "parsed": nonce, "space": len(data)}
    return None


def _parse_token(owner: Pubkey, data: bytes, lookup: AccountLookup) -> dict[str, Any] | None:
    # Token-2022 accounts with extensions are longer, with their kind at byte 165 (1 mint, 2 account).
    extended_kind = data[TOKEN_ACCOUNT_LEN] if owner == TOKEN_2022_PROGRAM_ID and len(data) > TOKEN_ACCOUNT_LEN else None
    if len(data) == MINT_LEN or extended_kind == 1:
        return {"info": parse_mint(data), "type": "mint"}
    if len(data) == TOKEN_ACCOUNT_LEN or extended_kind == 2:
        # The amount's decimals live in the mint; Agave too refuses to parse without it.
        mint = lookup(Pubkey.from_bytes(data[0:32]))
        if mint is None or mint.owner != owner or len(mint.data) < MINT_LEN:
            return None
        return {"info": parse_token_account(data, bytes(mint.data)[44]), "type": "account"}
    return None
