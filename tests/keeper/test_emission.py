"""With --time-scale the keeper catches up the hours that ended, in bounded batches, and the
IO supply read by getTokenSupply equals genesis plus the schedule's first N hours exactly."""

from __future__ import annotations

import time
from pathlib import Path

from solana.rpc.async_api import AsyncClient

from keeper.client.addresses import RewardsAddresses
from keeper.client.constants import IO_GENESIS_SUPPLY
from keeper.client.protocol import Protocol
from keeper.client.schedule import sum_hours
from tests.keeper.conftest import keeper_config, localnet_fixture, start_keeper, stop_keeper, wait_for
from tests.localnet.conftest import Localnet

# One chain hour per wall second.
localnet = localnet_fixture("--time-scale", "3600")
PROTOCOL = Protocol()


async def emitted_hours_and_supply(client: AsyncClient) -> tuple[int, int, int]:
    """(next_hour, emitted_total, getTokenSupply) with the keeper stopped, so nothing moves between reads."""
    emission = PROTOCOL.parse_emission(bytes((await client.get_account_info(RewardsAddresses.emission)).value.data))
    supply = int((await client.get_token_supply(RewardsAddresses.io_mint)).value.amount)
    return emission.next_hour, emission.emitted_total, supply


async def test_catch_up_then_hourly_then_kill_and_restart(localnet: Localnet, tmp_path: Path, keepers) -> None:  # noqa: ANN001
    time.sleep(8)  # the keeper starts ~8 hours behind
    config = keeper_config(tmp_path, localnet.url, localnet.state_dir, emission={"max_hours_per_tx": 3, "interval_secs": 0.2})
    keeper = start_keeper(config)
    keepers.append(keeper)
    wait_for(lambda: keeper.metric("emission_next_hour") >= 8, 30, "caught up the missed hours")
    assert '"msg": "catching up emissions' in keeper.logs()
    # Killed mid-stream, restarted from the same journal: no hour emitted twice, none skipped.
    assert stop_keeper(keeper, kill=True) == -9
    time.sleep(2)
    keeper = start_keeper(config)
    keepers.append(keeper)
    wait_for(lambda: keeper.metric("emission_next_hour") >= 14, 30, "kept emitting after restart")
    status = keeper.status()
    assert status["emission"]["schedule_matches"] is True
    assert stop_keeper(keeper) == 0  # SIGTERM: graceful

    async with AsyncClient(localnet.url) as client:
        next_hour, emitted_total, supply = await emitted_hours_and_supply(client)
    assert next_hour >= 14
    assert emitted_total == sum_hours(0, next_hour)
    assert supply == IO_GENESIS_SUPPLY + sum_hours(0, next_hour)
    assert '"msg": "keeper stopped"' in keeper.logs()
