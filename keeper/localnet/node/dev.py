"""The localnet's development methods, beside the validator's own (the `localnet_` prefix).

What a test suite needs from a development chain and a validator cannot offer: write an
account as it is (an attacker's forgery), move the clock, issue a new blockhash or blocks,
and snapshot the whole state to return to it later (deploy once, start every test fresh);
and when a transaction landed (wall clock), to time notifications against.
"""

from __future__ import annotations

from typing import Any, Final

from solders.account import Account

from keeper.localnet.node import params as p
from keeper.localnet.node.chain import Chain, ChainSnapshot
from keeper.localnet.node.errors import invalid_param

# Snapshots are whole copies of the state: a few are plenty for a test session.
MAX_SNAPSHOTS: Final = 16


class DevMethods:
    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self._snapshots: dict[int, ChainSnapshot] = {}
        self._next_snapshot_id = 0

    def handlers(self) -> dict[str, Any]:
        return {
            "localnet_setAccount": self.set_account,
            "localnet_setClock": self.set_clock,
            "localnet_expireBlockhash": self.expire_blockhash,
            "localnet_produceBlocks": self.produce_blocks,
            "localnet_snapshot": self.snapshot,
            "localnet_revert": self.revert,
            "localnet_landedAt": self.landed_at,
        }

    def set_account(self, params: Any) -> None:
        parsed = p.SetAccountParams.parse(params)
        state = parsed.account
        self.chain.set_account(parsed.pubkey, Account(state.lamports, state.decoded_data(), state.owner, state.executable))

    def set_clock(self, params: Any) -> dict[str, int]:
        change = p.SetClockParams.parse(params).change
        try:
            self.chain.set_time(slot=change.slot, unix_timestamp=change.unix_timestamp)
        except ValueError as error:
            raise invalid_param(str(error)) from None
        return {"slot": self.chain.slot, "unixTimestamp": self.chain.unix_timestamp}

    def expire_blockhash(self, params: Any) -> dict[str, Any]:
        p.NoParams.parse(params)
        blockhash = self.chain.expire_blockhash()
        return {"blockhash": str(blockhash), "lastValidBlockHeight": self.chain.last_valid_block_height(blockhash)}

    def produce_blocks(self, params: Any) -> int:
        self.chain.produce_blocks(p.ProduceBlocksParams.parse(params).count)
        return self.chain.block_height

    def snapshot(self, params: Any) -> int:
        p.NoParams.parse(params)
        if len(self._snapshots) >= MAX_SNAPSHOTS:
            del self._snapshots[min(self._snapshots)]
        snapshot_id = self._next_snapshot_id
        self._next_snapshot_id += 1
        self._snapshots[snapshot_id] = self.chain.snapshot()
        return snapshot_id

    def revert(self, params: Any) -> bool:
        snapshot_id = p.RevertParams.parse(params).snapshot_id
        snapshot = self._snapshots.get(snapshot_id)
        if snapshot is None:
            raise invalid_param(f"no snapshot {snapshot_id}")
        self.chain.revert(snapshot)
        return True

    def landed_at(self, params: Any) -> list[float | None]:
        """When each transaction was committed (unix seconds, wall clock; null if unknown):
        where the PubSub latency figures of `scripts/bench` start from."""
        signatures = p.SignatureStatusesParams.parse(params).signatures
        return [None if (record := self.chain.transaction(signature)) is None else record.landed_at for signature in signatures]
