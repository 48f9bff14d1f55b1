"""anchorpy's IDL coder as the reference the SDK's account decoder is checked against: its
output in the explorer's JSON (`to_json`) and as plain values (`plain`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from solders.pubkey import Pubkey

from keeper.client.layout import HEX_ARRAY_LENGTHS

# anchorpy names the IDL's padding fields (`_reserved`, `_padding`) without their underscore.
PADDING = ("reserved", "padding")


def _hidden(name: str) -> bool:
    return name.startswith("_") or name in PADDING


def to_json(value: Any) -> Any:
    """Plain JSON from values decoded by anchorpy: addresses base58, 32- and 64-byte arrays hex,
    enums by name, padding left out."""
    if isinstance(value, Pubkey):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, list):
        if len(value) in HEX_ARRAY_LENGTHS and all(isinstance(item, int) and 0 <= item < 256 for item in value):
            return bytes(value).hex()
        return [to_json(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value) if not _hidden(f.name)}
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items() if not _hidden(str(key))}
    if isinstance(value, (int, str, bool, float)) or value is None:
        return value
    return type(value).__name__  # anchorpy enums are sumtype instances: the variant's name


def plain(value: Any) -> Any:
    """A decoded value with the decoders' representation differences taken out: structs as
    dicts without padding, an anchorpy enum variant as its name (Pubkeys stay Pubkeys)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value) if not _hidden(f.name)}
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items() if not _hidden(str(key))}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if value is None or isinstance(value, (int, str, bool, bytes, Pubkey)):
        return value
    return type(value).__name__
