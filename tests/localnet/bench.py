"""PubSub and RPC under load while the keeper settles: `python -m tests.localnet.bench --json`.

A localnet (time scale 600) gets N Completed jobs (tests/keeper/bench.py's setup, not timed).
Then S WebSocket subscribers connect from a process of their own, a quarter each with
logsSubscribe (mentions the escrow program), accountSubscribe (the treasury's USDC account,
written by every settlement), logsSubscribe "all" and slotSubscribe; H HTTP clients read
without pause (getAccountInfo, getBalance, getLatestBlockhash, getSignatureStatuses); and the
keeper daemon settles every job. Afterwards the chain's own history of the settlements is the
reference: every logs subscriber must have seen every settlement transaction in order, every
account subscriber one notification per settlement ending at the account's final balance, and
no connection may have been dropped nor any HTTP request have failed.

Prints {"localnet": {...}}: notifications per second (all subscribers, over the settling
window, and in the busiest second), latency from a transaction landing (the node's commit time, `localnet_landedAt`) to
its logs notification arriving at a subscriber (p50 / p99 / max), HTTP request rate and
latency, and the node's resident memory before, at peak and after.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from solana.rpc.async_api import AsyncClient
from solders.pubkey import Pubkey
from solders.signature import Signature

from keeper.client.addresses import EscrowAddresses
from tests.keeper.bench import count_jobs, make_completed_jobs
from tests.keeper.conftest import keeper_config, start_keeper, stop_keeper
from tests.keeper.wallet import Manifest
from tests.localnet.conftest import Localnet, start_localnet, stop_localnet, ws_url

KINDS = ("logs_escrow", "account_treasury", "logs_all", "slots")
DRAIN_TIMEOUT_SECS = 120.0
SETTLE_TIMEOUT_SECS = 900.0
SUBSCRIBE_TIMEOUT_SECS = 60.0


@dataclass
class SubscriberLog:
    kind: str
    # logs subscribers: (signature, arrival time); account subscribers: (slot, amount, arrival time)
    logs: list[tuple[str, float]] = field(default_factory=list)
    accounts: list[tuple[int, int, float]] = field(default_factory=list)
    slots: int = 0
    closed: str | None = None
    first_arrival: float | None = None
    last_arrival: float | None = None

    def has_all(self, expected: set[str], settlements: int, final_amount: int) -> bool:
        if self.kind.startswith("logs"):
            return expected <= {signature for signature, _ in self.logs}
        if self.kind == "account_treasury":
            return len(self.accounts) >= settlements and self.accounts[-1][1] == final_amount
        return True


# --- the subscribers' process ----------------------------------------------------------------


def _subscription(kind: str, escrow: str, treasury: str) -> tuple[str, list[Any]]:
    return {
        "logs_escrow": ("logsSubscribe", [{"mentions": [escrow]}, {"commitment": "confirmed"}]),
        "account_treasury": ("accountSubscribe", [treasury, {"encoding": "base64", "commitment": "confirmed"}]),
        "logs_all": ("logsSubscribe", ["all", {"commitment": "processed"}]),
        "slots": ("slotSubscribe", []),
    }[kind]


async def _subscriber(session: aiohttp.ClientSession, url: str, log: SubscriberLog, escrow: str, treasury: str, subscribed: asyncio.Queue[None]) -> None:
    """Reads until cancelled, recording each notification's arrival time."""
    method, params = _subscription(log.kind, escrow, treasury)
    async with session.ws_connect(url, max_msg_size=0) as ws:
        await ws.send_str(json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        async for message in ws:
            arrived = time.time()
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            frame = json.loads(message.data)
            if "method" in frame:
                log.first_arrival = log.first_arrival or arrived
                log.last_arrival = arrived
            if "id" in frame:
                if "error" in frame:
                    raise RuntimeError(f"{log.kind}: subscription refused: {frame['error']}")
                subscribed.put_nowait(None)
            elif log.kind.startswith("logs"):
                log.logs.append((frame["params"]["result"]["value"]["signature"], arrived))
            elif log.kind == "account_treasury":
                result = frame["params"]["result"]
                data = base64.b64decode(result["value"]["data"][0])
                log.accounts.append((result["context"]["slot"], int.from_bytes(data[64:72], "little"), arrived))
            else:
                log.slots += 1
        log.closed = f"closed by the node: {ws.close_code} {ws.exception()}"


async def _swarm(url: str, count: int, escrow: str, treasury: str, pipe: Connection) -> None:
    subscribed: asyncio.Queue[None] = asyncio.Queue()
    logs = [SubscriberLog(KINDS[i % len(KINDS)]) for i in range(count)]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        tasks = [asyncio.create_task(_subscriber(session, url, log, escrow, treasury, subscribed)) for log in logs]
        for _ in range(count):
            await asyncio.wait_for(subscribed.get(), SUBSCRIBE_TIMEOUT_SECS)
        pipe.send("subscribed")
        # The reference, once the keeper is done: settlement signatures and the final amount.
        expected_signatures, final_amount = await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
        expected = set(expected_signatures)
        deadline = time.monotonic() + DRAIN_TIMEOUT_SECS
        while time.monotonic() < deadline and not all(log.has_all(expected, len(expected_signatures), final_amount) for log in logs):
            if any(task.done() for task in tasks):
                break  # a connection ended: reported below
            await asyncio.sleep(0.2)
        for task in tasks:
            task.cancel()
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    errors = [repr(outcome) for outcome in outcomes if isinstance(outcome, BaseException) and not isinstance(outcome, asyncio.CancelledError)]
    pipe.send(([asdict(log) for log in logs], errors))


def run_swarm(url: str, count: int, escrow: str, treasury: str, pipe: Connection) -> None:
    asyncio.run(_swarm(url, count, escrow, treasury, pipe))


# --- HTTP readers ---------------------------------------------------------------------------


@dataclass
class HttpLoad:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def _reader(session: aiohttp.ClientSession, url: str, number: int, addresses: list[str], load: HttpLoad, stop: asyncio.Event) -> None:
    requests = [
        ("getAccountInfo", [addresses[number % len(addresses)], {"encoding": "base64", "dataSlice": {"offset": 0, "length": 64}}]),
        ("getBalance", [addresses[(number + 1) % len(addresses)]]),
        ("getLatestBlockhash", [{"commitment": "confirmed"}]),
        ("getSignatureStatuses", [["1" * 64]]),
    ]
    turn = number
    while not stop.is_set():
        method, params = requests[turn % len(requests)]
        turn += 1
        started = time.perf_counter()
        try:
            async with session.post(url, json={"jsonrpc": "2.0", "id": turn, "method": method, "params": params}) as response:
                answer = await response.json()
            if "result" not in answer:
                load.errors.append(f"{method}: {answer.get('error')}")
        except (TimeoutError, aiohttp.ClientError) as error:
            load.errors.append(f"{method}: {error!r}")
        load.latencies.append(time.perf_counter() - started)


# --- memory of the node process -------------------------------------------------------------


def node_pid(localnet: Localnet) -> int:
    """The node is the `io-keeper localnet` process's child (it runs in the chain environment)."""
    children = Path(f"/proc/{localnet.process.pid}/task/{localnet.process.pid}/children").read_text().split()
    for child in children:
        if "keeper.localnet.node" in Path(f"/proc/{child}/cmdline").read_bytes().decode(errors="replace"):
            return int(child)
    raise RuntimeError("the localnet node process was not found")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


# --- the run ---------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def settlement_signatures(client: AsyncClient, treasury: Pubkey, after: Signature | None) -> list[Signature]:
    """Every transaction that wrote the treasury's USDC account after `after`, oldest first."""
    found: list[Signature] = []
    before = None
    while True:
        page = (await client.get_signatures_for_address(treasury, before=before, until=after, limit=1_000)).value
        found.extend(item.signature for item in page if item.err is None)
        if len(page) < 1_000:
            return found[::-1]
        before = page[-1].signature


async def landed_times(url: str, signatures: list[str]) -> dict[str, float]:
    times: dict[str, float] = {}
    async with aiohttp.ClientSession() as session:
        for start in range(0, len(signatures), 256):
            chunk = signatures[start : start + 256]
            async with session.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "localnet_landedAt", "params": [chunk]}) as response:
                answer = await response.json()
            times.update(zip(chunk, answer["result"], strict=True))
    return times


async def bench(jobs: int, subscribers: int, http_clients: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        localnet = start_localnet(root / "localnet", "--time-scale", "600")
        keeper = None
        swarm: multiprocessing.Process | None = None
        try:
            manifest = Manifest.read(localnet.state_dir)
            escrow, treasury = EscrowAddresses.program, manifest.addresses["treasury_usdc"]
            async with AsyncClient(localnet.url) as client:
                setup = time.perf_counter()
                await make_completed_jobs(client, manifest, jobs)
                setup = time.perf_counter() - setup
                marker = (await client.get_signatures_for_address(treasury, limit=1)).value
                after = marker[0].signature if marker else None
            pid = node_pid(localnet)
            rss_before = rss_mb(pid)

            parent, child = multiprocessing.get_context("spawn").Pipe()
            swarm = multiprocessing.get_context("spawn").Process(
                target=run_swarm, args=(ws_url(localnet.url), subscribers, str(escrow), str(treasury), child), daemon=True
            )
            swarm.start()
            if not parent.poll(SUBSCRIBE_TIMEOUT_SECS + 30) or parent.recv() != "subscribed":
                raise RuntimeError("the subscribers did not all subscribe")

            stop = asyncio.Event()
            load = HttpLoad()
            addresses = [str(treasury), str(escrow), str(manifest.addresses["usdc_mint"])]
            readers_session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=http_clients))
            readers = [asyncio.create_task(_reader(readers_session, localnet.url, i, addresses, load, stop)) for i in range(http_clients)]
            config = keeper_config(
                root / "keeper",
                localnet.url,
                localnet.state_dir,
                log_level="WARNING",
                settlement={"jobs_per_tx": 8, "concurrency": 32, "interval_secs": 0.5, "max_jobs_per_scan": 20_000},
                rpc={"url": localnet.url, "requests_per_second": 5_000, "max_in_flight": 64},
                emission={"enabled": False},
                burn={"enabled": False},
                rewards={"enabled": False},
                provenance={"enabled": False},
            )
            started = time.perf_counter()
            keeper = await asyncio.to_thread(start_keeper, config)
            rss_peak = rss_before
            deadline = time.monotonic() + SETTLE_TIMEOUT_SECS
            while await asyncio.to_thread(keeper.metric, "jobs_settled_total") < jobs:
                if time.monotonic() > deadline:
                    raise RuntimeError("the keeper did not settle every job in time")
                rss_peak = max(rss_peak, rss_mb(pid))
                await asyncio.sleep(0.5)
            settle_secs = time.perf_counter() - started
            stop.set()
            await asyncio.gather(*readers)
            await readers_session.close()
            http_secs = time.perf_counter() - started

            async with AsyncClient(localnet.url) as client:
                left = await count_jobs(client, "Completed")
                expected = [str(signature) for signature in await settlement_signatures(client, treasury, after)]
                final_amount = int((await client.get_token_account_balance(treasury)).value.amount)
            parent.send((expected, final_amount))
            if not parent.poll(DRAIN_TIMEOUT_SECS + 60):
                raise RuntimeError("the subscribers did not report")
            logs, swarm_errors = parent.recv()
            rss_after = rss_mb(pid)
            return {
                "localnet": summarise(
                    jobs=jobs,
                    subscribers=subscribers,
                    http_clients=http_clients,
                    setup=setup,
                    settle_secs=settle_secs,
                    http_secs=http_secs,
                    left=left,
                    expected=expected,
                    final_amount=final_amount,
                    logs=[SubscriberLog(**log) for log in logs],
                    swarm_errors=swarm_errors,
                    load=load,
                    landed=await landed_times(localnet.url, expected),
                    rss=(rss_before, rss_peak, rss_after),
                )
            }
        finally:
            if swarm is not None and swarm.is_alive():
                swarm.terminate()
            if keeper is not None:
                stop_keeper(keeper)
            stop_localnet(localnet)


def summarise(
    *,
    jobs: int,
    subscribers: int,
    http_clients: int,
    setup: float,
    settle_secs: float,
    http_secs: float,
    left: int,
    expected: list[str],
    final_amount: int,
    logs: list[SubscriberLog],
    swarm_errors: list[str],
    load: HttpLoad,
    landed: dict[str, float],
    rss: tuple[float, float, float],
) -> dict[str, Any]:
    """The figures, and the checks that nothing was dropped (a failed check fails the run)."""
    problems = list(swarm_errors) + [f"{log.kind}: {log.closed}" for log in logs if log.closed]
    if left:
        problems.append(f"{left} jobs still Completed")
    expected_set = set(expected)
    for number, log in enumerate(logs):
        if log.kind == "logs_escrow":
            seen = [signature for signature, _ in log.logs if signature in expected_set]
            if seen != expected:
                problems.append(
                    f"subscriber {number} (logs mentioning escrow) saw {len(seen)} of {len(expected)} settlements"
                    + ("" if len(seen) != len(expected) else " out of order")
                )
        elif log.kind == "logs_all":
            if not expected_set <= {signature for signature, _ in log.logs}:
                problems.append(f"subscriber {number} (all logs) missed settlements")
        elif log.kind == "account_treasury":
            if len(log.accounts) != len(expected) or not log.accounts or log.accounts[-1][1] != final_amount:
                problems.append(f"subscriber {number} (treasury account) saw {len(log.accounts)} of {len(expected)} writes")
        elif log.slots == 0:
            problems.append(f"subscriber {number} (slots) saw no slot")
    if load.errors:
        problems.append(f"{len(load.errors)} HTTP errors, e.g. {load.errors[:3]}")
    if problems:
        raise RuntimeError("the load run dropped something:\n  " + "\n  ".join(problems[:20]))

    latencies = [arrived - landed[signature] for log in logs if log.kind.startswith("logs") for signature, arrived in log.logs if signature in landed]
    firsts = [log.first_arrival for log in logs if log.first_arrival is not None]
    lasts = [log.last_arrival for log in logs if log.last_arrival is not None]
    by_kind = {kind: sum(len(log.logs) + len(log.accounts) + log.slots for log in logs if log.kind == kind) for kind in KINDS}
    notifications = sum(by_kind.values())
    # From the first notification any subscriber got to the last: subscribing to the drain.
    window = max(lasts) - min(firsts) if firsts else 0.0
    # The busiest wall-clock second of settlement notifications (logs and account ones).
    per_second = Counter(int(arrived) for log in logs for arrived in [a for _, a in log.logs] + [a for *_, a in log.accounts])
    rss_before, rss_peak, rss_after = rss
    return {
        "jobs": jobs,
        "subscribers": subscribers,
        "http_clients": http_clients,
        "jobs_setup_secs": round(setup, 2),
        "settle_secs": round(settle_secs, 2),
        "settlement_transactions": len(expected),
        "notifications": notifications,
        "notifications_by_kind": by_kind,
        "notifications_per_sec": round(notifications / window, 1) if window > 0 else None,
        "notify_window_secs": round(window, 2),
        "peak_notifications_per_sec": max(per_second.values()) if per_second else 0,
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50) * 1000, 2),
            "p99": round(percentile(latencies, 0.99) * 1000, 2),
            "max": round(max(latencies) * 1000, 2),
            "samples": len(latencies),
        },
        "http": {
            "requests": len(load.latencies),
            "errors": len(load.errors),
            "requests_per_sec": round(len(load.latencies) / http_secs, 1),
            "p50_ms": round(percentile(load.latencies, 0.50) * 1000, 2),
            "p99_ms": round(percentile(load.latencies, 0.99) * 1000, 2),
        },
        "node_rss_mb": {"before": round(rss_before, 1), "peak": round(rss_peak, 1), "after": round(rss_after, 1)},
        "dropped": 0,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.localnet.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=10_000, help="Completed jobs for the keeper to settle")
    parser.add_argument("--subscribers", type=int, default=200, help="WebSocket subscribers (a quarter of each kind)")
    parser.add_argument("--http-clients", type=int, default=100, help="concurrent HTTP readers")
    parser.add_argument("--json", action="store_true", help="one line of JSON")
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.subscribers < len(KINDS) or args.http_clients < 1:
        parser.error(f"--jobs and --http-clients must be at least 1, --subscribers at least {len(KINDS)}")
    result = asyncio.run(bench(args.jobs, args.subscribers, args.http_clients))
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
