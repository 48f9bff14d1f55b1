"""Starts `io-keeper localnet` as a real separate process on a free port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from solana.rpc.async_api import AsyncClient
from solders.keypair import Keypair

REPO_ROOT = Path(__file__).resolve().parents[2]
IO_KEEPER = Path(sys.executable).with_name("io-keeper")
START_TIMEOUT_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def raw_rpc(url: str, payload: Any) -> Any:
    """Posts a JSON-RPC payload as is (for requests a typed client cannot express)."""
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@dataclass
class Localnet:
    url: str
    state_dir: Path
    process: subprocess.Popen[str]


def start_localnet(state_dir: Path, *extra_args: str) -> Localnet:
    port = free_port()
    process = subprocess.Popen(
        [str(IO_KEEPER), "localnet", "--port", str(port), "--state-dir", str(state_dir), "--repo-root", str(REPO_ROOT), *extra_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"localnet exited with {process.returncode}: {process.stdout.read() if process.stdout else ''}")
        try:
            if raw_rpc(url, {"jsonrpc": "2.0", "id": 1, "method": "getHealth"}).get("result") == "ok":
                return Localnet(url, state_dir, process)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("localnet did not become healthy in time")


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM, and SIGKILL if it has not exited 10 s later."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def stop_localnet(localnet: Localnet) -> None:
    stop_process(localnet.process)


@pytest.fixture(scope="session")
def localnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Localnet]:
    running = start_localnet(tmp_path_factory.mktemp("localnet-state"))
    yield running
    stop_localnet(running)


@pytest.fixture
async def client(localnet: Localnet) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(localnet.url, commitment="confirmed") as rpc:
        yield rpc


@pytest.fixture
async def funded(client: AsyncClient) -> Keypair:
    """A fresh keypair holding 10 SOL."""
    payer = Keypair()
    signature = (await client.request_airdrop(payer.pubkey(), 10 * 10**9)).value
    await client.confirm_transaction(signature)
    return payer
