"""The localnet node: a Solana JSON-RPC server over LiteSVM, run in the chain environment.

    python -m keeper.localnet.node --port 8899 [--time-scale N | --manual-clock]
        [--start-unix-timestamp T] [--faucet-keypair FILE]

It starts empty, as a validator from genesis does: programs arrive through the
upgradeable loader in transactions (`keeper.localnet.deploy`), and `io-keeper localnet`
starts it and deploys. Prints one `ready <url>` line once the port accepts connections.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import time
from pathlib import Path

from aiohttp import web
from solders.keypair import Keypair

from keeper.localnet.node.chain import Chain
from keeper.localnet.node.clock import ScaledClock
from keeper.localnet.node.runtime import agave_version
from keeper.localnet.node.server import build_app
from keeper.localnet.node.service import RpcService


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m keeper.localnet.node", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", choices=["127.0.0.1", "localhost", "::1"], help="loopback address to listen on")
    parser.add_argument("--port", type=int, default=8899)
    clock = parser.add_mutually_exclusive_group()
    clock.add_argument("--time-scale", type=float, default=1.0, help="chain clock speed-up over wall time (>= 1)")
    clock.add_argument("--manual-clock", action="store_true", help="the clock moves only by localnet_setClock (tests)")
    parser.add_argument("--start-unix-timestamp", type=int, default=None, help="chain time at start (default now)")
    parser.add_argument("--faucet-keypair", type=Path, default=None, help="Solana CLI keypair file of the faucet (default: a new key)")
    arguments = parser.parse_args(argv)
    if arguments.time_scale < 1:
        parser.error("--time-scale must be >= 1")
    if not 0 < arguments.port < 65536:
        parser.error("--port must be 1..65535")
    return arguments


def load_faucet(path: Path | None) -> Keypair:
    return Keypair() if path is None else Keypair.from_bytes(bytes(json.loads(path.read_text())))


async def serve(arguments: argparse.Namespace) -> None:
    start_time = arguments.start_unix_timestamp if arguments.start_unix_timestamp is not None else int(time.time())
    chain = Chain(load_faucet(arguments.faucet_keypair), start_unix_timestamp=start_time)
    clock = None if arguments.manual_clock else ScaledClock(start_unix_timestamp=start_time, start_slot=chain.slot, scale=arguments.time_scale)
    runner = web.AppRunner(build_app(RpcService(chain, clock)), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, arguments.host, arguments.port).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    print(f"ready http://{arguments.host}:{arguments.port} agave {agave_version()}", flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    asyncio.run(serve(parse_arguments(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
