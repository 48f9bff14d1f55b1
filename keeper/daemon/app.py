"""Wiring: config → context → HTTP servers + periodic tasks; SIGTERM/SIGINT stop it gracefully."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import time
import typing

from aiohttp import web

from keeper.client.keys import load_keypair
from keeper.client.protocol import Protocol
from keeper.daemon.api import api_app, metrics_app
from keeper.daemon.chainview import ChainView
from keeper.daemon.config import KeeperConfig
from keeper.daemon.journal import Journal
from keeper.daemon.metrics import Metrics
from keeper.daemon.rpc import RpcGateway
from keeper.daemon.tasks import (
    BurnCrank,
    EmissionCrank,
    EpochExpiryCrank,
    FeePayerWatch,
    KeeperContext,
    ProvenanceRecorder,
    RewardEpochs,
    Settler,
    StakeActivationCrank,
    supervise,
)

log = logging.getLogger("keeper")


class TaskSettings(typing.Protocol):
    """What every task's config section has."""

    enabled: bool
    interval_secs: float


class PeriodicTask(typing.Protocol):
    name: str

    async def tick(self) -> None: ...


SHUTDOWN_GRACE_SECS = 20


async def _serve(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port
    return runner, bound


async def run_keeper(config: KeeperConfig) -> None:
    metrics = Metrics()
    gateway = RpcGateway(config.rpc, metrics)
    protocol = Protocol(config.idl_dir)
    journal = Journal(config.journal_path)
    ctx = KeeperContext(
        config=config,
        gateway=gateway,
        chain=ChainView(gateway, protocol),
        protocol=protocol,
        journal=journal,
        metrics=metrics,
        keypair=load_keypair(config.keypair_path),
    )
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, ctx.stopping.set)
    runners = []
    try:
        api_runner, api_port = await _serve(api_app(ctx), config.http.host, config.http.api_port)
        runners.append(api_runner)
        metrics_runner, metrics_port = await _serve(metrics_app(ctx), config.http.host, config.http.metrics_port)
        runners.append(metrics_runner)
        tasks = []
        workers: list[tuple[TaskSettings, PeriodicTask]] = [
            (config.emission, EmissionCrank(ctx)),
            (config.settlement, Settler(ctx)),
            (config.rewards, RewardEpochs(ctx)),
            (config.provenance, ProvenanceRecorder(ctx)),
            (config.burn, BurnCrank(ctx)),
            (config.expiry, EpochExpiryCrank(ctx)),
            (config.activation, StakeActivationCrank(ctx)),
        ]
        watch = FeePayerWatch(ctx)
        try:
            await watch.tick()  # before anything spends
        except Exception as error:  # noqa: BLE001 - the watch task retries; the keeper starts anyway
            log.warning("fee payer balance unknown at start: %s", error)
        tasks.append(asyncio.create_task(supervise(ctx, watch.name, config.fee_payer.interval_secs, watch.tick, spends=False), name=watch.name))
        for settings, worker in workers:
            if settings.enabled:
                tasks.append(asyncio.create_task(supervise(ctx, worker.name, settings.interval_secs, worker.tick), name=worker.name))
        ready = {
            "event": "ready",
            "keeper": str(ctx.keypair.pubkey()),
            "rpc_url": config.rpc.redacted_url,
            "api_url": f"http://{config.http.host}:{api_port}",
            "metrics_url": f"http://{config.http.host}:{metrics_port}",
            "tasks": [task.get_name() for task in tasks],
        }
        print(json.dumps(ready), flush=True)
        log.info("keeper running", extra=ready)
        started = time.monotonic()
        while not ctx.stopping.is_set():
            timeout = None if config.max_runtime_secs is None else max(0.0, config.max_runtime_secs - (time.monotonic() - started))
            try:
                await asyncio.wait_for(ctx.stopping.wait(), timeout=timeout)
            except TimeoutError:
                ctx.stopping.set()
        log.info("stopping: finishing in-flight work", extra={"grace_secs": SHUTDOWN_GRACE_SECS})
        done, pending = await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE_SECS) if tasks else (set(), set())
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    finally:
        for runner in runners:
            await runner.cleanup()
        await gateway.close()
        journal.close()
        log.info("keeper stopped")
