"""Keypair files in the Solana CLI's format (a JSON array of the 64 secret-key bytes)."""

from __future__ import annotations

import json
from pathlib import Path

from solders.keypair import Keypair

DEFAULT_KEYPAIR = Path("~/.config/solana/id.json")


class KeypairError(ValueError):
    """A keypair file that is missing, unreadable, or not a keypair (message is user-facing)."""


def load_keypair(path: Path) -> Keypair:
    path = path.expanduser()
    if not path.is_file():
        raise KeypairError(f"keypair {path} does not exist (solana-keygen new -o {path} makes one)")
    try:
        return Keypair.from_bytes(bytes(json.loads(path.read_text())))
    except (ValueError, TypeError) as error:
        raise KeypairError(f"keypair {path} is not a Solana CLI keypair file: {error}") from None

