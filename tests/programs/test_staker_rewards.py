"""Staker rewards go to the stake that was there during the epoch (issue 10, items 2 and 6).

New stake warms up (activating: backed and slashable, earning nothing) for `stake_warmup_secs`;
the stakers' part of a claim reaches the node's stakers only within STAKER_REWARD_WINDOW_SECS of
the epoch's end (later it returns to the unallocated pool) and only if the node has active
shares (else the operator gets it); a node's staker share changes only after a delay. Each
attack runs as a real transaction — bundled in one where the attacker would bundle it — against
the SBF programs, and value is checked to the base unit: what was emitted = reward vault +
staker reward vault + what was paid out.
"""

from __future__ import annotations

import pytest
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from keeper.client.addresses import RewardsAddresses, StakingAddresses, associated_token_address
from keeper.client.constants import MIN_STAKE_WARMUP_SECS, SECONDS_PER_HOUR, STAKER_REWARD_WINDOW_SECS
from keeper.client.fees import share_floor
from keeper.client.merkle import MerkleTree
from tests.programs.harness import START_TS, Harness, error_name
from tests.programs.rewards_helpers import claim_ix
from tests.programs.staking_helpers import IO, REWARD_SCALE, RegisteredNode, Staking


@pytest.fixture
def s(harness: Harness) -> Staking:
    return Staking(harness)


def ata(s: Staking, owner: Pubkey) -> Pubkey:
    return associated_token_address(owner, s.h.io_mint)


def emission(s: Staking):
    return s.h.programs.rewards.decode_account_as("EmissionState", bytes(s.h.chain.get_account(RewardsAddresses.emission).data))


def epoch_state(s: Staking, epoch: int):
    return s.h.programs.rewards.decode_account_as("Epoch", bytes(s.h.chain.get_account(RewardsAddresses.epoch_root(epoch)).data))


def epoch_end(epoch: int) -> int:
    return START_TS + SECONDS_PER_HOUR * (epoch + 1)


def post(s: Staking, leaves: dict[Pubkey, int], epoch: int | None = None) -> tuple[int, MerkleTree]:
    """Emits through a just-ended epoch (or `epoch`) and posts a root of `leaves` for it."""
    epoch = s.next_epoch() if epoch is None else epoch
    s.emit_through(epoch)
    return epoch, s.post_root(epoch, leaves)


def claim(s: Staking, epoch: int, tree: MerkleTree, node: RegisteredNode, amount: int, index: int, payer: Keypair) -> Instruction:
    operator_io = s.h.token_account(node.operator.pubkey(), s.h.io_mint)
    return claim_ix(s.h, epoch, amount, tree.proof(index), node.address, operator_io, payer.pubkey())


class Ledger:
    """Every base unit the reward vault ever paid out, to check conservation."""

    def __init__(self, s: Staking, operators: list[RegisteredNode], stakers: list[Keypair]) -> None:
        self.s = s
        self.accounts = [s.h.token_account(node.operator.pubkey(), s.h.io_mint) for node in operators]
        self.accounts += [ata(s, staker.pubkey()) for staker in stakers]
        self.start = {account: s.h.balance(account) for account in self.accounts}

    def paid_out(self) -> int:
        return sum(self.s.h.balance(account) - self.start[account] for account in self.accounts)

    def assert_conserved(self, staked: int = 0) -> None:
        """emitted = reward vault + staker reward vault + paid out (`staked`: what the tracked
        accounts moved into the stake vault meanwhile, which is not reward)."""
        s = self.s
        assert emission(s).emitted_total == (s.h.balance(RewardsAddresses.reward_vault) + s.reward_vault() + self.paid_out() + staked)


# --- item 2: reward sniping ------------------------------------------------------------------


def test_stake_claim_claim_staker_rewards_unstake_in_one_transaction_takes_nothing(s: Staking) -> None:
    node = s.register(staker_share_bps=300)
    honest = s.staker(1_000 * IO)
    s.stake(honest, node.address, 1_000 * IO)
    s.warm_up(node.address, honest)
    amount = 10_000 * IO
    epoch, tree = post(s, {node.address: amount})
    sniper = s.staker(1_000_000 * IO)
    ledger = Ledger(s, [node], [honest, sniper])
    unstake_all = s.unstake_ix(sniper.pubkey(), node.address, 1_000_000 * IO)  # a first stake buys 1 share per unit

    # The whole bundle: the sniper's claim finds nothing (its stake is activating), so it all reverts.
    bundle = [
        s.open_position_ix(sniper.pubkey(), node.address),
        s.stake_ix(sniper.pubkey(), node.address, 1_000_000 * IO),
        claim(s, epoch, tree, node, amount, 0, sniper),
        s.claim_ix(sniper.pubkey(), node.address),
        unstake_all,
    ]
    record = s.h.send(bundle, sniper)
    assert error_name(record) == "NothingToClaim"
    assert s.h.balance(ata(s, sniper.pubkey())) == 1_000_000 * IO
    assert not s.exists(StakingAddresses.stake_position(node.address, sniper.pubkey()))
    assert not s.exists(RewardsAddresses.claim_receipt(epoch, node.address))

    # Without its own claim the bundle lands, and the stakers' part is the honest staker's alone.
    s.h.ok(
        [
            s.open_position_ix(sniper.pubkey(), node.address),
            s.stake_ix(sniper.pubkey(), node.address, 1_000_000 * IO),
            claim(s, epoch, tree, node, amount, 0, sniper),
            unstake_all,
        ],
        sniper,
    )
    part = share_floor(amount, 300)
    position = s.position(node.address, sniper.pubkey())
    assert (position.shares, position.activating_shares, position.unbonding_shares, position.rewards_owed) == (0, 0, 1_000_000 * IO, 0)
    state = s.node(node.address)
    assert (state.active_shares, state.activating_shares) == (1_000 * IO, 0)
    assert state.reward_per_share == part * REWARD_SCALE // (1_000 * IO)
    s.h.fails("NothingToClaim", s.claim_ix(sniper.pubkey(), node.address), sniper, watch=[ata(s, sniper.pubkey())])
    s.ok("claim_staker_rewards", s.claim_ix(honest.pubkey(), node.address), honest)
    assert s.h.balance(ata(s, honest.pubkey())) == part
    # The sniper gets back exactly its stake after the cooldown: 0 gained.
    s.withdraw(sniper, node.address)
    assert s.h.balance(ata(s, sniper.pubkey())) == 1_000_000 * IO
    ledger.assert_conserved()  # the sniper's stake left and came back: net 0 in its account
    assert s.h.balance(s.h.token_account(node.operator.pubkey(), s.h.io_mint)) == amount - part
    assert s.reward_vault() == 0


def test_a_one_unit_stake_on_an_empty_pool_takes_nothing(s: Staking) -> None:
    node = s.register(staker_share_bps=300)
    amount = 3_000 * IO + 7
    epoch, tree = post(s, {node.address: amount})
    sniper = s.staker(1)
    ledger = Ledger(s, [node], [sniper])
    bundle = [
        s.open_position_ix(sniper.pubkey(), node.address),
        s.stake_ix(sniper.pubkey(), node.address, 1),
        claim(s, epoch, tree, node, amount, 0, sniper),
        s.claim_ix(sniper.pubkey(), node.address),
    ]
    record = s.h.send(bundle, sniper)
    assert error_name(record) == "NothingToClaim"
    # The stake and the claim alone: the node has no active share, so its operator gets the whole
    # leaf and nothing is left in `undistributed_rewards` for anyone to take later.
    record = s.h.ok(bundle[:3], sniper)
    event = s.h.programs.rewards.decode_events(record.result.logs)
    claimed = next(e.data for e in event if e.name == "RewardClaimed")
    assert (claimed.operator_amount, claimed.staker_amount, claimed.staker_returned) == (amount, 0, 0)
    state = s.node(node.address)
    assert (state.undistributed_rewards, state.reward_per_share, state.active_shares, state.activating_shares) == (0, 0, 0, 1)
    assert s.reward_vault() == 0
    # Even once warmed up, the sniper's unit has no claim on that epoch.
    s.warm_up(node.address, sniper)
    s.h.fails("NothingToClaim", s.claim_ix(sniper.pubkey(), node.address), sniper, watch=[ata(s, sniper.pubkey())])
    assert s.h.balance(ata(s, sniper.pubkey())) == 0
    ledger.assert_conserved(staked=1)  # the unit staked left the sniper's account


def test_a_staker_present_through_the_epoch_gets_its_pro_rata_part(s: Staking) -> None:
    """Stake made when emission started is active from epoch 1's staker window on (warm-up =
    window + 1 h + 1 s): one position activated by the keeper's crank, one by its own next
    stake; both earn epoch 1 pro rata to their active shares, the new unit earns nothing."""
    node = s.register(staker_share_bps=300)
    a, b = s.staker(1_000 * IO), s.staker(3_000 * IO + 1)
    s.stake(a, node.address, 1_000 * IO)
    s.stake(b, node.address, 3_000 * IO)
    # The crank refuses early, and positions with nothing activating.
    s.h.fails("WarmupNotElapsed", s.activate_ix(node.address, a.pubkey()), a, watch=[node.address])
    s.h.warp(MIN_STAKE_WARMUP_SECS - 1)
    s.h.fails("WarmupNotElapsed", s.activate_ix(node.address, a.pubkey()), a, watch=[node.address])
    s.h.warp(1)
    record = s.ok("activate_stake", s.activate_ix(node.address, a.pubkey()), s.h.wallet())
    event = s.event(record, "StakeActivated")
    assert (event.node, event.staker, event.shares, event.position_shares, event.node_active_shares) == (
        node.address,
        a.pubkey(),
        1_000 * IO,
        1_000 * IO,
        1_000 * IO,
    )
    s.h.fails("NothingToActivate", s.activate_ix(node.address, a.pubkey()), a, watch=[node.address])
    # b's next stake activates its warmed-up batch first; the new unit starts warming up.
    s.stake(b, node.address, 1)
    position = s.position(node.address, b.pubkey())
    assert (position.shares, position.activating_shares, position.activates_at) == (3_000 * IO, 1, s.h.now + MIN_STAKE_WARMUP_SECS)
    assert (s.node(node.address).active_shares, s.node(node.address).activating_shares) == (4_000 * IO, 1)

    epoch = 1
    assert s.h.now < epoch_end(epoch) + STAKER_REWARD_WINDOW_SECS  # still within epoch 1's window
    amount = 8_000 * IO + 9
    _, tree = post(s, {node.address: amount}, epoch)
    ledger = Ledger(s, [node], [a, b])
    payer = s.h.wallet()
    s.h.ok(claim(s, epoch, tree, node, amount, 0, payer), payer)
    part = share_floor(amount, 300)
    increment = part * REWARD_SCALE // (4_000 * IO)
    for staker, shares in ((a, 1_000 * IO), (b, 3_000 * IO)):
        s.ok("claim_staker_rewards", s.claim_ix(staker.pubkey(), node.address), staker)
        assert s.h.balance(ata(s, staker.pubkey())) - ledger.start[ata(s, staker.pubkey())] == shares * increment // REWARD_SCALE
    dust = part - 4_000 * IO * increment // REWARD_SCALE
    assert s.reward_vault() == dust <= 1
    ledger.assert_conserved()


def test_a_claim_after_the_staker_window_returns_the_staker_part_to_the_pool(s: Staking) -> None:
    early, late = s.register(staker_share_bps=300), s.register(staker_share_bps=200)
    stakers = []
    for node in (early, late):
        staker = s.staker(100 * IO)
        s.stake(staker, node.address, 100 * IO)
        stakers.append(staker)
    s.warm_up(early.address, stakers[0])
    s.warm_up(late.address, stakers[1])
    amounts = {early.address: 7_000 * IO + 1, late.address: 3_000 * IO + 3}
    epoch, tree = post(s, amounts)
    ledger = Ledger(s, [early, late], stakers)
    deadline = epoch_end(epoch) + STAKER_REWARD_WINDOW_SECS
    payer = s.h.wallet()
    # One second before the deadline the stakers are paid ...
    s.h.chain.set_time(unix_timestamp=deadline - 1)
    s.h.ok(claim(s, epoch, tree, early, amounts[early.address], 0, payer), payer)
    assert s.reward_vault() == share_floor(amounts[early.address], 300)
    # ... from the deadline on their part returns to the unallocated pool; the operator is paid.
    s.h.chain.set_time(unix_timestamp=deadline)
    allocated = emission(s).allocated_total
    vault = s.h.balance(RewardsAddresses.reward_vault)
    operator_io = s.h.token_account(late.operator.pubkey(), s.h.io_mint)
    record = s.h.ok(claim(s, epoch, tree, late, amounts[late.address], 1, payer), payer)
    returned = share_floor(amounts[late.address], 200)
    (event,) = [e.data for e in s.h.programs.rewards.decode_events(record.result.logs) if e.name == "RewardClaimed"]
    assert (event.amount, event.operator_amount, event.staker_amount, event.staker_returned, event.allocated_total) == (
        amounts[late.address],
        amounts[late.address] - returned,
        0,
        returned,
        allocated - returned,
    )
    assert s.h.balance(operator_io) == amounts[late.address] - returned
    assert s.h.balance(RewardsAddresses.reward_vault) == vault - (amounts[late.address] - returned)
    assert emission(s).allocated_total == allocated - returned
    state = epoch_state(s, epoch)
    assert (state.claimed, state.staker_returned) == (sum(amounts.values()), returned)
    receipt = s.h.programs.rewards.decode_account_as("ClaimReceipt", bytes(s.h.chain.get_account(RewardsAddresses.claim_receipt(epoch, late.address)).data))
    assert (receipt.operator_amount, receipt.staker_amount, receipt.staker_returned) == (amounts[late.address] - returned, 0, returned)
    assert s.node(late.address).reward_per_share == 0
    s.h.fails("NothingToClaim", s.claim_ix(stakers[1].pubkey(), late.address), stakers[1], watch=[ata(s, stakers[1].pubkey())])
    ledger.assert_conserved()
    # The returned IO is unallocated again: a later root can hand it out.
    later = s.next_epoch()
    s.emit_through(later)
    unallocated = emission(s).emitted_total - emission(s).allocated_total
    assert unallocated >= returned
    s.post_root(later, {late.address: unallocated})
    assert emission(s).allocated_total == emission(s).emitted_total


def test_unstake_unbonds_activating_shares_first(s: Staking) -> None:
    node = s.register()
    staker = s.staker(150 * IO)
    s.stake(staker, node.address, 100 * IO)
    s.warm_up(node.address, staker)
    s.stake(staker, node.address, 50 * IO)
    record = s.unstake(staker, node.address, 70 * IO)
    event = s.event(record, "Unstaked")
    assert (event.shares, event.from_activating, event.unbonding_shares) == (70 * IO, 50 * IO, 70 * IO)
    position = s.position(node.address, staker.pubkey())
    assert (position.shares, position.activating_shares, position.activates_at, position.unbonding_shares) == (80 * IO, 0, 0, 70 * IO)
    state = s.node(node.address)
    assert (state.total_shares, state.active_shares, state.activating_shares) == (150 * IO, 80 * IO, 0)
    s.h.fails("InsufficientShares", s.unstake_ix(staker.pubkey(), node.address, 80 * IO + 1), staker, watch=[node.address])


def test_activating_stake_is_slashed_like_any_share(s: Staking) -> None:
    node = s.register()
    active, warming = s.staker(100 * IO), s.staker(300 * IO)
    s.stake(active, node.address, 100 * IO)
    s.warm_up(node.address, active)
    s.stake(warming, node.address, 300 * IO)
    s.slash(node.address, 2_500)
    assert (s.withdrawable(node.address, active.pubkey()), s.withdrawable(node.address, warming.pubkey())) == (75 * IO, 225 * IO)


# --- item 6: share changes timed around claims ---------------------------------------------


def test_a_staker_share_change_bundled_with_a_claim_pays_the_old_share(s: Staking) -> None:
    s.update_config(unstake_cooldown_secs=3_600)  # the delay is then its floor, one day
    node = s.register(staker_share_bps=300, token_share_bps=1_000)
    staker = s.staker(100 * IO)
    s.stake(staker, node.address, 100 * IO)
    s.warm_up(node.address, staker)
    amount = 10_000 * IO
    epoch, tree = post(s, {node.address: amount})
    operator = node.operator
    # The operator lowers its stakers' share to the minimum in the same transaction as its claim.
    update = s.update_node_ix(operator.pubkey(), node.address, staker_share_bps=100, token_share_bps=0)
    s.h.ok([update, claim(s, epoch, tree, node, amount, 0, operator)], operator)
    effective_at = s.h.now + 86_400
    state = s.node(node.address)
    assert (state.staker_share_bps, state.pending_staker_share_bps, state.token_share_bps, state.pending_token_share_bps, state.shares_effective_at) == (
        300,
        100,
        1_000,
        0,
        effective_at,
    )
    assert s.reward_vault() == share_floor(amount, 300)  # the old share
    # Until the change is due, claims pay the old share ...
    s.h.chain.set_time(unix_timestamp=effective_at - 1)
    epoch, tree = post(s, {node.address: amount})
    before = s.reward_vault()
    s.h.ok(claim(s, epoch, tree, node, amount, 0, operator), operator)
    assert s.reward_vault() - before == share_floor(amount, 300)
    # ... from the effective time on, the new one, with no transaction needed to apply it.
    s.h.chain.set_time(unix_timestamp=effective_at)
    epoch, tree = post(s, {node.address: amount})
    before = s.reward_vault()
    s.h.ok(claim(s, epoch, tree, node, amount, 0, operator), operator)
    assert s.reward_vault() - before == share_floor(amount, 100)
    assert s.node(node.address).staker_share_bps == 300  # stored value; the method reads the pending one


def test_share_changes_wait_at_least_the_unstake_cooldown(s: Staking) -> None:
    cooldown = 10 * 24 * 3_600
    s.update_config(unstake_cooldown_secs=cooldown)
    node = s.register(staker_share_bps=200)
    record = s.ok("update_node", s.update_node_ix(node.operator.pubkey(), node.address, token_share_bps=5_000), node.operator)
    event = s.event(record, "NodeUpdated")
    assert (event.token_share_bps, event.pending_token_share_bps, event.staker_share_bps, event.pending_staker_share_bps, event.shares_effective_at) == (
        1_000,
        5_000,
        200,
        200,
        s.h.now + cooldown,
    )
    for bad, error in (
        ({"staker_share_bps": 99}, "InvalidStakerShare"),
        ({"staker_share_bps": 301}, "InvalidStakerShare"),
        ({"token_share_bps": 10_001}, "InvalidTokenShare"),
    ):
        s.h.fails(error, s.update_node_ix(node.operator.pubkey(), node.address, **bad), node.operator, watch=[node.address])


# --- item 7: the node operator's two-step handover ------------------------------------------


def test_a_node_operator_handover_is_proposed_then_accepted(s: Staking) -> None:
    node = s.register()
    old, new, other = node.operator, s.h.wallet(), s.h.wallet()
    s.ok("update_node", s.update_node_ix(old.pubkey(), node.address, operator=other.pubkey()), old)
    s.ok("update_node", s.update_node_ix(old.pubkey(), node.address, operator=new.pubkey()), old)  # replaces
    assert (s.node(node.address).operator, s.node(node.address).pending_operator) == (old.pubkey(), new.pubkey())
    # Until it accepts, the old operator runs the node; nobody else can accept.
    for intruder in (other, old, s.h.wallet()):
        s.h.fails("NothingToAccept", s.accept_node_operator_ix(intruder.pubkey(), node.address), intruder, watch=[node.address])
    s.h.fails("NotOperator", s.update_node_ix(new.pubkey(), node.address, tier=1), new, watch=[node.address])
    # Proposing the current operator cancels.
    s.ok("update_node", s.update_node_ix(old.pubkey(), node.address, operator=old.pubkey()), old)
    assert s.node(node.address).pending_operator == Pubkey.default()
    s.h.fails("NothingToAccept", s.accept_node_operator_ix(new.pubkey(), node.address), new, watch=[node.address])
    s.h.fails("InvalidAuthority", s.update_node_ix(old.pubkey(), node.address, operator=Pubkey.default()), old, watch=[node.address])
    s.ok("update_node", s.update_node_ix(old.pubkey(), node.address, operator=new.pubkey()), old)
    s.ok("accept_node_operator", s.accept_node_operator_ix(new.pubkey(), node.address), new)
    assert (s.node(node.address).operator, s.node(node.address).pending_operator) == (new.pubkey(), Pubkey.default())
    s.h.fails("NotOperator", s.update_node_ix(old.pubkey(), node.address, tier=1), old, watch=[node.address])
    s.h.fails("NothingToAccept", s.accept_node_operator_ix(new.pubkey(), node.address), new, watch=[node.address])
    # Another node's pending operator cannot accept this one.
    elsewhere = s.register()
    s.ok("update_node", s.update_node_ix(elsewhere.operator.pubkey(), elsewhere.address, operator=other.pubkey()), elsewhere.operator)
    s.h.fails("NothingToAccept", s.accept_node_operator_ix(other.pubkey(), node.address), other, watch=[node.address])


def test_staking_authority_handovers_are_proposed_then_accepted(s: Staking) -> None:
    admin, slasher = s.h.roles.admin, s.h.roles.slashing_authority
    new_admin, new_slasher = s.h.wallet(), s.h.wallet()
    s.update_config(admin=new_admin.pubkey(), slashing_authority=new_slasher.pubkey())
    watch = [StakingAddresses.config]
    for intruder in (s.h.wallet(), admin, slasher):
        s.h.fails("NothingToAccept", s.accept_authority_ix(intruder.pubkey()), intruder, watch=watch)
    # The old admin still governs until the new one accepts; proposing the current key cancels.
    s.update_config(slashing_authority=slasher.pubkey())
    assert s.config().pending_slashing_authority == Pubkey.default()
    s.h.fails("NothingToAccept", s.accept_authority_ix(new_slasher.pubkey()), new_slasher, watch=watch)
    record = s.ok("accept_authority", s.accept_authority_ix(new_admin.pubkey()), new_admin)
    event = s.event(record, "AuthorityAccepted")
    assert (event.authority, event.admin, event.slashing_authority) == (new_admin.pubkey(), new_admin.pubkey(), slasher.pubkey())
    s.h.fails("NotAdmin", s.update_config_ix(admin.pubkey(), max_slash_bps=1), admin, watch=watch)
    s.h.fails("NothingToAccept", s.accept_authority_ix(new_admin.pubkey()), new_admin, watch=watch)
    # One key proposed for both roles takes both with one signature.
    s.ok("update_config", s.update_config_ix(new_admin.pubkey(), admin=new_slasher.pubkey(), slashing_authority=new_slasher.pubkey()), new_admin)
    s.ok("accept_authority", s.accept_authority_ix(new_slasher.pubkey()), new_slasher)
    config = s.config()
    assert (config.admin, config.slashing_authority, config.pending_admin, config.pending_slashing_authority) == (
        new_slasher.pubkey(),
        new_slasher.pubkey(),
        Pubkey.default(),
        Pubkey.default(),
    )
