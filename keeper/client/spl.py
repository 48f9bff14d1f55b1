"""The SPL Token accounts the protocol holds and reads: program ids, sizes and the fields read
in place (defined here once; the programs' vaults and every wallet's token accounts are these)."""

from __future__ import annotations

import functools
import struct
from typing import Final

from solders.pubkey import Pubkey

TOKEN_PROGRAM_ID: Final = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
ASSOCIATED_TOKEN_PROGRAM_ID: Final = Pubkey.from_string("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL")

# spl_token::state::Mint::LEN and Account::LEN.
MINT_SIZE: Final = 82
TOKEN_ACCOUNT_SIZE: Final = 165
# Mint: mint_authority (COption<Pubkey>, 36 bytes), then the supply (u64).
MINT_SUPPLY_OFFSET: Final = 36
# Account: mint, owner (32 bytes each), then the amount (u64).
TOKEN_AMOUNT_OFFSET: Final = 64


def associated_token_address(owner: Pubkey, mint: Pubkey) -> Pubkey:
    """`owner`'s associated token account for `mint`."""
    return Pubkey.find_program_address([bytes(owner), bytes(TOKEN_PROGRAM_ID), bytes(mint)], ASSOCIATED_TOKEN_PROGRAM_ID)[0]


@functools.lru_cache(maxsize=1 << 16)
def token_account_of(owner: Pubkey, mint: Pubkey) -> Pubkey:
    """`associated_token_address`, remembered: a settlement scan derives the same few
    operators' / renters' / the treasury's accounts for every job (a derivation is ~15 us)."""
    return associated_token_address(owner, mint)


def token_amount(data: bytes) -> int:
    """The balance held by a token account, from its data."""
    return int(struct.unpack_from("<Q", data, TOKEN_AMOUNT_OFFSET)[0])


def mint_supply(data: bytes) -> int:
    """A mint's supply, from its data."""
    return int(struct.unpack_from("<Q", data, MINT_SUPPLY_OFFSET)[0])
