"""Recourse around a job's completion (issue 10, findings 3, 5 and 7 in escrow): the dispute
window, the renter's early stop, the arbiter's decision and its absence, settlement that does not
depend on the renter wallet's owner, and the two-step handover of the escrow's authorities.
Every path is run as transactions against the SBF program, with the money checked to the base
unit."""

from __future__ import annotations

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import AssignParams, assign

from keeper.client.addresses import EscrowAddresses
from tests.programs.escrow_helpers import HOUR, Escrow, JobRef, quote, settlement
from tests.programs.harness import Harness

USDC = 10**6
PRICE = 2 * USDC
SHARE = 1_000
WINDOW = 3_600  # keeper.localnet.deployment.Settings' default dispute window
RESOLUTION_SECS = 7 * 24 * 3_600  # escrow DISPUTE_RESOLUTION_SECS
MIN_WINDOW, MAX_WINDOW = 60, 7 * 24 * 3_600


@pytest.fixture
def escrow(harness: Harness) -> Escrow:
    return Escrow(harness, token_share_bps=SHARE)


def started_job(escrow: Escrow, hours: int = 10) -> JobRef:
    job = escrow.new_job(escrow.h.usdc_mint, hours, PRICE)
    escrow.open(job)
    escrow.start(job)
    return job


def ix(escrow: Escrow, name: str, args: dict, accounts: dict):
    return escrow.idl.instruction(name, args, accounts)


def stop_ix(escrow: Escrow, job: JobRef, renter: Pubkey | None = None):
    return ix(escrow, "stop_job", {}, {"renter": renter or job.renter.pubkey(), "config": EscrowAddresses.config, "job": job.address})


def dispute_ix(escrow: Escrow, job: JobRef, disputer: Pubkey):
    return ix(escrow, "dispute_job", {}, {"disputer": disputer, "job": job.address})


def resolve_ix(escrow: Escrow, job: JobRef, arbiter: Pubkey, hours_used: int):
    return ix(escrow, "resolve_dispute", {"hours_used": hours_used}, {"arbiter": arbiter, "config": EscrowAddresses.config, "job": job.address})


def settle_checked(escrow: Escrow, job: JobRef, hours_used: int) -> None:
    """Settles now (no waiting) and checks every payout against the SPEC split of `hours_used`."""
    q = quote(job.hours, job.price, job.usdc)
    s = settlement(q, job.price, hours_used, SHARE, job.usdc)
    before = escrow.balances(job)
    escrow.h.ok(escrow.settle_ix(job), escrow.cranker)
    after = escrow.balances(job)
    assert before["vault"] - after["vault"] == q.deposit
    assert after["operator"] - before["operator"] == s.node_payout
    assert after["renter"] - before["renter"] == s.refund
    assert after["treasury"] - before["treasury"] == s.treasury_fees + s.token_share
    assert not escrow.exists(job.address)


def test_settlement_waits_for_the_dispute_window(harness: Harness, escrow: Escrow) -> None:
    job = started_job(escrow)
    harness.warp(4 * HOUR)
    escrow.complete(job, 4)
    state = escrow.job(job)
    assert state.dispute_deadline == state.completed_at + WINDOW
    harness.fails("NotSettleable", escrow.settle_ix(job), escrow.cranker, watch=escrow.watch(job))
    harness.warp(WINDOW)
    assert harness.now == state.dispute_deadline
    harness.fails("NotSettleable", escrow.settle_ix(job), escrow.cranker, watch=escrow.watch(job))
    harness.warp(1)
    settle_checked(escrow, job, 4)


def test_the_renter_stops_a_running_job_and_pays_for_the_hours_begun(harness: Harness, escrow: Escrow) -> None:
    job = started_job(escrow, hours=10)
    harness.fails("NotRenter", stop_ix(escrow, job, job.node.node_key.pubkey()), escrow.cranker, job.node.node_key, watch=escrow.watch(job))
    harness.warp(2 * HOUR + 10)
    record = harness.ok(stop_ix(escrow, job), escrow.cranker, job.renter)
    (event,) = escrow.events(record, "JobCompleted")
    assert (event.hours_used, type(event.completer).__name__) == (3, "Renter")
    state = escrow.job(job)
    assert state.dispute_deadline == state.completed_at
    # The hours follow from the clock: nobody disputes a stop.
    for who in (job.renter, job.node.node_key):
        harness.fails("NotDisputer", dispute_ix(escrow, job, who.pubkey()), escrow.cranker, who, watch=escrow.watch(job))
    harness.fails("NotSettleable", escrow.settle_ix(job), escrow.cranker, watch=escrow.watch(job))
    harness.warp(1)
    settle_checked(escrow, job, 3)


def test_stop_refusals(harness: Harness, escrow: Escrow) -> None:
    job = escrow.new_job(harness.usdc_mint, 2, PRICE)
    escrow.open(job)
    harness.fails("JobNotStarted", stop_ix(escrow, job), escrow.cranker, job.renter, watch=escrow.watch(job))
    escrow.start(job)
    harness.warp(2 * HOUR + 3_600 + 1)  # past start + reserved hours + grace
    harness.fails("CompleteDeadlinePassed", stop_ix(escrow, job), escrow.cranker, job.renter, watch=escrow.watch(job))


def test_the_renter_disputes_a_node_report_and_the_oracle_decides(harness: Harness, escrow: Escrow) -> None:
    job = started_job(escrow)
    harness.warp(3 * HOUR)
    escrow.complete(job, 3)
    outsider = harness.wallet()
    for who in (outsider, job.node.node_key):  # a node does not dispute its own report
        harness.fails("NotDisputer", dispute_ix(escrow, job, who.pubkey()), escrow.cranker, who, watch=escrow.watch(job))
    record = harness.ok(dispute_ix(escrow, job, job.renter.pubkey()), escrow.cranker, job.renter)
    (event,) = escrow.events(record, "JobDisputed")
    assert event.hours_reported == 3
    harness.fails("JobNotCompleted", dispute_ix(escrow, job, job.renter.pubkey()), escrow.cranker, job.renter)
    harness.fails("NotSettleable", escrow.settle_ix(job), escrow.cranker, watch=escrow.watch(job))

    oracle, admin = harness.roles.keeper, harness.roles.admin
    for who in (admin, job.node.node_key, job.renter):  # the admin judges only oracle reports
        harness.fails("NotArbiter", resolve_ix(escrow, job, who.pubkey(), 2), escrow.cranker, who, watch=escrow.watch(job))
    harness.fails("HoursExceedElapsed", resolve_ix(escrow, job, oracle.pubkey(), 4), escrow.cranker, oracle, watch=escrow.watch(job))
    harness.fails("HoursExceedReserved", resolve_ix(escrow, job, oracle.pubkey(), 11), escrow.cranker, oracle, watch=escrow.watch(job))
    record = harness.ok(resolve_ix(escrow, job, oracle.pubkey(), 2), escrow.cranker, oracle)
    (event,) = escrow.events(record, "DisputeResolved")
    assert (event.hours_reported, event.hours_used) == (3, 2)
    # Decided: settles at once (within the original window), once; no second dispute.
    harness.fails("AlreadyDisputed", dispute_ix(escrow, job, job.renter.pubkey()), escrow.cranker, job.renter)
    settle_checked(escrow, job, 2)


def test_an_oracle_report_is_disputed_by_the_node_and_decided_by_the_admin(harness: Harness, escrow: Escrow) -> None:
    oracle, admin = harness.roles.keeper, harness.roles.admin
    job = started_job(escrow)
    harness.warp(3 * HOUR)
    escrow.complete(job, 0, oracle)  # a rogue or mistaken oracle reports nothing
    harness.ok(dispute_ix(escrow, job, job.node.node_key.pubkey()), escrow.cranker, job.node.node_key)
    harness.fails("NotArbiter", resolve_ix(escrow, job, oracle.pubkey(), 3), escrow.cranker, oracle, watch=escrow.watch(job))
    harness.ok(resolve_ix(escrow, job, admin.pubkey(), 3), escrow.cranker, admin)
    settle_checked(escrow, job, 3)


def test_the_renter_may_dispute_an_oracle_report_too(harness: Harness, escrow: Escrow) -> None:
    job = started_job(escrow)
    harness.warp(3 * HOUR)
    escrow.complete(job, 3, harness.roles.keeper)
    harness.ok(dispute_ix(escrow, job, job.renter.pubkey()), escrow.cranker, job.renter)
    assert escrow.job(job).status == "Disputed"


def test_a_dispute_after_the_window_is_refused(harness: Harness, escrow: Escrow) -> None:
    job = started_job(escrow)
    harness.warp(3 * HOUR)
    escrow.complete(job, 3)
    harness.warp(WINDOW + 1)
    harness.fails("DisputeWindowClosed", dispute_ix(escrow, job, job.renter.pubkey()), escrow.cranker, job.renter, watch=escrow.watch(job))
    settle_checked(escrow, job, 3)


def test_an_undecided_dispute_lets_the_reported_hours_stand(harness: Harness, escrow: Escrow) -> None:
    job = started_job(escrow)
    harness.warp(5 * HOUR)
    escrow.complete(job, 5)
    harness.ok(dispute_ix(escrow, job, job.renter.pubkey()), escrow.cranker, job.renter)
    disputed_at = escrow.job(job).disputed_at
    harness.warp(RESOLUTION_SECS)
    assert harness.now == disputed_at + RESOLUTION_SECS
    harness.fails("NotSettleable", escrow.settle_ix(job), escrow.cranker, watch=escrow.watch(job))
    harness.fails("NotReclaimable", escrow.reclaim_ix(job), escrow.cranker, job.renter, watch=escrow.watch(job))
    harness.warp(1)
    settle_checked(escrow, job, 5)


def test_settlement_does_not_depend_on_the_renter_wallets_owner(harness: Harness, escrow: Escrow) -> None:
    """A renter that hands its wallet to another program cannot hold the node's pay hostage."""
    job = started_job(escrow)
    harness.warp(2 * HOUR)
    escrow.complete(job, 2)
    harness.warp(WINDOW + 1)
    some_program = harness.programs.staking.program_id
    harness.ok(assign(AssignParams(pubkey=job.renter.pubkey(), owner=some_program)), job.renter)
    assert harness.chain.get_account(job.renter.pubkey()).owner == some_program
    rent = escrow.lamports(job.address)
    lamports = escrow.lamports(job.renter.pubkey())
    settle_checked(escrow, job, 2)
    assert escrow.lamports(job.renter.pubkey()) == lamports + rent


def update_ix(escrow: Escrow, signer: Keypair, /, **changes):
    return escrow.update_config_ix(signer.pubkey(), **changes)


def accept_ix(escrow: Escrow, key: Pubkey):
    return ix(escrow, "accept_authority", {}, {"new_authority": key, "config": EscrowAddresses.config})


def test_the_oracle_handover_takes_two_steps(harness: Harness, escrow: Escrow) -> None:
    admin, old_oracle, new_oracle = harness.roles.admin, harness.roles.keeper, harness.wallet()
    harness.ok(update_ix(escrow, admin, oracle_authority=new_oracle.pubkey()), admin)
    config = escrow.config()
    assert (config.oracle_authority, config.pending_oracle_authority) == (old_oracle.pubkey(), new_oracle.pubkey())
    # Until the new key accepts, the old one still completes jobs and the new one cannot.
    job = started_job(escrow)
    harness.warp(HOUR)
    harness.fails("NotCompleter", escrow.complete_ix(job, 1, new_oracle.pubkey()), escrow.cranker, new_oracle, watch=escrow.watch(job))
    stranger = harness.wallet()
    harness.fails("NothingToAccept", accept_ix(escrow, stranger.pubkey()), stranger, watch=[EscrowAddresses.config])
    harness.ok(accept_ix(escrow, new_oracle.pubkey()), new_oracle)
    config = escrow.config()
    assert (config.oracle_authority, config.pending_oracle_authority) == (new_oracle.pubkey(), Pubkey.default())
    harness.fails("NotCompleter", escrow.complete_ix(job, 1, old_oracle.pubkey()), escrow.cranker, old_oracle, watch=escrow.watch(job))
    escrow.complete(job, 1, new_oracle)
    # Accepting twice does nothing more.
    harness.fails("NothingToAccept", accept_ix(escrow, new_oracle.pubkey()), new_oracle, watch=[EscrowAddresses.config])


def test_the_admin_handover_takes_two_steps_and_can_be_withdrawn(harness: Harness, escrow: Escrow) -> None:
    admin, new_admin = harness.roles.admin, harness.wallet()
    harness.ok(update_ix(escrow, admin, admin=new_admin.pubkey()), admin)
    # Proposing the current admin withdraws the proposal: the proposed key can no longer accept.
    harness.ok(update_ix(escrow, admin, admin=admin.pubkey()), admin)
    assert escrow.config().pending_admin == Pubkey.default()
    harness.fails("NothingToAccept", accept_ix(escrow, new_admin.pubkey()), new_admin, watch=[EscrowAddresses.config])
    harness.ok(update_ix(escrow, admin, admin=new_admin.pubkey()), admin)
    harness.fails("NotAdmin", update_ix(escrow, new_admin, paused=True), new_admin, watch=[EscrowAddresses.config])
    harness.ok(accept_ix(escrow, new_admin.pubkey()), new_admin)
    harness.fails("NotAdmin", update_ix(escrow, admin, paused=True), admin, watch=[EscrowAddresses.config])
    harness.ok(update_ix(escrow, new_admin, paused=True), new_admin)
    assert escrow.config().admin == new_admin.pubkey()


@pytest.mark.parametrize("secs, ok", [(MIN_WINDOW - 1, False), (MIN_WINDOW, True), (MAX_WINDOW, True), (MAX_WINDOW + 1, False), (0, False), (-1, False)])
def test_the_dispute_window_is_bounded(harness: Harness, escrow: Escrow, secs: int, ok: bool) -> None:
    admin = harness.roles.admin
    if ok:
        harness.ok(update_ix(escrow, admin, dispute_window_secs=secs), admin)
        assert escrow.config().dispute_window_secs == secs
    else:
        harness.fails("InvalidDisputeWindow", update_ix(escrow, admin, dispute_window_secs=secs), admin, watch=[EscrowAddresses.config])


def test_a_new_dispute_window_applies_to_jobs_opened_afterwards(harness: Harness, escrow: Escrow) -> None:
    """A job keeps the terms it was opened with: changing the window does not move the
    settlement of a running job (either way)."""
    admin = harness.roles.admin
    running = started_job(escrow)
    harness.ok(update_ix(escrow, admin, dispute_window_secs=MIN_WINDOW), admin)
    later = started_job(escrow)
    harness.warp(HOUR)
    escrow.complete(running, 1)
    escrow.complete(later, 1)
    assert escrow.job(running).dispute_deadline == escrow.job(running).completed_at + WINDOW
    assert escrow.job(later).dispute_deadline == escrow.job(later).completed_at + MIN_WINDOW
    harness.warp(MIN_WINDOW + 1)
    harness.fails("NotSettleable", escrow.settle_ix(running), escrow.cranker, watch=escrow.watch(running))
    settle_checked(escrow, later, 1)
