"""Configuring a freshly deployed protocol: what runs once, in order, right after deploy.

`bootstrap` is the single sequence used by the embedded localnet and by the program tests:
rewards first (it creates the IO mint the others check), genesis supply to the treasury, a
USDC mint (localnet only: on a real cluster the USDC mint already exists), the treasury's
token accounts, then staking, escrow and provenance.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account
from spl.token.instructions import (
    InitializeMintParams,
    MintToParams,
    create_idempotent_associated_token_account,
    initialize_mint,
    mint_to,
)

from keeper.client.addresses import (
    TOKEN_PROGRAM_ID,
    EscrowAddresses,
    ProvenanceAddresses,
    RewardsAddresses,
    StakingAddresses,
    associated_token_address,
)
from keeper.client.constants import MIN_STAKE_WARMUP_SECS
from keeper.client.idl import ProgramIdl
from keeper.client.spl import MINT_SIZE
from keeper.localnet.remote import LocalnetChain

USDC_DECIMALS = 6


@dataclass(frozen=True)
class Roles:
    """The protocol's authorities (any of them may be a multisig on a real cluster)."""

    admin: Keypair
    keeper: Keypair
    slashing_authority: Keypair
    treasury: Keypair

    @classmethod
    def generate(cls, admin: Keypair | None = None) -> Roles:
        """New keys; `admin` (when given) is kept: it must be the programs' upgrade authority,
        the only key their `initialize` accepts."""
        return cls(admin or Keypair(), Keypair(), Keypair(), Keypair())


@dataclass(frozen=True)
class Settings:
    """Protocol settings chosen at deploy time."""

    emission_start_ts: int
    max_stake_per_node: int = 10_000_000 * 10**9
    unstake_cooldown_secs: int = 7 * 24 * 3600
    reporter_share_bps: int = 1_000
    # Largest fraction of a node's pool one slash may take (docs/economics.md).
    max_slash_bps: int = 5_000
    # Seconds new stake warms up before it earns (docs/economics.md); the least allowed.
    stake_warmup_secs: int = MIN_STAKE_WARMUP_SECS
    start_timeout_secs: int = 3_600
    complete_grace_secs: int = 3_600
    # After a completion, how long the renter (or node) may dispute before the job settles.
    dispute_window_secs: int = 3_600


@dataclass(frozen=True)
class Programs:
    """The IDL of each program, for building instructions and decoding accounts."""

    rewards: ProgramIdl
    staking: ProgramIdl
    escrow: ProgramIdl
    provenance: ProgramIdl

    @classmethod
    def load(cls, repo_root: Path) -> Programs:
        return cls(*(ProgramIdl.for_program(repo_root, name) for name in ("rewards", "staking", "escrow", "provenance")))


@dataclass(frozen=True)
class Deployment:
    """What bootstrap produced: roles, programs and the mints."""

    roles: Roles
    programs: Programs
    usdc_mint: Pubkey
    usdc_mint_authority: Keypair
    io_mint: Pubkey = RewardsAddresses.io_mint


def create_mint(chain: LocalnetChain, payer: Keypair, authority: Pubkey, decimals: int) -> Pubkey:
    mint = Keypair()
    lamports = chain.rent_exempt_minimum(MINT_SIZE)
    instructions = [
        create_account(
            CreateAccountParams(
                from_pubkey=payer.pubkey(),
                to_pubkey=mint.pubkey(),
                lamports=lamports,
                space=MINT_SIZE,
                owner=TOKEN_PROGRAM_ID,
            )
        ),
        initialize_mint(
            InitializeMintParams(
                decimals=decimals,
                program_id=TOKEN_PROGRAM_ID,
                mint=mint.pubkey(),
                mint_authority=authority,
                freeze_authority=None,
            )
        ),
    ]
    chain.send_instructions(instructions, payer, mint).raise_for_error()
    return mint.pubkey()


def create_token_account(chain: LocalnetChain, payer: Keypair, owner: Pubkey, mint: Pubkey) -> Pubkey:
    """The owner's associated token account for `mint` (created if missing)."""
    instruction = create_idempotent_associated_token_account(payer.pubkey(), owner, mint)
    chain.send_instructions([instruction], payer).raise_for_error()
    return associated_token_address(owner, mint)


def mint_usdc(chain: LocalnetChain, deployment: Deployment, destination: Pubkey, amount: int) -> None:
    authority = deployment.usdc_mint_authority
    params = MintToParams(
        program_id=TOKEN_PROGRAM_ID,
        mint=deployment.usdc_mint,
        dest=destination,
        mint_authority=authority.pubkey(),
        amount=amount,
    )
    chain.send_instructions([mint_to(params)], authority).raise_for_error()


def bootstrap(chain: LocalnetChain, repo_root: Path, roles: Roles, settings: Settings) -> Deployment:
    """Initializes every program. `roles.admin` must be the programs' upgrade authority (the
    key that deployed them): each `initialize` checks it against the program's ProgramData."""
    programs = Programs.load(repo_root)
    admin = roles.admin
    for role in (roles.admin, roles.keeper, roles.slashing_authority, roles.treasury):
        chain.airdrop(role.pubkey(), 1_000 * 10**9).raise_for_error()

    rewards = programs.rewards
    chain.send_instructions(
        [
            rewards.instruction(
                "initialize",
                {"start_ts": settings.emission_start_ts, "keeper_authority": roles.keeper.pubkey()},
                {
                    "admin": admin.pubkey(),
                    "program_data": RewardsAddresses.program_data,
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

    treasury = roles.treasury.pubkey()
    treasury_io = create_token_account(chain, admin, treasury, RewardsAddresses.io_mint)
    chain.send_instructions(
        [
            rewards.instruction(
                "mint_genesis",
                {},
                {
                    "admin": admin.pubkey(),
                    "config": RewardsAddresses.config,
                    "io_mint": RewardsAddresses.io_mint,
                    "mint_authority": RewardsAddresses.mint_authority,
                    "destination": treasury_io,
                },
            )
        ],
        admin,
    ).raise_for_error()

    usdc_authority = Keypair()
    chain.airdrop(usdc_authority.pubkey(), 10 * 10**9).raise_for_error()
    usdc_mint = create_mint(chain, admin, usdc_authority.pubkey(), USDC_DECIMALS)
    create_token_account(chain, admin, treasury, usdc_mint)

    chain.send_instructions(
        [
            programs.staking.instruction(
                "initialize",
                {
                    "params": {
                        "slashing_authority": roles.slashing_authority.pubkey(),
                        "max_stake_per_node": settings.max_stake_per_node,
                        "unstake_cooldown_secs": settings.unstake_cooldown_secs,
                        "reporter_share_bps": settings.reporter_share_bps,
                        "max_slash_bps": settings.max_slash_bps,
                        "stake_warmup_secs": settings.stake_warmup_secs,
                    }
                },
                {
                    "admin": admin.pubkey(),
                    "program_data": StakingAddresses.program_data,
                    "config": StakingAddresses.config,
                    "io_mint": RewardsAddresses.io_mint,
                    "stake_vault": StakingAddresses.stake_vault,
                    "staker_reward_vault": StakingAddresses.staker_reward_vault,
                },
            )
        ],
        admin,
    ).raise_for_error()

    chain.send_instructions(
        [
            programs.escrow.instruction(
                "initialize",
                {
                    "params": {
                        "oracle_authority": roles.keeper.pubkey(),
                        "treasury": treasury,
                        "start_timeout_secs": settings.start_timeout_secs,
                        "complete_grace_secs": settings.complete_grace_secs,
                        "dispute_window_secs": settings.dispute_window_secs,
                    }
                },
                {
                    "admin": admin.pubkey(),
                    "program_data": EscrowAddresses.program_data,
                    "config": EscrowAddresses.config,
                    "usdc_mint": usdc_mint,
                    "io_mint": RewardsAddresses.io_mint,
                    "usdc_vault": EscrowAddresses.vault(usdc_mint),
                    "io_vault": EscrowAddresses.vault(RewardsAddresses.io_mint),
                },
            )
        ],
        admin,
    ).raise_for_error()

    chain.send_instructions(
        [
            programs.provenance.instruction(
                "initialize",
                {"keeper_authority": roles.keeper.pubkey()},
                {"admin": admin.pubkey(), "program_data": ProvenanceAddresses.program_data, "config": ProvenanceAddresses.config},
            )
        ],
        admin,
    ).raise_for_error()
    return Deployment(roles, programs, usdc_mint, usdc_authority)
