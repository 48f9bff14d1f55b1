"""`io-keeper node|stake|unstake|withdraw|positions|claim-rewards` and the node's `job start|complete`,
as operators and stakers run them against a real localnet: each moves exactly what it says, and
every bad input is a clear error with nothing sent."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from solana.rpc.async_api import AsyncClient
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from keeper.client.addresses import StakingAddresses
from tests.keeper.conftest import localnet_fixture
from tests.keeper.wallet import Bank, Manifest, funded_keypair, token_balance
from tests.localnet.conftest import IO_KEEPER, Localnet

# 1 chain hour = 6 wall seconds.
localnet = localnet_fixture("--time-scale", "600")
IO = 10**9


@dataclass
class Wallet:
    keypair: Keypair
    path: Path


@dataclass
class People:
    operator: Wallet
    device: Wallet
    staker: Wallet
    renter: Wallet
    staker_io: Pubkey


def write_key(directory: Path, name: str, keypair: Keypair) -> Wallet:
    path = directory / f"{name}.json"
    path.write_text(json.dumps(list(bytes(keypair))))
    path.chmod(0o600)
    return Wallet(keypair, path)


@pytest.fixture(scope="module")
def people(localnet: Localnet, tmp_path_factory: pytest.TempPathFactory) -> Iterator[People]:
    directory = tmp_path_factory.mktemp("keys")

    async def setup() -> People:
        manifest = Manifest.read(localnet.state_dir)
        async with AsyncClient(localnet.url, commitment="confirmed") as client:
            bank = Bank(client, manifest)
            operator, device, staker, renter = [await funded_keypair(client) for _ in range(4)]
            staker_io = await bank.give_io(staker.pubkey(), 1_000 * IO)
            await bank.give_usdc(renter.pubkey(), 100 * 10**6)
        return People(
            write_key(directory, "operator", operator),
            write_key(directory, "device", device),
            write_key(directory, "staker", staker),
            write_key(directory, "renter", renter),
            staker_io,
        )

    yield asyncio.run(setup())


def io_keeper(localnet: Localnet, wallet: Wallet, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(IO_KEEPER), *arguments, "--url", localnet.url, "--keypair", str(wallet.path), "--output", "json"], capture_output=True, text=True, timeout=120
    )


def io_balance(localnet: Localnet, account: Pubkey) -> int:
    async def read() -> int:
        async with AsyncClient(localnet.url) as client:
            return await token_balance(client, account)

    return asyncio.run(read())


def test_an_operator_registers_updates_and_reads_a_node(localnet: Localnet, people: People) -> None:
    device = str(people.device.keypair.pubkey())
    done = io_keeper(
        localnet,
        people.operator,
        "node",
        "register",
        "--node-keypair",
        str(people.device.path),
        "--gpu-model",
        "NVIDIA H100 80GB",
        "--tier",
        "3",
        "--staker-share",
        "2",
        "--token-share",
        "10",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["node"] == str(StakingAddresses.node(people.device.keypair.pubkey()))
    again = io_keeper(
        localnet, people.operator, "node", "register", "--node-keypair", str(people.device.path), "--gpu-model", "H100", "--tier", "3", "--staker-share", "2"
    )
    assert again.returncode == 1 and "already registered" in again.stderr
    assert io_keeper(localnet, people.operator, "node", "update", "--node", device, "--staker-share", "2.5").returncode == 0
    status = json.loads(io_keeper(localnet, people.staker, "node", "status", "--node", device).stdout)
    # A share change waits max(unstake cooldown, 1 day): 2 % stays in force, 2.5 % is pending.
    assert (status["gpu_model"], status["tier"], status["staker_share_bps"], status["token_share_bps"], status["pending_staker_share_bps"]) == (
        "NVIDIA H100 80GB",
        3,
        200,
        1_000,
        250,
    )
    assert status["shares_effective_at"] > 0
    assert status["operator"] == str(people.operator.keypair.pubkey()) and status["active"] is True
    # A handover is proposed, and only the proposed key may accept it; proposing oneself cancels.
    staker = str(people.staker.keypair.pubkey())
    assert io_keeper(localnet, people.operator, "node", "update", "--node", device, "--operator", staker).returncode == 0
    assert json.loads(io_keeper(localnet, people.staker, "node", "status", "--node", device).stdout)["pending_operator"] == staker
    wrong = io_keeper(localnet, people.renter, "node", "accept", "--node", device)
    assert wrong.returncode == 1 and "is not the proposed operator" in wrong.stderr
    operator = str(people.operator.keypair.pubkey())
    assert io_keeper(localnet, people.operator, "node", "update", "--node", device, "--operator", operator).returncode == 0
    status = json.loads(io_keeper(localnet, people.staker, "node", "status", "--node", device).stdout)
    assert (status["operator"], status["pending_operator"]) == (operator, "11111111111111111111111111111111")


@pytest.mark.parametrize(
    ("who", "arguments", "message"),
    [
        ("operator", ["node", "update", "--node", "DEVICE", "--staker-share", "5"], "--staker-share must be between 1 and 3 percent"),
        ("operator", ["node", "update", "--node", "DEVICE", "--token-share", "10.005"], "at most two decimals"),
        ("operator", ["node", "update", "--node", "DEVICE"], "nothing to change"),
        ("staker", ["node", "update", "--node", "DEVICE", "--tier", "2"], "is operated by"),
        ("operator", ["node", "update", "--node", "DEVICE", "--gpu-model", "x" * 33], "--gpu-model must be 1-32 bytes"),
        ("staker", ["node", "status", "--node", "11111111111111111111111111111112"], "no node registered"),
        ("staker", ["stake", "--node", "DEVICE", "--amount", "5000"], "holds 1000.000000000 IO"),
        ("staker", ["stake", "--node", "DEVICE", "--amount", "0"], "must be positive"),
        ("staker", ["unstake", "--node", "DEVICE", "--all"], "you have no position"),
        ("staker", ["claim-rewards", "--node", "DEVICE"], "you have no position"),
    ],
)
def test_bad_operator_and_staker_input_sends_nothing(localnet: Localnet, people: People, who: str, arguments: list[str], message: str) -> None:
    before = io_balance(localnet, people.staker_io)
    device = str(people.device.keypair.pubkey())
    done = io_keeper(localnet, getattr(people, who), *[device if part == "DEVICE" else part for part in arguments])
    assert done.returncode == 1 and message in done.stderr, done.stderr
    assert io_balance(localnet, people.staker_io) == before


def test_a_staker_stakes_unstakes_and_waits_for_the_cooldown(localnet: Localnet, people: People) -> None:
    device = str(people.device.keypair.pubkey())
    before = io_balance(localnet, people.staker_io)
    done = io_keeper(localnet, people.staker, "stake", "--node", device, "--amount", "250.5")
    assert done.returncode == 0, done.stderr
    assert before - io_balance(localnet, people.staker_io) == 250_500_000_000
    positions = json.loads(io_keeper(localnet, people.staker, "positions").stdout)
    assert len(positions) == 1 and positions[0]["node"] == str(StakingAddresses.node(people.device.keypair.pubkey()))
    assert int(positions[0]["activating_shares"]) > 0 and int(positions[0]["shares"]) == 0  # warming up
    early = io_keeper(localnet, people.staker, "withdraw", "--node", device)
    assert early.returncode == 1 and "nothing is unbonding" in early.stderr
    assert io_keeper(localnet, people.staker, "unstake", "--node", device, "--all").returncode == 0
    unbonding = json.loads(io_keeper(localnet, people.staker, "positions").stdout)[0]
    assert int(unbonding["unbonding_shares"]) > 0 and int(unbonding["shares"]) == int(unbonding["activating_shares"]) == 0
    cooling = io_keeper(localnet, people.staker, "withdraw", "--node", device)
    assert cooling.returncode == 1 and "the cooldown ends at" in cooling.stderr
    nothing = io_keeper(localnet, people.staker, "claim-rewards", "--node", device)
    assert nothing.returncode == 1 and "refused" in nothing.stderr  # the program's own error, named
    assert io_balance(localnet, people.staker_io) == before - 250_500_000_000


def test_a_node_starts_and_completes_a_job_with_the_hours_begun(localnet: Localnet, people: People) -> None:
    device = str(people.device.keypair.pubkey())
    opened = io_keeper(localnet, people.renter, "job", "open", "--node", device, "--hours", "3", "--price", "1", "--job-id", "9", "--yes")
    assert opened.returncode == 0, opened.stderr
    job = json.loads(opened.stdout.splitlines()[-1])["job"]
    stranger = io_keeper(localnet, people.staker, "job", "start", "--job", job)
    assert stranger.returncode == 1 and "runs on node key" in stranger.stderr
    assert io_keeper(localnet, people.device, "job", "start", "--job", job).returncode == 0
    status = json.loads(io_keeper(localnet, people.renter, "job", "status", "--job-id", "9").stdout)
    assert status["status"] == "Started"
    too_many = io_keeper(localnet, people.device, "job", "complete", "--job", job, "--hours-used", "3")
    assert too_many.returncode == 1 and "have begun since its start" in too_many.stderr
    time.sleep(7)  # over an hour of chain time: a second hour has begun
    done = io_keeper(localnet, people.device, "job", "complete", "--job", job, "--hours-used", "2")
    assert done.returncode == 0, done.stderr
    status = json.loads(io_keeper(localnet, people.renter, "job", "status", "--job-id", "9").stdout)
    assert (status["status"], status["hours_used"]) == ("Completed", 2)
    again = io_keeper(localnet, people.device, "job", "complete", "--job", job, "--hours-used", "1")
    assert again.returncode == 1 and "is Completed, not Started" in again.stderr
