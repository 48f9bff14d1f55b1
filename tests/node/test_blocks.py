"""Blocks and the chain's observers (what getBlock and PubSub are built on), in process."""

from __future__ import annotations

from dataclasses import dataclass, field

from solders.account import Account
from solders.hash import Hash
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import TransferParams, transfer

from keeper.localnet.node.blocks import BlockLedger
from keeper.localnet.node.chain import Chain
from keeper.localnet.node.records import TransactionRecord


def test_ledger_opens_blocks_files_transactions_and_finds_them() -> None:
    ledger = BlockLedger()
    first_hash, second_hash = Hash.new_unique(), Hash.new_unique()
    assert ledger.open(10, 0, 1_000, first_hash) is None
    ledger.add(Signature.new_unique(), 1_001)
    ledger.add(Signature.new_unique(), 1_002)
    closed = ledger.open(15, 1, 1_005, second_hash)  # slots 11-14 skipped
    assert closed is not None and closed.slot == 10 and closed.blockhash == second_hash
    assert closed.block_time == 1_001  # the first transaction's time
    assert ledger.current.parent_slot == 10 and ledger.current.previous_blockhash == second_hash
    assert ledger.get(12) is None and ledger.get(15) is ledger.current
    assert ledger.slots(0, 100, 10) == [10, 15] and ledger.slots(11, 14, 10) == [] and ledger.slots(0, 100, 1) == [10]
    assert [block.slot for block in ledger.newest(5)] == [10, 15]
    copy = ledger.copy()
    copy.add(Signature.new_unique(), 1_006)
    assert len(copy.current.signatures) == 1 and ledger.current.signatures == []


@dataclass
class Recorder:
    """A ChainObserver that keeps what it heard, and what the chain already knew at the time."""

    chain: Chain
    events: list[tuple] = field(default_factory=list)

    def transaction_committed(self, record: TransactionRecord) -> None:
        # Called after the commit: history and the account state already show the transaction.
        self.events.append(("tx", record.result.signature, self.chain.transaction(record.result.signature) is record))

    def slot_advanced(self, slot: int, parent: int, root: int) -> None:
        self.events.append(("slot", slot, parent, root))

    def account_set(self, address: Pubkey) -> None:
        self.events.append(("account", address))


def test_observers_hear_commits_slots_and_forged_accounts_in_order() -> None:
    chain = Chain()
    recorder = Recorder(chain)
    chain.observers.append(recorder)
    payer = Keypair()
    airdrop = chain.airdrop(payer.pubkey(), 10**9)
    start = chain.slot
    chain.warp(2)
    record = chain.send_instructions([transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Pubkey.new_unique(), lamports=10**6))], payer)
    forged = Pubkey.new_unique()
    chain.set_account(forged, Account(10**9, b"", SYSTEM_PROGRAM_ID))
    assert recorder.events == [
        ("tx", airdrop.result.signature, True),
        ("slot", chain.slot, start, start),
        ("tx", record.result.signature, True),
        ("account", forged),
    ]
    # The transaction sits in the block of its slot, which links back to the one before.
    block = chain.blocks.get(record.slot)
    assert block is not None and block.signatures == [record.result.signature] and block.parent_slot == start
    assert block.block_time == record.block_time
    assert record.writable_keys() == record.account_keys[:2]  # payer and recipient, not the system program


def test_revert_brings_the_blocks_back() -> None:
    chain = Chain()
    payer = Keypair()
    chain.airdrop(payer.pubkey(), 10**9)
    snapshot = chain.snapshot()
    slots_before = chain.blocks.slots(0, 2**63, 1_000)
    chain.warp(10)
    chain.airdrop(payer.pubkey(), 10**9)
    assert chain.blocks.slots(0, 2**63, 1_000) != slots_before
    chain.revert(snapshot)
    assert chain.blocks.slots(0, 2**63, 1_000) == slots_before
    assert len(chain.blocks.current.signatures) == len(snapshot.blocks.current.signatures)
