"""The explorer's JSON API and command line: every input a reader can get wrong gets a clear
400 (or 404), an unreachable RPC node a 502, and a fresh cluster reads as empty, not broken."""

from __future__ import annotations

import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from solana.rpc.async_api import AsyncClient
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction
from spl.token.instructions import BurnParams, burn

from keeper.client.addresses import TOKEN_PROGRAM_ID, EscrowAddresses, RewardsAddresses, associated_token_address
from keeper.client.keys import load_keypair
from tests.explorer.conftest import Explorer, start_explorer, stop_explorer
from tests.keeper.conftest import localnet_fixture
from tests.localnet.conftest import IO_KEEPER, Localnet, free_port

localnet = localnet_fixture()


@pytest.fixture(scope="module")
def explorer(localnet: Localnet, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Explorer]:
    running = start_explorer(localnet.url, tmp_path_factory.mktemp("explorer-api") / "explorer.log")
    yield running
    stop_explorer(running)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/tables/gpus", "unknown table 'gpus'; one of jobs, nodes, stakes, slashes, batches"),
        ("/api/tables/jobs?page=0", "page: Input should be greater than or equal to 1"),
        ("/api/tables/jobs?per_page=101", "per_page: Input should be less than or equal to 100"),
        ("/api/tables/jobs?page=two", "page: Input should be a valid integer, unable to parse string as an integer"),
        ("/api/tables/jobs?colour=red", "jobs cannot be filtered by 'colour'; by status, payment, renter, node, job_id"),
        ("/api/tables/jobs?status=Settled", "status: 'Settled' is not one of Open, Started, Completed, Disputed"),
        ("/api/tables/jobs?payment=BTC", "payment_kind: 'BTC' is not one of Usdc, Io"),
        ("/api/tables/jobs?job_id=-1", "job_id: '-1' is not a u64"),
        ("/api/tables/jobs?job_id=18446744073709551616", "job_id: '18446744073709551616' is not a u64"),
        ("/api/tables/nodes?operator=0x12", "operator: '0x12' is not a base58 address"),
        ("/api/accounts/not-an-address", "'not-an-address' is not a base58 address"),
    ],
)
def test_bad_queries_are_400_with_the_reason(explorer: Explorer, path: str, message: str) -> None:
    status, body = explorer.get(path)
    assert (status, body) == (400, {"error": message})


def test_unknown_account_is_404_and_known_ones_decode(explorer: Explorer) -> None:
    stranger = Pubkey.new_unique()
    assert explorer.get(f"/api/accounts/{stranger}") == (404, {"error": f"{stranger} is not an account of the IO programs"})
    status, config = explorer.get(f"/api/accounts/{EscrowAddresses.config}")
    assert status == 200 and config["type"] == "EscrowConfig" and config["facilitation_fee_bps"] == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "not a receipt with its proof: body: Invalid JSON"),
        ({"sequence": 0, "proof": []}, "not a receipt with its proof: receipt: Field required"),
        (
            {"receipt": {"job": "x"}, "sequence": 0, "proof": []},
            "not a receipt with its proof: receipt.job: Value error, expected a base58 address or 64 hex digits",
        ),
        ({"receipt": None, "sequence": -1, "proof": []}, "sequence: Input should be greater than or equal to 0"),
        ({"receipt": None, "sequence": 0, "proof": ["00" * 31]}, "proof.0: Value error, expected a base58 address or 64 hex digits"),
        ({"receipt": None, "sequence": 0, "proof": ["00" * 32] * 65}, "proof: List should have at most 64 items after validation, not 65"),
    ],
)
def test_malformed_receipt_checks_are_400(explorer: Explorer, body: object, message: str) -> None:
    if isinstance(body, dict) and body.get("receipt", 1) is None:
        body = {
            **body,
            "receipt": {
                "job": str(Pubkey.new_unique()),
                "node": str(Pubkey.new_unique()),
                "model_hash": "00" * 32,
                "input_hash": "11" * 32,
                "output_hash": "22" * 32,
                "timestamp": 5,
            },
        }
    status, answer = explorer.post("/api/receipts/check", body)
    assert status == 400 and message in answer["error"], answer


def test_a_body_over_64_kib_is_refused(explorer: Explorer) -> None:
    status, body = explorer.post("/api/receipts/check", b"{" + b" " * (64 << 10) + b"}")
    assert (status, body) == (413, {"error": "request body over 65536 bytes"})


async def test_a_fresh_cluster_reads_as_empty(explorer: Explorer, localnet: Localnet) -> None:
    status, totals = explorer.get("/api/totals")
    assert status == 200
    async with AsyncClient(localnet.url) as client:
        supply = int((await client.get_token_supply(RewardsAddresses.io_mint)).value.amount)
    assert int(totals["supply"]["on_chain"]) == supply and totals["supply"]["consistent"] is True
    assert totals["fees"] == {"available": True, "error": None, "by_mint": []}
    assert totals["provenance"] == {"receipts": 0, "batches": 0}
    status, page = explorer.get("/api/tables/jobs")
    assert status == 200 and (page["total"], page["pages"], page["rows"]) == (0, 1, [])
    status, charts = explorer.get("/api/charts")
    assert status == 200 and charts["stake_by_node"] == {"top": [], "others": 0, "other_nodes": 0}


def test_an_unreachable_rpc_node_is_a_502_and_the_page_still_loads(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    running = start_explorer(dead, tmp_path / "explorer.log")
    try:
        status, body = running.get("/api/totals")
        assert status == 502 and body["error"].startswith(f"cannot read from the RPC node {dead}: ")
        with urllib.request.urlopen(running.url + "/", timeout=10) as response:
            assert response.status == 200 and b"IO network explorer" in response.read()
    finally:
        stop_explorer(running)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--port", "0"], "--port must be 1..65535, --cache-secs and --stale-secs >= 0"),
        (["--cache-secs", "-1"], "--port must be 1..65535, --cache-secs and --stale-secs >= 0"),
        (["--stale-secs", "-0.5"], "--port must be 1..65535, --cache-secs and --stale-secs >= 0"),
        (["--idl-dir", "/nonexistent"], "IDL /nonexistent/rewards.json missing"),
        (["--config", "/nonexistent/keeper.toml"], "/nonexistent/keeper.toml"),
    ],
)
def test_bad_command_lines_exit_2(arguments: list[str], message: str) -> None:
    result = subprocess.run([str(IO_KEEPER), "explorer", *arguments], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and message in result.stderr, result.stderr


def test_explorer_help_names_the_default_rpc() -> None:
    result = subprocess.run([str(IO_KEEPER), "explorer", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "http://127.0.0.1:8899" in result.stdout


async def test_io_burned_outside_the_protocol_shows_as_the_difference(localnet: Localnet, tmp_path: Path) -> None:
    """Anyone may burn their own IO with SPL Token; the burn ledger never sees it. Supply then
    sits below genesis + emitted − burned by exactly that amount, and the explorer says so
    instead of calling the supply inconsistent."""
    treasury = load_keypair(localnet.state_dir / "keys" / "treasury.json")
    source = associated_token_address(treasury.pubkey(), RewardsAddresses.io_mint)
    burn_ix = burn(BurnParams(program_id=TOKEN_PROGRAM_ID, account=source, mint=RewardsAddresses.io_mint, owner=treasury.pubkey(), amount=7))
    async with AsyncClient(localnet.url, commitment="confirmed") as client:
        before = int((await client.get_token_supply(RewardsAddresses.io_mint)).value.amount)
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        transaction = Transaction([treasury], Message([burn_ix], treasury.pubkey()), blockhash)
        await client.confirm_transaction((await client.send_transaction(transaction)).value)
        after = int((await client.get_token_supply(RewardsAddresses.io_mint)).value.amount)
    assert after == before - 7
    uncached = start_explorer(localnet.url, tmp_path / "explorer.log", "--cache-secs", "0", "--stale-secs", "0")
    try:
        status, totals = uncached.get("/api/totals")
    finally:
        stop_explorer(uncached)
    supply = totals["supply"]
    assert status == 200 and int(supply["on_chain"]) == after
    assert int(supply["expected"]) - int(supply["on_chain"]) == int(supply["burned_outside_protocol"]) == 7
    assert supply["consistent"] is True
