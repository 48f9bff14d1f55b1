"""kill -9 in the middle of settlements and receipt intake, and RPC faults between keeper and
localnet: nothing acknowledged is lost, nothing is paid, recorded or emitted twice."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from solana.rpc.async_api import AsyncClient

from keeper.client.addresses import ProvenanceAddresses, RewardsAddresses
from keeper.client.constants import IO_GENESIS_SUPPLY
from keeper.client.keys import load_keypair
from keeper.client.protocol import Protocol
from keeper.client.schedule import sum_hours
from tests.keeper.conftest import KeeperProcess, keeper_config, localnet_fixture, start_keeper, stop_keeper, wait_for
from tests.keeper.receipts import make_receipts
from tests.keeper.scenario import assert_settled_exactly_once, completed_usdc_jobs
from tests.keeper.wallet import Manifest
from tests.localnet.conftest import REPO_ROOT, Localnet, free_port

localnet = localnet_fixture("--time-scale", "600")
PROTOCOL = Protocol()


class ReceiptPoster(threading.Thread):
    """Posts receipt batches until told to stop; retries a batch until it is acknowledged."""

    def __init__(self, keeper_ref: list[KeeperProcess], base_ts: int, batches: int) -> None:
        super().__init__(daemon=True)
        self.keeper_ref = keeper_ref
        self.pending = [make_receipts(25, base_ts) for _ in range(batches)]
        self.acknowledged: list[str] = []
        self.failures = 0

    def run(self) -> None:
        deadline = time.monotonic() + 120
        while self.pending and time.monotonic() < deadline:
            try:
                answer = self.keeper_ref[-1].post("/receipts", self.pending[0])
            except (urllib.error.URLError, ConnectionError, OSError):
                self.failures += 1
                time.sleep(0.1)
                continue
            self.acknowledged.extend(answer["ids"])
            self.pending.pop(0)
            time.sleep(0.02)


async def onchain_totals(client: AsyncClient) -> tuple[int, int, int, int]:
    """(provenance total_leaves, next_hour, emitted_total, IO supply)."""
    config = PROTOCOL.provenance.decode_account_as("ProvenanceConfig", bytes((await client.get_account_info(ProvenanceAddresses.config)).value.data))
    emission = PROTOCOL.parse_emission(bytes((await client.get_account_info(RewardsAddresses.emission)).value.data))
    supply = int((await client.get_token_supply(RewardsAddresses.io_mint)).value.amount)
    return config.total_leaves, emission.next_hour, emission.emitted_total, supply


def all_recorded(keeper: KeeperProcess, expected: int) -> bool:
    summary = keeper.status()["journal"]
    return summary["receipts"] == expected and summary["receipts_unbatched"] == 0 and "pending" not in summary["batches"]


async def test_kill_9_mid_work_then_restart_loses_nothing_and_pays_nothing_twice(localnet: Localnet, tmp_path: Path, keepers) -> None:  # noqa: ANN001
    manifest = Manifest.read(localnet.state_dir)
    async with AsyncClient(localnet.url, commitment="confirmed") as client:
        total_leaves_before, *_ = await onchain_totals(client)
        node, jobs = await completed_usdc_jobs(client, manifest, 40)
        # One job per transaction, one at a time: slow enough to be killed in the middle.
        config = keeper_config(
            tmp_path,
            localnet.url,
            localnet.state_dir,
            settlement={"jobs_per_tx": 1, "concurrency": 1},
            provenance={"batch_max_receipts": 40, "batch_max_age_secs": 0.2},
        )
        keeper_ref = [start_keeper(config)]
        keepers.append(keeper_ref[0])
        poster = ReceiptPoster(keeper_ref, manifest.settings["emission_start_ts"] - 60, batches=40)
        poster.start()
        wait_for(lambda: keeper_ref[0].metric("jobs_settled_total") >= 5 and len(poster.acknowledged) >= 200, 60, "work under way")
        assert stop_keeper(keeper_ref[0], kill=True) == -9
        settled_before_kill = sum(1 for account in (await client.get_multiple_accounts([j.address for j in jobs])).value if account is None)
        assert settled_before_kill < len(jobs), "the kill happened mid-settlement"
        time.sleep(1)
        keeper_ref.append(start_keeper(config))
        keepers.append(keeper_ref[-1])
        poster.join(timeout=150)
        assert not poster.pending and poster.failures > 0
        unique = set(poster.acknowledged)
        wait_for(lambda: all_recorded(keeper_ref[-1], len(unique)), 90, "every acknowledged receipt recorded")
        wait_for(lambda: keeper_ref[-1].status()["settlement"]["completed_pending"] == 0, 60, "all jobs settled")
        wait_for(lambda: keeper_ref[-1].metric("emission_hours_behind") == 0 and keeper_ref[-1].metric("emission_next_hour") > 0, 30, "emission caught up")
        assert stop_keeper(keeper_ref[-1]) == 0

        await assert_settled_exactly_once(client, manifest, node, jobs)
        total_leaves, next_hour, emitted_total, supply = await onchain_totals(client)
        assert total_leaves - total_leaves_before == len(unique)  # every receipt recorded once
        assert emitted_total == sum_hours(0, next_hour)
        assert supply - IO_GENESIS_SUPPLY == emitted_total - await burned(client)
        prove = subprocess.run(
            [str(Path(sys.executable).with_name("io-keeper")), "prove", poster.acknowledged[0], "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert prove.returncode == 0, prove.stdout + prove.stderr


async def burned(client: AsyncClient) -> int:
    ledger = PROTOCOL.rewards.decode_account_as("BurnLedger", bytes((await client.get_account_info(RewardsAddresses.burn_ledger)).value.data))
    return ledger.total_burned


def start_proxy(upstream: str, *faults: str, port: int | None = None) -> tuple[subprocess.Popen[str], str]:
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.keeper.fault_proxy", "--upstream", upstream, "--port", str(port), "--max-runtime", "300", "--hold-secs", "1.5", *faults],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert "ready" in line, line
    return process, f"http://127.0.0.1:{port}"


async def test_rpc_faults_still_complete_all_work_exactly_once(localnet: Localnet, tmp_path: Path, keepers) -> None:  # noqa: ANN001
    manifest = Manifest.read(localnet.state_dir)
    proxy, proxy_url = start_proxy(localnet.url)
    try:
        async with AsyncClient(localnet.url, commitment="confirmed") as client:
            total_leaves_before, *_ = await onchain_totals(client)
            node, jobs = await completed_usdc_jobs(client, manifest, 30)
            config = keeper_config(
                tmp_path,
                proxy_url,
                localnet.state_dir,
                rpc={"url": proxy_url, "timeout_secs": 1, "max_retries": 20, "resend_after_secs": 0.4},
                settlement={"jobs_per_tx": 2, "concurrency": 4},
                provenance={"batch_max_receipts": 50, "batch_max_age_secs": 0.2},
            )
            keeper = start_keeper(config)
            keepers.append(keeper)
            receipts = make_receipts(300, manifest.settings["emission_start_ts"] - 60)
            ids = [receipt_id for start in range(0, 300, 60) for receipt_id in keeper.post("/receipts", receipts[start : start + 60])["ids"]]
            wait_for(lambda: all_recorded(keeper, len(ids)), 120, "receipts recorded through the faulty RPC")
            wait_for(lambda: keeper.status()["settlement"]["completed_pending"] == 0, 120, "jobs settled through the faulty RPC")
            wait_for(lambda: keeper.metric("emission_hours_behind") == 0 and keeper.metric("emission_next_hour") > 0, 60, "emission caught up")
            assert keeper.metric("rpc_errors_total") > 0
            assert stop_keeper(keeper) == 0
            with urllib.request.urlopen(proxy_url + "/stats", timeout=5) as response:
                faults = json.loads(response.read())
            assert faults.get("429", 0) > 0 and faults.get("dropped", 0) > 0 and faults.get("expired", 0) > 0 and faults.get("timeout", 0) > 0, faults

            await assert_settled_exactly_once(client, manifest, node, jobs)
            total_leaves, next_hour, emitted_total, supply = await onchain_totals(client)
            assert total_leaves - total_leaves_before == len(set(ids))
            assert emitted_total == sum_hours(0, next_hour)
            assert supply == IO_GENESIS_SUPPLY + emitted_total - await burned(client)
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)


async def test_error_objects_garbage_and_an_rpc_outage_never_end_a_task(localnet: Localnet, tmp_path: Path, keepers) -> None:  # noqa: ANN001
    """Reads answered with JSON-RPC error objects (-32005) or with a 200 that is not JSON, 429s
    with Retry-After: retried, counted by kind, and the work completes. Then the RPC goes away:
    every task keeps ticking (failures counted as kind "rpc", backing off), /health stays live,
    /ready fails and says why; when the RPC is back everything completes, exactly once."""
    manifest = Manifest.read(localnet.state_dir)
    faults = ("--node-behind", "0.1", "--not-json", "0.06", "--rate-limit", "0.05", "--drop", "0", "--expired", "0", "--timeout", "0")
    proxy, proxy_url = start_proxy(localnet.url, *faults)
    port = int(proxy_url.rsplit(":", 1)[1])
    try:
        async with AsyncClient(localnet.url, commitment="confirmed") as client:
            node, jobs = await completed_usdc_jobs(client, manifest, 8)
            config = keeper_config(
                tmp_path,
                proxy_url,
                localnet.state_dir,
                rpc={"url": proxy_url, "timeout_secs": 1, "max_retries": 4, "backoff_max_secs": 0.5},
                http={"ready_max_failing_secs": 1},
            )
            keeper = start_keeper(config)
            keepers.append(keeper)
            wait_for(lambda: keeper.metric("jobs_settled_total") >= len(jobs), 120, "jobs settled through error objects and garbage")
            for kind in ("node_behind", "not_json", "http_429"):
                wait_for(lambda kind=kind: keeper.metric("rpc_errors_total", kind=kind) > 0, 60, f"a {kind} answer met and retried")
            wait_for(lambda: keeper.probe("/ready")[0] == 200, 30, "ready through the faulty RPC")

            # The RPC goes away: nothing answers on its port.
            proxy.terminate()
            proxy.wait(timeout=10)
            wait_for(lambda: keeper.probe("/ready")[0] == 503 and keeper.probe("/ready")[1]["failing_tasks"], 60, "/ready reports the outage")
            status, body = keeper.probe("/ready")
            assert status == 503 and body["rpc_healthy"] is False and body["failing_tasks"], body
            assert all(error.startswith("rpc: ") for error in body["errors"].values()), body
            status, body = keeper.probe("/health")
            assert status == 200 and body["errors"], body  # alive, and saying what fails
            assert keeper.metric("task_errors_total", kind="rpc") > 0
            failed_ticks = keeper.metric("task_errors_total", task="emission")
            wait_for(lambda: keeper.metric("task_errors_total", task="emission") > failed_ticks, 60, "the emission task still ticking")
            more_node, more_jobs = await completed_usdc_jobs(client, manifest, 4)

            proxy, _ = start_proxy(localnet.url, "--rate-limit", "0", "--drop", "0", "--expired", "0", "--timeout", "0", port=port)
            wait_for(lambda: keeper.metric("jobs_settled_total") >= len(jobs) + len(more_jobs), 120, "the jobs of the outage settled")
            wait_for(lambda: keeper.probe("/ready")[0] == 200, 60, "ready again")
            assert keeper.metric("task_restarts_total") == 0  # survived in place, never restarted
            assert stop_keeper(keeper) == 0
            await assert_settled_exactly_once(client, manifest, node, jobs)
            await assert_settled_exactly_once(client, manifest, more_node, more_jobs)
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)


async def test_a_fee_payer_below_its_stop_threshold_pauses_spending_until_funded(localnet: Localnet, tmp_path: Path, keepers) -> None:  # noqa: ANN001
    """Below `fee_payer.stop_lamports` the keeper sends nothing (no preflight failing job after
    job), /ready fails and the log says how much to deposit; once the key is funded it resumes
    and settles everything, once."""
    manifest = Manifest.read(localnet.state_dir)
    keeper_key = load_keypair(localnet.state_dir / "keys" / "keeper.json").pubkey()
    async with AsyncClient(localnet.url, commitment="confirmed") as client:
        node, jobs = await completed_usdc_jobs(client, manifest, 3)
        balance = (await client.get_balance(keeper_key)).value
        stop = balance + 2 * 10**9
        config = keeper_config(
            tmp_path,
            localnet.url,
            localnet.state_dir,
            fee_payer={"interval_secs": 0.3, "stop_lamports": stop, "warn_lamports": stop + 10**9},
        )
        keeper = start_keeper(config)
        keepers.append(keeper)
        wait_for(lambda: keeper.metric("task_ticks_paused_total", task="settlement") >= 3, 60, "settlement paused")
        status, body = keeper.probe("/ready")
        assert status == 503 and body["fee_payer_short"] is True and body["fee_payer_lamports"] == balance, body
        assert keeper.metric("fee_payer_lamports") == balance
        assert keeper.metric("jobs_settled_total") == 0 and keeper.metric("transactions_total") == 0
        assert (await client.get_balance(keeper_key)).value == balance  # nothing spent
        assert "deposit at least 3.000000000 SOL" in keeper.logs()

        signature = (await client.request_airdrop(keeper_key, 5 * 10**9)).value
        await client.confirm_transaction(signature, commitment="confirmed")
        wait_for(lambda: keeper.metric("jobs_settled_total") >= len(jobs), 60, "settled once funded")
        wait_for(lambda: keeper.probe("/ready")[0] == 200, 30, "ready once funded")
        assert "transactions resume" in keeper.logs()
        assert stop_keeper(keeper) == 0
        await assert_settled_exactly_once(client, manifest, node, jobs)
