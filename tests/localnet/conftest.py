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

from tests.conftest import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
IO_KEEPER = Path(sys.executable).with_name("io-keeper")
START_TIMEOUT_SECONDS = 90


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
    log_path: Path

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_localnet(state_dir: Path, *extra_args: str) -> Localnet:
    """`io-keeper localnet` on a free port, once it says it is ready (node up, programs
    deployed, protocol bootstrapped). Its output goes to <state_dir>/localnet.log."""
    port = free_port_pair()
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path = state_dir / "localnet.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(IO_KEEPER), "localnet", "--port", str(port), "--state-dir", str(state_dir), "--repo-root", str(REPO_ROOT), *extra_args],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    localnet = Localnet(f"http://127.0.0.1:{port}", state_dir, process, log_path)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"localnet exited with {process.returncode}: {localnet.logs()}")
        if "io-keeper localnet ready at " in localnet.logs():
            return localnet
        time.sleep(0.1)
    stop_process(process)
    raise RuntimeError(f"localnet was not ready in time: {localnet.logs()}")


def free_port_pair() -> int:
    """A free port whose next port is free too: the node serves its PubSub WebSocket there."""
    for _ in range(100):
        port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port
    raise RuntimeError("no free pair of ports")


def ws_url(http_url: str) -> str:
    """Where clients find a node's PubSub WebSocket: the RPC port + 1."""
    host, port = http_url.removeprefix("http://").rsplit(":", 1)
    return f"ws://{host}:{int(port) + 1}"


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
