"""Keeper configuration: a TOML or JSON file, overridden by IO_KEEPER_* environment variables.

Nested sections are overridden with a double underscore, e.g.
`IO_KEEPER_RPC__REQUESTS_PER_SECOND=50` or `IO_KEEPER_SETTLEMENT__ENABLED=false`.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from keeper.client.constants import MAX_EMIT_HOURS

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class ConfigError(ValueError):
    """The configuration file is missing, unreadable or invalid (message is user-facing)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RpcSettings(_Section):
    url: str
    requests_per_second: int = Field(default=200, ge=1, le=100_000)
    max_in_flight: int = Field(default=16, ge=1, le=1_024)
    timeout_secs: float = Field(default=10.0, gt=0, le=120)
    max_retries: int = Field(default=8, ge=0, le=100)
    backoff_initial_secs: float = Field(default=0.1, gt=0, le=10)
    backoff_max_secs: float = Field(default=5.0, gt=0, le=120)
    # A sent transaction not seen this long is sent again (same bytes, same signature).
    resend_after_secs: float = Field(default=1.5, gt=0, le=60)
    # Give up on one signed transaction after this long even if its blockhash is valid.
    confirm_timeout_secs: float = Field(default=30.0, gt=0, le=600)
    status_poll_secs: float = Field(default=0.2, gt=0, le=10)
    blockhash_ttl_secs: float = Field(default=2.0, ge=0, le=30)
    skip_preflight: bool = False
    commitment: str = "confirmed"

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError("rpc.url must be an http:// or https:// URL")
        return url

    @field_validator("commitment")
    @classmethod
    def _commitment(cls, value: str) -> str:
        # The journal marks work done at this commitment: a processed transaction can still be
        # rolled back (a posted root that is not there), so only confirmed or finalized will do.
        if value not in {"confirmed", "finalized"}:
            raise ValueError("rpc.commitment must be confirmed or finalized (processed can roll back what the journal marks done)")
        return value

    @property
    def redacted_url(self) -> str:
        """The URL without path, query or credentials (where providers put API keys): for logs and /status."""
        return redact_url(self.url)


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    hidden = "/…" if (parts.path not in {"", "/"} or parts.query or parts.username or parts.password) else ""
    return f"{parts.scheme}://{host}{port}{hidden}"


class EmissionSettings(_Section):
    enabled: bool = True
    interval_secs: float = Field(default=5.0, gt=0)
    max_hours_per_tx: int = Field(default=24, ge=1, le=MAX_EMIT_HOURS)


class SettlementSettings(_Section):
    enabled: bool = True
    interval_secs: float = Field(default=5.0, gt=0)
    # settle_job instructions packed into one transaction (fewer if they do not fit).
    jobs_per_tx: int = Field(default=4, ge=1, le=16)
    # Transactions in flight at once.
    concurrency: int = Field(default=8, ge=1, le=256)
    # Completed jobs taken per scan.
    max_jobs_per_scan: int = Field(default=5_000, ge=1)


class RewardsSettings(_Section):
    enabled: bool = True
    interval_secs: float = Field(default=5.0, gt=0)
    # A JSONL file of {"epoch", "node", "amount"} lines, read as it grows.
    work_feed: Path | None = None
    # Chain seconds to wait after an epoch's hour ends before its root is fixed.
    settle_delay_secs: int = Field(default=0, ge=0)


class ProvenanceSettings(_Section):
    enabled: bool = True
    interval_secs: float = Field(default=1.0, gt=0)
    batch_max_receipts: int = Field(default=1_000, ge=1, le=2**32 - 1)
    batch_max_age_secs: float = Field(default=10.0, ge=0)
    receipt_files: list[Path] = Field(default_factory=list)


class BurnSettings(_Section):
    enabled: bool = True
    interval_secs: float = Field(default=10.0, gt=0)


class ExpirySettings(_Section):
    """`rewards.expire_epoch_root` for posted epochs whose claim window closed with rewards unclaimed."""

    enabled: bool = True
    interval_secs: float = Field(default=60.0, gt=0)


class ActivationSettings(_Section):
    """`staking.activate_stake` for positions whose warm-up has passed."""

    enabled: bool = True
    interval_secs: float = Field(default=30.0, gt=0)
    # activate_stake instructions packed into one transaction (fewer if they do not fit).
    positions_per_tx: int = Field(default=8, ge=1, le=32)


class FeePayerSettings(_Section):
    """The keeper key's SOL: below `warn_lamports` a warning each check; below `stop_lamports` the
    tasks that send transactions pause and /ready fails until the key is funded again."""

    interval_secs: float = Field(default=30.0, gt=0)
    warn_lamports: int = Field(default=500_000_000, ge=0)
    stop_lamports: int = Field(default=50_000_000, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> FeePayerSettings:
        if self.stop_lamports > self.warn_lamports:
            raise ValueError("fee_payer.stop_lamports must not exceed fee_payer.warn_lamports")
        return self


class HttpSettings(_Section):
    host: str = "127.0.0.1"
    # Receipts and node work in, proofs out. 0 = choose a free port. Not 8900: that is the
    # RPC port + 1, where clients look for the localnet's (any validator's) PubSub WebSocket.
    api_port: int = Field(default=9901, ge=0, le=65535)
    # /metrics, /health, /ready and /status.
    metrics_port: int = Field(default=9900, ge=0, le=65535)
    # /ready fails once a task has failed every tick for longer than this.
    ready_max_failing_secs: float = Field(default=300.0, gt=0)

    @field_validator("host")
    @classmethod
    def _loopback(cls, host: str) -> str:
        if host not in LOOPBACK:
            raise ValueError("the keeper's HTTP servers only listen on loopback addresses")
        return host


class KeeperConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IO_KEEPER_", env_nested_delimiter="__", extra="forbid", frozen=True)

    rpc: RpcSettings
    keypair_path: Path
    journal_path: Path
    idl_dir: Path | None = None
    log_format: str = "json"
    log_level: str = "INFO"
    emission: EmissionSettings = EmissionSettings()
    settlement: SettlementSettings = SettlementSettings()
    rewards: RewardsSettings = RewardsSettings()
    provenance: ProvenanceSettings = ProvenanceSettings()
    burn: BurnSettings = BurnSettings()
    expiry: ExpirySettings = ExpirySettings()
    activation: ActivationSettings = ActivationSettings()
    http: HttpSettings = HttpSettings()
    fee_payer: FeePayerSettings = FeePayerSettings()
    # Wall seconds the daemon runs before stopping by itself (tests, demos); None = until SIGTERM.
    max_runtime_secs: float | None = Field(default=None, gt=0)

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        if value not in {"json", "text"}:
            raise ValueError("log_format must be json or text")
        return value

    @model_validator(mode="after")
    def _paths_absolute(self) -> KeeperConfig:
        if not self.keypair_path.is_file():
            raise ValueError(f"keypair_path {self.keypair_path} does not exist")
        mode = self.keypair_path.stat().st_mode & 0o777
        if mode & 0o077:
            raise ValueError(f"keypair_path {self.keypair_path} is readable by others (mode {mode:o}): chmod 600 {self.keypair_path}")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's values arrive as init kwargs; the environment overrides them.
        return env_settings, init_settings


def read_config_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    text = path.read_text()
    try:
        if path.suffix == ".json":
            data = json.loads(text)
        else:
            data = tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"config file {path} is not valid {'JSON' if path.suffix == '.json' else 'TOML'}: {error}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a table/object at the top level")
    return _relative_to(data, path.parent.resolve())


def _relative_to(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """Relative paths in the file are relative to the file's directory."""
    resolved = dict(data)
    for key in ("keypair_path", "journal_path", "idl_dir"):
        if isinstance(resolved.get(key), str) and not Path(resolved[key]).is_absolute():
            resolved[key] = str(base / resolved[key])
    for section, keys in (("rewards", ("work_feed",)), ("provenance", ("receipt_files",))):
        block = resolved.get(section)
        if not isinstance(block, dict):
            continue
        block = dict(block)
        for key in keys:
            value = block.get(key)
            if isinstance(value, str) and not Path(value).is_absolute():
                block[key] = str(base / value)
            elif isinstance(value, list):
                block[key] = [str(base / item) if isinstance(item, str) and not Path(item).is_absolute() else item for item in value]
        resolved[section] = block
    return resolved


def load_config(path: Path) -> KeeperConfig:
    """The config from `path` plus environment overrides; ConfigError with every problem listed."""
    data = read_config_file(path)
    try:
        return KeeperConfig(**data)
    except ValidationError as error:
        problems = "\n".join(f"  {'.'.join(str(part) for part in item['loc']) or '(top level)'}: {item['msg']}" for item in error.errors())
        raise ConfigError(f"invalid keeper config {path}:\n{problems}") from None
