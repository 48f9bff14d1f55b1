"""What every wallet command shares: refusals, sending with a stock client's defaults, amounts
and addresses from the command line, and output as text or JSON."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

import based58
from solana.rpc.async_api import AsyncClient
from solana.rpc.core import RPCException
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction

from keeper.client.clock import CLOCK, clock_unix_timestamp
from keeper.client.errors import anchor_log_error
from keeper.client.keys import DEFAULT_KEYPAIR

DEFAULT_URL = "http://127.0.0.1:8899"


def add_common_options(parser: argparse.ArgumentParser, *, signer: str) -> None:
    """--url, --keypair (whose key signs: `signer`) and --output, as the Solana CLI spells them."""
    parser.add_argument("--url", "-u", default=DEFAULT_URL, help=f"JSON-RPC URL of the cluster (default {DEFAULT_URL})")
    parser.add_argument("--keypair", "-k", type=Path, default=DEFAULT_KEYPAIR, help=f"{signer}'s keypair file (default {DEFAULT_KEYPAIR})")
    parser.add_argument("--output", choices=["text", "json"], default="text")


class WalletError(Exception):
    """A refusal to send, with the reason (exit status 1)."""


async def send(client: AsyncClient, payer: Keypair, instructions: Instruction | Sequence[Instruction], *signers: Keypair) -> str:
    """Signs and sends one transaction with the client's defaults (preflight, then confirmation)."""
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    batch = [instructions] if isinstance(instructions, Instruction) else list(instructions)
    transaction = Transaction([payer, *signers], Message(batch, payer.pubkey()), blockhash)
    try:
        response = await client.send_transaction(transaction)
        await client.confirm_transaction(response.value)
    except RPCException as error:
        raise WalletError(f"the cluster refused the transaction: {refusal(error)}") from None
    return str(response.value)


def refusal(error: RPCException) -> str:
    """The program's error line from a preflight failure, else the RPC message."""
    data = getattr(error.args[0], "data", None)
    logged = anchor_log_error(str(line) for line in getattr(data, "logs", None) or [])
    return logged.line if logged is not None else str(error.args[0])


async def token_balance(client: AsyncClient, account: Pubkey) -> int:
    try:
        return int((await client.get_token_account_balance(account)).value.amount)
    except RPCException:
        return 0  # no such account: nothing to pay with


async def chain_time(client: AsyncClient) -> int:
    """The Clock sysvar's unix_timestamp: the time the program compares deadlines with."""
    clock = (await client.get_account_info(CLOCK)).value
    if clock is None:
        raise WalletError("the cluster has no Clock sysvar")
    return clock_unix_timestamp(bytes(clock.data))


def base_units(text: str, decimals: int, what: str) -> int:
    """A positive token amount typed in whole units (e.g. 2.5) in base units, exactly."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise WalletError(f"{what} {text!r} is not a number") from None
    units = value * (10**decimals)
    if units != units.to_integral_value() or value <= 0:
        raise WalletError(f"{what} {text} must be positive with at most {decimals} decimals")
    return int(units)


def parse_pubkey(text: str, what: str) -> Pubkey:
    try:
        return Pubkey.from_string(text)
    except ValueError:
        raise WalletError(f"{what} {text!r} is not a base58 address") from None


def b58(raw: bytes) -> str:
    return based58.b58encode(raw).decode()


def ui_amount(amount: int, decimals: int) -> str:
    return f"{Decimal(amount).scaleb(-decimals):f}"


def confirmed(stdin: TextIO, stdout: TextIO) -> bool:
    stdout.write("send? [y/N] ")
    stdout.flush()
    return stdin.readline().strip().lower() in ("y", "yes")


def emit(stdout: TextIO, output: str, document: Any, text: str) -> None:
    print(json.dumps(document) if output == "json" else text, file=stdout)
