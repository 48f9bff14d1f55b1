"""A workload shared by the crash and fault tests: completed jobs waiting to be settled."""

from __future__ import annotations

import asyncio

from solana.rpc.async_api import AsyncClient
from spl.token.instructions import get_associated_token_address

from tests.keeper.test_settlement import expected_split
from tests.keeper.wallet import Bank, JobHandle, Manifest, NodeHandle, complete_job, funded_keypair, open_job, register_node, start_job, token_balance

PRICE = 1_234_567
HOURS_RESERVED = 3
HOURS_USED = 1


async def completed_usdc_jobs(client: AsyncClient, manifest: Manifest, count: int) -> tuple[NodeHandle, list[JobHandle]]:
    bank = Bank(client, manifest)
    node = await register_node(client, token_share_bps=700)
    renter = await funded_keypair(client, 100 * 10**9)
    renter_usdc = await bank.give_usdc(renter.pubkey(), 10**12)
    await bank.ata(node.operator.pubkey(), bank.usdc)
    jobs = await asyncio.gather(*(open_job(client, renter, renter_usdc, node, bank.usdc, i, HOURS_RESERVED, PRICE) for i in range(count)))
    await asyncio.gather(*(start_job(client, node, job) for job in jobs))
    await asyncio.sleep(0.5)
    await asyncio.gather(*(complete_job(client, node, job, HOURS_USED) for job in jobs))
    return node, list(jobs)


async def assert_settled_exactly_once(client: AsyncClient, manifest: Manifest, node: NodeHandle, jobs: list[JobHandle]) -> None:
    accounts = (await client.get_multiple_accounts([job.address for job in jobs])).value
    assert all(account is None for account in accounts), "every job settled and closed"
    split = expected_split(PRICE, HOURS_RESERVED, HOURS_USED, node.token_share_bps, usdc=True)
    operator = get_associated_token_address(node.operator.pubkey(), manifest.addresses["usdc_mint"])
    assert await token_balance(client, operator) == split.payout * len(jobs)  # paid once per job, not more
