"""Explorer responsiveness on a big network: `python -m tests.explorer.bench --nodes 10000 --jobs 100000 --json`.

Starts a localnet, fills it with real accounts through real transactions (`populate`), starts
`io-keeper explorer`, then times its start-up read, its JSON API, and the page in headless
Chromium (load until totals, charts and the jobs table are drawn, the next table page, a
server-side memcmp filter) — once as a visitor meets it, once with caching off (every figure
read from the RPC node per request). The figures are checked against what was created, so a
fast wrong answer cannot pass.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from solana.rpc.async_api import AsyncClient

from tests.explorer.browser import Browser
from tests.explorer.conftest import LOADED, SCREENSHOT_DIR, Explorer, start_explorer, stop_explorer
from tests.explorer.populate import Population, populate
from tests.keeper.wallet import Manifest
from tests.localnet.conftest import start_localnet, stop_localnet

CACHE_SECS = 5.0


def timed_get(explorer: Explorer, path: str) -> tuple[float, Any]:
    started = time.perf_counter()
    status, body = explorer.get(path)
    elapsed = time.perf_counter() - started
    if status != 200:
        raise RuntimeError(f"{path}: HTTP {status} {body}")
    return round(elapsed, 3), body


def wait_for_warm_up(log_path: Path, timeout: float = 300) -> float:
    """Seconds the explorer's start-up read took (it logs them)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(r"read the network in ([0-9.]+) s", log_path.read_text())
        if match:
            return float(match.group(1))
        time.sleep(0.1)
    raise RuntimeError(f"explorer never finished its start-up read:\n{log_path.read_text()[-2000:]}")


def api_timings(explorer: Explorer, population: Population) -> dict[str, float]:
    """After the start-up read: what a visitor gets. `_new` reads are filters nobody asked
    for before (a getProgramAccounts with memcmp each); `_stale` is past --cache-secs."""
    busiest = max(population.jobs_by_node, key=population.jobs_by_node.__getitem__)
    out: dict[str, float] = {}
    out["totals"], totals = timed_get(explorer, "/api/totals")
    if totals["jobs"]["by_status"] != {s: population.jobs_by_status.get(s, 0) for s in ("Open", "Started", "Completed", "Disputed")}:
        raise RuntimeError(f"totals disagree with the population: {totals['jobs']} vs {population.jobs_by_status}")
    if totals["staking"]["nodes"] != len(population.nodes) or int(totals["staking"]["staked"]) != population.stake_total:
        raise RuntimeError(f"staking totals disagree: {totals['staking']}")
    out["charts"], _ = timed_get(explorer, "/api/charts")
    out["jobs_page_1"], first = timed_get(explorer, "/api/tables/jobs?per_page=25")
    if first["total"] != sum(population.jobs_by_status.values()):
        raise RuntimeError(f"jobs table has {first['total']} rows")
    out["jobs_page_2"], _ = timed_get(explorer, "/api/tables/jobs?per_page=25&page=2")
    out["jobs_last_page"], _ = timed_get(explorer, f"/api/tables/jobs?per_page=25&page={first['pages']}")
    out["jobs_by_status_new"], started = timed_get(explorer, "/api/tables/jobs?status=Started")
    if started["total"] != population.jobs_by_status.get("Started", 0):
        raise RuntimeError("memcmp status filter miscounted")
    out["jobs_by_node_new"], by_node = timed_get(explorer, f"/api/tables/jobs?node={busiest}")
    if by_node["total"] != population.jobs_by_node[busiest]:
        raise RuntimeError("memcmp node filter miscounted")
    out["nodes_page_1"], nodes = timed_get(explorer, "/api/tables/nodes")
    if nodes["total"] != len(population.nodes):
        raise RuntimeError("nodes table miscounted")
    out["stakes_page_1_new"], _ = timed_get(explorer, "/api/tables/stakes")
    time.sleep(CACHE_SECS + 0.5)
    out["totals_stale"], _ = timed_get(explorer, "/api/totals")
    return out


async def page_timings(explorer: Explorer, screenshot: Path | None, prefix: str = "page") -> dict[str, float]:
    out: dict[str, float] = {}
    async with Browser() as browser:
        page = await browser.new_page()
        await page.set_viewport(1400, 1000)
        started = time.perf_counter()
        await page.goto(explorer.url, timeout=120)
        await page.wait_for(LOADED, 120, "page loaded")
        out[f"{prefix}_load"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        await page.click("#next-page")
        await page.wait_for("document.body.dataset.table === 'ready' && document.querySelector('#page-info').textContent.startsWith('page 2 ')", 60, "page 2")
        out[f"{prefix}_next_table_page"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        await page.fill("#table-filters select[name=status]", "Completed")
        await page.click("#table-filters button[type=submit]")
        await page.wait_for(
            "document.body.dataset.table === 'ready' && document.querySelector('#table tbody tr td:nth-child(3)').textContent === 'Completed'", 60, "filtered"
        )
        out[f"{prefix}_filter_by_status"] = round(time.perf_counter() - started, 3)
        if screenshot is not None:
            await page.fill("#table-filters select[name=status]", "")
            await page.click("#table-filters button[type=submit]")
            await page.wait_for("document.body.dataset.table === 'ready'", 60, "unfiltered")
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(screenshot)
        errors = [e for e in page.console_errors if "Failed to load resource" not in e]
        if page.failed_requests or errors:
            raise RuntimeError(f"page errors: {page.failed_requests} {errors}")
    return out


async def bench(nodes: int, jobs: int, screenshot: Path | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        localnet = start_localnet(root / "localnet")
        explorers: list[Explorer] = []
        try:
            async with AsyncClient(localnet.url, timeout=120) as client:
                population = await populate(client, Manifest.read(localnet.state_dir), nodes=nodes, jobs=jobs)
            # As a visitor meets it: started with its defaults plus a known cache time.
            explorers.append(start_explorer(localnet.url, root / "explorer.log", "--cache-secs", str(CACHE_SECS)))
            startup = wait_for_warm_up(root / "explorer.log")
            api = api_timings(explorers[0], population)
            browser = await page_timings(explorers[0], screenshot)
            # The worst case: nothing cached, every figure read from the RPC node on each request.
            explorers.append(start_explorer(localnet.url, root / "uncached.log", "--cache-secs", "0", "--stale-secs", "0"))
            uncached = await page_timings(explorers[1], None, prefix="uncached")
            return {
                "explorer": {
                    "nodes": nodes,
                    "jobs": jobs,
                    "setup_secs": round(sum(population.timings.values()), 1),
                    "startup_read_secs": startup,
                    "api_secs": api,
                    "browser_secs": {**browser, **uncached},
                    "cache_secs": CACHE_SECS,
                }
            }
        finally:
            for explorer in explorers:
                stop_explorer(explorer)
            stop_localnet(localnet)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.explorer.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--screenshot", type=Path, default=SCREENSHOT_DIR / "scale.png", help="where to save the loaded page")
    parser.add_argument("--json", action="store_true", help="one line of JSON")
    args = parser.parse_args(argv)
    if args.nodes < 1 or args.jobs < 1:
        parser.error("--nodes and --jobs must be at least 1")
    result = asyncio.run(bench(args.nodes, args.jobs, args.screenshot))
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
