"""Bringing a new localnet up: keys in the state directory, then the bootstrap steps.

Every step is transactions sent to the node through `context.chain`: SOL for the named
keys, the workspace programs deployed through the upgradeable loader (the admin key pays
and is their upgrade authority), then the protocol's own set-up from the IDLs.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from keeper.client.keys import load_or_create_keypair, write_keypair
from keeper.localnet.deploy import ProgramSpec, deploy_workspace, workspace_programs
from keeper.localnet.remote import LocalnetChain

log = logging.getLogger(__name__)


@dataclass
class BootstrapContext:
    chain: LocalnetChain
    state_dir: Path
    repo_root: Path
    # Filled by DeployPrograms.
    loaded_programs: list[ProgramSpec] = field(default_factory=list)
    # Addresses a step wants published in the manifest (e.g. "io_mint"), by name.
    published: dict[str, Pubkey] = field(default_factory=dict)
    # Numbers a step wants published (e.g. "emission_start_ts"), by name.
    published_settings: dict[str, int] = field(default_factory=dict)

    def keypair(self, name: str) -> Keypair:
        """A named key of this localnet (e.g. "admin"), kept in <state-dir>/keys/<name>.json."""
        return load_or_create_keypair(self.state_dir / "keys" / f"{name}.json")


class BootstrapStep(Protocol):
    @property
    def name(self) -> str: ...

    def run(self, context: BootstrapContext) -> None: ...


@dataclass(frozen=True)
class FundKeys:
    """Gives the named localnet keys SOL to pay fees and rent with."""

    key_names: tuple[str, ...] = ("admin", "keeper")
    lamports: int = 1_000 * 1_000_000_000
    name: str = "fund-keys"

    def run(self, context: BootstrapContext) -> None:
        for key_name in self.key_names:
            address = context.keypair(key_name).pubkey()
            context.chain.airdrop(address, self.lamports)
            context.published[key_name] = address


@dataclass(frozen=True)
class DeployPrograms:
    """Deploys every built workspace program with the admin key as its upgrade authority.

    Programs not built yet are skipped with a warning unless `require_all` is set, so the
    localnet is usable while the programs are still being written.
    """

    require_all: bool = False
    name: str = "deploy-programs"

    def run(self, context: BootstrapContext) -> None:
        specs = workspace_programs(context.repo_root)
        built = [spec for spec in specs if spec.so_path.is_file()]
        for spec in specs:
            if spec not in built:
                if self.require_all:
                    raise FileNotFoundError(f"program {spec.name} is not built: {spec.so_path} missing (run scripts/build-sbf)")
                log.warning("program %s not deployed: %s does not exist", spec.name, spec.so_path)
        admin = context.keypair("admin")
        deploy_workspace(context.chain, admin, admin, context.repo_root, built)
        context.loaded_programs = built


ROLE_NAMES: tuple[str, ...] = ("admin", "keeper", "slashing_authority", "treasury")
PROTOCOL_PROGRAMS: frozenset[str] = frozenset({"rewards", "staking", "escrow", "provenance"})


@dataclass(frozen=True)
class DeployProtocol:
    """Runs `keeper.localnet.deployment.bootstrap` with the localnet's named keys.

    The IO mint + genesis (to the treasury), a USDC mint (its authority kept as
    keys/usdc_mint_authority.json so wallets can be funded), and the four configs. Skipped,
    with a warning, when one of the programs is not built.
    """

    dispute_window_secs: int = 60
    name: str = "deploy-protocol"

    def run(self, context: BootstrapContext) -> None:
        from keeper.client.addresses import (
            EscrowAddresses,
            ProvenanceAddresses,
            RewardsAddresses,
            StakingAddresses,
            associated_token_address,
        )
        from keeper.localnet.deployment import Roles, Settings, bootstrap

        loaded = {spec.name for spec in context.loaded_programs}
        missing = sorted(PROTOCOL_PROGRAMS - loaded)
        if missing:
            log.warning("protocol not deployed: programs %s are not built", ", ".join(missing))
            return
        roles = Roles(*(context.keypair(name) for name in ROLE_NAMES))
        settings = Settings(emission_start_ts=context.chain.unix_timestamp, dispute_window_secs=self.dispute_window_secs)
        deployment = bootstrap(context.chain, context.repo_root, roles, settings)
        write_keypair(context.state_dir / "keys" / "usdc_mint_authority.json", deployment.usdc_mint_authority)
        treasury = roles.treasury.pubkey()
        context.published.update(
            {
                **{name: getattr(roles, name).pubkey() for name in ROLE_NAMES},
                "usdc_mint_authority": deployment.usdc_mint_authority.pubkey(),
                "io_mint": deployment.io_mint,
                "usdc_mint": deployment.usdc_mint,
                "treasury_io": associated_token_address(treasury, deployment.io_mint),
                "treasury_usdc": associated_token_address(treasury, deployment.usdc_mint),
                "rewards_config": RewardsAddresses.config,
                "emission": RewardsAddresses.emission,
                "burn_ledger": RewardsAddresses.burn_ledger,
                "mint_authority": RewardsAddresses.mint_authority,
                "reward_vault": RewardsAddresses.reward_vault,
                "burn_vault": RewardsAddresses.burn_vault,
                "staking_config": StakingAddresses.config,
                "stake_vault": StakingAddresses.stake_vault,
                "staker_reward_vault": StakingAddresses.staker_reward_vault,
                "escrow_config": EscrowAddresses.config,
                "provenance_config": ProvenanceAddresses.config,
            }
        )
        context.published_settings["emission_start_ts"] = context.chain.unix_timestamp


def bootstrap_steps(*, require_programs: bool = False, dispute_window_secs: int = 60) -> list[BootstrapStep]:
    """What runs at start, in order: SOL for the named keys, the programs, the protocol's set-up."""
    return [FundKeys(), DeployPrograms(require_all=require_programs), DeployProtocol(dispute_window_secs)]


def write_manifest(context: BootstrapContext, rpc_url: str, faucet: Pubkey) -> Path:
    """<state-dir>/localnet.json: how to reach this localnet and what is on it."""
    manifest = {
        "rpc_url": rpc_url,
        "genesis_hash": context.chain.call("getGenesisHash"),
        "agave_version": context.chain.version(),
        "faucet": str(faucet),
        "programs": {spec.name: str(spec.program_id) for spec in context.loaded_programs},
        "addresses": {name: str(address) for name, address in context.published.items()},
        "settings": dict(context.published_settings),
        "keys_dir": str(context.state_dir / "keys"),
    }
    path = context.state_dir / "localnet.json"
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return path


def run_bootstrap(context: BootstrapContext, steps: list[BootstrapStep]) -> None:
    for step in steps:
        log.info("bootstrap: %s", step.name)
        step.run(context)
