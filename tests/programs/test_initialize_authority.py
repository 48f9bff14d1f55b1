"""Audit item 1: only a program's upgrade authority may initialize it.

Every `initialize` makes its signer the program's admin (and names the keeper, the slashing
authority, the treasury, the USDC mint, the emission start). The config PDAs are fixed, so
whoever initializes first owns the deployment for good. Each program therefore takes its own
program account and its ProgramData (PDA `[program id]` of the upgradeable loader) and accepts
only the upgrade authority recorded there as signer.

These tests run the race as transactions on a freshly deployed chain: an outsider's
initialize (and mint_genesis to itself) is refused on every program with the named error and
changes nothing; the upgrade authority's succeeds afterwards; a ProgramData that is not the
program's own (another program's, a forged one, one that is not loader-owned) is refused.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from solders.account import Account
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from keeper.client.addresses import (
    EscrowAddresses,
    ProvenanceAddresses,
    RewardsAddresses,
    StakingAddresses,
)
from keeper.client.constants import IO_MAX_SUPPLY, MIN_STAKE_WARMUP_SECS
from keeper.localnet.deploy import LOADER_V3, set_upgrade_authority
from keeper.localnet.deployment import Programs, Roles, Settings, bootstrap, create_mint, create_token_account
from keeper.localnet.remote import LocalnetChain, TransactionFailed
from tests.programs.harness import START_TS, error_name, fresh_chain, mint_supply, same_account, upgrade_authority

# Every account the four initializes create (and escrow's USDC vault, whose address follows the
# USDC mint each test creates: checked where that mint is known).
CREATED = [
    RewardsAddresses.config,
    RewardsAddresses.emission,
    RewardsAddresses.burn_ledger,
    RewardsAddresses.io_mint,
    RewardsAddresses.reward_vault,
    RewardsAddresses.burn_vault,
    StakingAddresses.config,
    StakingAddresses.stake_vault,
    StakingAddresses.staker_reward_vault,
    EscrowAddresses.config,
    EscrowAddresses.vault(RewardsAddresses.io_mint),
    ProvenanceAddresses.config,
]


def rewards_init(programs: Programs, admin: Pubkey, program_data: Pubkey = RewardsAddresses.program_data, start_ts: int = START_TS) -> Instruction:
    return programs.rewards.instruction(
        "initialize",
        {"start_ts": start_ts, "keeper_authority": admin},
        {"admin": admin, "program_data": program_data},
    )


def staking_init(programs: Programs, admin: Pubkey, program_data: Pubkey = StakingAddresses.program_data) -> Instruction:
    return programs.staking.instruction(
        "initialize",
        {
            "params": {
                "slashing_authority": admin,
                "max_stake_per_node": IO_MAX_SUPPLY,
                "unstake_cooldown_secs": 3_600,
                "reporter_share_bps": 1_000,
                "max_slash_bps": 5_000,
                "stake_warmup_secs": MIN_STAKE_WARMUP_SECS,
            }
        },
        {"admin": admin, "program_data": program_data, "io_mint": RewardsAddresses.io_mint},
    )


def escrow_init(programs: Programs, admin: Pubkey, usdc_mint: Pubkey, program_data: Pubkey = EscrowAddresses.program_data) -> Instruction:
    return programs.escrow.instruction(
        "initialize",
        {"params": {"oracle_authority": admin, "treasury": admin, "start_timeout_secs": 3_600, "complete_grace_secs": 3_600, "dispute_window_secs": 3_600}},
        {"admin": admin, "program_data": program_data, "usdc_mint": usdc_mint, "io_mint": RewardsAddresses.io_mint},
    )


def provenance_init(programs: Programs, admin: Pubkey, program_data: Pubkey = ProvenanceAddresses.program_data) -> Instruction:
    return programs.provenance.instruction(
        "initialize",
        {"keeper_authority": admin},
        {"admin": admin, "program_data": program_data},
    )


def snapshot(chain: LocalnetChain) -> dict[Pubkey, Account | None]:
    return {address: chain.get_account(address) for address in CREATED}


def assert_unchanged(chain: LocalnetChain, before: dict[Pubkey, Account | None]) -> None:
    for address, account in before.items():
        assert same_account(account, chain.get_account(address)), f"{address} changed by a refused transaction"


def refused(chain: LocalnetChain, name: str, instruction: Instruction, signer: Keypair) -> None:
    before = snapshot(chain)
    record = chain.send_instructions([instruction], signer)
    assert error_name(record) == name, "\n".join(record.result.logs)
    assert_unchanged(chain, before)


def outsider(chain: LocalnetChain) -> Keypair:
    key = Keypair()
    chain.airdrop(key.pubkey(), 1_000 * 10**9).raise_for_error()
    return key


def test_an_outsider_cannot_initialize_any_program_and_the_upgrade_authority_then_can(repo_root: Path, built_programs: Path) -> None:
    """The front-running race of the audit, program by program on a just-deployed chain."""
    chain = fresh_chain(START_TS)
    programs = Programs.load(repo_root)
    attacker = outsider(chain)
    authority = upgrade_authority()

    # rewards: the attacker would become admin, mint genesis to itself, pick a past start_ts.
    refused(chain, "NotUpgradeAuthority", rewards_init(programs, attacker.pubkey(), start_ts=0), attacker)
    assert all(chain.get_account(address) is None for address in CREATED)
    chain.send_instructions([rewards_init(programs, authority.pubkey())], authority).raise_for_error()

    # With the IO mint in place, staking and escrow can be attempted; provenance needs nothing.
    usdc = create_mint(chain, attacker, attacker.pubkey(), 6)
    refused(chain, "NotUpgradeAuthority", staking_init(programs, attacker.pubkey()), attacker)
    refused(chain, "NotUpgradeAuthority", escrow_init(programs, attacker.pubkey(), usdc), attacker)
    refused(chain, "NotUpgradeAuthority", provenance_init(programs, attacker.pubkey()), attacker)
    for address in (
        StakingAddresses.config,
        StakingAddresses.stake_vault,
        StakingAddresses.staker_reward_vault,
        EscrowAddresses.config,
        EscrowAddresses.vault(usdc),
        EscrowAddresses.vault(RewardsAddresses.io_mint),
        ProvenanceAddresses.config,
    ):
        assert chain.get_account(address) is None

    # mint_genesis to itself: the attacker is not the rewards admin (the upgrade authority is).
    attacker_io = create_token_account(chain, attacker, attacker.pubkey(), RewardsAddresses.io_mint)
    genesis = programs.rewards.instruction(
        "mint_genesis",
        {},
        {
            "admin": attacker.pubkey(),
            "config": RewardsAddresses.config,
            "io_mint": RewardsAddresses.io_mint,
            "mint_authority": RewardsAddresses.mint_authority,
            "destination": attacker_io,
        },
    )
    refused(chain, "Unauthorized", genesis, attacker)
    assert mint_supply(chain, RewardsAddresses.io_mint) == 0

    # The upgrade authority initializes the other three; every config names it as admin.
    for instruction in (
        staking_init(programs, authority.pubkey()),
        escrow_init(programs, authority.pubkey(), usdc),
        provenance_init(programs, authority.pubkey()),
    ):
        chain.send_instructions([instruction], authority).raise_for_error()
    for program, name, address in (
        (programs.rewards, "RewardsConfig", RewardsAddresses.config),
        (programs.staking, "StakingConfig", StakingAddresses.config),
        (programs.escrow, "EscrowConfig", EscrowAddresses.config),
        (programs.provenance, "ProvenanceConfig", ProvenanceAddresses.config),
    ):
        assert program.decode_account_as(name, bytes(chain.get_account(address).data)).admin == authority.pubkey()
    # Escrow's initialize created the vault of each payment mint.
    assert all(chain.get_account(EscrowAddresses.vault(mint)) is not None for mint in (usdc, RewardsAddresses.io_mint))


def test_bootstrap_by_an_outsider_fails_at_the_first_initialize(repo_root: Path, built_programs: Path) -> None:
    """The keeper's own bootstrap with roles whose admin is not the upgrade authority: refused
    at rewards.initialize, nothing created."""
    chain = fresh_chain(START_TS)
    roles = Roles.generate()
    with pytest.raises(TransactionFailed) as failure:
        bootstrap(chain, repo_root, roles, Settings(emission_start_ts=START_TS))
    assert error_name(failure.value.record) == "NotUpgradeAuthority"
    assert all(chain.get_account(address) is None for address in CREATED)


def test_another_programs_program_data_is_refused(repo_root: Path, built_programs: Path) -> None:
    """The upgrade authority of every program is the same deployer here, so a ProgramData
    naming it exists for each program: passing staking's to escrow (and so on) must still be
    refused, since only the program's own ProgramData says who may initialize it."""
    chain = fresh_chain(START_TS)
    programs = Programs.load(repo_root)
    authority = upgrade_authority()
    others = {
        "rewards": StakingAddresses.program_data,
        "staking": EscrowAddresses.program_data,
        "escrow": ProvenanceAddresses.program_data,
        "provenance": RewardsAddresses.program_data,
    }
    refused(chain, "WrongProgramData", rewards_init(programs, authority.pubkey(), others["rewards"]), authority)
    chain.send_instructions([rewards_init(programs, authority.pubkey())], authority).raise_for_error()
    usdc = create_mint(chain, authority, authority.pubkey(), 6)
    refused(chain, "WrongProgramData", staking_init(programs, authority.pubkey(), others["staking"]), authority)
    refused(chain, "WrongProgramData", escrow_init(programs, authority.pubkey(), usdc, others["escrow"]), authority)
    assert chain.get_account(EscrowAddresses.vault(usdc)) is None
    refused(chain, "WrongProgramData", provenance_init(programs, authority.pubkey(), others["provenance"]), authority)


def forged_program_data(authority: Pubkey) -> bytes:
    """UpgradeableLoaderState::ProgramData { slot: 0, upgrade_authority_address: Some(authority) }."""
    return struct.pack("<IQB", 3, 0, 1) + bytes(authority)


def test_a_forged_program_data_is_refused(repo_root: Path, built_programs: Path) -> None:
    """A ProgramData-shaped account naming the attacker: owned by the loader at another address
    (the program account does not point at it), or at any address owned by someone else."""
    chain = fresh_chain(START_TS)
    programs = Programs.load(repo_root)
    attacker = outsider(chain)
    loader_owned, system_owned = Keypair().pubkey(), Keypair().pubkey()
    data = forged_program_data(attacker.pubkey())
    lamports = chain.rent_exempt_minimum(len(data))
    chain.set_account(loader_owned, Account(lamports=lamports, data=data, owner=LOADER_V3, executable=False, rent_epoch=0))
    chain.set_account(system_owned, Account(lamports=lamports, data=data, owner=Pubkey.default(), executable=False, rent_epoch=0))
    refused(chain, "WrongProgramData", rewards_init(programs, attacker.pubkey(), loader_owned), attacker)
    refused(chain, "AccountOwnedByWrongProgram", rewards_init(programs, attacker.pubkey(), system_owned), attacker)
    refused(chain, "WrongProgramData", provenance_init(programs, attacker.pubkey(), loader_owned), attacker)
    refused(chain, "AccountOwnedByWrongProgram", provenance_init(programs, attacker.pubkey(), system_owned), attacker)
    # The program slot itself must be this program: another program's id there is refused.
    wrong_program = programs.provenance.instruction(
        "initialize",
        {"keeper_authority": attacker.pubkey()},
        {"admin": attacker.pubkey(), "program": StakingAddresses.program, "program_data": StakingAddresses.program_data},
    )
    refused(chain, "InvalidProgramId", wrong_program, attacker)


def test_the_current_upgrade_authority_decides_after_a_handover(repo_root: Path, built_programs: Path) -> None:
    """Handing the upgrade authority to a new key (e.g. a multisig) before initializing: the
    new key initializes, the old one no longer can; an immutable program (no authority) can
    never be initialized."""
    chain = fresh_chain(START_TS)
    programs = Programs.load(repo_root)
    deployer = upgrade_authority()
    successor = outsider(chain)
    chain.send_instructions([set_upgrade_authority(ProvenanceAddresses.program, deployer.pubkey(), successor.pubkey())], deployer).raise_for_error()
    refused(chain, "NotUpgradeAuthority", provenance_init(programs, deployer.pubkey()), deployer)
    chain.send_instructions([provenance_init(programs, successor.pubkey())], successor).raise_for_error()
    config = programs.provenance.decode_account_as("ProvenanceConfig", bytes(chain.get_account(ProvenanceAddresses.config).data))
    assert config.admin == successor.pubkey()

    chain.send_instructions([set_upgrade_authority(RewardsAddresses.program, deployer.pubkey(), None)], deployer).raise_for_error()
    refused(chain, "NotUpgradeAuthority", rewards_init(programs, deployer.pubkey()), deployer)
