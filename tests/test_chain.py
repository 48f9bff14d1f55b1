"""The in-process chain used by tests and the localnet (no server involved)."""

from __future__ import annotations

import struct
from pathlib import Path

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

from keeper import chain as chain_module
from keeper.chain import MAX_PROCESSING_AGE, Chain, TransactionRejected, workspace_programs
from keeper.constants import ProgramIds
from keeper.localnet.clock import ScaledClock


def test_workspace_programs_come_from_anchor_toml(repo_root: Path) -> None:
    specs = {spec.name: spec for spec in workspace_programs(repo_root)}
    assert specs["escrow"].program_id == ProgramIds.ESCROW
    assert specs["rewards"].so_path == repo_root / "target" / "deploy" / "rewards.so"
    assert set(specs) == {"escrow", "staking", "rewards", "provenance"}


def test_missing_program_so_is_skipped_or_required(tmp_path: Path) -> None:
    (tmp_path / "Anchor.toml").write_text('[programs.localnet]\nstaking = "2HGoJbbsdN93VNGUFhGjmKSs5ArWpmedAGsuh73M19TL"\n')
    assert Chain().load_workspace_programs(tmp_path) == []
    with pytest.raises(FileNotFoundError, match="program staking is not built"):
        Chain().load_workspace_programs(tmp_path, require_all=True)


def test_a_corrupt_program_file_is_refused(tmp_path: Path) -> None:
    so_path = tmp_path / "target" / "deploy" / "staking.so"
    so_path.parent.mkdir(parents=True)
    so_path.write_bytes(b"not an ELF file")
    (tmp_path / "Anchor.toml").write_text('[programs.localnet]\nstaking = "2HGoJbbsdN93VNGUFhGjmKSs5ArWpmedAGsuh73M19TL"\n')
    with pytest.raises(ValueError, match="not an SBF program"):
        Chain().load_workspace_programs(tmp_path)
    so_path.write_bytes(b"\x7fELF" + bytes(60))
    with pytest.raises(ValueError, match="LiteSVM could not load"):
        Chain().load_workspace_programs(tmp_path)


def test_clock_control_and_epochs() -> None:
    chain = Chain(start_unix_timestamp=1_000)
    assert (chain.slot, chain.unix_timestamp) == (0, 1_000)
    chain.set_time(slot=100, unix_timestamp=1_040)
    assert (chain.slot, chain.unix_timestamp, chain.block_height) == (100, 1_040, 1)
    chain.warp(3_600)
    assert chain.unix_timestamp == 4_640 and chain.slot == 100 + 9_000
    assert chain.clock.epoch > 0
    with pytest.raises(ValueError, match="backwards"):
        chain.set_time(slot=5)


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
    chain.airdrop(payer.pubkey(), 1_000_000)
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
    clock = ScaledClock(start_unix_timestamp=50, scale=10, monotonic=lambda: wall[0])
    chain = Chain(start_unix_timestamp=50)
    wall[0] += 4.0
    clock.apply(chain)
    assert (chain.unix_timestamp, chain.slot, chain.block_height) == (90, 100, 10)
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
