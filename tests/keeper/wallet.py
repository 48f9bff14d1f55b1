"""A wallet as a renter, node operator or node device would run it: anchorpy `Program`s built
from the public IDLs, talking to the cluster over JSON-RPC (nothing from the keeper daemon)."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anchorpy import Context, Idl, Program, Provider, Wallet
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

from keeper.addresses import TOKEN_PROGRAM_ID, EscrowAddresses, StakingAddresses

REPO_ROOT = Path(__file__).resolve().parents[2]
OPTS = TxOpts(skip_confirmation=False, preflight_commitment="confirmed")


def load_key(state_dir: Path, name: str) -> Keypair:
    return Keypair.from_bytes(bytes(json.loads((state_dir / "keys" / f"{name}.json").read_text())))


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
    idl = json.loads((REPO_ROOT / "idl" / f"{name}.json").read_text())
    ix = next(item for item in idl["instructions"] if item["name"] == instruction)
    return {account["name"]: Pubkey.from_string(account["address"]) for account in ix["accounts"] if "address" in account}


def ctx(
    name: str, instruction: str, accounts: dict[str, Pubkey], signers: list[Keypair] | None = None,
    pre_instructions: list[Instruction] | None = None,
) -> Context:
    """anchorpy wants every account; the fixed ones (programs) are read from the IDL's `address`."""
    return Context(accounts={**_fixed_addresses(name, instruction), **accounts}, signers=signers or [],
                   pre_instructions=pre_instructions or [])


async def renter_ledger_if_missing(client: AsyncClient, escrow: Program, renter: Pubkey) -> list[Instruction]:
    """`open_renter_ledger` for a renter that has no job-id ledger yet (a wallet's first job)."""
    if (await client.get_account_info(EscrowAddresses.renter_ledger(renter))).value is not None:
        return []
    return [escrow.instruction["open_renter_ledger"](ctx=ctx("escrow", "open_renter_ledger", {
        "renter": renter, "renter_ledger": EscrowAddresses.renter_ledger(renter),
    }))]


def program(client: AsyncClient, payer: Keypair, name: str) -> Program:
    idl = Idl.from_json((REPO_ROOT / "idl" / f"{name}.json").read_text())
    return Program(idl, Pubkey.from_string(idl.address), Provider(client, Wallet(payer), OPTS))


async def send(client: AsyncClient, instructions: list[Instruction], payer: Keypair, *signers: Keypair) -> None:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    transaction = Transaction([payer, *signers], Message(instructions, payer.pubkey()), blockhash)
    signature = (await client.send_raw_transaction(bytes(transaction), OPTS)).value
    await client.confirm_transaction(signature, commitment="confirmed")


async def token_balance(client: AsyncClient, account: Pubkey) -> int:
    info = (await client.get_account_info(account)).value
    return 0 if info is None else struct.unpack_from("<Q", bytes(info.data), 64)[0]


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
            TOKEN_PROGRAM_ID, get_associated_token_address(self.treasury.pubkey(), self.io), self.io, account,
            self.treasury.pubkey(), amount, 9,
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
    staking = program(client, operator, "staking")
    node = StakingAddresses.node(node_key.pubkey())
    params = staking.type["RegisterNodeParams"](
        gpu_model="H100", tier=3, staker_share_bps=staker_share_bps, token_share_bps=token_share_bps
    )
    await staking.rpc["register_node"](
        params,
        ctx=ctx("staking", "register_node", {"operator": operator.pubkey(), "node_key": node_key.pubkey(), "node": node}, [node_key]),
    )
    return NodeHandle(operator, node_key, node, token_share_bps)


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
    escrow = program(client, renter, "escrow")
    job = EscrowAddresses.job(renter.pubkey(), job_id)
    await escrow.rpc["open_job"](
        job_id, hours, price,
        ctx=ctx("escrow", "open_job", {
            "renter": renter.pubkey(), "renter_ledger": EscrowAddresses.renter_ledger(renter.pubkey()),
            "config": EscrowAddresses.config, "node": node.address, "job": job,
            "payment_mint": mint, "escrow_vault": EscrowAddresses.vault(mint), "renter_token_account": renter_token,
        }),
    )
    return JobHandle(renter, job_id, job, mint, renter_token)


async def ensure_renter_ledger(client: AsyncClient, renter: Keypair) -> None:
    """Creates the renter's job-id ledger unless it exists. Jobs of one renter opened at once may
    race to create it: the loser's "already in use" (or, for the very same transaction, "already
    been processed") means it exists."""
    escrow = program(client, renter, "escrow")
    for instruction in await renter_ledger_if_missing(client, escrow, renter.pubkey()):
        try:
            await send(client, [instruction], renter)
        except RPCException as error:
            if "already in use" not in str(error) and "already been processed" not in str(error):
                raise


async def start_job(client: AsyncClient, node: NodeHandle, job: JobHandle) -> None:
    escrow = program(client, node.node_key, "escrow")
    await escrow.rpc["start_job"](
        ctx=ctx("escrow", "start_job", {"node_key": node.node_key.pubkey(), "config": EscrowAddresses.config, "job": job.address})
    )


async def complete_job(client: AsyncClient, node: NodeHandle, job: JobHandle, hours_used: int) -> None:
    escrow = program(client, node.node_key, "escrow")
    await escrow.rpc["complete_job"](
        hours_used, ctx=ctx("escrow", "complete_job", {"authority": node.node_key.pubkey(), "config": EscrowAddresses.config, "job": job.address})
    )


async def fetch_job(client: AsyncClient, job: Pubkey) -> Any:
    """The Job decoded by anchorpy, or None once it is closed."""
    if (await client.get_account_info(job)).value is None:
        return None
    return await program(client, Keypair(), "escrow").account["Job"].fetch(job)
