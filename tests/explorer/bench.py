"""Explorer responsiveness on a big network: `python -m tests.explorer.bench --nodes 10000 --jobs 100000 --json`.

Starts a localnet, fills it with real accounts through real transactions (`populate`), starts
`io-keeper explorer`, then times (1) its JSON API, cold (nothing cached) and warm, and (2) the
page in headless Chromium: first load until totals, charts and the jobs table are drawn, the
next table page, and a server-side (memcmp) filter. Every figure the page shows is checked
against what was created, so a fast wrong answer cannot pass.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from solana.rpc.async_api import AsyncClient

from tests.explorer.browser import Browser
from tests.explorer.conftest import SCREENSHOT_DIR, Explorer, start_explorer, stop_explorer
from tests.explorer.populate import Population, populate
from tests.keeper.wallet import Manifest
from tests.localnet.conftest import start_localnet, stop_localnet

LOADED = "document.body.dataset.totals === 'ready' && document.body.dataset.charts === 'ready' && document.body.dataset.table === 'ready'"
CACHE_SECS = 5.0


def timed_get(explorer: Explorer, path: str) -> tuple[float, Any]:
    started = time.perf_counter()
    status, body = explorer.get(path)
    elapsed = time.perf_counter() - started
    if status != 200:
        raise RuntimeError(f"{path}: HTTP {status} {body}")
    return round(elapsed, 3), body


def api_timings(explorer: Explorer, population: Population) -> dict[str, float]:
    busiest = max(population.jobs_by_node, key=population.jobs_by_node.__getitem__)
    out: dict[str, float] = {}
    out["totals_cold"], totals = timed_get(explorer, "/api/totals")
    if totals["jobs"]["by_status"] != {s: population.jobs_by_status.get(s, 0) for s in ("Open", "Started", "Completed")}:
        raise RuntimeError(f"totals disagree with the population: {totals['jobs']} vs {population.jobs_by_status}")
    if totals["staking"]["nodes"] != len(population.nodes) or int(totals["staking"]["staked"]) != population.stake_total:
        raise RuntimeError(f"staking totals disagree: {totals['staking']}")
    out["charts_cold"], _ = timed_get(explorer, "/api/charts")
    out["jobs_page_1_cold"], first = timed_get(explorer, "/api/tables/jobs?per_page=25")
    if first["total"] != sum(population.jobs_by_status.values()):
        raise RuntimeError(f"jobs table has {first['total']} rows")
    out["jobs_page_2_warm"], _ = timed_get(explorer, "/api/tables/jobs?per_page=25&page=2")
    out["jobs_last_page_warm"], _ = timed_get(explorer, f"/api/tables/jobs?per_page=25&page={first['pages']}")
    out["jobs_by_status_cold"], started = timed_get(explorer, "/api/tables/jobs?status=Started")
    if started["total"] != population.jobs_by_status.get("Started", 0):
        raise RuntimeError("memcmp status filter miscounted")
    out["jobs_by_node_cold"], by_node = timed_get(explorer, f"/api/tables/jobs?node={busiest}")
    if by_node["total"] != population.jobs_by_node[busiest]:
        raise RuntimeError("memcmp node filter miscounted")
    out["nodes_page_1_cold"], nodes = timed_get(explorer, "/api/tables/nodes")
    if nodes["total"] != len(population.nodes):
        raise RuntimeError("nodes table miscounted")
    out["stakes_page_1_cold"], _ = timed_get(explorer, "/api/tables/stakes")
    out["totals_warm"], _ = timed_get(explorer, "/api/totals")
    return out


async def page_timings(explorer: Explorer, screenshot: Path | None) -> dict[str, float]:
    await asyncio.sleep(CACHE_SECS + 0.5)  # nothing cached: the first load is a cold one
    out: dict[str, float] = {}
    async with Browser() as browser:
        page = await browser.new_page()
        await page.set_viewport(1400, 1000)
        started = time.perf_counter()
        await page.goto(explorer.url, timeout=120)
        await page.wait_for(LOADED, 120, "page loaded")
        out["page_first_load"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        await page.click("#next-page")
        await page.wait_for("document.body.dataset.table === 'ready' && document.querySelector('#page-info').textContent.startsWith('page 2 ')", 60, "page 2")
        out["page_next_table_page"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        await page.fill("#table-filters select[name=status]", "Started")
        await page.click("#table-filters button[type=submit]")
        await page.wait_for("document.body.dataset.table === 'ready' && document.querySelector('#table tbody tr td:nth-child(3)').textContent === 'Started'", 60, "filtered")
        out["page_filter_by_status"] = round(time.perf_counter() - started, 3)
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
        explorer = None
        try:
            async with AsyncClient(localnet.url, timeout=120) as client:
                population = await populate(client, Manifest.read(localnet.state_dir), nodes=nodes, jobs=jobs)
            explorer = start_explorer(localnet.url, root / "explorer.log", "--cache-secs", str(CACHE_SECS))
            api = api_timings(explorer, population)
            browser = await page_timings(explorer, screenshot)
            return {"explorer": {
                "nodes": nodes, "jobs": jobs, "setup_secs": round(sum(population.timings.values()), 1),
                "api_secs": api, "browser_secs": browser, "cache_secs": CACHE_SECS,
            }}
        finally:
            if explorer is not None:
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
