"""scripts/bench: one JSON object with a LiteSVM compute-unit figure for every instruction of
every program IDL, the issue's targets and whether each is met (reported, not enforced here),
and the keeper's throughput (a small run here: the 10,000-job run takes minutes)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from keeper.client.idl import ProgramIdl

PROGRAMS = ("escrow", "staking", "rewards", "provenance")
KEEPER_JOBS = 40
LOCALNET_JOBS, LOCALNET_SUBSCRIBERS, LOCALNET_HTTP_CLIENTS = 40, 12, 6
# Issue 9's budgets on the current runtime.
ISSUE_TARGETS = {
    "escrow.settle_job": 12_000,
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
    "rewards.emit": 5_000,
    "provenance.record_batch": 6_000,
    "provenance.verify_receipt": 5_000,
}
# Measured beside every IDL instruction: settlement of an IO-paid job (one more transfer).
VARIANTS = {"escrow.settle_job_io"}


def run_bench(repo_root: Path, *args: str) -> str:
    for name in PROGRAMS:
        if not (repo_root / "target" / "deploy" / f"{name}.so").is_file():
            pytest.fail(f"programs not built ({name}.so missing): run scripts/build-sbf", pytrace=False)
    done = subprocess.run([str(repo_root / "scripts" / "bench"), *args], cwd=repo_root, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def report(repo_root: Path) -> dict:
    # The whole stdout is one JSON document.
    return json.loads(
        run_bench(
            repo_root,
            "--json",
            "--keeper-jobs",
            str(KEEPER_JOBS),
            "--keeper-receipts",
            "2000",
            "--explorer-nodes",
            "30",
            "--explorer-jobs",
            "300",
            "--localnet-jobs",
            str(LOCALNET_JOBS),
            "--localnet-subscribers",
            str(LOCALNET_SUBSCRIBERS),
            "--localnet-http-clients",
            str(LOCALNET_HTTP_CLIENTS),
        )
    )


@pytest.fixture(scope="module")
def every_instruction(repo_root: Path) -> set[str]:
    names = {f"{program}.{ix}" for program in PROGRAMS for ix in ProgramIdl.for_program(repo_root, program).instruction_names}
    assert len(names) >= 4 * 4
    return names | VARIANTS


def test_every_instruction_of_every_idl_is_measured(report: dict, every_instruction: set[str]) -> None:
    units = report["compute_units"]
    assert set(units) == every_instruction
    for key, value in units.items():
        assert isinstance(value, int) and not isinstance(value, bool), key
        assert 0 < value <= 1_400_000, f"{key}: {value}"  # a transaction's compute ceiling


def test_each_measurement_says_what_was_measured(report: dict, every_instruction: set[str]) -> None:
    assert set(report["scenarios"]) == every_instruction
    assert all(isinstance(text, str) and text.strip() for text in report["scenarios"].values())


def test_targets_are_the_issues_and_within_targets_is_consistent(report: dict) -> None:
    assert report["targets"] == ISSUE_TARGETS
    within = report["within_targets"]
    assert set(within) == set(ISSUE_TARGETS)
    for key, limit in ISSUE_TARGETS.items():
        assert isinstance(within[key], bool)
        assert within[key] == (report["compute_units"][key] <= limit), key


def test_figures_come_from_the_current_runtime(report: dict) -> None:
    """Agave 4.x with p-token, as clusters run it (not solders 0.26's Agave 2.2)."""
    name, version = report["runtime"].split()
    assert name == "Agave" and int(version.split(".")[0]) >= 4


def test_report_shape(report: dict) -> None:
    sections = {"compute_units", "compute_units_range", "scenarios", "targets", "within_targets", "keeper", "explorer", "localnet"}
    assert sections <= set(report)
    assert all(isinstance(report[key], dict) for key in sections)


def test_median_lies_in_the_measured_range(report: dict, every_instruction: set[str]) -> None:
    assert isinstance(report["runs"], int) and report["runs"] >= 1
    assert set(report["compute_units_range"]) == every_instruction
    for key, (low, high) in report["compute_units_range"].items():
        assert 0 < low <= report["compute_units"][key] <= high, key


def test_table_lists_every_instruction(repo_root: Path, every_instruction: set[str]) -> None:
    table = run_bench(repo_root, "--runs", "1", "--no-keeper", "--no-localnet", "--no-explorer")
    rows = {}
    for line in table.splitlines():
        cells = line.split()
        if cells and cells[0] in every_instruction:
            rows[cells[0]] = int(cells[1])
    assert set(rows) == every_instruction
    assert all(value > 0 for value in rows.values())


def test_keeper_section_has_the_throughput_figures(report: dict) -> None:
    keeper = report["keeper"]
    assert keeper["jobs"] == KEEPER_JOBS and keeper["receipts"] == 2_000
    for key in ("settle_secs", "jobs_settled_per_sec", "jobs_per_settle_tx", "receipts_ingested_per_sec", "receipts_per_tx"):
        assert isinstance(keeper[key], (int, float)) and keeper[key] > 0, key
    assert keeper["settle_transactions"] * keeper["jobs_per_settle_tx"] == pytest.approx(KEEPER_JOBS, rel=0.01)
    assert keeper["within_target"] is None  # only a 10,000-job run is judged against the 90 s target


def test_explorer_section_times_the_api_and_the_page(report: dict) -> None:
    explorer = report["explorer"]
    assert (explorer["nodes"], explorer["jobs"]) == (30, 300)
    assert {"totals", "jobs_page_1", "jobs_page_2", "jobs_by_status_new", "jobs_by_node_new", "nodes_page_1", "totals_stale"} <= set(explorer["api_secs"])
    assert set(explorer["browser_secs"]) == {f"{run}_{step}" for run in ("page", "uncached") for step in ("load", "next_table_page", "filter_by_status")}
    assert isinstance(explorer["startup_read_secs"], float) and explorer["startup_read_secs"] > 0
    for value in [*explorer["api_secs"].values(), *explorer["browser_secs"].values()]:
        assert isinstance(value, float) and 0 < value < 60


def test_localnet_section_reports_pubsub_and_rpc_under_load(report: dict) -> None:
    localnet = report["localnet"]
    assert (localnet["jobs"], localnet["subscribers"], localnet["http_clients"]) == (LOCALNET_JOBS, LOCALNET_SUBSCRIBERS, LOCALNET_HTTP_CLIENTS)
    # The run itself fails when anything was dropped; the report says so too.
    assert localnet["dropped"] == 0 and localnet["http"]["errors"] == 0
    assert 1 <= localnet["settlement_transactions"] <= LOCALNET_JOBS
    assert set(localnet["notifications_by_kind"]) == {"logs_escrow", "account_treasury", "logs_all", "slots"}
    assert localnet["notifications"] == sum(localnet["notifications_by_kind"].values())
    # Every logs and account subscriber (a quarter of them each) saw every settlement.
    per_kind = LOCALNET_SUBSCRIBERS // 4
    assert localnet["notifications_by_kind"]["logs_escrow"] == per_kind * localnet["settlement_transactions"]
    assert localnet["notifications_by_kind"]["account_treasury"] == per_kind * localnet["settlement_transactions"]
    assert localnet["notifications_per_sec"] > 0 and localnet["peak_notifications_per_sec"] > 0
    latency = localnet["latency_ms"]
    assert 0 < latency["p50"] <= latency["p99"] <= latency["max"] < 60_000
    assert latency["samples"] == 2 * per_kind * localnet["settlement_transactions"]
    http = localnet["http"]
    assert http["requests"] > 0 and 0 < http["p50_ms"] <= http["p99_ms"]
    rss = localnet["node_rss_mb"]
    assert 0 < rss["before"] <= rss["peak"] and rss["after"] > 0
