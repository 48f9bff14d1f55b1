"""The rewards program on the real SBF build in LiteSVM: hourly IO emission (bit-exact with
keeper.client.schedule and the SPEC reference points), epoch reward roots, Merkle claims with the
staker share deposited into staking's pool, the burn ledger, genesis and config authority.

Every expected amount is computed in Python (keeper.client.schedule, keeper.client.merkle, keeper.client.fees);
every failure asserts the named error and that the watched accounts did not change. The
`harness` fixture asserts supply == genesis + emitted − burned after each test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from keeper.client import merkle
from keeper.client.addresses import TOKEN_PROGRAM_ID, associated_token_address
from keeper.client.addresses import RewardsAddresses as R
from keeper.client.addresses import StakingAddresses as S
from keeper.client.constants import (
    IO_EMISSION_SUPPLY,
    IO_GENESIS_SUPPLY,
    IO_MAX_SUPPLY,
    LAST_PAYING_HOUR,
    MIN_STAKE_WARMUP_SECS,
    Seeds,
)
from keeper.client.fees import share_floor
from keeper.client.schedule import hour_amount, sum_hours
from keeper.client.spl import MINT_SIZE, TOKEN_ACCOUNT_SIZE
from keeper.localnet.deployment import Programs, create_token_account
from tests.programs.escrow_helpers import clone_account
from tests.programs.harness import START_TS, Harness, error_name, fresh_chain, mint_supply, same_account, session_roles, token_amount
from tests.programs.init_helpers import already_in_use, fails_in_use, prefund_minimum
from tests.programs.rewards_helpers import (
    CU,
    HOUR,
    REWARD_SCALE,
    RewardTree,
    ScheduleModel,
    activate_all,
    balance,
    bare_rewards,
    burn_epoch,
    burn_ix,
    claim_ix,
    claim_staker_rewards_ix,
    config,
    emission,
    emit_checked,
    emit_ix,
    emit_through,
    epoch_state,
    events,
    hour_end,
    initialize_ix,
    ledger,
    mint_genesis_ix,
    node_state,
    ok,
    position,
    post_root_ix,
    receipt,
    register_node,
    send_io,
    stake,
    staking_events,
    supply,
    unsigned,
    update_config_ix,
    warp_to,
)
from tests.programs.rewards_helpers import (
    SYSTEM_PROGRAM_ID as SYSTEM_PROGRAM,
)

# SPEC "The emission schedule, bit-exact": reference points (also recomputed from keeper.client.schedule).
HOUR_0 = 4_566_210_045_662
FIRST_DAY = 109_589_041_095_888
FIRST_YEAR = 37_830_573_245_906_333

# The compute-unit targets. emit does no address derivation, so its cost does not depend on
# addresses. claim derives one PDA (its receipt), and find_program_address costs 1,500 units per
# bump it tries: the target holds for a receipt whose canonical bump is 255 and each lower bump
# may add 1,500 (see claim_cu_within_target). Both include the CPIs (claim: staking's deposit).
EMIT_ONE_HOUR_CU_BUDGET = 15_000
CLAIM_CU_BUDGET = 40_000
PDA_TRY_CU = 1_500


# Account sizes from the layouts in programs/rewards/src/state/ (8-byte discriminator + fields),
# for the rent-exempt amounts the pre-funding tests send.
RECEIPT_SIZE = 8 + 1 + 8 + 32 + 8 + 8 + 8 + 8 + 1 + 64
# Epoch is zero-copy: seven 8-byte fields, the root, two u32 counters, version, bump, padding.
EPOCH_SIZE = 8 + 7 * 8 + 32 + 4 + 4 + 1 + 1 + 6 + 40
BURN_EPOCH_SIZE = 8 + 1 + 8 + 8 + 4 + 1 + 64
CONFIG_SIZE = 8 + 1 + 6 * 32 + 1 + 5 + 64
# EmissionState is zero-copy: version, bump, 6 bytes of padding, then the 8-byte fields.
EMISSION_SIZE = 8 + 1 + 1 + 6 + 8 + 8 + 4 * 8 + 8 + 8 + 8 + 64
BURN_LEDGER_SIZE = 8 + 1 + 8 + 8 + 8 + 1 + 64


def prefund(h: Harness, address: Pubkey, lamports: int) -> None:
    """Anyone can send lamports to a predictable address before the program creates it."""
    h.chain.airdrop(address, lamports).raise_for_error()
    account = h.chain.get_account(address)
    assert account.owner == SYSTEM_PROGRAM and len(account.data) == 0 and account.lamports == lamports


def claim_cu_within_target(units: int, epoch: int, node: Pubkey) -> bool:
    _, bump = Pubkey.find_program_address([Seeds.CLAIM, epoch.to_bytes(8, "little"), bytes(node)], R.program)
    return units - PDA_TRY_CU * (255 - bump) <= CLAIM_CU_BUDGET


@pytest.fixture(scope="module", autouse=True)
def compute_unit_report():
    yield
    print("\nrewards compute units (min / max over successful sends):")
    for name in sorted(CU):
        values = CU[name]
        print(f"  {name:28s} {min(values):>7,} / {max(values):>7,}  ({len(values)} sends)")


def test_reference_points_agree_with_keeper_schedule() -> None:
    # The independent Python schedule reproduces the SPEC's numbers (what the chain is compared to).
    assert hour_amount(0) == HOUR_0
    assert sum_hours(0, 24) == FIRST_DAY
    assert sum_hours(0, 8_760) == FIRST_YEAR
    assert hour_amount(LAST_PAYING_HOUR) > 0 and hour_amount(LAST_PAYING_HOUR + 1) == 0
    assert sum_hours(0, LAST_PAYING_HOUR + 1) == IO_EMISSION_SUPPLY == 3 * 10**17


# =================================================================================================
# emit
# =================================================================================================


def test_emit_hour_zero_only_after_it_ended_and_only_once(harness: Harness) -> None:
    h, model = harness, ScheduleModel()
    cranker = h.wallet()  # anyone may crank
    watch = [R.reward_vault, R.emission, R.io_mint]
    h.fails("HourNotEnded", emit_ix(h, 1), cranker, watch=watch)
    warp_to(h, hour_end(0) - 1)  # last second of hour 0
    h.fails("HourNotEnded", emit_ix(h, 168), cranker, watch=watch)

    warp_to(h, hour_end(0))
    event = emit_checked(h, model, 1, cranker)
    assert (event.first_hour, event.last_hour, event.amount) == (0, 0, HOUR_0)
    assert balance(h, R.reward_vault) == HOUR_0
    assert supply(h) == IO_GENESIS_SUPPLY + HOUR_0
    state = emission(h)
    assert state.last_emit_at == h.now and state.allocated_total == 0
    assert (state.cursor.month, state.cursor.emitted_before_month) == (0, 0)

    # Hour 0 cannot be emitted twice; hour 1 is still in progress.
    h.fails("HourNotEnded", emit_ix(h, 1), cranker, watch=watch)
    warp_to(h, hour_end(1) - 1)
    h.fails("HourNotEnded", emit_ix(h, 168), cranker, watch=watch)
    warp_to(h, hour_end(1))
    event = emit_checked(h, model, 168, cranker)  # in order: exactly hour 1
    assert (event.first_hour, event.last_hour, event.amount) == (1, 1, hour_amount(1))

    single = CU["emit(1)"][0]
    assert single <= EMIT_ONE_HOUR_CU_BUDGET, f"emit of one hour used {single} CU"


def test_emit_first_day_in_one_catch_up_call(harness: Harness) -> None:
    h, model = harness, ScheduleModel()
    warp_to(h, hour_end(23) + 1_234)  # hour 24 in progress
    event = emit_checked(h, model, 168)
    assert (event.first_hour, event.last_hour) == (0, 23)
    assert event.amount == FIRST_DAY
    assert balance(h, R.reward_vault) == FIRST_DAY
    h.fails("HourNotEnded", emit_ix(h, 168), h.roles.keeper, watch=[R.reward_vault, R.emission])


def test_emit_first_year_in_uneven_catch_up_batches(harness: Harness) -> None:
    """Batches of varying size cross month boundaries at arbitrary positions; every batch is
    compared with keeper.client.schedule and the year adds up to the SPEC reference point."""
    h, model = harness, ScheduleModel()
    warp_to(h, hour_end(8_759))
    sizes = [1, 168, 7, 100, 168, 3, 61, 168, 168, 29]
    i = 0
    while model.next_hour < 8_760:
        emit_checked(h, model, min(sizes[i % len(sizes)], 8_760 - model.next_hour))
        i += 1
    state = emission(h)
    assert state.next_hour == 8_760
    assert state.emitted_total == FIRST_YEAR
    assert state.cursor.month == 11  # hour 8,759 is in month 11 (730-hour months)
    assert balance(h, R.reward_vault) == FIRST_YEAR
    assert supply(h) == IO_GENESIS_SUPPLY + FIRST_YEAR
    h.fails("HourNotEnded", emit_ix(h, 1), h.roles.keeper, watch=[R.reward_vault, R.emission])


def test_emit_whole_schedule_reaches_cap_exactly_and_stops(harness: Harness) -> None:
    """Warp past the schedule's end and emit everything in max-size batches: hour 178,119 is
    the last that pays, the total is exactly 3·10^17, supply lands exactly on 800M IO and never
    passes it; afterwards emit fails with NothingToEmit."""
    h, model = harness, ScheduleModel()
    warp_to(h, hour_end(LAST_PAYING_HOUR + 5_000))
    stop_batches_at = LAST_PAYING_HOUR - 3  # then hour by hour through the end
    while model.next_hour < stop_batches_at:
        emit_checked(h, model, min(168, stop_batches_at - model.next_hour))
        assert supply(h) <= IO_MAX_SUPPLY
    last = None
    while model.next_hour <= LAST_PAYING_HOUR:
        last = emit_checked(h, model, 1)
        assert last.amount == hour_amount(last.first_hour) > 0
    assert last is not None and last.last_hour == LAST_PAYING_HOUR
    state = emission(h)
    assert state.next_hour == LAST_PAYING_HOUR + 1
    assert state.emitted_total == IO_EMISSION_SUPPLY == 3 * 10**17
    assert supply(h) == IO_MAX_SUPPLY
    assert balance(h, R.reward_vault) == IO_EMISSION_SUPPLY
    watch = [R.reward_vault, R.emission, R.io_mint]
    for max_hours in (1, 168):
        h.fails("NothingToEmit", emit_ix(h, max_hours), h.roles.keeper, watch=watch)
    h.warp(10 * 365 * 24 * HOUR)
    h.fails("NothingToEmit", emit_ix(h, 168), h.roles.keeper, watch=watch)
    assert supply(h) == IO_MAX_SUPPLY


def test_emit_max_hours_bounds(harness: Harness) -> None:
    h, model = harness, ScheduleModel()
    warp_to(h, hour_end(400))
    watch = [R.reward_vault, R.emission, R.io_mint]
    for bad in (0, 169, 65_535):
        h.fails("InvalidMaxHours", emit_ix(h, bad), h.roles.keeper, watch=watch)
    event = emit_checked(h, model, 168)
    assert (event.first_hour, event.last_hour) == (0, 167)


def test_emit_rejects_accounts_other_than_the_configured_ones(harness: Harness) -> None:
    h = harness
    warp_to(h, hour_end(10))
    cranker = h.wallet()
    watch = [R.reward_vault, R.emission, R.io_mint]
    # An IO account of the cranker's own cannot receive the emission.
    own_io = h.token_account(cranker.pubkey(), h.io_mint)
    h.fails("UnexpectedAccount", emit_ix(h, 1, reward_vault=own_io), cranker, watch=[*watch, own_io])
    # The burn vault is a real IO vault of this program, but not the reward vault.
    h.fails("UnexpectedAccount", emit_ix(h, 1, reward_vault=R.burn_vault), cranker, watch=[*watch, R.burn_vault])
    # Wrong mint (USDC) and wrong mint authority.
    h.fails("UnexpectedAccount", emit_ix(h, 1, io_mint=h.usdc_mint), cranker, watch=[*watch, h.usdc_mint])
    h.fails("UnexpectedAccount", emit_ix(h, 1, mint_authority=cranker.pubkey()), cranker, watch=watch)
    # Emission state replaced by another account of the program (right owner, wrong type / PDA).
    h.fails("AccountDiscriminatorMismatch", emit_ix(h, 1, emission=R.burn_ledger), cranker, watch=watch)
    # Another program's account in the config's place (emit reads the config lazily, which checks
    # the account's type before its owner).
    h.fails("AccountDiscriminatorMismatch", emit_ix(h, 1, config=S.config), cranker, watch=watch)
    # A token program that is not SPL Token.
    h.fails("InvalidProgramId", emit_ix(h, 1, token_program=S.program), cranker, watch=watch)
    # Nothing moved: hour 0 is still the next one.
    assert emission(h).next_hour == 0


def test_emit_requires_genesis_first(repo_root: Path, built_programs: Path) -> None:
    bare = bare_rewards(repo_root)
    bare.chain.warp(5 * HOUR)
    record = bare.chain.send_instructions([emit_ix_bare(bare)], bare.roles.keeper)
    assert error_name(record) == "GenesisNotMinted"
    assert mint_supply(bare.chain, R.io_mint) == 0
    assert token_amount(bare.chain, R.reward_vault) == 0


def emit_ix_bare(bare) -> object:
    return bare.programs.rewards.instruction(
        "emit",
        {"max_hours": 1},
        {"config": R.config, "emission": R.emission, "io_mint": R.io_mint, "mint_authority": R.mint_authority, "reward_vault": R.reward_vault},
    )


# =================================================================================================
# post_epoch_root
# =================================================================================================


def _emit_hours(h: Harness, hours: int) -> ScheduleModel:
    model = ScheduleModel()
    emit_through(h, model, hours)
    return model


def test_post_epoch_root_records_the_root_and_allocates_its_total(harness: Harness) -> None:
    h = harness
    model = _emit_hours(h, 3)
    nodes = [Keypair().pubkey() for _ in range(3)]
    tree = RewardTree.build(1, [(nodes[0], 1_000_000), (nodes[1], 2_500_000_000), (nodes[2], 7)])
    keeper = h.roles.keeper
    lamports_before = h.chain.balance(keeper.pubkey())
    record = ok(h, "post_epoch_root", post_root_ix(h, 1, tree.root, tree.total, 3), keeper)
    epoch = epoch_state(h, 1)
    assert (epoch.epoch, bytes(epoch.root), epoch.total, epoch.leaf_count) == (1, tree.root, tree.total, 3)
    assert (epoch.claimed, epoch.claim_count, epoch.posted_at, epoch.version) == (0, 0, h.now, 1)
    assert emission(h).allocated_total == tree.total
    assert emission(h).emitted_total == model.emitted
    (event,) = events(h, record, "EpochRootPosted")
    assert (event.epoch, bytes(event.root), event.total, event.leaf_count, event.allocated_total) == (1, tree.root, tree.total, 3, tree.total)
    # The keeper paid the epoch account's rent; no IO moved.
    rent = h.chain.get_account(R.epoch_root(1)).lamports
    assert h.chain.balance(keeper.pubkey()) == lamports_before - rent - 5_000
    assert balance(h, R.reward_vault) == model.emitted


def test_post_epoch_root_is_keeper_only(harness: Harness) -> None:
    h = harness
    _emit_hours(h, 1)
    tree = RewardTree.build(0, [(Keypair().pubkey(), 100)])
    watch = [R.emission]
    for intruder in (h.wallet(), h.roles.admin):
        h.fails("Unauthorized", post_root_ix(h, 0, tree.root, 100, 1, keeper=intruder.pubkey()), intruder, watch=watch)
    # The keeper's key without its signature.
    payer = h.wallet()
    h.fails("AccountNotSigner", unsigned(post_root_ix(h, 0, tree.root, 100, 1), h.roles.keeper.pubkey()), payer, watch=watch)
    assert h.chain.get_account(R.epoch_root(0)) is None
    assert emission(h).allocated_total == 0


def test_post_epoch_root_total_is_bounded_by_unallocated_emission(harness: Harness) -> None:
    h = harness
    model = _emit_hours(h, 2)
    keeper, unallocated = h.roles.keeper, model.emitted
    root = RewardTree.build(0, [(Keypair().pubkey(), 1)]).root
    h.fails("InsufficientUnallocated", post_root_ix(h, 0, root, unallocated + 1, 1), keeper, watch=[R.emission])
    ok(h, "post_epoch_root", post_root_ix(h, 0, root, unallocated - 10, 1), keeper)
    h.fails("InsufficientUnallocated", post_root_ix(h, 1, root, 11, 1), keeper, watch=[R.emission])
    ok(h, "post_epoch_root", post_root_ix(h, 1, root, 10, 1), keeper)
    assert emission(h).allocated_total == emission(h).emitted_total == model.emitted
    # Emitting the next hour frees exactly that hour's amount.
    warp_to(h, hour_end(2))
    emit_checked(h, model, 1)
    h.fails("InsufficientUnallocated", post_root_ix(h, 2, root, hour_amount(2) + 1, 1), keeper, watch=[R.emission])
    ok(h, "post_epoch_root", post_root_ix(h, 2, root, hour_amount(2), 1), keeper)
    # A total that would overflow the allocated sum is refused by name, not by a panic.
    warp_to(h, hour_end(3))
    emit_checked(h, model, 1)
    h.fails("InsufficientUnallocated", post_root_ix(h, 3, root, 2**64 - 1, 1), keeper, watch=[R.emission])


def test_post_epoch_root_requires_an_emitted_epoch(harness: Harness) -> None:
    h = harness
    root = RewardTree.build(0, [(Keypair().pubkey(), 1)]).root
    h.fails("EpochNotEmitted", post_root_ix(h, 0, root, 1, 1), h.roles.keeper, watch=[R.emission])
    warp_to(h, hour_end(5))  # hours 0..5 ended but none emitted
    h.fails("EpochNotEmitted", post_root_ix(h, 0, root, 1, 1), h.roles.keeper, watch=[R.emission])
    model = ScheduleModel()
    emit_checked(h, model, 2)
    h.fails("EpochNotEmitted", post_root_ix(h, 2, root, 1, 1), h.roles.keeper, watch=[R.emission])
    h.fails("EpochNotEmitted", post_root_ix(h, 2**64 - 1, root, 1, 1), h.roles.keeper, watch=[R.emission])
    ok(h, "post_epoch_root", post_root_ix(h, 1, root, 1, 1), h.roles.keeper)


def test_post_epoch_root_cannot_be_posted_twice(harness: Harness) -> None:
    h = harness
    _emit_hours(h, 1)
    first = RewardTree.build(0, [(Keypair().pubkey(), 5)])
    second = RewardTree.build(0, [(Keypair().pubkey(), 6)])
    ok(h, "post_epoch_root", post_root_ix(h, 0, first.root, 5, 1), h.roles.keeper)
    fails_in_use(h, post_root_ix(h, 0, second.root, 6, 1), h.roles.keeper, watch=[R.emission, R.epoch_root(0)])
    assert bytes(epoch_state(h, 0).root) == first.root


def test_post_epoch_root_on_a_prefunded_epoch_address(harness: Harness) -> None:
    """Lamports sent to an epoch's PDA in advance do not stop the keeper from posting it."""
    h = harness
    _emit_hours(h, 4)
    rent = h.chain.rent_exempt_minimum(EPOCH_SIZE)
    # The least the runtime allows (the 0-byte rent-exempt minimum), below the rent, exactly the
    # rent, above it.
    for epoch, lamports in enumerate((prefund_minimum(h), 1_000_000, rent, 50_000_000)):
        prefund(h, R.epoch_root(epoch), lamports)
        keeper_before = h.chain.balance(h.roles.keeper.pubkey())
        tree = RewardTree.build(epoch, [(Keypair().pubkey(), 5)])
        record = ok(h, "post_epoch_root", post_root_ix(h, epoch, tree.root, 5, 1), h.roles.keeper)
        state = epoch_state(h, epoch)
        assert (state.epoch, bytes(state.root), state.total) == (epoch, tree.root, 5)
        account = h.chain.get_account(R.epoch_root(epoch))
        assert account.owner == R.program and len(account.data) == EPOCH_SIZE
        assert account.lamports == max(lamports, rent)
        # The keeper paid only what the gift lacked.
        assert h.chain.balance(h.roles.keeper.pubkey()) == keeper_before - max(rent - lamports, 0) - record.fee
    # Posted once; a second post is still refused (`init`: already in use).
    root = RewardTree.build(0, [(Keypair().pubkey(), 6)]).root
    fails_in_use(h, post_root_ix(h, 0, root, 6, 1), h.roles.keeper, watch=[R.emission, R.epoch_root(0)])


def test_post_epoch_root_rejects_empty_or_zero_roots(harness: Harness) -> None:
    h = harness
    _emit_hours(h, 1)
    root = RewardTree.build(0, [(Keypair().pubkey(), 5)]).root
    keeper = h.roles.keeper
    h.fails("EmptyEpoch", post_root_ix(h, 0, root, 0, 1), keeper, watch=[R.emission])
    h.fails("EmptyEpoch", post_root_ix(h, 0, root, 5, 0), keeper, watch=[R.emission])
    h.fails("InvalidRoot", post_root_ix(h, 0, bytes(32), 5, 1), keeper, watch=[R.emission])
    assert h.chain.get_account(R.epoch_root(0)) is None


def test_post_epoch_root_rejects_a_foreign_emission_account_or_wrong_epoch_pda(harness: Harness) -> None:
    h = harness
    _emit_hours(h, 2)
    root = RewardTree.build(0, [(Keypair().pubkey(), 5)]).root
    keeper = h.roles.keeper
    h.fails("AccountDiscriminatorMismatch", post_root_ix(h, 0, root, 5, 1, emission=R.burn_ledger), keeper, watch=[R.burn_ledger])
    # The epoch account must be the PDA of the epoch named in the arguments.
    h.fails("ConstraintSeeds", post_root_ix(h, 0, root, 5, 1, epoch_root=R.epoch_root(1)), keeper, watch=[R.emission])


# =================================================================================================
# claim
# =================================================================================================


def _claim_setup(h: Harness, hours: int = 3):
    """Two staked nodes (staker shares 1 % and 3 %) and one unstaked node; the stakes, made when
    emission started, have warmed up (active from epoch 1's staker window on), hours emitted."""
    a = register_node(h, staker_share_bps=100)
    b = register_node(h, staker_share_bps=300)
    c = register_node(h, staker_share_bps=250)
    stakers_a = [stake(h, a.node, 3_000 * 10**9), stake(h, a.node, 1_000 * 10**9)]
    stakers_b = [stake(h, b.node, 777 * 10**9)]
    h.warp(MIN_STAKE_WARMUP_SECS)
    activate_all(h, a.node, stakers_a)
    activate_all(h, b.node, stakers_b)
    model = _emit_hours(h, hours)
    return model, (a, b, c), (stakers_a, stakers_b)


def test_claim_pays_operator_and_staker_pool_and_stakers_can_withdraw(harness: Harness) -> None:
    h = harness
    model, (a, b, c), (stakers_a, stakers_b) = _claim_setup(h)
    epoch = 1
    amount_a, amount_b, amount_c = 123_456_789_012, 98_765_432_101, 55_555
    tree = RewardTree.build(epoch, [(a.node, amount_a), (b.node, amount_b), (c.node, amount_c)])
    ok(h, "post_epoch_root", post_root_ix(h, epoch, tree.root, tree.total, 3), h.roles.keeper)

    for info, amount, stakers in ((a, amount_a, stakers_a), (b, amount_b, stakers_b)):
        staker_part = share_floor(amount, info.staker_share_bps)
        operator_part = amount - staker_part
        node_before = node_state(h, info.node)
        vault_before, pool_before = balance(h, R.reward_vault), balance(h, S.staker_reward_vault)
        operator_before = balance(h, info.operator_io)
        payer = h.wallet()  # anyone may submit the claim; the operator is paid regardless
        record = ok(h, "claim", claim_ix(h, epoch, amount, tree.proof(info.node), info.node, info.operator_io, payer.pubkey()), payer)
        units = record.result.compute_units_consumed
        assert claim_cu_within_target(units, epoch, info.node), f"claim used {units} CU"
        assert balance(h, info.operator_io) == operator_before + operator_part
        assert balance(h, S.staker_reward_vault) == pool_before + staker_part
        assert balance(h, R.reward_vault) == vault_before - amount
        # The staking program spread the staker part over the node's active shares.
        node_after = node_state(h, info.node)
        pool = staker_part + node_before.undistributed_rewards
        increment = pool * REWARD_SCALE // node_before.active_shares
        assert node_after.reward_per_share == node_before.reward_per_share + increment
        (event,) = events(h, record, "RewardClaimed")
        assert (event.epoch, event.node, event.operator, event.amount, event.operator_amount, event.staker_amount) == (
            epoch,
            info.node,
            info.operator.pubkey(),
            amount,
            operator_part,
            staker_part,
        )
        (deposit,) = staking_events(h, record, "StakerRewardsDeposited")
        assert (deposit.node, deposit.amount, deposit.reward_per_share) == (info.node, staker_part, node_after.reward_per_share)
        r = receipt(h, epoch, info.node)
        assert (r.epoch, r.node, r.amount, r.operator_amount, r.staker_amount, r.claimed_at) == (epoch, info.node, amount, operator_part, staker_part, h.now)
        # Each staker withdraws its pro-rata part through staking's claim_staker_rewards.
        for staker in stakers:
            pos = position(h, info.node, staker.pubkey())
            owed = pos.shares * (node_after.reward_per_share - pos.reward_debt) // REWARD_SCALE
            assert owed > 0
            destination = associated_token_address(staker.pubkey(), h.io_mint)
            before = balance(h, destination)
            ok(h, "staking.claim_staker_rewards", claim_staker_rewards_ix(h, info.node, staker.pubkey(), destination), staker)
            assert balance(h, destination) == before + owed
        # Stakers got at most the staker part (rounding dust stays in the pool for later).
        assert 0 <= staker_part - sum(position(h, info.node, s.pubkey()).shares * node_after.reward_per_share // REWARD_SCALE for s in stakers) <= len(stakers)

    state = epoch_state(h, epoch)
    assert (state.claimed, state.claim_count) == (amount_a + amount_b, 2)


def test_claim_for_a_node_without_stakers_pays_the_staker_share_to_the_operator(harness: Harness) -> None:
    """Nobody to share with: the operator gets the whole leaf and nothing waits in
    `undistributed_rewards` for a later (sniping) staker."""
    h = harness
    _model, (_a, _b, c), _ = _claim_setup(h)
    amount = 10**12 + 3
    tree = RewardTree.build(1, [(c.node, amount)])
    ok(h, "post_epoch_root", post_root_ix(h, 1, tree.root, amount, 1), h.roles.keeper)
    payer = h.wallet()
    record = ok(h, "claim", claim_ix(h, 1, amount, tree.proof(c.node), c.node, c.operator_io, payer.pubkey()), payer)
    assert balance(h, c.operator_io) == amount
    node = node_state(h, c.node)
    assert (node.undistributed_rewards, node.reward_per_share) == (0, 0)
    assert balance(h, S.staker_reward_vault) == 0
    (event,) = events(h, record, "RewardClaimed")
    assert (event.operator_amount, event.staker_amount, event.staker_returned) == (amount, 0, 0)


def test_claim_with_a_single_leaf_tree_needs_no_proof(harness: Harness) -> None:
    h = harness
    _model, (a, _b, _c), _ = _claim_setup(h)
    tree = RewardTree.build(1, [(a.node, 50_000)])
    assert tree.proof(a.node) == []
    ok(h, "post_epoch_root", post_root_ix(h, 1, tree.root, 50_000, 1), h.roles.keeper)
    ok(h, "claim", claim_ix(h, 1, 50_000, [], a.node, a.operator_io, a.operator.pubkey()), a.operator)
    assert balance(h, a.operator_io) == 50_000 - share_floor(50_000, 100)


def test_claim_with_a_wrong_proof_moves_nothing(harness: Harness) -> None:
    h = harness
    _model, (a, b, c), _ = _claim_setup(h)
    tree = RewardTree.build(1, [(a.node, 1_000), (b.node, 2_000), (c.node, 3_000)])
    ok(h, "post_epoch_root", post_root_ix(h, 1, tree.root, tree.total, 3), h.roles.keeper)
    payer = h.wallet()
    watch = [R.reward_vault, a.operator_io, b.operator_io, S.staker_reward_vault, a.node, b.node, R.epoch_root(1)]
    cases = [
        (1_001, tree.proof(a.node), a.node, a.operator_io),  # inflated amount
        (2_000, tree.proof(a.node), a.node, a.operator_io),  # another node's amount
        (1_000, tree.proof(b.node), a.node, a.operator_io),  # another node's proof
        (2_000, tree.proof(b.node), a.node, a.operator_io),  # b's leaf claimed for a
        (1_000, tree.proof(a.node)[:-1], a.node, a.operator_io),  # truncated proof
        (1_000, [bytes(32)] + tree.proof(a.node), a.node, a.operator_io),  # padded proof
    ]
    for amount, proof, node, operator_io in cases:
        h.fails("InvalidProof", claim_ix(h, 1, amount, proof, node, operator_io, payer.pubkey()), payer, watch=watch)
    # The leaf of epoch 1 is not valid for epoch 2 (epoch is part of the leaf).
    other = RewardTree.build(2, [(a.node, 10)])
    ok(h, "post_epoch_root", post_root_ix(h, 2, other.root, 10, 1), h.roles.keeper)
    h.fails("InvalidProof", claim_ix(h, 2, 1_000, tree.proof(a.node), a.node, a.operator_io, payer.pubkey()), payer, watch=[*watch, R.epoch_root(2)])
    # An inner node passed off as a leaf does not verify (distinct leaf/node prefixes).
    assert not merkle.verify([], tree.root, tree.tree.levels[1][0])
    assert h.chain.get_account(R.claim_receipt(1, a.node)) is None
    assert h.chain.get_account(R.claim_receipt(2, a.node)) is None


def test_claim_cannot_be_repeated(harness: Harness) -> None:
    h = harness
    _model, (a, b, _c), _ = _claim_setup(h)
    tree = RewardTree.build(0, [(a.node, 4_000), (b.node, 6_000)])
    ok(h, "post_epoch_root", post_root_ix(h, 0, tree.root, tree.total, 2), h.roles.keeper)
    ok(h, "claim", claim_ix(h, 0, 4_000, tree.proof(a.node), a.node, a.operator_io, a.operator.pubkey()), a.operator)
    watch = [R.reward_vault, a.operator_io, S.staker_reward_vault, a.node, R.epoch_root(0), R.claim_receipt(0, a.node)]
    for payer in (a.operator, h.wallet()):
        fails_in_use(h, claim_ix(h, 0, 4_000, tree.proof(a.node), a.node, a.operator_io, payer.pubkey()), payer, watch=watch)
    assert epoch_state(h, 0).claim_count == 1
    assert receipt(h, 0, a.node).amount == 4_000


def test_claim_on_a_prefunded_receipt_address(harness: Harness) -> None:
    """A claim receipt's address is predictable (epoch, node): lamports sent there in advance (the
    least the runtime allows, or the whole rent) do not block the node's claim, and it still
    happens only once."""
    h = harness
    _model, (a, b, _c), (stakers_a, _) = _claim_setup(h)
    tree = RewardTree.build(1, [(a.node, 5_000_000), (b.node, 8_000_000)])
    ok(h, "post_epoch_root", post_root_ix(h, 1, tree.root, tree.total, 2), h.roles.keeper)
    rent = h.chain.rent_exempt_minimum(RECEIPT_SIZE)
    for info, gift in ((a, prefund_minimum(h)), (b, rent)):
        address = R.claim_receipt(1, info.node)
        prefund(h, address, gift)
        amount = tree.amount(info.node)
        staker_part = share_floor(amount, info.staker_share_bps)
        operator_before, pool_before = balance(h, info.operator_io), balance(h, S.staker_reward_vault)
        vault_before = balance(h, R.reward_vault)
        payer = h.wallet()
        payer_before = h.chain.balance(payer.pubkey())
        record = ok(h, "claim", claim_ix(h, 1, amount, tree.proof(info.node), info.node, info.operator_io, payer.pubkey()), payer)
        assert balance(h, info.operator_io) == operator_before + amount - staker_part
        assert balance(h, S.staker_reward_vault) == pool_before + staker_part
        assert balance(h, R.reward_vault) == vault_before - amount
        (event,) = events(h, record, "RewardClaimed")
        assert (event.node, event.amount, event.staker_amount) == (info.node, amount, staker_part)
        account = h.chain.get_account(address)
        assert account.owner == R.program and len(account.data) == RECEIPT_SIZE
        assert account.lamports == max(gift, rent)
        assert h.chain.balance(payer.pubkey()) == payer_before - max(rent - gift, 0) - record.fee
        r = receipt(h, 1, info.node)
        assert (r.epoch, r.node, r.amount, r.staker_amount, r.operator_amount) == (1, info.node, amount, staker_part, amount - staker_part)
        fails_in_use(
            h,
            claim_ix(h, 1, amount, tree.proof(info.node), info.node, info.operator_io, payer.pubkey()),
            payer,
            watch=[R.reward_vault, info.operator_io, S.staker_reward_vault, info.node, R.epoch_root(1), address],
        )
    assert epoch_state(h, 1).claimed == tree.total


def test_claim_beyond_the_posted_total_fails(harness: Harness) -> None:
    """A root whose leaves add up to more than its declared total cannot overdraw the vault."""
    h = harness
    _model, (a, b, _c), _ = _claim_setup(h)
    tree = RewardTree.build(1, [(a.node, 700), (b.node, 400)])
    ok(h, "post_epoch_root", post_root_ix(h, 1, tree.root, 1_000, 2), h.roles.keeper)  # lies: 1,100 in leaves
    ok(h, "claim", claim_ix(h, 1, 700, tree.proof(a.node), a.node, a.operator_io, a.operator.pubkey()), a.operator)
    h.fails(
        "ClaimExceedsEpochTotal",
        claim_ix(h, 1, 400, tree.proof(b.node), b.node, b.operator_io, b.operator.pubkey()),
        b.operator,
        watch=[R.reward_vault, b.operator_io, S.staker_reward_vault, b.node, R.epoch_root(1)],
    )
    assert h.chain.get_account(R.claim_receipt(1, b.node)) is None
    assert epoch_state(h, 1).claimed == 700


def test_claim_for_an_unknown_epoch_fails(harness: Harness) -> None:
    h = harness
    _model, (a, _b, _c), _ = _claim_setup(h)
    tree = RewardTree.build(1, [(a.node, 700)])
    watch = [R.reward_vault, a.operator_io, S.staker_reward_vault, a.node]
    # No root posted: the address holds no rewards account (AccountLoader: owner check).
    h.fails("AccountOwnedByWrongProgram", claim_ix(h, 1, 700, [], a.node, a.operator_io, a.operator.pubkey()), a.operator, watch=watch)
    ok(h, "post_epoch_root", post_root_ix(h, 1, tree.root, 700, 1), h.roles.keeper)
    # Epoch 1's root account passed for epoch 0: it holds another epoch.
    h.fails(
        "WrongEpoch",
        claim_ix(h, 0, 700, [], a.node, a.operator_io, a.operator.pubkey(), epoch_root=R.epoch_root(1), claim_receipt=R.claim_receipt(0, a.node)),
        a.operator,
        watch=[*watch, R.epoch_root(1)],
    )
    # ... and for epoch 2, whose receipt address is right for (2, node): still the wrong root.
    h.fails(
        "WrongEpoch",
        claim_ix(h, 2, 700, [], a.node, a.operator_io, a.operator.pubkey(), epoch_root=R.epoch_root(1)),
        a.operator,
        watch=[*watch, R.epoch_root(1)],
    )
    # Another rewards account in the root's place is not an Epoch.
    h.fails("AccountDiscriminatorMismatch", claim_ix(h, 1, 700, [], a.node, a.operator_io, a.operator.pubkey(), epoch_root=R.emission), a.operator, watch=watch)
    assert h.chain.get_account(R.claim_receipt(0, a.node)) is None
    assert h.chain.get_account(R.claim_receipt(2, a.node)) is None
    ok(h, "claim", claim_ix(h, 1, 700, [], a.node, a.operator_io, a.operator.pubkey()), a.operator)


def test_claim_zero_amount_leaf_is_refused(harness: Harness) -> None:
    h = harness
    _model, (a, b, _c), _ = _claim_setup(h)
    tree = RewardTree.build(1, [(a.node, 0), (b.node, 10)])
    ok(h, "post_epoch_root", post_root_ix(h, 1, tree.root, 10, 2), h.roles.keeper)
    h.fails(
        "ZeroAmount",
        claim_ix(h, 1, 0, tree.proof(a.node), a.node, a.operator_io, a.operator.pubkey()),
        a.operator,
        watch=[R.reward_vault, a.operator_io, R.epoch_root(1)],
    )


def test_claim_rejects_wrong_token_and_program_accounts(harness: Harness) -> None:
    h = harness
    _model, (a, b, _c), _ = _claim_setup(h)
    tree = RewardTree.build(1, [(a.node, 9_000), (b.node, 1_000)])
    ok(h, "post_epoch_root", post_root_ix(h, 1, tree.root, tree.total, 2), h.roles.keeper)
    payer = h.wallet()
    thief = h.wallet()
    thief_io = h.token_account(thief.pubkey(), h.io_mint)
    thief_usdc = h.token_account(a.operator.pubkey(), h.usdc_mint)  # the operator's, but USDC
    watch = [R.reward_vault, a.operator_io, S.staker_reward_vault, a.node, R.epoch_root(1), thief_io]

    def claim(**accounts):
        base = dict(operator_token=a.operator_io)
        base.update(accounts)
        operator_token = base.pop("operator_token")
        return claim_ix(h, 1, 9_000, tree.proof(a.node), a.node, operator_token, payer.pubkey(), **base)

    h.fails("ConstraintTokenOwner", claim(operator_token=thief_io), payer, watch=watch)
    h.fails("ConstraintTokenOwner", claim(operator_token=b.operator_io), payer, watch=[*watch, b.operator_io])
    h.fails("ConstraintTokenMint", claim(operator_token=thief_usdc), payer, watch=[*watch, thief_usdc])
    # The staker part cannot be diverted: the staker reward vault is staking's fixed PDA.
    h.fails("UnexpectedAccount", claim(staker_reward_vault=thief_io), payer, watch=watch)
    h.fails("UnexpectedAccount", claim(reward_vault=R.burn_vault), payer, watch=[*watch, R.burn_vault])
    h.fails("UnexpectedAccount", claim(reward_vault=thief_io), payer, watch=watch)
    h.fails("UnexpectedAccount", claim(mint_authority=payer.pubkey()), payer, watch=watch)
    # The emission state is the fixed PDA; the programs are the real ones.
    h.fails("AccountDiscriminatorMismatch", claim(emission=R.config), payer, watch=watch)
    h.fails("InvalidProgramId", claim(staking_program=S.config), payer, watch=watch)
    h.fails("InvalidProgramId", claim(token_program=S.program), payer, watch=watch)
    # The reward vault passed again as the staker reward vault (same mutable account twice).
    h.fails("UnexpectedAccount", claim(staker_reward_vault=R.reward_vault), payer, watch=watch)
    # The operator's own token account in the reward vault's place.
    h.fails("UnexpectedAccount", claim(reward_vault=a.operator_io), payer, watch=watch)
    # The right receipt PDA is bound to (epoch, node): not another node's, not a non-canonical or
    # arbitrary address (which could let a node claim twice).
    h.fails("WrongClaimReceipt", claim(claim_receipt=R.claim_receipt(1, b.node)), payer, watch=watch)
    h.fails("WrongClaimReceipt", claim(claim_receipt=R.claim_receipt(2, a.node)), payer, watch=watch)
    h.fails("WrongClaimReceipt", claim(claim_receipt=Keypair().pubkey()), payer, watch=watch)
    ok(h, "claim", claim(), payer)


def test_claim_rejects_a_node_not_owned_by_staking(harness: Harness) -> None:
    h = harness
    _model, (a, _b, _c), _ = _claim_setup(h)
    # Leaves for accounts that are not staking Nodes: a rewards account, a node's bytes under
    # another owner, a staking account of another type.
    copy = clone_account(h, a.node, owner=R.program)
    tree = RewardTree.build(1, [(R.config, 9_000), (copy, 9_000), (S.config, 9_000), (a.node, 1)])
    ok(h, "post_epoch_root", post_root_ix(h, 1, tree.root, tree.total, 4), h.roles.keeper)
    payer = h.wallet()
    watch = [R.reward_vault, a.operator_io, S.staker_reward_vault, R.epoch_root(1)]
    for address, error in ((R.config, "AccountDiscriminatorMismatch"), (copy, "AccountOwnedByWrongProgram"), (S.config, "AccountDiscriminatorMismatch")):
        h.fails(error, claim_ix(h, 1, 9_000, tree.proof(address), address, a.operator_io, payer.pubkey()), payer, watch=[*watch, address])
        assert h.chain.get_account(R.claim_receipt(1, address)) is None


def test_claim_with_a_deep_proof(harness: Harness) -> None:
    """A 2^14-leaf tree: the deepest proof that fits a legacy transaction next to the claim's
    13 accounts. Compute stays within budget."""
    h = harness
    _model, (a, _b, _c), _ = _claim_setup(h)
    entries = [(Keypair().pubkey(), 1) for _ in range(2**14 - 1)] + [(a.node, 3_333)]
    tree = RewardTree.build(1, entries)
    proof = tree.proof(a.node)
    assert len(proof) == 14
    ok(h, "post_epoch_root", post_root_ix(h, 1, tree.root, tree.total, len(entries)), h.roles.keeper)
    record = ok(h, "claim(depth 14)", claim_ix(h, 1, 3_333, proof, a.node, a.operator_io, a.operator.pubkey()), a.operator)
    assert balance(h, a.operator_io) == 3_333 - share_floor(3_333, 100)
    # 13 more siblings than the bench's proof of 6: ~1.5k units more, still in the target.
    assert claim_cu_within_target(record.result.compute_units_consumed, 1, a.node)


# =================================================================================================
# burn
# =================================================================================================


def test_burn_burns_the_vault_and_books_ledger_and_epoch(harness: Harness) -> None:
    h = harness
    payer = h.wallet()
    warp_to(h, hour_end(4) + 10)  # hour 5 in progress
    send_io(h, R.burn_vault, 1_000 * 10**9)
    supply_before = supply(h)
    record = ok(h, "burn", burn_ix(h, 5, payer.pubkey()), payer)
    assert balance(h, R.burn_vault) == 0
    assert supply(h) == supply_before - 1_000 * 10**9
    led = ledger(h)
    assert (led.total_burned, led.burn_count, led.last_burn_at) == (1_000 * 10**9, 1, h.now)
    entry = burn_epoch(h, 5)
    assert (entry.epoch, entry.amount, entry.burn_count, entry.version) == (5, 1_000 * 10**9, 1, 1)
    (event,) = events(h, record, "Burned")
    assert (event.epoch, event.amount, event.epoch_burned, event.total_burned, event.supply) == (5, 1_000 * 10**9, 1_000 * 10**9, 1_000 * 10**9, supply(h))
    h.assert_supply_invariant()

    # A second burn in the same hour adds to the same epoch entry.
    warp_to(h, h.now + 60)
    send_io(h, R.burn_vault, 7)
    ok(h, "burn", burn_ix(h, 5, payer.pubkey()), payer)
    entry = burn_epoch(h, 5)
    assert (entry.amount, entry.burn_count) == (1_000 * 10**9 + 7, 2)
    h.assert_supply_invariant()

    # A later hour gets its own entry; the ledger keeps the cumulative total.
    warp_to(h, hour_end(9))
    send_io(h, R.burn_vault, 123)
    ok(h, "burn", burn_ix(h, 10, payer.pubkey()), payer)
    assert (burn_epoch(h, 10).amount, burn_epoch(h, 10).burn_count) == (123, 1)
    led = ledger(h)
    assert (led.total_burned, led.burn_count) == (1_000 * 10**9 + 130, 3)
    assert supply(h) == IO_GENESIS_SUPPLY - led.total_burned
    h.assert_supply_invariant()


def test_burn_on_a_prefunded_burn_epoch_address(harness: Harness) -> None:
    """An hour's burn record sits at a predictable address: lamports sent there in advance (the
    least the runtime allows, or the whole rent) do not block that hour's burns."""
    h = harness
    payer = h.wallet()
    rent = h.chain.rent_exempt_minimum(BURN_EPOCH_SIZE)
    burned = 0
    for hour, gift in ((2, prefund_minimum(h)), (3, rent)):
        warp_to(h, hour_end(hour - 1) + 7)  # hour `hour` in progress
        prefund(h, R.burn_epoch(hour), gift)
        send_io(h, R.burn_vault, 1_000 + hour)
        supply_before, payer_before = supply(h), h.chain.balance(payer.pubkey())
        record = ok(h, "burn", burn_ix(h, hour, payer.pubkey()), payer)
        burned += 1_000 + hour
        assert balance(h, R.burn_vault) == 0
        assert supply(h) == supply_before - (1_000 + hour)
        entry = burn_epoch(h, hour)
        assert (entry.epoch, entry.amount, entry.burn_count, entry.version) == (hour, 1_000 + hour, 1, 1)
        account = h.chain.get_account(R.burn_epoch(hour))
        assert account.owner == R.program and len(account.data) == BURN_EPOCH_SIZE
        assert account.lamports == max(gift, rent)
        assert h.chain.balance(payer.pubkey()) == payer_before - max(rent - gift, 0) - record.fee
        (event,) = events(h, record, "Burned")
        assert (event.epoch, event.amount, event.epoch_burned, event.total_burned) == (hour, 1_000 + hour, 1_000 + hour, burned)
        # A second burn in the hour adds to the entry (no new rent).
        send_io(h, R.burn_vault, 5)
        payer_before = h.chain.balance(payer.pubkey())
        record = ok(h, "burn", burn_ix(h, hour, payer.pubkey()), payer)
        burned += 5
        assert h.chain.balance(payer.pubkey()) == payer_before - record.fee
        entry = burn_epoch(h, hour)
        assert (entry.amount, entry.burn_count) == (1_005 + hour, 2)
        (event,) = events(h, record, "Burned")
        assert (event.epoch_burned, event.total_burned) == (1_005 + hour, burned)
    assert ledger(h).total_burned == burned
    h.assert_supply_invariant()


def test_burn_with_emission_keeps_supply_identity(harness: Harness) -> None:
    h = harness
    model = _emit_hours(h, 30)
    send_io(h, R.burn_vault, 5 * 10**9)
    payer = h.wallet()
    ok(h, "burn", burn_ix(h, 30, payer.pubkey()), payer)
    assert supply(h) == IO_GENESIS_SUPPLY + model.emitted - 5 * 10**9


def test_burn_of_an_empty_vault_fails(harness: Harness) -> None:
    h = harness
    payer = h.wallet()
    h.fails("NothingToBurn", burn_ix(h, 0, payer.pubkey()), payer, watch=[R.burn_ledger, R.io_mint])
    assert h.chain.get_account(R.burn_epoch(0)) is None


def test_burn_must_be_booked_under_the_hour_in_progress(harness: Harness) -> None:
    h = harness
    payer = h.wallet()
    warp_to(h, hour_end(2) + 5)  # hour 3
    send_io(h, R.burn_vault, 99)
    watch = [R.burn_ledger, R.burn_vault, R.io_mint]
    for wrong in (2, 4, 0, 2**64 - 1):
        h.fails("WrongBurnEpoch", burn_ix(h, wrong, payer.pubkey()), payer, watch=watch)
    ok(h, "burn", burn_ix(h, 3, payer.pubkey()), payer)


def test_burn_rejects_accounts_other_than_the_configured_ones(harness: Harness) -> None:
    h = harness
    payer = h.wallet()
    send_io(h, R.burn_vault, 1_000)
    own_io = h.give_io(payer.pubkey(), 500)
    watch = [R.burn_ledger, R.burn_vault, R.io_mint, own_io, R.reward_vault]
    h.fails("UnexpectedAccount", burn_ix(h, 0, payer.pubkey(), burn_vault=own_io), payer, watch=watch)
    h.fails("UnexpectedAccount", burn_ix(h, 0, payer.pubkey(), burn_vault=R.reward_vault), payer, watch=watch)
    h.fails("UnexpectedAccount", burn_ix(h, 0, payer.pubkey(), io_mint=h.usdc_mint), payer, watch=watch)
    h.fails("UnexpectedAccount", burn_ix(h, 0, payer.pubkey(), mint_authority=payer.pubkey()), payer, watch=watch)
    h.fails("AccountDiscriminatorMismatch", burn_ix(h, 0, payer.pubkey(), burn_ledger=R.emission), payer, watch=watch)
    h.fails("ConstraintSeeds", burn_ix(h, 0, payer.pubkey(), burn_epoch=R.burn_epoch(1)), payer, watch=watch)
    ok(h, "burn", burn_ix(h, 0, payer.pubkey()), payer)
    assert balance(h, own_io) == 500


def test_burn_of_slashed_stake(harness: Harness) -> None:
    """IO the staking program slashes into the burn vault is burned and booked."""
    h = harness
    node = register_node(h)
    stake(h, node.node, 10_000 * 10**9)
    slasher = h.roles.slashing_authority
    h.ok(
        h.programs.staking.instruction(
            "slash",
            {"params": {"fraction_bps": 2_500, "evidence_hash": [7] * 32, "reason": "forged proof"}},
            {
                "slashing_authority": slasher.pubkey(),
                "payer": slasher.pubkey(),
                "config": S.config,
                "node": node.node,
                "slash_record": S.slash_record(bytes([7] * 32)),
                "stake_vault": S.stake_vault,
                "burn_vault": R.burn_vault,
                "reporter_token_account": None,
            },
        ),
        slasher,
    )
    slashed = 10_000 * 10**9 * 2_500 // 10_000
    assert balance(h, R.burn_vault) == slashed
    payer = h.wallet()
    ok(h, "burn", burn_ix(h, 0, payer.pubkey()), payer)
    assert ledger(h).total_burned == slashed
    assert supply(h) == IO_GENESIS_SUPPLY - slashed


# =================================================================================================
# update_config
# =================================================================================================


def accept_ix(h: Harness, signer: Pubkey) -> Instruction:
    return h.programs.rewards.instruction("accept_authority", {}, {"new_authority": signer, "config": R.config})


def test_update_config_hands_over_admin_and_keeper(harness: Harness) -> None:
    """Handovers are two-step: update_config only proposes (pending_*), the new key takes the role
    by signing accept_authority; proposing again replaces, proposing the current key cancels."""
    h = harness
    admin, new_admin, new_keeper = h.roles.admin, h.wallet(), h.wallet()
    record = ok(h, "update_config", update_config_ix(h, admin.pubkey(), None, new_keeper.pubkey()), admin)
    assert (config(h).admin, config(h).keeper_authority, config(h).pending_keeper_authority) == (admin.pubkey(), h.roles.keeper.pubkey(), new_keeper.pubkey())
    (event,) = events(h, record, "ConfigUpdated")
    assert (event.admin, event.keeper_authority, event.pending_keeper_authority) == (admin.pubkey(), h.roles.keeper.pubkey(), new_keeper.pubkey())

    # Until it accepts, the old keeper posts roots and the proposed one cannot.
    _emit_hours(h, 2)
    root = RewardTree.build(0, [(Keypair().pubkey(), 1)]).root
    h.fails("Unauthorized", post_root_ix(h, 0, root, 1, 1, keeper=new_keeper.pubkey()), new_keeper, watch=[R.emission])
    ok(h, "post_epoch_root", post_root_ix(h, 0, root, 1, 1), h.roles.keeper)
    # Nobody else can accept for it.
    for intruder in (h.wallet(), admin, h.roles.keeper):
        h.fails("NothingToAccept", accept_ix(h, intruder.pubkey()), intruder, watch=[R.config])
    h.fails("AccountNotSigner", unsigned(accept_ix(h, new_keeper.pubkey()), new_keeper.pubkey()), admin, watch=[R.config])
    record = ok(h, "accept_authority", accept_ix(h, new_keeper.pubkey()), new_keeper)
    (event,) = events(h, record, "AuthorityAccepted")
    assert (event.authority, event.admin, event.keeper_authority) == (new_keeper.pubkey(), admin.pubkey(), new_keeper.pubkey())
    assert (config(h).keeper_authority, config(h).pending_keeper_authority) == (new_keeper.pubkey(), Pubkey.default())
    h.fails("NothingToAccept", accept_ix(h, new_keeper.pubkey()), new_keeper, watch=[R.config])
    root1 = RewardTree.build(1, [(Keypair().pubkey(), 1)]).root
    h.fails("Unauthorized", post_root_ix(h, 1, root1, 1, 1), h.roles.keeper, watch=[R.emission])
    ok(h, "post_epoch_root", post_root_ix(h, 1, root1, 1, 1, keeper=new_keeper.pubkey()), new_keeper)

    # A second proposal replaces the first; proposing the current admin cancels.
    other = h.wallet()
    ok(h, "update_config", update_config_ix(h, admin.pubkey(), other.pubkey(), None), admin)
    ok(h, "update_config", update_config_ix(h, admin.pubkey(), new_admin.pubkey(), None), admin)
    h.fails("NothingToAccept", accept_ix(h, other.pubkey()), other, watch=[R.config])
    ok(h, "update_config", update_config_ix(h, admin.pubkey(), admin.pubkey(), None), admin)
    assert config(h).pending_admin == Pubkey.default()
    h.fails("NothingToAccept", accept_ix(h, new_admin.pubkey()), new_admin, watch=[R.config])
    # One key proposed for both roles takes both with one signature.
    ok(h, "update_config", update_config_ix(h, admin.pubkey(), new_admin.pubkey(), new_admin.pubkey()), admin)
    ok(h, "accept_authority", accept_ix(h, new_admin.pubkey()), new_admin)
    assert (config(h).admin, config(h).keeper_authority, config(h).pending_admin, config(h).pending_keeper_authority) == (
        new_admin.pubkey(),
        new_admin.pubkey(),
        Pubkey.default(),
        Pubkey.default(),
    )
    h.fails("Unauthorized", update_config_ix(h, admin.pubkey(), admin.pubkey(), None), admin, watch=[R.config])
    ok(h, "update_config", update_config_ix(h, new_admin.pubkey(), None, None), new_admin)  # no-op is allowed
    assert config(h).admin == new_admin.pubkey()


def test_update_config_authority_checks(harness: Harness) -> None:
    h = harness
    intruder = h.wallet()
    watch = [R.config]
    for who in (intruder, h.roles.keeper):
        h.fails("Unauthorized", update_config_ix(h, who.pubkey(), who.pubkey(), who.pubkey()), who, watch=watch)
    # The admin's key without its signature.
    h.fails("AccountNotSigner", unsigned(update_config_ix(h, h.roles.admin.pubkey(), intruder.pubkey(), None), h.roles.admin.pubkey()), intruder, watch=watch)
    admin = h.roles.admin
    zero = Pubkey.default()
    h.fails("InvalidAuthority", update_config_ix(h, admin.pubkey(), zero, None), admin, watch=watch)
    h.fails("InvalidAuthority", update_config_ix(h, admin.pubkey(), None, zero), admin, watch=watch)
    # Another account of the program in the config's place.
    h.fails(
        "AccountDiscriminatorMismatch",
        h.programs.rewards.instruction(
            "update_config", {"new_admin": intruder.pubkey(), "new_keeper_authority": None}, {"admin": admin.pubkey(), "config": R.emission}
        ),
        admin,
        watch=[R.emission],
    )


# =================================================================================================
# initialize / mint_genesis
# =================================================================================================


def test_initialize_creates_the_mint_vaults_and_state(harness: Harness) -> None:
    h = harness
    cfg = config(h)
    assert (cfg.admin, cfg.keeper_authority, cfg.io_mint, cfg.mint_authority, cfg.reward_vault, cfg.burn_vault) == (
        h.roles.admin.pubkey(),
        h.roles.keeper.pubkey(),
        R.io_mint,
        R.mint_authority,
        R.reward_vault,
        R.burn_vault,
    )
    assert cfg.genesis_minted is True
    state = emission(h)
    assert (state.start_ts, state.next_hour, state.emitted_total, state.allocated_total) == (START_TS, 0, 0, 0)
    assert (state.cursor.month, state.cursor.rate, state.cursor.month_amount) == (0, 8 * 10**16, 730 * HOUR_0 + (state.cursor.month_amount - 730 * HOUR_0))
    assert state.cursor.month_amount == sum_hours(0, 730)
    mint = bytes(h.chain.get_account(R.io_mint).data)
    assert mint[0:4] == (1).to_bytes(4, "little") and Pubkey.from_bytes(mint[4:36]) == R.mint_authority
    assert mint[44] == 9 and mint[46:50] == bytes(4)  # decimals 9, no freeze authority
    for vault in (R.reward_vault, R.burn_vault):
        data = bytes(h.chain.get_account(vault).data)
        assert Pubkey.from_bytes(data[0:32]) == R.io_mint and Pubkey.from_bytes(data[32:64]) == R.mint_authority


def test_initialize_cannot_run_twice(harness: Harness) -> None:
    h = harness
    watch = [R.config, R.emission, R.burn_ledger, R.io_mint, R.reward_vault, R.burn_vault]
    for who in (h.roles.admin, h.wallet()):
        fails_in_use(h, initialize_ix(h.programs, who.pubkey(), who.pubkey(), START_TS), who, watch=watch)
    assert config(h).admin == h.roles.admin.pubkey()


@pytest.mark.parametrize("gift", ["0-byte rent-exempt minimum", "rent-exempt"])
def test_initialize_on_prefunded_addresses(repo_root: Path, built_programs: Path, gift: str) -> None:
    """Every account initialize creates sits at a fixed, public PDA. Lamports sent to all of them
    before deployment (the least the runtime allows, or each account's whole rent) do not block it: the mint and
    vaults come out as the token program's, the state as the program's, and the program works."""
    chain = fresh_chain(START_TS)
    programs = Programs.load(repo_root)
    roles = session_roles()
    chain.airdrop(roles.admin.pubkey(), 1_000 * 10**9).raise_for_error()
    sizes = {
        R.config: CONFIG_SIZE,
        R.emission: EMISSION_SIZE,
        R.burn_ledger: BURN_LEDGER_SIZE,
        R.io_mint: MINT_SIZE,
        R.reward_vault: TOKEN_ACCOUNT_SIZE,
        R.burn_vault: TOKEN_ACCOUNT_SIZE,
    }
    gifts = {
        address: chain.rent_exempt_minimum(0) if gift == "0-byte rent-exempt minimum" else chain.rent_exempt_minimum(size) for address, size in sizes.items()
    }
    for address, lamports in gifts.items():
        chain.airdrop(address, lamports).raise_for_error()
    admin_before = chain.balance(roles.admin.pubkey())
    record = chain.send_instructions([initialize_ix(programs, roles.admin.pubkey(), roles.keeper.pubkey(), START_TS)], roles.admin).raise_for_error()
    CU["initialize"].append(record.result.compute_units_consumed)
    rents = {address: chain.rent_exempt_minimum(size) for address, size in sizes.items()}
    for address, size in sizes.items():
        account = chain.get_account(address)
        owner = TOKEN_PROGRAM_ID if size in (MINT_SIZE, TOKEN_ACCOUNT_SIZE) else R.program
        assert (account.owner, len(account.data)) == (owner, size), address
        assert account.lamports == max(gifts[address], rents[address])
    lacking = sum(max(rents[a] - gifts[a], 0) for a in sizes)
    assert chain.balance(roles.admin.pubkey()) == admin_before - lacking - record.fee
    cfg = programs.rewards.decode_account_as("RewardsConfig", bytes(chain.get_account(R.config).data))
    assert (cfg.admin, cfg.keeper_authority, cfg.io_mint, cfg.reward_vault, cfg.burn_vault) == (
        roles.admin.pubkey(),
        roles.keeper.pubkey(),
        R.io_mint,
        R.reward_vault,
        R.burn_vault,
    )
    bumps = [
        Pubkey.find_program_address([seed], R.program)[1] for seed in (Seeds.CONFIG, Seeds.IO_MINT, Seeds.MINT_AUTHORITY, Seeds.REWARD_VAULT, Seeds.BURN_VAULT)
    ]
    assert [cfg.bump, cfg.io_mint_bump, cfg.mint_authority_bump, cfg.reward_vault_bump, cfg.burn_vault_bump] == bumps
    mint = bytes(chain.get_account(R.io_mint).data)
    assert mint[0:4] == (1).to_bytes(4, "little") and Pubkey.from_bytes(mint[4:36]) == R.mint_authority
    assert mint[44] == 9 and mint[45] == 1 and mint[46:50] == bytes(4)  # decimals 9, initialized, no freeze
    for vault in (R.reward_vault, R.burn_vault):
        data = bytes(chain.get_account(vault).data)
        assert Pubkey.from_bytes(data[0:32]) == R.io_mint and Pubkey.from_bytes(data[32:64]) == R.mint_authority
        assert data[108] == 1  # AccountState::Initialized
    state = programs.rewards.decode_account_as("EmissionState", bytes(chain.get_account(R.emission).data))
    assert (state.start_ts, state.next_hour, state.cursor.month_amount) == (START_TS, 0, sum_hours(0, 730))
    # A second initialize is refused (`init`: already in use); genesis and the first hour's emission work.
    again = chain.send_instructions([initialize_ix(programs, roles.admin.pubkey(), roles.keeper.pubkey(), START_TS)], roles.admin)
    assert already_in_use(again), "\n".join(again.result.logs)
    treasury_io = create_token_account(chain, roles.admin, roles.treasury.pubkey(), R.io_mint)
    chain.send_instructions([mint_genesis_ix(programs, roles.admin.pubkey(), treasury_io)], roles.admin).raise_for_error()
    chain.warp(HOUR)
    chain.send_instructions(
        [
            programs.rewards.instruction(
                "emit",
                {"max_hours": 1},
                {"config": R.config, "emission": R.emission, "io_mint": R.io_mint, "mint_authority": R.mint_authority, "reward_vault": R.reward_vault},
            )
        ],
        roles.admin,
    ).raise_for_error()
    assert mint_supply(chain, R.io_mint) == IO_GENESIS_SUPPLY + HOUR_0
    assert token_amount(chain, R.reward_vault) == HOUR_0


def test_mint_genesis_twice_fails(harness: Harness) -> None:
    h = harness
    treasury_io = associated_token_address(h.roles.treasury.pubkey(), h.io_mint)
    h.fails("GenesisAlreadyMinted", mint_genesis_ix(h.programs, h.roles.admin.pubkey(), treasury_io), h.roles.admin, watch=[treasury_io, R.io_mint, R.config])
    assert supply(h) == IO_GENESIS_SUPPLY


def test_mint_genesis_once_by_admin_to_an_io_account(repo_root: Path, built_programs: Path) -> None:
    bare = bare_rewards(repo_root)
    chain, programs, roles = bare.chain, bare.programs, bare.roles
    treasury_io = create_token_account(chain, roles.admin, roles.treasury.pubkey(), R.io_mint)

    def fails(expected: str, ix, payer: Keypair, watch: list[Pubkey]) -> None:
        before = {a: chain.get_account(a) for a in watch}
        record = chain.send_instructions([ix], payer)
        assert error_name(record) == expected, record.result.logs
        assert all(same_account(before[a], chain.get_account(a)) for a in watch)

    watch = [treasury_io, R.io_mint, R.config]
    intruder = Keypair()
    chain.airdrop(intruder.pubkey(), 10**9)
    fails("Unauthorized", mint_genesis_ix(programs, intruder.pubkey(), treasury_io), intruder, watch)
    fails("UnexpectedAccount", mint_genesis_ix(programs, roles.admin.pubkey(), treasury_io, mint_authority=intruder.pubkey()), roles.admin, watch)
    # A USDC-like account (any other mint) cannot receive genesis IO.
    from keeper.localnet.deployment import create_mint

    other_mint = create_mint(chain, roles.admin, roles.admin.pubkey(), 9)
    other_account = create_token_account(chain, roles.admin, roles.treasury.pubkey(), other_mint)
    fails("WrongMint", mint_genesis_ix(programs, roles.admin.pubkey(), other_account), roles.admin, [*watch, other_account])
    fails("UnexpectedAccount", mint_genesis_ix(programs, roles.admin.pubkey(), other_account, io_mint=other_mint), roles.admin, [*watch, other_account])

    record = record_genesis = chain.send_instructions([mint_genesis_ix(programs, roles.admin.pubkey(), treasury_io)], roles.admin).raise_for_error()
    CU["mint_genesis"].append(record_genesis.result.compute_units_consumed)
    assert token_amount(chain, treasury_io) == IO_GENESIS_SUPPLY == mint_supply(chain, R.io_mint)
    ev = [e.data for e in programs.rewards.decode_events(record.result.logs) if e.name == "GenesisMinted"]
    assert [(e.destination, e.amount, e.supply) for e in ev] == [(treasury_io, IO_GENESIS_SUPPLY, IO_GENESIS_SUPPLY)]
    fails("GenesisAlreadyMinted", mint_genesis_ix(programs, roles.admin.pubkey(), treasury_io), roles.admin, watch)
    # Emission works once genesis exists; supply identity holds.
    chain.warp(HOUR)
    chain.send_instructions([emit_ix_bare(bare)], roles.keeper).raise_for_error()
    assert mint_supply(chain, R.io_mint) == IO_GENESIS_SUPPLY + HOUR_0


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (-7 * 24 * 3_600, True),
        (-7 * 24 * 3_600 - 1, False),
        (365 * 24 * 3_600, True),
        (365 * 24 * 3_600 + 1, False),
        (0, True),
    ],
)
def test_emission_start_is_bounded_around_initialize(repo_root: Path, built_programs: Path, offset: int, accepted: bool) -> None:
    """`start_ts` within 7 days before and 365 days after initialize: a far-past start would
    release months of emission at once, a far-future one would never emit."""
    chain = fresh_chain(START_TS)
    programs = Programs.load(repo_root)
    roles = session_roles()
    record = chain.send_instructions([initialize_ix(programs, roles.admin.pubkey(), roles.keeper.pubkey(), START_TS + offset)], roles.admin)
    if accepted:
        record.raise_for_error()
        state = programs.rewards.decode_account_as("EmissionState", bytes(chain.get_account(R.emission).data))
        assert state.start_ts == START_TS + offset
    else:
        assert error_name(record) == "InvalidStartTime", "\n".join(record.result.logs)
        assert chain.get_account(R.config) is None and chain.get_account(R.emission) is None
