"""The staking program on the real SBF build in LiteSVM: node registry, share-priced stake pools,
cooldown withdrawals, pro-rata slashing with records, staker rewards (paid in by the rewards
program's CPI) and position close — every instruction's success path and the ways a caller can
get it wrong.

Expected figures come from the SPEC rules restated in Python (`staking_helpers.Pool`,
keeper.client.fees.share_floor), never from the program's own output.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from keeper.client import rewards as rewards_ix
from keeper.client.addresses import RewardsAddresses, StakingAddresses, associated_token_address
from keeper.client.constants import (
    IO_MAX_SUPPLY,
    MAX_STAKE_WARMUP_SECS,
    MAX_STAKER_SHARE_BPS,
    MIN_STAKE_WARMUP_SECS,
    MIN_STAKER_SHARE_BPS,
    STAKER_REWARD_WINDOW_SECS,
)
from keeper.client.fees import share_floor
from keeper.localnet.deployment import Deployment, Programs, create_mint
from keeper.localnet.remote import TransactionFailed
from tests.programs.harness import START_TS, Harness, error_name, fresh_chain, session_roles, token_amount
from tests.programs.init_helpers import fails_in_use, prefund_minimum
from tests.programs.staking_helpers import (
    COMPUTE_UNITS,
    IO,
    REWARD_SCALE,
    SYSTEM_PROGRAM,
    U64_MAX,
    Pool,
    RegisteredNode,
    Staking,
    replace_account,
    staking_compute_units,
    unsign,
)

DEFAULT_PUBKEY = Pubkey.default()
TOKEN_PROGRAM = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
STAKE_CU_TARGET = 25_000


@pytest.fixture
def s(harness: Harness) -> Staking:
    return Staking(harness)


@pytest.fixture(scope="module", autouse=True)
def compute_unit_report(repo_root: Path):
    """Writes the compute units measured by this module to test-artifacts/ (and prints them)."""
    yield
    if not COMPUTE_UNITS:
        return
    summary = {name: {"min": min(units), "max": max(units), "samples": len(units)} for name, units in sorted(COMPUTE_UNITS.items())}
    out = repo_root / "test-artifacts" / "staking-compute-units.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")
    print("\nstaking compute units:", json.dumps(summary))


def evidence(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def staked_node(s: Staking, amounts: list[int], warm: bool = False, **node_params) -> tuple[RegisteredNode, list[Keypair], Pool]:
    """A node with one staker per amount, and the Python pool mirroring it; `warm`: the stakes
    have waited out the warm-up and are active (earning)."""
    node = s.register(**node_params)
    pool = Pool()
    stakers = []
    for amount in amounts:
        staker = s.staker(amount)
        s.stake(staker, node.address, amount)
        pool.stake(amount)
        stakers.append(staker)
    if warm:
        s.warm_up(node.address, *stakers)
    return node, stakers, pool


def ata(s: Staking, owner: Pubkey) -> Pubkey:
    return associated_token_address(owner, s.h.io_mint)


# ====================================================================================
# initialize
# ====================================================================================


def fresh_protocol(repo_root: Path) -> tuple[Harness, Keypair]:
    """A chain with the programs loaded and only the rewards program initialized (it owns the
    IO mint staking checks); staking itself is not initialized yet."""
    chain = fresh_chain(START_TS)
    programs = Programs.load(repo_root)
    roles = session_roles()
    for role in (roles.admin, roles.keeper, roles.slashing_authority, roles.treasury):
        chain.airdrop(role.pubkey(), 1_000 * 10**9)
    admin = roles.admin
    chain.send_instructions(
        [
            programs.rewards.instruction(
                "initialize",
                {"start_ts": START_TS, "keeper_authority": roles.keeper.pubkey()},
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
    usdc_authority = Keypair()
    usdc = create_mint(chain, admin, usdc_authority.pubkey(), 6)
    return Harness(chain, Deployment(roles, programs, usdc, usdc_authority), repo_root), admin


def initialize_ix(
    h: Harness,
    admin: Pubkey,
    *,
    io_mint: Pubkey = RewardsAddresses.io_mint,
    slashing_authority=None,
    max_stake=1_000_000 * IO,
    cooldown=3_600,
    reporter_bps=2_000,
    max_slash=5_000,
    warmup=MIN_STAKE_WARMUP_SECS,
):
    return h.programs.staking.instruction(
        "initialize",
        {
            "params": {
                "slashing_authority": slashing_authority or h.roles.slashing_authority.pubkey(),
                "max_stake_per_node": max_stake,
                "unstake_cooldown_secs": cooldown,
                "reporter_share_bps": reporter_bps,
                "max_slash_bps": max_slash,
                "stake_warmup_secs": warmup,
            }
        },
        {
            "admin": admin,
            "config": StakingAddresses.config,
            "io_mint": io_mint,
            "stake_vault": StakingAddresses.stake_vault,
            "staker_reward_vault": StakingAddresses.staker_reward_vault,
        },
    )


def test_initialize_creates_config_and_both_vaults(repo_root: Path) -> None:
    h, admin = fresh_protocol(repo_root)
    s = Staking(h)
    record = s.ok("initialize", initialize_ix(h, admin.pubkey(), max_stake=123 * IO, cooldown=3_601, reporter_bps=2_000, max_slash=10_000), admin)

    config = s.config()
    assert (config.version, config.admin, config.slashing_authority, config.io_mint) == (
        1,
        admin.pubkey(),
        h.roles.slashing_authority.pubkey(),
        RewardsAddresses.io_mint,
    )
    # Derived on-chain from the rewards program id, not from anything the caller passed.
    assert config.rewards_authority == RewardsAddresses.mint_authority
    assert config.burn_vault == RewardsAddresses.burn_vault
    assert (config.max_stake_per_node, config.unstake_cooldown_secs, config.reporter_share_bps, config.max_slash_bps) == (123 * IO, 3_601, 2_000, 10_000)
    assert (config.pending_reporter_share_bps, config.reporter_share_effective_at) == (2_000, 0)
    assert config.bump == Pubkey.find_program_address([b"config"], StakingAddresses.program)[1]
    for vault in (StakingAddresses.stake_vault, StakingAddresses.staker_reward_vault):
        account = h.chain.get_account(vault)
        data = bytes(account.data)
        assert Pubkey.from_bytes(data[0:32]) == RewardsAddresses.io_mint  # mint
        assert Pubkey.from_bytes(data[32:64]) == StakingAddresses.config  # authority = config PDA
        assert token_amount(h.chain, vault) == 0
    event = s.event(record, "StakingInitialized")
    assert (
        event.config,
        event.admin,
        event.rewards_authority,
        event.burn_vault,
        event.stake_vault,
        event.staker_reward_vault,
        event.max_stake_per_node,
        event.unstake_cooldown_secs,
        event.reporter_share_bps,
        event.max_slash_bps,
    ) == (
        StakingAddresses.config,
        admin.pubkey(),
        RewardsAddresses.mint_authority,
        RewardsAddresses.burn_vault,
        StakingAddresses.stake_vault,
        StakingAddresses.staker_reward_vault,
        123 * IO,
        3_601,
        2_000,
        10_000,
    )


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"slashing_authority": DEFAULT_PUBKEY}, "InvalidAuthority"),
        ({"max_stake": 0}, "InvalidMaxStake"),
        ({"cooldown": -1}, "InvalidCooldown"),
        ({"cooldown": 0}, "InvalidCooldown"),
        ({"cooldown": 3_599}, "InvalidCooldown"),
        ({"cooldown": 365 * 24 * 3_600 + 1}, "InvalidCooldown"),
        ({"cooldown": 2**63 - 1}, "InvalidCooldown"),
        ({"reporter_bps": 2_001}, "InvalidReporterShare"),
        ({"max_slash": 0}, "InvalidSlashCap"),
        ({"max_slash": 10_001}, "InvalidSlashCap"),
        ({"max_stake": IO_MAX_SUPPLY + 1}, "InvalidMaxStake"),
        ({"warmup": MIN_STAKE_WARMUP_SECS - 1}, "InvalidWarmup"),
        ({"warmup": MAX_STAKE_WARMUP_SECS + 1}, "InvalidWarmup"),
    ],
)
def test_initialize_rejects_invalid_settings(repo_root: Path, overrides: dict, error: str) -> None:
    h, admin = fresh_protocol(repo_root)
    h.fails(error, initialize_ix(h, admin.pubkey(), **overrides), admin)
    assert h.chain.get_account(StakingAddresses.config) is None
    assert h.chain.get_account(StakingAddresses.stake_vault) is None


def test_initialize_rejects_a_mint_other_than_the_rewards_io_mint(repo_root: Path) -> None:
    h, admin = fresh_protocol(repo_root)
    # A 9-decimal mint of the caller's own: not the rewards program's IO mint PDA.
    lookalike = create_mint(h.chain, admin, admin.pubkey(), 9)
    h.fails("WrongMint", initialize_ix(h, admin.pubkey(), io_mint=lookalike), admin)
    # A mint with other decimals (USDC) is refused on its decimals first.
    h.fails("InvalidMintDecimals", initialize_ix(h, admin.pubkey(), io_mint=h.usdc_mint), admin)
    assert h.chain.get_account(StakingAddresses.config) is None
    assert h.chain.get_account(StakingAddresses.stake_vault) is None


def test_initialize_without_the_admin_signature_fails(repo_root: Path) -> None:
    h, admin = fresh_protocol(repo_root)
    payer = h.wallet()
    h.fails("AccountNotSigner", unsign(initialize_ix(h, admin.pubkey()), admin.pubkey()), payer)
    assert h.chain.get_account(StakingAddresses.config) is None


def test_initialize_twice_is_refused_and_leaves_the_config(s: Staking) -> None:
    before = s.config()
    for caller in (s.h.roles.admin, s.h.wallet()):
        fails_in_use(
            s.h,
            initialize_ix(s.h, caller.pubkey(), max_stake=1),
            caller,
            watch=[StakingAddresses.config, StakingAddresses.stake_vault, StakingAddresses.staker_reward_vault],
        )
    assert s.config() == before


# ====================================================================================
# update_config
# ====================================================================================


def test_update_config_changes_every_setting_and_hands_over_admin(s: Staking) -> None:
    new_admin, new_slasher = s.h.wallet(), Keypair()
    before = s.config()
    record = s.update_config(
        admin=new_admin.pubkey(),
        slashing_authority=new_slasher.pubkey(),
        max_stake_per_node=5 * IO,
        unstake_cooldown_secs=7_200,
        reporter_share_bps=2_000,
        max_slash_bps=2_500,
    )
    config = s.config()
    # The reporter share waits a day (the delay is never below one day).
    # Authorities are only proposed (two-step handover); the reporter share waits a day.
    assert (
        config.admin,
        config.slashing_authority,
        config.pending_admin,
        config.pending_slashing_authority,
        config.max_stake_per_node,
        config.unstake_cooldown_secs,
        config.reporter_share_bps,
        config.pending_reporter_share_bps,
        config.reporter_share_effective_at,
        config.max_slash_bps,
    ) == (
        before.admin,
        before.slashing_authority,
        new_admin.pubkey(),
        new_slasher.pubkey(),
        5 * IO,
        7_200,
        before.reporter_share_bps,
        2_000,
        s.h.now + 86_400,
        2_500,
    )
    # What initialize fixed stays fixed.
    assert (config.io_mint, config.rewards_authority, config.burn_vault, config.bump) == (
        before.io_mint,
        before.rewards_authority,
        before.burn_vault,
        before.bump,
    )
    event = s.event(record, "StakingConfigUpdated")
    assert (
        event.admin,
        event.slashing_authority,
        event.pending_admin,
        event.pending_slashing_authority,
        event.max_stake_per_node,
        event.unstake_cooldown_secs,
        event.reporter_share_bps,
        event.pending_reporter_share_bps,
        event.max_slash_bps,
    ) == (before.admin, before.slashing_authority, new_admin.pubkey(), new_slasher.pubkey(), 5 * IO, 7_200, before.reporter_share_bps, 2_000, 2_500)
    s.ok("accept_authority", s.accept_authority_ix(new_admin.pubkey()), new_admin)
    s.ok("accept_authority", s.accept_authority_ix(new_slasher.pubkey()), s.h.wallet(), new_slasher)
    config = s.config()
    assert (config.admin, config.slashing_authority, config.pending_admin, config.pending_slashing_authority) == (
        new_admin.pubkey(),
        new_slasher.pubkey(),
        DEFAULT_PUBKEY,
        DEFAULT_PUBKEY,
    )

    # The old admin is out; the new one is in. None fields stay as they are.
    old = s.h.roles.admin
    s.h.fails("NotAdmin", s.update_config_ix(old.pubkey(), max_stake_per_node=1), old, watch=[StakingAddresses.config])
    s.ok("update_config", s.update_config_ix(new_admin.pubkey(), reporter_share_bps=0), new_admin)
    config = s.config()
    assert (config.admin, config.max_stake_per_node, config.unstake_cooldown_secs, config.pending_reporter_share_bps) == (new_admin.pubkey(), 5 * IO, 7_200, 0)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"admin": DEFAULT_PUBKEY}, "InvalidAuthority"),
        ({"slashing_authority": DEFAULT_PUBKEY}, "InvalidAuthority"),
        ({"max_stake_per_node": 0}, "InvalidMaxStake"),
        ({"unstake_cooldown_secs": -1}, "InvalidCooldown"),
        ({"unstake_cooldown_secs": 0}, "InvalidCooldown"),
        ({"unstake_cooldown_secs": 3_599}, "InvalidCooldown"),
        ({"unstake_cooldown_secs": 365 * 24 * 3_600 + 1}, "InvalidCooldown"),
        ({"unstake_cooldown_secs": 2**63 - 1}, "InvalidCooldown"),
        ({"reporter_share_bps": 2_001}, "InvalidReporterShare"),
        ({"max_stake_per_node": IO_MAX_SUPPLY + 1}, "InvalidMaxStake"),
        ({"max_stake_per_node": U64_MAX}, "InvalidMaxStake"),
        ({"max_slash_bps": 0}, "InvalidSlashCap"),
        ({"max_slash_bps": 10_001}, "InvalidSlashCap"),
        ({"stake_warmup_secs": MIN_STAKE_WARMUP_SECS - 1}, "InvalidWarmup"),
        ({"stake_warmup_secs": 0}, "InvalidWarmup"),
        ({"stake_warmup_secs": -1}, "InvalidWarmup"),
        ({"stake_warmup_secs": MAX_STAKE_WARMUP_SECS + 1}, "InvalidWarmup"),
        ({"stake_warmup_secs": 2**63 - 1}, "InvalidWarmup"),
        # A valid field first does not let an invalid one through.
        ({"max_stake_per_node": 7, "reporter_share_bps": 65_535}, "InvalidReporterShare"),
    ],
)
def test_update_config_rejects_invalid_values(s: Staking, params: dict, error: str) -> None:
    admin = s.h.roles.admin
    s.h.fails(error, s.update_config_ix(admin.pubkey(), **params), admin, watch=[StakingAddresses.config])


def test_update_config_by_anyone_else_or_unsigned_fails(s: Staking) -> None:
    admin, intruder = s.h.roles.admin, s.h.wallet()
    watch = [StakingAddresses.config]
    s.h.fails("NotAdmin", s.update_config_ix(intruder.pubkey(), admin=intruder.pubkey()), intruder, watch=watch)
    s.h.fails("NotAdmin", s.update_config_ix(s.h.roles.slashing_authority.pubkey(), max_stake_per_node=1), s.h.roles.slashing_authority, watch=watch)
    s.h.fails("AccountNotSigner", unsign(s.update_config_ix(admin.pubkey(), admin=intruder.pubkey()), admin.pubkey()), intruder, watch=watch)


def test_update_config_refuses_a_forged_config(s: Staking) -> None:
    """A StakingConfig-shaped account naming the intruder as admin: at another address owned by
    staking it fails the address check (the config's compile-time PDA); owned by another program
    it fails the owner check."""
    intruder = s.h.wallet()
    data = bytearray(s.h.chain.get_account(StakingAddresses.config).data)
    data[10:42] = bytes(intruder.pubkey())  # discriminator(8) version(1) bump(1) admin(32)
    assert s.idl.decode_account_as("StakingConfig", bytes(data)).admin == intruder.pubkey()
    fake = s.forge(Keypair().pubkey(), bytes(data), StakingAddresses.program)
    ix = replace_account(s.update_config_ix(intruder.pubkey(), slashing_authority=intruder.pubkey()), StakingAddresses.config, fake)
    s.h.fails("WrongConfig", ix, intruder, watch=[fake, StakingAddresses.config])
    foreign = s.forge(Keypair().pubkey(), bytes(data), RewardsAddresses.program)
    ix = replace_account(s.update_config_ix(intruder.pubkey(), slashing_authority=intruder.pubkey()), StakingAddresses.config, foreign)
    s.h.fails("AccountOwnedByWrongProgram", ix, intruder, watch=[foreign])


# ====================================================================================
# register_node / update_node
# ====================================================================================


def test_register_node_records_the_node(s: Staking) -> None:
    operator, node_key = s.h.wallet(), Keypair()
    s.h.warp(1_234)
    record = s.ok(
        "register_node",
        s.register_node_ix(operator.pubkey(), node_key.pubkey(), gpu_model="A100-40GB", tier=3, staker_share_bps=250, token_share_bps=10_000),
        operator,
        node_key,
    )
    address = StakingAddresses.node(node_key.pubkey())
    node = s.node(address)
    assert (
        node.version,
        node.operator,
        node.node_key,
        node.gpu_model,
        node.tier,
        node.staker_share_bps,
        node.token_share_bps,
        node.active,
        node.registered_at,
    ) == (1, operator.pubkey(), node_key.pubkey(), "A100-40GB", 3, 250, 10_000, True, START_TS + 1_234)
    assert (
        node.total_stake,
        node.total_shares,
        node.active_shares,
        node.reward_per_share,
        node.undistributed_rewards,
        node.slash_count,
        node.total_slashed,
    ) == (0, 0, 0, 0, 0, 0, 0)
    assert node.bump == Pubkey.find_program_address([b"node", bytes(node_key.pubkey())], StakingAddresses.program)[1]
    event = s.event(record, "NodeRegistered")
    assert (event.node, event.operator, event.node_key, event.gpu_model, event.tier, event.staker_share_bps, event.token_share_bps, event.registered_at) == (
        address,
        operator.pubkey(),
        node_key.pubkey(),
        "A100-40GB",
        3,
        250,
        10_000,
        START_TS + 1_234,
    )


@pytest.mark.parametrize("staker_share_bps", [MIN_STAKER_SHARE_BPS, 150, MAX_STAKER_SHARE_BPS])
def test_register_node_accepts_staker_shares_from_1_to_3_percent(s: Staking, staker_share_bps: int) -> None:
    node = s.register(staker_share_bps=staker_share_bps, gpu_model="x" * 32, token_share_bps=0)
    assert s.node(node.address).staker_share_bps == staker_share_bps
    assert s.node(node.address).gpu_model == "x" * 32


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"staker_share_bps": MIN_STAKER_SHARE_BPS - 1}, "InvalidStakerShare"),
        ({"staker_share_bps": MAX_STAKER_SHARE_BPS + 1}, "InvalidStakerShare"),
        ({"staker_share_bps": 0}, "InvalidStakerShare"),
        ({"staker_share_bps": 65_535}, "InvalidStakerShare"),
        ({"token_share_bps": 10_001}, "InvalidTokenShare"),
        ({"gpu_model": "x" * 33}, "GpuModelTooLong"),
    ],
)
def test_register_node_rejects_out_of_range_settings(s: Staking, params: dict, error: str) -> None:
    operator, node_key = s.h.wallet(), Keypair()
    s.h.fails(error, s.register_node_ix(operator.pubkey(), node_key.pubkey(), **params), operator, node_key)
    assert s.h.chain.get_account(StakingAddresses.node(node_key.pubkey())) is None


def test_register_node_needs_both_signatures(s: Staking) -> None:
    operator, node_key = s.h.wallet(), Keypair()
    address = StakingAddresses.node(node_key.pubkey())
    ix = s.register_node_ix(operator.pubkey(), node_key.pubkey())
    # Someone else's device key cannot be registered without its signature.
    s.h.fails("AccountNotSigner", unsign(ix, node_key.pubkey()), operator)
    # Nor a node in someone's name without the operator's.
    payer = s.h.wallet()
    s.h.fails("AccountNotSigner", unsign(ix, operator.pubkey()), payer, node_key)
    assert s.h.chain.get_account(address) is None


def test_register_node_at_an_address_not_derived_from_the_device_key_fails(s: Staking) -> None:
    operator, node_key, other = s.h.wallet(), Keypair(), Keypair()
    ix = s.register_node_ix(operator.pubkey(), node_key.pubkey(), node=StakingAddresses.node(other.pubkey()))
    s.h.fails("ConstraintSeeds", ix, operator, node_key)


def test_register_node_twice_is_refused(s: Staking) -> None:
    node = s.register()
    before = s.node(node.address)
    thief = s.h.wallet()
    # Even the device key itself cannot re-register (and so reset the pool) under a new operator.
    fails_in_use(s.h, s.register_node_ix(thief.pubkey(), node.node_key.pubkey(), staker_share_bps=300), thief, node.node_key, watch=[node.address])
    fails_in_use(s.h, s.register_node_ix(node.operator.pubkey(), node.node_key.pubkey()), node.operator, node.node_key, watch=[node.address])
    assert s.node(node.address) == before


def test_update_node_changes_settings_and_hands_over_the_node(s: Staking) -> None:
    node = s.register()
    new_operator = s.h.wallet()
    record = s.ok(
        "update_node",
        s.update_node_ix(
            node.operator.pubkey(),
            node.address,
            operator=new_operator.pubkey(),
            gpu_model="RTX-4090",
            tier=9,
            staker_share_bps=300,
            token_share_bps=0,
            active=False,
        ),
        node.operator,
    )
    # The operator is only proposed and the shares wait max(cooldown, 1 day).
    delay = max(s.config().unstake_cooldown_secs, 86_400)
    state = s.node(node.address)
    assert (
        state.operator,
        state.pending_operator,
        state.node_key,
        state.gpu_model,
        state.tier,
        state.staker_share_bps,
        state.token_share_bps,
        state.pending_staker_share_bps,
        state.pending_token_share_bps,
        state.shares_effective_at,
        state.active,
    ) == (node.operator.pubkey(), new_operator.pubkey(), node.node_key.pubkey(), "RTX-4090", 9, 200, 1_000, 300, 0, s.h.now + delay, False)
    event = s.event(record, "NodeUpdated")
    assert (
        event.node,
        event.operator,
        event.pending_operator,
        event.gpu_model,
        event.tier,
        event.staker_share_bps,
        event.token_share_bps,
        event.pending_staker_share_bps,
        event.pending_token_share_bps,
        event.active,
    ) == (node.address, node.operator.pubkey(), new_operator.pubkey(), "RTX-4090", 9, 200, 1_000, 300, 0, False)
    record = s.ok("accept_node_operator", s.accept_node_operator_ix(new_operator.pubkey(), node.address), new_operator)
    event = s.event(record, "NodeOperatorAccepted")
    assert (event.node, event.previous_operator, event.operator) == (node.address, node.operator.pubkey(), new_operator.pubkey())
    assert (s.node(node.address).operator, s.node(node.address).pending_operator) == (new_operator.pubkey(), DEFAULT_PUBKEY)
    # The previous operator lost control; None fields stay.
    s.h.fails("NotOperator", s.update_node_ix(node.operator.pubkey(), node.address, active=True), node.operator, watch=[node.address])
    s.h.warp(delay)
    s.ok("update_node", s.update_node_ix(new_operator.pubkey(), node.address, staker_share_bps=100, active=True), new_operator)
    state = s.node(node.address)
    # The due change was folded in; the new one waits again.
    assert (state.staker_share_bps, state.token_share_bps, state.pending_staker_share_bps, state.active, state.gpu_model, state.tier) == (
        300,
        0,
        100,
        True,
        "RTX-4090",
        9,
    )


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"operator": DEFAULT_PUBKEY}, "InvalidAuthority"),
        ({"staker_share_bps": 99}, "InvalidStakerShare"),
        ({"staker_share_bps": 301}, "InvalidStakerShare"),
        ({"token_share_bps": 10_001}, "InvalidTokenShare"),
        ({"gpu_model": "y" * 33}, "GpuModelTooLong"),
        ({"tier": 1, "staker_share_bps": 1_000}, "InvalidStakerShare"),
    ],
)
def test_update_node_rejects_invalid_values(s: Staking, params: dict, error: str) -> None:
    node = s.register()
    s.h.fails(error, s.update_node_ix(node.operator.pubkey(), node.address, **params), node.operator, watch=[node.address])


def test_update_node_by_anyone_else_or_unsigned_fails(s: Staking) -> None:
    node = s.register()
    intruder = s.h.wallet()
    s.h.fails("NotOperator", s.update_node_ix(intruder.pubkey(), node.address, operator=intruder.pubkey()), intruder, watch=[node.address])
    # The device key is not the operator either.
    s.h.fails("NotOperator", s.update_node_ix(node.node_key.pubkey(), node.address, active=False), intruder, node.node_key, watch=[node.address])
    s.h.fails(
        "AccountNotSigner",
        unsign(s.update_node_ix(node.operator.pubkey(), node.address, operator=intruder.pubkey()), node.operator.pubkey()),
        intruder,
        watch=[node.address],
    )


def test_update_node_refuses_accounts_that_are_not_nodes(s: Staking) -> None:
    """A node is proven by owner + discriminator: only register_node creates staking accounts with
    the Node discriminator, and only at the device key's PDA (test_register_node_at_an_address_not_
    derived_from_the_device_key_fails), so its seeds are not re-derived. A Node-shaped copy naming the
    intruder, owned by another program, fails the owner check; another staking account fails the
    discriminator check."""
    node = s.register()
    intruder = s.h.wallet()
    data = bytearray(s.h.chain.get_account(node.address).data)
    data[10:42] = bytes(intruder.pubkey())  # operator
    assert s.idl.decode_account_as("Node", bytes(data)).operator == intruder.pubkey()
    foreign = s.forge(Keypair().pubkey(), bytes(data), RewardsAddresses.program)
    s.h.fails("AccountOwnedByWrongProgram", s.update_node_ix(intruder.pubkey(), foreign, active=False), intruder, watch=[foreign])
    s.h.fails(
        "AccountDiscriminatorMismatch",
        s.update_node_ix(intruder.pubkey(), StakingAddresses.config, active=False),
        intruder,
        watch=[StakingAddresses.config, node.address],
    )


# ====================================================================================
# stake
# ====================================================================================


def test_first_stake_opens_a_position_at_one_share_per_base_unit(s: Staking) -> None:
    node = s.register()
    staker = s.staker(1_000 * IO)
    source = ata(s, staker.pubkey())
    amount = 250 * IO + 7
    record = s.stake(staker, node.address, amount)

    assert s.h.balance(source) == 1_000 * IO - amount
    assert s.vault() == amount
    state = s.node(node.address)
    # The new shares are activating: backed and counted, earning nothing for the warm-up.
    assert (state.total_stake, state.total_shares, state.active_shares, state.activating_shares) == (amount, amount, 0, amount)
    position = s.position(node.address, staker.pubkey())
    assert (
        position.version,
        position.staker,
        position.node,
        position.shares,
        position.activating_shares,
        position.activates_at,
        position.unbonding_shares,
        position.unbonding_until,
        position.reward_debt,
        position.rewards_owed,
    ) == (1, staker.pubkey(), node.address, 0, amount, s.h.now + MIN_STAKE_WARMUP_SECS, 0, 0, 0, 0)
    assert position.bump == Pubkey.find_program_address([b"stake", bytes(node.address), bytes(staker.pubkey())], StakingAddresses.program)[1]
    event = s.event(record, "Staked")
    assert (event.node, event.staker, event.amount, event.shares, event.node_total_stake, event.node_total_shares) == (
        node.address,
        staker.pubkey(),
        amount,
        amount,
        amount,
        amount,
    )


def test_stakes_buy_shares_at_the_pool_price(s: Staking) -> None:
    node, (a,), pool = staked_node(s, [3_000 * IO + 1])
    s.slash(node.address, 3_333)
    pool.slash(3_333)
    b = s.staker(10_000 * IO)
    for amount in (1_000 * IO, 17, 2_222 * IO + 3):
        expected_shares = pool.shares_for(amount)
        before = s.position(node.address, b.pubkey()).activating_shares if s.exists(StakingAddresses.stake_position(node.address, b.pubkey())) else 0
        record = s.stake(b, node.address, amount)
        pool.stake(amount)
        assert s.event(record, "Staked").shares == expected_shares
        assert s.position(node.address, b.pubkey()).activating_shares == before + expected_shares
        state = s.node(node.address)
        assert (state.total_stake, state.total_shares, state.active_shares + state.activating_shares) == (
            pool.total_stake,
            pool.total_shares,
            pool.total_shares,
        )
    assert s.vault() == pool.total_stake


def test_stake_up_to_the_cap_and_not_one_unit_more(s: Staking) -> None:
    cap = 1_000 * IO
    s.update_config(max_stake_per_node=cap)
    node = s.register()
    a, b = s.staker(cap), s.staker(cap)
    s.stake(a, node.address, cap - 5)
    watch = [ata(s, b.pubkey()), StakingAddresses.stake_vault, node.address]
    s.open_position(b, node.address)
    s.h.fails("StakeCapExceeded", s.stake_ix(b.pubkey(), node.address, 6), b, watch=[*watch, StakingAddresses.stake_position(node.address, b.pubkey())])
    # An existing position is untouched too.
    s.h.fails(
        "StakeCapExceeded",
        s.stake_ix(a.pubkey(), node.address, 6),
        a,
        watch=[ata(s, a.pubkey()), StakingAddresses.stake_vault, node.address, StakingAddresses.stake_position(node.address, a.pubkey())],
    )
    s.stake(b, node.address, 5)
    assert s.node(node.address).total_stake == cap
    s.h.fails("StakeCapExceeded", s.stake_ix(b.pubkey(), node.address, 1), b, watch=watch)
    # The cap is per node: another node takes stake.
    other = s.register()
    s.stake(b, other.address, 1)


def test_cap_counts_unbonding_stake_and_frees_room_on_withdraw(s: Staking) -> None:
    cap = 100 * IO
    s.update_config(max_stake_per_node=cap, unstake_cooldown_secs=3_600)
    node = s.register()
    a, b = s.staker(cap), s.staker(cap)
    s.stake(a, node.address, cap)
    s.unstake(a, node.address)
    s.open_position(b, node.address)
    s.h.fails("StakeCapExceeded", s.stake_ix(b.pubkey(), node.address, 1), b, watch=[ata(s, b.pubkey()), node.address])
    s.h.warp(3_600)
    s.withdraw(a, node.address)
    s.stake(b, node.address, cap)


def test_stake_rejects_zero_and_inactive_nodes(s: Staking) -> None:
    node = s.register()
    staker = s.staker(10 * IO)
    watch = [ata(s, staker.pubkey()), StakingAddresses.stake_vault, node.address]
    s.open_position(staker, node.address)
    s.h.fails("ZeroAmount", s.stake_ix(staker.pubkey(), node.address, 0), staker, watch=watch)
    s.ok("update_node", s.update_node_ix(node.operator.pubkey(), node.address, active=False), node.operator)
    s.h.fails(
        "NodeInactive", s.stake_ix(staker.pubkey(), node.address, IO), staker, watch=[*watch, StakingAddresses.stake_position(node.address, staker.pubkey())]
    )


def test_stake_overflowing_the_pool_is_refused(s: Staking) -> None:
    s.update_config(max_stake_per_node=IO_MAX_SUPPLY)
    node, (a,), _ = staked_node(s, [5 * IO])
    watch = [ata(s, a.pubkey()), StakingAddresses.stake_vault, node.address]
    s.h.fails("MathOverflow", s.stake_ix(a.pubkey(), node.address, U64_MAX - 5 * IO + 1), a, watch=watch)
    # More than the account holds (but within the cap) is the token program's refusal.
    record = s.h.send(s.stake_ix(a.pubkey(), node.address, 6 * IO), a)
    assert not record.result.succeeded and any("insufficient funds" in line for line in record.result.logs)


def test_stake_on_a_pool_slashed_to_nothing_is_refused_until_old_shares_leave(s: Staking) -> None:
    s.update_config(unstake_cooldown_secs=3_600, max_slash_bps=10_000)
    node, (a,), _ = staked_node(s, [10 * IO])
    s.slash(node.address, 10_000)
    b = s.staker(IO)
    s.open_position(b, node.address)
    s.h.fails("PoolWipedOut", s.stake_ix(b.pubkey(), node.address, IO), b, watch=[ata(s, b.pubkey()), node.address])
    s.unstake(a, node.address)
    record = s.withdraw(a, node.address)
    assert s.event(record, "Withdrawn").amount == 0
    s.stake(b, node.address, IO)
    assert s.position(node.address, b.pubkey()).activating_shares == IO


def test_share_supply_is_capped_after_a_near_total_slash(s: Staking) -> None:
    s.update_config(max_slash_bps=10_000)
    node, _, pool = staked_node(s, [10_000_000 * IO])
    s.slash(node.address, 9_999)
    pool.slash(9_999)
    whale = s.staker(2_000_000 * IO)
    amount = 2_000_000 * IO
    assert pool.total_shares + pool.shares_for(amount) > U64_MAX  # what the SPEC pricing would mint
    s.open_position(whale, node.address)
    s.h.fails(
        "ShareSupplyExceeded",
        s.stake_ix(whale.pubkey(), node.address, amount),
        whale,
        watch=[ata(s, whale.pubkey()), StakingAddresses.stake_vault, node.address],
    )
    s.stake(whale, node.address, IO)  # a stake that keeps the supply in range still works
    assert s.position(node.address, whale.pubkey()).activating_shares == pool.shares_for(IO)


def test_stake_with_the_wrong_token_accounts_fails(s: Staking) -> None:
    node = s.register()
    staker, other = s.staker(10 * IO), s.staker(10 * IO)
    usdc = s.h.give_usdc(staker.pubkey(), 10 * 10**6)
    watch = [ata(s, staker.pubkey()), ata(s, other.pubkey()), StakingAddresses.stake_vault, node.address]
    s.open_position(staker, node.address)
    s.h.fails("ConstraintTokenMint", s.stake_ix(staker.pubkey(), node.address, 10**6, source=usdc), staker, watch=[usdc, *watch])
    # Somebody else's IO cannot be staked by signing for one's own position.
    s.h.fails("ConstraintTokenOwner", s.stake_ix(staker.pubkey(), node.address, IO, source=ata(s, other.pubkey())), staker, watch=watch)
    # The vault must be the stake vault PDA (here: the staker reward vault, same mint and authority).
    ix = replace_account(s.stake_ix(staker.pubkey(), node.address, IO), StakingAddresses.stake_vault, StakingAddresses.staker_reward_vault)
    s.h.fails("WrongStakeVault", ix, staker, watch=[*watch, StakingAddresses.staker_reward_vault])
    # The stake vault as the source (it is not the staker's).
    ix = replace_account(s.stake_ix(staker.pubkey(), node.address, IO), ata(s, staker.pubkey()), StakingAddresses.stake_vault)
    s.h.fails("ConstraintTokenOwner", ix, staker, watch=watch)


def test_stake_needs_the_stakers_signature_and_own_position(s: Staking) -> None:
    node = s.register()
    staker, other = s.staker(10 * IO), s.staker(10 * IO)
    watch = [ata(s, staker.pubkey()), StakingAddresses.stake_vault, node.address]
    payer = s.h.wallet()
    s.h.fails("AccountNotSigner", unsign(s.stake_ix(staker.pubkey(), node.address, IO), staker.pubkey()), payer, watch=watch)
    # A position that does not exist yet (another staker's, another node's, the staker's own before
    # open_stake_position) holds nothing to stake into...
    other_node = s.register()
    others = [StakingAddresses.stake_position(node.address, other.pubkey()), StakingAddresses.stake_position(other_node.address, staker.pubkey())]
    for wrong in [*others, StakingAddresses.stake_position(node.address, staker.pubkey())]:
        s.h.fails("AccountNotInitialized", s.stake_ix(staker.pubkey(), node.address, IO, position=wrong), staker, watch=watch)
        assert not s.exists(wrong)
    # ...and a position is opened only at the signer's own PDA on the node.
    s.h.fails(
        "ConstraintSeeds",
        s.idl.instruction("open_stake_position", {}, {"staker": staker.pubkey(), "node": node.address, "position": others[0]}),
        staker,
        watch=[*watch, others[0]],
    )
    # ...and once it exists, its stored staker and node are not this staker and node.
    s.stake(other, node.address, IO)
    s.stake(staker, other_node.address, IO)
    s.h.fails("NotStaker", s.stake_ix(staker.pubkey(), node.address, IO, position=others[0]), staker, watch=[*watch, others[0]])
    s.h.fails("WrongNode", s.stake_ix(staker.pubkey(), node.address, IO, position=others[1]), staker, watch=[*watch, others[1]])
    # An arbitrary empty address, and an account of another program, are not positions either.
    s.h.fails("AccountNotInitialized", s.stake_ix(staker.pubkey(), node.address, IO, position=Keypair().pubkey()), staker, watch=watch)
    foreign = s.clone_account(others[0], Keypair().pubkey(), owner=RewardsAddresses.program)
    s.h.fails("AccountOwnedByWrongProgram", s.stake_ix(staker.pubkey(), node.address, IO, position=foreign), staker, watch=[*watch, foreign])
    # Another staking account type at the staker's own address cannot occur; in another slot: the node.
    s.h.fails(
        "AccountDiscriminatorMismatch", s.stake_ix(staker.pubkey(), node.address, IO, position=other_node.address), staker, watch=[*watch, other_node.address]
    )


def test_stake_refuses_accounts_that_are_not_nodes(s: Staking) -> None:
    """Owner + discriminator prove a node (see test_update_node_refuses_accounts_that_are_not_nodes)."""
    node, (a,), _ = staked_node(s, [IO])
    staker = s.staker(10 * IO)
    data = bytes(s.h.chain.get_account(node.address).data)
    watch = [ata(s, staker.pubkey()), StakingAddresses.stake_vault]
    foreign = s.forge(Keypair().pubkey(), data, RewardsAddresses.program)
    s.h.fails("AccountOwnedByWrongProgram", s.stake_ix(staker.pubkey(), foreign, IO), staker, watch=[*watch, foreign])
    # Another staking account in the node's place: a's position (writable, and its own address).
    a_position = StakingAddresses.stake_position(node.address, a.pubkey())
    s.h.fails("AccountDiscriminatorMismatch", s.stake_ix(staker.pubkey(), a_position, IO), staker, watch=[*watch, a_position])
    assert not s.exists(StakingAddresses.stake_position(foreign, staker.pubkey()))


def staker_with_position_bump(s: Staking, node: Pubkey, bump: int) -> Keypair:
    while True:
        keypair = Keypair()
        found = Pubkey.find_program_address([b"stake", bytes(node), bytes(keypair.pubkey())], StakingAddresses.program)[1]
        if found == bump:
            s.h.chain.airdrop(keypair.pubkey(), 10**10)
            s.h.give_io(keypair.pubkey(), 10 * IO)
            return keypair


def test_stake_compute_units_within_target_for_every_bump(s: Staking) -> None:
    """A stake derives nothing (the position is proven by owner, discriminator and its stored staker
    and node), so it costs the same whatever the position's PDA bump, first stake or later; only
    `open_stake_position` (Anchor's `init`, a `find_program_address`) grows with the bump.
    Bump 245 happens to one staker in 2,048."""
    firsts, agains, opens = {}, {}, {}
    for bump in (255, 254, 250, 245):
        node = s.register()  # same pool state for every bump: the share arithmetic costs the same
        staker = staker_with_position_bump(s, node.address, bump)
        opens[bump] = s.h.ok(s.open_position_ix(staker.pubkey(), node.address), staker).result.compute_units_consumed
        firsts[bump] = staking_compute_units(s.stake(staker, node.address, IO))
        agains[bump] = staking_compute_units(s.stake(staker, node.address, IO))
        assert s.position(node.address, staker.pubkey()).bump == bump
    assert max(firsts.values()) <= STAKE_CU_TARGET, firsts
    assert max(agains.values()) <= STAKE_CU_TARGET, agains
    # No derivation in stake: the spread is key-dependent noise (a few dozen units), far below one
    # derivation step (1,500 with find_program_address).
    assert max(firsts.values()) - min(firsts.values()) < 100, firsts
    assert max(agains.values()) - min(agains.values()) < 100, agains
    assert opens[255] < opens[254] < opens[250] < opens[245], opens


def test_a_position_opens_only_at_the_canonical_bump(s: Staking) -> None:
    """The position is created only at the canonical PDA: the same seeds with a lower bump that
    also gives a valid PDA (a second address for the same staker and node) are refused."""
    node = s.register()
    while True:
        staker = Keypair()
        seeds = [b"stake", bytes(node.address), bytes(staker.pubkey())]
        canonical, bump = Pubkey.find_program_address(seeds, StakingAddresses.program)
        lower = None
        for candidate in range(bump - 1, -1, -1):
            try:
                lower = Pubkey.create_program_address([*seeds, bytes([candidate])], StakingAddresses.program)
                break
            except Exception:  # on the curve: not a PDA
                continue
        if lower is not None:
            break
    s.h.chain.airdrop(staker.pubkey(), 10**10)
    s.h.give_io(staker.pubkey(), 10 * IO)
    watch = [ata(s, staker.pubkey()), StakingAddresses.stake_vault, node.address, lower]
    opening = s.idl.instruction("open_stake_position", {}, {"staker": staker.pubkey(), "node": node.address, "position": lower})
    s.h.fails("ConstraintSeeds", opening, staker, watch=watch)
    assert not s.exists(lower)
    # Pre-funding the non-canonical address changes nothing.
    s.prefund(lower, s.h.chain.rent_exempt_minimum(200))
    s.h.fails("ConstraintSeeds", opening, staker, watch=watch)
    s.h.fails("AccountOwnedByWrongProgram", s.stake_ix(staker.pubkey(), node.address, IO, position=lower), staker, watch=watch)
    s.stake(staker, node.address, IO)
    assert s.position(node.address, staker.pubkey()).bump == bump
    assert canonical == StakingAddresses.stake_position(node.address, staker.pubkey())


# ====================================================================================
# unstake / withdraw (cooldown)
# ====================================================================================


def test_unstake_starts_the_cooldown_and_withdraw_pays_after_it(s: Staking) -> None:
    cooldown = s.config().unstake_cooldown_secs
    node, (a, b), pool = staked_node(s, [300 * IO, 100 * IO], warm=True)
    a_io = ata(s, a.pubkey())
    part = 120 * IO
    record = s.unstake(a, node.address, part)
    unbonding_until = s.h.now + cooldown
    event = s.event(record, "Unstaked")
    assert (event.node, event.staker, event.shares, event.from_activating, event.unbonding_shares, event.unbonding_until) == (
        node.address,
        a.pubkey(),
        part,
        0,
        part,
        unbonding_until,
    )
    position = s.position(node.address, a.pubkey())
    assert (position.shares, position.unbonding_shares, position.unbonding_until) == (180 * IO, part, unbonding_until)
    state = s.node(node.address)
    # Unbonding stake stays in the pool (and slashable) but stops earning.
    assert (state.total_stake, state.total_shares, state.active_shares) == (400 * IO, 400 * IO, 280 * IO)

    watch = [a_io, StakingAddresses.stake_vault, node.address, StakingAddresses.stake_position(node.address, a.pubkey())]
    s.h.fails("CooldownNotElapsed", s.withdraw_ix(a.pubkey(), node.address), a, watch=watch)
    s.h.warp(cooldown - 1)
    assert s.h.now == unbonding_until - 1
    s.h.fails("CooldownNotElapsed", s.withdraw_ix(a.pubkey(), node.address), a, watch=watch)
    s.h.warp(1)
    record = s.withdraw(a, node.address)
    expected = pool.withdraw(part)
    assert s.h.balance(a_io) == expected == part
    assert s.vault() == 400 * IO - expected
    event = s.event(record, "Withdrawn")
    assert (event.node, event.staker, event.shares, event.amount, event.node_total_stake, event.node_total_shares) == (
        node.address,
        a.pubkey(),
        part,
        expected,
        pool.total_stake,
        pool.total_shares,
    )
    position = s.position(node.address, a.pubkey())
    assert (position.shares, position.unbonding_shares) == (180 * IO, 0)
    s.h.fails("NothingToWithdraw", s.withdraw_ix(a.pubkey(), node.address), a, watch=watch)


def test_unstaking_again_restarts_the_cooldown_for_all_unbonding_shares(s: Staking) -> None:
    s.update_config(unstake_cooldown_secs=10_000)
    node, (a,), _ = staked_node(s, [100 * IO])
    s.unstake(a, node.address, 10 * IO)
    s.h.warp(9_000)
    s.unstake(a, node.address, 5 * IO)
    s.h.warp(1_000)  # the first cooldown would be over now
    s.h.fails("CooldownNotElapsed", s.withdraw_ix(a.pubkey(), node.address), a, watch=[ata(s, a.pubkey())])
    s.h.warp(9_000)
    record = s.withdraw(a, node.address)
    assert s.event(record, "Withdrawn").amount == 15 * IO
    assert s.h.balance(ata(s, a.pubkey())) == 15 * IO


def test_a_cooldown_change_applies_to_later_unstakes_only(s: Staking) -> None:
    s.update_config(unstake_cooldown_secs=3_600)
    node, (a, b), _ = staked_node(s, [IO, IO])
    s.unstake(a, node.address)
    s.update_config(unstake_cooldown_secs=36_000)
    s.unstake(b, node.address)
    s.h.warp(3_600)
    s.ok("withdraw", s.withdraw_ix(a.pubkey(), node.address), a)
    s.h.fails("CooldownNotElapsed", s.withdraw_ix(b.pubkey(), node.address), b, watch=[ata(s, b.pubkey())])


def test_unstake_errors(s: Staking) -> None:
    node, (a, b), _ = staked_node(s, [10 * IO, 10 * IO])
    position = StakingAddresses.stake_position(node.address, a.pubkey())
    watch = [position, node.address]
    s.h.fails("ZeroAmount", s.unstake_ix(a.pubkey(), node.address, 0), a, watch=watch)
    s.h.fails("InsufficientShares", s.unstake_ix(a.pubkey(), node.address, 10 * IO + 1), a, watch=watch)
    s.h.fails("InsufficientShares", s.unstake_ix(a.pubkey(), node.address, 2**128 - 1), a, watch=watch)
    # b signs for a's position: the position records a as its staker.
    s.h.fails("NotStaker", s.unstake_ix(b.pubkey(), node.address, IO, position=position), b, watch=watch)
    s.h.fails("AccountNotSigner", unsign(s.unstake_ix(a.pubkey(), node.address, IO), a.pubkey()), b, watch=watch)
    # A position on another node.
    other = s.register()
    s.h.fails("WrongNode", s.unstake_ix(a.pubkey(), other.address, IO, position=position), a, watch=[*watch, other.address])
    # Nobody staked there: no position exists.
    s.h.fails("AccountNotInitialized", s.unstake_ix(a.pubkey(), other.address, IO), a, watch=watch)
    # Shares already unbonding cannot be unstaked twice.
    s.unstake(a, node.address, 10 * IO)
    s.h.fails("InsufficientShares", s.unstake_ix(a.pubkey(), node.address, 1), a, watch=watch)


def test_unstake_works_on_an_inactive_node(s: Staking) -> None:
    node, (a,), _ = staked_node(s, [10 * IO])
    s.ok("update_node", s.update_node_ix(node.operator.pubkey(), node.address, active=False), node.operator)
    s.unstake(a, node.address)
    assert s.position(node.address, a.pubkey()).unbonding_shares == 10 * IO


def test_withdraw_errors(s: Staking) -> None:
    s.update_config(unstake_cooldown_secs=3_600)
    node, (a, b), _ = staked_node(s, [10 * IO, 10 * IO])
    s.unstake(a, node.address)
    position = StakingAddresses.stake_position(node.address, a.pubkey())
    watch = [ata(s, a.pubkey()), StakingAddresses.stake_vault, position, node.address]
    usdc = s.h.give_usdc(a.pubkey(), 1)
    s.h.fails("ConstraintTokenMint", s.withdraw_ix(a.pubkey(), node.address, destination=usdc), a, watch=[usdc, *watch])
    s.h.fails("NotStaker", s.withdraw_ix(b.pubkey(), node.address, destination=ata(s, b.pubkey()), position=position), b, watch=[ata(s, b.pubkey()), *watch])
    s.h.fails("AccountNotSigner", unsign(s.withdraw_ix(a.pubkey(), node.address), a.pubkey()), b, watch=watch)
    s.h.fails(
        "WrongStakeVault",
        s.withdraw_ix(a.pubkey(), node.address, stake_vault=StakingAddresses.staker_reward_vault),
        a,
        watch=[*watch, StakingAddresses.staker_reward_vault],
    )
    s.h.fails("ConstraintDuplicateMutableAccount", s.withdraw_ix(a.pubkey(), node.address, destination=StakingAddresses.stake_vault), a, watch=watch)
    s.h.fails("NothingToWithdraw", s.withdraw_ix(b.pubkey(), node.address), b, watch=[ata(s, b.pubkey()), *watch])
    # The staker may send its IO to any IO account (it signs).
    elsewhere = s.h.token_account(Keypair().pubkey(), s.h.io_mint)
    s.h.warp(3_600)
    s.ok("withdraw", s.withdraw_ix(a.pubkey(), node.address, destination=elsewhere), a)
    assert s.h.balance(elsewhere) == 10 * IO


# ====================================================================================
# slash
# ====================================================================================


def test_slash_cuts_every_staker_by_the_same_fraction(s: Staking) -> None:
    """Four stakers with different stakes (one of them unbonding): each one's withdrawable amount
    drops by exactly the slashed fraction, then each withdraws exactly that."""
    s.update_config(unstake_cooldown_secs=3_600)
    amounts = [100 * IO, 250 * IO, 1_000 * IO, 37 * IO]
    node, stakers, pool = staked_node(s, amounts)
    s.unstake(stakers[3], node.address)  # unbonding stake is slashable too
    before = [s.withdrawable(node.address, st.pubkey()) for st in stakers]
    assert before == amounts
    fraction = 1_250
    s.slash(node.address, fraction)
    pool.slash(fraction)
    after = [s.withdrawable(node.address, st.pubkey()) for st in stakers]
    # Every amount is a multiple of 10000/gcd, so "the same fraction" is exact to the base unit.
    assert all(a * (10_000 - fraction) % 10_000 == 0 for a in amounts)
    assert after == [a * (10_000 - fraction) // 10_000 for a in amounts]
    assert all(x * 10_000 == b * (10_000 - fraction) for x, b in zip(after, before, strict=True))
    assert s.node(node.address).total_stake == sum(amounts) - share_floor(sum(amounts), fraction)

    # And that is what they get out.
    for st in stakers[:3]:
        s.unstake(st, node.address)
    s.h.warp(50)
    for st, expected in zip(stakers, after, strict=True):
        s.withdraw(st, node.address)
        assert s.h.balance(ata(s, st.pubkey())) == expected
    state = s.node(node.address)
    assert (state.total_stake, state.total_shares, state.active_shares) == (0, 0, 0)
    assert s.vault() == 0


def test_slash_rounding_with_odd_stakes_is_the_same_per_share(s: Staking) -> None:
    """Odd stakes and an odd fraction: every staker's value is floor(shares × stake_after / shares_total)
    — the same per-share price — and the stakers together never get more than the pool holds."""
    s.update_config(unstake_cooldown_secs=3_600)
    amounts = [1_000_003, 7 * IO + 11, 123_456_789_013, 5]
    node, stakers, pool = staked_node(s, amounts)
    fraction = 3_333
    s.slash(node.address, fraction)
    pool.slash(fraction)
    for st, amount in zip(stakers, amounts, strict=True):
        value = s.withdrawable(node.address, st.pubkey())
        assert value == amount * pool.total_stake // pool.total_shares
        # Within one base unit of the exact (1 − f) share of what it had.
        exact_num = amount * (10_000 - fraction)
        assert value * 10_000 <= exact_num + 10_000 and exact_num - 10_000 <= value * 10_000 + 10_000
    paid = 0
    for st in stakers:
        s.unstake(st, node.address)
        s.withdraw(st, node.address)
        got = s.h.balance(ata(s, st.pubkey()))
        paid += got
    assert paid == pool.total_stake  # the last one out takes the rounding dust; nothing is lost or minted
    assert s.vault() == 0


def test_later_stakers_are_not_charged_for_earlier_slashes(s: Staking) -> None:
    node, (a,), pool = staked_node(s, [1_000 * IO])
    s.slash(node.address, 5_000)
    pool.slash(5_000)
    b = s.staker(1_000 * IO)
    s.stake(b, node.address, 1_000 * IO)
    shares_b = pool.stake(1_000 * IO)
    assert s.position(node.address, b.pubkey()).activating_shares == shares_b == 2_000 * IO
    assert s.withdrawable(node.address, b.pubkey()) == 1_000 * IO
    assert s.withdrawable(node.address, a.pubkey()) == 500 * IO
    # A second slash hits both by the same fraction.
    s.slash(node.address, 1_000)
    assert s.withdrawable(node.address, a.pubkey()) == 450 * IO
    assert s.withdrawable(node.address, b.pubkey()) == 900 * IO


def test_slash_pays_the_reporter_and_burns_the_rest_and_records_it(s: Staking) -> None:
    reporter_bps = s.config().reporter_share_bps
    assert reporter_bps > 0
    node, stakers, pool = staked_node(s, [700 * IO + 3, 300 * IO])
    reporter = s.h.wallet()
    reporter_io = s.h.token_account(reporter.pubkey(), s.h.io_mint)
    burn_before = s.h.balance(RewardsAddresses.burn_vault)
    stake_before = pool.total_stake
    fraction = 2_345
    proof = evidence("node returned cached outputs for job 42")
    s.h.warp(77)
    record = s.slash(node.address, fraction, evidence_hash=proof, reason="fake inference", reporter_token_account=reporter_io)

    amount = share_floor(stake_before, fraction)
    reporter_amount = share_floor(amount, reporter_bps)
    burned = amount - reporter_amount
    assert reporter_amount > 0 and burned > reporter_amount
    assert s.h.balance(reporter_io) == reporter_amount
    assert s.h.balance(RewardsAddresses.burn_vault) == burn_before + burned
    assert s.vault() == stake_before - amount
    state = s.node(node.address)
    assert (state.total_stake, state.total_slashed, state.slash_count, state.total_shares) == (stake_before - amount, amount, 1, pool.total_shares)

    address = StakingAddresses.slash_record(proof)
    slash = s.decode("SlashRecord", address)
    expected = {
        "node": node.address,
        "index": 0,
        "authority": s.h.roles.slashing_authority.pubkey(),
        "fraction_bps": fraction,
        "amount": amount,
        "burned": burned,
        "reporter": reporter.pubkey(),
        "reporter_amount": reporter_amount,
        "evidence_hash": list(proof),
        "reason": "fake inference",
        "stake_before": stake_before,
        "stake_after": stake_before - amount,
        "timestamp": START_TS + 77,
    }
    assert {k: (list(v) if k == "evidence_hash" else v) for k, v in ((k, getattr(slash, k)) for k in expected)} == expected
    assert slash.version == 1
    event = s.event(record, "NodeSlashed")
    assert event.slash_record == address
    assert {k: (list(v) if k == "evidence_hash" else v) for k, v in ((k, getattr(event, k)) for k in expected)} == expected

    # The slashed IO in the burn vault really is burned by the rewards program's burn.
    epoch = (s.h.now - START_TS) // 3_600
    s.h.ok(rewards_ix.burn(s.h.programs.rewards, epoch, reporter.pubkey()), reporter)
    assert s.h.balance(RewardsAddresses.burn_vault) == 0


def test_slash_without_a_reporter_burns_everything_and_indexes_records(s: Staking) -> None:
    """Each record sits at its evidence's PDA and carries the node and its index there: the
    node's slash count before that slash (0, 1, ... per node, whichever node was slashed between)."""
    s.update_config(max_slash_bps=10_000)
    node, _, pool = staked_node(s, [1_000 * IO])
    other, _, _ = staked_node(s, [10 * IO])
    burn_before = s.h.balance(RewardsAddresses.burn_vault)
    s.slash(node.address, 1_000, evidence_hash=evidence("first"), reason="")
    first = pool.slash(1_000)
    s.slash(other.address, 5_000, evidence_hash=evidence("other"))
    record = s.slash(node.address, 10_000, evidence_hash=evidence("second"), reason="r" * 64)
    second = pool.slash(10_000)
    assert s.h.balance(RewardsAddresses.burn_vault) == burn_before + first + second + 5 * IO
    assert s.vault() == 5 * IO
    r0 = s.decode("SlashRecord", StakingAddresses.slash_record(evidence("first")))
    r1 = s.decode("SlashRecord", StakingAddresses.slash_record(evidence("second")))
    ro = s.decode("SlashRecord", StakingAddresses.slash_record(evidence("other")))
    assert (r0.node, r0.index, r0.amount, r0.burned, r0.reporter, r0.reporter_amount, r0.reason, bytes(r0.evidence_hash)) == (
        node.address,
        0,
        first,
        first,
        DEFAULT_PUBKEY,
        0,
        "",
        evidence("first"),
    )
    assert (r1.node, r1.index, r1.amount, r1.stake_before, r1.stake_after, r1.reason, bytes(r1.evidence_hash)) == (
        node.address,
        1,
        second,
        1_000 * IO - first,
        0,
        "r" * 64,
        evidence("second"),
    )
    assert (ro.node, ro.index, ro.amount) == (other.address, 0, 5 * IO)
    event = s.event(record, "NodeSlashed")
    assert (event.index, event.slash_record) == (1, StakingAddresses.slash_record(evidence("second")))
    assert s.node(other.address).slash_count == 1
    state = s.node(node.address)
    assert (state.slash_count, state.total_slashed, state.total_stake) == (2, first + second, 0)
    # Nothing left to take.
    s.h.fails("NothingToSlash", s.slash_ix(node.address, 10_000), s.h.roles.slashing_authority, watch=[node.address])


def test_slash_with_a_zero_reporter_share_records_the_reporter_but_burns_all(s: Staking) -> None:
    s.update_config(reporter_share_bps=0)
    s.h.warp(s.config().reporter_share_effective_at - s.h.now)
    node, _, _ = staked_node(s, [10 * IO])
    reporter = s.h.wallet()
    reporter_io = s.h.token_account(reporter.pubkey(), s.h.io_mint)
    s.slash(node.address, 5_000, evidence_hash=evidence("zero share"), reporter_token_account=reporter_io)
    r = s.decode("SlashRecord", StakingAddresses.slash_record(evidence("zero share")))
    assert (r.reporter, r.reporter_amount, r.burned) == (reporter.pubkey(), 0, 5 * IO)
    assert s.h.balance(reporter_io) == 0


def test_slash_reaches_an_inactive_node(s: Staking) -> None:
    node, _, _ = staked_node(s, [10 * IO])
    s.ok("update_node", s.update_node_ix(node.operator.pubkey(), node.address, active=False), node.operator)
    s.slash(node.address, 5_000)
    assert s.node(node.address).total_stake == 5 * IO


@pytest.mark.parametrize(
    ("fraction", "reason", "error"),
    [
        (0, "x", "InvalidSlashFraction"),
        (10_001, "x", "SlashExceedsCap"),
        (65_535, "x", "SlashExceedsCap"),
        (100, "r" * 65, "ReasonTooLong"),
    ],
)
def test_slash_rejects_invalid_parameters(s: Staking, fraction: int, reason: str, error: str) -> None:
    node, _, _ = staked_node(s, [10 * IO])
    authority = s.h.roles.slashing_authority
    proof = evidence("refused")
    s.h.fails(
        error,
        s.slash_ix(node.address, fraction, evidence_hash=proof, reason=reason),
        authority,
        watch=[node.address, StakingAddresses.stake_vault, RewardsAddresses.burn_vault],
    )
    assert not s.exists(StakingAddresses.slash_record(proof))
    # The refused slash left no mark: the same evidence still slashes once valid.
    s.slash(node.address, 100, evidence_hash=proof)
    assert s.node(node.address).slash_count == 1


def test_slash_only_by_the_slashing_authority(s: Staking) -> None:
    node, _, _ = staked_node(s, [10 * IO])
    watch = [node.address, StakingAddresses.stake_vault, RewardsAddresses.burn_vault]
    for intruder in (s.h.roles.admin, node.operator, s.h.wallet()):
        s.h.fails("NotSlashingAuthority", s.slash_ix(node.address, 100, authority=intruder.pubkey()), intruder, watch=watch)
    authority = s.h.roles.slashing_authority
    payer = s.h.wallet()
    s.h.fails("AccountNotSigner", unsign(s.slash_ix(node.address, 100, payer=payer.pubkey()), authority.pubkey()), payer, watch=watch)
    # Handing the role over removes it from the old key.
    new = s.h.wallet()
    s.update_config(slashing_authority=new.pubkey())
    s.ok("slash", s.slash_ix(node.address, 100), authority)  # only proposed: the old key still slashes
    s.ok("accept_authority", s.accept_authority_ix(new.pubkey()), new)
    s.h.fails("NotSlashingAuthority", s.slash_ix(node.address, 100), authority, watch=watch)
    s.ok("slash", s.slash_ix(node.address, 100, authority=new.pubkey()), new)
    # A separate payer may fund the record.
    payer_before = s.h.chain.balance(payer.pubkey())
    s.ok("slash", s.slash_ix(node.address, 100, authority=new.pubkey(), payer=payer.pubkey()), payer, new)
    assert s.h.chain.balance(payer.pubkey()) < payer_before
    assert s.node(node.address).slash_count == 3


def test_slash_refuses_wrong_vaults_and_reporter_accounts(s: Staking) -> None:
    node, (a,), _ = staked_node(s, [10 * IO])
    authority = s.h.roles.slashing_authority
    attacker_io = s.h.token_account(authority.pubkey(), s.h.io_mint)
    watch = [node.address, StakingAddresses.stake_vault, RewardsAddresses.burn_vault, attacker_io]
    # Slashed IO cannot be diverted from the burn vault to any other IO account.
    s.h.fails("WrongBurnVault", s.slash_ix(node.address, 100, burn_vault=attacker_io), authority, watch=watch)
    s.h.fails(
        "WrongBurnVault", s.slash_ix(node.address, 100, burn_vault=RewardsAddresses.reward_vault), authority, watch=[*watch, RewardsAddresses.reward_vault]
    )
    s.h.fails("WrongBurnVault", s.slash_ix(node.address, 100, burn_vault=StakingAddresses.stake_vault), authority, watch=watch)
    usdc = s.h.give_usdc(authority.pubkey(), 1)
    s.h.fails("ConstraintTokenMint", s.slash_ix(node.address, 100, reporter_token_account=usdc), authority, watch=[*watch, usdc])
    # The stake vault (an unchecked account, so outside Anchor's duplicate check) is refused by an
    # explicit constraint under the same error.
    s.h.fails("ConstraintDuplicateMutableAccount", s.slash_ix(node.address, 100, reporter_token_account=StakingAddresses.stake_vault), authority, watch=watch)
    # Both vaults are checked by address alone: any other account in their slots is refused.
    ix = replace_account(s.slash_ix(node.address, 100), StakingAddresses.stake_vault, StakingAddresses.staker_reward_vault)
    s.h.fails("WrongStakeVault", ix, authority, watch=[*watch, StakingAddresses.staker_reward_vault])
    ix = replace_account(s.slash_ix(node.address, 100), StakingAddresses.stake_vault, attacker_io)
    s.h.fails("WrongStakeVault", ix, authority, watch=watch)
    ix = replace_account(s.slash_ix(node.address, 100), StakingAddresses.stake_vault, RewardsAddresses.burn_vault)
    s.h.fails("WrongStakeVault", ix, authority, watch=watch)


def test_slash_refuses_the_burn_vault_as_the_reporter_account(s: Staking) -> None:
    node, _, _ = staked_node(s, [10 * IO])
    authority = s.h.roles.slashing_authority
    s.h.fails(
        "ConstraintDuplicateMutableAccount",
        s.slash_ix(node.address, 100, reporter_token_account=RewardsAddresses.burn_vault),
        authority,
        watch=[node.address, StakingAddresses.stake_vault, RewardsAddresses.burn_vault],
    )


def non_canonical_slash_record(evidence_hash: bytes) -> Pubkey:
    """A valid program address of `[SLASH, evidence_hash]` under a bump below the canonical one."""
    seeds = [b"slash", evidence_hash]
    canonical, bump = Pubkey.find_program_address(seeds, StakingAddresses.program)
    assert canonical == StakingAddresses.slash_record(evidence_hash)
    for lower in range(bump - 1, -1, -1):
        try:
            return Pubkey.create_program_address([*seeds, bytes([lower])], StakingAddresses.program)
        except Exception:  # on the curve: not a program address under this bump
            continue
    raise AssertionError("no lower bump gives a program address")


def test_slash_record_address_is_the_evidence_pda(s: Staking) -> None:
    """The record must sit at the canonical PDA `[SLASH, evidence_hash]` of the evidence the
    slash names: any other address — another evidence's record address, a previous slash's
    record, a keypair address, the same seeds under a non-canonical bump — is refused
    (`ConstraintSeeds`), and nothing moves."""
    node, _, _ = staked_node(s, [10 * IO])
    authority = s.h.roles.slashing_authority
    watch = [node.address, StakingAddresses.stake_vault, RewardsAddresses.burn_vault]
    proof = evidence("fraud")
    for address in (StakingAddresses.slash_record(evidence("other fraud")), Keypair().pubkey(), non_canonical_slash_record(proof)):
        ix = s.slash_ix(node.address, 100, evidence_hash=proof, slash_record=address)
        s.h.fails("ConstraintSeeds", ix, authority, watch=[*watch, address])
        assert not s.exists(address)
    assert not s.exists(StakingAddresses.slash_record(proof))
    s.slash(node.address, 100, evidence_hash=proof)
    # A slash's record is never overwritten by a slash naming other evidence.
    ix = s.slash_ix(node.address, 100, evidence_hash=evidence("new"), slash_record=StakingAddresses.slash_record(proof))
    s.h.fails("ConstraintSeeds", ix, authority, watch=[*watch, StakingAddresses.slash_record(proof)])
    assert s.node(node.address).slash_count == 1
    # A Node-shaped account of another program cannot be slashed into a record (owner check).
    foreign = s.clone_account(node.address, Keypair().pubkey(), owner=RewardsAddresses.program)
    ix = s.slash_ix(foreign, 100, evidence_hash=evidence("foreign"))
    s.h.fails("AccountOwnedByWrongProgram", ix, authority, watch=[*watch, foreign])
    assert not s.exists(StakingAddresses.slash_record(evidence("foreign")))


def test_the_same_evidence_never_slashes_twice_whatever_the_caller_passes(s: Staking) -> None:
    """Each evidence hash has one record address, the PDA `[SLASH, hash]`, created by the slash
    that used it: the record is the evidence's mark. A repeat (a rebuilt timed-out transaction, or
    a second node named for the same fraud, with any fraction, reason, reporter or payer) finds the
    record there and is refused by the System Program (already in use); the record slot cannot
    hold another address (`ConstraintSeeds`)."""
    node, _, pool = staked_node(s, [10 * IO])
    authority = s.h.roles.slashing_authority
    proof = evidence("fraud 1")
    s.h.warp(5)
    record = s.slash(node.address, 1_000, evidence_hash=proof)
    pool.slash(1_000)
    mark = StakingAddresses.slash_record(proof)
    slash = s.decode("SlashRecord", mark)
    assert (bytes(slash.evidence_hash), slash.node, slash.index, slash.timestamp) == (proof, node.address, 0, s.h.now)
    event = s.event(record, "NodeSlashed")
    assert (event.slash_record, bytes(event.evidence_hash)) == (mark, proof)
    other, _, _ = staked_node(s, [IO])
    reporter_io = s.h.token_account(s.h.wallet().pubkey(), s.h.io_mint)
    payer = s.h.wallet()
    watch = [node.address, other.address, StakingAddresses.stake_vault, RewardsAddresses.burn_vault, mark, reporter_io]
    for target in (node.address, other.address):
        fails_in_use(s.h, s.slash_ix(target, 1_000, evidence_hash=proof), authority, watch=watch)
        fails_in_use(s.h, s.slash_ix(target, 5_000, evidence_hash=proof, reason="again", reporter_token_account=reporter_io), authority, watch=watch)
        fails_in_use(s.h, s.slash_ix(target, 1, evidence_hash=proof, payer=payer.pubkey()), payer, authority, watch=watch)
    # Another address in the record slot: the seeds say where it must be.
    ix = s.slash_ix(node.address, 1_000, evidence_hash=proof, slash_record=StakingAddresses.slash_record(evidence("new")))
    s.h.fails("ConstraintSeeds", ix, authority, watch=watch)
    assert not s.exists(StakingAddresses.slash_record(evidence("new")))
    assert (s.node(node.address).total_stake, s.node(node.address).slash_count) == (pool.total_stake, 1)
    assert (s.node(other.address).total_stake, s.node(other.address).slash_count) == (IO, 0)
    # New evidence goes through.
    s.slash(node.address, 500, evidence_hash=evidence("fraud 2"))
    assert s.node(node.address).slash_count == 2
    assert s.decode("SlashRecord", StakingAddresses.slash_record(evidence("fraud 2"))).index == 1

    # verify_slash: the record an evidence hash left (read-only, anyone).
    def verify(hash_: bytes, record_of: bytes):
        return s.idl.instruction("verify_slash", {"evidence_hash": list(hash_)}, {"slash_record": StakingAddresses.slash_record(record_of)})

    anyone = s.h.wallet()
    s.ok("verify_slash", verify(proof, proof), anyone)
    s.ok("verify_slash", verify(evidence("fraud 2"), evidence("fraud 2")), anyone)
    # Another slash's record does not prove this evidence.
    s.h.fails("ConstraintSeeds", verify(proof, evidence("fraud 2")), anyone)
    s.h.fails("ConstraintSeeds", verify(evidence("fraud 2"), proof), anyone)
    # A hash that never slashed has no record.
    s.h.fails("AccountNotInitialized", verify(evidence("never used"), evidence("never used")), anyone)


def test_one_slash_takes_at_most_the_configured_cap(s: Staking) -> None:
    """The slashing authority alone cannot wipe a pool: one slash takes at most `max_slash_bps`
    (set by the admin, a different key). At the cap it works, one above it is refused."""
    cap = s.config().max_slash_bps
    assert cap == 5_000
    node, _, pool = staked_node(s, [10 * IO])
    authority = s.h.roles.slashing_authority
    watch = [node.address, StakingAddresses.stake_vault, RewardsAddresses.burn_vault]
    s.h.fails("SlashExceedsCap", s.slash_ix(node.address, cap + 1), authority, watch=watch)
    s.h.fails("SlashExceedsCap", s.slash_ix(node.address, 10_000), authority, watch=watch)
    s.slash(node.address, cap)
    pool.slash(cap)
    assert s.node(node.address).total_stake == pool.total_stake == 5 * IO
    # The admin lowers it: the next slash is bound by the new cap.
    s.update_config(max_slash_bps=100)
    s.h.fails("SlashExceedsCap", s.slash_ix(node.address, 101), authority, watch=watch)
    s.slash(node.address, 100)


@pytest.mark.parametrize("value", [0, 10_001, 65_535])
def test_the_slash_cap_is_bounded(s: Staking, value: int) -> None:
    admin = s.h.roles.admin
    s.h.fails("InvalidSlashCap", s.update_config_ix(admin.pubkey(), max_slash_bps=value), admin, watch=[StakingAddresses.config])


def test_a_reporter_share_change_applies_only_after_the_delay(s: Staking) -> None:
    """A slashing authority that is also the admin cannot raise the reporter share and pay
    itself in the same transaction: a new share waits max(unstake cooldown, 1 day)."""
    config = s.config()
    old = config.reporter_share_bps
    delay = max(config.unstake_cooldown_secs, 24 * 3_600)
    record = s.update_config(reporter_share_bps=2_000)
    config = s.config()
    assert (config.reporter_share_bps, config.pending_reporter_share_bps, config.reporter_share_effective_at) == (old, 2_000, s.h.now + delay)
    event = s.event(record, "StakingConfigUpdated")
    assert (event.reporter_share_bps, event.pending_reporter_share_bps, event.reporter_share_effective_at) == (old, 2_000, s.h.now + delay)
    node, _, pool = staked_node(s, [1_000 * IO])
    reporter = s.h.wallet()
    reporter_io = s.h.token_account(reporter.pubkey(), s.h.io_mint)
    # Same moment, then one second before the change: the old share.
    s.slash(node.address, 1_000, reporter_token_account=reporter_io)
    first = pool.slash(1_000)
    assert s.h.balance(reporter_io) == share_floor(first, old)
    s.h.warp(delay - 1)
    s.slash(node.address, 1_000, reporter_token_account=reporter_io)
    second = pool.slash(1_000)
    paid = share_floor(first, old) + share_floor(second, old)
    assert s.h.balance(reporter_io) == paid
    # From the effective time on: the new share.
    s.h.warp(1)
    s.slash(node.address, 1_000, reporter_token_account=reporter_io)
    third = pool.slash(1_000)
    assert s.h.balance(reporter_io) == paid + share_floor(third, 2_000)
    # The reporter share is bounded: 2,000 bps at most.
    admin = s.h.roles.admin
    s.h.fails("InvalidReporterShare", s.update_config_ix(admin.pubkey(), reporter_share_bps=2_001), admin, watch=[StakingAddresses.config])


def test_slash_during_cooldown_reaches_unbonding_stake(s: Staking) -> None:
    node, (a, b), pool = staked_node(s, [400 * IO, 600 * IO])
    s.unstake(a, node.address)
    s.slash(node.address, 2_500)
    pool.slash(2_500)
    s.h.warp(s.config().unstake_cooldown_secs)
    s.withdraw(a, node.address)
    assert s.h.balance(ata(s, a.pubkey())) == 300 * IO
    assert s.withdrawable(node.address, b.pubkey()) == 450 * IO


# ====================================================================================
# deposit_staker_rewards / claim_staker_rewards
# ====================================================================================


def test_rewards_claim_deposits_the_staker_part_pro_rata(s: Staking) -> None:
    node, (a, b), _ = staked_node(s, [1_000 * IO, 3_000 * IO], warm=True, staker_share_bps=300)
    claim = 4_000 * IO
    record, part = s.deposit_via_rewards(node, claim)
    assert part == share_floor(claim, 300) == 120 * IO
    assert s.reward_vault() == part
    increment = part * REWARD_SCALE // (4_000 * IO)
    state = s.node(node.address)
    assert state.reward_per_share == increment
    event = s.event(record, "StakerRewardsDeposited")
    assert (event.node, event.amount, event.reward_per_share, event.undistributed_rewards) == (node.address, part, increment, state.undistributed_rewards)
    COMPUTE_UNITS["deposit_staker_rewards (CPI from rewards.claim)"].append(staking_compute_units(record))

    for staker, shares in ((a, 1_000 * IO), (b, 3_000 * IO)):
        dest = ata(s, staker.pubkey())
        before = s.h.balance(dest)
        record = s.ok("claim_staker_rewards", s.claim_ix(staker.pubkey(), node.address), staker)
        expected = shares * increment // REWARD_SCALE
        assert s.h.balance(dest) - before == expected
        assert s.event(record, "StakerRewardsClaimed").amount == expected
        assert (s.event(record, "StakerRewardsClaimed").staker, s.event(record, "StakerRewardsClaimed").node) == (staker.pubkey(), node.address)
        position = s.position(node.address, staker.pubkey())
        assert (position.rewards_owed, position.reward_debt) == (0, increment)
    assert s.reward_vault() == 0  # 1:3 of 120 IO divides exactly
    s.h.fails("NothingToClaim", s.claim_ix(a.pubkey(), node.address), a, watch=[ata(s, a.pubkey()), StakingAddresses.staker_reward_vault])


def test_rewards_only_reach_active_shares_and_not_late_stakers(s: Staking) -> None:
    node, (a, b), _ = staked_node(s, [500 * IO, 500 * IO], warm=True, staker_share_bps=100)
    s.unstake(b, node.address)  # b's shares stop earning
    _, part = s.deposit_via_rewards(node, 4_000 * IO)
    late = s.staker(500 * IO)
    s.stake(late, node.address, 500 * IO)
    s.h.fails("NothingToClaim", s.claim_ix(b.pubkey(), node.address), b, watch=[ata(s, b.pubkey())])
    s.h.fails("NothingToClaim", s.claim_ix(late.pubkey(), node.address), late, watch=[ata(s, late.pubkey())])
    before = s.h.balance(ata(s, a.pubkey()))
    s.ok("claim_staker_rewards", s.claim_ix(a.pubkey(), node.address), a)
    assert s.h.balance(ata(s, a.pubkey())) - before == part * REWARD_SCALE // (500 * IO) * (500 * IO) // REWARD_SCALE == part


def test_rewards_without_active_shares_go_to_the_operator_not_to_a_later_staker(s: Staking) -> None:
    """Nobody to share with: the operator keeps the stakers' part, nothing waits in
    `undistributed_rewards`; a staker that arrives later earns only what is claimed after its
    warm-up."""
    node = s.register(staker_share_bps=200)
    operator_io = s.h.token_account(node.operator.pubkey(), s.h.io_mint)
    _, first = s.deposit_via_rewards(node, 1_000 * IO)
    assert first == 0 and s.h.balance(operator_io) == 1_000 * IO
    state = s.node(node.address)
    assert (state.undistributed_rewards, state.reward_per_share) == (0, 0)
    assert s.reward_vault() == 0
    staker = s.staker(10 * IO)
    s.stake(staker, node.address, 10 * IO)
    s.warm_up(node.address, staker)
    _, second = s.deposit_via_rewards(node, 1_000 * IO)
    assert second == share_floor(1_000 * IO, 200)
    before = s.h.balance(ata(s, staker.pubkey()))
    s.ok("claim_staker_rewards", s.claim_ix(staker.pubkey(), node.address), staker)
    expected = (second * REWARD_SCALE // (10 * IO)) * (10 * IO) // REWARD_SCALE
    assert s.h.balance(ata(s, staker.pubkey())) - before == expected == second


def test_deposit_staker_rewards_refuses_any_signer_but_the_rewards_pda(s: Staking) -> None:
    """Only the rewards program (its mint-authority PDA, which pays the stakers' vault first) can
    credit a node's stakers: a deposit signed by anyone else changes nothing."""
    node, _, _ = staked_node(s, [10 * IO])
    impostor = s.h.wallet()
    watch = [StakingAddresses.staker_reward_vault, node.address]
    # A normal keypair, signing: not the rewards authority.
    s.h.fails("NotRewardsAuthority", s.deposit_ix(node.address, impostor.pubkey(), 100 * IO), impostor, watch=watch)
    # The admin is not it either.
    admin = s.h.roles.admin
    s.h.fails("NotRewardsAuthority", s.deposit_ix(node.address, admin.pubkey(), IO), admin, watch=watch)
    # Naming the real PDA without its signature (only the rewards program can sign for it).
    ix = unsign(s.deposit_ix(node.address, RewardsAddresses.mint_authority, 1), RewardsAddresses.mint_authority)
    s.h.fails("AccountNotSigner", ix, impostor, watch=watch)


def test_deposit_staker_rewards_refuses_accounts_that_are_not_nodes(s: Staking) -> None:
    """Even on the real rewards path (a posted root naming it), only a staking Node receives staker
    rewards: a Node-shaped account of another program, or another staking account, is refused
    (owner / discriminator: what proves a node, see test_update_node_refuses_accounts_that_are_not_nodes)
    and the whole claim reverts."""
    node, (a,), _ = staked_node(s, [10 * IO])
    foreign = s.clone_account(node.address, Keypair().pubkey(), owner=RewardsAddresses.program)
    position = StakingAddresses.stake_position(node.address, a.pubkey())
    s.emit_first_hours(1)
    tree = s.post_root(0, {foreign: 1_000 * IO, position: 1_000 * IO})
    for index, (address, error) in enumerate(((foreign, "AccountOwnedByWrongProgram"), (position, "AccountDiscriminatorMismatch"))):
        vault_before = s.h.balance(RewardsAddresses.reward_vault)
        with pytest.raises(TransactionFailed) as failure:
            s.rewards_claim(0, RegisteredNode(node.operator, node.node_key, address), 1_000 * IO, tree, index)
        assert error_name(failure.value.record) == error
        assert s.reward_vault() == 0
        assert s.h.balance(RewardsAddresses.reward_vault) == vault_before
        assert not s.exists(RewardsAddresses.claim_receipt(0, address))


def test_claim_errors(s: Staking) -> None:
    node, (a, b), _ = staked_node(s, [10 * IO, 10 * IO], warm=True)
    s.deposit_via_rewards(node, 1_000 * IO)
    position = StakingAddresses.stake_position(node.address, a.pubkey())
    watch = [ata(s, a.pubkey()), StakingAddresses.staker_reward_vault, position]
    usdc = s.h.give_usdc(a.pubkey(), 1)
    s.h.fails("ConstraintTokenMint", s.claim_ix(a.pubkey(), node.address, destination=usdc), a, watch=[usdc, *watch])
    s.h.fails("NotStaker", s.claim_ix(b.pubkey(), node.address, destination=ata(s, b.pubkey()), position=position), b, watch=[ata(s, b.pubkey()), *watch])
    s.h.fails("AccountNotSigner", unsign(s.claim_ix(a.pubkey(), node.address), a.pubkey()), b, watch=watch)
    ix = replace_account(s.claim_ix(a.pubkey(), node.address), StakingAddresses.staker_reward_vault, StakingAddresses.stake_vault)
    s.h.fails("WrongStakerRewardVault", ix, a, watch=[*watch, StakingAddresses.stake_vault])
    s.h.fails("ConstraintDuplicateMutableAccount", s.claim_ix(a.pubkey(), node.address, destination=StakingAddresses.staker_reward_vault), a, watch=watch)
    other = s.register()
    s.h.fails("WrongNode", s.claim_ix(a.pubkey(), other.address, position=position), a, watch=watch)
    # A staker with no rewards yet.
    c = s.staker(IO)
    s.stake(c, node.address, IO)
    s.h.fails("NothingToClaim", s.claim_ix(c.pubkey(), node.address), c, watch=[ata(s, c.pubkey()), StakingAddresses.staker_reward_vault])


def test_claim_after_unstake_and_withdraw_pays_what_was_earned(s: Staking) -> None:
    s.update_config(unstake_cooldown_secs=3_600)
    node, (a,), _ = staked_node(s, [10 * IO], warm=True)
    _, part = s.deposit_via_rewards(node, 1_000 * IO)
    s.unstake(a, node.address)
    s.withdraw(a, node.address)
    assert s.position(node.address, a.pubkey()).rewards_owed == part  # settled at unstake
    before = s.h.balance(ata(s, a.pubkey()))
    s.ok("claim_staker_rewards", s.claim_ix(a.pubkey(), node.address), a)
    assert s.h.balance(ata(s, a.pubkey())) - before == part


# ====================================================================================
# close_stake_position
# ====================================================================================


def test_close_an_empty_position_returns_its_rent_and_restaking_starts_fresh(s: Staking) -> None:
    s.update_config(unstake_cooldown_secs=3_600)
    node, (a,), _ = staked_node(s, [10 * IO], warm=True)
    s.deposit_via_rewards(node, 1_000 * IO)
    s.unstake(a, node.address)
    s.withdraw(a, node.address)
    s.ok("claim_staker_rewards", s.claim_ix(a.pubkey(), node.address), a)
    position = StakingAddresses.stake_position(node.address, a.pubkey())
    rent = s.h.chain.get_account(position).lamports
    before = s.h.chain.balance(a.pubkey())
    record = s.ok("close_stake_position", s.close_ix(a.pubkey(), node.address), a)
    assert s.h.chain.balance(a.pubkey()) == before + rent - record.fee
    assert not s.exists(position)
    event = s.event(record, "StakePositionClosed")
    assert (event.node, event.staker) == (node.address, a.pubkey())

    # Reuse after close: every position instruction sees no account.
    watch = [ata(s, a.pubkey()), StakingAddresses.stake_vault, StakingAddresses.staker_reward_vault]
    s.h.fails("AccountNotInitialized", s.close_ix(a.pubkey(), node.address), a, watch=watch)
    s.h.fails("AccountNotInitialized", s.unstake_ix(a.pubkey(), node.address, 1), a, watch=watch)
    s.h.fails("AccountNotInitialized", s.withdraw_ix(a.pubkey(), node.address), a, watch=watch)
    s.h.fails("AccountNotInitialized", s.claim_ix(a.pubkey(), node.address), a, watch=watch)
    # Staking again opens a fresh position that has no claim on rewards spread before.
    s.stake(a, node.address, IO)
    fresh = s.position(node.address, a.pubkey())
    assert (fresh.shares, fresh.activating_shares, fresh.unbonding_shares, fresh.rewards_owed, fresh.reward_debt) == (
        0,
        IO,
        0,
        0,
        s.node(node.address).reward_per_share,
    )
    assert fresh.reward_debt > 0


def test_close_refuses_positions_that_still_hold_something(s: Staking) -> None:
    s.update_config(unstake_cooldown_secs=3_600)
    node, (a,), _ = staked_node(s, [10 * IO])
    position = StakingAddresses.stake_position(node.address, a.pubkey())
    s.h.fails("PositionNotEmpty", s.close_ix(a.pubkey(), node.address), a, watch=[position])  # activating shares
    s.warm_up(node.address, a)
    s.h.fails("PositionNotEmpty", s.close_ix(a.pubkey(), node.address), a, watch=[position])  # active shares
    s.deposit_via_rewards(node, 1_000 * IO)
    s.unstake(a, node.address)
    s.h.fails("PositionNotEmpty", s.close_ix(a.pubkey(), node.address), a, watch=[position])  # unbonding
    s.withdraw(a, node.address)
    assert s.position(node.address, a.pubkey()).rewards_owed > 0
    s.h.fails("PositionNotEmpty", s.close_ix(a.pubkey(), node.address), a, watch=[position])  # unclaimed rewards


def test_close_by_anyone_else_or_unsigned_fails(s: Staking) -> None:
    node = s.register()
    a, b = s.staker(IO), s.staker(IO)
    s.stake(a, node.address, IO)
    s.unstake(a, node.address)
    s.h.warp(s.config().unstake_cooldown_secs)
    s.withdraw(a, node.address)
    position = StakingAddresses.stake_position(node.address, a.pubkey())
    s.h.fails("NotStaker", s.close_ix(b.pubkey(), node.address, position=position), b, watch=[position])
    s.h.fails("AccountNotSigner", unsign(s.close_ix(a.pubkey(), node.address), a.pubkey()), b, watch=[position])
    other = s.register()
    s.h.fails("WrongNode", s.close_ix(a.pubkey(), other.address, position=position), a, watch=[position])
    s.ok("close_stake_position", s.close_ix(a.pubkey(), node.address), a)


# ====================================================================================
# pre-funded addresses: lamports sent to a predictable address must not block anything
# ====================================================================================

# Account sizes (discriminator + Borsh space); each test checks the created account has it.
SIZES = {"StakingConfig": 318, "TokenAccount": 165, "Node": 264, "StakePosition": 202, "SlashRecord": 324}
PREFUNDS = ["0-byte rent-exempt minimum", "rent-exempt", "more than rent-exempt"]


def prefund_amount(h: Harness, kind: str, size: int) -> int:
    rent = h.chain.rent_exempt_minimum(size)
    # The least anyone can leave at an empty address is the rent-exempt minimum of 0 bytes.
    return {"0-byte rent-exempt minimum": prefund_minimum(h), "rent-exempt": rent, "more than rent-exempt": rent + 1_234_567}[kind]


def assert_created(s: Staking, address: Pubkey, size: int, owner: Pubkey, prefunded: int) -> None:
    """Created by the program: its size and owner, rent-exempt, and the pre-funded lamports kept."""
    account = s.h.chain.get_account(address)
    assert (len(account.data), account.owner) == (size, owner)
    assert account.lamports == max(prefunded, s.h.chain.rent_exempt_minimum(size))


@pytest.mark.parametrize("kind", PREFUNDS)
def test_initialize_creates_prefunded_config_and_vaults(repo_root: Path, kind: str) -> None:
    h, admin = fresh_protocol(repo_root)
    s = Staking(h)
    targets = [
        (StakingAddresses.config, "StakingConfig", StakingAddresses.program),
        (StakingAddresses.stake_vault, "TokenAccount", TOKEN_PROGRAM),
        (StakingAddresses.staker_reward_vault, "TokenAccount", TOKEN_PROGRAM),
    ]
    amounts = {}
    for address, layout, _ in targets:
        amounts[address] = prefund_amount(h, kind, SIZES[layout])
        s.prefund(address, amounts[address])
    record = s.ok("initialize", initialize_ix(h, admin.pubkey(), max_stake=7 * IO), admin)
    for address, layout, owner in targets:
        assert_created(s, address, SIZES[layout], owner, amounts[address])
    config = s.config()
    assert (config.admin, config.max_stake_per_node, config.rewards_authority) == (admin.pubkey(), 7 * IO, RewardsAddresses.mint_authority)
    for vault in (StakingAddresses.stake_vault, StakingAddresses.staker_reward_vault):
        data = bytes(h.chain.get_account(vault).data)
        # Initialized IO token accounts of the config PDA (mint, authority, state = Initialized).
        assert (Pubkey.from_bytes(data[0:32]), Pubkey.from_bytes(data[32:64]), data[108]) == (RewardsAddresses.io_mint, StakingAddresses.config, 1)
        assert token_amount(h.chain, vault) == 0
    assert s.event(record, "StakingInitialized").stake_vault == StakingAddresses.stake_vault
    # Initialized for good: a second initialize is refused (`init`: already in use).
    fails_in_use(s.h, initialize_ix(h, admin.pubkey()), admin, watch=[address for address, _, _ in targets])


@pytest.mark.parametrize("kind", PREFUNDS)
def test_register_node_creates_a_prefunded_node(s: Staking, kind: str) -> None:
    operator, node_key = s.h.wallet(), Keypair()
    address = StakingAddresses.node(node_key.pubkey())
    amount = prefund_amount(s.h, kind, SIZES["Node"])
    s.prefund(address, amount)
    record = s.ok("register_node", s.register_node_ix(operator.pubkey(), node_key.pubkey(), staker_share_bps=150), operator, node_key)
    assert_created(s, address, SIZES["Node"], StakingAddresses.program, amount)
    node = s.node(address)
    assert (node.operator, node.node_key, node.staker_share_bps, node.active, node.total_stake) == (operator.pubkey(), node_key.pubkey(), 150, True, 0)
    assert s.event(record, "NodeRegistered").node == address
    # Registered for good: a second registration is refused (`init`: already in use).
    fails_in_use(s.h, s.register_node_ix(operator.pubkey(), node_key.pubkey()), operator, node_key, watch=[address])


@pytest.mark.parametrize("kind", PREFUNDS)
def test_first_stake_creates_a_prefunded_position(s: Staking, kind: str) -> None:
    node = s.register()
    staker = s.staker(10 * IO)
    position = StakingAddresses.stake_position(node.address, staker.pubkey())
    amount = prefund_amount(s.h, kind, SIZES["StakePosition"])
    s.prefund(position, amount)
    record = s.stake(staker, node.address, 3 * IO)
    assert_created(s, position, SIZES["StakePosition"], StakingAddresses.program, amount)
    state = s.position(node.address, staker.pubkey())
    assert (state.version, state.staker, state.node, state.activating_shares) == (1, staker.pubkey(), node.address, 3 * IO)
    assert s.event(record, "Staked").shares == 3 * IO
    assert s.vault() == 3 * IO and s.h.balance(ata(s, staker.pubkey())) == 7 * IO
    # A closed position's address can be pre-funded again: staking again still opens a fresh one.
    s.update_config(unstake_cooldown_secs=3_600)
    s.unstake(staker, node.address)
    s.withdraw(staker, node.address)
    s.ok("close_stake_position", s.close_ix(staker.pubkey(), node.address), staker)
    assert not s.exists(position)
    s.prefund(position, amount)
    s.stake(staker, node.address, IO)
    assert_created(s, position, SIZES["StakePosition"], StakingAddresses.program, amount)
    assert (s.position(node.address, staker.pubkey()).activating_shares, s.vault()) == (IO, IO)


@pytest.mark.parametrize("kind", PREFUNDS)
def test_slash_creates_a_prefunded_slash_record(s: Staking, kind: str) -> None:
    """The old DoS: lamports at a slash-record address blocked the slash. The address follows from
    the evidence hash alone (public once the fraud is reported), so anyone can fund it first."""
    node, _, pool = staked_node(s, [10 * IO])
    for index in (0, 1):
        address = StakingAddresses.slash_record(evidence(f"fraud {index}"))
        amount = prefund_amount(s.h, kind, SIZES["SlashRecord"])
        s.prefund(address, amount)
        burn_before = s.h.balance(RewardsAddresses.burn_vault)
        record = s.slash(node.address, 1_000, evidence_hash=evidence(f"fraud {index}"))
        taken = pool.slash(1_000)
        assert_created(s, address, SIZES["SlashRecord"], StakingAddresses.program, amount)
        slash_record = s.decode("SlashRecord", address)
        assert (slash_record.index, slash_record.node, slash_record.amount, bytes(slash_record.evidence_hash)) == (
            index,
            node.address,
            taken,
            evidence(f"fraud {index}"),
        )
        assert s.event(record, "NodeSlashed").slash_record == address
        assert s.h.balance(RewardsAddresses.burn_vault) - burn_before == taken
        assert s.vault() == pool.total_stake
    assert s.node(node.address).slash_count == 2


def test_slash_refuses_a_record_address_that_already_holds_an_account(s: Staking) -> None:
    """Only lamports are tolerated at an evidence's record address; any data or owner there is an
    existing account and is never overwritten (already in use). Such an account cannot arise
    on-chain (only this program can allocate the PDA, and only by slashing with that evidence);
    forged here to reach the check."""
    node, _, _ = staked_node(s, [10 * IO])
    proof = evidence("fraud")
    address = StakingAddresses.slash_record(proof)
    authority = s.h.roles.slashing_authority
    watch = [node.address, StakingAddresses.stake_vault, RewardsAddresses.burn_vault, address]
    s.forge(address, b"\x01" * SIZES["SlashRecord"], StakingAddresses.program)
    fails_in_use(s.h, s.slash_ix(node.address, 1_000, evidence_hash=proof), authority, watch=watch)
    s.forge(address, b"\x01" * 10, SYSTEM_PROGRAM)
    fails_in_use(s.h, s.slash_ix(node.address, 1_000, evidence_hash=proof), authority, watch=watch)
    assert s.node(node.address).slash_count == 0


# ====================================================================================
# a whole life cycle, checked against the Python pool
# ====================================================================================


def test_pool_life_cycle_matches_the_spec_arithmetic(s: Staking) -> None:
    s.update_config(unstake_cooldown_secs=3_600)
    node = s.register()
    pool = Pool()
    stakers = [s.staker(1_000 * IO) for _ in range(3)]
    active = {st.pubkey(): 0 for st in stakers}
    unbonding = {st.pubkey(): 0 for st in stakers}
    steps = [
        ("stake", 0, 100 * IO + 1),
        ("stake", 1, 33 * IO),
        ("slash", None, 777),
        ("stake", 2, 250 * IO + 9),
        ("unstake", 1, None),
        ("slash", None, 4_999),
        ("stake", 0, 1),
        ("withdraw", 1, None),
        ("stake", 1, 12 * IO),
        ("slash", None, 1),
        ("unstake", 0, None),
        ("withdraw", 0, None),
        ("unstake", 2, None),
        ("unstake", 1, None),
        ("withdraw", 2, None),
        ("withdraw", 1, None),
    ]
    for op, who, value in steps:
        st = stakers[who] if who is not None else None
        if op == "stake":
            s.stake(st, node.address, value)
            active[st.pubkey()] += pool.stake(value)
        elif op == "slash":
            s.slash(node.address, value)
            pool.slash(value)
        elif op == "unstake":
            s.unstake(st, node.address)
            unbonding[st.pubkey()] += active[st.pubkey()]
            active[st.pubkey()] = 0
        else:
            before = s.h.balance(ata(s, st.pubkey()))
            s.withdraw(st, node.address)
            assert s.h.balance(ata(s, st.pubkey())) - before == pool.withdraw(unbonding[st.pubkey()])
            unbonding[st.pubkey()] = 0
        state = s.node(node.address)
        assert (state.total_stake, state.total_shares) == (pool.total_stake, pool.total_shares), (op, who, value)
        assert state.active_shares + state.activating_shares == sum(active.values())
        assert s.vault() == pool.total_stake
    assert (pool.total_stake, pool.total_shares) == (0, 0)


def test_the_stake_cap_and_warmup_bounds_themselves_are_accepted(s: Staking) -> None:
    """The stake cap is 1 ..= the IO max supply; the warm-up is MIN_STAKE_WARMUP_SECS (the staker
    reward window + one epoch + 1 s) ..= 30 days. Beyond them: test_update_config_rejects_invalid_values."""
    for cap in (1, IO_MAX_SUPPLY):
        s.update_config(max_stake_per_node=cap)
        assert s.config().max_stake_per_node == cap
    for warmup in (MIN_STAKE_WARMUP_SECS, MAX_STAKE_WARMUP_SECS):
        record = s.update_config(stake_warmup_secs=warmup)
        assert s.config().stake_warmup_secs == s.event(record, "StakingConfigUpdated").stake_warmup_secs == warmup
    # A stake made now activates after the warm-up in force.
    node, (a,), _ = staked_node(s, [IO])
    assert s.position(node.address, a.pubkey()).activates_at == s.h.now + MAX_STAKE_WARMUP_SECS
    assert MIN_STAKE_WARMUP_SECS == STAKER_REWARD_WINDOW_SECS + 3_600 + 1


def test_the_cooldown_bounds_themselves_are_accepted(s: Staking) -> None:
    """1 hour (stake cannot leave before a slash can land) and 365 days (no unstake deadline can
    overflow) are the bounds; the values beyond them are refused in test_update_config_rejects_invalid_values."""
    year = 365 * 24 * 3_600
    for secs in (3_600, year):
        s.update_config(unstake_cooldown_secs=secs)
        assert s.config().unstake_cooldown_secs == secs
    node, (a,), _ = staked_node(s, [IO])
    s.unstake(a, node.address)
    assert s.position(node.address, a.pubkey()).unbonding_until == s.h.now + year
