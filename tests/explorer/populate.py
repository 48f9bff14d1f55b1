"""Explorer-scale data on a running localnet: `python -m tests.explorer.populate --nodes N --jobs M`.

Everything goes through real transactions over JSON-RPC (nothing is written into the chain's
state directly): staking nodes registered by a few operators, IO staked on some of them by a
few stakers, and escrow jobs of a handful of renters spread over the nodes, paid in USDC or
IO, most Open, some Started (by the node key) and some Completed. The numbers are checked on
chain at the end with memcmp-filtered getProgramAccounts; `populate` raises if they differ.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import based58
import httpx
from solana.rpc.async_api import AsyncClient
from solana.rpc.types import DataSliceOpts, MemcmpOpts
from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.rpc.config import RpcSendTransactionConfig
from solders.rpc.requests import SendRawTransaction
from solders.signature import Signature
from solders.sysvar import CLOCK
from solders.transaction import Transaction
from spl.token.instructions import get_associated_token_address

from keeper.client import escrow as escrow_ix
from keeper.client import staking as staking_ix
from keeper.client.addresses import EscrowAddresses, StakingAddresses
from keeper.client.clock import clock_unix_timestamp
from keeper.client.constants import JOB_STATUS
from tests.keeper.bench import PROTOCOL, pack
from tests.keeper.wallet import Bank, Manifest, funded_keypair
from tests.localnet.conftest import start_localnet, stop_localnet

MAX_TRANSACTION_BYTES = 1_232
# sendTransaction calls per JSON-RPC batch, and batches in flight: enough queued work to keep
# the localnet busy while this process builds the next transactions.
BATCH_SIZE = 32
IN_FLIGHT = 4
SEND_ATTEMPTS = 3
# One operator runs many nodes (register_node only needs the operator and each node key to
# sign), so a registration transaction carries one payer signature plus one per node.
NODES_PER_OPERATOR = 250
GPU_MODELS = (("H100", 4), ("H200", 4), ("A100", 3), ("L40S", 2), ("RTX 4090", 2), ("A6000", 1))
STAKER_SHARES_BPS = (100, 150, 200, 250, 300)
TOKEN_SHARES_BPS = (0, 0, 0, 500, 1_000, 2_500)
STAKED_NODE_SHARE = 0.2
MAX_STAKERS_PER_NODE = 3
STARTED_SHARE = 0.1
COMPLETED_SHARE = 0.1
IO_JOB_SHARE = 0.3
# Jobs that stay Open have no deadline to meet: opened in big chunks (a fresh blockhash each).
OPEN_CHUNK = 2_000
# Jobs to start are opened and started a small chunk at a time, so each is started well within
# its start deadline (one chain hour) even on a localnet running its clock 3600x.
ACTIVE_CHUNK = 500
IO_UNIT = 10**9
USDC_UNIT = 10**6
SOL = 10**9
# Generous rent + fee budget per account a wallet creates (a Job and its vault ~0.005 SOL).
LAMPORTS_PER_CREATED = SOL // 100
STATUSES = tuple(JOB_STATUS)
POSITION_LAYOUT = PROTOCOL.staking.layout("StakePosition")
SKIP_PREFLIGHT = RpcSendTransactionConfig(skip_preflight=True)


@dataclass(frozen=True)
class Population:
    """What `populate` created (and found on chain afterwards)."""

    operators: list[Pubkey]
    nodes: list[Pubkey]  # Node accounts, in registration order
    node_keys: list[Pubkey]
    stakers: list[Pubkey]
    renters: list[Pubkey]
    jobs_by_status: dict[str, int]  # "Open" / "Started" / "Completed"
    jobs_by_mint: dict[str, int]  # "USDC" / "IO"
    jobs_by_node: dict[Pubkey, int]  # nodes without jobs left out
    stake_positions: int
    stake_total: int  # IO base units, all nodes
    stake_by_node: dict[Pubkey, int]  # staked nodes only
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase (they add up to the whole)
    transactions: dict[str, int] = field(default_factory=dict)  # sent per phase

    @property
    def jobs(self) -> int:
        return sum(self.jobs_by_status.values())


# --- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Wallet:
    keypair: Keypair
    address: Pubkey  # kept: Keypair.pubkey() derives it anew on every call (~20 us)

    @classmethod
    def of(cls, keypair: Keypair) -> _Wallet:
        return cls(keypair, keypair.pubkey())


@dataclass(frozen=True, slots=True)
class _Node:
    operator: _Wallet
    key: _Wallet
    address: Pubkey
    gpu_model: str
    tier: int
    staker_share_bps: int
    token_share_bps: int


@dataclass(frozen=True, slots=True)
class _Renter:
    wallet: _Wallet
    usdc: Pubkey
    io: Pubkey


@dataclass(frozen=True, slots=True)
class _Job:
    renter: _Renter
    job_id: int
    node: _Node
    mint: str  # "USDC" / "IO"
    hours: int
    price: int
    status: str

    @property
    def address(self) -> Pubkey:
        return EscrowAddresses.job(self.renter.wallet.address, self.job_id)


@dataclass(frozen=True, slots=True)
class _Stake:
    staker: _Wallet
    node: _Node
    amount: int


def _plan_nodes(rng: random.Random, operators: list[_Wallet], count: int) -> list[_Node]:
    nodes = []
    for index in range(count):
        key = _Wallet.of(Keypair())
        model, tier = rng.choice(GPU_MODELS)
        nodes.append(
            _Node(
                operators[index % len(operators)],
                key,
                StakingAddresses.node(key.address),
                model,
                max(1, tier - (rng.random() < 0.1)),
                rng.choice(STAKER_SHARES_BPS),
                rng.choice(TOKEN_SHARES_BPS),
            )
        )
    return nodes


def _plan_stakes(rng: random.Random, stakers: list[_Wallet], nodes: list[_Node]) -> list[_Stake]:
    if not stakers:
        return []
    staked = rng.sample(nodes, round(len(nodes) * STAKED_NODE_SHARE))
    return [
        _Stake(staker, node, rng.randint(1, 50) * 100 * IO_UNIT)
        for node in staked
        for staker in rng.sample(stakers, rng.randint(1, min(MAX_STAKERS_PER_NODE, len(stakers))))
    ]


def _plan_jobs(rng: random.Random, renters: list[_Renter], nodes: list[_Node], count: int) -> list[_Job]:
    """`count` jobs; a few nodes are popular (hundreds of jobs), many have none, like a market."""
    active = rng.sample(range(count), round(count * (STARTED_SHARE + COMPLETED_SHARE)))
    completed = set(active[: round(count * COMPLETED_SHARE)])
    started = set(active) - completed
    planned = []
    for index in range(count):
        which = rng.randrange(len(renters))
        node = nodes[min(len(nodes) - 1, int(len(nodes) * rng.random() ** 1.5))]
        io = rng.random() < IO_JOB_SHARE
        price = rng.randint(1, 20) * IO_UNIT if io else rng.randint(50, 400) * USDC_UNIT // 100
        status = "Completed" if index in completed else "Started" if index in started else "Open"
        planned.append((renters[which], node, "IO" if io else "USDC", rng.randint(1, 8), price, status))
    # Ids per renter in the order `_make_jobs` opens them (the jobs that stay Open first): escrow
    # refuses an id more than 255 below the highest one a renter has used (its RenterLedger).
    ids: dict[int, int] = {}
    next_id = Counter[int]()
    for index in [i for i, plan in enumerate(planned) if plan[5] == "Open"] + [i for i, plan in enumerate(planned) if plan[5] != "Open"]:
        renter = id(planned[index][0])
        ids[index], next_id[renter] = next_id[renter], next_id[renter] + 1
    return [_Job(renter, ids[index], node, mint, hours, price, status) for index, (renter, node, mint, hours, price, status) in enumerate(planned)]


def _chunks(jobs: list[_Job], size: int) -> list[list[_Job]]:
    """Consecutive chunks of at most `size` jobs and at most 256 of any one renter: the ids a
    renter has in flight at once stay within its RenterLedger's window, whatever order they
    land in."""
    chunks: list[list[_Job]] = [[]]
    per_renter = Counter[int]()
    for job in jobs:
        if len(chunks[-1]) == size or per_renter[id(job.renter)] == 256:
            chunks.append([])
            per_renter.clear()
        chunks[-1].append(job)
        per_renter[id(job.renter)] += 1
    return [chunk for chunk in chunks if chunk]


# --- transactions -----------------------------------------------------------------------------


def _signed_size(message: Message) -> int:
    # shortvec signature count (one byte below 128 signers) + 64 bytes a signature + message
    return 1 + 64 * message.header.num_required_signatures + len(bytes(message))


def pack_signed(items: Sequence[tuple[Instruction, Keypair]], payer: Keypair, blockhash: Hash) -> list[Transaction]:
    """Like `bench.pack`, for instructions that each need one more signer than the payer (a node
    key): as few transactions as fit, each signed by the payer and the keys its instructions
    need. Sizes the unsigned message, so a candidate costs no signatures."""
    fee_payer = payer.pubkey()
    transactions: list[Transaction] = []
    current: list[Instruction] = []
    signers: dict[int, Keypair] = {id(payer): payer}  # by identity: a Keypair's pubkey() costs ~20 us
    for instruction, signer in items:
        if current and _signed_size(Message([*current, instruction], fee_payer)) > MAX_TRANSACTION_BYTES:
            transactions.append(Transaction(list(signers.values()), Message(current, fee_payer), blockhash))
            current, signers = [], {id(payer): payer}
        current.append(instruction)
        signers[id(signer)] = signer
    if current:
        transactions.append(Transaction(list(signers.values()), Message(current, fee_payer), blockhash))
    return transactions


class _Sender:
    """Sends transactions without preflight, `BATCH_SIZE` to a JSON-RPC batch request, and
    remembers their signatures per phase (for the report, and to find failed ones).

    Batches rather than a request per transaction (`bench.send_all`): httpx's per-request
    bookkeeping costs this process ~2 ms of CPU, as much as the localnet spends executing a
    small transaction, and the two share the machine's cores (100,000 jobs: ~15% faster).
    A transaction that fails on chain is not an error here: `_verify` counts at the end.
    """

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self.sent: dict[str, list[Signature]] = {}
        self._slots = asyncio.Semaphore(IN_FLIGHT)

    async def blockhash(self) -> Hash:
        return (await self.client.get_latest_blockhash()).value.blockhash

    async def send(self, phase: str, transactions: list[Transaction]) -> None:
        """Returns once the cluster has answered for every one (the localnet executes on receipt)."""
        self.sent.setdefault(phase, []).extend(tx.signatures[0] for tx in transactions)
        await asyncio.gather(*(self._post(transactions[start : start + BATCH_SIZE]) for start in range(0, len(transactions), BATCH_SIZE)))

    async def _post(self, batch: list[Transaction]) -> None:
        requests = tuple(SendRawTransaction(bytes(tx), SKIP_PREFLIGHT, index) for index, tx in enumerate(batch))
        async with self._slots:
            raw = await self._batch_request(requests)
        for answer in json.loads(raw):
            error = answer.get("error")
            if error is not None and (error.get("data") or {}).get("err") != "AlreadyProcessed":
                raise RuntimeError(f"sendTransaction {batch[answer['id']].signatures[0]} refused: {error.get('message')}")

    async def _batch_request(self, requests: tuple[SendRawTransaction, ...]) -> str:
        """The raw answer; on a dropped connection the batch goes again (a transaction that got
        through the first time answers AlreadyProcessed)."""
        for attempt in range(1, SEND_ATTEMPTS):
            try:
                # The client's own provider: its endpoint and connections (AsyncClient has no
                # public batch call).
                return await self.client._provider.make_batch_request_unparsed(requests)
            except httpx.TransportError:
                await asyncio.sleep(0.5 * attempt)
        return await self.client._provider.make_batch_request_unparsed(requests)

    async def failures(self, phase: str, limit: int = 3) -> list[str]:
        """Up to `limit` failed (or lost) transactions of `phase`, with their error and last logs."""
        found: list[str] = []
        signatures = self.sent.get(phase, [])
        for start in range(0, len(signatures), 256):
            chunk = signatures[start : start + 256]
            statuses = (await self.client.get_signature_statuses(chunk)).value
            for signature, status in zip(chunk, statuses, strict=True):
                if status is not None and status.err is None:
                    continue
                detail = "not found" if status is None else str(status.err)
                if status is not None:
                    record = (await self.client.get_transaction(signature, max_supported_transaction_version=0)).value
                    logs = record.transaction.meta.log_messages if record and record.transaction.meta else None
                    detail += f"; logs: {list(logs or [])[-4:]}"
                found.append(f"{signature}: {detail}")
                if len(found) >= limit:
                    return found
        return found


async def _pipelined(sender: _Sender, phase: str, builds: Sequence[Callable[[Hash], list[Transaction]]]) -> None:
    """Sends the transactions of each build in turn, building the next while the previous is
    still in flight: the localnet executes what it has queued while this process signs."""
    previous: asyncio.Task[None] | None = None
    for build in builds:
        transactions = build(await sender.blockhash())
        if previous is not None:
            await previous
        previous = asyncio.create_task(sender.send(phase, transactions))
    if previous is not None:
        await previous


async def _chain_time(client: AsyncClient) -> int:
    info = (await client.get_account_info(CLOCK)).value
    if info is None:
        raise RuntimeError("the cluster has no Clock sysvar")
    return clock_unix_timestamp(bytes(info.data))


# --- phases -----------------------------------------------------------------------------------


def _register(node: _Node) -> Instruction:
    return staking_ix.register_node(
        PROTOCOL.staking, node.operator.address, node.key.address, node.gpu_model, node.tier, node.staker_share_bps, node.token_share_bps
    )


async def _register_nodes(sender: _Sender, operators: list[_Wallet], nodes: list[_Node]) -> None:
    """Each operator's nodes, several to a transaction (the operator pays, each node key signs)."""

    def build(operator: _Wallet) -> Callable[[Hash], list[Transaction]]:
        mine = [(_register(node), node.key.keypair) for node in nodes if node.operator is operator]
        return lambda blockhash: pack_signed(mine, operator.keypair, blockhash)

    await _pipelined(sender, "nodes", [build(operator) for operator in operators])


async def _stake(sender: _Sender, bank: Bank, stakes: list[_Stake]) -> None:
    """Each staker's stakes, several to a transaction (a position is opened with its first stake)."""

    def build(staker: _Wallet) -> Callable[[Hash], list[Transaction]]:
        token = get_associated_token_address(staker.address, bank.io)
        instructions: list[Instruction] = []
        opened: set[Pubkey] = set()
        for stake in (stake for stake in stakes if stake.staker is staker):
            if stake.node.address not in opened:
                opened.add(stake.node.address)
                instructions.append(staking_ix.open_stake_position(PROTOCOL.staking, staker.address, stake.node.address))
            instructions.append(staking_ix.stake(PROTOCOL.staking, staker.address, stake.node.address, stake.amount, token))
        return lambda blockhash: pack(instructions, staker.keypair, blockhash, 64)

    await _pipelined(sender, "stakes", [build(staker) for staker in dict.fromkeys(stake.staker for stake in stakes)])


def _open(job: _Job, usdc: Pubkey, io: Pubkey) -> Instruction:
    renter, io_paid = job.renter, job.mint == "IO"
    return escrow_ix.open_job(
        PROTOCOL.escrow,
        renter.wallet.address,
        job.node.key.address,
        job.job_id,
        job.hours,
        job.price,
        io if io_paid else usdc,
        renter.io if io_paid else renter.usdc,
    )


def _opens(bank: Bank, jobs: list[_Job]) -> Callable[[Hash], list[Transaction]]:
    """Opening `jobs`: each renter's in its own transactions (the renter signs and pays), sorted
    so that jobs sharing a transaction mostly share their mint and node (fewer account keys)."""

    def build(blockhash: Hash) -> list[Transaction]:
        by_renter: dict[Pubkey, list[_Job]] = {}
        for job in sorted(jobs, key=lambda job: (job.mint, bytes(job.node.address))):
            by_renter.setdefault(job.renter.wallet.address, []).append(job)
        return [
            tx for mine in by_renter.values() for tx in pack([_open(job, bank.usdc, bank.io) for job in mine], mine[0].renter.wallet.keypair, blockhash, 64)
        ]

    return build


async def _as_node_keys(sender: _Sender, items: list[tuple[_Node, Instruction]]) -> None:
    """Node-key instructions, grouped by the node's operator (who pays), one node's together."""
    grouped: dict[Pubkey, tuple[Keypair, list[tuple[Instruction, Keypair]]]] = {}
    for node, instruction in sorted(items, key=lambda item: bytes(item[0].address)):
        grouped.setdefault(node.operator.address, (node.operator.keypair, []))[1].append((instruction, node.key.keypair))
    blockhash = await sender.blockhash()
    await sender.send("jobs", [tx for operator, signed in grouped.values() for tx in pack_signed(signed, operator, blockhash)])


async def _open_renter_ledgers(sender: _Sender, renters: list[_Renter]) -> None:
    """Each renter's job-id ledger (what a wallet creates with the renter's first job)."""
    blockhash = await sender.blockhash()
    await sender.send(
        "ledgers",
        [tx for renter in renters for tx in pack([escrow_ix.open_renter_ledger(PROTOCOL.escrow, renter.wallet.address)], renter.wallet.keypair, blockhash, 1)],
    )


async def _start_jobs(sender: _Sender, jobs: list[_Job]) -> int:
    """Starts `jobs` with their node keys; returns chain time just after (no start is later)."""
    await _as_node_keys(sender, [(job.node, escrow_ix.start_job(PROTOCOL.escrow, job.node.key.address, job.address)) for job in jobs])
    return await _chain_time(sender.client)


async def _complete_jobs(sender: _Sender, rng: random.Random, started: list[tuple[list[_Job], int]], now: int) -> None:
    """Completes with their node keys the jobs of `started`, each list started at or before its
    chain time, all earlier than `now`. Each bills 1 to its hours begun (a node may bill no more;
    the first hour begins a second after the start)."""
    await _as_node_keys(
        sender,
        [
            (
                job.node,
                escrow_ix.complete_job(
                    PROTOCOL.escrow, job.node.key.address, job.address, rng.randint(1, min(job.hours, math.ceil((now - started_by) / 3_600)))
                ),
            )
            for jobs, started_by in started
            for job in jobs
        ],
    )


async def _make_jobs(sender: _Sender, bank: Bank, rng: random.Random, jobs: list[_Job]) -> None:
    """Jobs that stay Open in big pipelined chunks; jobs to start a small chunk at a time: open,
    start, and complete the Completed ones of earlier chunks once chain time has passed their
    start (so each has begun an hour to bill), which at 1x is by the next chunk or so."""
    idle = [job for job in jobs if job.status == "Open"]
    await _pipelined(sender, "jobs", [_opens(bank, chunk) for chunk in _chunks(idle, OPEN_CHUNK)])
    active = [job for job in jobs if job.status != "Open"]
    pending: list[tuple[list[_Job], int]] = []
    for chunk in _chunks(active, ACTIVE_CHUNK):
        await sender.send("jobs", _opens(bank, chunk)(await sender.blockhash()))
        now = await _start_jobs(sender, chunk)
        ready = [entry for entry in pending if entry[1] < now]
        if ready:
            await _complete_jobs(sender, rng, ready, now)
        pending = [entry for entry in pending if entry[1] >= now]
        if to_complete := [job for job in chunk if job.status == "Completed"]:
            pending.append((to_complete, now))
    while pending:
        await asyncio.sleep(0.2)
        now = await _chain_time(sender.client)
        if now > max(started_by for _, started_by in pending):
            await _complete_jobs(sender, rng, pending, now)
            pending = []


# --- checks on chain ---------------------------------------------------------------------------


def _memcmp(offset: int, value: bytes) -> MemcmpOpts:
    return MemcmpOpts(offset=offset, bytes=based58.b58encode(value).decode())


async def _count(client: AsyncClient, program: Pubkey, account: bytes, offset: int, owner: Pubkey) -> int:
    """Accounts of one type whose pubkey field at `offset` is `owner` (no data transferred)."""
    response = await client.get_program_accounts(
        program,
        encoding="base64",
        data_slice=DataSliceOpts(offset=0, length=0),
        filters=[_memcmp(0, account), _memcmp(offset, bytes(owner))],
    )
    return len(response.value)


async def _job_tally(client: AsyncClient, renter: Pubkey) -> Counter[tuple[str, str]]:
    """(mint, status) of every job of `renter`, from a slice running from payment_kind to status."""
    layout = PROTOCOL.job_layout
    kind_at, status_at = layout.offset("payment_kind"), layout.offset("status")
    response = await client.get_program_accounts(
        EscrowAddresses.program,
        encoding="base64",
        data_slice=DataSliceOpts(offset=kind_at, length=status_at - kind_at + 1),
        filters=[_memcmp(0, PROTOCOL.job_discriminator()), _memcmp(layout.offset("renter"), bytes(renter))],
    )
    kinds, statuses = ("USDC", "IO"), {code: name for name, code in JOB_STATUS.items()}
    return Counter((kinds[bytes(item.account.data)[0]], statuses[bytes(item.account.data)[-1]]) for item in response.value)


async def _stake_vault_balance(client: AsyncClient) -> int:
    return int((await client.get_token_account_balance(StakingAddresses.stake_vault)).value.amount)


async def _verify(
    sender: _Sender,
    operators: list[_Wallet],
    nodes: list[_Node],
    stakes: list[_Stake],
    vault_before: int,
    renters: list[_Renter],
    jobs: list[_Job],
) -> None:
    """Counts on chain what this population should have made; raises with the differences and
    a few failed transactions of each phase that came up short."""
    client, problems = sender.client, []
    node_type, position_type = PROTOCOL.staking.account_discriminator("Node"), PROTOCOL.staking.account_discriminator("StakePosition")
    operator_at, staker_at = PROTOCOL.node_layout.offset("operator"), POSITION_LAYOUT.offset("staker")
    found = sum(await asyncio.gather(*(_count(client, StakingAddresses.program, node_type, operator_at, op.address) for op in operators)))
    if found != len(nodes):
        problems.append(("nodes", f"{found} Node accounts of our operators, expected {len(nodes)}"))
    stakers = {stake.staker.address for stake in stakes}
    found = sum(await asyncio.gather(*(_count(client, StakingAddresses.program, position_type, staker_at, staker) for staker in stakers)))
    staked, expected_stake = await _stake_vault_balance(client) - vault_before, sum(stake.amount for stake in stakes)
    if found != len(stakes) or staked != expected_stake:
        problems.append(("stakes", f"{found} positions holding {staked} IO units, expected {len(stakes)} holding {expected_stake}"))
    for renter in renters:
        expected = Counter((job.mint, job.status) for job in jobs if job.renter is renter)
        tally = await _job_tally(client, renter.wallet.address)
        if tally != expected:
            problems.append(("jobs", f"renter {renter.wallet.address}: found {dict(tally)}, expected {dict(expected)}"))
    if problems:
        details = [f"{phase}: {text}" for phase, text in problems]
        for phase in dict.fromkeys(phase for phase, _ in problems):
            details += [f"  failed {phase} transaction {failure}" for failure in await sender.failures(phase)]
        raise RuntimeError("the localnet does not hold what populate sent:\n" + "\n".join(details))


# --- entry points ------------------------------------------------------------------------------


async def _fund(client: AsyncClient, count: int, lamports: int) -> list[_Wallet]:
    return [_Wallet.of(keypair) for keypair in await asyncio.gather(*(funded_keypair(client, lamports) for _ in range(count)))]


async def _timed(timings: dict[str, float], phase: str, work: Awaitable[Any]) -> None:
    started = time.perf_counter()
    await work
    timings[phase] = round(time.perf_counter() - started, 2)


async def populate(
    client: AsyncClient,
    manifest: Manifest,
    *,
    nodes: int,
    jobs: int,
    stakers: int = 4,
    renters: int = 5,
    seed: int = 0,
) -> Population:
    """Registers `nodes` nodes, stakes on a fifth of them from `stakers` wallets, and opens `jobs`
    jobs from `renters` renters (80% stay Open, 10% Started, 10% Completed); checks it all on chain.

    `seed` fixes the shape (which node gets how many jobs, statuses, amounts); keys are fresh,
    so populating the same localnet twice adds a second population beside the first. (The
    stake check reads the stake vault's growth: nothing else should stake meanwhile.)"""
    if nodes < 1 or renters < 1 or jobs < 0 or stakers < 0:
        raise ValueError("populate needs at least one node and one renter, and no negative counts")
    rng = random.Random(seed)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    bank, sender = Bank(client, manifest), _Sender(client)

    # Wallets: SOL from the faucet, USDC minted, IO from the treasury.
    operator_count = -(-nodes // NODES_PER_OPERATOR)
    operators = await _fund(client, operator_count, SOL + -(-nodes // operator_count) * 3 * LAMPORTS_PER_CREATED)
    staker_wallets = await _fund(client, stakers, SOL + round(nodes * STAKED_NODE_SHARE) * LAMPORTS_PER_CREATED)
    renter_wallets = await _fund(client, renters, SOL + -(-jobs // renters) * 2 * LAMPORTS_PER_CREATED)
    node_plan = _plan_nodes(rng, operators, nodes)
    stake_plan = _plan_stakes(rng, staker_wallets, node_plan)
    renter_plan = [
        _Renter(wallet, get_associated_token_address(wallet.address, bank.usdc), get_associated_token_address(wallet.address, bank.io))
        for wallet in renter_wallets
    ]
    job_plan = _plan_jobs(rng, renter_plan, node_plan, jobs)
    need = Counter[tuple[Pubkey, str]]()
    for job in job_plan:
        need[job.renter.wallet.address, job.mint] += 2 * job.hours * job.price  # twice the cost covers the fees on top
    for stake in stake_plan:
        need[stake.staker.address, "IO"] += stake.amount
    await asyncio.gather(*(bank.give_io(owner, amount) if mint == "IO" else bank.give_usdc(owner, amount) for (owner, mint), amount in need.items()))
    vault_before = await _stake_vault_balance(client)
    timings["setup"] = round(time.perf_counter() - started, 2)

    await _timed(timings, "nodes", _register_nodes(sender, operators, node_plan))
    await _timed(timings, "stakes", _stake(sender, bank, stake_plan))
    await _timed(timings, "ledgers", _open_renter_ledgers(sender, renter_plan))
    await _timed(timings, "jobs", _make_jobs(sender, bank, rng, job_plan))
    await _timed(timings, "verify", _verify(sender, operators, node_plan, stake_plan, vault_before, renter_plan, job_plan))

    stake_by_node = Counter[Pubkey]()
    for stake in stake_plan:
        stake_by_node[stake.node.address] += stake.amount
    return Population(
        operators=[operator.address for operator in operators],
        nodes=[node.address for node in node_plan],
        node_keys=[node.key.address for node in node_plan],
        stakers=[wallet.address for wallet in staker_wallets],
        renters=[wallet.address for wallet in renter_wallets],
        jobs_by_status={status: sum(job.status == status for job in job_plan) for status in STATUSES},
        jobs_by_mint={mint: sum(job.mint == mint for job in job_plan) for mint in ("USDC", "IO")},
        jobs_by_node=dict(Counter(job.node.address for job in job_plan)),
        stake_positions=len(stake_plan),
        stake_total=sum(stake.amount for stake in stake_plan),
        stake_by_node=dict(stake_by_node),
        timings=timings,
        transactions={phase: len(signatures) for phase, signatures in sender.sent.items()},
    )


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    """Populates the localnet at --rpc-url, or one started here (and stopped afterwards)."""
    with tempfile.TemporaryDirectory() as scratch:
        localnet = None
        if args.rpc_url is None:
            state_dir = args.state_dir or Path(scratch) / "localnet"
            localnet = start_localnet(state_dir, *(("--time-scale", str(args.time_scale)) if args.time_scale else ()))
            url = localnet.url
        else:
            state_dir, url = args.state_dir, args.rpc_url
        try:
            async with AsyncClient(url, timeout=60) as client:
                started = time.perf_counter()
                population = await populate(
                    client,
                    Manifest.read(state_dir),
                    nodes=args.nodes,
                    jobs=args.jobs,
                    stakers=args.stakers,
                    renters=args.renters,
                    seed=args.seed,
                )
                total = round(time.perf_counter() - started, 2)
        finally:
            if localnet is not None:
                stop_localnet(localnet)
    return {
        "nodes": len(population.nodes),
        "jobs": population.jobs,
        "jobs_by_status": population.jobs_by_status,
        "jobs_by_mint": population.jobs_by_mint,
        "stake_positions": population.stake_positions,
        "stake_total_io": population.stake_total / IO_UNIT,
        "secs": {**population.timings, "total": total},
        "transactions": population.transactions,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.explorer.populate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, required=True)
    parser.add_argument("--jobs", type=int, required=True)
    parser.add_argument("--stakers", type=int, default=4)
    parser.add_argument("--renters", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rpc-url", default=None, help="a running localnet (default: start one here, and stop it after)")
    parser.add_argument("--state-dir", type=Path, default=None, help="the localnet's state directory (its keys fund the wallets); needed with --rpc-url")
    parser.add_argument("--time-scale", type=float, default=None, help="clock speed-up of a localnet started here")
    args = parser.parse_args(argv)
    if args.rpc_url is not None and args.state_dir is None:
        parser.error("--rpc-url needs --state-dir (the localnet's keys fund the wallets)")
    if args.rpc_url is not None and args.time_scale is not None:
        parser.error("--time-scale is for a localnet started here, not one at --rpc-url")
    print(json.dumps(asyncio.run(_run(args))))


if __name__ == "__main__":
    main()
