"""The localnet node's chain (LiteSVM on the current Agave runtime), in process, no server.

Runs in the chain environment: `.venv-chain/bin/pytest tests/node`.
"""

from __future__ import annotations

import struct

import pytest
from solders.account import Account
from solders.address_lookup_table_account import ID as LOOKUP_TABLE_PROGRAM_ID
from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction, VersionedTransaction
from solders.transaction_status import TransactionErrorFieldless

from keeper.localnet.node import chain as chain_module
from keeper.localnet.node.chain import MAX_PROCESSING_AGE, Chain
from keeper.localnet.node.clock import ScaledClock
from keeper.localnet.node.records import TransactionRejected
from keeper.localnet.node.runtime import agave_version


def test_the_runtime_is_agave_4_with_p_token() -> None:
    """The embedded runtime is the one clusters run: Agave 4.x, p-token as the Token program
    (a transfer costs ~76 units there against ~4,600 in the old SPL Token), and the system
    program knows CreateAccountAllowPrefund."""
    major = int(agave_version().split(".")[0])
    assert major >= 4, agave_version()
    chain = Chain()
    payer = Keypair()
    chain.airdrop(payer.pubkey(), 10**9)
    # CreateAccountAllowPrefund (system instruction 13; accounts: the new account, then the
    # funder) on a pre-funded address: accepted.
    target = Keypair()
    chain.airdrop(target.pubkey(), chain.rent_exempt_minimum(0))
    space, owner = 8, Pubkey.new_unique()
    data = struct.pack("<IQQ", 13, chain.rent_exempt_minimum(space), space) + bytes(owner)
    from solders.instruction import AccountMeta, Instruction

    prefund = Instruction(
        SYSTEM_PROGRAM_ID,
        data,
        [AccountMeta(target.pubkey(), True, True), AccountMeta(payer.pubkey(), True, True)],
    )
    record = chain.send_instructions([prefund], payer, target)
    assert record.result.succeeded, record.result.logs
    created = chain.get_account(target.pubkey())
    assert created is not None and created.owner == owner and len(created.data) == space
    # p-token: an SPL Token transfer costs well under the old program's ~4,600 units.
    from solders.system_program import CreateAccountParams, create_account

    mint, source, destination = Keypair(), Keypair(), Keypair()
    token = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
    setup = [
        create_account(CreateAccountParams(from_pubkey=payer.pubkey(), to_pubkey=k.pubkey(), lamports=chain.rent_exempt_minimum(n), space=n, owner=token))
        for k, n in ((mint, 82), (source, 165), (destination, 165))
    ]
    initialize_mint = Instruction(token, bytes([20, 0]) + bytes(payer.pubkey()) + bytes([0]), [AccountMeta(mint.pubkey(), False, True)])
    initialize = [
        Instruction(token, bytes([18]) + bytes(payer.pubkey()), [AccountMeta(k.pubkey(), False, True), AccountMeta(mint.pubkey(), False, False)])
        for k in (source, destination)
    ]
    mint_to = Instruction(
        token,
        bytes([7]) + struct.pack("<Q", 1_000),
        [AccountMeta(mint.pubkey(), False, True), AccountMeta(source.pubkey(), False, True), AccountMeta(payer.pubkey(), True, False)],
    )
    chain.send_instructions([*setup, initialize_mint, *initialize, mint_to], payer, mint, source, destination).raise_for_error()
    transfer_tokens = Instruction(
        token,
        bytes([3]) + struct.pack("<Q", 400),
        [AccountMeta(source.pubkey(), False, True), AccountMeta(destination.pubkey(), False, True), AccountMeta(payer.pubkey(), True, False)],
    )
    record = chain.send_instructions([transfer_tokens], payer).raise_for_error()
    assert record.result.compute_units_consumed < 500, record.result.logs


def test_snapshot_and_revert_restore_accounts_clock_and_history() -> None:
    chain = Chain(start_unix_timestamp=1_000)
    before = Pubkey.new_unique()
    kept = chain.airdrop(before, 10**9)
    snapshot = chain.snapshot()
    after = Pubkey.new_unique()
    dropped = chain.airdrop(after, 10**9)
    chain.warp(600)
    chain.revert(snapshot)
    assert chain.balance(before) == 10**9 and chain.get_account(after) is None
    assert chain.unix_timestamp == 1_000
    assert chain.transaction(kept.result.signature) is not None
    assert chain.transaction(dropped.result.signature) is None
    assert [key for key, _ in chain.accounts_owned_by(SYSTEM_PROGRAM_ID) if key == after] == []
    # The same snapshot serves again.
    chain.airdrop(after, 10**9)
    chain.revert(snapshot)
    assert chain.get_account(after) is None


def test_clock_control_and_epochs() -> None:
    chain = Chain(start_unix_timestamp=1_000)
    genesis = chain.genesis_slot
    assert (chain.slot, chain.unix_timestamp) == (genesis, 1_000)
    chain.set_time(slot=genesis + 100, unix_timestamp=1_040)
    assert (chain.slot, chain.unix_timestamp, chain.block_height) == (genesis + 100, 1_040, 1)
    chain.warp(3_600)
    assert chain.unix_timestamp == 4_640 and chain.slot == genesis + 100 + 9_000
    assert chain.clock.epoch > 0
    with pytest.raises(ValueError, match="backwards"):
        chain.set_time(slot=genesis + 5)


def test_airdrop_is_a_recorded_transfer_and_accounts_are_indexed() -> None:
    chain = Chain()
    recipient = Pubkey.new_unique()
    record = chain.airdrop(recipient, 5_000_000)
    assert chain.balance(recipient) == 5_000_000
    assert chain.transaction(record.result.signature) is record
    assert recipient in dict(chain.accounts_owned_by(SYSTEM_PROGRAM_ID))
    with pytest.raises(ValueError, match="positive"):
        chain.airdrop(recipient, 0)


def test_set_account_is_indexed_and_closed_accounts_disappear() -> None:
    chain = Chain()
    owner, address = Pubkey.new_unique(), Pubkey.new_unique()
    chain.set_account(address, Account(1_000_000, b"\x01\x02", owner))
    assert [key for key, _ in chain.accounts_owned_by(owner)] == [address]
    chain.set_account(address, Account(0, b"", owner))
    assert chain.get_account(address) is None
    assert list(chain.accounts_owned_by(owner)) == []


def test_failed_transaction_is_recorded_with_error_logs_and_fee() -> None:
    chain = Chain()
    payer = Keypair()
    chain.airdrop(payer.pubkey(), 10_000_000)
    record = chain.send_instructions([transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Pubkey.new_unique(), lamports=10**9))], payer)
    assert not record.result.succeeded
    assert "insufficient lamports" in " ".join(record.result.logs)
    assert record.pre_balances[0] - record.post_balances[0] == record.fee == 5_000


def test_blockhashes_expire_after_150_blocks_and_duplicates_are_rejected() -> None:
    chain = Chain()
    payer = Keypair()
    chain.airdrop(payer.pubkey(), 10**9)
    old = chain.latest_blockhash
    instruction = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Pubkey.new_unique(), lamports=1_000_000))
    transaction = Transaction([payer], Message([instruction], payer.pubkey()), old)
    chain.send(transaction)
    with pytest.raises(TransactionRejected) as duplicate:
        chain.send(transaction)
    assert duplicate.value.err == TransactionErrorFieldless.AlreadyProcessed
    chain.produce_blocks(MAX_PROCESSING_AGE)
    assert chain.is_blockhash_valid(old)
    chain.produce_blocks(1)
    assert not chain.is_blockhash_valid(old)
    late = Transaction([payer], Message([instruction, instruction], payer.pubkey()), old)
    with pytest.raises(TransactionRejected) as expired:
        chain.send(late)
    assert expired.value.err == TransactionErrorFieldless.BlockhashNotFound
    assert not chain.is_blockhash_valid(Hash.new_unique())


def test_scaled_clock_drives_chain_time_and_wall_paced_blocks() -> None:
    wall = [100.0]
    chain = Chain(start_unix_timestamp=50)
    clock = ScaledClock(start_unix_timestamp=50, start_slot=chain.slot, scale=10, monotonic=lambda: wall[0])
    wall[0] += 4.0
    clock.apply(chain)
    assert (chain.unix_timestamp, chain.slot - chain.genesis_slot, chain.block_height) == (90, 100, 10)
    with pytest.raises(ValueError, match=">= 1"):
        ScaledClock(start_unix_timestamp=0, scale=0.5)


def test_signatures_for_address_include_keys_loaded_from_lookup_tables() -> None:
    chain = Chain()
    payer = Keypair()
    chain.airdrop(payer.pubkey(), 10**9)
    chain.warp(1)  # addresses become usable the slot after the table was extended
    table, loaded = Pubkey.new_unique(), Pubkey.new_unique()
    # LookupTableMeta: active (deactivation slot u64::MAX), extended at slot 0, no authority.
    meta = struct.pack("<IQQB", 1, 2**64 - 1, 0, 0) + bytes(35)
    chain.set_account(table, Account(10**7, meta + bytes(loaded), LOOKUP_TABLE_PROGRAM_ID))
    instruction = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=loaded, lamports=10**6))
    message = MessageV0.try_compile(payer.pubkey(), [instruction], [AddressLookupTableAccount(table, [loaded])], chain.expire_blockhash())
    assert loaded not in message.account_keys
    record = chain.send(VersionedTransaction(message, [payer])).raise_for_error()
    assert chain.signatures_for_address(loaded, 10) == [record]
    # Like Agave: the table itself is not one of the transaction's account keys.
    assert chain.signatures_for_address(table, 10) == []


def test_signatures_evicted_from_history_leave_the_address_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chain_module, "HISTORY_CAPACITY", 3)
    chain = Chain()
    recipients = [Pubkey.new_unique() for _ in range(6)]
    records = [chain.airdrop(recipient, 1_000_000) for recipient in recipients]
    faucet = chain.faucet.pubkey()
    kept = [record.result.signature for record in reversed(records[-3:])]
    assert [record.result.signature for record in chain.signatures_for_address(faucet, 10)] == kept
    assert chain.signatures_for_address(recipients[0], 10) == []
    assert chain.signatures_for_address(recipients[-1], 10) == [records[-1]]
    evicted = records[0].result.signature
    # As for any unknown signature: nothing precedes an evicted `before`, an evicted `until` is ignored.
    assert chain.signatures_for_address(faucet, 10, before=evicted) == []
    assert [record.result.signature for record in chain.signatures_for_address(faucet, 10, until=evicted)] == kept
    # The index holds no more than what history does (within the lazy compaction slack).
    index = chain._signatures_by_address
    assert recipients[0] not in index and recipients[2] not in index
    assert len(index[faucet].signatures) < 2 * 3 and len(index[SYSTEM_PROGRAM_ID].signatures) < 2 * 3


def test_signatures_for_address_pages_by_position_in_execution_order() -> None:
    chain = Chain()
    watched, other = Pubkey.new_unique(), Pubkey.new_unique()
    mine = []
    interleaved = []
    for _ in range(4):
        mine.append(chain.airdrop(watched, 1_000_000).result.signature)
        interleaved.append(chain.airdrop(other, 1_000_000).result.signature)

    def listed(limit: int = 10, **bounds: object) -> list:
        return [record.result.signature for record in chain.signatures_for_address(watched, limit, **bounds)]

    assert listed() == mine[::-1]
    assert listed(2) == [mine[3], mine[2]]
    assert listed(before=mine[2]) == [mine[1], mine[0]]
    assert listed(until=mine[1]) == [mine[3], mine[2]]
    assert listed(before=mine[3], until=mine[0]) == [mine[2], mine[1]]
    assert listed(before=mine[0], until=mine[3]) == []
    # `before` / `until` need not name the address: they mark a point in execution order.
    assert listed(before=interleaved[1]) == [mine[1], mine[0]]
    assert listed(until=interleaved[2]) == [mine[3]]
    assert listed(before=Keypair().sign_message(b"unknown")) == []
    assert listed(until=Keypair().sign_message(b"unknown")) == mine[::-1]
