"""`io-keeper node close-receipt` on a real localnet: once a node's claim of an epoch exists and
the epoch has expired, anyone closes the receipt and its rent returns to the claim's payer;
closing it again is a clear error with nothing sent."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

from solana.rpc.async_api import AsyncClient
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from keeper.client import rewards as rewards_ix
from keeper.client.addresses import RewardsAddresses
from keeper.client.constants import EPOCH_CLAIM_WINDOW_SECS
from keeper.client.idl import ProgramIdl
from keeper.client.keys import load_keypair, write_keypair
from keeper.client.merkle import MerkleTree, reward_leaf
from keeper.client.protocol import Protocol
from keeper.localnet.remote import LocalnetChain
from tests.keeper.conftest import localnet_fixture
from tests.keeper.wallet import Bank, Manifest, funded_keypair, register_node, send
from tests.localnet.conftest import IO_KEEPER, Localnet

localnet = localnet_fixture("--time-scale", "3600")
REWARDS = ProgramIdl.installed("rewards")
PROTOCOL = Protocol()


def close_receipt(localnet: Localnet, keypair: Path, node_key: str, epoch: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(IO_KEEPER),
            "node",
            "close-receipt",
            "--node",
            node_key,
            "--epoch",
            str(epoch),
            "--url",
            localnet.url,
            "--keypair",
            str(keypair),
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_receipt_of_an_expired_epoch_is_closed_and_its_rent_returns_to_the_payer(localnet: Localnet, tmp_path: Path) -> None:
    keeper = load_keypair(localnet.state_dir / "keys" / "keeper.json")
    chain = LocalnetChain(localnet.url)
    stranger_file = tmp_path / "stranger.json"

    async def claimed() -> tuple[str, Pubkey, int, Keypair, int]:
        async with AsyncClient(localnet.url, commitment="confirmed") as client:
            bank = Bank(client, Manifest.read(localnet.state_dir))
            node = await register_node(client)
            await bank.ata(node.operator.pubkey(), bank.io)
            write_keypair(stranger_file, await funded_keypair(client))
            # The hour the node earned in, emitted; its root posted; the node claims.
            emission = PROTOCOL.parse_emission(bytes(chain.get_account(RewardsAddresses.emission).data))
            while emission.hours_ended(chain.unix_timestamp) == 0:
                await asyncio.sleep(0.5)
            epoch = emission.hours_ended(chain.unix_timestamp) - 1  # the last hour that ended
            while emission.next_hour <= epoch:
                await send(client, [rewards_ix.emit(REWARDS, min(24, epoch + 1 - emission.next_hour))], keeper)
                emission = PROTOCOL.parse_emission(bytes(chain.get_account(RewardsAddresses.emission).data))
            amount = 1_000
            tree = MerkleTree.build([reward_leaf(epoch, bytes(node.address), amount)])
            await send(client, [rewards_ix.post_epoch_root(REWARDS, epoch, tree.root, amount, 1, keeper.pubkey())], keeper)
            await send(client, [rewards_ix.claim(REWARDS, epoch, node.address, amount, [], node.operator.pubkey())], node.operator)
            return str(node.node_key.pubkey()), node.address, epoch, node.operator, (await client.get_balance(node.operator.pubkey())).value

    node_key, node_address, epoch, operator, operator_before = asyncio.run(claimed())
    receipt = RewardsAddresses.claim_receipt(epoch, node_address)
    rent = chain.get_account(receipt).lamports

    # Not before the epoch expired.
    early = close_receipt(localnet, stranger_file, node_key, epoch)
    assert early.returncode == 1 and "has not expired" in early.stderr, early.stderr
    posted = PROTOCOL.parse_epoch(bytes(chain.get_account(RewardsAddresses.epoch_root(epoch)).data))
    chain.set_time(unix_timestamp=posted.posted_at + EPOCH_CLAIM_WINDOW_SECS)

    async def expire() -> None:
        async with AsyncClient(localnet.url, commitment="confirmed") as client:
            await send(client, [rewards_ix.expire_epoch_root(REWARDS, epoch)], keeper)

    asyncio.run(expire())
    closed = close_receipt(localnet, stranger_file, node_key, epoch)
    assert closed.returncode == 0, closed.stderr
    document = json.loads(closed.stdout)
    assert (document["payer"], document["rent"], document["epoch"]) == (str(operator.pubkey()), rent, epoch)
    assert chain.get_account(receipt) is None
    assert chain.balance(operator.pubkey()) == operator_before + rent  # the stranger paid the fee

    again = close_receipt(localnet, stranger_file, node_key, epoch)
    assert again.returncode == 1 and "has no claim receipt" in again.stderr, again.stderr
