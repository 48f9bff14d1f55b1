"""`io-keeper job ...` as a renter runs it, against a real localnet: the quote is the program's
arithmetic to the base unit, each command moves exactly what it says, and every bad input is a
clear error with nothing sent."""

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
from spl.token.instructions import get_associated_token_address

from keeper.client.addresses import EscrowAddresses
from keeper.client.constants import FACILITATION_FEE_BPS, RESERVATION_FEE_BPS
from keeper.client.fees import fee_ceil
from tests.keeper.conftest import localnet_fixture
from tests.keeper.wallet import Bank, Manifest, NodeHandle, funded_keypair, register_node, token_balance
from tests.localnet.conftest import IO_KEEPER, Localnet

# 1 chain hour = 6 wall seconds: start deadlines pass within a test.
localnet = localnet_fixture("--time-scale", "600")
USDC = 10**6


@dataclass
class Renter:
    keypair: Keypair
    path: Path
    usdc: Pubkey
    io: Pubkey


@pytest.fixture(scope="module")
def world(localnet: Localnet, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Renter, NodeHandle, Manifest]]:
    async def setup() -> tuple[Renter, NodeHandle, Manifest]:
        manifest = Manifest.read(localnet.state_dir)
        async with AsyncClient(localnet.url, commitment="confirmed") as client:
            bank = Bank(client, manifest)
            node = await register_node(client, token_share_bps=1_000)
            keypair = await funded_keypair(client)
            usdc = await bank.give_usdc(keypair.pubkey(), 1_000 * USDC)
            io = await bank.give_io(keypair.pubkey(), 500 * 10**9)
        path = tmp_path_factory.mktemp("renter") / "id.json"
        path.write_text(json.dumps(list(bytes(keypair))))
        path.chmod(0o600)
        return Renter(keypair, path, usdc, io), node, manifest

    yield asyncio.run(setup())


def job(localnet: Localnet, renter: Renter, *arguments: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(IO_KEEPER), "job", *arguments, "--url", localnet.url, "--keypair", str(renter.path)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def balance(localnet: Localnet, account: Pubkey) -> int:
    async def read() -> int:
        async with AsyncClient(localnet.url) as client:
            return await token_balance(client, account)

    return asyncio.run(read())


def exists(localnet: Localnet, address: Pubkey) -> bool:
    async def read() -> bool:
        async with AsyncClient(localnet.url) as client:
            return (await client.get_account_info(address)).value is not None

    return asyncio.run(read())


def test_open_quotes_the_programs_arithmetic_and_deposits_exactly_that(localnet: Localnet, world) -> None:  # noqa: ANN001
    renter, node, _ = world
    before = balance(localnet, renter.usdc)
    done = job(
        localnet, renter, "open", "--node", str(node.node_key.pubkey()), "--hours", "10", "--price", "2.345671", "--job-id", "1", "--yes", "--output", "json"
    )
    assert done.returncode == 0, done.stderr
    quote, sent = (json.loads(line) for line in done.stdout.splitlines())
    reserved = 10 * 2_345_671
    expected = {
        "reserved_cost": reserved,
        "reservation_fee": fee_ceil(reserved, RESERVATION_FEE_BPS),
        "facilitation_fee": fee_ceil(reserved, FACILITATION_FEE_BPS),
    }
    assert {key: quote["quote"][key] for key in expected} == expected
    assert quote["quote"]["deposit"] == sum(expected.values()) and quote["quote"]["balance"] == before
    assert before - balance(localnet, renter.usdc) == quote["quote"]["deposit"]
    assert sent["job"] == str(EscrowAddresses.job(renter.keypair.pubkey(), 1)) and sent["signature"]
    status = job(localnet, renter, "status", "--job-id", "1", "--output", "json")
    assert status.returncode == 0 and json.loads(status.stdout)["status"] == "Open"
    listed = job(localnet, renter, "list", "--output", "json")
    assert [item["job_id"] for item in json.loads(listed.stdout)] == [1]


def test_a_refused_prompt_sends_nothing(localnet: Localnet, world) -> None:  # noqa: ANN001
    renter, node, _ = world
    before = balance(localnet, renter.usdc)
    done = job(localnet, renter, "open", "--node", str(node.node_key.pubkey()), "--hours", "2", "--price", "1", "--job-id", "2", stdin="n\n")
    assert done.returncode == 1 and "not sent" in done.stderr
    assert "deposit            2.045000 USDC" in done.stdout and "send? [y/N]" in done.stdout
    assert balance(localnet, renter.usdc) == before and not exists(localnet, EscrowAddresses.job(renter.keypair.pubkey(), 2))


def test_io_jobs_pay_no_facilitation_fee_and_cancel_returns_all_but_the_reservation_fee(localnet: Localnet, world) -> None:  # noqa: ANN001
    renter, node, _ = world
    before = balance(localnet, renter.io)
    done = job(
        localnet,
        renter,
        "open",
        "--node",
        str(node.node_key.pubkey()),
        "--hours",
        "4",
        "--price",
        "1.5",
        "--mint",
        "io",
        "--job-id",
        "3",
        "--yes",
        "--output",
        "json",
    )
    assert done.returncode == 0, done.stderr
    quote = json.loads(done.stdout.splitlines()[0])["quote"]
    assert quote["facilitation_fee"] == 0 and quote["deposit"] == 6 * 10**9 + fee_ceil(6 * 10**9, RESERVATION_FEE_BPS)
    cancelled = job(localnet, renter, "cancel", "--job-id", "3", "--yes")
    assert cancelled.returncode == 0, cancelled.stderr
    assert before - balance(localnet, renter.io) == quote["reservation_fee"]
    assert not exists(localnet, EscrowAddresses.job(renter.keypair.pubkey(), 3))


def test_reclaim_waits_for_the_missed_start_then_returns_the_deposit(localnet: Localnet, world) -> None:  # noqa: ANN001
    renter, node, manifest = world
    done = job(localnet, renter, "open", "--node", str(node.node_key.pubkey()), "--hours", "1", "--price", "3", "--job-id", "4", "--yes")
    assert done.returncode == 0, done.stderr
    early = job(localnet, renter, "reclaim", "--job-id", "4", "--yes")
    assert early.returncode == 1 and "has not passed" in early.stderr
    assert exists(localnet, EscrowAddresses.job(renter.keypair.pubkey(), 4))
    treasury = get_associated_token_address(manifest.addresses["treasury"], manifest.addresses["usdc_mint"])
    deadline = time.monotonic() + 60
    while True:  # the start deadline is an hour of chain time: 6 s at 600x
        late = job(localnet, renter, "reclaim", "--job-id", "4", "--yes")
        if late.returncode == 0 or time.monotonic() > deadline:
            break
        assert "has not passed" in late.stderr
        time.sleep(1)
    assert late.returncode == 0, late.stderr
    assert not exists(localnet, EscrowAddresses.job(renter.keypair.pubkey(), 4)) and balance(localnet, treasury) >= 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["open", "--node", "NODE", "--hours", "0", "--price", "1", "--yes"], "hours must be between 1 and"),
        (["open", "--node", "NODE", "--hours", "1", "--price", "abc", "--yes"], "--price 'abc' is not a number"),
        (["open", "--node", "NODE", "--hours", "1", "--price", "0.0000001", "--yes"], "must be positive with at most 6 decimals"),
        (["open", "--node", "NODE", "--hours", "1", "--price", "-1", "--yes"], "must be positive"),
        (["open", "--node", "not-a-key", "--hours", "1", "--price", "1", "--yes"], "--node 'not-a-key' is not a base58 address"),
        (["open", "--node", "11111111111111111111111111111112", "--hours", "1", "--price", "1", "--yes"], "no node registered with key"),
        (["open", "--node", "NODE", "--hours", "1000", "--price", "100", "--yes"], "but "),
        (["open", "--node", "NODE", "--hours", "1", "--price", "1", "--job-id", "1", "--yes"], "you already have a job 1"),
        (["cancel", "--job-id", "77", "--yes"], "no job 77 of"),
        (["status", "--job-id", "77"], "no job 77 of"),
    ],
)
def test_bad_input_is_a_clear_error_and_nothing_is_sent(localnet: Localnet, world, arguments: list[str], message: str) -> None:  # noqa: ANN001
    renter, node, _ = world
    before = (balance(localnet, renter.usdc), balance(localnet, renter.io))
    done = job(localnet, renter, *[str(node.node_key.pubkey()) if part == "NODE" else part for part in arguments])
    assert done.returncode == 1 and message in done.stderr, done.stderr
    assert (balance(localnet, renter.usdc), balance(localnet, renter.io)) == before


def test_a_missing_keypair_or_an_unreachable_cluster_is_a_clear_error(localnet: Localnet, tmp_path: Path) -> None:
    missing = subprocess.run(
        [str(IO_KEEPER), "job", "list", "--url", localnet.url, "--keypair", str(tmp_path / "none.json")], capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    unreachable = subprocess.run(
        [str(IO_KEEPER), "job", "list", "--url", "http://127.0.0.1:9", "--renter", str(Keypair().pubkey())], capture_output=True, text=True, timeout=60
    )
    assert unreachable.returncode == 1 and "cannot reach http://127.0.0.1:9" in unreachable.stderr


def test_without_a_job_id_the_lowest_unspent_id_is_taken(localnet: Localnet, world, tmp_path: Path) -> None:  # noqa: ANN001
    _, node, manifest = world

    async def new_renter() -> Keypair:
        async with AsyncClient(localnet.url, commitment="confirmed") as client:
            keypair = await funded_keypair(client)
            await Bank(client, manifest).give_usdc(keypair.pubkey(), 50 * USDC)
            return keypair

    keypair = asyncio.run(new_renter())
    path = tmp_path / "renter.json"
    path.write_text(json.dumps(list(bytes(keypair))))
    renter = Renter(keypair, path, get_associated_token_address(keypair.pubkey(), manifest.addresses["usdc_mint"]), Pubkey.default())
    ids = []
    for _ in range(2):
        done = job(localnet, renter, "open", "--node", str(node.node_key.pubkey()), "--hours", "1", "--price", "1", "--yes", "--output", "json")
        assert done.returncode == 0, done.stderr
        ids.append(json.loads(done.stdout.splitlines()[-1])["job_id"])
    assert ids == [0, 1]
    assert job(localnet, renter, "cancel", "--job-id", "0", "--yes").returncode == 0
    # A closed job's id stays spent: the next open takes 2, not 0.
    done = job(localnet, renter, "open", "--node", str(node.node_key.pubkey()), "--hours", "1", "--price", "1", "--yes", "--output", "json")
    assert done.returncode == 0 and json.loads(done.stdout.splitlines()[-1])["job_id"] == 2
