"""Read methods wallets and explorers call beyond the core ones: token accounts by owner or
delegate, largest holders, blocks, prioritization fees, performance samples, the epoch and
leader schedules and the cluster's (one) node."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, Final

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from keeper.localnet.node import params as p
from keeper.localnet.node.blocks import Block
from keeper.localnet.node.chain import Chain
from keeper.localnet.node.encoding import (
    TOKEN_PROGRAMS,
    encode_account,
    is_mint,
    is_token_account,
    mint_supply_and_decimals,
    versioned_transaction_json,
    with_context,
)
from keeper.localnet.node.errors import (
    BLOCK_CLEANED_UP,
    BLOCK_NOT_AVAILABLE,
    INVALID_PARAMS,
    RpcError,
    invalid_param,
)
from keeper.localnet.node.parsed import ui_token_amount
from keeper.localnet.node.records import TransactionRecord
from keeper.localnet.node.runtime import agave_version

COMPUTE_BUDGET_PROGRAM_ID: Final = Pubkey.from_string("ComputeBudget111111111111111111111111111111")
SET_COMPUTE_UNIT_PRICE: Final = 3
# getRecentPrioritizationFees covers the last 150 blocks, like Agave's fee cache.
PRIORITIZATION_FEE_BLOCKS: Final = 150
# Agave's shred version for a single-node cluster is arbitrary; clients only display it.
SHRED_VERSION: Final = 1
FEATURE_SET: Final = 3_294_202_862


@dataclass(frozen=True)
class NodeAddresses:
    """Where this node listens, for getClusterNodes."""

    host: str
    rpc_port: int
    pubsub_port: int


@dataclass(frozen=True)
class PerformanceSample:
    slot: int
    num_transactions: int
    num_slots: int
    sample_period_secs: int

    def to_json(self) -> dict[str, Any]:
        # No vote transactions on this chain: every transaction is a non-vote one.
        return {
            "slot": self.slot,
            "numTransactions": self.num_transactions,
            "numSlots": self.num_slots,
            "samplePeriodSecs": self.sample_period_secs,
            "numNonVoteTransactions": self.num_transactions,
        }


class PerformanceSampler:
    """Takes a sample every period (called by the node's timer), newest kept first."""

    def __init__(self, chain: Chain, period_secs: int) -> None:
        self.chain = chain
        self.period_secs = period_secs
        self._samples: deque[PerformanceSample] = deque(maxlen=p.MAX_PERFORMANCE_SAMPLES)
        self._last = (chain.slot, chain.transaction_count)

    def sample(self) -> None:
        slot, count = self.chain.slot, self.chain.transaction_count
        last_slot, last_count = self._last
        # After a revert the counters can go back: count from there.
        self._samples.appendleft(PerformanceSample(slot, max(0, count - last_count), max(0, slot - last_slot), self.period_secs))
        self._last = (slot, count)

    def newest(self, limit: int) -> list[PerformanceSample]:
        return list(self._samples)[:limit]


class ReadMethods:
    def __init__(self, chain: Chain, identity: Keypair, addresses: NodeAddresses | None, sampler: PerformanceSampler | None) -> None:
        self.chain = chain
        self.identity = identity
        self.addresses = addresses
        self.sampler = sampler

    def handlers(self) -> dict[str, Any]:
        return {
            "getTokenAccountsByOwner": self.get_token_accounts_by_owner,
            "getTokenAccountsByDelegate": self.get_token_accounts_by_delegate,
            "getTokenLargestAccounts": self.get_token_largest_accounts,
            "getRecentPrioritizationFees": self.get_recent_prioritization_fees,
            "getBlock": self.get_block,
            "getBlocks": self.get_blocks,
            "getBlocksWithLimit": self.get_blocks_with_limit,
            "getBlockTime": self.get_block_time,
            "getFirstAvailableBlock": self.get_first_available_block,
            "getRecentPerformanceSamples": self.get_recent_performance_samples,
            "getEpochSchedule": self.get_epoch_schedule,
            "getLeaderSchedule": self.get_leader_schedule,
            "getSlotLeader": self.get_slot_leader,
            "getIdentity": self.get_identity,
            "getClusterNodes": self.get_cluster_nodes,
            "getTransactionCount": self.get_transaction_count,
        }

    # --- tokens -----------------------------------------------------------------------------

    def _token_program_of(self, token_filter: p.MintFilter | p.ProgramIdFilter) -> tuple[Pubkey, bytes | None]:
        """(token program, mint bytes to match or None), with Agave's refusals."""
        if isinstance(token_filter, p.ProgramIdFilter):
            if token_filter.program_id not in TOKEN_PROGRAMS:
                raise invalid_param("unrecognized Token program id")
            return token_filter.program_id, None
        mint = self.chain.get_account(token_filter.mint)
        if mint is None:
            raise invalid_param("could not find mint")
        if not is_mint(mint):
            raise invalid_param("not a Token mint")
        return mint.owner, bytes(token_filter.mint)

    def _token_accounts(self, params: Any, key_offset: int, *, delegated: bool) -> dict[str, Any]:
        parsed = p.TokenAccountsParams.parse(params)
        config = parsed.config or p.AccountInfoConfig()
        program, mint = self._token_program_of(parsed.filter)
        wanted = bytes(parsed.pubkey)
        values = []
        # The token program's accounts (the chain's owner index), matched on the layout.
        for address, account in self.chain.accounts_owned_by(program):
            data = bytes(account.data)
            if not is_token_account(account) or not data.startswith(wanted, key_offset):
                continue
            if delegated and data[72] == 0:  # COption tag: no delegate
                continue
            if mint is not None and not data.startswith(mint):
                continue
            values.append({"pubkey": str(address), "account": encode_account(account, config.encoding, config.data_slice, data, lookup=self.chain.get_account)})
        return with_context(self.chain.slot, values)

    def get_token_accounts_by_owner(self, params: Any) -> dict[str, Any]:
        return self._token_accounts(params, 32, delegated=False)

    def get_token_accounts_by_delegate(self, params: Any) -> dict[str, Any]:
        return self._token_accounts(params, 76, delegated=True)

    def get_token_largest_accounts(self, params: Any) -> dict[str, Any]:
        parsed = p.AddressParams.parse(params)
        mint = self.chain.get_account(parsed.pubkey)
        if mint is None:
            raise invalid_param("could not find mint")
        if not is_mint(mint):
            raise invalid_param("not a Token mint")
        _, decimals = mint_supply_and_decimals(mint)
        wanted = bytes(parsed.pubkey)
        holders = []
        for address, account in self.chain.accounts_owned_by(mint.owner):
            data = bytes(account.data)
            if is_token_account(account) and data.startswith(wanted):
                holders.append((int.from_bytes(data[64:72], "little"), address))
        holders.sort(key=lambda holder: (-holder[0], bytes(holder[1])))
        value = [{"address": str(address), **ui_token_amount(amount, decimals)} for amount, address in holders[: p.MAX_TOKEN_LARGEST_ACCOUNTS]]
        return with_context(self.chain.slot, value)

    # --- fees ------------------------------------------------------------------------------

    def get_recent_prioritization_fees(self, params: Any) -> list[dict[str, int]]:
        addresses = p.PrioritizationFeesParams.parse(params).addresses or []
        if len(addresses) > p.MAX_PRIORITIZATION_FEE_ADDRESSES:
            raise RpcError(INVALID_PARAMS, f"Too many inputs provided; max {p.MAX_PRIORITIZATION_FEE_ADDRESSES}")
        return [{"slot": block.slot, "prioritizationFee": self._block_fee(block, addresses)} for block in self.chain.blocks.newest(PRIORITIZATION_FEE_BLOCKS)]

    def _block_fee(self, block: Block, addresses: list[Pubkey]) -> int:
        """Agave's rule: the block's lowest fee, or the highest of the lowest fees paid by
        transactions writing each given account, whichever is larger (0 where none)."""
        records = [record for signature in block.signatures if (record := self.chain.transaction(signature)) is not None]
        if not records:
            return 0
        prices = [_compute_unit_price(record) for record in records]
        fee = min(prices)
        for address in addresses:
            writing = [price for record, price in zip(records, prices, strict=True) if address in record.writable_keys()]
            if writing:
                fee = max(fee, min(writing))
        return fee

    # --- blocks -----------------------------------------------------------------------------

    def _block_or_error(self, slot: int) -> Block:
        blocks = self.chain.blocks
        if slot < blocks.first_slot:
            raise RpcError(BLOCK_CLEANED_UP, f"Block {slot} cleaned up, does not exist on node. First available block: {blocks.first_slot}")
        block = blocks.get(slot)
        if block is None:
            # Past the newest slot, or a slot the clock jumped over (skipped): Agave answers
            # -32004 for both on a node whose ledger holds the range.
            raise RpcError(BLOCK_NOT_AVAILABLE, f"Block not available for slot {slot}")
        return block

    def get_block(self, params: Any) -> dict[str, Any]:
        parsed = p.BlockParams.parse(params)
        config = parsed.block_config()
        _require_confirmed(config.commitment)
        block = self._block_or_error(parsed.slot)
        details = config.transaction_details or "full"
        blockhash = block.blockhash if block.blockhash is not None else self.chain.latest_blockhash
        value: dict[str, Any] = {
            "blockHeight": block.block_height,
            "blockTime": block.block_time,
            "blockhash": str(blockhash),
            "parentSlot": block.parent_slot,
            "previousBlockhash": str(block.previous_blockhash),
        }
        records = [record for signature in block.signatures if (record := self.chain.transaction(signature)) is not None]
        if details == "full":
            value["transactions"] = [
                versioned_transaction_json(record, config.encoding or "json", config.max_supported_transaction_version) for record in records
            ]
        elif details == "signatures":
            value["signatures"] = [str(record.result.signature) for record in records]
        elif details == "accounts":
            value["transactions"] = [_accounts_only(record, config.max_supported_transaction_version) for record in records]
        if config.rewards is not False:
            value["rewards"] = []  # no stake rewards on this chain
        return value

    def get_blocks(self, params: Any) -> list[int]:
        parsed = p.BlocksParams.parse(params)
        config = parsed.config if isinstance(parsed.end_slot, int) else parsed.end_slot or parsed.config
        _require_confirmed(config.commitment if config is not None else None)
        end = parsed.end_slot if isinstance(parsed.end_slot, int) else self.chain.slot
        if end - parsed.start_slot > p.MAX_BLOCK_RANGE:
            raise RpcError(INVALID_PARAMS, f"Slot range too large; max {p.MAX_BLOCK_RANGE}")
        return self.chain.blocks.slots(parsed.start_slot, min(end, self.chain.slot), p.MAX_BLOCK_RANGE + 1)

    def get_blocks_with_limit(self, params: Any) -> list[int]:
        parsed = p.BlocksWithLimitParams.parse(params)
        _require_confirmed(parsed.config.commitment if parsed.config else None)
        if parsed.limit > p.MAX_BLOCK_RANGE:
            raise RpcError(INVALID_PARAMS, f"Limit too large; max {p.MAX_BLOCK_RANGE}")
        return self.chain.blocks.slots(parsed.start_slot, self.chain.slot, parsed.limit)

    def get_block_time(self, params: Any) -> int:
        return self._block_or_error(p.SlotParams.parse(params).slot).block_time

    def get_first_available_block(self, params: Any) -> int:
        p.NoParams.parse(params)
        return self.chain.blocks.first_slot

    # --- cluster ----------------------------------------------------------------------------

    def get_recent_performance_samples(self, params: Any) -> list[dict[str, Any]]:
        limit = p.PerformanceSamplesParams.parse(params).limit
        limit = p.MAX_PERFORMANCE_SAMPLES if limit is None else limit
        if limit > p.MAX_PERFORMANCE_SAMPLES:
            raise invalid_param(f"limit: {limit} (max {p.MAX_PERFORMANCE_SAMPLES})")
        return [] if self.sampler is None else [sample.to_json() for sample in self.sampler.newest(limit)]

    def get_epoch_schedule(self, params: Any) -> dict[str, Any]:
        p.NoParams.parse(params)
        schedule = self.chain.svm.get_epoch_schedule()
        return {
            "slotsPerEpoch": schedule.slots_per_epoch,
            "leaderScheduleSlotOffset": schedule.leader_schedule_slot_offset,
            "warmup": schedule.warmup,
            "firstNormalEpoch": schedule.first_normal_epoch,
            "firstNormalSlot": schedule.first_normal_slot,
        }

    def get_leader_schedule(self, params: Any) -> dict[str, list[int]] | None:
        parsed = p.LeaderScheduleParams.parse(params)
        slot = parsed.slot if isinstance(parsed.slot, int) else self.chain.slot
        config = parsed.slot if isinstance(parsed.slot, p.LeaderScheduleConfig) else parsed.config
        schedule = self.chain.svm.get_epoch_schedule()
        epoch = schedule.get_epoch(slot)
        # Like Agave: known for the current epoch and the next (leader_schedule_epoch).
        if epoch > schedule.get_leader_schedule_epoch(self.chain.slot):
            return None
        identity = self.identity.pubkey()
        if config is not None and config.identity is not None and config.identity != identity:
            return {}
        # One validator leads every slot of the epoch.
        return {str(identity): list(range(schedule.get_slots_in_epoch(epoch)))}

    def get_slot_leader(self, params: Any) -> str:
        p.CommitmentOnly.parse(params)
        return str(self.identity.pubkey())

    def get_identity(self, params: Any) -> dict[str, str]:
        p.NoParams.parse(params)
        return {"identity": str(self.identity.pubkey())}

    def get_cluster_nodes(self, params: Any) -> list[dict[str, Any]]:
        p.NoParams.parse(params)
        addresses = self.addresses
        node: dict[str, Any] = {
            "pubkey": str(self.identity.pubkey()),
            # No gossip, TPU or shreds here: transactions arrive over RPC only.
            "gossip": None,
            "tpu": None,
            "tpuQuic": None,
            "tpuForwards": None,
            "tpuForwardsQuic": None,
            "tpuVote": None,
            "serveRepair": None,
            "tvu": None,
            "rpc": None if addresses is None else f"{addresses.host}:{addresses.rpc_port}",
            "pubsub": None if addresses is None else f"{addresses.host}:{addresses.pubsub_port}",
            "version": agave_version(),
            "featureSet": FEATURE_SET,
            "shredVersion": SHRED_VERSION,
        }
        return [node]

    def get_transaction_count(self, params: Any) -> int:
        p.CommitmentOnly.parse(params)
        return self.chain.transaction_count


def _require_confirmed(commitment: str | None) -> None:
    if commitment in p.BELOW_CONFIRMED:
        raise RpcError(INVALID_PARAMS, "Method does not support commitment below `confirmed`")


def _compute_unit_price(record: TransactionRecord) -> int:
    """The micro-lamports per CU a transaction offered (ComputeBudget SetComputeUnitPrice), 0 if none."""
    message = record.transaction.message
    keys = message.account_keys
    for instruction in message.instructions:
        data = bytes(instruction.data)
        if keys[instruction.program_id_index] == COMPUTE_BUDGET_PROGRAM_ID and len(data) == 9 and data[0] == SET_COMPUTE_UNIT_PRICE:
            return int.from_bytes(data[1:9], "little")
    return 0


def _accounts_only(record: TransactionRecord, max_version: int | None) -> dict[str, Any]:
    """transactionDetails "accounts": signatures, account keys with roles, and the meta's balances."""
    full = versioned_transaction_json(record, "json", max_version)
    writable = set(record.writable_keys())
    signers = record.transaction.message.header.num_required_signatures
    account_keys = [
        {
            "pubkey": str(key),
            "writable": key in writable,
            "signer": index < signers,
            "source": "transaction" if index < len(record.transaction.message.account_keys) else "lookupTable",
        }
        for index, key in enumerate(record.account_keys)
    ]
    meta = full["meta"]
    value: dict[str, Any] = {
        "transaction": {"signatures": full["transaction"]["signatures"], "accountKeys": account_keys},
        "meta": {key: meta[key] for key in ("err", "status", "fee", "preBalances", "postBalances", "preTokenBalances", "postTokenBalances")},
    }
    if "version" in full:
        value["version"] = full["version"]
    return value
