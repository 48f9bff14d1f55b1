"""The localnet's chain: LiteSVM (Agave 4.x, p-token) plus what a validator adds around it.

Runs in the chain environment (`.venv-chain`, solders 0.29), inside the localnet node
process; everything else reaches it through JSON-RPC.

LiteSVM executes transactions exactly like a validator's runtime but has no blocks, no
RPC, no account index and one blockhash at a time. `Chain` adds what the keeper and the
localnet need on top of it:

* the workspace programs loaded at their Anchor.toml addresses;
* an explicit clock (slot + unix timestamp) that callers move forward;
* a window of recent blockhashes (one per slot, 150 kept, like a validator) so repeated
  identical instructions in later slots get distinct signatures, and stale ones fail;
* a history of every processed transaction with the metadata getTransaction needs, and
  per account key the signatures of the kept transactions that named it, in execution
  order, so getSignaturesForAddress pages through one address without scanning history;
* an index of every account key it has seen, and of the live ones by owner, kept exact by
  re-reading every key a committed transaction names (and every `set_account`), so
  getProgramAccounts reads only the owner's accounts instead of scanning them all;
* a faucet keypair, so airdrops are ordinary system transfers that show up in history;
* snapshots of the whole state that a later `revert` returns to (a development chain's
  `evm_snapshot` / `evm_revert`), so a test suite deploys once and starts every test fresh.
"""

from __future__ import annotations

import logging
import time
from bisect import bisect_left, bisect_right
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Final, Protocol

from solders.account import Account
from solders.address_lookup_table_account import AddressLookupTable
from solders.clock import Clock
from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction, VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata, SimulatedTransactionInfo, TransactionMetadata
from solders.transaction_status import TransactionErrorFieldless, TransactionErrorType

from keeper.localnet.node.blocks import BlockLedger
from keeper.localnet.node.records import ExecutionResult, TransactionFailed, TransactionRecord, TransactionRejected

log = logging.getLogger(__name__)

# A validator accepts a blockhash for 150 blocks after it was produced.
MAX_PROCESSING_AGE: Final = 150
# Several blockhashes can be issued per block (see Chain.expire_blockhash); keep plenty.
RECENT_BLOCKHASHES_KEPT: Final = 4_096
LAMPORTS_PER_SIGNATURE: Final = 5_000
LAMPORTS_PER_SOL: Final = 1_000_000_000
# Enough for any localnet session; set directly on the faucet account at start.
FAUCET_LAMPORTS: Final = 500_000_000 * LAMPORTS_PER_SOL
# Transactions kept for getTransaction / getSignatureStatuses / getSignaturesForAddress
# (oldest dropped first).
HISTORY_CAPACITY: Final = 200_000

AnyTransaction = Transaction | VersionedTransaction


class AirdropFailed(TransactionFailed):
    """The faucet's transfer failed (e.g. it would leave the recipient below rent exemption)."""


@dataclass(slots=True)
class _AddressLog:
    """One address's kept signatures, oldest first; the first `start` were evicted from history.

    Evicted entries are only skipped (dropping the front of a list is O(n)); the list is
    compacted once they make up half of it, so it stays within twice what history holds.
    """

    signatures: list[Signature] = field(default_factory=list)
    start: int = 0

    def drop_oldest(self) -> None:
        self.start += 1
        if self.start * 2 >= len(self.signatures):
            del self.signatures[: self.start]
            self.start = 0


@dataclass(frozen=True)
class ChainSnapshot:
    """The state `Chain.snapshot` took: accounts, clock, blocks, history."""

    accounts: dict[Pubkey, Account]
    clock: Clock
    block_height: int
    recent_blockhashes: tuple[tuple[Hash, int], ...]
    history: OrderedDict[Signature, TransactionRecord]
    positions: dict[Signature, int]
    next_position: int
    signatures_by_address: dict[Pubkey, _AddressLog]
    transaction_count: int
    blocks: BlockLedger


class ChainObserver(Protocol):
    """Told of every change clients can subscribe to, right after it is committed."""

    def transaction_committed(self, record: TransactionRecord) -> None: ...

    def slot_advanced(self, slot: int, parent: int, root: int) -> None: ...

    def account_set(self, address: Pubkey) -> None: ...


class Chain:
    """One LiteSVM instance plus the bookkeeping a validator would have. Not thread-safe."""

    def __init__(self, faucet: Keypair | None = None, *, start_unix_timestamp: int | None = None) -> None:
        self.svm = _new_svm()
        self.faucet = faucet or Keypair()
        self._known_accounts: set[Pubkey] = set()
        # Live known accounts by owner (and each one's owner). Accounts only change through
        # committed transactions (which name every account they may write) and set_account;
        # both re-read the accounts they touch, so the index is exact.
        self._owner_of: dict[Pubkey, Pubkey] = {}
        self._owned_by: dict[Pubkey, set[Pubkey]] = {}
        self._history: OrderedDict[Signature, TransactionRecord] = OrderedDict()
        # Execution order of each kept transaction (a counter that never repeats), to place
        # `before` / `until` signatures, which need not name the address being listed.
        self._positions: dict[Signature, int] = {}
        self._next_position = 0
        self._signatures_by_address: dict[Pubkey, _AddressLog] = {}
        # (blockhash, block height it was issued at); bounded, expired ones fall out.
        self._recent_blockhashes: deque[tuple[Hash, int]] = deque(maxlen=RECENT_BLOCKHASHES_KEPT)
        self._block_height = 0
        self.genesis_hash = self.svm.latest_blockhash()
        self._recent_blockhashes.append((self.genesis_hash, 0))
        self.transaction_count = 0
        # The runtime's first slot is where its clock starts (it cannot be set lower).
        self.genesis_slot = self.slot
        self.blocks = BlockLedger()
        self.blocks.open(self.slot, 0, self.unix_timestamp, self.genesis_hash)
        # PubSub (and anything else) hears of commits and new slots through these.
        self.observers: list[ChainObserver] = []
        if start_unix_timestamp is not None:
            self.set_time(unix_timestamp=start_unix_timestamp)
        self.set_account(self.faucet.pubkey(), Account(FAUCET_LAMPORTS, b"", SYSTEM_PROGRAM_ID))

    # --- snapshots ------------------------------------------------------------------------

    def snapshot(self) -> ChainSnapshot:
        """Everything a later `revert` needs to put the chain back as it is now."""
        accounts = dict(self.known_accounts())
        return ChainSnapshot(
            accounts=accounts,
            clock=self.clock,
            block_height=self._block_height,
            recent_blockhashes=tuple(self._recent_blockhashes),
            history=OrderedDict(self._history),
            positions=dict(self._positions),
            next_position=self._next_position,
            signatures_by_address={key: _AddressLog(list(log.signatures), log.start) for key, log in self._signatures_by_address.items()},
            transaction_count=self.transaction_count,
            blocks=self.blocks.copy(),
        )

    def revert(self, snapshot: ChainSnapshot) -> None:
        """Back to `snapshot`: a new runtime holding exactly the snapshot's accounts.

        A new runtime rather than rewritten accounts, so that nothing a later transaction
        left behind (a program it deployed or upgraded, cached executables) survives.
        """
        self.svm = _new_svm()
        self._known_accounts = set()
        self._owner_of = {}
        self._owned_by = {}
        # Program accounts point at their ProgramData: write the data first. Accounts the new
        # runtime already holds as they were (sysvars aside: the clock is set below; the
        # preloaded programs) are only indexed.
        for address, account in sorted(snapshot.accounts.items(), key=lambda item: item[1].executable):
            if self.svm.get_account(address) == account:
                self._known_accounts.add(address)
                self._index(address, account)
            else:
                self.set_account(address, account)
        self._history = OrderedDict(snapshot.history)
        self._positions = dict(snapshot.positions)
        self._next_position = snapshot.next_position
        self._signatures_by_address = {key: _AddressLog(list(log.signatures), log.start) for key, log in snapshot.signatures_by_address.items()}
        self.transaction_count = snapshot.transaction_count
        self.blocks = snapshot.blocks.copy()
        self._recent_blockhashes = deque(snapshot.recent_blockhashes, maxlen=RECENT_BLOCKHASHES_KEPT)
        self._block_height = snapshot.block_height
        self.svm.set_clock(snapshot.clock)

    # --- clock, blocks and blockhashes ---------------------------------------------------
    #
    # Slots and blocks are counted separately, as on a real cluster where slots can be
    # skipped: the slot follows the (possibly accelerated) clock, while blocks, and with
    # them blockhash expiry, can be paced by wall time. That keeps a blockhash usable for
    # 150 blocks (~60 s) even when the localnet runs its clock 3600x faster.

    @property
    def clock(self) -> Clock:
        return self.svm.get_clock()

    @property
    def slot(self) -> int:
        return self.clock.slot

    @property
    def unix_timestamp(self) -> int:
        return self.clock.unix_timestamp

    @property
    def block_height(self) -> int:
        return self._block_height

    def set_time(self, *, slot: int | None = None, unix_timestamp: int | None = None, produce_block: bool = True) -> None:
        """Moves the Clock sysvar; by default a new slot also produces a block (new blockhash)."""
        current = self.svm.get_clock()
        new_slot = current.slot if slot is None else slot
        new_time = current.unix_timestamp if unix_timestamp is None else unix_timestamp
        if new_slot < current.slot:
            raise ValueError(f"slot cannot move backwards ({current.slot} -> {new_slot})")
        if new_slot == current.slot and new_time == current.unix_timestamp:
            return  # nothing moves (LiteSVM's set_clock costs time proportional to its accounts)
        schedule = self.svm.get_epoch_schedule()
        epoch = schedule.get_epoch(new_slot)
        epoch_start = current.epoch_start_timestamp if epoch == current.epoch else new_time
        self.svm.set_clock(Clock(new_slot, epoch_start, epoch, schedule.get_leader_schedule_epoch(new_slot), new_time))
        if produce_block and new_slot > current.slot:
            self.produce_blocks(1)
        if new_slot == current.slot and not self.blocks.current.signatures:
            self.blocks.current.block_time = new_time  # an empty block takes the latest time of its slot
        if new_slot > current.slot:
            closed = self.blocks.open(new_slot, self._block_height, new_time, self.latest_blockhash)
            parent = current.slot if closed is None else closed.slot
            for observer in self.observers:
                # Nothing is rolled back here: the block before the new slot is already rooted.
                observer.slot_advanced(new_slot, parent, parent)

    def warp(self, seconds: int, *, slots_per_second: float = 2.5) -> None:
        """Advances the clock by `seconds` (and the slot at 400 ms a slot)."""
        self.set_time(slot=self.slot + max(1, int(seconds * slots_per_second)), unix_timestamp=self.unix_timestamp + seconds)

    def produce_blocks(self, count: int) -> None:
        """Advances the block height by `count`; the newest block brings a new blockhash."""
        if count <= 0:
            return
        self._block_height += count
        self.expire_blockhash()

    def expire_blockhash(self) -> Hash:
        """A fresh blockhash at the current height (older ones stay valid for their age).

        The chain issues its own (each the hash of the one before): LiteSVM's would start over
        in the runtime a `revert` makes, and repeat hashes the kept history already used.
        """
        blockhash = Hash.hash(bytes(self.latest_blockhash))
        self._recent_blockhashes.append((blockhash, self._block_height))
        return blockhash

    @property
    def latest_blockhash(self) -> Hash:
        return self._recent_blockhashes[-1][0]

    def last_valid_block_height(self, blockhash: Hash) -> int | None:
        for known, issued_at in reversed(self._recent_blockhashes):
            if known == blockhash:
                return issued_at + MAX_PROCESSING_AGE
        return None

    def is_blockhash_valid(self, blockhash: Hash) -> bool:
        last_valid = self.last_valid_block_height(blockhash)
        return last_valid is not None and self._block_height <= last_valid

    # --- accounts -------------------------------------------------------------------------

    def get_account(self, address: Pubkey) -> Account | None:
        account = self.svm.get_account(address)
        # A closed account lingers with 0 lamports; RPC reports it as absent.
        if account is None or (account.lamports == 0 and not account.data):
            return None
        return account

    def set_account(self, address: Pubkey, account: Account) -> None:
        self.svm.set_account(address, account)
        self._known_accounts.add(address)
        self._index(address, self.get_account(address))
        for observer in self.observers:
            observer.account_set(address)

    def _index(self, address: Pubkey, account: Account | None) -> None:
        """Records `account` (as just read from LiteSVM; None = absent) in the owner index."""
        owner = None if account is None else account.owner
        previous = self._owner_of.get(address)
        if previous == owner:
            return
        if previous is not None:
            owned = self._owned_by[previous]
            owned.discard(address)
            if not owned:
                del self._owned_by[previous]
        if owner is None:
            del self._owner_of[address]
        else:
            self._owner_of[address] = owner
            self._owned_by.setdefault(owner, set()).add(address)

    def balance(self, address: Pubkey) -> int:
        account = self.get_account(address)
        return 0 if account is None else account.lamports

    def known_accounts(self) -> Iterator[tuple[Pubkey, Account]]:
        """Every live account the chain has seen (sorted by address for stable output)."""
        for address in sorted(self._known_accounts, key=bytes):
            account = self.get_account(address)
            if account is not None:
                yield address, account

    def accounts_owned_by(self, owner: Pubkey) -> Iterator[tuple[Pubkey, Account]]:
        """Live known accounts owned by `owner`, sorted by address (from the owner index)."""
        for address in sorted(self._owned_by.get(owner, ()), key=bytes):
            account = self.get_account(address)
            if account is not None and account.owner == owner:
                yield address, account

    def rent_exempt_minimum(self, data_len: int) -> int:
        return self.svm.minimum_balance_for_rent_exemption(data_len)

    # --- transactions ---------------------------------------------------------------------

    def account_keys(self, transaction: AnyTransaction) -> list[Pubkey]:
        """Static keys plus addresses loaded from lookup tables (writable first, like the runtime)."""
        message = transaction.message
        keys = list(message.account_keys)
        if isinstance(message, MessageV0):
            writable: list[Pubkey] = []
            readonly: list[Pubkey] = []
            for lookup in message.address_table_lookups:
                table_account = self.get_account(lookup.account_key)
                if table_account is None:
                    continue  # the runtime reports the missing table; nothing to index
                addresses = AddressLookupTable.deserialize(table_account.data).addresses
                writable.extend(addresses[i] for i in lookup.writable_indexes if i < len(addresses))
                readonly.extend(addresses[i] for i in lookup.readonly_indexes if i < len(addresses))
            keys.extend(writable + readonly)
        return keys

    def _check_before_execution(self, transaction: VersionedTransaction, *, check_blockhash: bool) -> None:
        signature = transaction.signatures[0]
        if signature in self._history:
            raise TransactionRejected(TransactionErrorFieldless.AlreadyProcessed, "This transaction has already been processed")
        if check_blockhash and not self.is_blockhash_valid(transaction.message.recent_blockhash):
            raise TransactionRejected(TransactionErrorFieldless.BlockhashNotFound, "Blockhash not found")

    def simulate(self, transaction: AnyTransaction, *, sig_verify: bool = False, check_blockhash: bool = True) -> ExecutionResult:
        """Runs without committing anything. Unsigned transactions simulate when sig_verify is off."""
        versioned = _as_versioned(transaction)
        self._check_before_execution(versioned, check_blockhash=check_blockhash)
        self.svm.with_sigverify(sig_verify)
        try:
            outcome = self.svm.simulate_transaction(versioned)
        finally:
            self.svm.with_sigverify(True)
        if isinstance(outcome, SimulatedTransactionInfo):
            return _result(outcome.meta(), None, dict(outcome.post_accounts()))
        return _result(outcome.meta(), outcome.err(), {})

    def send(self, transaction: AnyTransaction) -> TransactionRecord:
        """Executes and commits (fees are charged even when the transaction fails, like a validator).

        Raises TransactionRejected when the transaction is not even executed.
        """
        versioned = _as_versioned(transaction)
        self._check_before_execution(versioned, check_blockhash=True)
        keys = self.account_keys(versioned)
        pre_balances = [self.balance(key) for key in keys]
        outcome = self.svm.send_transaction(versioned)
        if isinstance(outcome, FailedTransactionMetadata):
            err = outcome.err()
            if err in _NOT_EXECUTED:
                raise TransactionRejected(err, f"transaction rejected before execution: {err}")
            result = _result(outcome.meta(), err, {})
        else:
            result = _result(outcome, None, {})
        self._known_accounts.update(keys)
        post_balances = []
        for key in keys:
            # Every account the transaction could have written (and created or closed).
            account = self.get_account(key)
            self._index(key, account)
            post_balances.append(0 if account is None else account.lamports)
        record = TransactionRecord(
            transaction=versioned,
            result=result,
            slot=self.slot,
            block_time=self.unix_timestamp,
            fee=LAMPORTS_PER_SIGNATURE * versioned.message.header.num_required_signatures,
            account_keys=keys,
            pre_balances=pre_balances,
            post_balances=post_balances,
            landed_at=time.time(),
        )
        self._remember(record)
        for observer in self.observers:
            observer.transaction_committed(record)
        return record

    def _remember(self, record: TransactionRecord) -> None:
        signature = record.result.signature
        self._history[signature] = record
        self._positions[signature] = self._next_position
        self._next_position += 1
        # Like a validator, every key the message names or loads from a lookup table, whether
        # or not the transaction succeeded. dict.fromkeys: one entry per key, in order.
        for key in dict.fromkeys(record.account_keys):
            self._signatures_by_address.setdefault(key, _AddressLog()).signatures.append(signature)
        self.transaction_count += 1
        self.blocks.add(signature, record.block_time)
        while len(self._history) > HISTORY_CAPACITY:
            self._forget(*self._history.popitem(last=False))

    def _forget(self, signature: Signature, record: TransactionRecord) -> None:
        """Drops an evicted transaction from the address index (it is the oldest in each of its logs)."""
        del self._positions[signature]
        for key in dict.fromkeys(record.account_keys):
            log = self._signatures_by_address[key]
            assert log.signatures[log.start] == signature  # eviction is oldest-first, like appending
            log.drop_oldest()
            if not log.signatures:
                del self._signatures_by_address[key]

    def transaction(self, signature: Signature) -> TransactionRecord | None:
        return self._history.get(signature)

    def signatures_for_address(
        self, address: Pubkey, limit: int, *, before: Signature | None = None, until: Signature | None = None
    ) -> list[TransactionRecord]:
        """Up to `limit` kept transactions naming `address`, newest first (getSignaturesForAddress).

        Only those executed after `until` and before `before` (both exclusive, and neither
        has to name `address`). As in Agave's ledger, an unknown `before` finds nothing
        (there is no place to start from) while an unknown `until` is ignored. Costs
        O(log n + limit), n being the address's kept transactions.
        """
        if limit <= 0:
            return []
        log = self._signatures_by_address.get(address)
        if log is None:
            return []
        position_of = self._positions.__getitem__
        end = len(log.signatures)
        if before is not None:
            before_position = self._positions.get(before)
            if before_position is None:
                return []
            end = bisect_left(log.signatures, before_position, lo=log.start, key=position_of)
        begin = log.start
        until_position = None if until is None else self._positions.get(until)
        if until_position is not None:
            begin = bisect_right(log.signatures, until_position, lo=log.start, hi=end, key=position_of)
        newest = log.signatures[max(begin, end - limit) : end]
        return [self._history[signature] for signature in reversed(newest)]

    def airdrop(self, recipient: Pubkey, lamports: int) -> TransactionRecord:
        """A system transfer from the faucet: recorded in history like any other transaction."""
        if lamports <= 0:
            raise ValueError("airdrop amount must be positive")
        instruction = transfer(TransferParams(from_pubkey=self.faucet.pubkey(), to_pubkey=recipient, lamports=lamports))
        # A fresh blockhash each time, so equal airdrops in one slot get distinct signatures.
        blockhash = self.expire_blockhash()
        transaction = Transaction([self.faucet], Message([instruction], self.faucet.pubkey()), blockhash)
        record = self.send(transaction)
        if not record.result.succeeded:
            raise AirdropFailed(record)
        return record

    def send_instructions(self, instructions: Iterable[Instruction], payer: Keypair, *extra_signers: Keypair) -> TransactionRecord:
        """Convenience for tests and bootstrap steps: sign and send instructions with a fresh blockhash."""
        message = Message(list(instructions), payer.pubkey())
        signers = [payer, *extra_signers]
        return self.send(Transaction(signers, message, self.expire_blockhash()))


def _new_svm() -> LiteSVM:
    # Blockhash age is checked by Chain (against a window of recent ones), not by LiteSVM,
    # which only accepts its single latest blockhash; Chain also refuses repeated signatures.
    return LiteSVM().with_blockhash_check(False).with_transaction_history(0)


# Errors for which the runtime did not execute (and did not charge) the transaction.
_NOT_EXECUTED: Final = (
    TransactionErrorFieldless.SignatureFailure,
    TransactionErrorFieldless.AlreadyProcessed,
    TransactionErrorFieldless.BlockhashNotFound,
    TransactionErrorFieldless.AccountNotFound,
    TransactionErrorFieldless.InsufficientFundsForFee,
    TransactionErrorFieldless.SanitizeFailure,
)


def _as_versioned(transaction: AnyTransaction) -> VersionedTransaction:
    if isinstance(transaction, VersionedTransaction):
        return transaction
    return VersionedTransaction.from_legacy(transaction)


def _result(meta: TransactionMetadata, err: TransactionErrorType | None, post_accounts: dict[Pubkey, Account]) -> ExecutionResult:
    return_data = meta.return_data()
    return ExecutionResult(
        signature=meta.signature(),
        err=err,
        logs=list(meta.logs()),
        compute_units_consumed=meta.compute_units_consumed(),
        return_data=bytes(return_data.data),
        return_program=return_data.program_id if return_data.data else None,
        inner_instructions=[list(inner) for inner in meta.inner_instructions()],
        post_accounts=post_accounts,
    )
