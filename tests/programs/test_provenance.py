"""provenance on the real SBF program: config, batch recording in strict sequence, and receipt
proofs built by the keeper's own Merkle code (`keeper.client.merkle`) verified on-chain.

Every expected hash is computed in Python from `keeper.client.merkle` (sha256 with 0x00 leaf / 0x01
node prefixes); the ReceiptVerified event carries the leaf the program hashed, so each success
also proves Python and the program hash receipts identically.
"""

from __future__ import annotations

import hashlib
import struct
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID

from keeper.client.addresses import ProvenanceAddresses
from keeper.client.constants import ProgramIds, Seeds
from keeper.client.idl import ProgramIdl
from keeper.client.merkle import MAX_PROOF_LEN, MerkleTree, leaf_hash, node_hash, receipt_leaf
from keeper.client.merkle import verify as py_verify
from keeper.localnet.remote import TransactionRecord, TransactionRejected
from tests.programs.harness import START_TS, Harness, fresh_chain, upgrade_authority
from tests.programs.init_helpers import fails_in_use, prefund_minimum

SYSTEM_PROGRAM = Pubkey.from_string("11111111111111111111111111111111")
CONFIG = ProvenanceAddresses.config

# ProvenanceConfig layout (zero-copy, no padding) after the 8-byte discriminator: version u8,
# bump u8, _padding [u8; 6], admin, keeper_authority, pending_admin, pending_keeper_authority,
# next_sequence u64, total_leaves u64.
CONFIG_SIZE = 8 + 1 + 1 + 6 + 4 * 32 + 8 + 8
CONFIG_ADMIN_OFFSET = 8 + 1 + 1 + 6
CONFIG_KEEPER_AUTHORITY_OFFSET = CONFIG_ADMIN_OFFSET + 32
CONFIG_NEXT_SEQUENCE_OFFSET = CONFIG_ADMIN_OFFSET + 4 * 32
CONFIG_TOTAL_LEAVES_OFFSET = CONFIG_NEXT_SEQUENCE_OFFSET + 8

# Compute units of every successful provenance instruction these tests send, per instruction.
COMPUTE_UNITS: dict[str, list[int]] = defaultdict(list)


@pytest.fixture(scope="module", autouse=True)
def report_compute_units():
    yield
    if COMPUTE_UNITS:
        print("\nprovenance compute units (min / max over successful calls):")
        for name, values in sorted(COMPUTE_UNITS.items()):
            print(f"  {name:16} {min(values):6} / {max(values):6}  ({len(values)} calls)")


# --- receipts and trees ---------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    job: Pubkey
    node: Pubkey
    model_hash: bytes
    input_hash: bytes
    output_hash: bytes
    timestamp: int

    def leaf(self) -> bytes:
        return receipt_leaf(bytes(self.job), bytes(self.node), self.model_hash, self.input_hash, self.output_hash, self.timestamp)

    def arg(self) -> dict:
        return {
            "job": self.job,
            "node": self.node,
            "model_hash": list(self.model_hash),
            "input_hash": list(self.input_hash),
            "output_hash": list(self.output_hash),
            "timestamp": self.timestamp,
        }


def sha(*parts: bytes) -> bytes:
    return hashlib.sha256(b"".join(parts)).digest()


def make_receipts(count: int, first_ts: int, tag: bytes = b"") -> list[Receipt]:
    return [
        Receipt(
            job=Pubkey(sha(b"job", tag, bytes([i]))),
            node=Pubkey(sha(b"node", tag, bytes([i % 3]))),
            model_hash=sha(b"llama-3-70b"),
            input_hash=sha(b"in", tag, bytes([i])),
            output_hash=sha(b"out", tag, bytes([i])),
            timestamp=first_ts + i,
        )
        for i in range(count)
    ]


def tree_of(receipts: list[Receipt]) -> MerkleTree:
    return MerkleTree.build([r.leaf() for r in receipts])


def depth(leaf_count: int) -> int:
    """ceil(log2(leaf_count)): the longest proof a tree of that many leaves needs."""
    return (leaf_count - 1).bit_length()


# --- chain helpers --------------------------------------------------------------------------


def prov(h: Harness) -> ProgramIdl:
    return h.programs.provenance


def read(h: Harness, name: str, address: Pubkey):
    account = h.chain.get_account(address)
    assert account is not None, f"{name} {address} does not exist"
    assert account.owner == ProgramIds.PROVENANCE
    return prov(h).decode_account_as(name, bytes(account.data))


def config_state(h: Harness):
    return read(h, "ProvenanceConfig", CONFIG)


def batch_state(h: Harness, sequence: int):
    return read(h, "Batch", ProvenanceAddresses.batch(sequence))


def events(h: Harness, record: TransactionRecord) -> list:
    return [(event.name, event.data) for event in prov(h).decode_events(record.result.logs)]


def ok(h: Harness, name: str, instruction: Instruction, payer: Keypair, *signers: Keypair) -> TransactionRecord:
    record = h.ok(instruction, payer, *signers)
    assert record.result.compute_units_consumed > 0
    COMPUTE_UNITS[name].append(record.result.compute_units_consumed)
    return record


def record_ix(
    h: Harness,
    sequence: int,
    root: bytes,
    leaf_count: int,
    first_ts: int,
    last_ts: int,
    *,
    keeper: Pubkey | None = None,
    config: Pubkey = CONFIG,
    batch: Pubkey | None = None,
) -> Instruction:
    return prov(h).instruction(
        "record_batch",
        {"sequence": sequence, "root": list(root), "leaf_count": leaf_count, "first_ts": first_ts, "last_ts": last_ts},
        {
            "config": config,
            "batch": batch or ProvenanceAddresses.batch(sequence),
            "keeper_authority": keeper or h.roles.keeper.pubkey(),
        },
    )


def verify_ix(h: Harness, sequence: int, receipt: Receipt, proof: list[bytes], *, batch: Pubkey | None = None) -> Instruction:
    return prov(h).instruction(
        "verify_receipt",
        {"sequence": sequence, "receipt": receipt.arg(), "proof": [list(p) for p in proof]},
        {"batch": batch or ProvenanceAddresses.batch(sequence)},
    )


def update_ix(h: Harness, admin: Pubkey, new_admin: Pubkey | None, new_keeper: Pubkey | None, *, config: Pubkey = CONFIG) -> Instruction:
    return prov(h).instruction(
        "update_config",
        {"new_admin": new_admin, "new_keeper_authority": new_keeper},
        {"admin": admin, "config": config},
    )


def accept_ix(h: Harness, signer: Pubkey) -> Instruction:
    return prov(h).instruction("accept_authority", {}, {"new_authority": signer, "config": CONFIG})


def unsigned(instruction: Instruction, account: Pubkey) -> Instruction:
    """The same instruction with `account` no longer marked as a signer."""
    metas = [AccountMeta(m.pubkey, is_signer=False, is_writable=m.is_writable) if m.pubkey == account else m for m in instruction.accounts]
    return Instruction(instruction.program_id, instruction.data, metas)


def record(h: Harness, receipts: list[Receipt], sequence: int | None = None) -> MerkleTree:
    """Records `receipts` as the next batch (the keeper's normal path); returns their tree."""
    tree = tree_of(receipts)
    seq = config_state(h).next_sequence if sequence is None else sequence
    timestamps = [r.timestamp for r in receipts]
    ok(h, "record_batch", record_ix(h, seq, tree.root, tree.leaf_count, min(timestamps), max(timestamps)), h.roles.keeper)
    return tree


def copy_account(h: Harness, source: Pubkey, *, owner: Pubkey | None = None, data: bytes | None = None) -> Pubkey:
    """A new address holding a copy of `source` (same layout), optionally with another owner or data."""
    original = h.chain.get_account(source)
    assert original is not None
    address = Keypair().pubkey()
    h.chain.set_account(
        address,
        Account(
            lamports=original.lamports,
            data=data if data is not None else bytes(original.data),
            owner=owner or original.owner,
            executable=False,
            rent_epoch=0,
        ),
    )
    return address


def patch_config(h: Harness, **u64_fields: int) -> None:
    """Rewrites u64 counters of the live config (to reach states no sequence of calls can reach cheaply)."""
    account = h.chain.get_account(CONFIG)
    data = bytearray(account.data)
    offsets = {"next_sequence": CONFIG_NEXT_SEQUENCE_OFFSET, "total_leaves": CONFIG_TOTAL_LEAVES_OFFSET}
    for name, value in u64_fields.items():
        struct.pack_into("<Q", data, offsets[name], value)
    h.chain.set_account(CONFIG, Account(account.lamports, bytes(data), account.owner, account.executable, account.rent_epoch))


def canonical_bump(*seeds: bytes) -> int:
    return Pubkey.find_program_address(list(seeds), ProgramIds.PROVENANCE)[1]


# --- initialize -----------------------------------------------------------------------------


@pytest.fixture
def bare_chain(repo_root: Path, built_programs: Path) -> Harness:
    """The four programs deployed but nothing initialized (initialize is bootstrap's job otherwise)."""
    chain = fresh_chain(START_TS)
    from keeper.localnet.deployment import Programs

    programs = Programs.load(repo_root)

    class _Bare(Harness):
        @property
        def programs(self):  # no Deployment yet: only the IDLs
            return programs

    return _Bare(chain, None, repo_root)  # type: ignore[arg-type]


def init_ix(h: Harness, admin: Pubkey, keeper: Pubkey, *, config: Pubkey = CONFIG) -> Instruction:
    return prov(h).instruction("initialize", {"keeper_authority": keeper}, {"admin": admin, "config": config})


def test_initialize_creates_the_config(bare_chain: Harness) -> None:
    h = bare_chain
    admin, keeper = upgrade_authority(), Keypair().pubkey()
    assert h.chain.get_account(CONFIG) is None
    before = h.chain.balance(admin.pubkey())
    rec = ok(h, "initialize", init_ix(h, admin.pubkey(), keeper), admin)

    config = config_state(h)
    assert (config.version, config.admin, config.keeper_authority) == (1, admin.pubkey(), keeper)
    assert (config.next_sequence, config.total_leaves) == (0, 0)
    assert config.bump == canonical_bump(Seeds.CONFIG)
    account = h.chain.get_account(CONFIG)
    assert account.lamports == h.chain.rent_exempt_minimum(len(account.data))
    assert h.chain.balance(admin.pubkey()) == before - account.lamports - rec.fee
    [(name, event)] = events(h, rec)
    assert (name, event.admin, event.keeper_authority) == ("ConfigInitialized", admin.pubkey(), keeper)


def test_initialize_rejects_a_default_keeper(bare_chain: Harness) -> None:
    h = bare_chain
    admin = upgrade_authority()
    h.fails("InvalidAuthority", init_ix(h, admin.pubkey(), Pubkey.default()), admin, watch=[CONFIG])
    assert h.chain.get_account(CONFIG) is None


def test_initialize_requires_the_admin_signature(bare_chain: Harness) -> None:
    h = bare_chain
    admin, payer = upgrade_authority(), h.wallet()
    h.fails("AccountNotSigner", unsigned(init_ix(h, admin.pubkey(), payer.pubkey()), admin.pubkey()), payer, watch=[CONFIG])
    assert h.chain.get_account(CONFIG) is None


def test_initialize_only_at_the_config_pda(bare_chain: Harness) -> None:
    h = bare_chain
    admin = upgrade_authority()
    elsewhere = Keypair()
    h.fails("ConstraintSeeds", init_ix(h, admin.pubkey(), admin.pubkey(), config=elsewhere.pubkey()), admin)
    assert h.chain.get_account(elsewhere.pubkey()) is None and h.chain.get_account(CONFIG) is None


def test_initialize_twice_fails_and_keeps_the_admin(harness: Harness) -> None:
    """The config exists: a second initialize (here by an outsider trying to become admin) is
    refused by `init` (the System Program: already in use), and changes nothing."""
    h = harness
    for who in (h.wallet(), h.roles.admin):
        fails_in_use(h, init_ix(h, who.pubkey(), who.pubkey()), who, watch=[CONFIG])
    assert config_state(h).admin == h.roles.admin.pubkey()


@pytest.mark.parametrize("gift", ["0-byte rent-exempt minimum", "rent-exempt"])
def test_initialize_on_a_prefunded_config_address(bare_chain: Harness, gift: str) -> None:
    """The config PDA is public before deployment: lamports sent there (the least the runtime
    allows, or the whole rent of the config) do not block initialize, and the admin pays only
    what is missing."""
    h = bare_chain
    admin, keeper = upgrade_authority(), Keypair().pubkey()
    size = CONFIG_SIZE
    rent = h.chain.rent_exempt_minimum(size)
    lamports = prefund_minimum(h) if gift == "0-byte rent-exempt minimum" else rent
    h.chain.airdrop(CONFIG, lamports).raise_for_error()
    assert h.chain.get_account(CONFIG).owner == SYSTEM_PROGRAM
    before = h.chain.balance(admin.pubkey())
    rec = ok(h, "initialize", init_ix(h, admin.pubkey(), keeper), admin)
    account = h.chain.get_account(CONFIG)
    assert (account.owner, len(account.data), account.lamports) == (ProgramIds.PROVENANCE, size, max(lamports, rent))
    assert h.chain.balance(admin.pubkey()) == before - (rent - lamports) - rec.fee
    config = config_state(h)
    assert (config.admin, config.keeper_authority, config.next_sequence, config.bump) == (admin.pubkey(), keeper, 0, canonical_bump(Seeds.CONFIG))
    [(name, event)] = events(h, rec)
    assert (name, event.admin, event.keeper_authority) == ("ConfigInitialized", admin.pubkey(), keeper)
    fails_in_use(h, init_ix(h, admin.pubkey(), keeper), admin, watch=[CONFIG])


# --- update_config --------------------------------------------------------------------------


def test_update_config_hands_over_admin_and_keeper(harness: Harness) -> None:
    h = harness
    old_admin, old_keeper = h.roles.admin, h.roles.keeper
    new_admin, new_keeper = h.wallet(), h.wallet()
    rec = ok(h, "update_config", update_ix(h, old_admin.pubkey(), new_admin.pubkey(), new_keeper.pubkey()), old_admin)
    # Only proposed: both keys must accept (two-step handover).
    config = config_state(h)
    assert (config.admin, config.keeper_authority, config.pending_admin, config.pending_keeper_authority) == (
        old_admin.pubkey(),
        old_keeper.pubkey(),
        new_admin.pubkey(),
        new_keeper.pubkey(),
    )
    assert (config.next_sequence, config.total_leaves, config.version) == (0, 0, 1)
    [(name, event)] = events(h, rec)
    assert (name, event.admin, event.keeper_authority, event.pending_admin, event.pending_keeper_authority) == (
        "ConfigUpdated",
        old_admin.pubkey(),
        old_keeper.pubkey(),
        new_admin.pubkey(),
        new_keeper.pubkey(),
    )
    for intruder in (h.wallet(), old_admin, old_keeper):
        h.fails("NothingToAccept", accept_ix(h, intruder.pubkey()), intruder, watch=[CONFIG])
    h.fails("AccountNotSigner", unsigned(accept_ix(h, new_admin.pubkey()), new_admin.pubkey()), old_admin, watch=[CONFIG])
    for key in (new_admin, new_keeper):
        rec = ok(h, "accept_authority", accept_ix(h, key.pubkey()), key)
        [(name, event)] = events(h, rec)
        assert (name, event.authority) == ("AuthorityAccepted", key.pubkey())
        h.fails("NothingToAccept", accept_ix(h, key.pubkey()), key, watch=[CONFIG])
    config = config_state(h)
    assert (config.admin, config.keeper_authority, config.pending_admin, config.pending_keeper_authority) == (
        new_admin.pubkey(),
        new_keeper.pubkey(),
        Pubkey.default(),
        Pubkey.default(),
    )

    # The old keys lost their powers; the new ones have them.
    h.fails("Unauthorized", update_ix(h, old_admin.pubkey(), None, old_keeper.pubkey()), old_admin, watch=[CONFIG])
    root = tree_of(make_receipts(1, h.now - 10)).root
    h.fails("Unauthorized", record_ix(h, 0, root, 1, h.now - 10, h.now - 10, keeper=old_keeper.pubkey()), old_keeper, watch=[CONFIG])
    ok(h, "record_batch", record_ix(h, 0, root, 1, h.now - 10, h.now - 10, keeper=new_keeper.pubkey()), new_keeper)
    assert batch_state(h, 0).recorder == new_keeper.pubkey()
    # A second proposal replaces the first; proposing the current key cancels.
    ok(h, "update_config", update_ix(h, new_admin.pubkey(), old_admin.pubkey(), None), new_admin)
    ok(h, "update_config", update_ix(h, new_admin.pubkey(), old_keeper.pubkey(), None), new_admin)
    h.fails("NothingToAccept", accept_ix(h, old_admin.pubkey()), old_admin, watch=[CONFIG])
    ok(h, "update_config", update_ix(h, new_admin.pubkey(), new_admin.pubkey(), None), new_admin)
    assert config_state(h).pending_admin == Pubkey.default()
    h.fails("NothingToAccept", accept_ix(h, old_keeper.pubkey()), old_keeper, watch=[CONFIG])
    ok(h, "update_config", update_ix(h, new_admin.pubkey(), old_admin.pubkey(), None), new_admin)
    ok(h, "accept_authority", accept_ix(h, old_admin.pubkey()), old_admin)
    assert config_state(h).admin == old_admin.pubkey()


def test_update_config_none_changes_nothing_and_single_fields(harness: Harness) -> None:
    h = harness
    admin, keeper = h.roles.admin, h.roles.keeper.pubkey()
    before = bytes(h.chain.get_account(CONFIG).data)
    rec = ok(h, "update_config", update_ix(h, admin.pubkey(), None, None), admin)
    assert bytes(h.chain.get_account(CONFIG).data) == before
    [(name, event)] = events(h, rec)
    assert (name, event.admin, event.keeper_authority) == ("ConfigUpdated", admin.pubkey(), keeper)

    other = Keypair()
    ok(h, "update_config", update_ix(h, admin.pubkey(), None, other.pubkey()), admin)
    assert (config_state(h).admin, config_state(h).keeper_authority, config_state(h).pending_keeper_authority) == (admin.pubkey(), keeper, other.pubkey())
    ok(h, "accept_authority", accept_ix(h, other.pubkey()), h.wallet(), other)
    assert (config_state(h).admin, config_state(h).keeper_authority) == (admin.pubkey(), other.pubkey())


def test_update_config_wrong_admin(harness: Harness) -> None:
    h = harness
    for outsider in (h.wallet(), h.roles.keeper):
        h.fails("Unauthorized", update_ix(h, outsider.pubkey(), outsider.pubkey(), outsider.pubkey()), outsider, watch=[CONFIG])


def test_update_config_requires_the_admin_signature(harness: Harness) -> None:
    h = harness
    payer = h.wallet()
    ix = unsigned(update_ix(h, h.roles.admin.pubkey(), payer.pubkey(), payer.pubkey()), h.roles.admin.pubkey())
    h.fails("AccountNotSigner", ix, payer, watch=[CONFIG])


@pytest.mark.parametrize("field", ["admin", "keeper"])
def test_update_config_rejects_default_keys(harness: Harness, field: str) -> None:
    h = harness
    admin = h.roles.admin
    new_admin, new_keeper = (Pubkey.default(), None) if field == "admin" else (None, Pubkey.default())
    h.fails("InvalidAuthority", update_ix(h, admin.pubkey(), new_admin, new_keeper), admin, watch=[CONFIG])


def test_update_config_fake_configs(harness: Harness) -> None:
    """A config-layout account naming the attacker as admin: owned by another program, or owned
    by provenance at an address that is not the config PDA."""
    h = harness
    attacker = h.wallet()
    data = bytearray(h.chain.get_account(CONFIG).data)
    data[CONFIG_ADMIN_OFFSET : CONFIG_ADMIN_OFFSET + 32] = bytes(attacker.pubkey())
    foreign = copy_account(h, CONFIG, owner=SYSTEM_PROGRAM, data=bytes(data))
    h.fails("AccountOwnedByWrongProgram", update_ix(h, attacker.pubkey(), None, attacker.pubkey(), config=foreign), attacker, watch=[CONFIG, foreign])
    forged = copy_account(h, CONFIG, data=bytes(data))
    h.fails("UnexpectedAccount", update_ix(h, attacker.pubkey(), None, attacker.pubkey(), config=forged), attacker, watch=[CONFIG, forged])
    # A batch is a provenance account too, but not a config.
    record(h, make_receipts(2, h.now - 5))
    h.fails(
        "AccountDiscriminatorMismatch", update_ix(h, attacker.pubkey(), None, attacker.pubkey(), config=ProvenanceAddresses.batch(0)), attacker, watch=[CONFIG]
    )


# --- record_batch ---------------------------------------------------------------------------


def test_record_batch_records_in_sequence(harness: Harness) -> None:
    h = harness
    keeper = h.roles.keeper
    h.warp(600)
    total = 0
    for sequence, count in enumerate((5, 1, 9)):
        receipts = make_receipts(count, h.now - 300, tag=bytes([sequence]))
        tree = tree_of(receipts)
        first, last = receipts[0].timestamp, receipts[-1].timestamp
        before = h.chain.balance(keeper.pubkey())
        rec = ok(h, "record_batch", record_ix(h, sequence, tree.root, count, first, last), keeper)
        total += count

        address = ProvenanceAddresses.batch(sequence)
        batch = batch_state(h, sequence)
        assert (batch.version, batch.sequence, bytes(batch.root), batch.leaf_count) == (1, sequence, tree.root, count)
        assert (batch.first_ts, batch.last_ts, batch.recorded_at, batch.recorder) == (first, last, h.now, keeper.pubkey())
        assert batch.bump == canonical_bump(Seeds.BATCH, sequence.to_bytes(8, "little"))
        account = h.chain.get_account(address)
        assert account.lamports == h.chain.rent_exempt_minimum(len(account.data))
        assert h.chain.balance(keeper.pubkey()) == before - account.lamports - rec.fee  # the keeper pays the rent

        config = config_state(h)
        assert (config.next_sequence, config.total_leaves) == (sequence + 1, total)
        [(name, event)] = events(h, rec)
        assert name == "BatchRecorded"
        assert (event.batch, event.sequence, bytes(event.root), event.leaf_count) == (address, sequence, tree.root, count)
        assert (event.first_ts, event.last_ts, event.recorder, event.total_leaves) == (first, last, keeper.pubkey(), total)
        h.warp(60)


def test_record_batch_time_window_boundaries(harness: Harness) -> None:
    """first_ts == last_ts == now is a valid (single-second) window."""
    h = harness
    now = h.now
    root = tree_of(make_receipts(1, now)).root
    ok(h, "record_batch", record_ix(h, 0, root, 1, now, now), h.roles.keeper)
    assert (batch_state(h, 0).first_ts, batch_state(h, 0).last_ts) == (now, now)


@pytest.mark.parametrize("window", ["first_after_last", "last_in_future", "both_in_future"])
def test_record_batch_bad_time_window(harness: Harness, window: str) -> None:
    h = harness
    now = h.now
    first, last = {"first_after_last": (now - 5, now - 6), "last_in_future": (now - 5, now + 1), "both_in_future": (now + 10, now + 20)}[window]
    h.fails("InvalidTimeWindow", record_ix(h, 0, sha(b"root"), 3, first, last), h.roles.keeper, watch=[CONFIG])
    assert h.chain.get_account(ProvenanceAddresses.batch(0)) is None


def test_record_batch_empty_batch_and_zero_root(harness: Harness) -> None:
    h = harness
    keeper, now = h.roles.keeper, h.now
    h.fails("EmptyBatch", record_ix(h, 0, sha(b"root"), 0, now, now), keeper, watch=[CONFIG])
    h.fails("InvalidRoot", record_ix(h, 0, bytes(32), 1, now, now), keeper, watch=[CONFIG])
    assert h.chain.get_account(ProvenanceAddresses.batch(0)) is None
    assert (config_state(h).next_sequence, config_state(h).total_leaves) == (0, 0)


def test_record_batch_wrong_keeper(harness: Harness) -> None:
    h = harness
    now = h.now
    for outsider in (h.wallet(), h.roles.admin):
        h.fails("Unauthorized", record_ix(h, 0, sha(b"root"), 1, now, now, keeper=outsider.pubkey()), outsider, watch=[CONFIG])
    assert h.chain.get_account(ProvenanceAddresses.batch(0)) is None


def test_record_batch_requires_the_keeper_signature(harness: Harness) -> None:
    h = harness
    payer, keeper = h.wallet(), h.roles.keeper.pubkey()
    ix = unsigned(record_ix(h, 0, sha(b"root"), 1, h.now, h.now), keeper)
    h.fails("AccountNotSigner", ix, payer, watch=[CONFIG, keeper])


def test_record_batch_sequence_gaps_and_replays(harness: Harness) -> None:
    h = harness
    keeper = h.roles.keeper
    h.warp(100)
    first = record(h, make_receipts(3, h.now - 50))  # sequence 0
    batch0 = ProvenanceAddresses.batch(0)
    now = h.now
    # Gaps: skipping ahead is refused.
    for gap in (2, 5, 2**64 - 1):
        h.fails("SequenceMismatch", record_ix(h, gap, sha(b"later"), 1, now, now), keeper, watch=[CONFIG])
        assert h.chain.get_account(ProvenanceAddresses.batch(gap)) is None
    # Replays: sequence 0 again, with the same or a new root: the config has moved on.
    for root in (first.root, sha(b"rewrite history")):
        h.fails("SequenceMismatch", record_ix(h, 0, root, 3, now, now), keeper, watch=[CONFIG, batch0])
    # A batch that already exists at its own address cannot be recreated (the System Program
    # refuses an address in use), whatever the config says.
    h.chain.set_account(ProvenanceAddresses.batch(1), h.chain.get_account(batch0))
    fails_in_use(h, record_ix(h, 1, sha(b"x"), 1, now, now), keeper, watch=[CONFIG, ProvenanceAddresses.batch(1)])
    h.chain.set_account(ProvenanceAddresses.batch(1), Account(lamports=0, data=b"", owner=SYSTEM_PROGRAM_ID, executable=False))
    # The right sequence number with another sequence's batch account, an arbitrary address.
    h.fails("WrongBatchAddress", record_ix(h, 1, sha(b"x"), 1, now, now, batch=batch0), keeper, watch=[CONFIG, batch0])
    for address in (ProvenanceAddresses.batch(2), Keypair().pubkey()):
        h.fails("WrongBatchAddress", record_ix(h, 1, sha(b"x"), 1, now, now, batch=address), keeper, watch=[CONFIG])
        assert h.chain.get_account(address) is None
    # The config itself as the batch.
    h.fails("WrongBatchAddress", record_ix(h, 1, sha(b"x"), 1, now, now, batch=CONFIG), keeper, watch=[CONFIG])
    # Nothing moved: the next sequence still records.
    assert config_state(h).next_sequence == 1
    record(h, make_receipts(2, h.now - 10, tag=b"1"))
    assert (config_state(h).next_sequence, config_state(h).total_leaves) == (2, 5)


def test_record_batch_fake_configs(harness: Harness) -> None:
    """A config copy naming the attacker as keeper: foreign-owned, or provenance-owned off the PDA."""
    h = harness
    attacker = h.wallet()
    data = bytearray(h.chain.get_account(CONFIG).data)
    data[CONFIG_KEEPER_AUTHORITY_OFFSET : CONFIG_KEEPER_AUTHORITY_OFFSET + 32] = bytes(attacker.pubkey())
    now = h.now
    foreign = copy_account(h, CONFIG, owner=SYSTEM_PROGRAM, data=bytes(data))
    h.fails("AccountOwnedByWrongProgram", record_ix(h, 0, sha(b"r"), 1, now, now, keeper=attacker.pubkey(), config=foreign), attacker, watch=[CONFIG])
    forged = copy_account(h, CONFIG, data=bytes(data))
    h.fails("UnexpectedAccount", record_ix(h, 0, sha(b"r"), 1, now, now, keeper=attacker.pubkey(), config=forged), attacker, watch=[CONFIG, forged])
    assert h.chain.get_account(ProvenanceAddresses.batch(0)) is None


def test_record_batch_counter_overflow(harness: Harness) -> None:
    """Counters use checked math: the last u64 sequence cannot advance, total_leaves cannot wrap.
    (Reaching these values by calls would take 2^64 batches, so the config is rewritten.)"""
    h = harness
    keeper, now = h.roles.keeper, h.now
    last = 2**64 - 1
    patch_config(h, next_sequence=last)
    h.fails("MathOverflow", record_ix(h, last, sha(b"r"), 1, now, now), keeper, watch=[CONFIG])
    assert h.chain.get_account(ProvenanceAddresses.batch(last)) is None

    patch_config(h, next_sequence=7, total_leaves=2**64 - 2)
    h.fails("MathOverflow", record_ix(h, 7, sha(b"r"), 2, now, now), keeper, watch=[CONFIG])
    ok(h, "record_batch", record_ix(h, 7, sha(b"r"), 1, now, now), keeper)
    assert (config_state(h).next_sequence, config_state(h).total_leaves) == (8, 2**64 - 1)


# --- verify_receipt -------------------------------------------------------------------------


def assert_verified(h: Harness, sequence: int, receipt: Receipt, proof: list[bytes]) -> None:
    batch = ProvenanceAddresses.batch(sequence)
    before = h.chain.get_account(batch)
    payer = h.wallet()  # anyone may verify
    rec = ok(h, "verify_receipt", verify_ix(h, sequence, receipt, proof), payer)
    [(name, event)] = events(h, rec)
    assert name == "ReceiptVerified"
    assert (event.batch, event.sequence, bytes(event.leaf)) == (batch, sequence, receipt.leaf())
    assert (event.job, event.node, event.timestamp) == (receipt.job, receipt.node, receipt.timestamp)
    assert h.chain.get_account(batch) == before  # read-only


def test_every_leaf_of_trees_of_1_to_9_receipts_verifies(harness: Harness) -> None:
    """Trees built by keeper.client.merkle (odd levels promote their last node): every receipt of every
    tree size 1..9 verifies on-chain, and the program's leaf equals Python's."""
    h = harness
    h.warp(3_600)
    for count in range(1, 10):
        receipts = make_receipts(count, h.now - 1_000, tag=bytes([count]))
        tree = record(h, receipts, sequence=count - 1)
        for index, receipt in enumerate(receipts):
            proof = tree.proof(index)
            assert len(proof) <= depth(count) and py_verify(proof, tree.root, receipt.leaf())
            assert_verified(h, count - 1, receipt, proof)
    assert config_state(h).total_leaves == sum(range(1, 10))


def test_leaf_hash_matches_the_documented_encoding(harness: Harness) -> None:
    """The leaf is sha256(0x00 || job || node || model || input || output || timestamp i64 LE),
    computed here by hand, independently of keeper.client.merkle, and confirmed by the program."""
    h = harness
    receipt = replace(make_receipts(1, h.now - 100)[0], timestamp=h.now - 100)
    by_hand = hashlib.sha256(
        b"\x00"
        + bytes(receipt.job)
        + bytes(receipt.node)
        + receipt.model_hash
        + receipt.input_hash
        + receipt.output_hash
        + struct.pack("<q", receipt.timestamp)
    ).digest()
    assert by_hand == receipt.leaf()
    ok(h, "record_batch", record_ix(h, 0, by_hand, 1, receipt.timestamp, receipt.timestamp), h.roles.keeper)
    assert_verified(h, 0, receipt, [])


def test_negative_timestamps_hash_as_signed(harness: Harness) -> None:
    h = harness
    receipts = [replace(r, timestamp=-5 + i) for i, r in enumerate(make_receipts(3, 0))]
    tree = record(h, receipts)
    for index, receipt in enumerate(receipts):
        assert_verified(h, 0, receipt, tree.proof(index))


@pytest.mark.parametrize("field", ["job", "node", "model_hash", "input_hash", "output_hash", "timestamp"])
def test_tampered_receipt_fails(harness: Harness, field: str) -> None:
    h = harness
    h.warp(100)
    receipts = make_receipts(6, h.now - 60)
    tree = record(h, receipts)
    batch = ProvenanceAddresses.batch(0)
    original = receipts[2]
    flip = lambda value: bytes([value[0] ^ 1]) + value[1:]  # noqa: E731
    tampered = {
        "job": replace(original, job=Pubkey(flip(bytes(original.job)))),
        "node": replace(original, node=receipts[0].node if receipts[0].node != original.node else receipts[1].node),
        "model_hash": replace(original, model_hash=flip(original.model_hash)),
        "input_hash": replace(original, input_hash=receipts[3].input_hash),
        "output_hash": replace(original, output_hash=flip(original.output_hash)),
        "timestamp": replace(original, timestamp=original.timestamp + 1),  # still inside the batch window
    }[field]
    assert tampered != original
    h.fails("InvalidProof", verify_ix(h, 0, tampered, tree.proof(2)), h.wallet(), watch=[batch])
    assert_verified(h, 0, original, tree.proof(2))


def test_receipt_outside_the_batch_window(harness: Harness) -> None:
    h = harness
    h.warp(100)
    receipts = make_receipts(4, h.now - 60)
    record(h, receipts)
    batch = ProvenanceAddresses.batch(0)
    first, last = receipts[0].timestamp, receipts[-1].timestamp
    for ts in (first - 1, last + 1):
        # Even a receipt re-hashed into a consistent tree is refused if its time is off the window.
        moved = [replace(r, timestamp=ts) if i == 0 else r for i, r in enumerate(receipts)]
        h.fails("ReceiptOutsideBatchWindow", verify_ix(h, 0, moved[0], tree_of(moved).proof(0)), h.wallet(), watch=[batch])


def test_proof_too_long(harness: Harness) -> None:
    h = harness
    h.warp(100)
    receipts = make_receipts(5, h.now - 60)  # depth 3
    tree = record(h, receipts)
    batch = ProvenanceAddresses.batch(0)
    proof = tree.proof(0)
    assert len(proof) == 3
    h.fails("ProofTooLong", verify_ix(h, 0, receipts[0], proof + [sha(b"pad")]), h.wallet(), watch=[batch])
    # MAX_PROOF_LEN + 1 siblings do not fit a transaction (1,232 bytes): refused before any program runs.
    with pytest.raises(TransactionRejected, match="too large"):
        h.send(verify_ix(h, 0, receipts[0], [sha(b"pad")] * (MAX_PROOF_LEN + 1)), h.wallet())
    # The promoted leaf (index 4) has a 1-sibling proof; padding it within the depth is just wrong.
    assert len(tree.proof(4)) == 1
    h.fails("InvalidProof", verify_ix(h, 0, receipts[4], tree.proof(4) + [sha(b"pad")]), h.wallet(), watch=[batch])


def test_keeper_cannot_understate_the_leaf_count(harness: Harness) -> None:
    """A batch recorded with fewer leaves than its tree holds caps proofs at the declared depth."""
    h = harness
    h.warp(100)
    receipts = make_receipts(4, h.now - 60)
    tree = tree_of(receipts)
    ok(h, "record_batch", record_ix(h, 0, tree.root, 2, receipts[0].timestamp, receipts[-1].timestamp), h.roles.keeper)
    h.fails("ProofTooLong", verify_ix(h, 0, receipts[1], tree.proof(1)), h.wallet(), watch=[ProvenanceAddresses.batch(0)])


def test_wrong_proofs_fail(harness: Harness) -> None:
    h = harness
    h.warp(100)
    receipts = make_receipts(8, h.now - 60)
    tree = record(h, receipts)
    batch = ProvenanceAddresses.batch(0)
    proof = tree.proof(5)
    wrong = {
        "empty": [],
        "truncated": proof[:-1],
        "sibling changed": [proof[0], sha(b"other"), proof[2]],
        "another leaf's proof": tree.proof(0),
        "reordered": [proof[1], proof[0], proof[2]],
        "root appended": proof[:2] + [tree.root],
    }
    for bad in wrong.values():
        h.fails("InvalidProof", verify_ix(h, 0, receipts[5], bad), h.wallet(), watch=[batch])


def test_proof_for_another_batch(harness: Harness) -> None:
    h = harness
    h.warp(100)
    window_start = h.now - 60
    first_receipts = make_receipts(4, window_start, tag=b"a")
    second_receipts = make_receipts(4, window_start, tag=b"b")  # same window: only the root differs
    first, second = record(h, first_receipts), record(h, second_receipts)
    batch0, batch1 = ProvenanceAddresses.batch(0), ProvenanceAddresses.batch(1)
    for index in range(4):
        h.fails("InvalidProof", verify_ix(h, 1, first_receipts[index], first.proof(index)), h.wallet(), watch=[batch1])
        h.fails("InvalidProof", verify_ix(h, 0, second_receipts[index], second.proof(index)), h.wallet(), watch=[batch0])
    # Naming sequence 0 but handing over batch 1's account (or the reverse) is a seeds error.
    h.fails("ConstraintSeeds", verify_ix(h, 0, first_receipts[0], first.proof(0), batch=batch1), h.wallet())
    h.fails("ConstraintSeeds", verify_ix(h, 1, second_receipts[0], second.proof(0), batch=batch0), h.wallet())
    assert_verified(h, 0, first_receipts[0], first.proof(0))
    assert_verified(h, 1, second_receipts[0], second.proof(0))


def test_inner_node_cannot_pass_as_a_leaf(harness: Harness) -> None:
    """An inner node N = node(l0, l1) is in the tree; a receipt whose bytes carry N's children
    (the second-preimage attempt), verified with N's own proof, must fail: a receipt always hashes
    as a leaf (prefix 0x00), never as a node (prefix 0x01)."""
    h = harness
    h.warp(100)
    receipts = make_receipts(4, h.now - 60)
    tree = record(h, receipts)
    batch = ProvenanceAddresses.batch(0)
    l0, l1 = tree.levels[0][0], tree.levels[0][1]
    inner = node_hash(l0, l1)
    assert tree.levels[1][0] == inner
    inner_proof = tree.proof(0)[1:]  # the path from the inner node to the root
    assert py_verify(inner_proof, tree.root, inner)
    low, high = sorted((l0, l1))
    # The node's preimage minus its prefix, packed into the receipt's first fields.
    posing = Receipt(job=Pubkey(low), node=Pubkey(high), model_hash=bytes(32), input_hash=bytes(32), output_hash=bytes(32), timestamp=receipts[0].timestamp)
    assert posing.leaf() != inner and leaf_hash(low, high) != inner
    h.fails("InvalidProof", verify_ix(h, 0, posing, inner_proof), h.wallet(), watch=[batch])
    # Same with the inner node itself as the job and the rest of the proof.
    as_job = replace(posing, job=Pubkey(inner), node=Pubkey(bytes(32)))
    h.fails("InvalidProof", verify_ix(h, 0, as_job, inner_proof), h.wallet(), watch=[batch])

    # A batch whose root *is* a leaf: the leaf verifies with an empty proof, but an inner node of
    # another tree recorded as a one-leaf root is not provable by any receipt with an empty proof.
    ok(h, "record_batch", record_ix(h, 1, inner, 1, receipts[0].timestamp, receipts[-1].timestamp), h.roles.keeper)
    for receipt in receipts[:2]:
        h.fails("InvalidProof", verify_ix(h, 1, receipt, []), h.wallet(), watch=[ProvenanceAddresses.batch(1)])
        # One sibling would rebuild `inner` from a leaf, but a one-leaf batch admits no sibling.
        sibling = l1 if receipt is receipts[0] else l0
        h.fails("ProofTooLong", verify_ix(h, 1, receipt, [sibling]), h.wallet(), watch=[ProvenanceAddresses.batch(1)])


def test_verify_receipt_of_a_proof_of_10_within_its_compute_budget(harness: Harness) -> None:
    """Issue 9's budget on the current runtime: verify_receipt with a proof of 10 siblings (a batch
    of 1,024 receipts) ≤ 5,000 CU."""
    h = harness
    h.warp(2_000)
    receipts = [r for part in range(4) for r in make_receipts(256, h.now - 1_500 + 256 * part, tag=bytes([part]))]
    tree = record(h, receipts)
    proof = tree.proof(700)
    assert len(proof) == 10
    rec = ok(h, "verify_receipt", verify_ix(h, 0, receipts[700], proof), h.wallet())
    assert rec.result.compute_units_consumed <= 5_000, rec.result.compute_units_consumed


def test_verify_receipt_unknown_and_fake_batches(harness: Harness) -> None:
    h = harness
    h.warp(100)
    receipts = make_receipts(2, h.now - 60)
    tree = record(h, receipts)
    proof = tree.proof(0)
    batch0 = ProvenanceAddresses.batch(0)
    h.fails("AccountNotInitialized", verify_ix(h, 1, receipts[0], proof), h.wallet())
    h.fails("AccountDiscriminatorMismatch", verify_ix(h, 0, receipts[0], proof, batch=CONFIG), h.wallet(), watch=[CONFIG])
    foreign = copy_account(h, batch0, owner=SYSTEM_PROGRAM)
    h.fails("AccountOwnedByWrongProgram", verify_ix(h, 0, receipts[0], proof, batch=foreign), h.wallet())
    # A provenance-owned copy of batch 0 with a root of the attacker's choosing, off the PDA.
    forged_receipt = replace(receipts[0], output_hash=sha(b"forged output"))
    data = bytearray(h.chain.get_account(batch0).data)
    data[8 + 1 + 8 : 8 + 1 + 8 + 32] = forged_receipt.leaf()  # root
    data[8 + 1 + 8 + 32 : 8 + 1 + 8 + 32 + 4] = (1).to_bytes(4, "little")  # leaf_count
    forged = copy_account(h, batch0, data=bytes(data))
    assert bytes(prov(h).decode_account_as("Batch", bytes(data)).root) == forged_receipt.leaf()
    h.fails("ConstraintSeeds", verify_ix(h, 0, forged_receipt, [], batch=forged), h.wallet(), watch=[forged])
    assert_verified(h, 0, receipts[0], proof)


def test_prefunded_batch_address_does_not_block_the_sequence(harness: Harness) -> None:
    """Batch addresses are predictable; lamports sent there in advance (the least the runtime
    allows, or more than the rent) must not stop the keeper from recording that sequence."""
    h = harness
    keeper = h.roles.keeper
    h.warp(100)
    for sequence, gift in ((0, prefund_minimum(h)), (1, 10**9)):
        address = ProvenanceAddresses.batch(sequence)
        h.chain.airdrop(address, gift)
        before = h.chain.balance(keeper.pubkey())
        receipts = make_receipts(3, h.now - 60, tag=bytes([sequence]))
        tree = tree_of(receipts)
        rec = ok(h, "record_batch", record_ix(h, sequence, tree.root, 3, receipts[0].timestamp, receipts[-1].timestamp), keeper)
        account = h.chain.get_account(address)
        rent = h.chain.rent_exempt_minimum(len(account.data))
        assert account.owner == ProgramIds.PROVENANCE and account.lamports == max(rent, gift)
        assert h.chain.balance(keeper.pubkey()) == before - max(rent - gift, 0) - rec.fee
        assert bytes(batch_state(h, sequence).root) == tree.root
        assert_verified(h, sequence, receipts[1], tree.proof(1))


def test_batch_address_already_holding_an_account(harness: Harness) -> None:
    """Defence in depth: if the next batch address somehow held data or belonged to a program
    (only reachable by rewriting chain state), `init` refuses it (already in use)."""
    h = harness
    keeper, now = h.roles.keeper, h.now
    address = ProvenanceAddresses.batch(0)
    for owner, data in ((ProgramIds.PROVENANCE, bytes(8)), (SYSTEM_PROGRAM, bytes(16))):
        h.chain.set_account(address, Account(lamports=10**7, data=data, owner=owner, executable=False, rent_epoch=0))
        fails_in_use(h, record_ix(h, 0, sha(b"r"), 1, now, now), keeper, watch=[CONFIG, address])
