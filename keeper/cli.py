"""`io-keeper` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web
from pydantic import ValidationError

from keeper.chain import Chain
from keeper.localnet.bootstrap import BootstrapContext, bootstrap_steps, load_or_create_keypair, run_bootstrap, write_manifest
from keeper.localnet.clock import ScaledClock
from keeper.localnet.server import build_app
from keeper.localnet.service import RpcService
from keeper.localnet.settings import LocalnetSettings

log = logging.getLogger("io-keeper")


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
    return parser


async def serve_localnet(settings: LocalnetSettings) -> None:
    state_dir = settings.state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    start_time = settings.start_unix_timestamp if settings.start_unix_timestamp is not None else int(time.time())
    chain = Chain(load_or_create_keypair(state_dir / "keys" / "faucet.json"), start_unix_timestamp=start_time)
    loaded = chain.load_workspace_programs(settings.resolved_repo_root(), require_all=settings.require_programs)
    context = BootstrapContext(chain=chain, state_dir=state_dir, loaded_programs=loaded)
    run_bootstrap(context, bootstrap_steps())
    # The scaled clock starts after bootstrap, so chain time = start time at the first request.
    service = RpcService(chain, ScaledClock(start_unix_timestamp=chain.unix_timestamp, scale=settings.time_scale))
    runner = web.AppRunner(build_app(service), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    rpc_url = f"http://{settings.host}:{settings.port}"
    manifest = write_manifest(context, rpc_url)
    programs = ", ".join(spec.name for spec in loaded) or "none built yet"
    # Printed last, once the port accepts connections: scripts may wait for this line.
    print(f"io-keeper localnet ready at {rpc_url} (time scale {settings.time_scale:g}x; programs: {programs}; manifest {manifest})", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(argv: Sequence[str] | None = None) -> int:
    arguments = vars(_parser().parse_args(argv))
    command = arguments.pop("command")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if command == "localnet":
        try:
            settings = LocalnetSettings(**arguments)
        except ValidationError as error:
            print(f"io-keeper localnet: invalid settings:\n{error}", file=sys.stderr)
            return 2
        try:
            asyncio.run(serve_localnet(settings))
        except KeyboardInterrupt:
            return 0
        except (OSError, ValueError) as error:
            print(f"io-keeper localnet: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
