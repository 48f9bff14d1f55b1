"""Reads of on-chain state the keeper decides on (always through the RPC gateway)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import based58
from solana.rpc.async_api import AsyncClient
from solana.rpc.types import MemcmpOpts
from solders.pubkey import Pubkey
from solders.rpc.responses import GetMultipleAccountsResp

from keeper.client.addresses import EscrowAddresses, ProvenanceAddresses, RewardsAddresses, StakingAddresses
from keeper.client.clock import clock_unix_timestamp
from keeper.client.constants import JOB_STATUS
from keeper.client.protocol import ActivatingPosition, EmissionView, EpochView, JobRef, Protocol
from keeper.client.spl import token_amount
from keeper.daemon.rpc import RpcGateway

MAX_ACCOUNTS_PER_CALL = 100


@dataclass(frozen=True)
class EscrowView:
    treasury: Pubkey
    burn_vault: Pubkey
    oracle_authority: Pubkey


class ChainView:
    def __init__(self, gateway: RpcGateway, protocol: Protocol) -> None:
        self.gateway = gateway
        self.protocol = protocol
        self._escrow: EscrowView | None = None
        self._operators: dict[Pubkey, Pubkey] = {}

    async def account_data(self, address: Pubkey) -> bytes | None:
        response = await self.gateway.call("getAccountInfo", lambda c: c.get_account_info(address))
        return None if response.value is None else bytes(response.value.data)

    async def accounts_data(self, addresses: Sequence[Pubkey]) -> list[bytes | None]:
        found: list[bytes | None] = []
        for start in range(0, len(addresses), MAX_ACCOUNTS_PER_CALL):
            chunk = list(addresses[start : start + MAX_ACCOUNTS_PER_CALL])
            response = await self.gateway.call("getMultipleAccounts", partial(_get_multiple_accounts, chunk))
            found.extend(None if account is None else bytes(account.data) for account in response.value)
        return found

    async def lamports(self, address: Pubkey) -> int:
        return int((await self.gateway.call("getBalance", lambda c: c.get_balance(address))).value)

    async def exists(self, address: Pubkey) -> bool:
        return await self.account_data(address) is not None

    async def now(self) -> int:
        data = await self.account_data(Protocol.clock_address)
        assert data is not None, "the Clock sysvar is always present"
        return clock_unix_timestamp(data)

    async def emission_and_now(self) -> tuple[EmissionView, int]:
        """Emission state and chain time read in one request (one consistent snapshot)."""
        emission, clock = await self.accounts_data([RewardsAddresses.emission, Protocol.clock_address])
        if emission is None or clock is None:
            raise RuntimeError("the rewards program is not initialised on this cluster")
        return self.protocol.parse_emission(emission), clock_unix_timestamp(clock)

    async def escrow(self) -> EscrowView:
        if self._escrow is None:
            data = await self.account_data(EscrowAddresses.config)
            if data is None:
                raise RuntimeError("the escrow program is not initialised on this cluster")
            config = self.protocol.escrow.decode_account_as("EscrowConfig", data)
            self._escrow = EscrowView(config.treasury, config.burn_vault, config.oracle_authority)
        return self._escrow

    async def jobs_with_status(self, status: str) -> list[JobRef]:
        layout = self.protocol.job_layout
        filters = [
            MemcmpOpts(offset=0, bytes=based58.b58encode(self.protocol.job_discriminator()).decode()),
            MemcmpOpts(offset=layout.offset("status"), bytes=based58.b58encode(bytes([JOB_STATUS[status]])).decode()),
        ]
        response = await self.gateway.call(
            "getProgramAccounts",
            lambda c: c.get_program_accounts(EscrowAddresses.program, encoding="base64", filters=filters),
        )
        return [self.protocol.parse_job(item.pubkey, bytes(item.account.data)) for item in response.value]

    async def operators(self, nodes: Sequence[Pubkey]) -> dict[Pubkey, Pubkey]:
        """Operator of each Node (cached: a node's operator is fixed at registration)."""
        missing = sorted({node for node in nodes if node not in self._operators}, key=bytes)
        if missing:
            for node, data in zip(missing, await self.accounts_data(missing), strict=True):
                if data is not None:
                    self._operators[node] = self.protocol.node_operator(data)
        return {node: self._operators[node] for node in nodes if node in self._operators}

    async def token_amount(self, token_account: Pubkey) -> int:
        data = await self.account_data(token_account)
        return 0 if data is None else token_amount(data)

    async def provenance_next_sequence(self) -> int:
        data = await self.account_data(ProvenanceAddresses.config)
        if data is None:
            raise RuntimeError("the provenance program is not initialised on this cluster")
        return int(self.protocol.provenance.decode_account_as("ProvenanceConfig", data).next_sequence)

    async def batch_root(self, sequence: int) -> bytes | None:
        data = await self.account_data(ProvenanceAddresses.batch(sequence))
        return None if data is None else bytes(self.protocol.provenance.decode_account_as("Batch", data).root)

    async def epoch_roots(self) -> list[EpochView]:
        """Every posted epoch root (Epoch accounts of the rewards program)."""
        filters = [MemcmpOpts(offset=0, bytes=based58.b58encode(self.protocol.rewards.account_discriminator("Epoch")).decode())]
        response = await self.gateway.call(
            "getProgramAccounts",
            lambda c: c.get_program_accounts(RewardsAddresses.program, encoding="base64", filters=filters),
        )
        return [self.protocol.parse_epoch(bytes(item.account.data)) for item in response.value]

    async def activating_positions(self) -> list[ActivatingPosition]:
        """Stake positions with shares warming up (whether or not the warm-up has passed)."""
        filters = [MemcmpOpts(offset=0, bytes=based58.b58encode(self.protocol.staking.account_discriminator("StakePosition")).decode())]
        response = await self.gateway.call(
            "getProgramAccounts",
            lambda c: c.get_program_accounts(StakingAddresses.program, encoding="base64", filters=filters),
        )
        positions = (self.protocol.parse_position(item.pubkey, bytes(item.account.data)) for item in response.value)
        return [position for position in positions if position.activating_shares > 0]

    async def epoch_root(self, epoch: int) -> bytes | None:
        data = await self.account_data(RewardsAddresses.epoch_root(epoch))
        return None if data is None else bytes(self.protocol.rewards.decode_account_as("Epoch", data).root)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def _get_multiple_accounts(chunk: list[Pubkey], client: AsyncClient) -> GetMultipleAccountsResp:
    return await client.get_multiple_accounts(chunk)
