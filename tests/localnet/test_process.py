"""The localnet as a process: its clock speed, and the start-up errors a user can hit."""

from __future__ import annotations

import asyncio
import socket
import subprocess
from pathlib import Path

import pytest
from solana.rpc.async_api import AsyncClient
from solders.rpc.requests import IsBlockhashValid
from solders.rpc.responses import IsBlockhashValidResp
from solders.sysvar import CLOCK

from tests.localnet.conftest import IO_KEEPER, REPO_ROOT, Localnet, free_port, free_port_pair, start_localnet, stop_localnet

WAIT_SECONDS = 2.0


async def chain_unix_timestamp(client: AsyncClient) -> int:
    """unix_timestamp as programs see it: read from the Clock sysvar account."""
    clock = (await client.get_account_info(CLOCK)).value
    assert clock is not None
    return int.from_bytes(bytes(clock.data)[32:40], "little", signed=True)


async def clock_advance(url: str) -> tuple[int, int]:
    async with AsyncClient(url) as client:
        time_before, slot_before = await chain_unix_timestamp(client), (await client.get_slot()).value
        await asyncio.sleep(WAIT_SECONDS)
        return await chain_unix_timestamp(client) - time_before, (await client.get_slot()).value - slot_before


async def test_time_scale_makes_the_clock_run_n_times_faster(localnet: Localnet, tmp_path: Path) -> None:
    real_seconds, real_slots = await clock_advance(localnet.url)
    assert 1 <= real_seconds <= 4
    assert 3 <= real_slots <= 10  # 400 ms slots
    fast = start_localnet(tmp_path / "fast", "--time-scale", "100", "--start-unix-timestamp", "1700000000")
    try:
        async with AsyncClient(fast.url) as client:
            assert 1_700_000_000 <= await chain_unix_timestamp(client) < 1_700_000_000 + 100 * 30
        fast_seconds, fast_slots = await clock_advance(fast.url)
    finally:
        stop_localnet(fast)
    assert 150 <= fast_seconds <= 400
    assert 375 <= fast_slots <= 1_000


async def test_blockhash_stays_valid_at_high_time_scale(tmp_path: Path) -> None:
    fast = start_localnet(tmp_path / "fast", "--time-scale", "3600")
    try:
        async with AsyncClient(fast.url) as client:
            latest = (await client.get_latest_blockhash()).value
            await asyncio.sleep(1.0)  # an hour of chain time, but only ~2.5 blocks
            assert (await client.get_block_height()).value <= latest.last_valid_block_height
            is_valid = await client._provider.make_request(IsBlockhashValid(latest.blockhash), IsBlockhashValidResp)
            assert is_valid.value is True
    finally:
        stop_localnet(fast)


def run_cli(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(IO_KEEPER), *args], capture_output=True, text=True, timeout=60, cwd=cwd)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--time-scale", "0.5"), "time_scale"),
        (("--port", "70000"), "port"),
        (("--host", "0.0.0.0"), "loopback"),
    ],
)
def test_invalid_settings_exit_2_with_the_reason(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run_cli("localnet", "--state-dir", str(tmp_path), *args)
    assert result.returncode == 2
    assert "invalid settings" in result.stderr and message in result.stderr


def test_require_programs_fails_when_a_program_is_not_built(tmp_path: Path) -> None:
    (tmp_path / "Anchor.toml").write_text('[programs.localnet]\nescrow = "E491SwqM2vr41jAyWrJGQCk4hgB45HVf5vDMqvrZZuQc"\n')
    result = run_cli("localnet", "--repo-root", str(tmp_path), "--state-dir", str(tmp_path / "state"), "--require-programs", "--port", str(free_port()))
    assert result.returncode == 1
    assert "program escrow is not built" in result.stderr


def test_missing_anchor_toml_is_reported(tmp_path: Path) -> None:
    result = run_cli("localnet", "--state-dir", str(tmp_path / "state"), "--port", str(free_port()), cwd=tmp_path)
    assert result.returncode == 1
    assert "no Anchor.toml found" in result.stderr


def test_port_in_use_is_reported(localnet: Localnet, tmp_path: Path) -> None:
    port = localnet.url.rsplit(":", 1)[1]
    result = run_cli("localnet", "--port", port, "--state-dir", str(tmp_path), "--repo-root", str(REPO_ROOT))
    assert result.returncode == 1
    assert "address already in use" in result.stderr.lower()


def test_unknown_subcommand_is_a_usage_error() -> None:
    result = run_cli("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_pubsub_port_in_use_is_reported(tmp_path: Path) -> None:
    """The node needs the port above the RPC port too (its PubSub WebSocket)."""
    port = free_port_pair()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port + 1))
        taken.listen()
        result = run_cli("localnet", "--port", str(port), "--state-dir", str(tmp_path), "--repo-root", str(REPO_ROOT))
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port + 1} for the PubSub WebSocket" in result.stderr
    assert "address already in use" in result.stderr.lower()
