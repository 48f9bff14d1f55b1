#!/usr/bin/env python3
"""Turn the bitcode of a Rust program into an SBPF v0 program. Two modes:

  link.py --export-symbols … -o OUT INPUTS…   (as rustc's linker, flavor `bpf`)
      Just collects the LLVM bitcode rustc hands over (with fat LTO: one object holding the
      whole program, std included) into OUT. Cargo caches that; nothing below runs here,
      so a change to this toolchain never hides behind cargo's up-to-date check.

  link.py lower INPUT.bc OUTPUT.so
      opt        → internalize all but `entrypoint` and `SECURITY_TXT`, drop dead code, lower atomics, and the
                   sbf-lower plugin (llvm-pass/SbfLower.cpp) for what the BPF backend can't emit
      llc        → upstream BPF object (cpu v2: no ALU32/JMP32, which SBPF v0 lacks; misaligned
                   loads/stores allowed, as the SBPF VM allows them — otherwise every
                   unaligned 32-byte Pubkey copy is 64 byte loads and stores; 4 KiB frames)
      relink.py  → the SBPF v0 shared object the Solana loader accepts

Tools and the plugin come from the environment set by scripts/build-sbf: SBF_LLVM_BIN
(directory with llvm-link, opt, llc) and SBF_LOWER_PLUGIN (the built plugin).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import relink  # noqa: E402

BITCODE_MAGICS = (b"BC\xc0\xde", b"\xde\xc0\x17\x0b")
# Flags rustc passes to a `bpf`-flavor linker, with the number of values each takes.
FLAGS_WITH_VALUE = {"--export-symbols": 1, "-L": 1, "--cpu": 1, "--cpu-features": 1, "-o": 1}


def parse(argv: list[str]) -> tuple[list[Path], Path]:
    inputs, output, i = [], None, 0
    while i < len(argv):
        arg = argv[i]
        if arg == "-o":
            output = Path(argv[i + 1])
        if arg in FLAGS_WITH_VALUE:
            i += 1 + FLAGS_WITH_VALUE[arg]
            continue
        if not arg.startswith("-"):
            inputs.append(Path(arg))
        i += 1
    if output is None:
        raise SystemExit("sbf link: no -o OUTPUT given")
    return inputs, output


def bitcode_inputs(inputs: list[Path], scratch: Path) -> list[Path]:
    found = []
    for path in inputs:
        head = path.read_bytes()[:4]
        if head in BITCODE_MAGICS:
            found.append(path)
        elif head == b"!<ar":
            members = scratch / f"ar{len(list(scratch.iterdir()))}-{path.stem}"
            members.mkdir()
            run([tool("llvm-ar"), "x", str(path.resolve())], cwd=members)
            found.extend(sorted(m for m in members.iterdir() if m.read_bytes()[:4] in BITCODE_MAGICS))
    if not found:
        raise SystemExit("sbf link: no LLVM bitcode among the inputs (is the target's obj-is-bitcode set?)")
    return found


def run(command: list[str], cwd: Path | None = None) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"sbf link: {Path(command[0]).name} failed (exit {result.returncode})")


def tool(name: str) -> str:
    return str(Path(os.environ.get("SBF_LLVM_BIN", "/usr/lib/llvm-22/bin")) / name)


def compiler_builtins(deps: Path) -> Path:
    """compiler_builtins stays out of LTO and rustc does not pass it to a `bpf` linker; its
    soft-float routines are needed once sbf-soft-float turns float arithmetic into calls."""
    candidates = sorted(deps.glob("libcompiler_builtins-*.rlib"), key=lambda p: p.stat().st_mtime)
    if not candidates:
        raise SystemExit(f"sbf link: no compiler_builtins rlib next to the output in {deps}")
    return candidates[-1]


def collect(argv: list[str]) -> None:
    inputs, output = parse(argv)
    with tempfile.TemporaryDirectory(prefix="sbf-link-") as tmp:
        if not any(path.name.startswith("libcompiler_builtins-") for path in inputs):
            inputs = [*inputs, compiler_builtins(output.parent)]
        # --only-needed would drop routines that only become needed later (soft float), so
        # link all; dead code goes in `lower`.
        run([tool("llvm-link"), *map(str, bitcode_inputs(inputs, Path(tmp))), "-o", str(output)])


def lower(bitcode: Path, output: Path) -> None:
    plugin = os.environ.get("SBF_LOWER_PLUGIN")
    if not plugin or not Path(plugin).is_file():
        raise SystemExit("sbf link: SBF_LOWER_PLUGIN must name the built sbf-lower plugin (run scripts/build-sbf)")
    with tempfile.TemporaryDirectory(prefix="sbf-lower-") as tmp:
        scratch = Path(tmp)
        lowered = scratch / "lowered.bc"
        run(
            [
                tool("opt"),
                f"-load-pass-plugin={plugin}",
                "-internalize-public-api-list=entrypoint,SECURITY_TXT",
                # rustc does no LTO for a crate that is also an rlib (Anchor programs are), so
                # the whole-program optimization happens here, before the SBPF rewrites.
                # sbf-soft-float runs twice: first so globaldce keeps the soft-float routines
                # that are needed, then again because instcombine folds sign-bit arithmetic
                # back into `fneg`.
                "-passes=internalize,sbf-soft-float,globaldce,default<O3>,sbf-soft-float,function(lower-atomic),sbf-lower,globaldce",
                str(bitcode),
                "-o",
                str(lowered),
            ]
        )
        obj = scratch / "program.o"
        run(
            [
                tool("llc"),
                "-march=bpfel",
                "-mcpu=v2",
                "-mattr=+allows-misaligned-mem-access",
                "-bpf-stack-size=4096",
                "-O2",
                "-filetype=obj",
                str(lowered),
                "-o",
                str(obj),
            ]
        )
        if os.environ.get("SBF_KEEP_OBJECT"):
            Path(os.environ["SBF_KEEP_OBJECT"]).write_bytes(obj.read_bytes())
        try:
            output.write_bytes(relink.relink(obj.read_bytes()))
        except relink.RelinkError as error:
            raise SystemExit(f"sbf link: {error}") from None


def main(argv: list[str]) -> int:
    if argv[:1] == ["lower"] and len(argv) == 3:
        lower(Path(argv[1]), Path(argv[2]))
    else:
        collect(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
