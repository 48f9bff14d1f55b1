"""A localnet process and a keeper process for the client conformance tests: the system as
`scripts/run` brings it up, which stock clients then use with their default code paths."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.keeper.conftest import KeeperProcess, keeper_config, start_keeper, stop_keeper
from tests.localnet.conftest import Localnet, start_localnet, stop_localnet, ws_url


@dataclass
class Cluster:
    localnet: Localnet
    keeper: KeeperProcess

    @property
    def rpc_url(self) -> str:
        return self.localnet.url

    @property
    def ws_url(self) -> str:
        return ws_url(self.localnet.url)

    @property
    def state_dir(self) -> Path:
        return self.localnet.state_dir


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    # The chain clock runs 60x, so escrow's 60 s dispute window after a completion passes in a
    # second of the test and the keeper settles.
    localnet = start_localnet(tmp_path_factory.mktemp("clients-localnet"), "--time-scale", "60")
    try:
        keeper = start_keeper(keeper_config(tmp_path_factory.mktemp("clients-keeper"), localnet.url, localnet.state_dir))
    except BaseException:
        stop_localnet(localnet)
        raise
    yield Cluster(localnet, keeper)
    stop_keeper(keeper)
    stop_localnet(localnet)
