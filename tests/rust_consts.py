"""Reads `pub const NAME: T = value;` items from the io-common Rust sources.

Only the expression forms io-common uses are understood — integer literals (with `_`),
`*`, `+`, `-`, `/` (integer division), parentheses, names of earlier constants, byte strings
`b"..."` and `pubkey!("...")`. Anything else raises, so a new form is noticed, not skipped.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from solders.pubkey import Pubkey

CONST_ITEM = re.compile(r"^\s*pub const ([A-Z][A-Z0-9_]*)\s*:\s*([^=]+?)\s*=\s*(.+?);", re.MULTILINE | re.DOTALL)
BYTE_STRING = re.compile(r'^b"([^"\\]*)"$')
PUBKEY_MACRO = re.compile(r'^pubkey!\("([1-9A-HJ-NP-Za-km-z]+)"\)$')
AS_CAST = re.compile(r"\s+as\s+[ui](?:8|16|32|64|128|size)\b")

RustValue = int | bytes | Pubkey


def _evaluate(node: ast.AST, known: dict[str, RustValue]) -> int:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, known)
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Name):
        value = known[node.id]
        if not isinstance(value, int):
            raise ValueError(f"{node.id} is not an integer constant")
        return value
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, known), _evaluate(node.right, known)
        operations = {ast.Mult: int.__mul__, ast.Add: int.__add__, ast.Sub: int.__sub__, ast.Div: int.__floordiv__}
        operation = operations.get(type(node.op))
        if operation is not None:
            return operation(left, right)
    raise ValueError(f"unsupported Rust constant expression: {ast.dump(node)}")


def parse_rust_constants(path: Path, known: dict[str, RustValue] | None = None) -> dict[str, RustValue]:
    """Constants declared in `path`, in order; `known` resolves names from other modules."""
    scope: dict[str, RustValue] = dict(known or {})
    found: dict[str, RustValue] = {}
    for name, _rust_type, expression in CONST_ITEM.findall(path.read_text()):
        expression = " ".join(expression.split())
        value: RustValue
        if match := BYTE_STRING.match(expression):
            value = match.group(1).encode()
        elif match := PUBKEY_MACRO.match(expression):
            value = Pubkey.from_string(match.group(1))
        else:
            value = _evaluate(ast.parse(AS_CAST.sub("", expression), mode="eval"), scope)
        scope[name] = found[name] = value
    return found


def parse_rust_constant(path: Path, name: str, known: dict[str, RustValue] | None = None) -> RustValue:
    """One `pub const NAME` of a Rust source (the others in it may use forms not understood here)."""
    for found, _rust_type, expression in CONST_ITEM.findall(path.read_text()):
        if found == name:
            expression = " ".join(expression.split())
            if match := BYTE_STRING.match(expression):
                return match.group(1).encode()
            if match := PUBKEY_MACRO.match(expression):
                return Pubkey.from_string(match.group(1))
            return _evaluate(ast.parse(AS_CAST.sub("", expression), mode="eval"), dict(known or {}))
    raise ValueError(f"no pub const {name} in {path}")


ENUM_ITEM = re.compile(r"pub enum (\w+)\s*\{(.*?)\n\}", re.DOTALL)
VARIANT = re.compile(r"^\s*([A-Z]\w*)\s*(?:[,({]|$)", re.MULTILINE)


def parse_rust_enum(path: Path, name: str) -> list[str]:
    """The variant names of `pub enum NAME` in declaration order (their Borsh ordinals);
    doc comments and attributes are skipped."""
    for found, body in ENUM_ITEM.findall(path.read_text()):
        if found == name:
            lines = [line for line in body.splitlines() if not line.strip().startswith(("//", "#"))]
            return VARIANT.findall("\n".join(lines))
    raise ValueError(f"no pub enum {name} in {path}")
