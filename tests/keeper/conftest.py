"""Localnet and keeper as separate processes; a keeper config per test."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.localnet.conftest import IO_KEEPER, Localnet, free_port, start_localnet, stop_localnet

KEEPER_START_TIMEOUT = 30


@dataclass
class KeeperProcess:
    process: subprocess.Popen[bytes]
    config_path: Path
    api_url: str
    metrics_url: str
    log_path: Path

    def get(self, path: str, *, metrics: bool = False) -> Any:
        with urllib.request.urlopen((self.metrics_url if metrics else self.api_url) + path, timeout=10) as response:
            return json.loads(response.read())

    def post(self, path: str, body: Any) -> Any:
        request = urllib.request.Request(self.api_url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def metric(self, name: str, **labels: str) -> float:
        """The sum of a metric's series (those carrying every given label, if any)."""
        with urllib.request.urlopen(self.metrics_url + "/metrics", timeout=10) as response:
            text = response.read().decode()
        total = 0.0
        wanted = [f'{key}="{value}"' for key, value in labels.items()]
        for line in text.splitlines():
            if line.startswith(f"io_keeper_{name}{{") or line.startswith(f"io_keeper_{name} "):
                if all(label in line for label in wanted):
                    total += float(line.rsplit(" ", 1)[1])
        return total

    def probe(self, path: str) -> tuple[int, Any]:
        """(HTTP status, JSON body) of a metrics-port endpoint that answers 503 with a body."""
        try:
            with urllib.request.urlopen(self.metrics_url + path, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def status(self) -> dict[str, Any]:
        return self.get("/status", metrics=True)

    def logs(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


def keeper_config(directory: Path, rpc_url: str, state_dir: Path, **sections: Any) -> Path:
    config: dict[str, Any] = {
        "keypair_path": str(state_dir / "keys" / "keeper.json"),
        "journal_path": str(directory / "journal.sqlite"),
        "rpc": {"url": rpc_url, "resend_after_secs": 0.5, "status_poll_secs": 0.1, "timeout_secs": 3, "backoff_max_secs": 1},
        "http": {"api_port": free_port(), "metrics_port": free_port()},
        "emission": {"interval_secs": 0.3},
        "settlement": {"interval_secs": 0.3},
        "rewards": {"interval_secs": 0.3},
        "provenance": {"interval_secs": 0.2, "batch_max_age_secs": 0.5},
        "burn": {"interval_secs": 0.3},
        "max_runtime_secs": 600,
    }
    for name, value in sections.items():
        if isinstance(value, dict):
            config[name] = {**config.get(name, {}), **value}
        else:
            config[name] = value
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "keeper.json"
    path.write_text(json.dumps(config, indent=2))
    return path


def start_keeper(config_path: Path, env: dict[str, str] | None = None) -> KeeperProcess:
    config = json.loads(config_path.read_text())
    log_path = config_path.with_suffix(".log")
    log_file = log_path.open("ab")
    process = subprocess.Popen(
        [str(IO_KEEPER), "run", "--config", str(config_path)],
        stdout=subprocess.DEVNULL,
        stderr=log_file,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    log_file.close()
    host = "127.0.0.1"
    keeper = KeeperProcess(process, config_path, f"http://{host}:{config['http']['api_port']}", f"http://{host}:{config['http']['metrics_port']}", log_path)
    deadline = time.monotonic() + KEEPER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"keeper exited with {process.returncode}:\n{keeper.logs()[-3000:]}")
        try:
            keeper.get("/status", metrics=True)
            return keeper
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("keeper did not start in time")


def stop_keeper(keeper: KeeperProcess, *, kill: bool = False, timeout: float = 30) -> int:
    if keeper.process.poll() is None:
        keeper.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    try:
        return keeper.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        keeper.process.kill()
        return keeper.process.wait()


def wait_for(predicate, timeout: float, message: str, interval: float = 0.2):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s: {message}")


@pytest.fixture
def keepers() -> Iterator[list[KeeperProcess]]:
    """Keepers a test started; all stopped at the end."""
    started: list[KeeperProcess] = []
    yield started
    for keeper in started:
        stop_keeper(keeper, kill=True)


def localnet_fixture(*args: str):  # noqa: ANN201
    @pytest.fixture(scope="module")
    def fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Localnet]:
        running = start_localnet(tmp_path_factory.mktemp("localnet"), *args)
        yield running
        stop_localnet(running)

    return fixture
