"""The localnet node: a Solana JSON-RPC server over LiteSVM, run in the chain environment.

    python -m keeper.localnet.node --port 8899 [--ws-port 8900] [--time-scale N | --manual-clock]
        [--start-unix-timestamp T] [--faucet-keypair FILE]

It starts empty, as a validator from genesis does: programs arrive through the
upgradeable loader in transactions (`keeper.localnet.deploy`), and `io-keeper localnet`
starts it and deploys. JSON-RPC over HTTP is served on --port, the PubSub WebSocket on
--ws-port (default: the next port, where validators serve it and where web3.js, the Solana
CLI and wallets look for it). Prints one `ready <url>` line once both ports accept connections.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from aiohttp import web
from solders.keypair import Keypair

from keeper.localnet.node.chain import Chain
from keeper.localnet.node.clock import ScaledClock
from keeper.localnet.node.pubsub import PubSub
from keeper.localnet.node.reads import NodeAddresses, PerformanceSampler
from keeper.localnet.node.runtime import agave_version
from keeper.localnet.node.server import build_app
from keeper.localnet.node.service import RpcService
from keeper.localnet.node.websocket import MAX_OUTBOX_BYTES, Limits, build_pubsub_app

# How often the scaled clock is applied with no traffic (a slot is 400 ms of wall time at 1x).
CLOCK_TICK_SECS = 0.1


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m keeper.localnet.node", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", choices=["127.0.0.1", "localhost", "::1"], help="loopback address to listen on")
    parser.add_argument("--port", type=int, default=8899)
    parser.add_argument("--ws-port", type=int, default=None, help="PubSub WebSocket port (default: --port + 1)")
    parser.add_argument("--outbox-bytes", type=int, default=MAX_OUTBOX_BYTES, help="notifications a WebSocket client may leave unread before it is dropped")
    parser.add_argument("--sample-secs", type=int, default=60, help="getRecentPerformanceSamples period")
    clock = parser.add_mutually_exclusive_group()
    clock.add_argument("--time-scale", type=float, default=1.0, help="chain clock speed-up over wall time (>= 1)")
    clock.add_argument("--manual-clock", action="store_true", help="the clock moves only by localnet_setClock (tests)")
    parser.add_argument("--start-unix-timestamp", type=int, default=None, help="chain time at start (default now)")
    parser.add_argument("--faucet-keypair", type=Path, default=None, help="Solana CLI keypair file of the faucet (default: a new key)")
    arguments = parser.parse_args(argv)
    if arguments.time_scale < 1:
        parser.error("--time-scale must be >= 1")
    if arguments.ws_port is None:
        arguments.ws_port = arguments.port + 1
    if not 0 < arguments.port < 65536 or not 0 < arguments.ws_port < 65536:
        parser.error("--port and --ws-port must be 1..65535")
    if arguments.ws_port == arguments.port:
        parser.error("--ws-port must differ from --port")
    if arguments.outbox_bytes < 1024 or arguments.sample_secs < 1:
        parser.error("--outbox-bytes must be >= 1024 and --sample-secs >= 1")
    return arguments


def load_faucet(path: Path | None) -> Keypair:
    return Keypair() if path is None else Keypair.from_bytes(bytes(json.loads(path.read_text())))


async def serve(arguments: argparse.Namespace) -> None:
    start_time = arguments.start_unix_timestamp if arguments.start_unix_timestamp is not None else int(time.time())
    chain = Chain(load_faucet(arguments.faucet_keypair), start_unix_timestamp=start_time)
    clock = None if arguments.manual_clock else ScaledClock(start_unix_timestamp=start_time, start_slot=chain.slot, scale=arguments.time_scale)
    pubsub = PubSub(chain)
    chain.observers.append(pubsub)
    sampler = PerformanceSampler(chain, arguments.sample_secs)
    addresses = NodeAddresses(arguments.host, arguments.port, arguments.ws_port)
    service = RpcService(chain, clock, addresses=addresses, sampler=sampler)
    rpc_runner = web.AppRunner(build_app(service), access_log=None)
    pubsub_runner = web.AppRunner(build_pubsub_app(pubsub, Limits(max_outbox_bytes=arguments.outbox_bytes)), access_log=None)
    for runner, port, what in ((rpc_runner, arguments.port, "JSON-RPC"), (pubsub_runner, arguments.ws_port, "PubSub WebSocket")):
        await runner.setup()
        try:
            await web.TCPSite(runner, arguments.host, port).start()
        except OSError as error:
            await rpc_runner.cleanup()
            await pubsub_runner.cleanup()
            raise ListenError(f"cannot listen on {arguments.host}:{port} for the {what}: {error.strerror or error}") from None
    timers = [asyncio.create_task(_every(arguments.sample_secs, sampler.sample))]
    if clock is not None:
        # Slots move with the wall clock even when nobody calls: slot and root subscribers hear them.
        timers.append(asyncio.create_task(_every(CLOCK_TICK_SECS, lambda: clock.apply(chain))))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    # Four words, as keeper.localnet.launch reads them; the WebSocket is on --ws-port by then too.
    print(f"ready http://{arguments.host}:{arguments.port} agave {agave_version()}", flush=True)
    try:
        await stop.wait()
    finally:
        for timer in timers:
            timer.cancel()
        await pubsub_runner.cleanup()
        await rpc_runner.cleanup()


async def _every(seconds: float, action: Callable[[], None]) -> None:
    while True:
        await asyncio.sleep(seconds)
        action()


class ListenError(Exception):
    """A port the node needs is taken (or not allowed)."""


def main(argv: list[str] | None = None) -> int:
    try:
        asyncio.run(serve(parse_arguments(argv)))
    except ListenError as error:
        print(f"localnet node: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
