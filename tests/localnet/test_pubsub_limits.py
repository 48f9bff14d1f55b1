"""A PubSub client that stops reading: it is dropped with a clear close (1008 and the reason)
once its backlog passes the node's bound, everyone else keeps being served, and the node's
memory comes back to where it was (measured: resident set size of the node process).

These run against a bare node process (no programs needed), started with a 2 MiB outbox
bound so that the test moves tens of megabytes, not hundreds.
"""

from __future__ import annotations

import asyncio
import base64
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from solders.pubkey import Pubkey

from keeper.localnet.launch import chain_python
from tests.localnet.conftest import free_port_pair, raw_rpc, stop_process
from tests.localnet.ws import PubSubClient, connect

OUTBOX_BYTES = 2 * 1024 * 1024
ACCOUNT_BYTES = 600_000  # a notification of ~800 kB (base64)
WRITES = 40
STALLED_CLIENTS = 8


@dataclass
class Node:
    process: subprocess.Popen[str]
    url: str
    ws_url: str

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS")

    def rpc(self, method: str, params: list | None = None) -> dict:
        return raw_rpc(self.url, {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})


def start_node(outbox_bytes: int) -> Node:
    port = free_port_pair()
    process = subprocess.Popen(
        [str(chain_python()), "-m", "keeper.localnet.node", "--port", str(port), "--manual-clock", "--outbox-bytes", str(outbox_bytes)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().startswith("ready ")
    return Node(process, f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port + 1}")


@pytest.fixture
def node() -> Iterator[Node]:
    running = start_node(OUTBOX_BYTES)
    yield running
    stop_process(running.process)


@pytest.fixture
def tiny_outbox_node() -> Iterator[Node]:
    running = start_node(1024)
    yield running
    stop_process(running.process)


def write_account(node: Node, address: Pubkey, fill: int) -> None:
    data = base64.b64encode(bytes([fill]) * ACCOUNT_BYTES).decode()
    answer = node.rpc("localnet_setAccount", [str(address), {"lamports": 10**10, "data": [data, "base64"], "owner": str(Pubkey.new_unique())}])
    assert "error" not in answer, answer


async def stalled_round(session: aiohttp.ClientSession, node: Node, reader: PubSubClient, reading: int, address: Pubkey) -> float:
    """STALLED_CLIENTS subscribe and never read while WRITES notifications go out; each is
    dropped with 1008 and the reason. Returns the node's peak RSS (MB) during the round."""
    subscribe = {"jsonrpc": "2.0", "id": 1, "method": "accountSubscribe", "params": [str(address), {"encoding": "base64"}]}
    stalled = []
    for _ in range(STALLED_CLIENTS):
        # aiohttp stops reading the socket once 64 kB wait unread: these never call receive.
        ws = await session.ws_connect(node.ws_url, max_msg_size=0)
        await ws.send_json(subscribe)
        stalled.append(ws)
    await asyncio.sleep(0.5)
    peak = node.rss_mb()
    for number in range(WRITES):
        await asyncio.to_thread(write_account, node, address, number)
        peak = max(peak, node.rss_mb())
        # The reading client gets every write, whatever the stalled ones do.
        frame = await reader.next(reading, timeout=30)
        assert base64.b64decode(frame["params"]["result"]["value"]["data"][0])[:1] == bytes([number])
    # Each stalled client: its answer, the notifications its buffers held, then 1008 and why.
    for ws in stalled:
        notifications = 0
        while True:
            message = await ws.receive(timeout=30)
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            notifications += '"accountNotification"' in message.data
        assert message.type == aiohttp.WSMsgType.CLOSE, message
        assert message.data == aiohttp.WSCloseCode.POLICY_VIOLATION
        assert "not reading" in message.extra
        assert notifications < WRITES
        await ws.close()
    await asyncio.sleep(0.5)
    return peak


async def test_a_client_that_stops_reading_is_dropped_and_memory_stays_bounded(node: Node) -> None:
    address = Pubkey.new_unique()
    async with aiohttp.ClientSession() as session:
        reader = await connect(session, node.ws_url)
        reading = await reader.subscribe("accountSubscribe", [str(address), {"encoding": "base64"}])
        rss_before = node.rss_mb()
        first_peak = await stalled_round(session, node, reader, reading, address)
        rss_first = node.rss_mb()
        second_peak = await stalled_round(session, node, reader, reading, address)
        rss_second = node.rss_mb()
        # Unbounded, each round's stalled clients would hold 8 x 40 x 800 kB = 244 MB.
        unbounded_mb = STALLED_CLIENTS * WRITES * ACCOUNT_BYTES * 4 / 3 / 2**20
        print(
            f"node RSS: before {rss_before:.1f} MB; round 1 peak {first_peak:.1f}, after {rss_first:.1f}; "
            f"round 2 peak {second_peak:.1f}, after {rss_second:.1f} (unbounded backlog per round: {unbounded_mb:.0f} MB)"
        )
        assert max(first_peak, second_peak) - rss_before < unbounded_mb / 3
        assert rss_first - rss_before < 8  # the dropped clients' memory went back to the system
        assert rss_second - rss_first < 4  # and a second round leaves nothing either
        # Still serving: HTTP, the reading client, and new subscriptions.
        assert isinstance(node.rpc("getSlot")["result"], int)
        write_account(node, address, 255)
        assert (await reader.next(reading, timeout=30))["params"]["subscription"] == reading
        fresh = await connect(session, node.ws_url)
        assert isinstance(await fresh.subscribe("slotSubscribe"), int)
        await fresh.close()
        await reader.close()


async def test_one_notification_larger_than_the_bound_still_goes_out(tiny_outbox_node: Node) -> None:
    """A single notification is always taken, even above the bound (accounts reach 10 MiB,
    their notifications more than any sensible bound)."""
    node = tiny_outbox_node
    address = Pubkey.new_unique()
    async with aiohttp.ClientSession() as session:
        client = await connect(session, node.ws_url)
        subscription = await client.subscribe("accountSubscribe", [str(address)])
        for number in range(3):  # ~800 kB each against a 1 kB bound, read as they come
            await asyncio.to_thread(write_account, node, address, number)
            frame = await client.next(subscription, timeout=30)
            assert frame["params"]["result"]["value"]["space"] == ACCOUNT_BYTES
        await client.close()
