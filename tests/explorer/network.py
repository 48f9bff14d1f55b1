"""A small but complete network on a real localnet, made by wallets and the real keeper: nodes
with stake, jobs in every state (settled in USDC and IO, cancelled, open, started, completed),
a slash, burns, hourly emissions and recorded provenance batches.

What the explorer should show is then read back from the chain by the tests themselves.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solana.rpc.async_api import AsyncClient
from solders.pubkey import Pubkey

from keeper.client import escrow as escrow_ix
from keeper.client import staking as staking_ix
from keeper.client.addresses import RewardsAddresses, StakingAddresses
from keeper.client.constants import RESERVATION_FEE_BPS
from keeper.client.fees import fee_ceil
from keeper.client.protocol import Protocol
from tests.keeper.conftest import KeeperProcess, keeper_config, start_keeper, stop_keeper, wait_for
from tests.keeper.receipts import make_receipts
from tests.keeper.test_settlement import expected_split
from tests.keeper.wallet import Bank, Manifest, NodeHandle, complete_job, funded_keypair, load_key, open_job, register_node, send, start_job

PROTOCOL = Protocol()
PRICE = 2_500_000
HOURS_RESERVED = 4
HOURS_USED = 1
RECEIPTS = 300


@dataclass
class Network:
    manifest: Manifest
    nodes: list[NodeHandle]
    # mint address -> the fees the treasury must have taken, from the SPEC's arithmetic
    expected_fees: dict[str, int] = field(default_factory=dict)
    settled: int = 0
    cancelled: int = 0
    receipt_proof: dict[str, Any] = field(default_factory=dict)


async def _stake(client: AsyncClient, bank: Bank, node: Pubkey, amount: int) -> None:
    staker = await funded_keypair(client)
    source = await bank.give_io(staker.pubkey(), amount)
    opening = staking_ix.open_stake_position(PROTOCOL.staking, staker.pubkey(), node)
    await send(client, [opening, staking_ix.stake(PROTOCOL.staking, staker.pubkey(), node, amount, source)], staker)


async def _slash(client: AsyncClient, manifest: Manifest, node: Pubkey, fraction_bps: int) -> None:
    authority = load_key(manifest.state_dir, "slashing_authority")
    evidence = hashlib.sha256(b"spoofed GPU" + bytes(node)).digest()  # each evidence slashes once
    ix = PROTOCOL.staking.instruction(
        "slash",
        {"params": {"fraction_bps": fraction_bps, "evidence_hash": list(evidence), "reason": "spoofed GPU"}},
        {
            "slashing_authority": authority.pubkey(),
            "payer": authority.pubkey(),
            "config": StakingAddresses.config,
            "node": node,
            "slash_record": StakingAddresses.slash_record(evidence),
            "stake_vault": StakingAddresses.stake_vault,
            "burn_vault": RewardsAddresses.burn_vault,
            "reporter_token_account": None,
        },
    )
    await send(client, [ix], authority)


def _add(fees: dict[str, int], mint: Pubkey, amount: int) -> None:
    fees[str(mint)] = fees.get(str(mint), 0) + amount


async def build_network(client: AsyncClient, manifest: Manifest, extra_nodes: int = 23) -> Network:
    """Wallet-side setup; the keeper settles, burns, emits and records afterwards (`run_keeper`)."""
    bank = Bank(client, manifest)
    usdc_node = await register_node(client, token_share_bps=0)
    io_node = await register_node(client, token_share_bps=1_000)
    idle_node = await register_node(client, token_share_bps=0)
    others = await asyncio.gather(*(register_node(client, staker_share_bps=100 + i * 5) for i in range(extra_nodes)))
    nodes = [usdc_node, io_node, idle_node, *others]
    for operator, mint in ((usdc_node, bank.usdc), (io_node, bank.io)):
        await bank.ata(operator.operator.pubkey(), mint)
    # Stake of varied size, so the chart has a shape; the slashed node has the most.
    await asyncio.gather(*(_stake(client, bank, node.address, (i + 1) * 1_000 * 10**9) for i, node in enumerate(reversed(nodes))))

    network = Network(manifest, nodes)
    renter = await funded_keypair(client, 100 * 10**9)
    renter_usdc = await bank.give_usdc(renter.pubkey(), 10**12)
    renter_io = await bank.give_io(renter.pubkey(), 10**15)
    job_id = iter(range(1_000))

    async def jobs(node: NodeHandle, mint: Pubkey, source: Pubkey, count: int, state: str) -> list:
        opened = await asyncio.gather(*(open_job(client, renter, source, node, mint, next(job_id), HOURS_RESERVED, PRICE) for _ in range(count)))
        if state in ("Started", "Completed"):
            await asyncio.gather(*(start_job(client, node, job) for job in opened))
        if state == "Completed":
            await asyncio.sleep(0.3)
            await asyncio.gather(*(complete_job(client, node, job, HOURS_USED) for job in opened))
        return list(opened)

    settled_usdc = await jobs(usdc_node, bank.usdc, renter_usdc, 4, "Completed")
    settled_io = await jobs(io_node, bank.io, renter_io, 3, "Completed")
    _add(network.expected_fees, bank.usdc, len(settled_usdc) * expected_split(PRICE, HOURS_RESERVED, HOURS_USED, 0, usdc=True).fees)
    _add(network.expected_fees, bank.io, len(settled_io) * expected_split(PRICE, HOURS_RESERVED, HOURS_USED, 1_000, usdc=False).fees)
    network.settled = len(settled_usdc) + len(settled_io)

    (cancelled,) = await jobs(idle_node, bank.usdc, renter_usdc, 1, "Open")
    treasury = load_key(manifest.state_dir, "treasury").pubkey()
    treasury_usdc = await bank.ata(treasury, bank.usdc)
    await send(client, [escrow_ix.cancel_job(PROTOCOL.escrow, renter.pubkey(), cancelled.address, bank.usdc, renter_usdc, treasury_usdc)], renter)
    _add(network.expected_fees, bank.usdc, fee_ceil(PRICE * HOURS_RESERVED, RESERVATION_FEE_BPS))
    network.cancelled = 1

    await jobs(idle_node, bank.usdc, renter_usdc, 5, "Open")
    await jobs(idle_node, bank.io, renter_io, 2, "Started")
    await _slash(client, manifest, nodes[-1].address, 1_000)
    return network


async def burned_total(client: AsyncClient) -> int:
    info = (await client.get_account_info(RewardsAddresses.burn_ledger)).value
    return 0 if info is None else PROTOCOL.rewards.decode_account_as("BurnLedger", bytes(info.data)).total_burned


async def run_keeper(client: AsyncClient, network: Network, localnet_url: str, directory: Path) -> None:
    """The real keeper settles the completed jobs, burns, emits and records receipts; then it
    is stopped, so the chain holds still while the page is compared with it."""
    config = keeper_config(directory, localnet_url, network.manifest.state_dir, provenance={"batch_max_receipts": 64, "batch_max_age_secs": 0.3})
    keeper: KeeperProcess = start_keeper(config)
    try:
        base_ts = network.manifest.settings["emission_start_ts"] - 120
        ids = [item for start in range(0, RECEIPTS, 100) for item in keeper.post("/receipts", make_receipts(100, base_ts))["ids"]]

        def settled() -> bool:
            return keeper.metric("jobs_settled_total") >= network.settled

        def recorded() -> bool:
            journal = keeper.status()["journal"]
            return journal["receipts_unbatched"] == 0 and set(journal["batches"]) == {"recorded"}

        wait_for(settled, 60, "completed jobs settled")
        wait_for(recorded, 60, "receipts recorded in batches")
        deadline = asyncio.get_running_loop().time() + 60
        # The IO token share and the slash reach the burn vault; the keeper's burn crank empties it.
        while True:
            vault = (await client.get_token_account_balance(RewardsAddresses.burn_vault)).value.amount
            if int(vault) == 0 and await burned_total(client) > 0:
                break
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"burn vault still holds {vault}")
            await asyncio.sleep(0.3)
        wait_for(lambda: keeper.status()["emission"]["next_hour"] >= 3, 60, "three hours emitted")
        network.receipt_proof = keeper.get(f"/receipts/{ids[77]}")
    finally:
        assert stop_keeper(keeper) == 0
