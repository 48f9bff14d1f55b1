"""jsonParsed account data, from the account layouts (SPL Token, Token-2022, nonce)."""

from __future__ import annotations

from solders.account import Account
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID

from keeper.localnet.node.parsed import TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, parse_account


def option(key: Pubkey | None) -> bytes:
    return (b"\x01\x00\x00\x00" + bytes(key)) if key is not None else bytes(36)


def mint_data(decimals: int, supply: int, authority: Pubkey | None) -> bytes:
    return option(authority) + supply.to_bytes(8, "little") + bytes([decimals, 1]) + option(None)


def token_account_data(
    mint: Pubkey,
    owner: Pubkey,
    amount: int,
    *,
    delegate: Pubkey | None = None,
    native: int | None = None,
    delegated: int = 0,
    close_authority: Pubkey | None = None,
) -> bytes:
    native_option = (b"\x01\x00\x00\x00" + native.to_bytes(8, "little")) if native is not None else bytes(12)
    return (
        bytes(mint)
        + bytes(owner)
        + amount.to_bytes(8, "little")
        + option(delegate)
        + b"\x01"
        + native_option
        + delegated.to_bytes(8, "little")
        + option(close_authority)
    )


def test_token_account_with_every_optional_field() -> None:
    mint, owner, delegate, closer = (Pubkey.new_unique() for _ in range(4))
    mint_account = Account(10**9, mint_data(9, 5 * 10**9, owner), TOKEN_PROGRAM_ID)
    data = token_account_data(mint, owner, 1_234_500_000, delegate=delegate, native=2_039_280, delegated=10**9, close_authority=closer)
    assert len(data) == 165
    parsed = parse_account(Account(10**9, data, TOKEN_PROGRAM_ID), data, {mint: mint_account}.get)
    assert parsed == {
        "program": "spl-token",
        "parsed": {
            "info": {
                "mint": str(mint),
                "owner": str(owner),
                "tokenAmount": {"amount": "1234500000", "decimals": 9, "uiAmount": 1.2345, "uiAmountString": "1.2345"},
                "delegate": str(delegate),
                "state": "initialized",
                "isNative": True,
                "rentExemptReserve": {"amount": "2039280", "decimals": 9, "uiAmount": 0.00203928, "uiAmountString": "0.00203928"},
                "delegatedAmount": {"amount": "1000000000", "decimals": 9, "uiAmount": 1.0, "uiAmountString": "1"},
                "closeAuthority": str(closer),
            },
            "type": "account",
        },
        "space": 165,
    }
    # Without its mint the amount's decimals are unknown: not parsed (base64 instead).
    assert parse_account(Account(10**9, data, TOKEN_PROGRAM_ID), data, lambda _: None) is None


def test_token_2022_accounts_with_extensions() -> None:
    mint, owner = Pubkey.new_unique(), Pubkey.new_unique()
    extended_mint = mint_data(6, 42, None) + bytes(165 - 82) + b"\x01" + bytes(8)
    parsed_mint = parse_account(Account(10**9, extended_mint, TOKEN_2022_PROGRAM_ID), extended_mint, lambda _: None)
    assert parsed_mint is not None and parsed_mint["program"] == "spl-token-2022"
    assert parsed_mint["parsed"] == {
        "info": {"mintAuthority": None, "supply": "42", "decimals": 6, "isInitialized": True, "freezeAuthority": None},
        "type": "mint",
    }
    extended_account = token_account_data(mint, owner, 7) + b"\x02" + bytes(8)
    mints = {mint: Account(10**9, extended_mint, TOKEN_2022_PROGRAM_ID)}
    parsed = parse_account(Account(10**9, extended_account, TOKEN_2022_PROGRAM_ID), extended_account, mints.get)
    assert parsed is not None and parsed["parsed"]["type"] == "account" and parsed["space"] == len(extended_account)
    assert parsed["parsed"]["info"]["tokenAmount"]["uiAmountString"] == "0.000007"


def test_nonce_and_unknown_accounts() -> None:
    uninitialized = bytes(80)
    parsed = parse_account(Account(10**9, uninitialized, SYSTEM_PROGRAM_ID), uninitialized, lambda _: None)
    assert parsed == {"program": "nonce", "parsed": {"type": "uninitialized"}, "space": 80}
    assert parse_account(Account(10**9, b"", SYSTEM_PROGRAM_ID), b"", lambda _: None) is None
    other = bytes(165)
    assert parse_account(Account(10**9, other, Pubkey.new_unique()), other, lambda _: None) is None
