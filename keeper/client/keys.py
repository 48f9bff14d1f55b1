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


def write_keypair(path: Path, keypair: Keypair) -> None:
    """Writes `keypair` in the Solana CLI format, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(list(bytes(keypair))))
    path.chmod(0o600)


def load_or_create_keypair(path: Path) -> Keypair:
    """The keypair in `path`, made (and written there) if the file does not exist yet."""
    if path.is_file():
        return load_keypair(path)
    keypair = Keypair()
    write_keypair(path, keypair)
    return keypair
