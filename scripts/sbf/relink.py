#!/usr/bin/env python3
"""Relink an upstream BPF relocatable object (from llc -march=bpfel) into an SBPF v0 program.

The Solana loader (anza-xyz/sbpf `elf.rs`) keeps only `.text`, `.rodata`, `.data.rel.ro` and
`.eh_frame`, rejects writable data, and maps the file so that the byte at file offset `o`
sits at 0x1_0000_0000 + o when every section has sh_addr == sh_offset. So this relinker:

- merges every `.text*` input section into one `.text` and every read-only data section
  (`.rodata*`, `.data.rel.ro*`) into one `.rodata`, keeping sh_addr == sh_offset;
- resolves every relocation now, to absolute addresses: `lddw` immediates, 64-bit
  pointers stored in read-only data (vtables, `fmt` tables, panic locations — the part
  other relinkers leave as zero), and calls (PC-relative immediates);
- leaves calls to undefined symbols (syscalls) at immediate -1 with a dynamic R_BPF_64_32
  relocation naming the syscall, which the loader turns into the syscall's hash;
- re-encodes `callx`: SBPF v0 reads the register number from the immediate field;
- refuses writable data (`.data`, `.bss`) with the names of the symbols that live there.

Usage: relink.py INPUT.o OUTPUT.so
"""

from __future__ import annotations

import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

MM_PROGRAM_START = 0x1_0000_0000

SHT_SYMTAB, SHT_STRTAB, SHT_NOBITS, SHT_REL, SHT_DYNSYM, SHT_DYNAMIC = 2, 3, 8, 9, 11, 6
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 0x1, 0x2, 0x4
STT_FUNC, STT_SECTION = 2, 3
R_BPF_64_64, R_BPF_64_ABS64, R_BPF_64_ABS32, R_BPF_64_NODYLD32, R_BPF_64_32 = 1, 2, 3, 4, 10
DT_NULL, DT_STRTAB, DT_SYMTAB, DT_STRSZ, DT_SYMENT, DT_REL, DT_RELSZ, DT_RELENT = 0, 5, 6, 10, 11, 17, 18, 19
OP_LDDW, OP_CALL, OP_CALLX = 0x18, 0x85, 0x8D
# llvm.trap becomes a call to __bpf_trap; on Solana that is the `abort` syscall.
SYSCALL_ALIASES = {"__bpf_trap": "abort"}


class RelinkError(RuntimeError):
    pass


@dataclass
class Section:
    index: int
    name: str
    type: int
    flags: int
    offset: int
    size: int
    link: int
    info: int
    align: int
    entsize: int
    data: bytes


@dataclass
class Symbol:
    name: str
    value: int
    size: int
    type: int
    shndx: int


@dataclass
class Output:
    """Where each kept input section landed in the merged `.text` or `.rodata`."""

    text: bytearray = field(default_factory=bytearray)
    rodata: bytearray = field(default_factory=bytearray)
    placement: dict[int, tuple[str, int]] = field(default_factory=dict)  # input index -> (kind, offset)


def read_object(blob: bytes) -> tuple[list[Section], list[Symbol]]:
    if blob[:4] != b"\x7fELF" or blob[4] != 2 or blob[5] != 1:
        raise RelinkError("input is not a little-endian ELF64 object")
    (e_shoff,) = struct.unpack_from("<Q", blob, 0x28)
    e_shentsize, e_shnum, e_shstrndx = struct.unpack_from("<HHH", blob, 0x3A)
    raw = []
    for i in range(e_shnum):
        raw.append(struct.unpack_from("<IIQQQQIIQQ", blob, e_shoff + i * e_shentsize))
    names_offset = raw[e_shstrndx][4]

    def name_at(table_offset: int, at: int) -> str:
        end = blob.index(b"\0", table_offset + at)
        return blob[table_offset + at : end].decode()

    sections = []
    for i, (name, typ, flags, _addr, off, size, link, info, align, entsize) in enumerate(raw):
        data = b"" if typ == SHT_NOBITS else blob[off : off + size]
        sections.append(Section(i, name_at(names_offset, name), typ, flags, off, size, link, info, align, entsize, data))
    symtab = next((s for s in sections if s.type == SHT_SYMTAB), None)
    if symtab is None:
        raise RelinkError("input has no symbol table")
    strings = sections[symtab.link]
    symbols = []
    for at in range(0, symtab.size, 24):
        name, info, _other, shndx, value, size = struct.unpack_from("<IBBHQQ", symtab.data, at)
        symbols.append(Symbol(name_at(strings.offset, name), value, size, info & 0xF, shndx))
    return sections, symbols


def is_text(section: Section) -> bool:
    return bool(section.flags & SHF_ALLOC and section.flags & SHF_EXECINSTR)


def is_relro(section: Section) -> bool:
    # Marked writable only so a dynamic linker may relocate it; here it is relocated now.
    # `.security.txt` (solana-security-txt's `SECURITY_TXT: &str`) is such a section too.
    return section.name in (".data.rel.ro", ".security.txt") or section.name.startswith(".data.rel.ro.")


def is_rodata(section: Section) -> bool:
    read_only = not section.flags & SHF_WRITE or is_relro(section)
    return bool(section.flags & SHF_ALLOC and not section.flags & SHF_EXECINSTR and read_only)


def is_writable(section: Section) -> bool:
    return bool(section.flags & SHF_ALLOC and section.flags & SHF_WRITE and not is_relro(section))


def align_up(value: int, alignment: int) -> int:
    alignment = max(alignment, 1)
    return (value + alignment - 1) // alignment * alignment


def check_no_writable_data(sections: list[Section], symbols: list[Symbol]) -> None:
    writable = {s.index: s for s in sections if is_writable(s) and s.size > 0}
    if not writable:
        return
    holders = sorted({f"{sym.name} (in {writable[sym.shndx].name})" for sym in symbols if sym.shndx in writable and sym.name})
    listed = "\n  ".join(holders) or "\n  ".join(s.name for s in writable.values())
    raise RelinkError(
        "SBPF v0 programs cannot have writable static data, but these symbols need it:\n  "
        + listed
        + "\nKeep mutable state in accounts or the heap (Solana programs have no writable statics)."
    )


def place_sections(sections: list[Section], text_base: int) -> tuple[Output, int]:
    out = Output()
    for section in sections:
        if is_text(section):
            offset = align_up(len(out.text), section.align)
            out.text.extend(b"\0" * (offset - len(out.text)))
            out.placement[section.index] = ("text", offset)
            out.text.extend(section.data)
    out.text.extend(b"\0" * (align_up(len(out.text), 8) - len(out.text)))
    rodata_base = align_up(text_base + len(out.text), 16)
    for section in sections:
        if is_rodata(section) and section.size > 0:
            # Keep each piece's alignment in the final address space, not just in the buffer.
            offset = align_up(rodata_base + len(out.rodata), section.align) - rodata_base
            out.rodata.extend(b"\0" * (offset - len(out.rodata)))
            out.placement[section.index] = ("rodata", offset)
            out.rodata.extend(section.data if section.type != SHT_NOBITS else b"\0" * section.size)
    return out, rodata_base


def relink(blob: bytes) -> bytes:
    sections, symbols = read_object(blob)
    check_no_writable_data(sections, symbols)

    text_base = 64  # right after the ELF header
    out, rodata_base = place_sections(sections, text_base)
    bases = {"text": text_base, "rodata": rodata_base}
    buffers = {"text": out.text, "rodata": out.rodata}

    def section_address(index: int) -> int:
        kind, offset = out.placement[index]
        return bases[kind] + offset

    def symbol_address(symbol: Symbol) -> int | None:
        if symbol.shndx == 0 or symbol.shndx >= 0xFF00:
            return None
        if symbol.shndx not in out.placement:
            raise RelinkError(f"symbol {symbol.name or '<section>'} lives in dropped section {sections[symbol.shndx].name}")
        return section_address(symbol.shndx) + (0 if symbol.type == STT_SECTION else symbol.value)

    function_starts = {address for symbol in symbols if symbol.type == STT_FUNC and (address := symbol_address(symbol)) is not None}
    dynamic_calls: list[tuple[int, str]] = []  # (file offset of the call, syscall name)
    for rel in sections:
        if rel.type != SHT_REL:
            continue
        target = sections[rel.info]
        if target.index not in out.placement:
            continue  # relocations of debug info / BTF, which are dropped
        kind, base_in_buffer = out.placement[target.index]
        buffer = buffers[kind]
        for at in range(0, rel.size, 16):
            r_offset, r_info = struct.unpack_from("<QQ", rel.data, at)
            symbol = symbols[r_info >> 32]
            rtype = r_info & 0xFFFFFFFF
            where = base_in_buffer + r_offset
            address = symbol_address(symbol)
            if rtype == R_BPF_64_64:
                if buffer[where] != OP_LDDW:
                    raise RelinkError(f"R_BPF_64_64 not on an lddw in {target.name}+{r_offset:#x}")
                (lo,) = struct.unpack_from("<I", buffer, where + 4)
                (hi,) = struct.unpack_from("<I", buffer, where + 12)
                if address is None:
                    raise RelinkError(f"lddw of undefined symbol {symbol.name}")
                value = MM_PROGRAM_START + address + (lo | hi << 32)
                struct.pack_into("<I", buffer, where + 4, value & 0xFFFFFFFF)
                struct.pack_into("<I", buffer, where + 12, value >> 32)
            elif rtype == R_BPF_64_ABS64:
                if address is None:
                    raise RelinkError(f"data pointer to undefined symbol {symbol.name} in {target.name}")
                (addend,) = struct.unpack_from("<Q", buffer, where)
                struct.pack_into("<Q", buffer, where, MM_PROGRAM_START + address + addend)
            elif rtype == R_BPF_64_32:
                if buffer[where] != OP_CALL:
                    raise RelinkError(f"R_BPF_64_32 not on a call in {target.name}+{r_offset:#x}")
                pc = bases[kind] + where
                if address is None:
                    struct.pack_into("<i", buffer, where + 4, -1)
                    dynamic_calls.append((pc, SYSCALL_ALIASES.get(symbol.name, symbol.name)))
                    continue
                if symbol.type == STT_SECTION:
                    (into,) = struct.unpack_from("<i", buffer, where + 4)
                    address += (into + 1) * 8
                if address not in function_starts:
                    raise RelinkError(f"call in {target.name}+{r_offset:#x} does not land on a function ({symbol.name})")
                struct.pack_into("<i", buffer, where + 4, (address - pc) // 8 - 1)
            elif rtype in (R_BPF_64_ABS32, R_BPF_64_NODYLD32):
                raise RelinkError(f"32-bit absolute relocation in loaded section {target.name}")
            else:
                raise RelinkError(f"unknown BPF relocation type {rtype} in {target.name}")

    for at in range(0, len(out.text), 8):
        if out.text[at] == OP_CALLX:
            register = out.text[at + 1] & 0x0F
            out.text[at + 1] = 0
            struct.pack_into("<i", out.text, at + 4, register)

    entry = next((s for s in symbols if s.name == "entrypoint" and s.shndx in out.placement), None)
    if entry is None:
        raise RelinkError("no `entrypoint` function in the program")
    return write_shared_object(out, rodata_base, symbol_address(entry), dynamic_calls)


def write_shared_object(out: Output, rodata_base: int, entry: int, dynamic_calls: list[tuple[int, str]]) -> bytes:
    image = bytearray(64)
    image.extend(out.text)
    image.extend(b"\0" * (rodata_base - len(image)))
    image.extend(out.rodata)

    names = sorted({name for _, name in dynamic_calls})
    dynstr = bytearray(b"\0")
    name_offsets = {}
    for name in names:
        name_offsets[name] = len(dynstr)
        dynstr.extend(name.encode() + b"\0")
    dynsym = bytearray(24)  # null symbol
    symbol_index = {}
    for i, name in enumerate(names, start=1):
        symbol_index[name] = i
        dynsym.extend(struct.pack("<IBBHQQ", name_offsets[name], 0x10, 0, 0, 0, 0))  # GLOBAL NOTYPE
    reldyn = bytearray()
    for offset, name in sorted(dynamic_calls):
        reldyn.extend(struct.pack("<QQ", offset, symbol_index[name] << 32 | R_BPF_64_32))

    layout = {}

    def append(name: str, data: bytes, alignment: int) -> None:
        image.extend(b"\0" * (align_up(len(image), alignment) - len(image)))
        layout[name] = (len(image), len(data))
        image.extend(data)

    append(".dynsym", dynsym, 8)
    append(".dynstr", dynstr, 1)
    append(".rel.dyn", reldyn, 8)
    dynamic = struct.pack(
        "<" + "qQ" * 8,
        DT_REL,
        layout[".rel.dyn"][0],
        DT_RELSZ,
        len(reldyn),
        DT_RELENT,
        16,
        DT_SYMTAB,
        layout[".dynsym"][0],
        DT_SYMENT,
        24,
        DT_STRTAB,
        layout[".dynstr"][0],
        DT_STRSZ,
        len(dynstr),
        DT_NULL,
        0,
    )
    append(".dynamic", dynamic, 8)
    shstrtab = bytearray(b"\0")
    name_at = {}
    for name in (".text", ".rodata", ".dynsym", ".dynstr", ".rel.dyn", ".dynamic", ".shstrtab"):
        name_at[name] = len(shstrtab)
        shstrtab.extend(name.encode() + b"\0")
    append(".shstrtab", shstrtab, 1)

    headers = [bytes(64)]

    def header(name: str, typ: int, flags: int, offset: int, size: int, link: int = 0, align: int = 8, entsize: int = 0) -> None:
        addr = offset if flags & SHF_ALLOC else 0
        headers.append(struct.pack("<IIQQQQIIQQ", name_at[name], typ, flags, addr, offset, size, link, 0, align, entsize))

    header(".text", 1, SHF_ALLOC | SHF_EXECINSTR, 64, len(out.text))
    header(".rodata", 1, SHF_ALLOC, rodata_base, len(out.rodata), align=16)
    header(".dynsym", SHT_DYNSYM, SHF_ALLOC, *layout[".dynsym"], link=4, entsize=24)
    header(".dynstr", SHT_STRTAB, SHF_ALLOC, *layout[".dynstr"], align=1)
    header(".rel.dyn", SHT_REL, SHF_ALLOC, *layout[".rel.dyn"], link=3, entsize=16)
    header(".dynamic", SHT_DYNAMIC, SHF_ALLOC | SHF_WRITE, *layout[".dynamic"], link=4, entsize=16)
    header(".shstrtab", SHT_STRTAB, 0, *layout[".shstrtab"], align=1)

    section_headers_at = align_up(len(image), 8)
    image.extend(b"\0" * (section_headers_at - len(image)))
    for h in headers:
        image.extend(h)

    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    struct.pack_into(
        "<16sHHIQQQIHHHHHH",
        image,
        0,
        ident,
        3,
        247,
        1,
        entry,
        0,
        section_headers_at,
        0,
        64,
        56,
        0,
        64,
        len(headers),
        len(headers) - 1,
    )
    return bytes(image)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        Path(argv[2]).write_bytes(relink(Path(argv[1]).read_bytes()))
    except RelinkError as error:
        print(f"relink: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
