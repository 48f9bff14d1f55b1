"""Node operators' and stakers' wallet commands.

    io-keeper node register --node-keypair FILE --gpu-model "H100 80GB" --tier 3 --staker-share 2 --token-share 10
    io-keeper node update --node NODE_KEY [--staker-share P] [--token-share P] [--gpu-model M] [--tier T] [--active yes|no]
                          [--operator NEW_OPERATOR]   (shares apply after max(unstake cooldown, 1 day); the
                                                       new operator takes over with `node accept`)
    io-keeper node accept --node NODE_KEY             (--keypair: the proposed operator)
    io-keeper node status --node NODE_KEY
    io-keeper node claim --node NODE_KEY --epoch E [--keeper URL]
                                                      (--keypair: the operator; the leaf and its proof
                                                       from the keeper's API, default http://127.0.0.1:9901)
    io-keeper node close-receipt --node NODE_KEY --epoch E
                                                      (anyone, once the epoch expired; the rent goes
                                                       back to whoever paid the receipt)
    io-keeper stake --node NODE_KEY --amount 100        (IO)
    io-keeper unstake --node NODE_KEY [--amount 40 | --all]
    io-keeper withdraw --node NODE_KEY
    io-keeper positions [--staker PUBKEY]
    io-keeper claim-rewards --node NODE_KEY

Shares are percentages with at most two decimals (2 = 2 %, 200 bps). Every check a wallet can
make (share bounds, node cap, balance, cooldown; for a claim: the operator signs, the keeper's
root is the one on-chain and its proof leads there, the claim window is open, no receipt yet) is
made first; a refusal sends nothing. New stake
warms up (activating, earning nothing) for the config's `stake_warmup_secs`; `unstake` unbonds
activating shares first.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.types import MemcmpOpts
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from keeper.cli.wallet import claims
from keeper.cli.wallet.claims import DEFAULT_KEEPER_API
from keeper.cli.wallet.common import (
    WalletError,
    add_common_options,
    b58,
    base_units,
    chain_time,
    emit,
    parse_pubkey,
    send,
    token_balance,
    ui_amount,
)
from keeper.client import staking as staking_ix
from keeper.client.addresses import StakingAddresses, associated_token_address
from keeper.client.constants import IO_DECIMALS, MAX_GPU_MODEL_LEN, MAX_STAKER_SHARE_BPS, MIN_STAKER_SHARE_BPS
from keeper.client.idl import ProgramIdl
from keeper.client.keys import KeypairError, load_keypair

# StakePosition: 8-byte discriminator, version, bump, then the staker.
STAKER_OFFSET = 8 + 2


def add_stake_commands(commands: Any) -> None:
    node = commands.add_parser("node", help="node operators: register, update and read a node")
    actions = node.add_subparsers(dest="action", required=True)
    register = actions.add_parser("register", help="register a GPU node (--keypair: the operator; the node key co-signs)")
    add_common_options(register, signer="the operator")
    register.add_argument("--node-keypair", type=Path, required=True, help="the node device's keypair file")
    register.add_argument("--gpu-model", required=True)
    register.add_argument("--tier", type=int, required=True)
    register.add_argument("--staker-share", required=True, help="percent of rewards for the stakers (1-3)")
    register.add_argument("--token-share", default="0", help="percent of job pay taken in IO via buy-back (default 0)")
    update = actions.add_parser("update", help="change a node's settings (--keypair: its operator)")
    add_common_options(update, signer="the operator")
    update.add_argument("--node", required=True, help="the node key")
    update.add_argument("--staker-share")
    update.add_argument("--token-share")
    update.add_argument("--gpu-model")
    update.add_argument("--tier", type=int)
    update.add_argument("--active", choices=["yes", "no"])
    update.add_argument("--operator", help="propose another operator wallet (it accepts with `node accept`)")
    accept = actions.add_parser("accept", help="take a node over as its proposed operator (--keypair: the new operator)")
    add_common_options(accept, signer="the proposed operator")
    accept.add_argument("--node", required=True, help="the node key")
    status = actions.add_parser("status", help="a node, decoded")
    add_common_options(status, signer="anyone")
    status.add_argument("--node", required=True, help="the node key")
    claim = actions.add_parser("claim", help="claim a node's reward of an epoch with the keeper's proof (--keypair: its operator)")
    add_common_options(claim, signer="the operator")
    claim.add_argument("--node", required=True, help="the node key")
    claim.add_argument("--epoch", type=int, required=True, help="the reward epoch (hour)")
    claim.add_argument("--keeper", default=DEFAULT_KEEPER_API, help=f"the keeper's API URL, which serves the proofs (default {DEFAULT_KEEPER_API})")
    close = actions.add_parser("close-receipt", help="close a node's claim receipt of an expired epoch (anyone; rent back to its payer)")
    add_common_options(close, signer="the sender (pays the fee)")
    close.add_argument("--node", required=True, help="the node key")
    close.add_argument("--epoch", type=int, required=True, help="the reward epoch (hour)")
    for name, help_text in (
        ("stake", "stake IO on a node"),
        ("unstake", "start the cooldown on staked IO"),
        ("withdraw", "withdraw unbonded IO after the cooldown"),
        ("claim-rewards", "claim your share of a node's staker rewards"),
    ):
        parser = commands.add_parser(name, help=help_text)
        add_common_options(parser, signer="the staker")
        parser.add_argument("--node", required=True, help="the node key")
        if name == "stake":
            parser.add_argument("--amount", required=True, help="IO to stake, e.g. 100")
        if name == "unstake":
            amount = parser.add_mutually_exclusive_group(required=True)
            amount.add_argument("--amount", help="IO to unbond, e.g. 40")
            amount.add_argument("--all", action="store_true", help="unbond the whole position")
    positions = commands.add_parser("positions", help="a staker's positions")
    add_common_options(positions, signer="the staker")
    positions.add_argument("--staker", default=None, help="whose (default: the keypair's)")


def run_stake_command(command: str, arguments: dict[str, Any], stdout: TextIO = sys.stdout) -> int:
    name = f"{command} {arguments['action']}" if command == "node" else command
    try:
        return asyncio.run(_run(command, arguments, stdout))
    except (WalletError, KeypairError) as error:
        print(f"io-keeper {name}: {error}", file=sys.stderr)
        return 1
    except (SolanaRpcException, OSError) as error:
        print(f"io-keeper {name}: cannot reach {arguments['url']}: {error.__cause__ or error!r}", file=sys.stderr)
        return 1


@dataclass
class _Session:
    client: AsyncClient
    staking: ProgramIdl
    config: Any


async def _run(command: str, arguments: dict[str, Any], stdout: TextIO) -> int:
    async with AsyncClient(arguments["url"]) as client:
        staking = ProgramIdl.installed("staking")
        config = (await client.get_account_info(StakingAddresses.config)).value
        if config is None:
            raise WalletError(f"the staking program is not set up on {arguments['url']}")
        session = _Session(client, staking, staking.decode_account_as("StakingConfig", bytes(config.data)))
        if command == "node":
            return await _node(session, arguments, stdout)
        if command == "positions":
            staker = parse_pubkey(arguments["staker"], "--staker") if arguments["staker"] else load_keypair(arguments["keypair"]).pubkey()
            rows = await _positions(session, staker)
            emit(stdout, arguments["output"], rows, "\n".join(_position_text(row) for row in rows) or "no positions")
            return 0
        return await _stake_action(session, command, load_keypair(arguments["keypair"]), arguments, stdout)


async def _node(session: _Session, arguments: dict[str, Any], stdout: TextIO) -> int:
    action = arguments["action"]
    if action == "register":
        operator, device = load_keypair(arguments["keypair"]), load_keypair(arguments["node_keypair"])
        address = StakingAddresses.node(device.pubkey())
        if (await session.client.get_account_info(address)).value is not None:
            raise WalletError(f"node key {device.pubkey()} is already registered ({address})")
        instruction = staking_ix.register_node(
            session.staking,
            operator.pubkey(),
            device.pubkey(),
            _gpu_model(arguments["gpu_model"]),
            _tier(arguments["tier"]),
            _staker_share(arguments["staker_share"]),
            _bps(arguments["token_share"], "--token-share"),
        )
        signature = await send(session.client, operator, instruction, device)
        emit(stdout, arguments["output"], {"signature": signature, "node": str(address)}, f"registered node {address}: {signature}")
        return 0
    node_key = parse_pubkey(arguments["node"], "--node")
    if action in ("claim", "close-receipt"):
        epoch = arguments["epoch"]
        if not 0 <= epoch < 2**64:
            raise WalletError(f"--epoch must be a u64, not {epoch}")
    node = await _node_account(session, node_key)
    if action == "claim":
        return await claims.claim(session.client, load_keypair(arguments["keypair"]), node_key, node, epoch, arguments["keeper"], arguments["output"], stdout)
    if action == "close-receipt":
        return await claims.close_receipt(session.client, load_keypair(arguments["keypair"]), node_key, epoch, arguments["output"], stdout)
    if action == "status":
        emit(stdout, arguments["output"], node, "\n".join(f"{key:26} {value}" for key, value in node.items()))
        return 0
    if action == "accept":
        new_operator = load_keypair(arguments["keypair"])
        if str(new_operator.pubkey()) != node["pending_operator"]:
            raise WalletError(f"{new_operator.pubkey()} is not the proposed operator of node {node_key} ({node['pending_operator']})")
        instruction = staking_ix.accept_node_operator(session.staking, new_operator.pubkey(), node_key)
        signature = await send(session.client, new_operator, instruction)
        emit(stdout, arguments["output"], {"signature": signature}, f"now operating node {node_key}: {signature}")
        return 0
    operator = load_keypair(arguments["keypair"])
    if str(operator.pubkey()) != node["operator"]:
        raise WalletError(f"node {node_key} is operated by {node['operator']}, not {operator.pubkey()}")
    changes = {
        "operator": None if arguments["operator"] is None else parse_pubkey(arguments["operator"], "--operator"),
        "gpu_model": None if arguments["gpu_model"] is None else _gpu_model(arguments["gpu_model"]),
        "tier": None if arguments["tier"] is None else _tier(arguments["tier"]),
        "staker_share_bps": None if arguments["staker_share"] is None else _staker_share(arguments["staker_share"]),
        "token_share_bps": None if arguments["token_share"] is None else _bps(arguments["token_share"], "--token-share"),
        "active": None if arguments["active"] is None else arguments["active"] == "yes",
    }
    if all(value is None for value in changes.values()):
        raise WalletError("nothing to change: give at least one of --staker-share, --token-share, --gpu-model, --tier, --active, --operator")
    instruction = staking_ix.update_node(session.staking, operator.pubkey(), node_key, changes)
    signature = await send(session.client, operator, instruction)
    emit(stdout, arguments["output"], {"signature": signature}, f"updated node {node_key}: {signature}")
    return 0


async def _stake_action(session: _Session, command: str, staker: Keypair, arguments: dict[str, Any], stdout: TextIO) -> int:
    node_key = parse_pubkey(arguments["node"], "--node")
    node = await _node_account(session, node_key)
    node_address = StakingAddresses.node(node_key)
    position = StakingAddresses.stake_position(node_address, staker.pubkey())
    io_account = associated_token_address(staker.pubkey(), session.config.io_mint)
    held = await _position(session, position)
    if command == "stake":
        amount = base_units(arguments["amount"], IO_DECIMALS, "--amount")
        room = session.config.max_stake_per_node - node["total_stake"]
        if amount > room:
            raise WalletError(
                f"the node takes {ui_amount(max(room, 0), IO_DECIMALS)} IO more at most (cap {ui_amount(session.config.max_stake_per_node, IO_DECIMALS)})"
            )
        balance = await token_balance(session.client, io_account)
        if amount > balance:
            raise WalletError(f"{io_account} holds {ui_amount(balance, IO_DECIMALS)} IO")
        instructions = [staking_ix.stake(session.staking, staker.pubkey(), node_address, amount, io_account)]
        if held is None:
            # The staker's first stake on this node: its position is created in the same transaction.
            instructions.insert(0, staking_ix.open_stake_position(session.staking, staker.pubkey(), node_address))
    elif held is None:
        raise WalletError(f"you have no position on node {node_key}")
    elif command == "unstake":
        # Activating shares unbond first (they earn nothing yet), then active ones.
        unbondable = held.shares + held.activating_shares
        shares = unbondable if arguments["all"] else _shares_for(base_units(arguments["amount"], IO_DECIMALS, "--amount"), node)
        if not 0 < shares <= unbondable:
            raise WalletError(f"the position holds {unbondable} shares; unbonding {shares} is not possible")
        instructions = [staking_ix.unstake(session.staking, staker.pubkey(), node_address, shares)]
    elif command == "withdraw":
        now = await chain_time(session.client)
        if held.unbonding_shares == 0:
            raise WalletError("nothing is unbonding: unstake first")
        if now < held.unbonding_until:
            raise WalletError(f"the cooldown ends at {held.unbonding_until} (chain time {now})")
        instructions = [staking_ix.withdraw(session.staking, staker.pubkey(), node_address, io_account)]
    else:
        instructions = [staking_ix.claim_staker_rewards(session.staking, staker.pubkey(), node_address, io_account)]
    signature = await send(session.client, staker, instructions)
    emit(stdout, arguments["output"], {"signature": signature, "position": str(position)}, f"{command} on node {node_key}: {signature}")
    return 0


def _shares_for(amount: int, node: dict[str, Any]) -> int:
    """Shares worth `amount` IO at the node's current share price (rounded up, as the program prices an unstake)."""
    if node["total_stake"] == 0:
        raise WalletError("the node holds no stake")
    return -(-amount * int(node["total_shares"]) // int(node["total_stake"]))


async def _node_account(session: _Session, node_key: Pubkey) -> dict[str, Any]:
    address = StakingAddresses.node(node_key)
    account = (await session.client.get_account_info(address)).value
    if account is None:
        raise WalletError(f"no node registered with key {node_key}")
    node = session.staking.decode_account_as("Node", bytes(account.data))
    now = await chain_time(session.client)
    due = node.shares_effective_at != 0 and now >= node.shares_effective_at
    return {
        "address": str(address),
        "node_key": str(node.node_key),
        "operator": str(node.operator),
        "pending_operator": str(node.pending_operator),
        "gpu_model": node.gpu_model,
        "tier": node.tier,
        # The shares in force now (a pending change applies once its time has come).
        "staker_share_bps": node.pending_staker_share_bps if due else node.staker_share_bps,
        "token_share_bps": node.pending_token_share_bps if due else node.token_share_bps,
        "pending_staker_share_bps": node.pending_staker_share_bps,
        "pending_token_share_bps": node.pending_token_share_bps,
        "shares_effective_at": node.shares_effective_at,
        "total_stake": node.total_stake,
        "total_shares": str(node.total_shares),
        "active_shares": str(node.active_shares),
        "activating_shares": str(node.activating_shares),
        "active": node.active,
        "slash_count": node.slash_count,
    }


async def _position(session: _Session, address: Pubkey) -> Any:
    account = (await session.client.get_account_info(address)).value
    return None if account is None else session.staking.decode_account_as("StakePosition", bytes(account.data))


async def _positions(session: _Session, staker: Pubkey) -> list[dict[str, Any]]:
    found = await session.client.get_program_accounts(
        StakingAddresses.program,
        encoding="base64",
        filters=[MemcmpOpts(0, b58(session.staking.account_discriminator("StakePosition"))), MemcmpOpts(STAKER_OFFSET, str(staker))],
    )
    rows = []
    for item in found.value:
        position = session.staking.decode_account_as("StakePosition", bytes(item.account.data))
        rows.append(
            {
                "position": str(item.pubkey),
                "node": str(position.node),
                "shares": str(position.shares),
                "activating_shares": str(position.activating_shares),
                "activates_at": position.activates_at,
                "unbonding_shares": str(position.unbonding_shares),
                "unbonding_until": position.unbonding_until,
                "rewards_owed": position.rewards_owed,
            }
        )
    return sorted(rows, key=lambda row: row["node"])


def _position_text(row: dict[str, Any]) -> str:
    return (
        f"{row['position']}: node {row['node']}, {row['shares']} shares, {row['activating_shares']} activating until "
        f"{row['activates_at']}, {row['unbonding_shares']} unbonding until {row['unbonding_until']}"
    )


def _bps(percent: str, what: str) -> int:
    try:
        value = Decimal(percent) * 100
    except InvalidOperation:
        raise WalletError(f"{what} {percent!r} is not a percentage") from None
    if value != value.to_integral_value() or not 0 <= value <= 10_000:
        raise WalletError(f"{what} {percent} must be between 0 and 100 with at most two decimals")
    return int(value)


def _staker_share(percent: str) -> int:
    bps = _bps(percent, "--staker-share")
    if not MIN_STAKER_SHARE_BPS <= bps <= MAX_STAKER_SHARE_BPS:
        raise WalletError(f"--staker-share must be between {MIN_STAKER_SHARE_BPS / 100:g} and {MAX_STAKER_SHARE_BPS / 100:g} percent")
    return bps


def _gpu_model(model: str) -> str:
    if not model.strip() or len(model.encode()) > MAX_GPU_MODEL_LEN:
        raise WalletError(f"--gpu-model must be 1-{MAX_GPU_MODEL_LEN} bytes")
    return model


def _tier(tier: int) -> int:
    if not 0 <= tier <= 255:
        raise WalletError("--tier must be 0-255")
    return tier
