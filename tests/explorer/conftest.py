"""`io-keeper explorer` as a real separate process, reading a real localnet."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.localnet.conftest import IO_KEEPER, free_port, stop_process

START_TIMEOUT = 30
# True once the page has drawn its totals, charts and jobs table.
LOADED = "document.body.dataset.totals === 'ready' && document.body.dataset.charts === 'ready' && document.body.dataset.table === 'ready'"
REPO_ROOT = Path(__file__).resolve().parents[2]
# Screenshots the browser tests take, to look at (and the README's, when refreshed from them).
SCREENSHOT_DIR = Path(os.environ.get("EXPLORER_SCREENSHOTS", REPO_ROOT / "target" / "explorer-screenshots"))


@dataclass
class Explorer:
    url: str
    process: subprocess.Popen[str]

    def get(self, path: str) -> tuple[int, Any]:
        return self.request(path)

    def post(self, path: str, body: bytes | str | dict) -> tuple[int, Any]:
        data = body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body)).encode()
        return self.request(path, data)

    def request(self, path: str, data: bytes | None = None) -> tuple[int, Any]:
        request = urllib.request.Request(self.url + path, data=data, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


def start_explorer(rpc_url: str, log_path: Path, *extra: str) -> Explorer:
    port = free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(IO_KEEPER), "explorer", "--rpc-url", rpc_url, "--port", str(port), *extra],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"explorer exited with {process.returncode}: {log_path.read_text()}")
        if "io-keeper explorer at " in log_path.read_text():
            return Explorer(f"http://127.0.0.1:{port}", process)
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"explorer did not start in time: {log_path.read_text()}")


def stop_explorer(explorer: Explorer) -> None:
    stop_process(explorer.process)
