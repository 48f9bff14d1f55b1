"""Stock TypeScript wallets against the localnet and keeper processes, with their default
confirmation paths: @solana/web3.js + @coral-xyz/anchor 0.32, and @solana/kit.

The TypeScript project is tests/clients/ts (package-lock.json committed); `scripts/test` runs
`npm ci` there, and so does this module when node_modules is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from solana.rpc.async_api import AsyncClient
from solders.pubkey import Pubkey
from solders.signature import Signature

from tests.clients.conftest import Cluster
from tests.keeper.test_settlement import expected_split
from tests.keeper.wallet import token_balance

TS_PROJECT = Path(__file__).resolve().parent / "ts"
REPO_ROOT = TS_PROJECT.parents[2]
RUN_TIMEOUT_SECS = 240


@pytest.fixture(scope="module")
def tsx() -> Path:
    node = shutil.which("node")
    assert node is not None, "Node.js is needed for the TypeScript client tests (scripts/test installs it)"
    binary = TS_PROJECT / "node_modules" / ".bin" / "tsx"
    if not binary.exists():
        cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "npm"
        subprocess.run(["npm", "ci", "--cache", str(cache), "--no-audit", "--no-fund"], cwd=TS_PROJECT, check=True)
    return binary


def run_script(tsx: Path, cluster: Cluster, script: str, **extra_env: str) -> dict[str, Any]:
    env = {**os.environ, "RPC_URL": cluster.rpc_url, "STATE_DIR": str(cluster.state_dir), "IDL_DIR": str(REPO_ROOT / "idl"), **extra_env}
    completed = subprocess.run([str(tsx), f"src/{script}"], cwd=TS_PROJECT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECS)
    assert completed.returncode == 0, f"{script} failed:\n{completed.stdout}\n{completed.stderr}\n--- keeper:\n{cluster.keeper.logs()[-3000:]}"
    return json.loads(completed.stdout.strip().splitlines()[-1])


async def assert_settled_exactly(client: AsyncClient, result: dict[str, Any], usdc_before: int) -> None:
    split = expected_split(result["price"], result["hoursReserved"], result["hoursUsed"], result["tokenShareBps"], usdc=True)
    assert (await client.get_account_info(Pubkey.from_string(result["job"]))).value is None
    assert await token_balance(client, Pubkey.from_string(result["operatorToken"])) == split.payout
    assert await token_balance(client, Pubkey.from_string(result["renterToken"])) == usdc_before - split.deposit + split.refund


async def test_web3js_and_anchor_wallet_open_start_complete_and_the_keeper_settles(tsx: Path, cluster: Cluster) -> None:
    result = run_script(tsx, cluster, "web3-anchor.ts")
    async with AsyncClient(cluster.rpc_url, commitment="confirmed") as client:
        await assert_settled_exactly(client, result, 100_000_000)
        signatures = result["signatures"]
        events = result["events"]
        # Every event came through logsSubscribe from the transaction that emitted it.
        assert events["jobOpened"]["signature"] == signatures["opened"]
        assert events["jobStarted"]["signature"] == signatures["started"]
        assert events["jobCompleted"]["signature"] == signatures["completed"]
        settled = (await client.get_transaction(Signature.from_string(events["jobSettled"]["signature"]))).value
        assert settled is not None and settled.transaction.meta.err is None
        assert settled.slot == events["jobSettled"]["slot"] == result["closedSlot"]
        assert {event["job"] for event in events.values()} == {result["job"]}
        # accountSubscribe saw the job change at each step, then close.
        updates = result["accountUpdates"]
        assert updates[-1]["lamports"] == 0 and len(updates) >= 4
        # programSubscribe (memcmp on the Job discriminator) saw the job opened, started and
        # completed; a closed account is no longer the program's, so not its close.
        assert len(result["programUpdates"]) == 3
        assert result["programUpdates"] == [update["slot"] for update in updates[:3]]
        assert isinstance(result["slot"], int) and result["slot"] > 0
    assert result["decodedJob"] == {"hoursReserved": result["hoursReserved"], "pricePerHour": str(result["price"])}


async def test_kit_wallet_opens_and_the_keeper_settles(tsx: Path, cluster: Cluster) -> None:
    result = run_script(tsx, cluster, "kit.ts", WS_URL=cluster.ws_url)
    async with AsyncClient(cluster.rpc_url, commitment="confirmed") as client:
        await assert_settled_exactly(client, result, 50_000_000)
        for name, signature in result["signatures"].items():
            status = (await client.get_signature_statuses([Signature.from_string(signature)])).value[0]
            assert status is not None and status.err is None, name
        # The closing notification carried the slot of the keeper's settlement.
        history = (await client.get_signatures_for_address(Pubkey.from_string(result["job"]), limit=1)).value
        assert history[0].slot == int(result["closedSlot"])
    updates = result["updates"]
    assert updates[-1]["lamports"] == "0" and len(updates) >= 4  # opened, started, completed, closed
