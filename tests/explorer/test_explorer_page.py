"""The explorer page in headless Chromium, against a localnet the real keeper has worked on:
its totals equal what getTokenSupply and the program accounts say, its charts render, its
tables filter and page on the server, and its receipt checker accepts a real receipt and
rejects a tampered one. Screenshots go to target/explorer-screenshots/ (EXPLORER_SCREENSHOTS)."""

from __future__ import annotations

import copy
import json
import struct
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from anchorpy.coder.coder import Coder
from solana.rpc.async_api import AsyncClient
from solders.keypair import Keypair

from keeper.client.addresses import ProvenanceAddresses, RewardsAddresses, associated_token_address
from tests.anchor_reference import to_json
from tests.explorer.browser import Browser, Page
from tests.explorer.conftest import LOADED, SCREENSHOT_DIR, Explorer, start_explorer, stop_explorer
from tests.explorer.network import PROTOCOL, Network, build_network, run_keeper
from tests.keeper.wallet import Manifest, load_key, program
from tests.localnet.conftest import Localnet, start_localnet, stop_localnet

pytestmark = pytest.mark.asyncio(loop_scope="module")


@dataclass
class Running:
    localnet: Localnet
    explorer: Explorer
    network: Network


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def running(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Running]:
    directory = tmp_path_factory.mktemp("explorer")
    # 600x: an hour of chain time every 6 s, so the keeper emits several hours during setup.
    localnet = start_localnet(directory / "localnet", "--time-scale", "600")
    explorer = None
    try:
        manifest = Manifest.read(localnet.state_dir)
        async with AsyncClient(localnet.url, commitment="confirmed") as client:
            network = await build_network(client, manifest)
            await run_keeper(client, network, localnet.url, directory / "keeper")
        # Nothing cached: every figure is read when the page asks, so it can be compared with chain.
        explorer = start_explorer(localnet.url, directory / "explorer.log", "--cache-secs", "0", "--stale-secs", "0")
        yield Running(localnet, explorer, network)
    finally:
        if explorer is not None:
            stop_explorer(explorer)
        stop_localnet(localnet)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with Browser() as started:
        yield started


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, running: Running) -> AsyncIterator[Page]:
    opened = await browser.new_page()
    await opened.set_viewport(1400, 1000)
    await opened.goto(running.explorer.url, timeout=60)
    await opened.wait_for(LOADED, 60, "totals, charts and the jobs table loaded")
    yield opened
    # Every asset ships with the package and loads from localhost (API answers of 400 to bad
    # input are expected; the tests check what the page shows of them).
    assert [request for request in opened.failed_requests if "/api/" not in request.url] == []
    assert [error for error in opened.console_errors if "Failed to load resource" not in error] == []
    await opened.close()


async def screenshot(page: Page, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = await page.screenshot(SCREENSHOT_DIR / name)
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and width >= 1000 and height >= 800


async def card_values(page: Page) -> dict[str, int]:
    raw = await page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('.card[data-total]')].map(c => [c.dataset.total, c.querySelector('.value').dataset.raw]))"
    )
    return {key: int(value) for key, value in raw.items()}


async def text(page: Page, selector: str) -> str:
    return await page.evaluate(f"document.querySelector({json.dumps(selector)}).textContent")


async def test_totals_equal_token_supply_and_program_accounts(page: Page, running: Running) -> None:
    cards = await card_values(page)
    network = running.network
    async with AsyncClient(running.localnet.url) as client:
        supply = int((await client.get_token_supply(RewardsAddresses.io_mint)).value.amount)
        rewards = program(client, Keypair(), "rewards")
        staking = program(client, Keypair(), "staking")
        escrow = program(client, Keypair(), "escrow")
        emission = await rewards.account["EmissionState"].fetch(RewardsAddresses.emission)
        ledger = await rewards.account["BurnLedger"].fetch(RewardsAddresses.burn_ledger)
        nodes = [item.account for item in await staking.account["Node"].all()]
        jobs = [item.account for item in await escrow.account["Job"].all()]
        provenance = await program(client, Keypair(), "provenance").account["ProvenanceConfig"].fetch(ProvenanceAddresses.config)
        treasury = load_key(network.manifest.state_dir, "treasury").pubkey()
        usdc, io = network.manifest.addresses["usdc_mint"], network.manifest.addresses["io_mint"]
        treasury_usdc = int((await client.get_token_account_balance(associated_token_address(treasury, usdc))).value.amount)

    assert cards["supply"] == supply
    assert cards["emitted"] == emission.emitted_total and emission.next_hour >= 3
    assert cards["burned"] == ledger.total_burned > 0
    assert supply == 500_000_000 * 10**9 + emission.emitted_total - ledger.total_burned
    assert (await text(page, "[data-check=supply]")).startswith("✓")
    assert cards["staked"] == sum(node.total_stake for node in nodes) > 0
    assert cards["slashed"] == sum(node.total_slashed for node in nodes) > 0
    assert cards["receipts"] == provenance.total_leaves == 300

    statuses = Counter(type(job.status).__name__ for job in jobs)
    assert cards["jobs"] == len(jobs) == 7
    assert await text(page, "[data-jobs=by-status]") == (
        f"Open {statuses['Open']} · Started {statuses['Started']} · Completed {statuses['Completed']} · Disputed {statuses['Disputed']}"
    )
    assert (statuses["Open"], statuses["Started"], statuses["Completed"]) == (5, 2, 0)
    assert f"settled {network.settled} · cancelled {network.cancelled}" in await text(page, "[data-total=jobs]")

    fees = await page.evaluate("Object.fromEntries([...document.querySelectorAll('[data-fee]')].map(f => [f.dataset.fee, f.dataset.raw]))")
    # The treasury's USDC account holds exactly the fees (its nodes keep no token share to buy back).
    assert int(fees["USDC"]) == treasury_usdc == network.expected_fees[str(usdc)]
    assert int(fees["IO"]) == network.expected_fees[str(io)]
    await screenshot(page, "overview.png")


async def test_charts_render(page: Page, running: Running) -> None:
    series = await page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('path[data-series]')].map(p => [p.dataset.series, (p.getAttribute('d').match(/[MLHV]/g) || []).length]))"
    )
    assert series["schedule"] > 10 and series["emitted on chain"] >= 3  # start, at least one emission, now
    assert series["cumulative burned"] >= 1 and series["receipts"] >= 1
    bars = await page.evaluate("[...document.querySelectorAll('#chart-stake rect[data-label]')].map(r => r.dataset.label)")
    assert len(bars) == 20
    assert await page.evaluate("document.querySelector('#stake-others').dataset.others") == str(len(running.network.nodes) - 20)
    widths = await page.evaluate("[...document.querySelectorAll('#chart-stake rect[data-label]')].map(r => +r.getAttribute('width'))")
    assert widths == sorted(widths, reverse=True) and widths[0] > widths[19] > 0
    await page.evaluate("document.querySelector('.charts').scrollIntoView()")
    await screenshot(page, "charts.png")


async def check(page: Page, body: str) -> tuple[str, str]:
    await page.fill("#receipt-input", body)
    await page.click("#receipt-check")
    await page.wait_for("['valid', 'invalid', 'error'].includes(document.querySelector('#receipt-result').dataset.verdict)", 30, "a verdict")
    return await page.evaluate("document.querySelector('#receipt-result').dataset.verdict"), await text(page, "#receipt-result")


async def test_receipt_checker_accepts_a_real_receipt_and_rejects_a_tampered_one(page: Page, running: Running) -> None:
    proof = running.network.receipt_proof
    assert proof["status"] == "recorded"
    verdict, shown = await check(page, json.dumps(proof, indent=2))
    assert verdict == "valid", shown
    assert "provenance.verify_receipt: accepted" in shown and "proof folds to that root: yes" in shown
    await page.evaluate("document.querySelector('.checker').scrollIntoView()")
    await screenshot(page, "receipt-valid.png")

    tampered = copy.deepcopy(proof)
    digest = tampered["receipt"]["output_hash"]
    tampered["receipt"]["output_hash"] = digest[:-1] + ("0" if digest[-1] != "0" else "1")
    verdict, shown = await check(page, json.dumps(tampered))
    assert verdict == "invalid", shown
    assert "proof folds to that root: no" in shown and "rejected (InvalidProof)" in shown
    await screenshot(page, "receipt-tampered.png")

    wrong_batch = {**proof, "sequence": 10_000}
    verdict, shown = await check(page, json.dumps(wrong_batch))
    assert verdict == "invalid" and "batch 10000: not on chain" in shown
    verdict, shown = await check(page, "{not json")
    assert verdict == "error" and "not JSON" in shown
    verdict, shown = await check(page, json.dumps({"receipt": proof["receipt"], "sequence": 0}))
    assert verdict == "error" and "proof: Field required" in shown


async def table_state(page: Page) -> dict[str, Any]:
    await page.wait_for("document.body.dataset.table !== 'loading'", 60, "the table to load")
    return await page.evaluate(
        "({state: document.body.dataset.table, kind: document.querySelector('#table').dataset.kind,"
        " total: +document.querySelector('#table').dataset.total, rows: [...document.querySelectorAll('#table tbody tr')].map(r => r.dataset.address),"
        " error: document.querySelector('#table-error').hidden ? null : document.querySelector('#table-error').textContent,"
        " info: document.querySelector('#page-info').textContent})"
    )


async def test_tables_filter_and_page_on_the_server(page: Page, running: Running) -> None:
    jobs = await table_state(page)
    assert jobs["kind"] == "jobs" and jobs["total"] == 7 and len(jobs["rows"]) == 7
    await page.fill("#table-filters select[name=status]", "Open")
    await page.click("#table-filters button[type=submit]")
    opened = await table_state(page)
    assert opened["total"] == 5 and len(opened["rows"]) == 5 and opened["error"] is None
    statuses = await page.evaluate("[...document.querySelectorAll('#table tbody tr')].map(r => r.children[2].textContent)")
    assert statuses == ["Open"] * 5

    await page.click("button[data-kind=nodes]")
    nodes = await table_state(page)
    assert nodes["total"] == len(running.network.nodes) == 26 and len(nodes["rows"]) == 25
    await page.click("#next-page")
    second = await table_state(page)
    assert len(second["rows"]) == 1 and second["rows"][0] not in nodes["rows"] and second["info"].startswith("page 2 of 2")

    node = running.network.nodes[0]
    await page.fill("#table-filters input[name=node_key]", str(node.node_key.pubkey()))
    await page.click("#table-filters button[type=submit]")
    one = await table_state(page)
    assert one["rows"] == [str(node.address)]
    await page.click("#table tbody tr")
    detail = json.loads(await text(page, "#detail"))
    assert detail["type"] == "Node" and detail["operator"] == str(node.operator.pubkey())
    await screenshot(page, "nodes-table.png")

    await page.click("button[data-kind=stakes]")
    assert (await table_state(page))["total"] == len(running.network.nodes)  # one staker per node
    await page.fill("#table-filters input[name=node]", "not-an-address")
    await page.click("#table-filters button[type=submit]")
    bad = await table_state(page)
    assert bad["state"] == "error" and bad["error"] == "node: 'not-an-address' is not a base58 address"

    await page.click("button[data-kind=batches]")
    batches = await table_state(page)
    async with AsyncClient(running.localnet.url) as client:
        config = await program(client, Keypair(), "provenance").account["ProvenanceConfig"].fetch(ProvenanceAddresses.config)
    assert batches["total"] == config.next_sequence >= 5  # 300 receipts in batches of at most 64

    await page.click("button[data-kind=slashes]")
    slashes = await table_state(page)
    assert slashes["total"] == 1


async def test_fast_account_readers_equal_the_idl_coder_on_every_account(running: Running) -> None:
    """The explorer's JSON of every account (the SDK's decoder) equals anchorpy's IDL coder's."""
    seen: set[str] = set()
    async with AsyncClient(running.localnet.url) as client:
        for name, idl in PROTOCOL.idls.items():
            reference = Coder(idl.idl)
            for item in (await client.get_program_accounts(idl.program_id, encoding="base64")).value:
                data = bytes(item.account.data)
                decoded = idl.decode_account(data)
                assert idl.account_json(decoded.name, data) == to_json(reference.accounts.decode(data)), (name, decoded.name)
                seen.add(decoded.name)
    assert {
        "Job",
        "Node",
        "StakePosition",
        "SlashRecord",
        "Batch",
        "BurnEpoch",
        "BurnLedger",
        "EmissionState",
        "EscrowConfig",
        "StakingConfig",
        "RewardsConfig",
        "ProvenanceConfig",
    } <= seen


async def test_search_opens_an_account_or_lists_a_job_id(page: Page, running: Running) -> None:
    node = running.network.nodes[1]
    await page.fill("#search input[name=q]", str(node.address))
    await page.click("#search button[type=submit]")
    await page.wait_for("!document.querySelector('#detail').hidden", 30, "the account shown")
    detail = json.loads(await text(page, "#detail"))
    assert (detail["type"], detail["address"], detail["node_key"]) == ("Node", str(node.address), str(node.node_key.pubkey()))

    stranger = str(Keypair().pubkey())
    await page.fill("#search input[name=q]", stranger)
    await page.click("#search button[type=submit]")
    await page.wait_for("!document.querySelector('#table-error').hidden", 30, "the error shown")
    assert await text(page, "#table-error") == f"{stranger} is not an account of the IO programs"

    await page.fill("#search input[name=q]", "12")
    await page.click("#search button[type=submit]")
    found = await table_state(page)
    assert found["kind"] == "jobs" and found["total"] == 1
    assert await page.evaluate("document.querySelector('#table tbody tr').children[1].textContent") == "12"
