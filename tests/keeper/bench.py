"""Keeper throughput on the embedded localnet: `python -m tests.keeper.bench --jobs N --json`.

Prints {"keeper": {...}}: jobs settled per second (the keeper is started once N jobs are
Completed; `settle_secs` runs from starting its process until it has settled them all, and is
checked on chain), receipts ingested per second over HTTP, and receipts per on-chain
transaction. Making the jobs (`jobs_setup_secs`) is reported apart and not part of the target.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import based58
from solana.rpc.async_api import AsyncClient
from solana.rpc.types import MemcmpOpts, TxOpts
from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction

from keeper.client import escrow as escrow_ix
from keeper.client.addresses import EscrowAddresses
from keeper.client.constants import JOB_STATUS
from keeper.client.protocol import Protocol
from tests.keeper.conftest import keeper_config, start_keeper, stop_keeper, wait_for
from tests.keeper.receipts import make_receipts
from tests.keeper.wallet import Bank, Manifest, funded_keypair, register_node, send
from tests.localnet.conftest import start_localnet, stop_localnet

PROTOCOL = Protocol()
FAST = TxOpts(skip_preflight=True, skip_confirmation=True)


def pack(instructions: list[Instruction], signer: Keypair, blockhash: Hash, max_per_tx: int) -> list[Transaction]:
    """The instructions in as few transactions as fit (size limit, at most `max_per_tx` each)."""
    transactions: list[Transaction] = []
    current: list[Instruction] = []
    for ix in instructions:
        candidate = [*current, ix]
        fits = len(candidate) <= max_per_tx and len(bytes(Transaction([signer], Message(candidate, signer.pubkey()), blockhash))) <= 1_232
        if current and not fits:
            transactions.append(Transaction([signer], Message(current, signer.pubkey()), blockhash))
            candidate = [ix]
        current = candidate
    if current:
        transactions.append(Transaction([signer], Message(current, signer.pubkey()), blockhash))
    return transactions


async def send_all(client: AsyncClient, transactions: list[Transaction], concurrency: int = 64) -> None:
    for start in range(0, len(transactions), concurrency):
        await asyncio.gather(*(client.send_raw_transaction(bytes(tx), FAST) for tx in transactions[start : start + concurrency]))


async def count_jobs(client: AsyncClient, status: str) -> int:
    layout = PROTOCOL.job_layout
    filters = [
        MemcmpOpts(offset=0, bytes=based58.b58encode(PROTOCOL.job_discriminator()).decode()),
        MemcmpOpts(offset=layout.offset("status"), bytes=based58.b58encode(bytes([JOB_STATUS[status]])).decode()),
    ]
    response = await client.get_program_accounts(EscrowAddresses.program, encoding="base64", filters=filters)
    return len(response.value)


IDS_PER_RENTER = 200


async def make_completed_jobs(client: AsyncClient, manifest: Manifest, count: int, chunk: int = 1_000) -> None:
    """`count` Completed USDC jobs on one node, of one renter per `IDS_PER_RENTER` job ids
    (escrow refuses a job id more than 255 below the highest one its renter has used, and a
    chunk's transactions land in any order).

    The localnet clock runs 600x (an hour of chain time is 6 s of wall time), so jobs go
    through open -> start -> complete a chunk at a time: each chunk is started within its
    start deadline and completed within its completion deadline (the previous chunk is
    completed after the next one started, so some chain time has passed since its start).
    Several instructions share a transaction (sent without preflight); the Completed count is
    checked at the end, so a failed transaction cannot go unnoticed.
    """
    bank = Bank(client, manifest)
    node = await register_node(client)
    await bank.ata(node.operator.pubkey(), bank.usdc)
    renters: list[tuple[Keypair, Pubkey]] = []
    for _ in range((count + IDS_PER_RENTER - 1) // IDS_PER_RENTER):
        renter = await funded_keypair(client, 1_000 * 10**9)
        renters.append((renter, await bank.give_usdc(renter.pubkey(), 10**15 // 50)))
    escrow = PROTOCOL.escrow
    node_key = node.node_key
    # Each renter's job-id ledger first: its jobs' transactions land in any order.
    for renter, _ in renters:
        await send(client, [escrow_ix.open_renter_ledger(escrow, renter.pubkey())], renter)

    def job(job_id: int) -> Pubkey:
        return EscrowAddresses.job(renters[job_id // IDS_PER_RENTER][0].pubkey(), job_id)

    def opens(ids: range) -> list[Instruction]:
        def one(i: int) -> Instruction:
            renter, renter_usdc = renters[i // IDS_PER_RENTER]
            return escrow_ix.open_job(escrow, renter.pubkey(), node_key.pubkey(), i, 2, 1_000_003, bank.usdc, renter_usdc)

        return [one(i) for i in ids]

    def open_transactions(ids: range, blockhash: Hash) -> list[Transaction]:
        """Each renter signs and pays for its own jobs."""
        out: list[Transaction] = []
        for start in range(ids.start, ids.stop):
            if start == ids.start or start % IDS_PER_RENTER == 0:
                block = range(start, min(ids.stop, (start // IDS_PER_RENTER + 1) * IDS_PER_RENTER))
                out += pack(opens(block), renters[start // IDS_PER_RENTER][0], blockhash, 6)
        return out

    def starts(ids: range) -> list[Instruction]:
        return [escrow_ix.start_job(escrow, node_key.pubkey(), job(i)) for i in ids]

    def completes(ids: range) -> list[Instruction]:
        return [escrow_ix.complete_job(escrow, node_key.pubkey(), job(i), 1) for i in ids]

    previous: range | None = None
    for first in range(0, count, chunk):
        ids = range(first, min(first + chunk, count))
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        await send_all(client, open_transactions(ids, blockhash))
        await send_all(client, pack(starts(ids), node_key, blockhash, 12))
        if previous is not None:
            await send_all(client, pack(completes(previous), node_key, blockhash, 12))
        previous = ids
    if previous is not None:
        await asyncio.sleep(0.2)  # > 1 chain minute: the last chunk has begun its first hour
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        await send_all(client, pack(completes(previous), node_key, blockhash, 12))
    completed = await count_jobs(client, "Completed")
    if completed != count:
        others = {status: await count_jobs(client, status) for status in ("Open", "Started")}
        raise RuntimeError(f"setup made {completed} Completed jobs of {count} ({others})")


SETTLE_TARGET_JOBS = 10_000
SETTLE_TARGET_SECS = 90.0  # issue 4: the keeper settles 10,000 jobs in under 90 s


async def bench(jobs: int, receipts: int, batch: int, *, jobs_per_tx: int = 8, concurrency: int = 32) -> dict:
    """Setup (not timed against the target), then the keeper's settling, then receipts."""
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        localnet = start_localnet(root / "localnet", "--time-scale", "600")
        keeper = None
        try:
            manifest = Manifest.read(localnet.state_dir)
            async with AsyncClient(localnet.url) as client:
                setup = time.perf_counter()
                await make_completed_jobs(client, manifest, jobs)
                setup = time.perf_counter() - setup
            config = keeper_config(
                root / "keeper",
                localnet.url,
                localnet.state_dir,
                log_level="WARNING",
                settlement={"jobs_per_tx": jobs_per_tx, "concurrency": concurrency, "interval_secs": 0.5, "max_jobs_per_scan": 20_000},
                rpc={"url": localnet.url, "requests_per_second": 5_000, "max_in_flight": 64},
                provenance={"batch_max_receipts": batch, "batch_max_age_secs": 0.5},
                emission={"enabled": False},
                burn={"enabled": False},
                rewards={"enabled": False},
            )
            # The settling phase: from starting the keeper process until it counts every job settled.
            started = time.perf_counter()
            keeper = start_keeper(config)
            keeper_start_secs = time.perf_counter() - started
            wait_for(lambda: keeper.metric("jobs_settled_total") >= jobs, 600, "all jobs settled", interval=0.1)
            settle_secs = time.perf_counter() - started
            settle_txs = keeper.metric("settle_transactions_total")
            failed = keeper.metric("jobs_settle_failed_total")
            async with AsyncClient(localnet.url) as client:
                left = await count_jobs(client, "Completed")
            if left or failed:
                raise RuntimeError(f"{left} jobs still Completed on chain, {failed:g} settle failures")
            payload = make_receipts(receipts, manifest.settings["emission_start_ts"] - 60)
            started = time.perf_counter()
            for start in range(0, receipts, 1_000):
                keeper.post("/receipts", payload[start : start + 1_000])
            ingest_secs = time.perf_counter() - started
            wait_for(
                lambda: keeper.status()["journal"]["receipts_unbatched"] == 0 and "pending" not in keeper.status()["journal"]["batches"],
                300,
                "receipts recorded",
            )
            recorded_secs = time.perf_counter() - started
            batches = keeper.metric("batches_recorded_total")
            return {
                "keeper": {
                    "jobs": jobs,
                    "jobs_setup_secs": round(setup, 2),
                    "keeper_start_secs": round(keeper_start_secs, 2),
                    "settle_secs": round(settle_secs, 2),
                    "jobs_settled_per_sec": round(jobs / settle_secs, 1),
                    "settle_transactions": int(settle_txs),
                    "jobs_per_settle_tx": round(jobs / settle_txs, 2),
                    "settle_target_secs": SETTLE_TARGET_SECS,
                    # Only a full-size run is judged against the target.
                    "within_target": settle_secs < SETTLE_TARGET_SECS if jobs >= SETTLE_TARGET_JOBS else None,
                    "receipts": receipts,
                    "receipts_ingested_per_sec": round(receipts / ingest_secs, 1),
                    "receipts_recorded_secs": round(recorded_secs, 2),
                    "batches": int(batches),
                    "receipts_per_tx": round(receipts / batches, 1),
                }
            }
        finally:
            if keeper is not None:
                stop_keeper(keeper)
            stop_localnet(localnet)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.keeper.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=SETTLE_TARGET_JOBS, help="Completed jobs for the keeper to settle")
    parser.add_argument("--receipts", type=int, default=50_000, help="receipts posted to the keeper's API")
    parser.add_argument("--batch", type=int, default=10_000, help="provenance.batch_max_receipts")
    parser.add_argument("--jobs-per-tx", type=int, default=8, help="settlement.jobs_per_tx (fewer when a transaction is full)")
    parser.add_argument("--concurrency", type=int, default=32, help="settlement.concurrency (transactions in flight)")
    parser.add_argument("--json", action="store_true", help="one line of JSON")
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.receipts < 1 or args.batch < 1:
        parser.error("--jobs, --receipts and --batch must be at least 1")
    result = asyncio.run(bench(args.jobs, args.receipts, args.batch, jobs_per_tx=args.jobs_per_tx, concurrency=args.concurrency))
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
