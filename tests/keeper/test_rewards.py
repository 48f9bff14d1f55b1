"""Node work for an hour becomes an epoch root on-chain; nodes claim with the proof the keeper
serves over HTTP — two through anchorpy (a stock client), one through `io-keeper node claim`
(which fetches the proof itself) — and a second claim is refused. Every bad claim the CLI can
see coming (not the operator, already claimed, an epoch or node the keeper has no reward for, an
unreachable keeper) is an error with nothing sent."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.core import RPCException
from solders.keypair import Keypair
from spl.token.instructions import get_associated_token_address

from keeper.client import staking as staking_ix
from keeper.client.addresses import RewardsAddresses, StakingAddresses
from keeper.client.constants import EPOCH_CLAIM_WINDOW_SECS, IO_UNIT
from keeper.client.protocol import Protocol
from keeper.localnet.remote import LocalnetChain
from tests.keeper.conftest import keeper_config, localnet_fixture, start_keeper, stop_keeper, wait_for
from tests.keeper.wallet import REPO_ROOT, Bank, Manifest, ctx, funded_keypair, program, register_node, send, token_balance
from tests.localnet.conftest import IO_KEEPER, Localnet, free_port

localnet = localnet_fixture("--time-scale", "3600")


def key_file(directory: Path, keypair: Keypair) -> Path:
    path = directory / f"{keypair.pubkey()}.json"
    path.write_text(json.dumps(list(bytes(keypair))))
    path.chmod(0o600)
    return path


def node_cli(localnet: Localnet, keypair: Path, action: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """`io-keeper node <action>` as an operator runs it (JSON output)."""
    return subprocess.run(
        [str(IO_KEEPER), "node", action, *arguments, "--url", localnet.url, "--keypair", str(keypair), "--output", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_epoch_roots_posted_and_claimed_with_served_proofs(localnet: Localnet, tmp_path: Path, keepers) -> None:  # noqa: ANN001
    manifest = Manifest.read(localnet.state_dir)
    feed = tmp_path / "work.jsonl"
    async with AsyncClient(localnet.url, commitment="confirmed") as client:
        bank = Bank(client, manifest)
        nodes = [await register_node(client, staker_share_bps=150 + 50 * i) for i in range(3)]
        for node in nodes[:2]:  # the third operator has no IO account: `node claim` creates it
            await bank.ata(node.operator.pubkey(), bank.io)
        config = keeper_config(tmp_path, localnet.url, localnet.state_dir, rewards={"work_feed": str(feed)})
        keeper = start_keeper(config)
        keepers.append(keeper)
        work = {node.address: 1_000_000_007 * (i + 1) for i, node in enumerate(nodes)}
        keeper.post("/work", [{"epoch": 1, "node": str(node), "amount": amount} for node, amount in work.items()])
        feed.write_text(json.dumps({"epoch": 2, "node": str(nodes[0].address), "amount": 5}) + "\n")
        wait_for(lambda: keeper.status()["journal"]["epochs"].get("posted", 0) == 2, 30, "epochs 1 and 2 posted")
        with pytest.raises(Exception, match="409"):
            keeper.post("/work", {"epoch": 1, "node": str(nodes[0].address), "amount": 1})  # the root is fixed

        for node in nodes[:2]:  # a stock client: anchorpy with the keeper's proof
            served = keeper.get(f"/rewards/1/{node.address}")
            assert served["amount"] == work[node.address] and served["status"] == "posted"
            rewards = program(client, node.operator, "rewards")
            accounts = {
                "epoch_root": RewardsAddresses.epoch_root(1),
                "emission": RewardsAddresses.emission,
                "node": node.address,
                "claim_receipt": RewardsAddresses.claim_receipt(1, node.address),
                "operator_token": get_associated_token_address(node.operator.pubkey(), bank.io),
                "reward_vault": RewardsAddresses.reward_vault,
                "mint_authority": RewardsAddresses.mint_authority,
                "staker_reward_vault": StakingAddresses.staker_reward_vault,
                "payer": node.operator.pubkey(),
            }
            proof = [list(bytes.fromhex(sibling)) for sibling in served["proof"]]
            await rewards.rpc["claim"](1, served["amount"], proof, ctx=ctx("rewards", "claim", accounts))
            # No stake on these nodes: nobody to share with, the operator gets the whole leaf.
            expected = served["amount"]
            assert await token_balance(client, accounts["operator_token"]) == expected
            with pytest.raises(RPCException):
                await rewards.rpc["claim"](1, served["amount"], proof, ctx=ctx("rewards", "claim", accounts))

        # The third node claims through the wallet CLI, which fetches its proof from the keeper.
        cli_node = nodes[2]
        operator_file, stranger_file = key_file(tmp_path, cli_node.operator), key_file(tmp_path, nodes[0].operator)
        device = str(cli_node.node_key.pubkey())
        operator_io = get_associated_token_address(cli_node.operator.pubkey(), bank.io)
        lamports = (await client.get_balance(cli_node.operator.pubkey())).value
        refusals = [
            (stranger_file, ["--node", device, "--epoch", "1", "--keeper", keeper.api_url], "is operated by"),
            (operator_file, ["--node", device, "--epoch", "99", "--keeper", keeper.api_url], "has no root for epoch 99"),
            (operator_file, ["--node", device, "--epoch", "2", "--keeper", keeper.api_url], "has no reward in epoch 2"),
            (operator_file, ["--node", device, "--epoch", "1", "--keeper", f"http://127.0.0.1:{free_port()}"], "cannot reach the keeper"),
            (operator_file, ["--node", device, "--epoch", "-1", "--keeper", keeper.api_url], "--epoch must be a u64"),
        ]
        for keypair, arguments, message in refusals:
            refused = node_cli(localnet, keypair, "claim", *arguments)
            assert refused.returncode == 1 and message in refused.stderr, (arguments, refused.stderr)
        assert (await client.get_balance(cli_node.operator.pubkey())).value == lamports  # nothing sent
        assert (await client.get_account_info(operator_io)).value is None
        claimed = node_cli(localnet, operator_file, "claim", "--node", device, "--epoch", "1", "--keeper", keeper.api_url)
        assert claimed.returncode == 0, claimed.stderr
        document = json.loads(claimed.stdout)
        # No stake: the operator gets the whole leaf, its IO account created in the same transaction.
        assert (document["amount"], document["operator_amount"], document["staker_amount"]) == (work[cli_node.address], work[cli_node.address], 0)
        assert document["operator_token"] == str(operator_io) and document["signature"]
        assert await token_balance(client, operator_io) == work[cli_node.address]
        lamports = (await client.get_balance(cli_node.operator.pubkey())).value
        for node_key, keypair in ((device, operator_file), (str(nodes[0].node_key.pubkey()), stranger_file)):  # by the CLI, by anchorpy
            again = node_cli(localnet, keypair, "claim", "--node", node_key, "--epoch", "1", "--keeper", keeper.api_url)
            assert again.returncode == 1 and "already claimed epoch 1" in again.stderr, again.stderr
        assert (await client.get_balance(cli_node.operator.pubkey())).value == lamports
        assert await token_balance(client, operator_io) == work[cli_node.address]
        text = subprocess.run(
            [
                str(IO_KEEPER),
                "node",
                "claim",
                "--node",
                device,
                "--epoch",
                "1",
                "--keeper",
                keeper.api_url,
                "--url",
                localnet.url,
                "--keypair",
                str(operator_file),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert text.returncode == 1 and text.stderr.startswith("io-keeper node claim: node ")
        # A receipt closes only once its epoch expired; without a receipt there is nothing to close.
        early = node_cli(localnet, stranger_file, "close-receipt", "--node", device, "--epoch", "1")
        assert early.returncode == 1 and "has not expired" in early.stderr, early.stderr
        none = node_cli(localnet, stranger_file, "close-receipt", "--node", device, "--epoch", "2")
        assert none.returncode == 1 and "has no claim receipt for epoch 2" in none.stderr, none.stderr
        await asyncio.sleep(0)
        assert stop_keeper(keeper) == 0
    explore = subprocess.run([str(IO_KEEPER), "explore", "emissions", "--rpc-url", localnet.url, "--json"], capture_output=True, text=True, timeout=60)
    epochs = [item for item in json.loads(explore.stdout) if item["type"] == "Epoch"]
    assert [(e["epoch"], e["total"], e["claim_count"]) for e in epochs] == [(1, sum(work.values()), 3), (2, 5, 0)]
    table = subprocess.run([str(IO_KEEPER), "explore", "nodes", "--rpc-url", localnet.url], capture_output=True, text=True, timeout=60)
    assert table.returncode == 0 and "Node (3)" in table.stdout and "H100" in table.stdout


async def test_the_keeper_activates_warmed_up_stake_and_expires_epochs_past_their_claim_window(
    localnet: Localnet,
    tmp_path: Path,
    keepers,  # noqa: ANN001
) -> None:
    """The real keeper against the localnet: a stake becomes active once its warm-up has passed
    (`activate_stake`), and an epoch whose 90-day claim window closed with a leaf unclaimed is
    expired (`expire_epoch_root`): its unclaimed rest leaves `allocated_total`."""
    manifest = Manifest.read(localnet.state_dir)
    feed = tmp_path / "work.jsonl"
    chain = LocalnetChain(localnet.url)
    protocol = Protocol(REPO_ROOT / "idl")
    async with AsyncClient(localnet.url, commitment="confirmed") as client:
        bank = Bank(client, manifest)
        node = await register_node(client)
        staker = await funded_keypair(client)
        source = await bank.give_io(staker.pubkey(), 10 * IO_UNIT)
        position = StakingAddresses.stake_position(node.address, staker.pubkey())
        await send(
            client,
            [
                staking_ix.open_stake_position(protocol.staking, staker.pubkey(), node.address),
                staking_ix.stake(protocol.staking, staker.pubkey(), node.address, 10 * IO_UNIT, source),
            ],
            staker,
        )
        held = protocol.staking.decode_account_as("StakePosition", bytes((await client.get_account_info(position)).value.data))
        assert (held.shares, held.activating_shares) == (0, 10 * IO_UNIT)
        emission = protocol.parse_emission(bytes(chain.get_account(RewardsAddresses.emission).data))
        epoch = emission.hours_ended(chain.unix_timestamp) + 1  # an hour the keeper will fix and post
        feed.write_text(json.dumps({"epoch": epoch, "node": str(node.address), "amount": 777}) + "\n")
        config = keeper_config(
            tmp_path, localnet.url, localnet.state_dir, rewards={"work_feed": str(feed)}, expiry={"interval_secs": 0.3}, activation={"interval_secs": 0.3}
        )
        keeper = start_keeper(config)
        keepers.append(keeper)
        wait_for(lambda: chain.get_account(RewardsAddresses.epoch_root(epoch)) is not None, 60, "the epoch root posted")
        wait_for(lambda: keeper.metric("stake_positions_activated_total") >= 1, 120, "the warmed-up stake activated")
        held = protocol.staking.decode_account_as("StakePosition", bytes(chain.get_account(position).data))
        assert (held.shares, held.activating_shares, held.activates_at) == (10 * IO_UNIT, 0, 0)
        # Nobody claims: once the claim window closes the keeper expires the root.
        posted = protocol.parse_epoch(bytes(chain.get_account(RewardsAddresses.epoch_root(epoch)).data))
        assert posted.expired_at == 0 and posted.claimed == 0
        allocated_before = protocol.parse_emission(bytes(chain.get_account(RewardsAddresses.emission).data)).allocated_total
        chain.set_time(unix_timestamp=posted.posted_at + EPOCH_CLAIM_WINDOW_SECS)
        wait_for(lambda: keeper.metric("reward_epochs_expired_total") >= 1, 60, "the epoch root expired")
        expired = protocol.parse_epoch(bytes(chain.get_account(RewardsAddresses.epoch_root(epoch)).data))
        assert expired.expired_at >= posted.posted_at + EPOCH_CLAIM_WINDOW_SECS
        allocated_after = protocol.parse_emission(bytes(chain.get_account(RewardsAddresses.emission).data)).allocated_total
        assert allocated_after <= allocated_before - 777  # (later roots the keeper posted meanwhile may add)
        assert stop_keeper(keeper) == 0
