"""A wallet as a renter, node operator or node device would run it: instructions from the SDK's
builders (keeper.client, which derive every PDA), sent over JSON-RPC; nothing from the keeper
daemon. `program` and `ctx` give anchorpy `Program`s from the public IDLs, for the tests that
check a stock client."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anchorpy import Context, Program, Provider, Wallet
from solana.rpc.async_api import AsyncClient
from solana.rpc.core import RPCException
from solana.rpc.types import TxOpts
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction
from spl.token.instructions import (
    MintToParams,
    TransferCheckedParams,
    create_idempotent_associated_token_account,
    get_associated_token_address,
    mint_to,
    transfer_checked,
)

from keeper.client import escrow as escrow_ix
from keeper.client import spl
from keeper.client import staking as staking_ix
from keeper.client.addresses import TOKEN_PROGRAM_ID, EscrowAddresses, StakingAddresses
from keeper.client.idl import ProgramIdl
from keeper.client.keys import load_keypair

REPO_ROOT = Path(__file__).resolve().parents[2]
ESCROW, STAKING = ProgramIdl.installed("escrow"), ProgramIdl.installed("staking")
OPTS = TxOpts(skip_confirmation=False, preflight_commitment="confirmed")


def load_key(state_dir: Path, name: str) -> Keypair:
    return load_keypair(state_dir / "keys" / f"{name}.json")


@dataclass
class Manifest:
    rpc_url: str
    addresses: dict[str, Pubkey]
    settings: dict[str, int]
    state_dir: Path

    @classmethod
    def read(cls, state_dir: Path) -> Manifest:
        data = json.loads((state_dir / "localnet.json").read_text())
        return cls(data["rpc_url"], {k: Pubkey.from_string(v) for k, v in data["addresses"].items()}, data["settings"], state_dir)


def _fixed_addresses(name: str, instruction: str) -> dict[str, Pubkey]:
    ix = next(item for item in ProgramIdl.installed(name).raw["instructions"] if item["name"] == instruction)
    return {account["name"]: Pubkey.from_string(account["address"]) for account in ix["accounts"] if "address" in account}


def ctx(
    name: str,
    instruction: str,
    accounts: dict[str, Pubkey],
    signers: list[Keypair] | None = None,
    pre_instructions: list[Instruction] | None = None,
) -> Context:
    """anchorpy wants every account; the fixed ones (programs) are read from the IDL's `address`."""
    return Context(accounts={**_fixed_addresses(name, instruction), **accounts}, signers=signers or [], pre_instructions=pre_instructions or [])


async def renter_ledger_if_missing(client: AsyncClient, renter: Pubkey) -> list[Instruction]:
    """`open_renter_ledger` for a renter that has no job-id ledger yet (a wallet's first job)."""
    if (await client.get_account_info(EscrowAddresses.renter_ledger(renter))).value is not None:
        return []
    return [escrow_ix.open_renter_ledger(ESCROW, renter)]


def program(client: AsyncClient, payer: Keypair, name: str) -> Program:
    idl = ProgramIdl.installed(name)
    return Program(idl.idl, idl.program_id, Provider(client, Wallet(payer), OPTS))


async def send(client: AsyncClient, instructions: list[Instruction], payer: Keypair, *signers: Keypair) -> None:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    transaction = Transaction([payer, *signers], Message(instructions, payer.pubkey()), blockhash)
    signature = (await client.send_raw_transaction(bytes(transaction), OPTS)).value
    await client.confirm_transaction(signature, commitment="confirmed")


async def token_balance(client: AsyncClient, account: Pubkey) -> int:
    info = (await client.get_account_info(account)).value
    return 0 if info is None else spl.token_amount(bytes(info.data))


async def funded_keypair(client: AsyncClient, lamports: int = 10 * 10**9) -> Keypair:
    keypair = Keypair()
    signature = (await client.request_airdrop(keypair.pubkey(), lamports)).value
    await client.confirm_transaction(signature, commitment="confirmed")
    return keypair


class Bank:
    """Tokens for test wallets: USDC minted with the localnet's USDC authority, IO from the treasury."""

    def __init__(self, client: AsyncClient, manifest: Manifest) -> None:
        self.client = client
        self.manifest = manifest
        self.usdc_authority = load_key(manifest.state_dir, "usdc_mint_authority")
        self.treasury = load_key(manifest.state_dir, "treasury")
        self.admin = load_key(manifest.state_dir, "admin")

    @property
    def usdc(self) -> Pubkey:
        return self.manifest.addresses["usdc_mint"]

    @property
    def io(self) -> Pubkey:
        return self.manifest.addresses["io_mint"]

    async def ata(self, owner: Pubkey, mint: Pubkey) -> Pubkey:
        await send(self.client, [create_idempotent_associated_token_account(self.admin.pubkey(), owner, mint)], self.admin)
        return get_associated_token_address(owner, mint)

    async def give_usdc(self, owner: Pubkey, amount: int) -> Pubkey:
        account = await self.ata(owner, self.usdc)
        params = MintToParams(TOKEN_PROGRAM_ID, self.usdc, account, self.usdc_authority.pubkey(), amount)
        await send(self.client, [mint_to(params)], self.admin, self.usdc_authority)
        return account

    async def give_io(self, owner: Pubkey, amount: int) -> Pubkey:
        account = await self.ata(owner, self.io)
        params = TransferCheckedParams(
            TOKEN_PROGRAM_ID,
            get_associated_token_address(self.treasury.pubkey(), self.io),
            self.io,
            account,
            self.treasury.pubkey(),
            amount,
            9,
        )
        await send(self.client, [transfer_checked(params)], self.admin, self.treasury)
        return account


@dataclass
class NodeHandle:
    operator: Keypair
    node_key: Keypair
    address: Pubkey
    token_share_bps: int


async def register_node(client: AsyncClient, token_share_bps: int = 0, staker_share_bps: int = 200) -> NodeHandle:
    operator = await funded_keypair(client)
    node_key = await funded_keypair(client)
    register = staking_ix.register_node(STAKING, operator.pubkey(), node_key.pubkey(), "H100", 3, staker_share_bps, token_share_bps)
    await send(client, [register], operator, node_key)
    return NodeHandle(operator, node_key, StakingAddresses.node(node_key.pubkey()), token_share_bps)


@dataclass
class JobHandle:
    renter: Keypair
    job_id: int
    address: Pubkey
    mint: Pubkey
    renter_token: Pubkey


async def open_job(
    client: AsyncClient, renter: Keypair, renter_token: Pubkey, node: NodeHandle, mint: Pubkey, job_id: int, hours: int, price: int
) -> JobHandle:
    await ensure_renter_ledger(client, renter)
    await send(client, [escrow_ix.open_job(ESCROW, renter.pubkey(), node.node_key.pubkey(), job_id, hours, price, mint, renter_token)], renter)
    return JobHandle(renter, job_id, EscrowAddresses.job(renter.pubkey(), job_id), mint, renter_token)


async def ensure_renter_ledger(client: AsyncClient, renter: Keypair) -> None:
    """Creates the renter's job-id ledger unless it exists. Jobs of one renter opened at once may
    race to create it: the loser's "already in use" (or, for the very same transaction, "already
    been processed") means it exists."""
    for instruction in await renter_ledger_if_missing(client, renter.pubkey()):
        try:
            await send(client, [instruction], renter)
        except RPCException as error:
            if "already in use" not in str(error) and "already been processed" not in str(error):
                raise


async def start_job(client: AsyncClient, node: NodeHandle, job: JobHandle) -> None:
    await send(client, [escrow_ix.start_job(ESCROW, node.node_key.pubkey(), job.address)], node.node_key)


async def complete_job(client: AsyncClient, node: NodeHandle, job: JobHandle, hours_used: int) -> None:
    await send(client, [escrow_ix.complete_job(ESCROW, node.node_key.pubkey(), job.address, hours_used)], node.node_key)


async def fetch_job(client: AsyncClient, job: Pubkey) -> Any:
    """The Job decoded (its status by name), or None once it is closed."""
    info = (await client.get_account_info(job)).value
    return None if info is None else ESCROW.decode_account_as("Job", bytes(info.data))
