"""Two keepers against one cluster at the same time (an operator's failover left running, or two
operators): they race for the same jobs and hours, and nothing is paid or emitted twice. The
programs' state is the guard: a settled job's account is closed, an emitted hour advances
`next_hour`; the loser's transaction fails and the keeper moves on."""

from __future__ import annotations

from pathlib import Path

from solana.rpc.async_api import AsyncClient

from keeper.client.addresses import RewardsAddresses
from keeper.client.constants import IO_GENESIS_SUPPLY
from keeper.client.schedule import sum_hours
from tests.keeper.conftest import keeper_config, localnet_fixture, start_keeper, stop_keeper, wait_for
from tests.keeper.scenario import assert_settled_exactly_once, completed_usdc_jobs
from tests.keeper.test_robustness import PROTOCOL, onchain_totals
from tests.keeper.wallet import Manifest
from tests.localnet.conftest import Localnet

localnet = localnet_fixture("--time-scale", "600")


async def test_two_keepers_at_once_never_pay_or_emit_twice(localnet: Localnet, tmp_path: Path, keepers) -> None:  # noqa: ANN001
    manifest = Manifest.read(localnet.state_dir)
    async with AsyncClient(localnet.url, commitment="confirmed") as client:
        node, jobs = await completed_usdc_jobs(client, manifest, 30)
        # Separate journals and ports, same keeper key: two independent daemons.
        first, second = (
            start_keeper(
                keeper_config(
                    tmp_path / name,
                    localnet.url,
                    localnet.state_dir,
                    settlement={"jobs_per_tx": 2, "concurrency": 4},
                    emission={"max_hours_per_tx": 2, "interval_secs": 0.2},
                )
            )
            for name in ("first", "second")
        )
        keepers.extend([first, second])
        wait_for(
            lambda: first.status()["settlement"]["completed_pending"] == 0 and second.status()["settlement"]["completed_pending"] == 0,
            90,
            "both keepers see every job settled",
        )
        wait_for(lambda: min(first.metric("emission_next_hour"), second.metric("emission_next_hour")) >= 3, 60, "both emitting")
        assert stop_keeper(first) == 0
        assert stop_keeper(second) == 0

        await assert_settled_exactly_once(client, manifest, node, jobs)
        _, next_hour, emitted_total, supply = await onchain_totals(client)
        assert emitted_total == sum_hours(0, next_hour)
        assert supply == IO_GENESIS_SUPPLY + emitted_total - await burned_total(client)


async def burned_total(client: AsyncClient) -> int:
    data = bytes((await client.get_account_info(RewardsAddresses.burn_ledger)).value.data)
    return PROTOCOL.rewards.decode_account_as("BurnLedger", data).total_burned
