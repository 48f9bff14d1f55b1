"""Benchmarks of the settlement layer, measured on the real SBF programs in LiteSVM.

    scripts/bench                     readable tables
    scripts/bench --json              one JSON object (the shape below)
    scripts/bench --keeper-jobs 500   a smaller keeper section (default 10,000 jobs, ~1.5 min)
    scripts/bench --no-keeper         skip the keeper section (--no-explorer: the explorer section)
    scripts/bench --explorer-jobs 2000 --explorer-nodes 200   a smaller explorer section (default
                                      100,000 jobs and 10,000 nodes, ~5 min of setup)
    scripts/bench --localnet-jobs 500 --localnet-subscribers 20 --localnet-http-clients 10
                                      a smaller localnet section (default 10,000 jobs settled under
                                      200 WebSocket subscribers and 100 HTTP clients); --no-localnet skips it

JSON shape (every section adds its own top-level keys; more sections, e.g. `keeper`, plug
into SECTIONS without touching the others):

    {
      "compute_units":   {"<program>.<instruction>": units, ...},   # every instruction of every IDL
      "scenarios":       {"<program>.<instruction>": "what the measured call did", ...},
      "targets":         {"escrow.settle_job": 30000, ...},          # the issue's limits
      "within_targets":  {"escrow.settle_job": true, ...},
      "keeper":          {"jobs": 10000, "settle_secs": ..., "jobs_settled_per_sec": ..., "receipts_ingested_per_sec": ...,
                          "receipts_per_tx": ..., ...}     # tests/keeper/bench.py; --no-keeper skips it
      "explorer":        {"jobs": 100000, "nodes": 10000, "api_secs": {...}, "browser_secs": {...}, ...}
                                                           # tests/explorer/bench.py; --no-explorer skips it
      "localnet":        {"jobs": 10000, "subscribers": 200, "http_clients": 100, "notifications_per_sec": ...,
                          "latency_ms": {"p50": ..., "p99": ..., "max": ...}, "http": {...}, "node_rss_mb": {...}, ...}
                                                           # tests/localnet/bench.py; --no-localnet skips it
    }

Compute units come from tests/programs/typical.py (every instruction sent as a user would,
on a localnet node with the programs deployed; the figures are LiteSVM's per-invocation ones),
with the runtime they ran on (`runtime`, e.g. "Agave 4.1.2").
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from keeper.localnet.launch import DeployedNode  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.programs.typical import run_typical_calls  # noqa: E402

# The compute-unit budgets on the current runtime (issue 9; reported against, not enforced).
TARGETS: dict[str, int] = {
    "escrow.settle_job": 12_000,  # USDC
    "escrow.settle_job_io": 13_500,
    "escrow.open_job": 15_000,
    "escrow.cancel_job": 9_000,
    "escrow.reclaim_job": 9_000,
    "escrow.start_job": 4_000,
    "escrow.complete_job": 4_000,
    "rewards.claim": 20_000,
    "staking.stake": 10_000,
    "staking.withdraw": 9_000,
    "staking.slash": 18_000,
    "rewards.emit": 5_000,  # one hour
    "provenance.record_batch": 6_000,
    "provenance.verify_receipt": 5_000,  # a proof of 10
}

# --- sections -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One part of the report: `collect` returns its top-level JSON keys, `table` renders them."""

    name: str
    collect: Callable[[Path, argparse.Namespace], dict[str, Any]]
    table: Callable[[dict[str, Any]], str]


def collect_compute_units(repo_root: Path, runs: int) -> dict[str, Any]:
    """`runs` passes on fresh chains with different keys: PDA and ATA derivations cost 1,500
    units per bump tried, so single figures depend on the addresses. The median is reported,
    with the range seen."""
    node = DeployedNode.start(repo_root, port=free_port())
    try:
        runtime = f"Agave {node.node.agave_version}"
        passes = [run_typical_calls(repo_root, node, run) for run in range(runs)]
    finally:
        node.stop()
    first = passes[0]
    units = {key: int(statistics.median_low([p.units[key] for p in passes])) for key in sorted(first.units)}
    return {
        "runtime": runtime,
        "compute_units": units,
        "compute_units_range": {key: [min(p.units[key] for p in passes), max(p.units[key] for p in passes)] for key in units},
        "runs": runs,
        "scenarios": dict(sorted(first.scenarios.items())),
        "targets": dict(TARGETS),
        "within_targets": {key: units[key] <= limit for key, limit in TARGETS.items()},
    }


def compute_units_table(data: dict[str, Any]) -> str:
    units, targets, within = data["compute_units"], data["targets"], data["within_targets"]
    width = max(len(key) for key in units)
    ranges = data["compute_units_range"]
    lines = [f"Compute units ({data['runtime']} in LiteSVM, real SBF programs deployed by the upgradeable loader; median of {data['runs']} runs)", ""]
    lines.append(f"{'instruction':<{width}}  {'units':>7}  {'min-max':>13}  {'target':>7}  status  scenario")
    lines.append("-" * (width + 50))
    for key, value in units.items():
        target = f"{targets[key]:>7}" if key in targets else " " * 7
        status = ("ok    " if within[key] else "OVER  ") if key in targets else "      "
        low, high = ranges[key]
        lines.append(f"{key:<{width}}  {value:>7}  {f'{low}-{high}':>13}  {target}  {status}  {data['scenarios'][key]}")
    over = [key for key, good in within.items() if not good]
    lines.append("")
    lines.append("targets: all met" if not over else f"targets missed: {', '.join(over)}")
    return "\n".join(lines)


def run_section(repo_root: Path, module: str, key: str, arguments: list[str], timeout: int) -> dict[str, Any]:
    """`python -m <module> ... --json` as a subprocess; its last line is {key: {...}}."""
    done = subprocess.run([sys.executable, "-m", module, *arguments, "--json"], cwd=repo_root, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{key} bench failed ({done.returncode}):\n{done.stderr[-4000:]}")
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    result = json.loads(lines[-1]) if lines else None
    if not isinstance(result, dict) or not isinstance(result.get(key), dict):
        raise RuntimeError(f'{key} bench printed no {{"{key}": ...}} object:\n{done.stdout[-2000:]}')
    return {key: result[key]}


def collect_keeper(repo_root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """tests/keeper/bench.py's measurement (localnet + keeper daemon as processes):
    {"keeper": {...}}, or nothing with --no-keeper."""
    if args.no_keeper:
        return {}
    return run_section(repo_root, "tests.keeper.bench", "keeper", ["--jobs", str(args.keeper_jobs), "--receipts", str(args.keeper_receipts)], 1_800)


def keeper_table(data: dict[str, Any]) -> str:
    if "keeper" not in data:
        return "Keeper throughput: skipped (--no-keeper)"
    k = data["keeper"]
    verdict = {True: "within", False: "OVER", None: "not judged below 10,000 jobs"}[k["within_target"]]
    return "\n".join(
        [
            "Keeper throughput (localnet on LiteSVM + io-keeper daemon, separate processes)",
            "",
            f"jobs settled         {k['jobs']:>9,}  in {k['settle_secs']:.1f} s  ({k['jobs_settled_per_sec']:,.1f} jobs/s; "
            f"target < {k['settle_target_secs']:g} s for 10,000: {verdict})",
            f"settle transactions  {k['settle_transactions']:>9,}  ({k['jobs_per_settle_tx']:g} jobs per transaction)",
            f"setup (not timed)    {k['jobs_setup_secs']:>9.1f} s to open, start and complete the jobs",
            f"receipts ingested    {k['receipts']:>9,}  ({k['receipts_ingested_per_sec']:,.0f} receipts/s over HTTP; "
            f"recorded on chain in {k['receipts_recorded_secs']:.1f} s)",
            f"receipts per tx      {k['receipts_per_tx']:>9,.0f}  ({k['batches']} record_batch transactions)",
        ]
    )


def collect_explorer(repo_root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """tests/explorer/bench.py's measurement (localnet filled with real accounts, explorer
    process, headless Chromium): {"explorer": {...}}, or nothing with --no-explorer."""
    if args.no_explorer:
        return {}
    return run_section(repo_root, "tests.explorer.bench", "explorer", ["--nodes", str(args.explorer_nodes), "--jobs", str(args.explorer_jobs)], 3_600)


def explorer_table(data: dict[str, Any]) -> str:
    if "explorer" not in data:
        return "Explorer responsiveness: skipped (--no-explorer)"
    e = data["explorer"]
    lines = [
        f"Explorer responsiveness ({e['jobs']:,} jobs, {e['nodes']:,} nodes on the localnet; "
        f"setup {e['setup_secs']:.0f} s not timed; reads cached {e['cache_secs']:g} s)",
        "",
    ]
    lines.append(f"start-up read (totals, charts, first jobs page) {e['startup_read_secs'] * 1000:,.0f} ms")
    lines += [f"api  {name:<22} {secs * 1000:>8,.0f} ms" for name, secs in e["api_secs"].items()]
    lines += [f"page {name:<22} {secs * 1000:>8,.0f} ms" for name, secs in e["browser_secs"].items()]
    return "\n".join(lines)


def collect_localnet(repo_root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """tests/localnet/bench.py's measurement (PubSub and RPC under load while the keeper
    settles): {"localnet": {...}}, or nothing with --no-localnet."""
    if args.no_localnet:
        return {}
    return run_section(
        repo_root,
        "tests.localnet.bench",
        "localnet",
        [
            "--jobs",
            str(args.localnet_jobs),
            "--subscribers",
            str(args.localnet_subscribers),
            "--http-clients",
            str(args.localnet_http_clients),
        ],
        3_600,
    )


def localnet_table(data: dict[str, Any]) -> str:
    if "localnet" not in data:
        return "Localnet under load: skipped (--no-localnet)"
    n = data["localnet"]
    latency, http, rss = n["latency_ms"], n["http"], n["node_rss_mb"]
    return "\n".join(
        [
            f"Localnet under load ({n['subscribers']} WebSocket subscribers, {n['http_clients']} HTTP clients, "
            f"keeper settling {n['jobs']:,} jobs in {n['settlement_transactions']:,} transactions; nothing dropped)",
            "",
            f"notifications        {n['notifications']:>9,}  ({n['notifications_per_sec']:,.0f}/s over {n['notify_window_secs']:.1f} s; "
            f"busiest second {n['peak_notifications_per_sec']:,})",
            f"landing -> notified  p50 {latency['p50']:.1f} ms, p99 {latency['p99']:.1f} ms, max {latency['max']:.1f} ms ({latency['samples']:,} samples)",
            f"HTTP reads           {http['requests']:>9,}  ({http['requests_per_sec']:,.0f}/s; p50 {http['p50_ms']:.1f} ms, p99 {http['p99_ms']:.1f} ms; {http['errors']} errors)",
            f"node memory (RSS)    {rss['before']:.0f} MB before, {rss['peak']:.0f} MB peak, {rss['after']:.0f} MB after",
        ]
    )


SECTIONS: list[Section] = [
    Section("compute_units", lambda root, args: collect_compute_units(root, args.runs), compute_units_table),
    Section("keeper", collect_keeper, keeper_table),
    Section("explorer", collect_explorer, explorer_table),
    Section("localnet", collect_localnet, localnet_table),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    parser.add_argument("--runs", type=int, default=5, help="fresh-chain passes per figure (median reported)")
    parser.add_argument("--keeper-jobs", type=int, default=10_000, help="jobs the keeper section settles (default 10000)")
    parser.add_argument("--keeper-receipts", type=int, default=50_000, help="receipts the keeper section ingests (default 50000)")
    parser.add_argument("--no-keeper", action="store_true", help="skip the keeper throughput section")
    parser.add_argument("--explorer-nodes", type=int, default=10_000, help="nodes on the explorer section's localnet (default 10000)")
    parser.add_argument("--explorer-jobs", type=int, default=100_000, help="jobs on the explorer section's localnet (default 100000)")
    parser.add_argument("--no-explorer", action="store_true", help="skip the explorer responsiveness section")
    parser.add_argument("--localnet-jobs", type=int, default=10_000, help="jobs settled in the localnet load section (default 10000)")
    parser.add_argument("--localnet-subscribers", type=int, default=200, help="WebSocket subscribers in the localnet section (default 200)")
    parser.add_argument("--localnet-http-clients", type=int, default=100, help="HTTP clients in the localnet section (default 100)")
    parser.add_argument("--no-localnet", action="store_true", help="skip the localnet load section")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.keeper_jobs < 1 or args.keeper_receipts < 1:
        parser.error("--keeper-jobs and --keeper-receipts must be at least 1")
    if args.explorer_nodes < 1 or args.explorer_jobs < 1:
        parser.error("--explorer-nodes and --explorer-jobs must be at least 1")
    if args.localnet_jobs < 1 or args.localnet_subscribers < 4 or args.localnet_http_clients < 1:
        parser.error("--localnet-jobs and --localnet-http-clients must be at least 1, --localnet-subscribers at least 4")
    results = [(section, section.collect(REPO_ROOT, args)) for section in SECTIONS]
    if args.json:
        merged: dict[str, Any] = {}
        for _, data in results:
            merged.update(data)
        print(json.dumps(merged, indent=2))
    else:
        print("\n\n".join(section.table(data) for section, data in results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
