"""Starting a localnet node process, and bringing a localnet up: node, deploy, bootstrap.

The node (`keeper.localnet.node`) runs under the chain environment's interpreter
(`.venv-chain`, solders 0.29 with Agave 4.1): this process holds anchorpy, whose pins keep
solders below 0.27, so the two cannot share one. Everything between them is JSON-RPC.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from solders.keypair import Keypair

from keeper.localnet.deploy import deploy_workspace
from keeper.localnet.remote import LocalnetChain

CHAIN_PYTHON_ENV: Final = "IO_LOCALNET_CHAIN_PYTHON"
READY_TIMEOUT_SECS: Final = 60.0
DEPLOYER_LAMPORTS: Final = 10_000 * 10**9


def chain_python() -> Path:
    """The chain environment's interpreter: $IO_LOCALNET_CHAIN_PYTHON, else `.venv-chain` beside
    the keeper's sources (where scripts/setup-python makes it)."""
    configured = os.environ.get(CHAIN_PYTHON_ENV)
    path = Path(configured) if configured else Path(__file__).resolve().parents[2] / ".venv-chain" / "bin" / "python"
    if not path.is_file():
        raise FileNotFoundError(f"no chain environment at {path}: run scripts/setup-python (or set {CHAIN_PYTHON_ENV})")
    return path


@dataclass
class NodeProcess:
    """A running localnet node."""

    process: subprocess.Popen[str]
    url: str
    agave_version: str
    manual_clock: bool

    @classmethod
    def start(
        cls,
        python: Path,
        *,
        port: int,
        host: str = "127.0.0.1",
        manual_clock: bool = False,
        time_scale: float = 1.0,
        start_unix_timestamp: int | None = None,
        faucet_keypair: Path | None = None,
    ) -> NodeProcess:
        command = [str(python), "-m", "keeper.localnet.node", "--host", host, "--port", str(port)]
        command += ["--manual-clock"] if manual_clock else ["--time-scale", repr(time_scale)]
        if start_unix_timestamp is not None:
            command += ["--start-unix-timestamp", str(start_unix_timestamp)]
        if faucet_keypair is not None:
            command += ["--faucet-keypair", str(faucet_keypair)]
        # The node's stderr (its logs) goes where ours goes; stdout carries the ready line.
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
        assert process.stdout is not None
        deadline = time.monotonic() + READY_TIMEOUT_SECS
        while time.monotonic() < deadline:
            readable, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
            line = process.stdout.readline() if readable else ""
            if line.startswith("ready "):
                _, url, _, version = line.split()
                return cls(process, url, version, manual_clock)
            if process.poll() is not None:
                raise RuntimeError(f"the localnet node exited with {process.returncode} before it was ready")
        process.kill()
        raise TimeoutError(f"the localnet node was not ready within {READY_TIMEOUT_SECS:.0f} s")

    def client(self) -> LocalnetChain:
        return LocalnetChain(self.url, manual_clock=self.manual_clock)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


@dataclass
class DeployedNode:
    """A node with a manual clock and the workspace programs deployed through the upgradeable
    loader, remembered as a snapshot: `fresh` returns the chain to it (tests, benchmarks)."""

    node: NodeProcess
    chain: LocalnetChain
    # Paid for the deployments and is the programs' upgrade authority.
    deployer: Keypair
    deployed_snapshot: int

    @classmethod
    def start(cls, repo_root: Path, *, port: int) -> DeployedNode:
        node = NodeProcess.start(chain_python(), port=port, manual_clock=True)
        try:
            chain = node.client()
            deployer = Keypair()
            chain.airdrop(deployer.pubkey(), DEPLOYER_LAMPORTS)
            deploy_workspace(chain, deployer, deployer, repo_root)
            return cls(node, chain, deployer, chain.snapshot())
        except BaseException:
            node.stop()
            raise

    def fresh(self, start_unix_timestamp: int | None = None) -> LocalnetChain:
        """The chain back to "programs deployed, nothing else", its clock at the given time."""
        self.chain.revert(self.deployed_snapshot)
        if start_unix_timestamp is not None:
            self.chain.set_time(unix_timestamp=start_unix_timestamp)
        return self.chain

    def stop(self) -> None:
        self.chain.close()
        self.node.stop()
