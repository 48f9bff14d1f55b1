"""`io-keeper job ...`: a renter's wallet commands, in the Solana CLI's habits.

    io-keeper job open --node NODE_KEY --hours 10 --price 2.5 [--mint usdc|io] [--job-id N] [--yes]
    io-keeper job cancel|reclaim --job-id N [--yes]
    io-keeper job status --job-id N [--renter PUBKEY]
    io-keeper job list [--renter PUBKEY]

Common: `--url` (default the localnet at 127.0.0.1:8899), `--keypair` (default
~/.config/solana/id.json), `--output text|json`. Opening shows the quote first — deposit,
fees, deadlines — and asks before it sends unless `--yes`. Every check a wallet can make is
made before anything is sent; a refusal exits 1 with the reason and sends nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from typing import Any, TextIO

from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.types import MemcmpOpts
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from keeper.cli.wallet.common import (
    WalletError,
    add_common_options,
    b58,
    base_units,
    chain_time,
    confirmed,
    emit,
    parse_pubkey,
    send,
    token_balance,
    ui_amount,
)
from keeper.client.addresses import EscrowAddresses, StakingAddresses, associated_token_address
from keeper.client.escrow import (
    EscrowConfigView,
    JobQuote,
    JobView,
    PaymentKind,
    QuoteError,
    close_job,
    complete_job,
    open_quoted_job,
    open_renter_ledger,
    quote_job,
    start_job,
)
from keeper.client.idl import ProgramIdl
from keeper.client.keys import KeypairError, load_keypair

# Job: 8-byte discriminator, version, bump, job_id (u64), then the renter.
RENTER_OFFSET = 8 + 2 + 8


def add_job_commands(commands: Any) -> None:
    """Registers `job` and its subcommands on the `io-keeper` parser."""
    job = commands.add_parser("job", help="renter commands: open, cancel, reclaim, status and list escrow jobs")
    actions = job.add_subparsers(dest="action", required=True)

    def common(parser: argparse.ArgumentParser) -> None:
        add_common_options(parser, signer="the renter")

    opening = actions.add_parser("open", help="quote, then open a job on a node (deposit into escrow)")
    common(opening)
    opening.add_argument("--node", required=True, help="the node's key (its staking registration)")
    opening.add_argument("--hours", required=True, type=int, help="hours reserved")
    opening.add_argument("--price", required=True, help="price per hour in the payment token, e.g. 2.5")
    opening.add_argument("--mint", choices=["usdc", "io"], default="usdc", help="payment token (default usdc)")
    opening.add_argument("--job-id", type=int, default=None, help="the job's id (default: the lowest id your ledger has not spent)")
    opening.add_argument("--yes", "-y", action="store_true", help="send without asking")
    for name, help_text in (
        ("cancel", "cancel a job the node has not started (all back but the reservation fee)"),
        ("reclaim", "reclaim a job whose node missed its start or completion deadline"),
    ):
        closing = actions.add_parser(name, help=help_text)
        common(closing)
        closing.add_argument("--job-id", type=int, required=True)
        closing.add_argument("--yes", "-y", action="store_true", help="send without asking")
    starting = actions.add_parser("start", help="node: start a job opened on this node (--keypair: the node key)")
    add_common_options(starting, signer="the node key")
    starting.add_argument("--job", required=True, help="the job's address")
    completing = actions.add_parser("complete", help="node or oracle: report the hours a started job used")
    add_common_options(completing, signer="the node key (or the oracle)")
    completing.add_argument("--job", required=True, help="the job's address")
    completing.add_argument("--hours-used", required=True, type=int)
    status = actions.add_parser("status", help="one job, decoded")
    common(status)
    status.add_argument("--job-id", type=int, required=True)
    status.add_argument("--renter", default=None, help="whose job (default: the keypair's)")
    listing = actions.add_parser("list", help="a renter's open jobs")
    common(listing)
    listing.add_argument("--renter", default=None, help="whose jobs (default: the keypair's)")


def run_job_command(arguments: dict[str, Any], stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    try:
        return asyncio.run(_run(arguments, stdin, stdout))
    except (WalletError, KeypairError, QuoteError) as error:
        print(f"io-keeper job {arguments['action']}: {error}", file=sys.stderr)
        return 1
    except (SolanaRpcException, OSError) as error:
        reason = error.__cause__ or error
        print(f"io-keeper job {arguments['action']}: cannot reach {arguments['url']}: {reason!r}", file=sys.stderr)
        return 1


@dataclass
class _Session:
    client: AsyncClient
    escrow: ProgramIdl
    config: EscrowConfigView


async def _run(arguments: dict[str, Any], stdin: TextIO, stdout: TextIO) -> int:
    action = arguments["action"]
    async with AsyncClient(arguments["url"]) as client:
        escrow = ProgramIdl.installed("escrow")
        config_account = (await client.get_account_info(EscrowAddresses.config)).value
        if config_account is None:
            raise WalletError(f"the escrow program is not set up on {arguments['url']} (no config at {EscrowAddresses.config})")
        session = _Session(client, escrow, EscrowConfigView.decode(escrow, bytes(config_account.data)))
        if action in ("status", "list"):
            renter = Pubkey.from_string(arguments["renter"]) if arguments["renter"] else load_keypair(arguments["keypair"]).pubkey()
            if action == "status":
                job = await _job(session, renter, arguments["job_id"])
                emit(stdout, arguments["output"], job.as_json(), _job_text(job))
            else:
                jobs = await _jobs_of(session, renter)
                emit(stdout, arguments["output"], [job.as_json() for job in jobs], "\n".join(_job_text(job) for job in jobs) or "no open jobs")
            return 0
        if action in ("start", "complete"):
            return await _node_action(session, load_keypair(arguments["keypair"]), arguments, stdout)
        renter_key = load_keypair(arguments["keypair"])
        if action == "open":
            return await _open(session, renter_key, arguments, stdin, stdout)
        return await _close(session, renter_key, f"{action}_job", arguments, stdin, stdout)


async def _open(session: _Session, renter: Keypair, arguments: dict[str, Any], stdin: TextIO, stdout: TextIO) -> int:
    config = session.config
    if config.paused:
        raise WalletError("the escrow program is paused: no new jobs")
    mint = config.usdc_mint if arguments["mint"] == "usdc" else config.io_mint
    decimals = (await session.client.get_token_supply(mint)).value.decimals
    quote = quote_job(config, arguments["hours"], base_units(arguments["price"], decimals, "--price"), config.payment_kind(mint))
    node_key = parse_pubkey(arguments["node"], "--node")
    node = (await session.client.get_account_info(StakingAddresses.node(node_key))).value
    if node is None:
        raise WalletError(f"no node registered with key {node_key}")
    job_id = arguments["job_id"] if arguments["job_id"] is not None else await _next_job_id(session, renter.pubkey())
    if not 0 <= job_id < 2**64:
        raise WalletError("--job-id must fit a u64")
    job_address = EscrowAddresses.job(renter.pubkey(), job_id)
    if (await session.client.get_account_info(job_address)).value is not None:
        raise WalletError(f"you already have a job {job_id} ({job_address})")
    token_account = associated_token_address(renter.pubkey(), mint)
    balance = await token_balance(session.client, token_account)
    summary = _quote_json(quote, decimals, job_id, job_address, node_key, balance)
    emit(stdout, arguments["output"], {"quote": summary}, _quote_text(quote, decimals, job_id, node_key, balance))
    if balance < quote.deposit:
        raise WalletError(f"the deposit is {ui_amount(quote.deposit, decimals)} but {token_account} holds {ui_amount(balance, decimals)}")
    if not arguments["yes"] and not confirmed(stdin, stdout):
        raise WalletError("not sent")
    instructions = [open_quoted_job(session.escrow, renter.pubkey(), node_key, job_id, quote, mint, token_account)]
    if (await session.client.get_account_info(EscrowAddresses.renter_ledger(renter.pubkey()))).value is None:
        # The renter's first job: its job-id ledger is created in the same transaction.
        instructions.insert(0, open_renter_ledger(session.escrow, renter.pubkey()))
    signature = await send(session.client, renter, instructions)
    emit(stdout, arguments["output"], {"signature": signature, "job": str(job_address), "job_id": job_id}, f"opened job {job_id} ({job_address}): {signature}")
    return 0


async def _close(session: _Session, renter: Keypair, name: str, arguments: dict[str, Any], stdin: TextIO, stdout: TextIO) -> int:
    job = await _job(session, renter.pubkey(), arguments["job_id"])
    now = await chain_time(session.client)
    if name == "cancel_job" and job.status != "Open":
        raise WalletError(f"job {job.job_id} is {job.status}: only a job the node has not started can be cancelled")
    if name == "reclaim_job":
        missed_start = job.status == "Open" and now > job.start_deadline
        missed_completion = job.status == "Started" and now > job.complete_deadline
        if not (missed_start or missed_completion):
            deadline = job.start_deadline if job.status == "Open" else job.complete_deadline
            raise WalletError(f"job {job.job_id} is {job.status} and its deadline ({deadline}) has not passed (chain time {now})")
    treasury_account = associated_token_address(session.config.treasury, job.payment_mint)
    renter_account = associated_token_address(renter.pubkey(), job.payment_mint)
    emit(stdout, arguments["output"], {"job": job.as_json()}, f"{name.replace('_job', '')} {_job_text(job)}")
    if not arguments["yes"] and not confirmed(stdin, stdout):
        raise WalletError("not sent")
    signature = await send(session.client, renter, close_job(session.escrow, name, job, renter_account, treasury_account))
    emit(stdout, arguments["output"], {"signature": signature}, f"{name.replace('_', ' ')}: {signature}")
    return 0


async def _node_action(session: _Session, signer: Keypair, arguments: dict[str, Any], stdout: TextIO) -> int:
    """`start` by the job's node key, or `complete` by it or the oracle, checked first as the program would."""
    address = parse_pubkey(arguments["job"], "--job")
    account = (await session.client.get_account_info(address)).value
    if account is None or account.owner != EscrowAddresses.program:
        raise WalletError(f"{address} is not an open escrow job")
    job = JobView.decode(session.escrow, address, bytes(account.data))
    now = await chain_time(session.client)
    if arguments["action"] == "start":
        if signer.pubkey() != job.node_key:
            raise WalletError(f"job {address} runs on node key {job.node_key}, not {signer.pubkey()}")
        if job.status != "Open" or now > job.start_deadline:
            raise WalletError(f"job {address} is {job.status}" + (f" and its start deadline {job.start_deadline} passed" if job.status == "Open" else ""))
        instruction = start_job(session.escrow, signer.pubkey(), address)
    else:
        hours = arguments["hours_used"]
        begun = -(-(now - job.started_at) // 3_600) if job.status == "Started" else 0
        if signer.pubkey() not in (job.node_key, session.config.oracle_authority):
            raise WalletError(f"only the node key {job.node_key} or the oracle may complete job {address}")
        if job.status != "Started":
            raise WalletError(f"job {address} is {job.status}, not Started")
        if not 0 <= hours <= min(job.hours_reserved, begun):
            raise WalletError(f"--hours-used {hours}: the job reserved {job.hours_reserved} h and {begun} h have begun since its start")
        instruction = complete_job(session.escrow, signer.pubkey(), address, hours)
    signature = await send(session.client, signer, instruction)
    emit(stdout, arguments["output"], {"signature": signature, "job": str(address)}, f"{arguments['action']} job {address}: {signature}")
    return 0


async def _next_job_id(session: _Session, renter: Pubkey) -> int:
    """The lowest id the renter's ledger has not spent (ids never repeat for a renter)."""
    ledger = (await session.client.get_account_info(EscrowAddresses.renter_ledger(renter))).value
    if ledger is None:
        return 0
    state = session.escrow.decode_account_as("RenterLedger", bytes(ledger.data))
    used = sum(int(word) << (64 * index) for index, word in enumerate(state.used_ids))
    free = next((bit for bit in range(64 * len(state.used_ids)) if not used >> bit & 1), 64 * len(state.used_ids))
    return int(state.window_start) + free


async def _job(session: _Session, renter: Pubkey, job_id: int) -> JobView:
    address = EscrowAddresses.job(renter, job_id)
    account = (await session.client.get_account_info(address)).value
    if account is None:
        raise WalletError(f"no job {job_id} of {renter} ({address}): never opened, or already settled or closed")
    return JobView.decode(session.escrow, address, bytes(account.data))


async def _jobs_of(session: _Session, renter: Pubkey) -> list[JobView]:
    found = await session.client.get_program_accounts(
        EscrowAddresses.program,
        encoding="base64",
        filters=[MemcmpOpts(0, b58(session.escrow.account_discriminator("Job"))), MemcmpOpts(RENTER_OFFSET, str(renter))],
    )
    jobs = [JobView.decode(session.escrow, item.pubkey, bytes(item.account.data)) for item in found.value]
    return sorted(jobs, key=lambda job: job.job_id)


def _quote_json(quote: JobQuote, decimals: int, job_id: int, job: Pubkey, node_key: Pubkey, balance: int) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "job": str(job),
        "node_key": str(node_key),
        "payment": quote.payment.name,
        "decimals": decimals,
        "hours": quote.hours,
        "price_per_hour": quote.price_per_hour,
        "reserved_cost": quote.reserved_cost,
        "reservation_fee": quote.reservation_fee,
        "facilitation_fee": quote.facilitation_fee,
        "deposit": quote.deposit,
        "balance": balance,
        "start_timeout_secs": quote.start_timeout_secs,
        "complete_grace_secs": quote.complete_grace_secs,
    }


def _quote_text(quote: JobQuote, decimals: int, job_id: int, node_key: Pubkey, balance: int) -> str:
    token = quote.payment.name
    lines = [
        f"job {job_id} on node {node_key}: {quote.hours} h at {ui_amount(quote.price_per_hour, decimals)} {token}/h",
        f"  reserved cost      {ui_amount(quote.reserved_cost, decimals)} {token}",
        f"  reservation fee    {ui_amount(quote.reservation_fee, decimals)} {token} (0.25 %, kept even if you cancel)",
    ]
    if quote.payment is PaymentKind.USDC:
        lines.append(f"  facilitation fee   {ui_amount(quote.facilitation_fee, decimals)} {token} (2 %, the unused part comes back)")
    lines += [
        f"  deposit            {ui_amount(quote.deposit, decimals)} {token} (you hold {ui_amount(balance, decimals)})",
        f"  the node must start within {quote.start_timeout_secs} s, or you may reclaim everything;",
        f"  once started, it has {quote.hours} h + {quote.complete_grace_secs} s to complete",
    ]
    return "\n".join(lines)


def _job_text(job: JobView) -> str:
    return (
        f"job {job.job_id} ({job.address}): {job.status}, node {job.node_key}, {job.hours_used}/{job.hours_reserved} h "
        f"at {job.price_per_hour} base units/h, deposit {job.deposit}"
    )
