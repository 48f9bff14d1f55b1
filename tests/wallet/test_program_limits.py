"""Limits the wallet checks before sending, mirrored from the programs that enforce them."""

from __future__ import annotations

import re
from pathlib import Path

from keeper.client.constants import MAX_GPU_MODEL_LEN


def test_gpu_model_length_matches_the_staking_program(repo_root: Path) -> None:
    state = (repo_root / "programs" / "staking" / "src" / "state" / "node.rs").read_text()
    match = re.search(r"pub const MAX_GPU_MODEL_LEN: usize = (\d+);", state)
    assert match is not None and int(match.group(1)) == MAX_GPU_MODEL_LEN
