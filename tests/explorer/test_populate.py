"""The explorer's data generator, small: what it reports is what an independent read of the chain finds."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import based58
import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.types import MemcmpOpts
from solders.pubkey import Pubkey

from keeper.client.idl import ProgramIdl
from tests.explorer.populate import PROTOCOL, main, populate
from tests.keeper.wallet import Manifest
from tests.localnet.conftest import Localnet, start_localnet, stop_localnet


@pytest.fixture(scope="module")
def localnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Localnet]:
    # 3600x: one chain hour a second, so jobs must be started well within their start deadline.
    running = start_localnet(tmp_path_factory.mktemp("populate"), "--time-scale", "3600")
    yield running
    stop_localnet(running)


async def _decoded(client: AsyncClient, idl: ProgramIdl, account: str) -> dict[Pubkey, Any]:
    """Every `account` of the program, decoded through its IDL (nothing from populate)."""
    discriminator = based58.b58encode(idl.account_discriminator(account)).decode()
    response = await client.get_program_accounts(idl.program_id, encoding="base64", filters=[MemcmpOpts(offset=0, bytes=discriminator)])
    return {item.pubkey: idl.decode_account_as(account, bytes(item.account.data)) for item in response.value}


def _status(job: Any) -> str:
    return str(job.status)  # the decoder gives an enum as its variant's name


async def test_population_matches_what_the_chain_holds(localnet: Localnet) -> None:
    async with AsyncClient(localnet.url) as client:
        population = await populate(client, Manifest.read(localnet.state_dir), nodes=40, jobs=400, stakers=3, renters=4)
        nodes = await _decoded(client, PROTOCOL.staking, "Node")
        jobs = await _decoded(client, PROTOCOL.escrow, "Job")

    assert population.jobs == 400 and population.jobs_by_status == {"Open": 320, "Started": 40, "Completed": 40, "Disputed": 0}
    assert sum(population.jobs_by_mint.values()) == 400 and min(population.jobs_by_mint.values()) > 0
    assert set(population.nodes) == set(nodes) and len(population.nodes) == 40
    assert {node.operator for node in nodes.values()} == set(population.operators)
    assert len({node.gpu_model for node in nodes.values()}) > 1
    assert {address: node.total_stake for address, node in nodes.items() if node.total_stake} == population.stake_by_node
    assert sum(population.stake_by_node.values()) == population.stake_total > 0
    assert Counter(_status(job) for job in jobs.values()) == +Counter(population.jobs_by_status)
    assert dict(Counter(job.node for job in jobs.values())) == population.jobs_by_node
    assert {job.renter for job in jobs.values()} == set(population.renters)
    completed = [job for job in jobs.values() if _status(job) == "Completed"]
    assert all(1 <= job.hours_used <= job.hours_reserved for job in completed)


def test_cli_starts_a_localnet_and_prints_timings(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    main(["--nodes", "5", "--jobs", "30", "--state-dir", str(tmp_path / "localnet")])
    report = json.loads(capsys.readouterr().out)
    assert report["nodes"] == 5 and report["jobs"] == 30
    assert set(report["secs"]) == {"setup", "nodes", "stakes", "ledgers", "jobs", "verify", "total"}
    assert (tmp_path / "localnet" / "localnet.json").is_file()  # the localnet ran in the given state dir
