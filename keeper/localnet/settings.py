"""Configuration of the embedded localnet (CLI flags, or IO_LOCALNET_* environment variables)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def find_repo_root(start: Path) -> Path:
    """The nearest directory at or above `start` holding Anchor.toml (where the programs live)."""
    for directory in (start, *start.parents):
        if (directory / "Anchor.toml").is_file():
            return directory
    raise FileNotFoundError(f"no Anchor.toml found at or above {start}; pass --repo-root")


class LocalnetSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IO_LOCALNET_", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8899, ge=1, le=65535)
    # The chain clock runs this many times faster than wall time (1 = real time).
    time_scale: float = Field(default=1.0, ge=1.0, le=1_000_000.0)
    # Keys the localnet generates (faucet, bootstrap authorities) and its manifest.
    state_dir: Path = Path(".localnet")
    repo_root: Path | None = None
    # Refuse to start unless every Anchor.toml program has a built .so.
    require_programs: bool = False
    # Chain time at start; None = the current wall-clock time.
    start_unix_timestamp: int | None = Field(default=None, ge=0)
    # Escrow's dispute window: a development chain settles soon after completion (the program's
    # least, 60 s; keeper.localnet.deployment.Settings' default for a real deployment is an hour).
    dispute_window_secs: int = Field(default=60, ge=60, le=7 * 24 * 3600)

    @field_validator("host")
    @classmethod
    def _loopback_only(cls, host: str) -> str:
        # A development chain with a faucet must not be reachable from other machines.
        if host not in {"127.0.0.1", "localhost", "::1"}:
            raise ValueError("the localnet only listens on the loopback interface")
        return host

    def resolved_repo_root(self) -> Path:
        return (self.repo_root or find_repo_root(Path.cwd())).resolve()
