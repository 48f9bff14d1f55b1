"""Audit item 9 (loose ends), as transactions on the SBF programs.

- A renter's job ids never repeat: a closed job's id (and so its address) cannot be opened
  again; the renter's `RenterLedger` marks used ids in a 256-id window and counts everything
  below the window as used.
- Epoch roots expire: `EPOCH_CLAIM_WINDOW_SECS` after a root is posted, claims stop and anyone
  may return what nobody claimed to the unallocated pool, for later roots to allocate.

(The reservation-fee refund on a reclaim after a missed start is checked by
tests/programs/test_escrow.py::test_reclaim_never_started, and the emission schedule's
hour-order guard, now an error in every build, by io_common's unit tests and the
`EmissionOutOfOrder` path of rewards.emit.)
"""

from __future__ import annotations

import pytest
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from keeper.client.addresses import EscrowAddresses
from keeper.client.addresses import RewardsAddresses as R
from keeper.client.constants import EPOCH_CLAIM_WINDOW_SECS, ProgramIds
from keeper.client.fees import share_floor
from tests.programs.escrow_helpers import Escrow, RenterLedger, clone_account
from tests.programs.harness import Harness
from tests.programs.rewards_helpers import (
    RewardTree,
    ScheduleModel,
    balance,
    claim_ix,
    emission,
    emit_through,
    epoch_state,
    events,
    ok,
    post_root_ix,
    receipt,
    register_node,
)


@pytest.fixture
def escrow(harness: Harness) -> Escrow:
    return Escrow(harness, token_share_bps=1_000)


def ledger(escrow: Escrow, renter: Keypair) -> RenterLedger:
    return escrow.renter_ledger(renter.pubkey())


def used(state: RenterLedger, job_id: int) -> bool:
    return state.used(job_id)


def test_a_closed_jobs_id_is_never_opened_again(harness: Harness, escrow: Escrow) -> None:
    renter = harness.wallet()
    first = escrow.new_job(harness.usdc_mint, 2, 1_000_000, renter=renter, job_id=5)
    escrow.open(first)
    state = ledger(escrow, renter)
    assert (state.renter, state.window_start, state.jobs_opened, used(state, 5), used(state, 4)) == (renter.pubkey(), 0, 1, True, False)
    assert (state.version, state.bump) == (1, Pubkey.find_program_address([b"renter", bytes(renter.pubkey())], ProgramIds.ESCROW)[1])
    escrow.cancel(first)
    assert not escrow.exists(first.address)

    # The same id again (same address, now empty): refused, nothing moves.
    watch = [EscrowAddresses.renter_ledger(renter.pubkey())]
    again = escrow.new_job(harness.usdc_mint, 2, 1_000_000, renter=renter, job_id=5)
    harness.fails("JobIdReused", escrow.open_ix(again), renter, watch=[*watch, again.address, again.vault, again.renter_token])
    assert not escrow.exists(again.address)
    # Lower unused ids still open (jobs may land in any order), once each.
    lower = escrow.new_job(harness.usdc_mint, 2, 1_000_000, renter=renter, job_id=2)
    escrow.open(lower)
    escrow.cancel(lower)
    harness.fails("JobIdReused", escrow.open_ix(lower), renter, watch=[*watch, lower.address, lower.renter_token])
    # An id 256 or more above the window's start slides it: everything below is spent.
    far = escrow.new_job(harness.usdc_mint, 2, 1_000_000, renter=renter, job_id=1_000)
    escrow.open(far)
    state = ledger(escrow, renter)
    assert (state.window_start, state.jobs_opened) == (1_000 - 255, 3)
    below = escrow.new_job(harness.usdc_mint, 2, 1_000_000, renter=renter, job_id=7)  # never used, but below the window
    harness.fails("JobIdReused", escrow.open_ix(below), renter, watch=[*watch, below.address, below.renter_token])
    # Ids are per renter: another renter may use 5.
    other = harness.wallet()
    escrow.open(escrow.new_job(harness.usdc_mint, 2, 1_000_000, renter=other, job_id=5))
    assert used(ledger(escrow, other), 5) and ledger(escrow, other).jobs_opened == 1


def test_the_renter_ledger_is_only_the_renters_pda(harness: Harness, escrow: Escrow) -> None:
    renter, other = harness.wallet(), harness.wallet()
    escrow.open(escrow.new_job(harness.usdc_mint, 1, 1_000_000, renter=other, job_id=50))
    job = escrow.new_job(harness.usdc_mint, 1, 1_000_000, renter=renter, job_id=1, with_ledger=False)
    own = EscrowAddresses.renter_ledger(renter.pubkey())
    watch = [own, job.address, job.vault, job.renter_token]
    # Another renter's ledger (with a lower high-water mark for this renter's purposes) is refused.
    other_ledger = EscrowAddresses.renter_ledger(other.pubkey())
    harness.fails("WrongRenterLedger", escrow.open_ix(job, renter_ledger=other_ledger), renter, watch=[*watch, other_ledger])
    # So is an address holding no ledger (a ledger elsewhere would start a fresh id history), and
    # the renter's own ledger before it exists.
    for address in (Keypair().pubkey(), own):
        harness.fails("AccountNotInitialized", escrow.open_ix(job, renter_ledger=address), renter, watch=[*watch, address])
    # A ledger is only made by open_renter_ledger, at [RENTER, signer]: not at another address,
    # not for another wallet.
    stray = Keypair().pubkey()
    harness.fails(
        "ConstraintSeeds", escrow.idl.instruction("open_renter_ledger", {}, {"renter": renter.pubkey(), "renter_ledger": stray}), renter, watch=[*watch, stray]
    )
    third = harness.wallet()
    harness.fails(
        "ConstraintSeeds",
        escrow.idl.instruction(
            "open_renter_ledger",
            {},
            {"renter": renter.pubkey(), "renter_ledger": EscrowAddresses.renter_ledger(third.pubkey())},
        ),
        renter,
        watch=watch,
    )
    # A second ledger for the same renter fails in the System Program (already in use).
    escrow.open_renter_ledger(renter)
    record = harness.send(escrow.open_renter_ledger_ix(renter.pubkey()), renter)
    assert not record.result.succeeded and any("already in use" in line for line in record.result.logs)
    # Only open_renter_ledger creates ledgers, each at its renter's PDA, so an escrow-owned ledger
    # recording this renter is that one. Not ledgers: its bytes under another owner, an escrow
    # account of another type (the renter's job).
    escrow.open(job)
    later = escrow.new_job(harness.usdc_mint, 1, 1_000_000, renter=renter, job_id=2)
    later_watch = [own, job.address, later.address, later.vault, later.renter_token]
    foreign = clone_account(harness, own, owner=ProgramIds.STAKING)
    harness.fails("AccountOwnedByWrongProgram", escrow.open_ix(later, renter_ledger=foreign), renter, watch=[*later_watch, foreign])
    harness.fails("AccountDiscriminatorMismatch", escrow.open_ix(later, renter_ledger=job.address), renter, watch=later_watch)
    escrow.open(later)
    assert ledger(escrow, renter).jobs_opened == 2


# --- epoch root expiry ------------------------------------------------------------------------


def _posted_epoch(h: Harness):
    model = ScheduleModel()
    emit_through(h, model, 3)
    a, b = register_node(h), register_node(h)
    epoch = 1
    tree = RewardTree.build(epoch, [(a.node, 700_000), (b.node, 300_000)])
    record = ok(h, "post_epoch_root", post_root_ix(h, epoch, tree.root, tree.total, 2), h.roles.keeper)
    return epoch, tree, a, b, record


def test_unclaimed_rewards_return_to_the_unallocated_pool_after_the_claim_window(harness: Harness) -> None:
    h = harness
    epoch, tree, a, b, _ = _posted_epoch(h)
    posted_at = epoch_state(h, epoch).posted_at
    claimer = h.wallet()
    ok(h, "claim", claim_ix(h, epoch, 700_000, tree.proof(a.node), a.node, a.operator_io, claimer.pubkey()), claimer)
    allocated = emission(h).allocated_total
    expire = h.programs.rewards.instruction("expire_epoch_root", {"epoch": epoch}, {"emission": R.emission, "epoch_root": R.epoch_root(epoch)})

    # Within the window: b can still claim, nobody can expire.
    h.chain.set_time(unix_timestamp=posted_at + EPOCH_CLAIM_WINDOW_SECS - 1)
    h.fails("ClaimWindowOpen", expire, claimer, watch=[R.emission, R.epoch_root(epoch)])
    # From the deadline on: the claim is refused, the root can be expired by anyone.
    h.chain.set_time(unix_timestamp=posted_at + EPOCH_CLAIM_WINDOW_SECS)
    late = claim_ix(h, epoch, 300_000, tree.proof(b.node), b.node, b.operator_io, claimer.pubkey())
    h.fails("ClaimWindowClosed", late, claimer, watch=[R.emission, R.epoch_root(epoch), R.reward_vault, b.operator_io, R.claim_receipt(epoch, b.node)])
    vault_before = balance(h, R.reward_vault)
    record = ok(h, "expire_epoch_root", expire, claimer)
    (event,) = events(h, record, "EpochRootExpired")
    assert (event.epoch, event.total, event.claimed, event.unclaimed, event.allocated_total, event.expired_at) == (
        epoch,
        1_000_000,
        700_000,
        300_000,
        allocated - 300_000,
        h.now,
    )
    state = emission(h)
    assert state.allocated_total == allocated - 300_000
    assert epoch_state(h, epoch).expired_at == h.now
    assert balance(h, R.reward_vault) == vault_before  # the IO stays in the vault, unallocated again
    # Once only; and a claim stays refused.
    h.fails("EpochAlreadyExpired", expire, claimer, watch=[R.emission, R.epoch_root(epoch)])
    h.fails("ClaimWindowClosed", late, claimer, watch=[R.emission, R.epoch_root(epoch), R.reward_vault])

    # The returned rewards can be allocated to a later epoch's root.
    unallocated = state.emitted_total - state.allocated_total
    tree2 = RewardTree.build(2, [(b.node, unallocated)])
    ok(h, "post_epoch_root", post_root_ix(h, 2, tree2.root, tree2.total, 1), h.roles.keeper)
    assert emission(h).allocated_total == state.emitted_total
    record = ok(h, "claim", claim_ix(h, 2, unallocated, tree2.proof(b.node), b.node, b.operator_io, claimer.pubkey()), claimer)
    # Epoch 2 ended long before this claim: its stakers' part returns to the pool (docs/economics.md).
    returned = share_floor(unallocated, b.staker_share_bps)
    (event,) = events(h, record, "RewardClaimed")
    assert (event.operator_amount, event.staker_amount, event.staker_returned) == (unallocated - returned, 0, returned)
    assert emission(h).allocated_total == state.emitted_total - returned
    # What was emitted equals what was paid out plus what the vault still holds.
    assert balance(h, R.reward_vault) == state.emitted_total - 700_000 - (unallocated - returned)


def test_expiring_an_unposted_epoch_or_a_fake_root_fails(harness: Harness) -> None:
    h = harness
    epoch, _, _, _, _ = _posted_epoch(h)
    caller = h.wallet()
    h.warp(EPOCH_CLAIM_WINDOW_SECS + 1)
    unposted = h.programs.rewards.instruction("expire_epoch_root", {"epoch": 2}, {"emission": R.emission, "epoch_root": R.epoch_root(2)})
    # No root posted: the address holds no rewards account (AccountLoader: owner check).
    h.fails("AccountOwnedByWrongProgram", unposted, caller, watch=[R.emission])
    # Epoch 1's root named as epoch 2's: it holds another epoch.
    wrong = h.programs.rewards.instruction("expire_epoch_root", {"epoch": 2}, {"emission": R.emission, "epoch_root": R.epoch_root(epoch)})
    h.fails("WrongEpoch", wrong, caller, watch=[R.emission, R.epoch_root(epoch)])


# --- claim receipts: closed once their epoch expired ----------------------------------------


def _close_ix(h: Harness, epoch_root: Pubkey, receipt: Pubkey, payer: Pubkey) -> Instruction:
    return h.programs.rewards.instruction("close_claim_receipt", {}, {"epoch_root": epoch_root, "claim_receipt": receipt, "payer": payer})


def _expire(h: Harness, epoch: int, caller: Keypair) -> None:
    expire = h.programs.rewards.instruction("expire_epoch_root", {"epoch": epoch}, {"emission": R.emission, "epoch_root": R.epoch_root(epoch)})
    ok(h, "expire_epoch_root", expire, caller)


def test_a_claim_receipt_is_closed_after_its_epoch_expired_and_its_rent_returns_to_the_payer(harness: Harness) -> None:
    h = harness
    epoch, tree, a, _b, _ = _posted_epoch(h)
    payer, caller = h.wallet(), h.wallet()
    ok(h, "claim", claim_ix(h, epoch, 700_000, tree.proof(a.node), a.node, a.operator_io, payer.pubkey()), payer)
    receipt_address = R.claim_receipt(epoch, a.node)
    assert receipt(h, epoch, a.node).payer == payer.pubkey()
    rent = h.chain.get_account(receipt_address).lamports
    close = _close_ix(h, R.epoch_root(epoch), receipt_address, payer.pubkey())
    watch = [receipt_address, payer.pubkey(), R.epoch_root(epoch)]

    # While the epoch can still be claimed, and after its window until it is expired: refused.
    h.fails("EpochNotExpired", close, caller, watch=watch)
    h.warp(EPOCH_CLAIM_WINDOW_SECS + 1)
    h.fails("EpochNotExpired", close, caller, watch=watch)
    _expire(h, epoch, caller)

    payer_before, caller_before = h.chain.balance(payer.pubkey()), h.chain.balance(caller.pubkey())
    record = ok(h, "close_claim_receipt", close, caller)
    (event,) = events(h, record, "ClaimReceiptClosed")
    assert (event.epoch, event.node, event.payer, event.rent) == (epoch, a.node, payer.pubkey(), rent)
    assert h.chain.balance(payer.pubkey()) == payer_before + rent
    assert h.chain.balance(caller.pubkey()) == caller_before - record.fee
    assert h.chain.get_account(receipt_address) is None
    # Gone: it cannot be closed twice, and the claim it guarded still cannot land again.
    h.fails("AccountNotInitialized", close, caller, watch=[payer.pubkey(), R.epoch_root(epoch)])
    again = claim_ix(h, epoch, 700_000, tree.proof(a.node), a.node, a.operator_io, payer.pubkey())
    h.fails("ClaimWindowClosed", again, payer, watch=[R.epoch_root(epoch), R.reward_vault, a.operator_io, receipt_address, R.emission])


def test_closing_a_claim_receipt_refuses_another_payer_epoch_or_account(harness: Harness) -> None:
    h = harness
    epoch, tree, a, b, _ = _posted_epoch(h)
    payer, caller = h.wallet(), h.wallet()
    ok(h, "claim", claim_ix(h, epoch, 700_000, tree.proof(a.node), a.node, a.operator_io, payer.pubkey()), payer)
    # A second epoch (already emitted), claimed and expired too, to name in place of the first.
    tree2 = RewardTree.build(2, [(b.node, 1_000)])
    ok(h, "post_epoch_root", post_root_ix(h, 2, tree2.root, tree2.total, 1), h.roles.keeper)
    ok(h, "claim", claim_ix(h, 2, 1_000, tree2.proof(b.node), b.node, b.operator_io, payer.pubkey()), payer)
    h.warp(EPOCH_CLAIM_WINDOW_SECS + 1)
    _expire(h, epoch, caller)
    _expire(h, 2, caller)
    receipt_address = R.claim_receipt(epoch, a.node)
    watch = [receipt_address, payer.pubkey()]

    # The rent goes to the payer the receipt records, not to whoever asks.
    h.fails("WrongRentReceiver", _close_ix(h, R.epoch_root(epoch), receipt_address, caller.pubkey()), caller, watch=[receipt_address, payer.pubkey()])
    # Another epoch's root does not vouch for this receipt's epoch.
    h.fails("WrongEpoch", _close_ix(h, R.epoch_root(2), receipt_address, payer.pubkey()), caller, watch=watch)
    # Only a ClaimReceipt of the rewards program: an Epoch, or a receipt's bytes under another owner.
    h.fails("AccountDiscriminatorMismatch", _close_ix(h, R.epoch_root(epoch), R.epoch_root(2), payer.pubkey()), caller, watch=[*watch, R.epoch_root(2)])
    foreign = clone_account(h, receipt_address, owner=ProgramIds.STAKING)
    h.fails("AccountOwnedByWrongProgram", _close_ix(h, R.epoch_root(epoch), foreign, payer.pubkey()), caller, watch=[*watch, foreign])
    # A receipt named as its own epoch root.
    h.fails("AccountDiscriminatorMismatch", _close_ix(h, receipt_address, receipt_address, payer.pubkey()), caller, watch=watch)
    ok(h, "close_claim_receipt", _close_ix(h, R.epoch_root(epoch), receipt_address, payer.pubkey()), caller)
