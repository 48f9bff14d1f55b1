#!/usr/bin/env python3
"""Teach a copy of Rust's standard library about `target_os = "solana"`.

Upstream std does not know the Solana target. Rather than editing by line numbers (Debian's
rustc-web package moves between versions), each edit names a cfg list by a marker that sits
inside the arm it selects, and adds `target_os = "solana"` to that list. Every edit must
apply exactly once; if std's layout changes so that a marker is missing, the build stops
and names it.

Usage: patch_std.py LIBRARY_DIR   (a writable copy of rustc's `library/` folder)
"""

from __future__ import annotations

import sys
from pathlib import Path

SOLANA = 'target_os = "solana",'


class PatchError(RuntimeError):
    pass


def add_to_any_list(text: str, marker: str, entry: str = SOLANA) -> str:
    """Add `entry` to the `any(` list closest before `marker` (the arm the marker selects)."""
    at = text.find(marker)
    if at < 0:
        raise PatchError(f"marker not found: {marker!r}")
    start = text.rfind("any(", 0, at)
    if start < 0:
        raise PatchError(f"no any( list before marker {marker!r}")
    insert = start + len("any(")
    return text[:insert] + f"\n    {entry}" + text[insert:]


def insert_before(text: str, marker: str, snippet: str) -> str:
    at = text.find(marker)
    if at < 0:
        raise PatchError(f"marker not found: {marker!r}")
    return text[:at] + snippet + text[at:]


def insert_after(text: str, marker: str, snippet: str) -> str:
    at = text.find(marker)
    if at < 0:
        raise PatchError(f"marker not found: {marker!r}")
    end = at + len(marker)
    return text[:end] + snippet + text[end:]


SYSTEM_ALLOCATOR = """\
//! Solana programs install their own `#[global_allocator]` (a bump allocator whose state
//! lives in the heap region), so `System` is never asked for memory.
use crate::alloc::{GlobalAlloc, Layout, System};

#[stable(feature = "alloc_system_type", since = "1.28.0")]
unsafe impl GlobalAlloc for System {
    #[inline]
    unsafe fn alloc(&self, _layout: Layout) -> *mut u8 {
        crate::ptr::null_mut()
    }

    #[inline]
    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}
"""

# A panic calls the program's `custom_panic` (defined by solana-program-entrypoint's
# `custom_panic_default!`, which logs the message) and aborts. This skips std's panic
# counters and hooks: they live in writable statics, which SBPF v0 programs cannot have.
PANIC_HANDLER = """
    #[cfg(target_os = "solana")]
    {
        unsafe extern "Rust" {
            fn custom_panic(info: &core::panic::PanicInfo<'_>);
        }
        unsafe { custom_panic(info) };
        crate::process::abort();
    }
"""

# Out of memory: say so the way the Solana runtime's own std does, then abort. std's default
# hook keeps a writable static (PREV_ALLOC_FAILURE) and prints backtraces.
OUT_OF_MEMORY = """
    #[cfg(target_os = "solana")]
    {
        unsafe extern "C" {
            fn sol_log_(message: *const u8, length: u64);
        }
        let message = "Error: memory allocation failed, out of memory";
        unsafe { sol_log_(message.as_ptr(), message.len() as u64) };
        let _ = layout;
        crate::process::abort();
    }
"""

# No threads and no entropy in a program: fixed hash keys (as the Solana runtime's std has),
# instead of a thread-local key cache, which would be writable static data.
RANDOM_STATE = """
        #[cfg(target_os = "solana")]
        {
            return RandomState { k0: 0, k1: 0 };
        }
"""

BEGIN_PANIC = """
    if cfg!(target_os = "solana") {
        intrinsics::abort()
    }
"""


def patch(library: Path) -> None:
    sys_dir = library / "std/src/sys"

    def edit(relative: str, *edits) -> None:
        path = library / relative
        text = path.read_text()
        for fn, *args in edits:
            text = fn(text, *args)
        path.write_text(text)

    edit(
        "std/src/sys/alloc/mod.rs",
        (add_to_any_list, 'target_arch = "hexagon",', 'target_arch = "bpf",'),
        (insert_before, '    target_os = "uefi" => {\n        mod uefi;', '    target_os = "solana" => {\n        mod solana;\n    }\n'),
    )
    (sys_dir / "alloc/solana.rs").write_text(SYSTEM_ALLOCATOR)
    edit("std/src/sys/io/error/mod.rs", (add_to_any_list, "mod generic;"))
    edit(
        "std/src/sys/random/mod.rs",
        (add_to_any_list, "mod unsupported;"),
        (add_to_any_list, "pub fn hashmap_random_keys() -> (u64, u64) {\n    let mut buf"),
    )
    edit(
        "std/src/sys/thread_local/mod.rs",
        (add_to_any_list, "mod no_threads;"),
        (add_to_any_list, "pub(crate) fn enable() {\n                // FIXME"),
    )
    edit(
        "std/src/panicking.rs",
        (insert_after, "pub fn panic_handler(info: &core::panic::PanicInfo<'_>) -> ! {", PANIC_HANDLER),
        (insert_after, 'if cfg!(panic = "immediate-abort") {\n        intrinsics::abort()\n    }', BEGIN_PANIC),
    )
    edit("std/src/hash/random.rs", (insert_after, "pub fn new() -> RandomState {", RANDOM_STATE))
    edit("std/src/alloc.rs", (insert_after, "pub fn rust_oom(layout: Layout) -> ! {", OUT_OF_MEMORY))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    try:
        patch(Path(sys.argv[1]))
    except PatchError as error:
        sys.exit(f"patch_std: the std sources changed shape: {error}")
