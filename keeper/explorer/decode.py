"""Accounts decoded straight into the explorer's JSON, compiled from the IDL's type definitions.

The IDL coder (anchorpy, on `construct`) takes ~140 us an account; a table of 10,000 nodes
ordered by stake is decoded whole on each refresh, so that is over a second. These readers do
the same work with `struct.unpack_from` (~10 us) for the shapes our accounts use: integers,
bool, pubkey, string, byte arrays, field-less enums and nested structs of those. Anything else
raises `UnsupportedType` when the reader is built (callers then use the IDL coder);
tests/explorer/test_explorer_units.py checks the output equals the IDL coder's + `to_json`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from solders.pubkey import Pubkey

from keeper.explorer.tables import HEX_ARRAY_LENGTHS, HIDDEN_FIELD_PREFIXES

# A field reader: (data, offset) -> (JSON value, next offset)
Reader = Callable[[bytes, int], tuple[Any, int]]

_INTEGERS = {"u8": "<B", "i8": "<b", "u16": "<H", "i16": "<h", "u32": "<I", "i32": "<i", "u64": "<Q", "i64": "<q"}


class UnsupportedType(ValueError):
    """The IDL uses a shape these readers do not cover."""


def _integer(fmt: str) -> Reader:
    size = struct.calcsize(fmt)
    unpack = struct.Struct(fmt).unpack_from
    return lambda data, at: (unpack(data, at)[0], at + size)


def _wide(signed: bool) -> Reader:
    return lambda data, at: (int.from_bytes(data[at : at + 16], "little", signed=signed), at + 16)


def _bool(data: bytes, at: int) -> tuple[Any, int]:
    return data[at] != 0, at + 1


def _pubkey(data: bytes, at: int) -> tuple[Any, int]:
    return str(Pubkey.from_bytes(data[at : at + 32])), at + 32


def _string(data: bytes, at: int) -> tuple[Any, int]:
    (length,) = struct.unpack_from("<I", data, at)
    return data[at + 4 : at + 4 + length].decode(), at + 4 + length


def _reader(ty: Any, types: dict[str, Any]) -> Reader:
    if isinstance(ty, str):
        if ty in _INTEGERS:
            return _integer(_INTEGERS[ty])
        if ty in ("u128", "i128"):
            return _wide(ty == "i128")
        if ty == "bool":
            return _bool
        if ty == "pubkey":
            return _pubkey
        if ty == "string":
            return _string
    elif "array" in ty and ty["array"][0] == "u8":
        length = ty["array"][1]
        # Byte arrays show as `tables.to_json` shows them.
        return lambda data, at: (data[at : at + length].hex() if length in HEX_ARRAY_LENGTHS else list(data[at : at + length]), at + length)
    elif "array" in ty:
        element, count = _reader(ty["array"][0], types), ty["array"][1]

        def read_array(data: bytes, at: int) -> tuple[Any, int]:
            items = []
            for _ in range(count):
                item, at = element(data, at)
                items.append(item)
            return items, at

        return read_array
    elif "defined" in ty:
        definition = types[ty["defined"]["name"]]
        if definition["kind"] == "enum" and all("fields" not in variant for variant in definition["variants"]):
            names = [variant["name"] for variant in definition["variants"]]
            return lambda data, at: (names[data[at]], at + 1)
        if definition["kind"] == "struct":
            return _struct(definition["fields"], types)
    raise UnsupportedType(f"no fast reader for {ty!r}")


def _struct(fields: list[dict[str, Any]], types: dict[str, Any]) -> Reader:
    # Hidden fields (`_reserved`) are still read past, but not shown.
    readers = [(field["name"], field["name"].startswith(HIDDEN_FIELD_PREFIXES), _reader(field["type"], types)) for field in fields]

    def read(data: bytes, at: int) -> tuple[Any, int]:
        out: dict[str, Any] = {}
        for name, hidden, reader in readers:
            value, at = reader(data, at)
            if not hidden:
                out[name] = value
        return out, at

    return read


def account_reader(idl_json: dict[str, Any], account: str) -> Callable[[bytes], dict[str, Any]]:
    """A decoder of `account`'s data (discriminator included) into the explorer's JSON fields."""
    types = {item["name"]: item["type"] for item in idl_json.get("types", [])}
    read = _struct(types[account]["fields"], types)
    return lambda data: read(data, 8)[0]
