"""Keeper throughput on the embedded localnet: `python -m tests.keeper.bench --jobs N --json`.

Prints {"keeper": {...}}: jobs settled per second (keeper started after N jobs are Completed),
receipts ingested per second over HTTP, and receipts per on-chain transaction.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

from solana.rpc.async_api import AsyncClient
from solana.rpc.types import TxOpts
from solders.message import Message
from solders.transaction import Transaction

from keeper.addresses import EscrowAddresses
from keeper.daemon.protocol import Protocol, default_idl_dir
from tests.keeper.conftest import keeper_config, start_keeper, stop_keeper, wait_for
from tests.keeper.receipts import make_receipts
from tests.keeper.wallet import Bank, Manifest, funded_keypair, register_node
from tests.localnet.conftest import start_localnet, stop_localnet

PROTOCOL = Protocol(default_idl_dir())
FAST = TxOpts(skip_preflight=True, skip_confirmation=True)


async def make_completed_jobs(client: AsyncClient, manifest: Manifest, count: int) -> None:
    bank = Bank(client, manifest)
    node = await register_node(client)
    await bank.ata(node.operator.pubkey(), bank.usdc)
    renter = await funded_keypair(client, 10_000 * 10**9)
    renter_usdc = await bank.give_usdc(renter.pubkey(), 10**15)
    escrow = PROTOCOL.escrow
    for step in ("open", "start", "complete"):
        if step == "complete":
            await asyncio.sleep(0.2)
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        sends = []
        for job_id in range(count):
            job = EscrowAddresses.job(renter.pubkey(), job_id)
            if step == "open":
                ix = escrow.instruction("open_job", {"job_id": job_id, "hours_reserved": 2, "price_per_hour": 1_000_003}, {
                    "renter": renter.pubkey(), "config": EscrowAddresses.config, "node": node.address, "job": job, "payment_mint": bank.usdc,
                    "job_vault": EscrowAddresses.job_vault(job), "renter_token_account": renter_usdc})
                tx = Transaction([renter], Message([ix], renter.pubkey()), blockhash)
            elif step == "start":
                ix = escrow.instruction("start_job", {}, {"node_key": node.node_key.pubkey(), "config": EscrowAddresses.config, "job": job})
                tx = Transaction([node.node_key], Message([ix], node.node_key.pubkey()), blockhash)
            else:
                ix = escrow.instruction("complete_job", {"hours_used": 1}, {"authority": node.node_key.pubkey(), "config": EscrowAddresses.config, "job": job})
                tx = Transaction([node.node_key], Message([ix], node.node_key.pubkey()), blockhash)
            sends.append(client.send_raw_transaction(bytes(tx), FAST))
            if len(sends) >= 200:
                await asyncio.gather(*sends)
                sends = []
        await asyncio.gather(*sends)


async def bench(jobs: int, receipts: int, batch: int) -> dict:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        localnet = start_localnet(root / "localnet", "--time-scale", "600")
        keeper = None
        try:
            manifest = Manifest.read(localnet.state_dir)
            async with AsyncClient(localnet.url) as client:
                setup = time.monotonic()
                await make_completed_jobs(client, manifest, jobs)
                setup = time.monotonic() - setup
            config = keeper_config(
                root / "keeper", localnet.url, localnet.state_dir, log_level="WARNING",
                settlement={"jobs_per_tx": 8, "concurrency": 32, "interval_secs": 0.5, "max_jobs_per_scan": 20_000},
                rpc={"url": localnet.url, "requests_per_second": 5_000, "max_in_flight": 64},
                provenance={"batch_max_receipts": batch, "batch_max_age_secs": 0.5},
                emission={"enabled": False}, burn={"enabled": False}, rewards={"enabled": False},
            )
            started = time.monotonic()
            keeper = start_keeper(config)
            wait_for(lambda: keeper.metric("jobs_settled_total") >= jobs, 600, "all jobs settled", interval=0.25)
            settle_secs = time.monotonic() - started
            settle_txs = keeper.metric("settle_transactions_total")
            payload = make_receipts(receipts, manifest.settings["emission_start_ts"] - 60)
            started = time.monotonic()
            for start in range(0, receipts, 1_000):
                keeper.post("/receipts", payload[start : start + 1_000])
            ingest_secs = time.monotonic() - started
            wait_for(lambda: keeper.status()["journal"]["receipts_unbatched"] == 0 and "pending" not in keeper.status()["journal"]["batches"], 300, "receipts recorded")
            recorded_secs = time.monotonic() - started
            batches = keeper.metric("batches_recorded_total")
            return {"keeper": {
                "jobs": jobs, "jobs_setup_secs": round(setup, 2), "settle_secs": round(settle_secs, 2),
                "jobs_settled_per_sec": round(jobs / settle_secs, 1), "settle_transactions": int(settle_txs),
                "jobs_per_settle_tx": round(jobs / settle_txs, 2),
                "receipts": receipts, "receipts_ingested_per_sec": round(receipts / ingest_secs, 1),
                "receipts_recorded_secs": round(recorded_secs, 2), "batches": int(batches),
                "receipts_per_tx": round(receipts / batches, 1),
            }}
        finally:
            if keeper is not None:
                stop_keeper(keeper)
            stop_localnet(localnet)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--receipts", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(bench(args.jobs, args.receipts, args.batch))
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
