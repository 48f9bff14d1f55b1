"""`io-keeper` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient

from keeper.cli.explore import KINDS as EXPLORE_KINDS
from keeper.cli.explore import run as explore_run
from keeper.cli.prove import render as prove_render
from keeper.cli.prove import run as prove_run
from keeper.cli.wallet.jobs import add_job_commands, run_job_command
from keeper.cli.wallet.stakes import add_stake_commands, run_stake_command
from keeper.client.keys import load_keypair, load_or_create_keypair
from keeper.client.models import Receipt
from keeper.client.protocol import Protocol
from keeper.daemon.app import run_keeper
from keeper.daemon.config import ConfigError, KeeperConfig, load_config
from keeper.daemon.journal import Journal
from keeper.daemon.logs import configure as configure_logging
from keeper.explorer.read import NetworkReader
from keeper.explorer.web import serve as serve_web_explorer
from keeper.localnet.bootstrap import BootstrapContext, bootstrap_steps, run_bootstrap, write_manifest
from keeper.localnet.launch import NodeProcess, chain_python
from keeper.localnet.settings import LocalnetSettings

log = logging.getLogger("io-keeper")
DEFAULT_RPC_URL = "http://127.0.0.1:8899"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="io-keeper", description="IO settlement keeper tools")
    commands = parser.add_subparsers(dest="command", required=True)
    localnet = commands.add_parser("localnet", help="run a Solana JSON-RPC localnet backed by LiteSVM")
    localnet.add_argument("--host", default=argparse.SUPPRESS, help="loopback address to listen on (default 127.0.0.1)")
    localnet.add_argument("--port", type=int, default=argparse.SUPPRESS, help="port (default 8899)")
    localnet.add_argument("--time-scale", type=float, default=argparse.SUPPRESS, help="chain clock speed-up over wall time (default 1)")
    localnet.add_argument("--state-dir", type=Path, default=argparse.SUPPRESS, help="where generated keys and localnet.json go (default .localnet)")
    localnet.add_argument("--repo-root", type=Path, default=argparse.SUPPRESS, help="workspace with Anchor.toml (default: found from cwd)")
    localnet.add_argument("--require-programs", action="store_true", default=argparse.SUPPRESS, help="fail unless every program .so is built")
    localnet.add_argument("--start-unix-timestamp", type=int, default=argparse.SUPPRESS, help="chain time at start (default now)")
    localnet.add_argument(
        "--dispute-window-secs",
        type=int,
        default=argparse.SUPPRESS,
        help="escrow's dispute window after a job completes (default 60, the least the program allows)",
    )
    run = commands.add_parser("run", help="run the keeper daemon against any Solana cluster")
    run.add_argument("--config", type=Path, required=True, help="TOML or JSON config file (IO_KEEPER_* env vars override it)")
    status = commands.add_parser("status", help="what a running keeper is doing (or its journal, if it is not running)")
    status.add_argument("--config", type=Path, required=True)
    status.add_argument("--json", action="store_true", help="machine-readable output")
    explore = commands.add_parser("explore", help="program accounts decoded through the IDLs")
    explore.add_argument("kind", choices=sorted(EXPLORE_KINDS))
    source = explore.add_mutually_exclusive_group(required=True)
    source.add_argument("--rpc-url", help="a Solana JSON-RPC URL")
    source.add_argument("--config", type=Path, help="take the RPC URL from a keeper config")
    explore.add_argument("--idl-dir", type=Path, default=None, help="where <program>.json IDLs are (default: the workspace idl/)")
    explore.add_argument("--json", action="store_true", help="machine-readable output")
    explorer = commands.add_parser("explorer", help="serve the web explorer of the network on localhost")
    explorer_source = explorer.add_mutually_exclusive_group()
    explorer_source.add_argument("--rpc-url", default=None, help=f"a Solana JSON-RPC URL (default: the embedded localnet, {DEFAULT_RPC_URL})")
    explorer_source.add_argument("--config", type=Path, help="take the RPC URL from a keeper config")
    explorer.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    explorer.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    explorer.add_argument("--idl-dir", type=Path, default=None, help="where <program>.json IDLs are (default: the workspace idl/)")
    explorer.add_argument("--cache-secs", type=float, default=2.0, help="how long RPC reads are reused across page loads (default 2)")
    explorer.add_argument(
        "--stale-secs", type=float, default=30.0, help="after that, how long the last read is still served at once while a fresh one is made (default 30)"
    )
    add_job_commands(commands)
    add_stake_commands(commands)
    prove = commands.add_parser("prove", help="print a receipt's proof and check it on-chain with provenance.verify_receipt")
    prove.add_argument("receipt_id", help="the receipt id (hex of its Merkle leaf, as returned by POST /receipts)")
    prove.add_argument("--config", type=Path, required=True)
    prove.add_argument("--receipt", type=Path, default=None, help="check this receipt (JSON file) against RECEIPT_ID's proof instead")
    prove.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def serve_localnet(settings: LocalnetSettings) -> None:
    """Starts the node, deploys and bootstraps through it, then runs until the node ends or a signal."""
    state_dir = settings.state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    repo_root = settings.resolved_repo_root()
    faucet = state_dir / "keys" / "faucet.json"
    faucet_address = load_or_create_keypair(faucet).pubkey()
    node = NodeProcess.start(
        chain_python(),
        host=settings.host,
        port=settings.port,
        time_scale=settings.time_scale,
        start_unix_timestamp=settings.start_unix_timestamp,
        faucet_keypair=faucet,
    )
    try:
        chain = node.client()
        context = BootstrapContext(chain=chain, state_dir=state_dir, repo_root=repo_root)
        run_bootstrap(context, bootstrap_steps(require_programs=settings.require_programs, dispute_window_secs=settings.dispute_window_secs))
        manifest = write_manifest(context, node.url, faucet_address)
        chain.close()
        programs = ", ".join(spec.name for spec in context.loaded_programs) or "none built yet"
        # Printed last, once everything is deployed: scripts may wait for this line.
        print(
            f"io-keeper localnet ready at {node.url} (Agave {node.agave_version}; time scale {settings.time_scale:g}x; "
            f"programs: {programs}; manifest {manifest})",
            flush=True,
        )
        node.process.wait()
    finally:
        node.stop()


def _load_keeper_config(command: str, path: Path) -> KeeperConfig | None:
    try:
        return load_config(path)
    except ConfigError as error:
        print(f"io-keeper {command}: {error}", file=sys.stderr)
        return None


def _run(arguments: dict[str, Any]) -> int:
    config = _load_keeper_config("run", arguments["config"])
    if config is None:
        return 2
    configure_logging(config.log_format, config.log_level)
    try:
        asyncio.run(run_keeper(config))
    except KeyboardInterrupt:
        return 0
    except (OSError, ValueError) as error:
        print(f"io-keeper run: {error}", file=sys.stderr)
        return 1
    return 0


def _status(arguments: dict[str, Any]) -> int:
    config = _load_keeper_config("status", arguments["config"])
    if config is None:
        return 2
    url = f"http://{config.http.host}:{config.http.metrics_port}/status"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            document = json.loads(response.read())
        document["running"] = True
    except OSError:
        if not config.journal_path.is_file():
            print(f"io-keeper status: keeper not running at {url} and no journal at {config.journal_path}", file=sys.stderr)
            return 1
        journal = Journal(config.journal_path)
        try:
            document = {"running": False, "journal": journal.summary()}
        finally:
            journal.close()
    if arguments["json"]:
        print(json.dumps(document, indent=2))
    else:
        print(format_status(document))
    return 0


def format_status(document: dict[str, Any]) -> str:
    lines = [f"keeper: {'running' if document.get('running') else 'not running'}"]
    if "emission" in document:
        e = document["emission"]
        lines.append(f"emission: next hour {e['next_hour']}, {e['hours_behind']} behind, schedule {'ok' if e['schedule_matches'] else 'MISMATCH'}")
        s = document["settlement"]
        lines.append(
            f"settlement: {s['jobs_settled']} jobs settled in {s['transactions']} txs, {s['completed_pending']} completed pending, {s['timed_out']} timed out"
        )
        for name, task in document.get("tasks", {}).items():
            lines.append(
                f"task {name}: last tick {time.strftime('%H:%M:%S', time.localtime(task['last_tick']))}"
                + (f", error: {task['error']}" if task["error"] else "")
            )
    j = document.get("journal", {})
    lines.append(
        f"receipts: {j.get('receipts', 0)} ({j.get('receipts_unbatched', 0)} not yet in a batch); batches: {j.get('batches', {})}; epochs: {j.get('epochs', {})}"
    )
    return "\n".join(lines)


def _read_source(command: str, arguments: dict[str, Any], default_rpc_url: str | None) -> tuple[str, Path | None] | None:
    """(RPC URL, IDL dir) of a read command: --rpc-url, or a keeper config's; None when the
    config is bad (the error is printed)."""
    rpc_url, idl_dir = arguments["rpc_url"] or default_rpc_url, arguments["idl_dir"]
    if arguments["config"] is not None:
        config = _load_keeper_config(command, arguments["config"])
        if config is None:
            return None
        rpc_url, idl_dir = config.rpc.url, idl_dir or config.idl_dir
    assert rpc_url is not None  # argparse requires --rpc-url or --config where there is no default
    return rpc_url, idl_dir


def _explore(arguments: dict[str, Any]) -> int:
    source = _read_source("explore", arguments, None)
    if source is None:
        return 2
    rpc_url, idl_dir = source
    try:
        print(explore_run(rpc_url, Protocol(idl_dir), arguments["kind"], arguments["json"]))
    except (OSError, SolanaRpcException) as error:
        print(f"io-keeper explore: cannot read from {rpc_url}: {getattr(error, 'error_msg', None) or error}", file=sys.stderr)
        return 1
    return 0


async def serve_explorer(rpc_url: str, protocol: Protocol, host: str, port: int, cache_secs: float, stale_secs: float) -> None:
    async with AsyncClient(rpc_url, timeout=60) as client:
        reader = NetworkReader(client, protocol, cache_secs=cache_secs, stale_secs=stale_secs)
        runner = await serve_web_explorer(reader, rpc_url, host, port)
        # Printed once the port accepts connections: scripts may wait for this line.
        print(f"io-keeper explorer at http://{host}:{port} reading {rpc_url}", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()


def _explorer(arguments: dict[str, Any]) -> int:
    source = _read_source("explorer", arguments, DEFAULT_RPC_URL)
    if source is None:
        return 2
    rpc_url, idl_dir = source
    if not 0 < arguments["port"] < 65536 or arguments["cache_secs"] < 0 or arguments["stale_secs"] < 0:
        print("io-keeper explorer: --port must be 1..65535, --cache-secs and --stale-secs >= 0", file=sys.stderr)
        return 2
    try:
        protocol = Protocol(idl_dir)
    except FileNotFoundError as error:
        print(f"io-keeper explorer: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per RPC request otherwise
    try:
        asyncio.run(serve_explorer(rpc_url, protocol, arguments["host"], arguments["port"], arguments["cache_secs"], arguments["stale_secs"]))
    except KeyboardInterrupt:
        return 0
    except OSError as error:
        print(f"io-keeper explorer: {error}", file=sys.stderr)
        return 1
    return 0


def _prove(arguments: dict[str, Any]) -> int:
    config = _load_keeper_config("prove", arguments["config"])
    if config is None:
        return 2
    claimed = None
    if arguments["receipt"] is not None:
        try:
            claimed = Receipt.model_validate_json(arguments["receipt"].read_text())
        except (OSError, ValidationError) as error:
            print(f"io-keeper prove: bad receipt file: {error}", file=sys.stderr)
            return 2
    if not config.journal_path.is_file():
        print(f"io-keeper prove: no journal at {config.journal_path}", file=sys.stderr)
        return 1
    journal = Journal(config.journal_path)
    try:
        fee_payer = load_keypair(config.keypair_path).pubkey()
        result = prove_run(journal, Protocol(config.idl_dir), config.rpc.url, arguments["receipt_id"], fee_payer, claimed)
    except LookupError as error:
        print(f"io-keeper prove: {error.args[0]}", file=sys.stderr)
        return 1
    finally:
        journal.close()
    print(prove_render(result, arguments["json"]))
    return 0 if result.on_chain else 1


def main(argv: Sequence[str] | None = None) -> int:
    arguments = vars(_parser().parse_args(argv))
    command = arguments.pop("command")
    if command == "run":
        return _run(arguments)
    if command == "status":
        return _status(arguments)
    if command == "explore":
        return _explore(arguments)
    if command == "prove":
        return _prove(arguments)
    if command == "explorer":
        return _explorer(arguments)
    if command == "job":
        return run_job_command(arguments)
    if command in ("node", "stake", "unstake", "withdraw", "positions", "claim-rewards"):
        return run_stake_command(command, arguments)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if command == "localnet":
        try:
            settings = LocalnetSettings(**arguments)
        except ValidationError as error:
            print(f"io-keeper localnet: invalid settings:\n{error}", file=sys.stderr)
            return 2
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        try:
            serve_localnet(settings)
        except KeyboardInterrupt:
            return 0
        except (OSError, ValueError, RuntimeError) as error:
            print(f"io-keeper localnet: {error}", file=sys.stderr)
            return 1
    return 0


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
