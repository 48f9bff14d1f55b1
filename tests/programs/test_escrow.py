"""The escrow program (real SBF build in LiteSVM): every instruction's success path, every
way a caller can get it wrong, and exact conservation of every deposit.

Expected amounts are recomputed from the SPEC in `escrow_helpers.quote/settlement` (with
keeper.client.fees), never read back from the program; conservation is asserted on real token
balances: deposit == node payout + token share (burn vault for IO, treasury for USDC)
+ fees + refund, to the base unit.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from solders.account import Account
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID

from keeper.client.addresses import (
    TOKEN_PROGRAM_ID,
    EscrowAddresses,
    RewardsAddresses,
    StakingAddresses,
    associated_token_address,
)
from keeper.client.constants import (
    FACILITATION_FEE_BPS,
    NETWORK_FEE_BPS,
    RESERVATION_FEE_BPS,
    ProgramIds,
)
from keeper.client.fees import U64_MAX
from keeper.localnet.deployment import Programs, create_mint, create_token_account
from keeper.localnet.remote import LocalnetChain
from tests.programs.escrow_helpers import (
    COMPUTE_UNITS,
    HOUR,
    TOKEN_ACCOUNT_SIZE,
    Escrow,
    JobRef,
    clone_account,
    deltas,
    kind_name,
    max_price,
    plain_token_account,
    quote,
    record_cu,
    settlement,
    unsigned,
)
from tests.programs.harness import START_TS, Harness, custom_error_code, error_name, fresh_chain, upgrade_authority
from tests.programs.init_helpers import already_in_use, fails_in_use

START_TIMEOUT = 3_600  # keeper.localnet.deployment.Settings defaults used by the harness
COMPLETE_GRACE = 3_600
DISPUTE_WINDOW = 3_600
YEAR = 365 * 24 * 3_600
WEEK = 7 * 24 * 3_600  # the longest dispute window (the shortest: a minute)
UPDATE_FIELDS = ("admin", "oracle_authority", "treasury", "start_timeout_secs", "complete_grace_secs", "dispute_window_secs", "paused")
USDC_PRICE = 2_000_000  # 2 USDC (6 decimals) an hour
IO_PRICE = 3 * 10**9  # 3 IO an hour
# Discriminator + EscrowConfig (state/config.rs): version, bump, 8 keys (admin, oracle, treasury, 2 mints, burn vault,
# 2 escrow vaults), 3 fee rates, 2 timeouts + dispute window, paused, 2 pending authorities, reserved.
CONFIG_SIZE = 8 + 1 + 1 + 8 * 32 + 3 * 2 + 3 * 8 + 1 + 2 * 32 + 64
# Discriminator + Job (state/job.rs): version, bump, id, 4 keys, kind, price, hours, 3 fees, status, 5 times, vault,
# completed_by, dispute deadline, disputed_at, reserved.
# RenterLedger: discriminator, version, bump, renter, window_start, used_ids, jobs_opened.
RENTER_LEDGER_SIZE = 8 + 1 + 1 + 32 + 8 + 4 * 8 + 8
JOB_SIZE = 8 + 2 + 8 + 4 * 32 + 1 + 8 + 2 * 4 + 3 * 8 + 1 + 5 * 8 + 32 + 1 + 2 * 8 + 32


@pytest.fixture(scope="module", autouse=True)
def _compute_unit_report():
    """Compute units of every successful escrow instruction; printed with `-s` and written to
    $ESCROW_CU_REPORT when set."""
    yield
    summary = {name: {"calls": len(v), "min": min(v), "max": max(v)} for name, v in sorted(COMPUTE_UNITS.items())}
    print("\nescrow compute units:", json.dumps(summary, indent=1))
    if path := os.environ.get("ESCROW_CU_REPORT"):
        Path(path).write_text(json.dumps(summary, indent=1))


@pytest.fixture
def escrow(harness: Harness) -> Escrow:
    return Escrow(harness, token_share_bps=1_000)


def usdc_job(escrow: Escrow, hours: int = 10, price: int = USDC_PRICE, **kw) -> JobRef:
    return escrow.new_job(escrow.h.usdc_mint, hours, price, **kw)


def io_job(escrow: Escrow, hours: int = 10, price: int = IO_PRICE, **kw) -> JobRef:
    return escrow.new_job(escrow.h.io_mint, hours, price, **kw)


def rent_of(escrow: Escrow, job: JobRef) -> int:
    """Lamports held by the job: what must come back to the renter on close."""
    job_rent = escrow.lamports(job.address)
    chain = escrow.h.chain
    assert job_rent == chain.rent_exempt_minimum(len(chain.get_account(job.address).data))
    return job_rent


def assert_closed_to_renter(escrow: Escrow, job: JobRef, renter_lamports_before: int, rent: int) -> None:
    assert not escrow.exists(job.address), "job account still open"
    assert escrow.exists(job.vault), "the escrow vault is shared and stays"
    assert escrow.lamports(job.renter.pubkey()) == renter_lamports_before + rent


def assert_vault_backs_open_jobs(escrow: Escrow, mint: Pubkey, donated: int = 0) -> None:
    """The mint's escrow vault holds exactly the deposits of the jobs still open in that mint,
    plus whatever was sent to it from outside (which stays there)."""
    assert escrow.h.balance(EscrowAddresses.vault(mint)) == escrow.open_deposits(mint) + donated


def not_jobs(harness: Harness, job: JobRef) -> list[tuple[str, Pubkey]]:
    """Accounts passed as a job that are not one, with the error each gets: the job's bytes
    under another owner, and an escrow account of another type. (An escrow-owned Job exists only
    at its PDA, since open_job creates jobs nowhere else (WrongJobAddress), so instructions
    identify a job by owner and type, and tie it to the other accounts with `has_one`.)"""
    return [
        ("AccountOwnedByWrongProgram", clone_account(harness, job.address, owner=ProgramIds.STAKING)),
        ("AccountDiscriminatorMismatch", EscrowAddresses.config),
    ]


def settle_and_check(escrow: Escrow, job: JobRef, hours_used: int, token_share_bps: int, rent_exact: bool = True, donated: int = 0) -> dict:
    """Settles a completed job (after its dispute window) and checks every token movement against
    the SPEC figures, conservation from balances, the event, and the close back to the renter.
    The shared escrow vault gives up exactly this job's deposit: other open jobs' deposits (and
    `donated`, tokens sent to the vault from outside) stay."""
    h = escrow.h
    q = quote(job.hours, job.price, job.usdc)
    s = settlement(q, job.price, hours_used, token_share_bps, job.usdc)
    escrow.wait_for_dispute_window(job)
    before = escrow.balances(job)
    assert_vault_backs_open_jobs(escrow, job.mint, donated)
    assert before["vault"] >= q.deposit
    renter_lamports = escrow.lamports(job.renter.pubkey())
    rent = rent_of(escrow, job) if rent_exact else escrow.lamports(job.address)

    record = escrow.settle(job)
    after = escrow.balances(job)
    moved = deltas(before, after)

    # Exact conservation from real balances.
    assert moved["vault"] == -q.deposit
    assert_vault_backs_open_jobs(escrow, job.mint, donated)
    assert moved["operator"] + moved["burn"] + moved["treasury"] + moved["renter"] == q.deposit
    assert s.node_payout + s.token_share + s.treasury_fees + s.refund == q.deposit
    # Each party gets its SPEC figure.
    assert moved["operator"] == s.node_payout
    assert moved["renter"] == s.refund
    if job.usdc:
        assert moved["burn"] == 0
        assert moved["treasury"] == s.treasury_fees + s.token_share
    else:
        assert s.facilitation_charged == 0 and q.facilitation_fee == 0
        assert moved["burn"] == s.token_share
        assert moved["treasury"] == s.treasury_fees
    assert_closed_to_renter(escrow, job, renter_lamports, rent)

    event = escrow.event(record, "JobSettled")
    # What settlement decided (the job's terms are in its JobOpened event).
    assert (event.job, event.operator, event.payment_mint) == (job.address, job.node.operator.pubkey(), job.mint)
    assert kind_name(event.payment_kind) == ("Usdc" if job.usdc else "Io")
    assert (event.hours_used, event.deposit, event.network_fee) == (hours_used, q.deposit, s.network_fee)
    assert (event.facilitation_fee_charged, event.reservation_fee, event.treasury_fees) == (s.facilitation_charged, q.reservation_fee, s.treasury_fees)
    assert (event.token_share_bps, event.token_share, event.node_payout) == (token_share_bps, s.token_share, s.node_payout)
    assert (event.refund, event.settled_at) == (s.refund, h.now)
    assert event.node_payout + event.token_share + event.treasury_fees + event.refund == event.deposit
    return moved


def cancel_and_check(escrow: Escrow, job: JobRef, reclaim: bool, missed_start: bool = False, donated: int = 0) -> None:
    """Cancel/reclaim: the reservation fee goes to the treasury (back to the renter too when the
    node never started the job), everything else back to the renter, nothing to the node or the
    burn vault; the job closes to the renter. The escrow vault gives up exactly the job's deposit."""
    q = quote(job.hours, job.price, job.usdc)
    fee = 0 if missed_start else q.reservation_fee
    before = escrow.balances(job)
    assert_vault_backs_open_jobs(escrow, job.mint, donated)
    assert before["vault"] >= q.deposit
    renter_lamports = escrow.lamports(job.renter.pubkey())
    rent = rent_of(escrow, job)

    record = escrow.reclaim(job) if reclaim else escrow.cancel(job)
    moved = deltas(before, escrow.balances(job))
    assert moved == {
        "vault": -q.deposit,
        "renter": q.deposit - fee,
        "operator": 0,
        "treasury": fee,
        "burn": 0,
    }
    assert moved["renter"] + moved["treasury"] == q.deposit
    assert_vault_backs_open_jobs(escrow, job.mint, donated)
    assert_closed_to_renter(escrow, job, renter_lamports, rent)
    event = escrow.event(record, "JobCancelled")
    assert (event.job, event.job_id, event.renter, event.node, event.payment_mint, event.reclaimed) == (
        job.address,
        job.job_id,
        job.renter.pubkey(),
        job.node.address,
        job.mint,
        reclaim,
    )
    assert (event.deposit, event.reservation_fee, event.refund) == (q.deposit, fee, q.deposit - fee)
    assert event.cancelled_at == escrow.h.now


# =====================================================================================
# initialize
# =====================================================================================


def chain_with_rewards_only(repo_root: Path) -> tuple[LocalnetChain, Programs, Keypair, Keypair]:
    """A fresh chain where only the rewards program is initialized (the IO mint exists), for
    driving escrow's initialize (bootstrap already ran it on the harness chain)."""
    chain = fresh_chain(START_TS)
    programs = Programs.load(repo_root)
    admin, keeper = upgrade_authority(), Keypair()
    chain.airdrop(admin.pubkey(), 100 * 10**9)
    chain.send_instructions(
        [
            programs.rewards.instruction(
                "initialize",
                {"start_ts": START_TS, "keeper_authority": keeper.pubkey()},
                {
                    "admin": admin.pubkey(),
                    "config": RewardsAddresses.config,
                    "emission": RewardsAddresses.emission,
                    "burn_ledger": RewardsAddresses.burn_ledger,
                    "mint_authority": RewardsAddresses.mint_authority,
                    "io_mint": RewardsAddresses.io_mint,
                    "reward_vault": RewardsAddresses.reward_vault,
                    "burn_vault": RewardsAddresses.burn_vault,
                },
            )
        ],
        admin,
    ).raise_for_error()
    return chain, programs, admin, keeper


def test_initialize_on_fresh_chain_validates_and_records_protocol_fees(repo_root: Path) -> None:
    """initialize runs once per deployment; bootstrap already ran it on the harness chain, so
    this drives it on a chain where only the rewards program (the IO mint) is set up."""
    chain, programs, admin, keeper = chain_with_rewards_only(repo_root)
    treasury = Keypair()
    usdc = create_mint(chain, admin, admin.pubkey(), 6)
    other_mint = create_mint(chain, admin, admin.pubkey(), 9)
    escrow_idl = programs.escrow

    keeper_key, treasury_wallet, admin_key = keeper.pubkey(), treasury.pubkey(), admin.pubkey()

    def ix(
        usdc_mint=usdc,
        io_mint=RewardsAddresses.io_mint,
        oracle=keeper_key,
        treasury_key=treasury_wallet,
        start=START_TIMEOUT,
        grace=COMPLETE_GRACE,
        window=DISPUTE_WINDOW,
        signer=admin_key,
        **accounts,
    ):
        return escrow_idl.instruction(
            "initialize",
            {
                "params": {
                    "oracle_authority": oracle,
                    "treasury": treasury_key,
                    "start_timeout_secs": start,
                    "complete_grace_secs": grace,
                    "dispute_window_secs": window,
                }
            },
            {"admin": signer, "config": EscrowAddresses.config, "usdc_mint": usdc_mint, "io_mint": io_mint, **accounts},
        )

    vaults = (EscrowAddresses.vault(usdc), EscrowAddresses.vault(RewardsAddresses.io_mint))

    def expect(name: str, instruction, *signers: Keypair) -> None:
        record = chain.send_instructions([instruction], admin, *signers)
        assert error_name(record) == name, "\n".join(record.result.logs)
        assert chain.get_account(EscrowAddresses.config) is None, "config created by a failed initialize"
        assert all(chain.get_account(vault) is None for vault in vaults), "vault created by a failed initialize"

    # One mint as both payment mints: its escrow vault would be both vaults, so `init` of the second
    # finds the address in use (before the handler's SameMints check); nothing is created.
    record = chain.send_instructions([ix(usdc_mint=RewardsAddresses.io_mint)], admin)
    assert already_in_use(record), "\n".join(record.result.logs)
    assert chain.get_account(EscrowAddresses.config) is None and all(chain.get_account(v) is None for v in vaults)
    expect("WrongIoMint", ix(io_mint=other_mint))
    expect("WrongIoMint", ix(usdc_mint=RewardsAddresses.io_mint, io_mint=usdc))
    expect("InvalidAuthority", ix(oracle=Pubkey.default()))
    expect("InvalidAuthority", ix(treasury_key=Pubkey.default()))
    expect("InvalidTimeout", ix(start=0))
    expect("InvalidTimeout", ix(start=YEAR + 1))
    expect("InvalidTimeout", ix(grace=-1))
    expect("InvalidTimeout", ix(grace=YEAR + 1))
    for window in (0, -1, 59, WEEK + 1):
        expect("InvalidDisputeWindow", ix(window=window))
    # The escrow vaults only at their PDAs [ESCROW_VAULT, mint] (not swapped, not elsewhere).
    expect("ConstraintSeeds", ix(usdc_vault=vaults[1], io_vault=vaults[0]))
    expect("ConstraintSeeds", ix(usdc_vault=Keypair().pubkey()))
    # The admin must sign: a transaction paid by someone else naming the admin unsigned.
    payer = Keypair()
    chain.airdrop(payer.pubkey(), 10**9)
    record = chain.send_instructions([unsigned(ix(), admin.pubkey())], payer)
    assert error_name(record) == "AccountNotSigner"

    record = chain.send_instructions([ix(start=1, grace=0, window=60)], admin).raise_for_error()
    COMPUTE_UNITS["initialize"].append(record.result.compute_units_consumed)
    config = escrow_idl.decode_account_as("EscrowConfig", bytes(chain.get_account(EscrowAddresses.config).data))
    assert (config.admin, config.oracle_authority, config.treasury) == (admin.pubkey(), keeper.pubkey(), treasury.pubkey())
    assert (config.pending_admin, config.pending_oracle_authority) == (Pubkey.default(), Pubkey.default())
    assert (config.usdc_mint, config.io_mint, config.burn_vault) == (usdc, RewardsAddresses.io_mint, RewardsAddresses.burn_vault)
    assert (config.usdc_vault, config.io_vault) == vaults
    # Each vault: an SPL Token account of its mint, held by the config PDA, empty.
    for vault, mint in zip(vaults, (usdc, RewardsAddresses.io_mint), strict=True):
        account = chain.get_account(vault)
        assert account.owner == TOKEN_PROGRAM_ID and len(account.data) == TOKEN_ACCOUNT_SIZE
        data = bytes(account.data)
        assert (data[:32], data[32:64], data[64:72]) == (bytes(mint), bytes(EscrowAddresses.config), bytes(8))
    assert (config.facilitation_fee_bps, config.reservation_fee_bps, config.network_fee_bps) == (FACILITATION_FEE_BPS, RESERVATION_FEE_BPS, NETWORK_FEE_BPS)
    assert (config.start_timeout_secs, config.complete_grace_secs, config.dispute_window_secs, config.paused) == (1, 0, 60, False)
    assert config.version == 1
    assert config.bump == Pubkey.find_program_address([b"config"], ProgramIds.ESCROW)[1]
    assert chain.get_account(EscrowAddresses.config).owner == ProgramIds.ESCROW
    [event] = [e.data for e in escrow_idl.decode_events(record.result.logs) if e.name == "EscrowInitialized"]
    assert (event.config, event.admin, event.oracle_authority, event.treasury) == (EscrowAddresses.config, admin.pubkey(), keeper.pubkey(), treasury.pubkey())
    assert (event.usdc_mint, event.io_mint, event.burn_vault) == (usdc, RewardsAddresses.io_mint, RewardsAddresses.burn_vault)
    assert (event.facilitation_fee_bps, event.reservation_fee_bps, event.network_fee_bps) == (200, 25, 500)
    assert (event.start_timeout_secs, event.complete_grace_secs, event.dispute_window_secs) == (1, 0, 60)
    assert (event.usdc_vault, event.io_vault) == vaults

    # Second initialize, even with other settings: refused by `init` (already in use), config untouched.
    before = chain.get_account(EscrowAddresses.config)
    record = chain.send_instructions([ix(start=99)], admin)
    assert already_in_use(record), "\n".join(record.result.logs)
    assert bytes(chain.get_account(EscrowAddresses.config).data) == bytes(before.data)
    # The config is only ever taken at its [CONFIG] PDA.
    fake = Keypair().pubkey()
    record = chain.send_instructions(
        [
            escrow_idl.instruction(
                "initialize",
                {
                    "params": {
                        "oracle_authority": keeper.pubkey(),
                        "treasury": treasury.pubkey(),
                        "start_timeout_secs": 1,
                        "complete_grace_secs": 0,
                        "dispute_window_secs": 60,
                    }
                },
                {"admin": admin.pubkey(), "config": fake, "usdc_mint": usdc, "io_mint": RewardsAddresses.io_mint},
            )
        ],
        admin,
    )
    assert error_name(record) == "ConstraintSeeds"
    assert chain.get_account(fake) is None


def test_initialize_cannot_rerun_on_deployed_escrow(harness: Harness, escrow: Escrow) -> None:
    attacker = harness.wallet()
    vaults = (EscrowAddresses.vault(harness.usdc_mint), EscrowAddresses.vault(harness.io_mint))
    for signer in (attacker, harness.roles.admin):
        ix = escrow.idl.instruction(
            "initialize",
            {
                "params": {
                    "oracle_authority": signer.pubkey(),
                    "treasury": signer.pubkey(),
                    "start_timeout_secs": 10,
                    "complete_grace_secs": 10,
                    "dispute_window_secs": 60,
                }
            },
            {"admin": signer.pubkey(), "config": EscrowAddresses.config, "usdc_mint": harness.usdc_mint, "io_mint": harness.io_mint},
        )
        fails_in_use(harness, ix, signer, watch=[EscrowAddresses.config, *vaults])
    assert escrow.config().admin == harness.roles.admin.pubkey()


@pytest.mark.parametrize("prefund", ["zero_byte_minimum", "rent_exempt"])
def test_initialize_survives_a_prefunded_config_address(repo_root: Path, prefund: str) -> None:
    """The config and escrow vault addresses are predictable: lamports there before initialize
    (the least the runtime allows, the rent-exempt minimum of 0 bytes, or a whole rent-exempt
    balance) must not block it (Anchor's `init` creates them with the System Program's
    CreateAccountAllowPrefund). The lamports stay with the accounts; the admin pays only what
    they lack."""
    chain, programs, admin, keeper = chain_with_rewards_only(repo_root)
    treasury = Keypair()
    usdc = create_mint(chain, admin, admin.pubkey(), 6)
    sizes = {
        EscrowAddresses.config: CONFIG_SIZE,
        EscrowAddresses.vault(usdc): TOKEN_ACCOUNT_SIZE,
        EscrowAddresses.vault(RewardsAddresses.io_mint): TOKEN_ACCOUNT_SIZE,
    }
    rents = {address: chain.rent_exempt_minimum(size) for address, size in sizes.items()}
    gifts = {address: chain.rent_exempt_minimum(0) if prefund == "zero_byte_minimum" else rent for address, rent in rents.items()}
    for address, gift in gifts.items():
        chain.set_account(address, Account(lamports=gift, data=b"", owner=SYSTEM_PROGRAM_ID, executable=False, rent_epoch=0))
    before = chain.balance(admin.pubkey())
    record = chain.send_instructions(
        [
            programs.escrow.instruction(
                "initialize",
                {
                    "params": {
                        "oracle_authority": keeper.pubkey(),
                        "treasury": treasury.pubkey(),
                        "start_timeout_secs": 60,
                        "complete_grace_secs": 60,
                        "dispute_window_secs": 60,
                    }
                },
                {"admin": admin.pubkey(), "config": EscrowAddresses.config, "usdc_mint": usdc, "io_mint": RewardsAddresses.io_mint},
            )
        ],
        admin,
    ).raise_for_error()
    for address, size in sizes.items():
        account = chain.get_account(address)
        owner = ProgramIds.ESCROW if address == EscrowAddresses.config else TOKEN_PROGRAM_ID
        assert account.owner == owner and len(account.data) == size
        assert account.lamports == rents[address]
    assert chain.balance(admin.pubkey()) == before - sum(rents[a] - gifts[a] for a in sizes) - record.fee
    config = programs.escrow.decode_account_as("EscrowConfig", bytes(chain.get_account(EscrowAddresses.config).data))
    assert (config.admin, config.treasury, config.usdc_mint, config.start_timeout_secs) == (admin.pubkey(), treasury.pubkey(), usdc, 60)


# =====================================================================================
# update_config
# =====================================================================================


def test_update_config_changes_only_given_fields(harness: Harness, escrow: Escrow) -> None:
    admin, keeper = harness.roles.admin, harness.roles.keeper.pubkey()
    new_oracle, new_treasury = Keypair().pubkey(), Keypair().pubkey()
    record = record_cu(
        "update_config", harness.ok(escrow.update_config_ix(admin.pubkey(), oracle_authority=new_oracle, start_timeout_secs=600, paused=True), admin)
    )
    config = escrow.config()
    # A new oracle authority is only proposed: the current one stays until the new key accepts.
    assert (config.admin, config.oracle_authority, config.treasury) == (admin.pubkey(), keeper, harness.roles.treasury.pubkey())
    assert (config.pending_admin, config.pending_oracle_authority) == (Pubkey.default(), new_oracle)
    assert (config.start_timeout_secs, config.complete_grace_secs, config.dispute_window_secs, config.paused) == (600, COMPLETE_GRACE, DISPUTE_WINDOW, True)
    event = escrow.event(record, "EscrowConfigUpdated")
    assert (event.admin, event.oracle_authority, event.treasury) == (admin.pubkey(), keeper, harness.roles.treasury.pubkey())
    assert (event.pending_admin, event.pending_oracle_authority) == (Pubkey.default(), new_oracle)
    assert (event.start_timeout_secs, event.complete_grace_secs, event.dispute_window_secs, event.paused) == (600, COMPLETE_GRACE, DISPUTE_WINDOW, True)

    record = record_cu(
        "update_config",
        harness.ok(escrow.update_config_ix(admin.pubkey(), treasury=new_treasury, complete_grace_secs=0, dispute_window_secs=60, paused=False), admin),
    )
    config = escrow.config()
    assert (
        config.oracle_authority,
        config.pending_oracle_authority,
        config.treasury,
        config.start_timeout_secs,
        config.complete_grace_secs,
        config.dispute_window_secs,
        config.paused,
    ) == (keeper, new_oracle, new_treasury, 600, 0, 60, False)
    assert escrow.event(record, "EscrowConfigUpdated").dispute_window_secs == 60
    # Fee rates, mints, vaults and burn vault are not settable.
    assert (config.facilitation_fee_bps, config.reservation_fee_bps, config.network_fee_bps) == (200, 25, 500)
    assert (config.usdc_mint, config.io_mint, config.burn_vault) == (harness.usdc_mint, harness.io_mint, RewardsAddresses.burn_vault)
    assert (config.usdc_vault, config.io_vault) == (EscrowAddresses.vault(harness.usdc_mint), EscrowAddresses.vault(harness.io_mint))
    # An empty update is a no-op that still validates.
    before = bytes(harness.chain.get_account(EscrowAddresses.config).data)
    record_cu("update_config", harness.ok(escrow.update_config_ix(admin.pubkey()), admin))
    assert bytes(harness.chain.get_account(EscrowAddresses.config).data) == before
    # Proposing the current oracle authority withdraws the proposal.
    harness.ok(escrow.update_config_ix(admin.pubkey(), oracle_authority=keeper), admin)
    config = escrow.config()
    assert (config.oracle_authority, config.pending_oracle_authority) == (keeper, Pubkey.default())


def test_update_config_hands_admin_over(harness: Harness, escrow: Escrow) -> None:
    """Two steps: the admin proposes, the new key accepts. Until it accepts, the old admin keeps
    acting and the new key cannot; afterwards it is the other way round."""
    old, new, stranger = harness.roles.admin, harness.wallet(), harness.wallet()
    watch = [EscrowAddresses.config]
    # Nothing proposed yet: nobody can accept.
    harness.fails("NothingToAccept", escrow.accept_authority_ix(new.pubkey()), new, watch=watch)
    record = harness.ok(escrow.update_config_ix(old.pubkey(), admin=new.pubkey()), old)
    assert escrow.event(record, "EscrowConfigUpdated").pending_admin == new.pubkey()
    config = escrow.config()
    assert (config.admin, config.pending_admin) == (old.pubkey(), new.pubkey())
    # Proposed, not accepted: the old admin still acts, the new key does not yet.
    harness.ok(escrow.update_config_ix(old.pubkey(), start_timeout_secs=600), old)
    harness.fails("NotAdmin", escrow.update_config_ix(new.pubkey(), paused=True), new, watch=watch)
    # Only the proposed key can accept, and only by signing.
    for other in (stranger, old, harness.roles.keeper):
        harness.fails("NothingToAccept", escrow.accept_authority_ix(other.pubkey()), other, watch=watch)
    harness.fails("AccountNotSigner", unsigned(escrow.accept_authority_ix(new.pubkey()), new.pubkey()), stranger, watch=watch)
    fake_config = clone_account(harness, EscrowAddresses.config)
    harness.fails("WrongConfig", escrow.accept_authority_ix(new.pubkey(), config=fake_config), new, watch=[*watch, fake_config])

    record = record_cu("accept_authority", harness.ok(escrow.accept_authority_ix(new.pubkey()), new))
    event = escrow.event(record, "AuthorityAccepted")
    assert (event.authority, event.admin, event.oracle_authority) == (new.pubkey(), True, False)
    config = escrow.config()
    assert (config.admin, config.pending_admin, config.oracle_authority) == (new.pubkey(), Pubkey.default(), harness.roles.keeper.pubkey())
    assert config.start_timeout_secs == 600  # what the old admin set before the handover stays
    # The new admin acts, the old one cannot; the proposal is spent.
    harness.fails("NotAdmin", escrow.update_config_ix(old.pubkey(), paused=True), old, watch=watch)
    harness.ok(escrow.update_config_ix(new.pubkey(), paused=True), new)
    assert escrow.config().paused is True
    harness.fails("NothingToAccept", escrow.accept_authority_ix(new.pubkey()), new, watch=watch)


def test_a_mistyped_or_withdrawn_admin_proposal_changes_nothing(harness: Harness, escrow: Escrow) -> None:
    """A proposal nobody accepts leaves the admin in place; a later proposal replaces it (the
    earlier key can no longer accept), and proposing the admin itself withdraws it."""
    admin, typo, meant = harness.roles.admin, harness.wallet(), harness.wallet()
    watch = [EscrowAddresses.config]
    harness.ok(escrow.update_config_ix(admin.pubkey(), admin=typo.pubkey()), admin)
    harness.ok(escrow.update_config_ix(admin.pubkey(), admin=meant.pubkey()), admin)
    harness.fails("NothingToAccept", escrow.accept_authority_ix(typo.pubkey()), typo, watch=watch)
    harness.ok(escrow.update_config_ix(admin.pubkey(), admin=admin.pubkey()), admin)
    config = escrow.config()
    assert (config.admin, config.pending_admin) == (admin.pubkey(), Pubkey.default())
    harness.fails("NothingToAccept", escrow.accept_authority_ix(meant.pubkey()), meant, watch=watch)
    harness.ok(escrow.update_config_ix(admin.pubkey(), paused=True), admin)


def test_one_key_proposed_for_both_roles_takes_both_at_once(harness: Harness, escrow: Escrow) -> None:
    admin, successor = harness.roles.admin, harness.wallet()
    harness.ok(escrow.update_config_ix(admin.pubkey(), admin=successor.pubkey(), oracle_authority=successor.pubkey()), admin)
    record = harness.ok(escrow.accept_authority_ix(successor.pubkey()), successor)
    event = escrow.event(record, "AuthorityAccepted")
    assert (event.authority, event.admin, event.oracle_authority) == (successor.pubkey(), True, True)
    config = escrow.config()
    assert (config.admin, config.oracle_authority, config.pending_admin, config.pending_oracle_authority) == (
        successor.pubkey(),
        successor.pubkey(),
        Pubkey.default(),
        Pubkey.default(),
    )


def test_update_config_refusals(harness: Harness, escrow: Escrow) -> None:
    admin, stranger = harness.roles.admin, harness.wallet()
    watch = [EscrowAddresses.config]
    harness.fails("NotAdmin", escrow.update_config_ix(stranger.pubkey(), paused=True), stranger, watch=watch)
    # The oracle/keeper and treasury are not admins either.
    for role in (harness.roles.keeper, harness.roles.treasury):
        harness.fails("NotAdmin", escrow.update_config_ix(role.pubkey(), paused=True), role, watch=watch)
    # Admin named but not signing.
    harness.fails("AccountNotSigner", unsigned(escrow.update_config_ix(admin.pubkey(), paused=True), admin.pubkey()), stranger, watch=watch)
    for field in ("admin", "oracle_authority", "treasury"):
        harness.fails("InvalidAuthority", escrow.update_config_ix(admin.pubkey(), **{field: Pubkey.default()}), admin, watch=watch)
    for bad in (
        {"start_timeout_secs": 0},
        {"start_timeout_secs": -5},
        {"start_timeout_secs": YEAR + 1},
        {"complete_grace_secs": -1},
        {"complete_grace_secs": YEAR + 1},
    ):
        harness.fails("InvalidTimeout", escrow.update_config_ix(admin.pubkey(), **bad), admin, watch=watch)
    for window in (0, -1, 59, WEEK + 1):
        harness.fails("InvalidDisputeWindow", escrow.update_config_ix(admin.pubkey(), dispute_window_secs=window), admin, watch=watch)
    # A valid change bundled with an invalid one changes nothing.
    harness.fails("InvalidTimeout", escrow.update_config_ix(admin.pubkey(), paused=True, complete_grace_secs=-1), admin, watch=watch)
    harness.fails("InvalidDisputeWindow", escrow.update_config_ix(admin.pubkey(), admin=stranger.pubkey(), dispute_window_secs=59), admin, watch=watch)
    # A config-shaped escrow account at another address (not the [CONFIG] PDA).
    fake = clone_account(harness, EscrowAddresses.config)
    harness.fails(
        "WrongConfig",
        escrow.idl.instruction("update_config", {"params": {**dict.fromkeys(UPDATE_FIELDS), "paused": True}}, {"admin": admin.pubkey(), "config": fake}),
        admin,
        watch=[*watch, fake],
    )
    # The staking config has the same seed under another program.
    harness.fails(
        "AccountOwnedByWrongProgram",
        escrow.idl.instruction(
            "update_config", {"params": {**dict.fromkeys(UPDATE_FIELDS), "paused": True}}, {"admin": admin.pubkey(), "config": StakingAddresses.config}
        ),
        admin,
        watch=[*watch, StakingAddresses.config],
    )
    # Boundaries are accepted.
    harness.ok(escrow.update_config_ix(admin.pubkey(), start_timeout_secs=YEAR, complete_grace_secs=YEAR, dispute_window_secs=WEEK), admin)
    harness.ok(escrow.update_config_ix(admin.pubkey(), start_timeout_secs=1, complete_grace_secs=0, dispute_window_secs=60), admin)
    config = escrow.config()
    assert (config.start_timeout_secs, config.complete_grace_secs, config.dispute_window_secs) == (1, 0, 60)


def test_pause_stops_new_jobs_only(harness: Harness, escrow: Escrow) -> None:
    admin = harness.roles.admin
    running, cancelled, blocked = usdc_job(escrow), io_job(escrow), usdc_job(escrow)
    escrow.open(running)
    escrow.open(cancelled)
    harness.ok(escrow.update_config_ix(admin.pubkey(), paused=True), admin)
    harness.fails("Paused", escrow.open_ix(blocked), blocked.renter, watch=escrow.watch(blocked))
    assert not escrow.exists(blocked.address)
    # Running jobs finish and pay out; open ones can still be cancelled.
    escrow.start(running)
    harness.warp(4 * HOUR)
    escrow.complete(running, 4)
    settle_and_check(escrow, running, 4, escrow.node.token_share_bps)
    cancel_and_check(escrow, cancelled, reclaim=False)
    harness.ok(escrow.update_config_ix(admin.pubkey(), paused=False), admin)
    escrow.open(blocked)
    assert kind_name(escrow.job(blocked).status) == "Open"


def test_new_timeouts_apply_to_later_jobs_only(harness: Harness, escrow: Escrow) -> None:
    admin = harness.roles.admin
    early = usdc_job(escrow)
    escrow.open(early)
    harness.ok(escrow.update_config_ix(admin.pubkey(), start_timeout_secs=60, complete_grace_secs=7), admin)
    late = usdc_job(escrow, hours=2)
    escrow.open(late)
    assert escrow.job(early).start_deadline == START_TS + START_TIMEOUT
    assert escrow.job(late).start_deadline == harness.now + 60
    escrow.start(late)
    assert escrow.job(late).complete_deadline == harness.now + 2 * HOUR + 7


# =====================================================================================
# open_job
# =====================================================================================


@pytest.mark.parametrize("usdc", [True, False], ids=["usdc", "io"])
def test_open_job_takes_the_spec_deposit(harness: Harness, escrow: Escrow, usdc: bool) -> None:
    # The renter's first job: the wallet's transaction also creates its job-id ledger.
    job = usdc_job(escrow, hours=13, price=1_234_567, with_ledger=False) if usdc else io_job(escrow, hours=13, price=1_234_567_891, with_ledger=False)
    q = quote(job.hours, job.price, usdc)
    # The quote by hand from the SPEC fee table: 0.25 % reservation and (USDC) 2 % facilitation, rounded up.
    assert q.reservation_fee == -(-job.hours * job.price * 25 // 10_000)
    assert q.facilitation_fee == (-(-job.hours * job.price * 200 // 10_000) if usdc else 0)
    harness.give_usdc(job.renter.pubkey(), 5) if usdc else harness.give_io(job.renter.pubkey(), 5)  # a little extra
    renter_before = harness.balance(job.renter_token)
    renter_lamports = escrow.lamports(job.renter.pubkey())

    vault_lamports = escrow.lamports(job.vault)
    record = escrow.open(job)
    assert harness.balance(job.renter_token) == renter_before - q.deposit == 5
    # The deposit joins the mint's escrow vault (the only job here, so the vault holds just it).
    assert harness.balance(job.vault) == q.deposit
    assert escrow.lamports(job.vault) == vault_lamports
    # The renter pays the rent of the job and, on its first job, of its job-id ledger (and the
    # fee: it is the payer here); the vault exists already.
    ledger = EscrowAddresses.renter_ledger(job.renter.pubkey())
    assert escrow.lamports(job.address) == harness.chain.rent_exempt_minimum(JOB_SIZE)
    assert escrow.lamports(ledger) == harness.chain.rent_exempt_minimum(RENTER_LEDGER_SIZE)
    rent = escrow.lamports(job.address) + escrow.lamports(ledger)
    assert escrow.lamports(job.renter.pubkey()) == renter_lamports - rent - record.fee

    state = escrow.job(job)
    assert (state.job_id, state.renter, state.node, state.node_key, state.payment_mint) == (
        job.job_id,
        job.renter.pubkey(),
        escrow.node.address,
        escrow.node.node_key.pubkey(),
        job.mint,
    )
    assert kind_name(state.payment_kind) == ("Usdc" if usdc else "Io")
    assert kind_name(state.status) == "Open"
    assert (state.price_per_hour, state.hours_reserved, state.hours_used) == (job.price, job.hours, 0)
    assert (state.reserved_cost, state.reservation_fee, state.facilitation_fee) == (q.reserved_cost, q.reservation_fee, q.facilitation_fee)
    assert (state.created_at, state.started_at, state.completed_at) == (harness.now, 0, 0)
    assert (state.start_deadline, state.complete_deadline) == (harness.now + START_TIMEOUT, 0)
    assert state.bump == Pubkey.find_program_address([b"job", bytes(job.renter.pubkey()), job.job_id.to_bytes(8, "little")], ProgramIds.ESCROW)[1]
    assert (kind_name(state.completed_by), state.dispute_deadline, state.disputed_at) == ("None", 0, 0)
    # The vault recorded is the config's vault of the mint, [ESCROW_VAULT, mint], held by the config.
    config = escrow.config()
    assert state.vault == job.vault == (config.usdc_vault if usdc else config.io_vault)
    assert job.vault == Pubkey.find_program_address([b"escrow_vault", bytes(job.mint)], ProgramIds.ESCROW)[0]
    vault = harness.chain.get_account(job.vault)
    assert vault.owner == TOKEN_PROGRAM_ID
    assert bytes(vault.data)[:32] == bytes(job.mint) and bytes(vault.data)[32:64] == bytes(EscrowAddresses.config)

    event = escrow.event(record, "JobOpened")
    assert (event.job, event.job_id, event.renter, event.node, event.payment_mint) == (
        job.address,
        job.job_id,
        job.renter.pubkey(),
        escrow.node.address,
        job.mint,
    )
    assert (event.price_per_hour, event.hours_reserved, event.reserved_cost) == (job.price, job.hours, q.reserved_cost)
    assert (event.reservation_fee, event.facilitation_fee, event.deposit) == (q.reservation_fee, q.facilitation_fee, q.deposit)
    assert (event.created_at, event.start_deadline) == (harness.now, harness.now + START_TIMEOUT)


def test_open_job_argument_refusals(harness: Harness, escrow: Escrow) -> None:
    job = usdc_job(escrow, hours=2, price=100)
    watch = escrow.watch(job)
    harness.fails("ZeroHours", escrow.open_ix(job, hours_reserved=0), job.renter, watch=watch)
    harness.fails("ZeroPrice", escrow.open_ix(job, price_per_hour=0), job.renter, watch=watch)
    assert not escrow.exists(job.address)


@pytest.mark.parametrize("usdc", [True, False], ids=["usdc", "io"])
def test_open_job_refuses_deposits_that_overflow_u64(harness: Harness, escrow: Escrow, usdc: bool) -> None:
    job = escrow.new_job(harness.usdc_mint if usdc else harness.io_mint, 1, 1, fund=10**12)
    watch = escrow.watch(job)
    cases = [
        (2, 2**63),  # hours × price overflows
        (2**32 - 1, U64_MAX),
        (1, U64_MAX),  # cost fits, cost + fees does not
        (1_000, max_price(1_000, usdc) + 1),  # one unit past the largest deposit that fits
        (1, max_price(1, usdc) + 1),
    ]
    for hours, price in cases:
        assert quote(hours, price, usdc) is None
        harness.fails("MathOverflow", escrow.open_ix(job, hours_reserved=hours, price_per_hour=price), job.renter, watch=watch)
    assert harness.balance(job.renter_token) == 10**12
    assert not escrow.exists(job.address) and harness.balance(job.vault) == 0


def test_largest_usdc_deposit_opens_and_settles_exactly(harness: Harness) -> None:
    """At the very edge of u64: the largest deposit that fits opens, and settle cannot
    overflow afterwards (every figure of a split is at most the deposit)."""
    escrow = Escrow(harness, token_share_bps=3_333)
    hours = 7
    price = max_price(hours, usdc=True)
    q = quote(hours, price, True)
    assert q.deposit <= U64_MAX < quote(hours, price + 1, True).deposit if quote(hours, price + 1, True) else True
    job = usdc_job(escrow, hours=hours, price=price)
    escrow.run_to_completed(job, 5)
    settle_and_check(escrow, job, 5, 3_333)


def test_open_job_account_refusals(harness: Harness, escrow: Escrow) -> None:
    job = usdc_job(escrow)
    ledger = EscrowAddresses.renter_ledger(job.renter.pubkey())
    io_vault = EscrowAddresses.vault(harness.io_mint)
    watch = [*escrow.watch(job), ledger, io_vault]
    renter = job.renter
    # A third mint (also with what would be its vault's address).
    other_mint = create_mint(harness.chain, harness.roles.admin, harness.roles.admin.pubkey(), 6)
    other_account = create_token_account(harness.chain, harness.roles.admin, renter.pubkey(), other_mint)
    harness.fails("UnsupportedMint", escrow.open_ix(job, payment_mint=other_mint, renter_token_account=other_account), renter, watch=watch)
    harness.fails(
        "UnsupportedMint",
        escrow.open_ix(job, payment_mint=other_mint, renter_token_account=other_account, escrow_vault=EscrowAddresses.vault(other_mint)),
        renter,
        watch=watch,
    )
    # Paying USDC from an IO account (and IO from a USDC account).
    io_account = harness.give_io(renter.pubkey(), 10**12)
    harness.fails("ConstraintTokenMint", escrow.open_ix(job, renter_token_account=io_account), renter, watch=[*watch, io_account])
    harness.fails("ConstraintTokenMint", escrow.open_ix(job, payment_mint=harness.io_mint, escrow_vault=io_vault), renter, watch=[*watch, io_account])
    # The deposit into a vault that is not the config's vault of the payment mint: the other
    # mint's vault, a copy of the vault, an arbitrary address.
    harness.fails("WrongVault", escrow.open_ix(job, escrow_vault=io_vault), renter, watch=watch)
    harness.fails("WrongVault", escrow.open_ix(job, payment_mint=harness.io_mint, renter_token_account=io_account), renter, watch=[*watch, io_account])
    harness.fails("WrongVault", escrow.open_ix(job, escrow_vault=clone_account(harness, job.vault)), renter, watch=watch)
    harness.fails("WrongVault", escrow.open_ix(job, escrow_vault=Keypair().pubkey()), renter, watch=watch)
    # Paying from someone else's account.
    victim = harness.give_usdc(harness.wallet().pubkey(), 10**12)
    harness.fails("ConstraintTokenOwner", escrow.open_ix(job, renter_token_account=victim), renter, watch=[*watch, victim])
    # The renter named but not signing (someone else pays the fee).
    harness.fails("AccountNotSigner", unsigned(escrow.open_ix(job), renter.pubkey()), escrow.cranker, watch=watch)
    # Not a Node: a Node-shaped account owned by another program, and the staking config.
    fake_node = clone_account(harness, escrow.node.address, owner=ProgramIds.ESCROW)
    harness.fails("AccountOwnedByWrongProgram", escrow.open_ix(job, node=fake_node), renter, watch=watch)
    harness.fails("AccountDiscriminatorMismatch", escrow.open_ix(job, node=StakingAddresses.config), renter, watch=watch)
    # The job at an address that is not [JOB, renter, job_id] (another id's PDA, another renter's
    # PDA, an arbitrary address).
    for address in (EscrowAddresses.job(renter.pubkey(), job.job_id + 1), EscrowAddresses.job(harness.wallet().pubkey(), job.job_id), Keypair().pubkey()):
        harness.fails("WrongJobAddress", escrow.open_ix(job, job=address), renter, watch=[*watch, address])
    # Another renter's ledger; an address holding no ledger (another wallet's unopened ledger, an
    # arbitrary address, the renter's own wallet).
    other_renter = harness.wallet()
    escrow.open_renter_ledger(other_renter)
    other_ledger = EscrowAddresses.renter_ledger(other_renter.pubkey())
    harness.fails("WrongRenterLedger", escrow.open_ix(job, renter_ledger=other_ledger), renter, watch=[*watch, other_ledger])
    for address in (EscrowAddresses.renter_ledger(harness.wallet().pubkey()), Keypair().pubkey()):
        harness.fails("AccountNotInitialized", escrow.open_ix(job, renter_ledger=address), renter, watch=[*watch, address])
    harness.fails("AccountOwnedByWrongProgram", escrow.open_ix(job, renter_ledger=renter.pubkey()), renter, watch=watch)
    # A ledger-shaped account of another program; another escrow account type.
    fake_ledger = clone_account(harness, ledger, owner=ProgramIds.STAKING)
    harness.fails("AccountOwnedByWrongProgram", escrow.open_ix(job, renter_ledger=fake_ledger), renter, watch=watch)
    harness.fails("AccountDiscriminatorMismatch", escrow.open_ix(job, renter_ledger=EscrowAddresses.config), renter, watch=watch)
    # A config that is not the [CONFIG] PDA.
    fake_config = clone_account(harness, EscrowAddresses.config)
    harness.fails("WrongConfig", escrow.open_ix(job, config=fake_config), renter, watch=watch)
    assert not escrow.exists(job.address)
    escrow.open(job)


def test_open_job_refuses_inactive_node(harness: Harness, escrow: Escrow) -> None:
    job = usdc_job(escrow)
    escrow.set_node_active(escrow.node, False)
    harness.fails("NodeInactive", escrow.open_ix(job), job.renter, watch=escrow.watch(job))
    escrow.set_node_active(escrow.node, True)
    escrow.open(job)


def test_open_job_refuses_a_deposit_the_renter_does_not_have(harness: Harness, escrow: Escrow) -> None:
    q = quote(10, USDC_PRICE, True)
    job = usdc_job(escrow, fund=q.deposit - 1, with_ledger=False)
    record = harness.send(escrow.opening(job), job.renter)
    # SPL Token's InsufficientFunds (custom error 1), raised in the transfer CPI; nothing moved.
    assert custom_error_code(record) == 1
    assert any("insufficient funds" in line for line in record.result.logs)
    assert harness.balance(job.renter_token) == q.deposit - 1
    assert not escrow.exists(job.address) and harness.balance(job.vault) == 0
    # The ledger created earlier in the transaction is rolled back too: the id is still free.
    assert not escrow.exists(EscrowAddresses.renter_ledger(job.renter.pubkey()))


def test_open_job_id_is_unique_per_renter_while_open(harness: Harness, escrow: Escrow) -> None:
    job = usdc_job(escrow, fund=2 * quote(10, USDC_PRICE, True).deposit)
    escrow.open(job)
    # The renter's ledger refuses the id before the job address is touched.
    harness.fails(
        "JobIdReused", escrow.open_ix(job, price_per_hour=1), job.renter, watch=[*escrow.watch(job), EscrowAddresses.renter_ledger(job.renter.pubkey())]
    )
    # The same id is free for another renter.
    other = usdc_job(escrow, job_id=job.job_id)
    escrow.open(other)
    assert other.address != job.address


@pytest.mark.parametrize("amount", ["zero_byte_minimum", "partial", "rent_exempt"])
@pytest.mark.parametrize("target", ["job", "ledger", "both"])
def test_open_job_survives_a_prefunded_address(harness: Harness, escrow: Escrow, target: str, amount: str) -> None:
    """Job and renter-ledger addresses are predictable: lamports sent there beforehand must not
    block the renter's job id (open_job creates the job, open_renter_ledger the ledger with
    Anchor's `init`, both with the System Program's CreateAccountAllowPrefund). Pre-funded with the least the runtime
    allows (the rent-exempt minimum of 0 bytes), with part of the rent, or with more than the
    whole rent; the lamports stay with the accounts, and the job's come back to the renter when
    it closes."""
    from solders.system_program import TransferParams, transfer

    griefer = harness.wallet()
    job = usdc_job(escrow, hours=3, with_ledger=False)
    chain = harness.chain
    ledger = EscrowAddresses.renter_ledger(job.renter.pubkey())
    targets = {"job": [job.address], "ledger": [ledger], "both": [job.address, ledger]}[target]
    rents = {job.address: chain.rent_exempt_minimum(JOB_SIZE), ledger: chain.rent_exempt_minimum(RENTER_LEDGER_SIZE)}
    gifts = dict.fromkeys(rents, 0)
    for address in targets:
        gifts[address] = {
            "zero_byte_minimum": chain.rent_exempt_minimum(0),
            "partial": chain.rent_exempt_minimum(0) + 12_345,
            "rent_exempt": rents[address] + 12_345,
        }[amount]
        harness.ok(transfer(TransferParams(from_pubkey=griefer.pubkey(), to_pubkey=address, lamports=gifts[address])), griefer)
    renter_lamports = escrow.lamports(job.renter.pubkey())
    record = escrow.open(job)
    state = escrow.job(job)
    assert kind_name(state.status) == "Open" and state.reserved_cost == 3 * USDC_PRICE and state.vault == job.vault
    assert harness.balance(job.vault) == quote(3, USDC_PRICE, True).deposit
    assert len(chain.get_account(job.address).data) == JOB_SIZE
    assert len(chain.get_account(ledger).data) == RENTER_LEDGER_SIZE and chain.get_account(ledger).owner == ProgramIds.ESCROW
    for address, rent in rents.items():
        assert escrow.lamports(address) == max(rent, gifts[address])
    # The renter paid only the part of the rent the gifts did not cover.
    paid = sum(max(0, rent - gifts[address]) for address, rent in rents.items())
    assert escrow.lamports(job.renter.pubkey()) == renter_lamports - paid - record.fee
    escrow.start(job)
    harness.warp(HOUR)
    escrow.complete(job, 1)
    escrow.wait_for_dispute_window(job)
    renter_lamports = escrow.lamports(job.renter.pubkey())
    held = escrow.lamports(job.address)
    settle_and_check(escrow, job, 1, 1_000, rent_exact=False)
    assert escrow.lamports(job.renter.pubkey()) == renter_lamports + held
    assert escrow.lamports(ledger) == max(rents[ledger], gifts[ledger])  # the ledger stays


def test_open_job_refuses_a_job_address_held_by_another_program(harness: Harness, escrow: Escrow) -> None:
    """An address that already holds an account (not a plain pre-funded one) is in use."""
    job = usdc_job(escrow)
    squatter = clone_account(harness, escrow.node.address)
    harness.chain.set_account(job.address, harness.chain.get_account(squatter))
    fails_in_use(harness, escrow.open_ix(job), job.renter, watch=[*escrow.watch(job), EscrowAddresses.renter_ledger(job.renter.pubkey())])


# =====================================================================================
# start_job
# =====================================================================================


def test_start_job_by_node_key(harness: Harness, escrow: Escrow) -> None:
    job = usdc_job(escrow, hours=5)
    escrow.open(job)
    harness.warp(START_TIMEOUT)  # the last second before the deadline still counts
    record = escrow.start(job)
    state = escrow.job(job)
    assert kind_name(state.status) == "Started"
    assert state.started_at == harness.now == START_TS + START_TIMEOUT
    assert state.complete_deadline == harness.now + 5 * HOUR + COMPLETE_GRACE
    event = escrow.event(record, "JobStarted")
    assert (event.job, event.node, event.started_at, event.complete_deadline) == (job.address, escrow.node.address, state.started_at, state.complete_deadline)
    # Nothing moved.
    assert harness.balance(job.vault) == quote(5, USDC_PRICE, True).deposit


def test_start_job_refusals(harness: Harness, escrow: Escrow) -> None:
    job = usdc_job(escrow)
    escrow.open(job)
    watch = escrow.watch(job)
    other_node = escrow.register_node()
    for impostor in (other_node.node_key, escrow.node.operator, job.renter, harness.roles.keeper, harness.wallet()):
        harness.fails("NotNodeKey", escrow.start_ix(job, impostor.pubkey()), escrow.cranker, impostor, watch=watch)
    harness.fails("AccountNotSigner", unsigned(escrow.start_ix(job), escrow.node.node_key.pubkey()), escrow.cranker, watch=watch)
    for error, fake_job in not_jobs(harness, job):
        harness.fails(error, escrow.start_ix(job, job=fake_job), escrow.cranker, escrow.node.node_key, watch=[*watch, fake_job])
    escrow.start(job)
    harness.fails("JobNotOpen", escrow.start_ix(job), escrow.cranker, escrow.node.node_key, watch=escrow.watch(job))


def test_start_job_after_start_deadline_fails(harness: Harness, escrow: Escrow) -> None:
    job = usdc_job(escrow)
    escrow.open(job)
    harness.warp(START_TIMEOUT + 1)
    harness.fails("StartDeadlinePassed", escrow.start_ix(job), escrow.cranker, escrow.node.node_key, watch=escrow.watch(job))
    assert kind_name(escrow.job(job).status) == "Open"


def test_start_job_of_a_cancelled_job_fails(harness: Harness, escrow: Escrow) -> None:
    job = usdc_job(escrow)
    escrow.open(job)
    escrow.cancel(job)
    harness.fails("AccountNotInitialized", escrow.start_ix(job), escrow.cranker, escrow.node.node_key, watch=escrow.watch(job))


# =====================================================================================
# complete_job
# =====================================================================================


def test_complete_job_by_node_key_and_by_oracle(harness: Harness, escrow: Escrow) -> None:
    by_node, by_oracle = usdc_job(escrow, hours=4), io_job(escrow, hours=4)
    for job in (by_node, by_oracle):
        escrow.open(job)
        escrow.start(job)
    harness.warp(2 * HOUR + 1)  # the third hour has begun
    record = escrow.complete(by_node, 3)
    oracle = harness.roles.keeper
    oracle_record = escrow.complete(by_oracle, 0, authority=oracle)
    for job, rec, hours, signer, completer in ((by_node, record, 3, escrow.node.node_key, "Node"), (by_oracle, oracle_record, 0, oracle, "Oracle")):
        state = escrow.job(job)
        assert kind_name(state.status) == "Completed"
        assert (state.hours_used, state.completed_at) == (hours, harness.now)
        # The completion opens the dispute window; settlement waits for it.
        assert (kind_name(state.completed_by), state.dispute_deadline, state.disputed_at) == (completer, harness.now + DISPUTE_WINDOW, 0)
        event = escrow.event(rec, "JobCompleted")
        assert (event.job, event.node, event.completed_by, event.hours_used, event.completed_at) == (
            job.address,
            escrow.node.address,
            signer.pubkey(),
            hours,
            harness.now,
        )
        assert (kind_name(event.completer), event.dispute_deadline) == (completer, harness.now + DISPUTE_WINDOW)


def test_complete_job_hours_limits(harness: Harness, escrow: Escrow) -> None:
    job = usdc_job(escrow, hours=3)
    escrow.open(job)
    escrow.start(job)
    watch = escrow.watch(job)
    key = escrow.node.node_key

    def refuse(name: str, hours: int) -> None:
        harness.fails(name, escrow.complete_ix(job, hours), escrow.cranker, key, watch=watch)

    # Right at start, no hour has begun yet.
    refuse("HoursExceedElapsed", 1)
    harness.warp(1)  # the first hour has begun
    refuse("HoursExceedElapsed", 2)
    harness.warp(HOUR - 1)  # exactly one hour elapsed: still only one begun
    refuse("HoursExceedElapsed", 2)
    refuse("HoursExceedReserved", 4)
    harness.warp(3 * HOUR)  # at the completion deadline, 4 hours have begun: reserved hours cap the bill
    refuse("HoursExceedReserved", 4)
    refuse("HoursExceedReserved", 2**32 - 1)
    escrow.complete(job, 3)
    assert escrow.job(job).hours_used == 3


def test_complete_job_by_the_oracle_rotation(harness: Harness, escrow: Escrow) -> None:
    """A new oracle authority completes jobs only once it accepted the handover; the old one
    completes until then, and no longer afterwards."""
    job = usdc_job(escrow, hours=2)
    escrow.open(job)
    escrow.start(job)
    harness.warp(HOUR)
    admin, old_oracle, new_oracle = harness.roles.admin, harness.roles.keeper, harness.wallet()
    harness.ok(escrow.update_config_ix(admin.pubkey(), oracle_authority=new_oracle.pubkey()), admin)
    # Proposed only: still the old oracle's job.
    harness.fails("NotCompleter", escrow.complete_ix(job, 1, new_oracle.pubkey()), escrow.cranker, new_oracle, watch=escrow.watch(job))
    harness.fails("NothingToAccept", escrow.accept_authority_ix(old_oracle.pubkey()), old_oracle, watch=[EscrowAddresses.config])
    record = harness.ok(escrow.accept_authority_ix(new_oracle.pubkey()), new_oracle)
    event = escrow.event(record, "AuthorityAccepted")
    assert (event.authority, event.admin, event.oracle_authority) == (new_oracle.pubkey(), False, True)
    config = escrow.config()
    assert (config.admin, config.oracle_authority, config.pending_oracle_authority) == (admin.pubkey(), new_oracle.pubkey(), Pubkey.default())
    harness.fails("NotCompleter", escrow.complete_ix(job, 1, old_oracle.pubkey()), escrow.cranker, old_oracle, watch=escrow.watch(job))
    escrow.complete(job, 1, authority=new_oracle)
    assert kind_name(escrow.job(job).completed_by) == "Oracle"


def test_the_old_oracle_completes_until_the_new_one_accepts(harness: Harness, escrow: Escrow) -> None:
    """Before the handover is accepted, the old oracle completes (a job running across the
    proposal is not stranded)."""
    job = io_job(escrow, hours=2)
    escrow.open(job)
    escrow.start(job)
    harness.warp(HOUR)
    harness.ok(escrow.update_config_ix(harness.roles.admin.pubkey(), oracle_authority=harness.wallet().pubkey()), harness.roles.admin)
    escrow.complete(job, 1, authority=harness.roles.keeper)
    settle_and_check(escrow, job, 1, escrow.node.token_share_bps)


def test_complete_job_refusals(harness: Harness, escrow: Escrow) -> None:
    job = usdc_job(escrow, hours=2)
    escrow.open(job)
    watch = escrow.watch(job)
    key = escrow.node.node_key
    harness.fails("JobNotStarted", escrow.complete_ix(job, 0), escrow.cranker, key, watch=watch)
    escrow.start(job)
    harness.warp(HOUR)
    other_node = escrow.register_node()
    for impostor in (other_node.node_key, escrow.node.operator, job.renter, harness.roles.admin, harness.wallet()):
        harness.fails("NotCompleter", escrow.complete_ix(job, 1, impostor.pubkey()), escrow.cranker, impostor, watch=watch)
    for authority in (key, harness.roles.keeper):
        harness.fails("AccountNotSigner", unsigned(escrow.complete_ix(job, 1, authority.pubkey()), authority.pubkey()), escrow.cranker, watch=watch)
    for error, fake_job in not_jobs(harness, job):
        harness.fails(error, escrow.complete_ix(job, 1, job=fake_job), escrow.cranker, key, watch=[*watch, fake_job])
    fake_config = clone_account(harness, EscrowAddresses.config)
    harness.fails(
        "WrongConfig",
        escrow.complete_ix(job, 1, harness.roles.keeper.pubkey(), config=fake_config),
        escrow.cranker,
        harness.roles.keeper,
        watch=[*watch, fake_config],
    )
    escrow.complete(job, 1)
    harness.fails("JobNotStarted", escrow.complete_ix(job, 2), escrow.cranker, key, watch=escrow.watch(job))


def test_complete_job_after_completion_deadline_fails(harness: Harness, escrow: Escrow) -> None:
    early, late = usdc_job(escrow, hours=2), usdc_job(escrow, hours=2)
    for job in (early, late):
        escrow.open(job)
        escrow.start(job)
    harness.warp(2 * HOUR + COMPLETE_GRACE)  # the deadline itself still counts
    escrow.complete(early, 2)
    harness.warp(1)
    for signer in (escrow.node.node_key, harness.roles.keeper):
        harness.fails("CompleteDeadlinePassed", escrow.complete_ix(late, 2, signer.pubkey()), escrow.cranker, signer, watch=escrow.watch(late))


# =====================================================================================
# settle_job
# =====================================================================================


def test_settle_usdc_job(harness: Harness, escrow: Escrow) -> None:
    job = usdc_job(escrow, hours=10, price=USDC_PRICE)
    escrow.run_to_completed(job, 7)
    moved = settle_and_check(escrow, job, 7, 1_000)
    # SPEC worked by hand: 7 h × 2 USDC = 14 USDC used; 5 % network = 0.7; gross 13.3; 10 % token
    # share 1.33 to the treasury (buy-back); 2 % facilitation on used = 0.28; reservation 0.25 % of 20 = 0.05.
    assert moved["operator"] == 11_970_000
    assert moved["treasury"] == 1_330_000 + 700_000 + 280_000 + 50_000
    assert moved["renter"] == 6_000_000 + (400_000 - 280_000)
    assert moved["burn"] == 0


def test_settle_io_job_burns_the_token_share(harness: Harness, escrow: Escrow) -> None:
    job = io_job(escrow, hours=4, price=IO_PRICE)
    escrow.run_to_completed(job, 3)
    moved = settle_and_check(escrow, job, 3, 1_000)
    # 9 IO used; 5 % network = 0.45; gross 8.55; 10 % = 0.855 burned; no facilitation fee for IO.
    assert moved["burn"] == 855_000_000
    assert moved["operator"] == 7_695_000_000
    assert moved["treasury"] == 450_000_000 + 30_000_000  # network + reservation (0.25 % of 12)
    assert moved["renter"] == 3_000_000_000


def test_settle_zero_hours_used_refunds_everything_but_the_reservation_fee(harness: Harness, escrow: Escrow) -> None:
    job = usdc_job(escrow, hours=3)
    escrow.open(job)
    escrow.start(job)
    escrow.complete(job, 0)
    moved = settle_and_check(escrow, job, 0, 1_000)
    q = quote(3, USDC_PRICE, True)
    assert moved["treasury"] == q.reservation_fee and moved["operator"] == 0
    assert moved["renter"] == q.deposit - q.reservation_fee


def test_settle_is_permissionless_and_one_shot(harness: Harness, escrow: Escrow) -> None:
    job = usdc_job(escrow)
    escrow.run_to_completed(job, 2)
    escrow.wait_for_dispute_window(job)
    watch = escrow.watch(job)
    # Two settles in one transaction: the second finds the job closed.
    harness.fails("AccountNotInitialized", [escrow.settle_ix(job), escrow.settle_ix(job)], escrow.cranker, watch=watch)
    settle_and_check(escrow, job, 2, 1_000)
    after = escrow.watch(job)
    harness.fails("AccountNotInitialized", escrow.settle_ix(job), escrow.cranker, watch=after)
    harness.fails("AccountNotInitialized", escrow.cancel_ix(job), escrow.cranker, job.renter, watch=after)
    harness.fails("AccountNotInitialized", escrow.reclaim_ix(job), escrow.cranker, job.renter, watch=after)
    harness.fails("AccountNotInitialized", escrow.complete_ix(job, 1), escrow.cranker, escrow.node.node_key, watch=after)


def test_settle_refuses_jobs_not_completed(harness: Harness, escrow: Escrow) -> None:
    job = usdc_job(escrow)
    escrow.open(job)
    harness.fails("NotSettleable", escrow.settle_ix(job), escrow.cranker, watch=escrow.watch(job))
    escrow.start(job)
    harness.warp(3 * HOUR)
    harness.fails("NotSettleable", escrow.settle_ix(job), escrow.cranker, watch=escrow.watch(job))


def test_settle_waits_for_the_dispute_window(harness: Harness, escrow: Escrow) -> None:
    """A completed job settles only after its dispute window (completion + the config's window):
    not at completion, not at the deadline's last second, then from the next second on."""
    job = usdc_job(escrow, hours=3)
    escrow.run_to_completed(job, 2)
    deadline = escrow.job(job).dispute_deadline
    assert deadline == harness.now + DISPUTE_WINDOW
    harness.fails("NotSettleable", escrow.settle_ix(job), escrow.cranker, watch=escrow.watch(job))
    harness.warp(DISPUTE_WINDOW)
    assert harness.now == deadline
    harness.fails("NotSettleable", escrow.settle_ix(job), escrow.cranker, watch=escrow.watch(job))
    harness.warp(1)
    settle_and_check(escrow, job, 2, 1_000)


def test_a_new_dispute_window_applies_to_later_jobs_only(harness: Harness, escrow: Escrow) -> None:
    """A job completed before the window changes keeps its deadline; a job opened and completed
    after the change gets the new window."""
    admin = harness.roles.admin
    early, late = usdc_job(escrow, hours=2), usdc_job(escrow, hours=2)
    escrow.open(early)
    escrow.start(early)
    harness.warp(1)  # the first hour has begun
    escrow.complete(early, 1)
    harness.ok(escrow.update_config_ix(admin.pubkey(), dispute_window_secs=60), admin)
    assert escrow.job(early).dispute_deadline == harness.now + DISPUTE_WINDOW
    escrow.open(late)
    escrow.start(late)
    harness.warp(1)
    escrow.complete(late, 1)
    assert escrow.job(late).dispute_deadline == harness.now + 60
    harness.warp(60)
    harness.fails("NotSettleable", escrow.settle_ix(late), escrow.cranker, watch=escrow.watch(late))
    harness.warp(1)
    settle_and_check(escrow, late, 1, 1_000)
    harness.fails("NotSettleable", escrow.settle_ix(early), escrow.cranker, watch=escrow.watch(early))
    settle_and_check(escrow, early, 1, 1_000)


@pytest.mark.parametrize("usdc", [True, False], ids=["usdc", "io"])
def test_settle_refuses_misdirected_accounts(harness: Harness, escrow: Escrow, usdc: bool) -> None:
    job = usdc_job(escrow) if usdc else io_job(escrow)
    escrow.run_to_completed(job, 5)
    escrow.wait_for_dispute_window(job)  # settleable: only the misdirection stops it
    attacker = harness.wallet()
    attacker_account = escrow.fund(attacker.pubkey(), job.mint, 1)
    attacker_other_mint = escrow.fund(attacker.pubkey(), harness.io_mint if usdc else harness.usdc_mint, 1)
    other_mint = harness.io_mint if usdc else harness.usdc_mint
    other_node = escrow.register_node(token_share_bps=0)
    watch = [*escrow.watch(job), attacker_account, attacker_other_mint]

    def refuse(name: str, **override) -> None:
        harness.fails(name, escrow.settle_ix(job, **override), attacker, watch=watch)

    # The node payout to someone else, or in the other mint.
    refuse("ConstraintTokenOwner", operator_token_account=attacker_account)
    refuse("ConstraintTokenMint", operator_token_account=associated_token_address(job.node.operator.pubkey(), other_mint))
    refuse("ConstraintTokenOwner", operator_token_account=job.renter_token)
    # The fees / buy-back to someone else, or in the other mint.
    refuse("ConstraintTokenOwner", treasury_token_account=attacker_account)
    refuse("ConstraintTokenMint", treasury_token_account=escrow.treasury_ata(other_mint))
    # The token share away from the burn vault.
    refuse("WrongBurnVault", burn_vault=attacker_other_mint if usdc else attacker_account)
    refuse("WrongBurnVault", burn_vault=RewardsAddresses.reward_vault)
    # The refund to someone else, or in the other mint.
    refuse("ConstraintTokenOwner", renter_token_account=attacker_account)
    refuse("ConstraintTokenMint", renter_token_account=escrow.fund(job.renter.pubkey(), other_mint, 1))
    # Another renter wallet gets the rent.
    refuse("WrongRenter", renter=attacker.pubkey())
    # Another node (so another operator and token share).
    refuse("WrongNode", node=other_node.address, operator_token_account=associated_token_address(other_node.operator.pubkey(), job.mint))
    refuse("AccountOwnedByWrongProgram", node=clone_account(harness, job.node.address, owner=ProgramIds.ESCROW))
    refuse("AccountDiscriminatorMismatch", node=StakingAddresses.config)
    # Not a job; right layout, wrong address: a vault copy is not the vault the job recorded; a
    # config copy is not the [CONFIG] PDA.
    for error, fake_job in not_jobs(harness, job):
        refuse(error, job=fake_job)
    refuse("WrongVault", escrow_vault=clone_account(harness, job.vault))
    refuse("WrongVault", escrow_vault=attacker_account)
    refuse("WrongConfig", config=clone_account(harness, EscrowAddresses.config))
    # The other mint's escrow vault (paying out of deposits the job never made).
    refuse("WrongVault", escrow_vault=EscrowAddresses.vault(other_mint))
    # Another open job in the same mint shares the vault: settling this job must leave its deposit.
    other = escrow.new_job(job.mint, 2, job.price, renter=job.renter, fund=None)
    escrow.open(other)
    watch.append(other.address)
    # The escrow vault in a second mutable slot (the burn vault is pinned to its address).
    refuse("WrongBurnVault", burn_vault=job.vault)
    refuse("ConstraintDuplicateMutableAccount", renter_token_account=job.vault)
    refuse("ConstraintDuplicateMutableAccount", operator_token_account=job.vault)
    refuse("ConstraintDuplicateMutableAccount", treasury_token_account=job.vault)
    # Still settles correctly afterwards, taking only its own deposit from the shared vault.
    settle_and_check(escrow, job, 5, 1_000)
    assert harness.balance(job.vault) == quote(other.hours, other.price, other.usdc).deposit


@pytest.mark.parametrize("usdc", [True, False], ids=["usdc", "io"])
def test_settle_pays_into_any_token_account_of_operator_and_treasury(harness: Harness, escrow: Escrow, usdc: bool) -> None:
    """Operator and treasury token accounts are checked by owner and mint, not by ATA address:
    a second (non-associated) account of the same wallet receives exactly what the ATA would."""
    job = usdc_job(escrow) if usdc else io_job(escrow)
    escrow.run_to_completed(job, 4)
    operator_extra = plain_token_account(harness, job.node.operator.pubkey(), job.mint)
    treasury_extra = plain_token_account(harness, escrow.treasury, job.mint)
    assert operator_extra != associated_token_address(job.node.operator.pubkey(), job.mint)
    assert treasury_extra != escrow.treasury_ata(job.mint)
    q = quote(job.hours, job.price, usdc)
    s = settlement(q, job.price, 4, 1_000, usdc)
    ata_before = escrow.balances(job)
    record = escrow.settle(job, operator_token_account=operator_extra, treasury_token_account=treasury_extra)
    assert harness.balance(operator_extra) == s.node_payout
    assert harness.balance(treasury_extra) == s.treasury_fees + (s.token_share if usdc else 0)
    moved = deltas(ata_before, escrow.balances(job))
    assert (moved["operator"], moved["treasury"]) == (0, 0)  # the ATAs were not used
    assert moved["renter"] == s.refund and moved["burn"] == (0 if usdc else s.token_share)
    assert moved["vault"] == -q.deposit
    assert s.node_payout + s.treasury_fees + s.token_share + s.refund == q.deposit
    event = escrow.event(record, "JobSettled")
    assert (event.node_payout, event.token_share, event.treasury_fees) == (s.node_payout, s.token_share, s.treasury_fees)


def test_settle_compute_units_within_target(harness: Harness, escrow: Escrow) -> None:
    """The issue's limit: settle_job of a USDC job ≤ 30,000 compute units (scripts/bench's
    scenario: 8 h at 2 USDC, 6 h used, 10 % token share). An IO job pays one transfer more
    (token share to the burn vault) and is recorded, not bounded."""
    usdc, io = usdc_job(escrow, hours=8, price=USDC_PRICE), io_job(escrow, hours=8)
    for job in (usdc, io):
        escrow.run_to_completed(job, 6)
    usdc_units = escrow.settle(usdc).result.compute_units_consumed
    io_units = escrow.settle(io).result.compute_units_consumed
    assert usdc_units <= 30_000, usdc_units
    assert usdc_units < io_units < usdc_units + 7_000, (usdc_units, io_units)


def test_start_and_complete_within_their_compute_budgets(harness: Harness, escrow: Escrow) -> None:
    """Issue 9's budgets on the current runtime: start_job and complete_job ≤ 4,000 CU each (no
    address derivation depends on the keys here, so the figures are stable). Oracle or node key
    completing costs the same."""
    for completer in ("node", "oracle"):
        job = usdc_job(escrow, hours=8)
        escrow.open(job)
        started = escrow.start(job).result.compute_units_consumed
        harness.warp(2 * HOUR)
        authority = None if completer == "node" else harness.roles.keeper
        completed = escrow.complete(job, 2, authority).result.compute_units_consumed
        assert started <= 4_000 and completed <= 4_000, (completer, started, completed)


def test_settle_when_renter_is_the_operator(harness: Harness, escrow: Escrow) -> None:
    """A wallet renting its own node: refund and payout land in one account (allowed `dup`)."""
    node = escrow.node
    job = usdc_job(escrow, renter=node.operator)
    assert job.renter_token == associated_token_address(node.operator.pubkey(), job.mint)
    escrow.run_to_completed(job, 4)
    q = quote(job.hours, job.price, True)
    s = settlement(q, job.price, 4, node.token_share_bps, True)
    before = escrow.balances(job)
    escrow.settle(job)
    moved = deltas(before, escrow.balances(job))
    assert moved["renter"] == moved["operator"] == s.node_payout + s.refund
    assert moved["treasury"] == s.treasury_fees + s.token_share
    assert moved["renter"] + moved["treasury"] == q.deposit


def test_settle_when_the_treasury_rents(harness: Harness, escrow: Escrow) -> None:
    """The treasury wallet renting: refund, fees and buy-back share one account."""
    treasury = harness.roles.treasury
    job = io_job(escrow, renter=treasury, fund=0)
    assert job.renter_token == escrow.treasury_ata(harness.io_mint)
    escrow.run_to_completed(job, 6)
    q = quote(job.hours, job.price, False)
    s = settlement(q, job.price, 6, escrow.node.token_share_bps, False)
    before = escrow.balances(job)
    escrow.settle(job)
    moved = deltas(before, escrow.balances(job))
    assert moved["treasury"] == s.treasury_fees + s.refund
    assert (moved["operator"], moved["burn"]) == (s.node_payout, s.token_share)
    assert moved["treasury"] + moved["operator"] + moved["burn"] == q.deposit


@pytest.mark.parametrize("usdc", [True, False], ids=["usdc", "io"])
def test_tokens_sent_to_the_escrow_vault_change_no_payout(harness: Harness, escrow: Escrow, usdc: bool) -> None:
    """Anyone can send tokens to an escrow vault: they block nothing and change no payout (settle,
    cancel and reclaim each move exactly the job's SPEC figures); they simply stay in the vault."""
    from spl.token.instructions import TransferParams, transfer

    make = usdc_job if usdc else io_job
    settled, cancelled, reclaimed = make(escrow, hours=4), make(escrow, hours=3), make(escrow, hours=2)
    for job in (settled, cancelled, reclaimed):
        escrow.open(job)
    escrow.start(settled)
    donor = harness.wallet()
    donor_account = escrow.fund(donor.pubkey(), settled.mint, 777)
    harness.ok(transfer(TransferParams(program_id=TOKEN_PROGRAM_ID, source=donor_account, dest=settled.vault, owner=donor.pubkey(), amount=777)), donor)
    harness.warp(3 * HOUR)
    escrow.complete(settled, 3)
    settle_and_check(escrow, settled, 3, 1_000, donated=777)
    cancel_and_check(escrow, cancelled, reclaim=False, donated=777)
    harness.warp(START_TIMEOUT)
    cancel_and_check(escrow, reclaimed, reclaim=True, missed_start=True, donated=777)
    # Every job is closed: the vault holds exactly the donation.
    assert escrow.open_deposits(settled.mint) == 0
    assert harness.balance(settled.vault) == 777


def test_each_job_takes_only_its_own_deposit_from_the_shared_vault(harness: Harness, escrow: Escrow) -> None:
    """Several renters' jobs in one mint, settled, cancelled and reclaimed in an order unlike the
    one they opened in: each close takes exactly its deposit; the vault always holds exactly the
    deposits still open, and the other mint's vault is never touched."""
    jobs = [usdc_job(escrow, hours=h, price=p) for h, p in ((5, 1_000_003), (2, 2_000_000), (7, 333_333), (1, 999))]
    io = io_job(escrow, hours=3)
    for job in (*jobs, io):
        escrow.open(job)
    io_vault_before = harness.balance(io.vault)
    assert harness.balance(jobs[0].vault) == sum(quote(j.hours, j.price, True).deposit for j in jobs)
    for job in jobs[1:3]:
        escrow.start(job)
    harness.warp(2 * HOUR)
    escrow.complete(jobs[2], 2)
    cancel_and_check(escrow, jobs[3], reclaim=False)
    settle_and_check(escrow, jobs[2], 2, 1_000)
    harness.warp(START_TIMEOUT)  # jobs[0] never started: reclaimable
    cancel_and_check(escrow, jobs[0], reclaim=True, missed_start=True)
    harness.warp(COMPLETE_GRACE)  # jobs[1] passed its completion deadline
    cancel_and_check(escrow, jobs[1], reclaim=True)
    assert harness.balance(jobs[0].vault) == escrow.open_deposits(harness.usdc_mint) == 0
    assert harness.balance(io.vault) == io_vault_before == quote(3, IO_PRICE, False).deposit


def test_settle_pays_the_current_operator_and_token_share(harness: Harness, escrow: Escrow) -> None:
    """The node's settings in force at settle time apply: an operator handed over (proposed, then
    accepted by the new key) and a token share change once its delay has passed."""
    job = io_job(escrow)
    escrow.run_to_completed(job, 2)
    new_operator = harness.wallet()
    params = {"operator": new_operator.pubkey(), "gpu_model": None, "tier": None, "staker_share_bps": None, "token_share_bps": 10_000, "active": None}
    staking = harness.programs.staking
    harness.ok(
        staking.instruction(
            "update_node",
            {"params": params},
            {
                "operator": escrow.node.operator.pubkey(),
                "config": StakingAddresses.config,
                "node": escrow.node.address,
            },
        ),
        escrow.node.operator,
    )
    harness.ok(staking.instruction("accept_node_operator", {}, {"new_operator": new_operator.pubkey(), "node": escrow.node.address}), new_operator)
    escrow.node.operator = new_operator
    escrow.operator_ata(escrow.node, harness.io_mint)
    node = staking.decode_account_as("Node", bytes(harness.chain.get_account(escrow.node.address).data))
    harness.warp(node.shares_effective_at - harness.now)
    moved = settle_and_check(escrow, job, 2, 10_000)
    assert moved["operator"] == 0  # everything the node earned is burned


# =====================================================================================
# cancel_job
# =====================================================================================


@pytest.mark.parametrize("usdc", [True, False], ids=["usdc", "io"])
def test_cancel_keeps_only_the_reservation_fee(harness: Harness, escrow: Escrow, usdc: bool) -> None:
    job = usdc_job(escrow, hours=9, price=1_000_003) if usdc else io_job(escrow, hours=9, price=1_000_000_007)
    escrow.open(job)
    harness.warp(START_TIMEOUT)  # cancel is allowed any time before start
    cancel_and_check(escrow, job, reclaim=False)
    # A closed job cannot be cancelled again or started.
    harness.fails("AccountNotInitialized", escrow.cancel_ix(job), escrow.cranker, job.renter, watch=escrow.watch(job))


def test_cancel_refusals(harness: Harness, escrow: Escrow) -> None:
    job = usdc_job(escrow)
    escrow.open(job)
    watch = escrow.watch(job)
    stranger = harness.wallet()
    stranger_account = harness.give_usdc(stranger.pubkey(), 1)
    # Someone else cancels (with their own account for the refund, or the renter's).
    harness.fails(
        "NotRenter", escrow.cancel_ix(job, renter=stranger.pubkey(), renter_token_account=stranger_account), stranger, watch=[*watch, stranger_account]
    )
    harness.fails("NotRenter", escrow.cancel_ix(job, renter=stranger.pubkey()), stranger, watch=watch)
    harness.fails("NotRenter", escrow.cancel_ix(job, renter=escrow.node.node_key.pubkey()), escrow.cranker, escrow.node.node_key, watch=watch)
    harness.fails("AccountNotSigner", unsigned(escrow.cancel_ix(job), job.renter.pubkey()), escrow.cranker, watch=watch)
    # The refund or the fee misdirected.
    harness.fails(
        "ConstraintTokenOwner", escrow.cancel_ix(job, renter_token_account=stranger_account), escrow.cranker, job.renter, watch=[*watch, stranger_account]
    )
    harness.fails(
        "ConstraintTokenOwner", escrow.cancel_ix(job, treasury_token_account=stranger_account), escrow.cranker, job.renter, watch=[*watch, stranger_account]
    )
    harness.fails(
        "ConstraintTokenMint", escrow.cancel_ix(job, treasury_token_account=escrow.treasury_ata(harness.io_mint)), escrow.cranker, job.renter, watch=watch
    )
    io_account = harness.give_io(job.renter.pubkey(), 1)
    harness.fails("ConstraintTokenMint", escrow.cancel_ix(job, renter_token_account=io_account), escrow.cranker, job.renter, watch=[*watch, io_account])
    for error, fake_job in not_jobs(harness, job):
        harness.fails(error, escrow.cancel_ix(job, job=fake_job), escrow.cranker, job.renter, watch=watch)
    # Another renter's (real) job.
    theirs = usdc_job(escrow)
    escrow.open(theirs)
    harness.fails("NotRenter", escrow.cancel_ix(job, job=theirs.address), escrow.cranker, job.renter, watch=[*watch, theirs.address])
    harness.fails("WrongVault", escrow.cancel_ix(job, escrow_vault=clone_account(harness, job.vault)), escrow.cranker, job.renter, watch=watch)
    harness.fails(
        "WrongVault",
        escrow.cancel_ix(job, escrow_vault=EscrowAddresses.vault(harness.io_mint)),
        escrow.cranker,
        job.renter,
        watch=[*watch, EscrowAddresses.vault(harness.io_mint)],
    )
    harness.fails("WrongConfig", escrow.cancel_ix(job, config=clone_account(harness, EscrowAddresses.config)), escrow.cranker, job.renter, watch=watch)
    # The vault itself as the refund or the fee account.
    for slot in ("renter_token_account", "treasury_token_account"):
        harness.fails("ConstraintDuplicateMutableAccount", escrow.cancel_ix(job, **{slot: job.vault}), escrow.cranker, job.renter, watch=watch)
    # Once started, cancel is over (only reclaim after a missed deadline remains).
    escrow.start(job)
    harness.fails("JobNotOpen", escrow.cancel_ix(job), escrow.cranker, job.renter, watch=escrow.watch(job))
    harness.warp(HOUR)
    escrow.complete(job, 1)
    harness.fails("JobNotOpen", escrow.cancel_ix(job), escrow.cranker, job.renter, watch=escrow.watch(job))


# =====================================================================================
# reclaim_job
# =====================================================================================


@pytest.mark.parametrize("usdc", [True, False], ids=["usdc", "io"])
def test_reclaim_never_started(harness: Harness, escrow: Escrow, usdc: bool) -> None:
    job = usdc_job(escrow, hours=5, price=333_333) if usdc else io_job(escrow, hours=5, price=333_333_333)
    escrow.open(job)
    harness.warp(START_TIMEOUT)
    harness.fails("NotReclaimable", escrow.reclaim_ix(job), escrow.cranker, job.renter, watch=escrow.watch(job))
    harness.warp(1)
    # The node never showed up: the renter gets everything back, the reservation fee included.
    cancel_and_check(escrow, job, reclaim=True, missed_start=True)
    harness.fails("AccountNotInitialized", escrow.start_ix(job), escrow.cranker, escrow.node.node_key, watch=escrow.watch(job))


@pytest.mark.parametrize("usdc", [True, False], ids=["usdc", "io"])
def test_reclaim_never_completed(harness: Harness, escrow: Escrow, usdc: bool) -> None:
    job = usdc_job(escrow, hours=5, price=333_333) if usdc else io_job(escrow, hours=5, price=333_333_333)
    escrow.open(job)
    harness.warp(600)
    escrow.start(job)
    harness.warp(5 * HOUR + COMPLETE_GRACE)
    harness.fails("NotReclaimable", escrow.reclaim_ix(job), escrow.cranker, job.renter, watch=escrow.watch(job))
    harness.warp(1)
    cancel_and_check(escrow, job, reclaim=True)
    harness.fails("AccountNotInitialized", escrow.complete_ix(job, 5), escrow.cranker, escrow.node.node_key, watch=escrow.watch(job))


def test_reclaim_refusals(harness: Harness, escrow: Escrow) -> None:
    job, theirs = usdc_job(escrow, hours=2), usdc_job(escrow, hours=2)
    escrow.open(job)
    escrow.open(theirs)
    watch = escrow.watch(job)
    harness.fails("NotReclaimable", escrow.reclaim_ix(job), escrow.cranker, job.renter, watch=watch)
    harness.warp(START_TIMEOUT + 1)
    stranger = harness.wallet()
    stranger_account = harness.give_usdc(stranger.pubkey(), 1)
    harness.fails(
        "NotRenter", escrow.reclaim_ix(job, renter=stranger.pubkey(), renter_token_account=stranger_account), stranger, watch=[*watch, stranger_account]
    )
    harness.fails("AccountNotSigner", unsigned(escrow.reclaim_ix(job), job.renter.pubkey()), escrow.cranker, watch=watch)
    harness.fails(
        "ConstraintTokenOwner", escrow.reclaim_ix(job, treasury_token_account=stranger_account), escrow.cranker, job.renter, watch=[*watch, stranger_account]
    )
    harness.fails(
        "ConstraintTokenOwner", escrow.reclaim_ix(job, renter_token_account=stranger_account), escrow.cranker, job.renter, watch=[*watch, stranger_account]
    )
    for error, fake_job in not_jobs(harness, job):
        harness.fails(error, escrow.reclaim_ix(job, job=fake_job), escrow.cranker, job.renter, watch=watch)
    # Another renter's (real) job, also past its start deadline.
    harness.fails("NotRenter", escrow.reclaim_ix(job, job=theirs.address), escrow.cranker, job.renter, watch=[*watch, theirs.address])
    harness.fails("WrongVault", escrow.reclaim_ix(job, escrow_vault=clone_account(harness, job.vault)), escrow.cranker, job.renter, watch=watch)
    harness.fails(
        "WrongVault",
        escrow.reclaim_ix(job, escrow_vault=EscrowAddresses.vault(harness.io_mint)),
        escrow.cranker,
        job.renter,
        watch=[*watch, EscrowAddresses.vault(harness.io_mint)],
    )
    harness.fails("WrongConfig", escrow.reclaim_ix(job, config=clone_account(harness, EscrowAddresses.config)), escrow.cranker, job.renter, watch=watch)
    harness.fails("ConstraintDuplicateMutableAccount", escrow.reclaim_ix(job, treasury_token_account=job.vault), escrow.cranker, job.renter, watch=watch)
    # The renter lets the job sit past its start deadline and the node never starts it.
    harness.fails("StartDeadlinePassed", escrow.start_ix(job), escrow.cranker, escrow.node.node_key, watch=watch)


def test_reclaim_refuses_a_completed_job_at_any_time(harness: Harness, escrow: Escrow) -> None:
    job = usdc_job(escrow, hours=1)
    escrow.run_to_completed(job, 1)
    harness.warp(10 * YEAR)
    harness.fails("NotReclaimable", escrow.reclaim_ix(job), escrow.cranker, job.renter, watch=escrow.watch(job))
    settle_and_check(escrow, job, 1, 1_000)


def test_reclaim_of_a_started_job_before_its_deadline(harness: Harness, escrow: Escrow) -> None:
    job = usdc_job(escrow, hours=1)
    escrow.open(job)
    escrow.start(job)
    harness.warp(START_TIMEOUT + 1)  # past the start deadline, but started: the completion deadline rules
    harness.fails("NotReclaimable", escrow.reclaim_ix(job), escrow.cranker, job.renter, watch=escrow.watch(job))


# =====================================================================================
# conservation over a grid
# =====================================================================================

GRID_HOURS = [(1, 0), (1, 1), (3, 2), (10, 7), (730, 729)]
GRID_PRICES = [1, 399, 1_000_001, 123_456_789_012]
GRID_SHARES = [0, 1, 3_333, 10_000]


@pytest.mark.parametrize("usdc", [True, False], ids=["usdc", "io"])
@pytest.mark.parametrize("share", GRID_SHARES, ids=lambda s: f"share{s}")
@pytest.mark.parametrize("price", GRID_PRICES, ids=lambda p: f"price{p}")
@pytest.mark.parametrize("hours", GRID_HOURS, ids=lambda hu: f"h{hu[0]}u{hu[1]}")
def test_conservation_grid(harness: Harness, hours: tuple[int, int], price: int, share: int, usdc: bool) -> None:
    reserved, used = hours
    escrow = Escrow(harness, token_share_bps=share)
    job = escrow.new_job(harness.usdc_mint if usdc else harness.io_mint, reserved, price)
    escrow.open(job)
    escrow.start(job)
    harness.warp(max(used * HOUR, 1))
    escrow.complete(job, used)
    settle_and_check(escrow, job, used, share)
