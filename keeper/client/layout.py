"""The SDK's one account decoder: readers compiled from the IDL's type definitions.

anchorpy's IDL coder (on `construct`) takes ~140 us an account; the explorer decodes a table of
10,000 nodes whole on each refresh, and the keeper scans every job it settles. These readers
do the same work with `struct.unpack_from` (~10 us) for the shapes our accounts use: integers,
bool, pubkey, string, arrays, field-less enums and nested structs of those. Anything else
raises `UnsupportedType` when a reader is built. tests/test_account_decoder.py checks the
result equals the IDL coder's on every account a chain with every instruction run holds.

A reader gives either Python values (`decode`: Pubkeys, `list[int]` byte arrays as anchorpy
gives them, an enum as its variant's name, structs as `Record`s) or the explorer's JSON
(`to_json`: addresses base58, hashes hex). Padding (`_reserved`, `_padding`) is skipped in both.
`AccountLayout` also knows the byte offset of each leading fixed-size field, for memcmp
filters and data slices.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from solders.pubkey import Pubkey

# Fields named with this prefix are padding (`_reserved`, zero-copy layouts' `_padding`); byte
# arrays of these lengths (hashes, roots, signatures) show as hex.
HIDDEN_FIELD_PREFIXES = ("_",)
HEX_ARRAY_LENGTHS = (32, 64)
DISCRIMINATOR_SIZE = 8

# A field reader: (data, offset) -> (value, next offset)
Reader = Callable[[bytes, int], tuple[Any, int]]

_INTEGERS = {"u8": "<B", "i8": "<b", "u16": "<H", "i16": "<h", "u32": "<I", "i32": "<i", "u64": "<Q", "i64": "<q"}
_FIXED_SIZES = {"u8": 1, "i8": 1, "bool": 1, "u16": 2, "i16": 2, "u32": 4, "i32": 4, "u64": 8, "i64": 8, "u128": 16, "i128": 16, "pubkey": 32}


class UnsupportedType(ValueError):
    """The IDL uses a shape these readers do not cover."""


class LayoutError(ValueError):
    """An account field is not at a fixed offset (it follows a variable-length field)."""


class Record(dict[str, Any]):
    """A decoded struct: its fields by name, also as attributes (`job.renter`)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class _Leaves:
    """How the leaves of a decoded value are shown: as Python values or as JSON."""

    pubkey: Reader
    byte_array: Callable[[int], Reader]
    record: Callable[[], dict[str, Any]]


def _integer(fmt: str) -> Reader:
    size = struct.calcsize(fmt)
    unpack = struct.Struct(fmt).unpack_from
    return lambda data, at: (unpack(data, at)[0], at + size)


def _wide(signed: bool) -> Reader:
    return lambda data, at: (int.from_bytes(data[at : at + 16], "little", signed=signed), at + 16)


def _bool(data: bytes, at: int) -> tuple[Any, int]:
    return data[at] != 0, at + 1


def _string(data: bytes, at: int) -> tuple[Any, int]:
    (length,) = struct.unpack_from("<I", data, at)
    return _take(data, at + 4, length).decode(), at + 4 + length


def _take(data: bytes, at: int, length: int) -> bytes:
    if at + length > len(data):
        raise struct.error(f"{length} bytes at offset {at} run past the account's end ({len(data)} bytes)")
    return data[at : at + length]


def _pubkey_value(data: bytes, at: int) -> tuple[Any, int]:
    return Pubkey.from_bytes(_take(data, at, 32)), at + 32


def _pubkey_text(data: bytes, at: int) -> tuple[Any, int]:
    return str(Pubkey.from_bytes(_take(data, at, 32))), at + 32


def _bytes_as_list(length: int) -> Reader:
    return lambda data, at: (list(_take(data, at, length)), at + length)


def _bytes_as_json(length: int) -> Reader:
    if length in HEX_ARRAY_LENGTHS:
        return lambda data, at: (_take(data, at, length).hex(), at + length)
    return _bytes_as_list(length)


NATIVE = _Leaves(_pubkey_value, _bytes_as_list, Record)
JSON = _Leaves(_pubkey_text, _bytes_as_json, dict)


def _reader(ty: Any, types: Mapping[str, Any], leaves: _Leaves) -> Reader:
    if isinstance(ty, str):
        if ty in _INTEGERS:
            return _integer(_INTEGERS[ty])
        if ty in ("u128", "i128"):
            return _wide(ty == "i128")
        if ty == "bool":
            return _bool
        if ty == "pubkey":
            return leaves.pubkey
        if ty == "string":
            return _string
    elif "array" in ty and ty["array"][0] == "u8":
        return leaves.byte_array(ty["array"][1])
    elif "array" in ty:
        element, count = _reader(ty["array"][0], types, leaves), ty["array"][1]

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
            return _struct(definition["fields"], types, leaves)
    raise UnsupportedType(f"no reader for {ty!r}")


def _struct(fields: list[dict[str, Any]], types: Mapping[str, Any], leaves: _Leaves) -> Reader:
    # Hidden fields (`_reserved`) are read past, not shown.
    readers = [(field["name"], field["name"].startswith(HIDDEN_FIELD_PREFIXES), _reader(field["type"], types, leaves)) for field in fields]
    make = leaves.record

    def read(data: bytes, at: int) -> tuple[Any, int]:
        out = make()
        for name, hidden, reader in readers:
            value, at = reader(data, at)
            if not hidden:
                out[name] = value
        return out, at

    return read


def _size(ty: Any, types: Mapping[str, Any]) -> int | None:
    """Bytes of a fixed-size type; None for a variable-length one (string, vec, option)."""
    if isinstance(ty, str):
        return _FIXED_SIZES.get(ty)
    if "array" in ty:
        inner, length = ty["array"]
        inner_size = _size(inner, types)
        return None if inner_size is None else inner_size * length
    if "defined" in ty:
        definition = types[ty["defined"]["name"]]
        if definition["kind"] == "enum" and all("fields" not in variant for variant in definition["variants"]):
            return 1
        if definition["kind"] == "struct":
            sizes = [_size(field["type"], types) for field in definition["fields"]]
            return None if any(size is None for size in sizes) else sum(size for size in sizes if size is not None)
    return None


def idl_types(idl_json: Mapping[str, Any]) -> dict[str, Any]:
    """The IDL's type definitions by name."""
    return {item["name"]: item["type"] for item in idl_json.get("types", [])}


class AccountLayout:
    """One account type of an IDL: the offsets of its leading fixed-size fields and its readers."""

    def __init__(self, idl_json: Mapping[str, Any], account: str) -> None:
        types = idl_types(idl_json)
        if account not in types:
            raise LayoutError(f"the IDL defines no type {account!r}")
        self.name = account
        self.fields: list[dict[str, Any]] = list(types[account]["fields"])
        self.offsets: dict[str, tuple[int, int]] = {}
        position = DISCRIMINATOR_SIZE
        for field in self.fields:
            size = _size(field["type"], types)
            if size is None:
                break
            self.offsets[field["name"]] = (position, size)
            position += size
        # Built now, so an unsupported shape is reported when the layout is made.
        self._native = _struct(self.fields, types, NATIVE)
        self._json = _struct(self.fields, types, JSON)

    # --- fixed offsets ------------------------------------------------------------------------

    def offset(self, field: str) -> int:
        if field not in self.offsets:
            raise LayoutError(f"field {field} has no fixed offset")
        return self.offsets[field][0]

    def field_type(self, field: str) -> str:
        return next(str(item["type"]) for item in self.fields if item["name"] == field)

    def read(self, data: bytes, field: str, fmt: str) -> Any:
        return struct.unpack_from(fmt, data, self.offset(field))[0]

    def pubkey(self, data: bytes, field: str) -> Pubkey:
        start = self.offset(field)
        return Pubkey.from_bytes(data[start : start + 32])

    # --- whole accounts -----------------------------------------------------------------------

    def decode(self, data: bytes) -> Record:
        """The account's fields (after the discriminator) as Python values."""
        record: Record = self._native(data, DISCRIMINATOR_SIZE)[0]
        return record

    def to_json(self, data: bytes) -> dict[str, Any]:
        """The account's fields as the explorer shows them."""
        fields: dict[str, Any] = self._json(data, DISCRIMINATOR_SIZE)[0]
        return fields
