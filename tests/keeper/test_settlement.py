"""A renter wallet (anchorpy, public IDL) opens jobs, the node starts and completes them, the
keeper (a separate process) settles them; every balance matches SPEC to the base unit."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from solana.rpc.async_api import AsyncClient
from spl.token.instructions import get_associated_token_address

from keeper.client.addresses import RewardsAddresses
from keeper.client.constants import FACILITATION_FEE_BPS, NETWORK_FEE_BPS, RESERVATION_FEE_BPS
from keeper.client.fees import fee_ceil, share_floor
from tests.keeper.conftest import keeper_config, localnet_fixture, start_keeper, stop_keeper, wait_for
from tests.keeper.wallet import Bank, Manifest, complete_job, fetch_job, funded_keypair, open_job, program, register_node, start_job, token_balance
from tests.localnet.conftest import Localnet

# 1 chain hour = 6 wall seconds: jobs can bill whole hours without a long wait.
localnet = localnet_fixture("--time-scale", "600")


@dataclass(frozen=True)
class Split:
    deposit: int
    payout: int
    token_share: int
    fees: int
    refund: int


def expected_split(price: int, hours_reserved: int, hours_used: int, token_share_bps: int, usdc: bool) -> Split:
    """SPEC: fees, token share and refund of a settled job, from the protocol's numbers."""
    reserved_cost = price * hours_reserved
    reservation_fee = fee_ceil(reserved_cost, RESERVATION_FEE_BPS)
    facilitation_deposit = fee_ceil(reserved_cost, FACILITATION_FEE_BPS) if usdc else 0
    used_cost = price * hours_used
    facilitation_charged = fee_ceil(used_cost, FACILITATION_FEE_BPS) if usdc else 0
    network_fee = fee_ceil(used_cost, NETWORK_FEE_BPS)
    gross = used_cost - network_fee
    token_share = share_floor(gross, token_share_bps)
    split = Split(
        deposit=reserved_cost + reservation_fee + facilitation_deposit,
        payout=gross - token_share,
        token_share=token_share,
        fees=reservation_fee + facilitation_charged + network_fee,
        refund=(reserved_cost - used_cost) + (facilitation_deposit - facilitation_charged),
    )
    assert split.deposit == split.payout + split.token_share + split.fees + split.refund
    return split


async def test_keeper_settles_completed_jobs_with_exact_balances(localnet: Localnet, tmp_path: Path, keepers) -> None:  # noqa: ANN001
    manifest = Manifest.read(localnet.state_dir)
    async with AsyncClient(localnet.url, commitment="confirmed") as client:
        bank = Bank(client, manifest)
        usdc_node = await register_node(client, token_share_bps=1_500)
        io_node = await register_node(client, token_share_bps=2_500)
        renter = await funded_keypair(client)
        renter_usdc = await bank.give_usdc(renter.pubkey(), 10_000 * 10**6)
        renter_io = await bank.give_io(renter.pubkey(), 50_000 * 10**9)
        treasury = manifest.addresses["treasury"]
        treasury_usdc = get_associated_token_address(treasury, bank.usdc)
        treasury_io = get_associated_token_address(treasury, bank.io)
        # The operators' token accounts do not exist yet: the keeper creates them when settling.
        cases = [
            # (node, mint, job_id, price per hour, hours reserved, hours used)
            (usdc_node, bank.usdc, 1, 2_345_671, 5, 2),
            (usdc_node, bank.usdc, 2, 999_999, 3, 3),
            (usdc_node, bank.usdc, 3, 7, 4, 1),  # fees round up on tiny amounts
            (io_node, bank.io, 4, 13_333_333_337, 6, 2),
            (io_node, bank.io, 5, 1_000_000_001, 2, 0),  # nothing used: everything but fees back
        ]
        before = {
            "renter_usdc": await token_balance(client, renter_usdc),
            "renter_io": await token_balance(client, renter_io),
            "treasury_usdc": await token_balance(client, treasury_usdc),
            "treasury_io": await token_balance(client, treasury_io),
        }
        jobs = [
            await open_job(client, renter, renter_usdc if mint == bank.usdc else renter_io, node, mint, job_id, reserved, price)
            for node, mint, job_id, price, reserved, _ in cases
        ]
        for (node, *_), job in zip(cases, jobs, strict=True):
            await start_job(client, node, job)
        await asyncio.sleep(13)  # a little over 2 chain hours
        for (node, _, _, _, _, used), job in zip(cases, jobs, strict=True):
            await complete_job(client, node, job, used)
        for job in jobs:
            assert (await fetch_job(client, job.address)).status == "Completed"

        keeper = start_keeper(keeper_config(tmp_path, localnet.url, localnet.state_dir, emission={"enabled": False}))
        keepers.append(keeper)

        async def all_closed() -> bool:
            return all(info is None for info in (await client.get_multiple_accounts([job.address for job in jobs])).value)

        for _ in range(200):
            if await all_closed():
                break
            await asyncio.sleep(0.2)
        assert await all_closed(), keeper.logs()[-3000:]
        wait_for(lambda: keeper.metric("burns_total") >= 1, 20, "the IO token share burned")
        assert keeper.metric("jobs_settled_total") == len(jobs)
        assert stop_keeper(keeper) == 0

        splits = [expected_split(price, reserved, used, node.token_share_bps, mint == bank.usdc) for node, mint, _, price, reserved, used in cases]
        usdc_splits = [s for s, case in zip(splits, cases, strict=True) if case[1] == bank.usdc]
        io_splits = [s for s, case in zip(splits, cases, strict=True) if case[1] == bank.io]
        assert await token_balance(client, renter_usdc) == before["renter_usdc"] - sum(s.deposit - s.refund for s in usdc_splits)
        assert await token_balance(client, renter_io) == before["renter_io"] - sum(s.deposit - s.refund for s in io_splits)
        assert await token_balance(client, get_associated_token_address(usdc_node.operator.pubkey(), bank.usdc)) == sum(s.payout for s in usdc_splits)
        assert await token_balance(client, get_associated_token_address(io_node.operator.pubkey(), bank.io)) == sum(s.payout for s in io_splits)
        # USDC token share goes to the treasury for buy-back; IO token share to the burn vault, then burned.
        assert await token_balance(client, treasury_usdc) == before["treasury_usdc"] + sum(s.fees + s.token_share for s in usdc_splits)
        assert await token_balance(client, treasury_io) == before["treasury_io"] + sum(s.fees for s in io_splits)
        assert await token_balance(client, RewardsAddresses.burn_vault) == 0
        rewards = program(client, renter, "rewards")
        ledger = await rewards.account["BurnLedger"].fetch(RewardsAddresses.burn_ledger)
        assert ledger.total_burned == sum(s.token_share for s in io_splits)
        # Job and vault rent went back to the renter: no job or vault account is left.
        for job in jobs:
            assert (await client.get_account_info(job.address)).value is None
