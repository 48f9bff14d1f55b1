"""A node operator's reward claims: `io-keeper node claim` fetches the node's leaf and proof of an
epoch from the keeper's API (`GET /rewards/{epoch}/{node}`), checks everything a wallet can
before sending (the operator signs, the root on-chain is the keeper's, the proof leads to it,
the claim window is open, no receipt yet), then sends `rewards.claim`; `io-keeper node
close-receipt` closes a claim receipt of an expired epoch, its rent back to whoever paid it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TextIO

import aiohttp
from solana.rpc.async_api import AsyncClient
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from spl.token.instructions import create_idempotent_associated_token_account

from keeper.cli.wallet.common import WalletError, chain_time, emit, send, ui_amount
from keeper.client import rewards as rewards_ix
from keeper.client.addresses import RewardsAddresses, StakingAddresses, associated_token_address
from keeper.client.constants import EPOCH_CLAIM_WINDOW_SECS, IO_DECIMALS
from keeper.client.idl import IdlError, ProgramIdl
from keeper.client.merkle import reward_leaf, verify
from keeper.daemon.config import HttpSettings

DEFAULT_KEEPER_API = f"http://127.0.0.1:{HttpSettings.model_fields['api_port'].default}"
KEEPER_TIMEOUT_SECS = 15


@dataclass(frozen=True)
class ServedReward:
    """A node's leaf of an epoch and its proof, as the keeper serves them."""

    epoch: int
    node: Pubkey
    amount: int
    status: str
    root: bytes
    proof: list[bytes]


async def fetch_reward(keeper: str, epoch: int, node: Pubkey) -> ServedReward:
    """`GET {keeper}/rewards/{epoch}/{node}`; every failure a WalletError that says which."""
    url = f"{keeper.rstrip('/')}/rewards/{epoch}/{node}"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=KEEPER_TIMEOUT_SECS)) as session,
            session.get(url) as response,
        ):
            body = await response.text()
            status = response.status
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        raise WalletError(f"cannot reach the keeper at {keeper}: {error or type(error).__name__}") from None
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if status == 404:
        said = document.get("error", "") if isinstance(document, dict) else ""
        if "no reward" in said:
            raise WalletError(f"node {node} has no reward in epoch {epoch} (the keeper at {keeper})")
        raise WalletError(f"the keeper at {keeper} has no root for epoch {epoch} (yet)")
    if status != 200 or not isinstance(document, dict):
        raise WalletError(f"the keeper at {keeper} answered {status} for {url}: {body[:200]}")
    try:
        served = ServedReward(
            int(document["epoch"]),
            Pubkey.from_string(document["node"]),
            int(document["amount"]),
            str(document["status"]),
            bytes.fromhex(document["root"]),
            [bytes.fromhex(sibling) for sibling in document["proof"]],
        )
    except (KeyError, TypeError, ValueError) as error:
        raise WalletError(f"the keeper at {keeper} served a malformed reward for {url}: {error}") from None
    if (served.epoch, served.node) != (epoch, node):
        raise WalletError(f"the keeper at {keeper} served epoch {served.epoch} of {served.node} for epoch {epoch} of {node}")
    return served


async def claim(client: AsyncClient, operator: Keypair, node_key: Pubkey, node: dict[str, Any], epoch: int, keeper: str, output: str, stdout: TextIO) -> int:
    """Sends `rewards.claim` of `node_key`'s leaf in `epoch` (signed and paid by its operator)."""
    rewards = ProgramIdl.installed("rewards")
    address = StakingAddresses.node(node_key)
    if str(operator.pubkey()) != node["operator"]:
        raise WalletError(f"node {node_key} is operated by {node['operator']}, not {operator.pubkey()}: only its operator claims its rewards")
    receipt_address = RewardsAddresses.claim_receipt(epoch, address)
    receipt = await _claim_receipt(client, rewards, receipt_address)
    if receipt is not None:
        raise WalletError(
            f"node {node_key} already claimed epoch {epoch} (receipt {receipt_address}: {ui_amount(receipt.amount, IO_DECIMALS)} IO at {receipt.claimed_at})"
        )
    served = await fetch_reward(keeper, epoch, address)
    root_account = (await client.get_account_info(RewardsAddresses.epoch_root(epoch))).value
    if root_account is None:
        raise WalletError(f"epoch {epoch} has no root on-chain yet (the keeper's root is {served.status}); try again once it is posted")
    posted = rewards.decode_account_as("Epoch", bytes(root_account.data))
    if bytes(posted.root) != served.root:
        raise WalletError(f"the keeper's root of epoch {epoch} ({served.root.hex()}) is not the one on-chain ({bytes(posted.root).hex()})")
    if not verify(served.proof, served.root, reward_leaf(epoch, bytes(address), served.amount)):
        raise WalletError(f"the keeper's proof for node {node_key} in epoch {epoch} does not lead to the epoch's root")
    now = await chain_time(client)
    deadline = posted.posted_at + EPOCH_CLAIM_WINDOW_SECS
    if posted.expired_at != 0 or now >= deadline:
        raise WalletError(f"the claim window of epoch {epoch} closed at {deadline} (chain time {now})")
    operator_token = associated_token_address(operator.pubkey(), RewardsAddresses.io_mint)
    instructions: list[Instruction] = []
    if (await client.get_account_info(operator_token)).value is None:
        # As wallets do: the operator's IO account, created in the same transaction.
        instructions.append(create_idempotent_associated_token_account(operator.pubkey(), operator.pubkey(), RewardsAddresses.io_mint))
    instructions.append(rewards_ix.claim(rewards, epoch, address, served.amount, served.proof, operator.pubkey(), operator_token=operator_token))
    signature = await send(client, operator, instructions)
    landed = await _claim_receipt(client, rewards, receipt_address)
    if landed is None:
        raise WalletError(f"the claim landed ({signature}) but its receipt {receipt_address} cannot be read")
    document = {
        "signature": signature,
        "epoch": epoch,
        "node": str(address),
        "amount": landed.amount,
        "operator_amount": landed.operator_amount,
        "staker_amount": landed.staker_amount,
        "staker_returned": landed.staker_returned,
        "operator_token": str(operator_token),
        "receipt": str(receipt_address),
    }
    text = (
        f"claimed {ui_amount(landed.amount, IO_DECIMALS)} IO of epoch {epoch} for node {node_key}: "
        f"{ui_amount(landed.operator_amount, IO_DECIMALS)} IO to {operator_token} (operator), "
        f"{ui_amount(landed.staker_amount, IO_DECIMALS)} IO to its stakers"
        + (f", {ui_amount(landed.staker_returned, IO_DECIMALS)} IO returned (stakers' window passed)" if landed.staker_returned else "")
        + f": {signature}"
    )
    emit(stdout, output, document, text)
    return 0


async def close_receipt(client: AsyncClient, sender: Keypair, node_key: Pubkey, epoch: int, output: str, stdout: TextIO) -> int:
    """Sends `rewards.close_claim_receipt` (anyone may): only for an expired epoch."""
    rewards = ProgramIdl.installed("rewards")
    address = StakingAddresses.node(node_key)
    receipt_address = RewardsAddresses.claim_receipt(epoch, address)
    receipt = await _claim_receipt(client, rewards, receipt_address)
    if receipt is None:
        raise WalletError(f"node {node_key} has no claim receipt for epoch {epoch} ({receipt_address})")
    root_account = (await client.get_account_info(RewardsAddresses.epoch_root(epoch))).value
    if root_account is None:
        raise WalletError(f"epoch {epoch} has no root on-chain")
    posted = rewards.decode_account_as("Epoch", bytes(root_account.data))
    if posted.expired_at == 0:
        deadline = posted.posted_at + EPOCH_CLAIM_WINDOW_SECS
        raise WalletError(f"epoch {epoch} has not expired: its claim window closes at {deadline}, then the keeper expires it")
    rent = (await client.get_balance(receipt_address)).value
    signature = await send(client, sender, rewards_ix.close_claim_receipt(rewards, epoch, address, receipt.payer))
    document = {"signature": signature, "epoch": epoch, "node": str(address), "receipt": str(receipt_address), "payer": str(receipt.payer), "rent": rent}
    emit(stdout, output, document, f"closed claim receipt {receipt_address}: {rent} lamports back to {receipt.payer}: {signature}")
    return 0


async def _claim_receipt(client: AsyncClient, rewards: ProgramIdl, address: Pubkey) -> Any:
    account = (await client.get_account_info(address)).value
    if account is None or account.owner != RewardsAddresses.program:
        return None  # (lamports sent to the address beforehand do not make a receipt)
    try:
        return rewards.decode_account_as("ClaimReceipt", bytes(account.data))
    except IdlError as error:
        raise WalletError(f"{address} is not a claim receipt: {error}") from None
