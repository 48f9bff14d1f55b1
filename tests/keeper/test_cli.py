"""`io-keeper run` config errors, environment overrides and `io-keeper status`."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from solders.keypair import Keypair

from keeper.client.keys import write_keypair
from keeper.daemon.config import load_config, redact_url
from tests.keeper.conftest import keeper_config, localnet_fixture, start_keeper, stop_keeper
from tests.localnet.conftest import IO_KEEPER, Localnet

localnet = localnet_fixture()


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(IO_KEEPER), *args], capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ("rpc = 5", ".toml", "rpc: Input should be a valid dictionary"),
        ("[rpc]\nurl = 'ftp://x'\n", ".toml", "rpc.url"),
        ("{not json", ".json", "is not valid JSON"),
        ('keypair_path = "/nope.json"\njournal_path = "j.db"\n[rpc]\nurl = "http://127.0.0.1:1"\n', ".toml", "does not exist"),
        ('[rpc]\nurl = "http://127.0.0.1:1"\n[emission]\nmax_hours_per_tx = 500\n', ".toml", "emission.max_hours_per_tx"),
        ('[rpc]\nurl = "http://127.0.0.1:1"\n[http]\nhost = "0.0.0.0"\n', ".toml", "loopback"),
        ('[rpc]\nurl = "http://127.0.0.1:1"\nbogus = 1\n', ".toml", "bogus"),
        ('[rpc]\nurl = "http://127.0.0.1:1"\ncommitment = "processed"\n', ".toml", "rpc.commitment must be confirmed or finalized"),
    ],
)
def test_bad_config_exits_2_with_the_reason(tmp_path: Path, content: str, suffix: str, message: str) -> None:
    path = tmp_path / f"keeper{suffix}"
    path.write_text(content)
    result = cli("run", "--config", str(path))
    assert result.returncode == 2
    assert message in result.stderr, result.stderr


def test_a_keypair_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    keypair = tmp_path / "keeper.json"
    write_keypair(keypair, Keypair())
    keypair.chmod(0o644)
    path = tmp_path / "keeper.toml"
    path.write_text(f'keypair_path = "{keypair}"\njournal_path = "j.db"\n[rpc]\nurl = "http://127.0.0.1:1"\n')
    result = cli("run", "--config", str(path))
    assert result.returncode == 2 and "readable by others (mode 644): chmod 600" in result.stderr, result.stderr
    assert not (tmp_path / "j.db").exists()  # refused before anything started
    keypair.chmod(0o600)
    assert load_config(path).keypair_path == keypair


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://mainnet.helius-rpc.com/?api-key=SECRET", "https://mainnet.helius-rpc.com/…"),
        ("https://user:SECRET@rpc.example.com:8899/v1/SECRET", "https://rpc.example.com:8899/…"),
        ("http://127.0.0.1:8899", "http://127.0.0.1:8899"),
    ],
)
def test_the_rpc_url_is_shown_without_its_secrets(url: str, shown: str) -> None:
    assert redact_url(url) == shown and "SECRET" not in redact_url(url)


def test_missing_config_file(tmp_path: Path) -> None:
    result = cli("run", "--config", str(tmp_path / "absent.toml"))
    assert result.returncode == 2 and "does not exist" in result.stderr


def test_environment_overrides_the_file_and_status_reports(localnet: Localnet, tmp_path: Path, keepers) -> None:  # noqa: ANN001
    config = keeper_config(tmp_path, "http://127.0.0.1:1", localnet.state_dir)  # unreachable on purpose
    keeper = start_keeper(config, env={"IO_KEEPER_RPC__URL": localnet.url, "IO_KEEPER_SETTLEMENT__ENABLED": "false"})
    keepers.append(keeper)
    status = keeper.status()
    assert status["rpc_url"] == localnet.url
    result = cli("status", "--config", str(config), "--json")
    document = json.loads(result.stdout)
    assert document["running"] is True and "settlement" not in document["tasks"]
    text = cli("status", "--config", str(config))
    assert "keeper: running" in text.stdout and "emission: next hour" in text.stdout
    metrics = keeper.metric("rpc_requests_total")
    assert metrics > 0
    assert stop_keeper(keeper) == 0
    offline = cli("status", "--config", str(config))
    assert offline.returncode == 0 and "keeper: not running" in offline.stdout
