"""Node work for an hour becomes an epoch root on-chain; a node claims with the proof the
keeper serves over HTTP (anchorpy wallet), and a second claim is refused."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.core import RPCException
from spl.token.instructions import get_associated_token_address

from keeper.addresses import RewardsAddresses, StakingAddresses
from tests.keeper.conftest import keeper_config, localnet_fixture, start_keeper, stop_keeper, wait_for
from tests.keeper.wallet import Bank, Manifest, ctx, program, register_node, token_balance
from tests.localnet.conftest import IO_KEEPER, Localnet

localnet = localnet_fixture("--time-scale", "3600")


async def test_epoch_roots_posted_and_claimed_with_served_proofs(localnet: Localnet, tmp_path: Path, keepers) -> None:  # noqa: ANN001
    manifest = Manifest.read(localnet.state_dir)
    feed = tmp_path / "work.jsonl"
    async with AsyncClient(localnet.url, commitment="confirmed") as client:
        bank = Bank(client, manifest)
        nodes = [await register_node(client, staker_share_bps=150 + 50 * i) for i in range(3)]
        for node in nodes:
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

        for node in nodes:
            served = keeper.get(f"/rewards/1/{node.address}")
            assert served["amount"] == work[node.address] and served["status"] == "posted"
            rewards = program(client, node.operator, "rewards")
            accounts = {
                "config": RewardsAddresses.config, "epoch_root": RewardsAddresses.epoch_root(1),
                "emission": RewardsAddresses.emission, "node": node.address,
                "claim_receipt": RewardsAddresses.claim_receipt(1, node.address),
                "operator_token": get_associated_token_address(node.operator.pubkey(), bank.io),
                "reward_vault": RewardsAddresses.reward_vault, "mint_authority": RewardsAddresses.mint_authority,
                "staking_config": StakingAddresses.config, "staker_reward_vault": StakingAddresses.staker_reward_vault,
                "payer": node.operator.pubkey(),
            }
            proof = [list(bytes.fromhex(sibling)) for sibling in served["proof"]]
            await rewards.rpc["claim"](1, served["amount"], proof, ctx=ctx("rewards", "claim", accounts))
            # No stake on these nodes: nobody to share with, the operator gets the whole leaf.
            expected = served["amount"]
            assert await token_balance(client, accounts["operator_token"]) == expected
            with pytest.raises(RPCException):
                await rewards.rpc["claim"](1, served["amount"], proof, ctx=ctx("rewards", "claim", accounts))
        await asyncio.sleep(0)
        assert stop_keeper(keeper) == 0
    explore = subprocess.run([str(IO_KEEPER), "explore", "emissions", "--rpc-url", localnet.url, "--json"], capture_output=True, text=True, timeout=60)
    epochs = [item for item in json.loads(explore.stdout) if item["type"] == "Epoch"]
    assert [(e["epoch"], e["total"], e["claim_count"]) for e in epochs] == [(1, sum(work.values()), 3), (2, 5, 0)]
    table = subprocess.run([str(IO_KEEPER), "explore", "nodes", "--rpc-url", localnet.url], capture_output=True, text=True, timeout=60)
    assert table.returncode == 0 and "Node (3)" in table.stdout and "H100" in table.stdout
