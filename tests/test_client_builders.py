"""Every instruction of the four programs has a builder in keeper.client (the function named
like the instruction in `keeper.client.<program>`), or is in `EXCLUDED` with the reason, and
each builder's accounts are the IDL's: in its order, with its signer and writable flags, its
fixed addresses, the PDAs its seeds give, and the values the caller chose where they belong.
The IDLs are the workspace's real `idl/*.json`."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from solders.instruction import Instruction
from solders.pubkey import Pubkey

from keeper.client.addresses import EscrowAddresses, ProvenanceAddresses, RewardsAddresses, StakingAddresses, associated_token_address
from keeper.client.constants import PROGRAM_NAMES
from keeper.client.idl import ProgramIdl
from keeper.client.models import Receipt

REPO_ROOT = Path(__file__).resolve().parents[1]
IDLS = {name: ProgramIdl.for_program(REPO_ROOT, name) for name in PROGRAM_NAMES}

EXCLUDED: dict[tuple[str, str], str] = {
    ("rewards", "initialize"): "run once by the deployment (keeper/localnet/deployment.py) with its upgrade authority",
    ("staking", "initialize"): "run once by the deployment (keeper/localnet/deployment.py) with its upgrade authority",
    ("escrow", "initialize"): "run once by the deployment (keeper/localnet/deployment.py) with its upgrade authority",
    ("provenance", "initialize"): "run once by the deployment (keeper/localnet/deployment.py) with its upgrade authority",
    ("staking", "deposit_staker_rewards"): "CPI only: rewards.claim calls it signed by the rewards mint authority PDA",
}

# Distinct keys, so that two accounts swapped in a builder cannot go unnoticed.
RENTER, NODE_KEY, OPERATOR, STAKER, ADMIN, AUTHORITY, PAYER, ORACLE, DESTINATION, REPORTER, MINT = (Pubkey.new_unique() for _ in range(11))
NODE = StakingAddresses.node(NODE_KEY)
JOB = EscrowAddresses.job(RENTER, 7)
EVIDENCE = bytes(range(32))
ROOT = bytes(range(1, 33))
RECEIPT = Receipt(job=str(JOB), node=str(NODE), model_hash="01" * 32, input_hash="02" * 32, output_hash="03" * 32, timestamp=1_700_000_000)


@dataclass(frozen=True)
class Case:
    """A builder called with chosen values, and the accounts the caller's values must fill
    (fixed accounts and seed-given PDAs are checked against the IDL itself)."""

    program: str
    instruction: str
    build: Callable[[Any, ProgramIdl], Instruction]
    accounts: Mapping[str, Pubkey | None]
    args: Mapping[str, Any] | None = None


def _io(owner: Pubkey) -> Pubkey:
    return associated_token_address(owner, RewardsAddresses.io_mint)


CASES = [
    # escrow
    Case("escrow", "open_renter_ledger", lambda m, i: m.open_renter_ledger(i, RENTER), {"renter": RENTER}),
    Case(
        "escrow",
        "open_job",
        lambda m, i: m.open_job(i, RENTER, NODE_KEY, 7, 10, 2_000_000, MINT),
        {
            "renter": RENTER,
            "renter_ledger": EscrowAddresses.renter_ledger(RENTER),
            "node": NODE,
            "job": JOB,
            "payment_mint": MINT,
            "escrow_vault": EscrowAddresses.vault(MINT),
            "renter_token_account": associated_token_address(RENTER, MINT),
        },
        {"job_id": 7, "hours_reserved": 10, "price_per_hour": 2_000_000},
    ),
    Case("escrow", "start_job", lambda m, i: m.start_job(i, NODE_KEY, JOB), {"node_key": NODE_KEY, "job": JOB}),
    Case("escrow", "complete_job", lambda m, i: m.complete_job(i, ORACLE, JOB, 3), {"authority": ORACLE, "job": JOB}, {"hours_used": 3}),
    Case(
        "escrow",
        "settle_job",
        lambda m, i: m.settle_job(i, JOB, NODE, RENTER, MINT, OPERATOR, ADMIN, RewardsAddresses.burn_vault),
        {
            "job": JOB,
            "node": NODE,
            "renter": RENTER,
            "escrow_vault": EscrowAddresses.vault(MINT),
            "operator_token_account": associated_token_address(OPERATOR, MINT),
            "treasury_token_account": associated_token_address(ADMIN, MINT),
            "renter_token_account": associated_token_address(RENTER, MINT),
        },
    ),
    *(
        Case(
            "escrow",
            name,
            lambda m, i, name=name: getattr(m, name)(i, RENTER, JOB, MINT, DESTINATION, ADMIN),
            {"renter": RENTER, "job": JOB, "escrow_vault": EscrowAddresses.vault(MINT), "renter_token_account": DESTINATION, "treasury_token_account": ADMIN},
        )
        for name in ("cancel_job", "reclaim_job")
    ),
    Case("escrow", "stop_job", lambda m, i: m.stop_job(i, RENTER, JOB), {"renter": RENTER, "job": JOB}),
    Case("escrow", "dispute_job", lambda m, i: m.dispute_job(i, RENTER, JOB), {"disputer": RENTER, "job": JOB}),
    Case("escrow", "resolve_dispute", lambda m, i: m.resolve_dispute(i, ORACLE, JOB, 2), {"arbiter": ORACLE, "job": JOB}, {"hours_used": 2}),
    Case(
        "escrow",
        "update_config",
        lambda m, i: m.update_config(i, ADMIN, {"treasury": DESTINATION, "paused": True}),
        {"admin": ADMIN},
        {
            "params": {
                "admin": None,
                "oracle_authority": None,
                "treasury": DESTINATION,
                "start_timeout_secs": None,
                "complete_grace_secs": None,
                "dispute_window_secs": None,
                "paused": True,
            }
        },
    ),
    Case("escrow", "accept_authority", lambda m, i: m.accept_authority(i, AUTHORITY), {"new_authority": AUTHORITY}),
    # staking
    Case(
        "staking",
        "register_node",
        lambda m, i: m.register_node(i, OPERATOR, NODE_KEY, "H100", 3, 200, 1_000),
        {"operator": OPERATOR, "node_key": NODE_KEY, "node": NODE},
        {"params": {"gpu_model": "H100", "tier": 3, "staker_share_bps": 200, "token_share_bps": 1_000}},
    ),
    Case("staking", "update_node", lambda m, i: m.update_node(i, OPERATOR, NODE_KEY, {"tier": 4}), {"operator": OPERATOR, "node": NODE}),
    Case("staking", "accept_node_operator", lambda m, i: m.accept_node_operator(i, AUTHORITY, NODE_KEY), {"new_operator": AUTHORITY, "node": NODE}),
    Case(
        "staking",
        "open_stake_position",
        lambda m, i: m.open_stake_position(i, STAKER, NODE),
        {"staker": STAKER, "node": NODE, "position": StakingAddresses.stake_position(NODE, STAKER)},
    ),
    Case(
        "staking",
        "stake",
        lambda m, i: m.stake(i, STAKER, NODE, 5),
        {"staker": STAKER, "node": NODE, "position": StakingAddresses.stake_position(NODE, STAKER), "staker_token_account": _io(STAKER)},
        {"amount": 5},
    ),
    Case(
        "staking",
        "unstake",
        lambda m, i: m.unstake(i, STAKER, NODE, 2**70),
        {"staker": STAKER, "node": NODE, "position": StakingAddresses.stake_position(NODE, STAKER)},
        {"shares": 2**70},
    ),
    Case(
        "staking",
        "withdraw",
        lambda m, i: m.withdraw(i, STAKER, NODE),
        {"staker": STAKER, "node": NODE, "position": StakingAddresses.stake_position(NODE, STAKER), "destination": _io(STAKER)},
    ),
    Case(
        "staking",
        "claim_staker_rewards",
        lambda m, i: m.claim_staker_rewards(i, STAKER, NODE, DESTINATION),
        {"staker": STAKER, "node": NODE, "position": StakingAddresses.stake_position(NODE, STAKER), "destination": DESTINATION},
    ),
    Case(
        "staking",
        "activate_stake",
        lambda m, i: m.activate_stake(i, NODE, StakingAddresses.stake_position(NODE, STAKER)),
        {"node": NODE, "position": StakingAddresses.stake_position(NODE, STAKER)},
    ),
    Case(
        "staking",
        "close_stake_position",
        lambda m, i: m.close_stake_position(i, STAKER, NODE),
        {"staker": STAKER, "node": NODE, "position": StakingAddresses.stake_position(NODE, STAKER)},
    ),
    Case(
        "staking",
        "slash",
        lambda m, i: m.slash(i, AUTHORITY, PAYER, NODE, 500, EVIDENCE, "double-signed", REPORTER),
        {
            "slashing_authority": AUTHORITY,
            "payer": PAYER,
            "node": NODE,
            "slash_record": StakingAddresses.slash_record(EVIDENCE),
            "reporter_token_account": REPORTER,
        },
        {"params": {"fraction_bps": 500, "evidence_hash": list(EVIDENCE), "reason": "double-signed"}},
    ),
    Case(
        "staking",
        "slash",
        lambda m, i: m.slash(i, AUTHORITY, PAYER, NODE, 500, EVIDENCE, "no reporter"),
        # An absent optional account is the program id, as Anchor encodes it.
        {
            "slashing_authority": AUTHORITY,
            "payer": PAYER,
            "node": NODE,
            "slash_record": StakingAddresses.slash_record(EVIDENCE),
            "reporter_token_account": StakingAddresses.program,
        },
    ),
    Case(
        "staking",
        "verify_slash",
        lambda m, i: m.verify_slash(i, EVIDENCE),
        {"slash_record": StakingAddresses.slash_record(EVIDENCE)},
        {"evidence_hash": list(EVIDENCE)},
    ),
    Case(
        "staking",
        "update_config",
        lambda m, i: m.update_config(i, ADMIN, {"max_slash_bps": 1_000, "slashing_authority": AUTHORITY}),
        {"admin": ADMIN},
        {
            "params": {
                "admin": None,
                "slashing_authority": AUTHORITY,
                "max_stake_per_node": None,
                "unstake_cooldown_secs": None,
                "reporter_share_bps": None,
                "max_slash_bps": 1_000,
                "stake_warmup_secs": None,
            }
        },
    ),
    Case("staking", "accept_authority", lambda m, i: m.accept_authority(i, AUTHORITY), {"new_authority": AUTHORITY}),
    # rewards
    Case("rewards", "emit", lambda m, i: m.emit(i, 24), {}, {"max_hours": 24}),
    Case("rewards", "burn", lambda m, i: m.burn(i, 9, PAYER), {"payer": PAYER}, {"epoch": 9}),
    Case(
        "rewards",
        "post_epoch_root",
        lambda m, i: m.post_epoch_root(i, 9, ROOT, 1_000, 3, AUTHORITY),
        {"keeper_authority": AUTHORITY},
        {"epoch": 9, "root": list(ROOT), "total": 1_000, "leaf_count": 3},
    ),
    Case("rewards", "expire_epoch_root", lambda m, i: m.expire_epoch_root(i, 9), {"epoch_root": RewardsAddresses.epoch_root(9)}, {"epoch": 9}),
    Case(
        "rewards",
        "claim",
        lambda m, i: m.claim(i, 9, NODE, 500, [ROOT, EVIDENCE], OPERATOR),
        {
            "epoch_root": RewardsAddresses.epoch_root(9),
            "node": NODE,
            "claim_receipt": RewardsAddresses.claim_receipt(9, NODE),
            "operator_token": _io(OPERATOR),
            "payer": OPERATOR,
        },
        {"epoch": 9, "amount": 500, "proof": [list(ROOT), list(EVIDENCE)]},
    ),
    Case(
        "rewards",
        "claim",
        lambda m, i: m.claim(i, 9, NODE, 500, [], OPERATOR, payer=PAYER, operator_token=DESTINATION),
        {
            "epoch_root": RewardsAddresses.epoch_root(9),
            "node": NODE,
            "claim_receipt": RewardsAddresses.claim_receipt(9, NODE),
            "operator_token": DESTINATION,
            "payer": PAYER,
        },
    ),
    Case(
        "rewards",
        "close_claim_receipt",
        lambda m, i: m.close_claim_receipt(i, 9, NODE, PAYER),
        {"epoch_root": RewardsAddresses.epoch_root(9), "claim_receipt": RewardsAddresses.claim_receipt(9, NODE), "payer": PAYER},
    ),
    Case("rewards", "mint_genesis", lambda m, i: m.mint_genesis(i, ADMIN, DESTINATION), {"admin": ADMIN, "destination": DESTINATION}),
    Case(
        "rewards",
        "update_config",
        lambda m, i: m.update_config(i, ADMIN, new_keeper_authority=AUTHORITY),
        {"admin": ADMIN},
        {"new_admin": None, "new_keeper_authority": AUTHORITY},
    ),
    Case("rewards", "accept_authority", lambda m, i: m.accept_authority(i, AUTHORITY), {"new_authority": AUTHORITY}),
    # provenance
    Case(
        "provenance",
        "record_batch",
        lambda m, i: m.record_batch(i, 4, ROOT, 2, 10, 20, AUTHORITY),
        {"batch": ProvenanceAddresses.batch(4), "keeper_authority": AUTHORITY},
        {"sequence": 4, "root": list(ROOT), "leaf_count": 2, "first_ts": 10, "last_ts": 20},
    ),
    Case("provenance", "verify_receipt", lambda m, i: m.verify_receipt(i, 4, RECEIPT, [ROOT]), {"batch": ProvenanceAddresses.batch(4)}, {"sequence": 4}),
    Case(
        "provenance",
        "update_config",
        lambda m, i: m.update_config(i, ADMIN, new_admin=AUTHORITY),
        {"admin": ADMIN},
        {"new_admin": AUTHORITY, "new_keeper_authority": None},
    ),
    Case("provenance", "accept_authority", lambda m, i: m.accept_authority(i, AUTHORITY), {"new_authority": AUTHORITY}),
]


def _idl_instruction(program: str, name: str) -> dict[str, Any]:
    return next(item for item in IDLS[program].raw["instructions"] if item["name"] == name)


def _seed_pda(pda: Mapping[str, Any], program_id: Pubkey, named: Mapping[str, Pubkey], args: Mapping[str, Any]) -> Pubkey | None:
    """A PDA from the IDL's seeds (constants, other accounts, u64 arguments); None when a seed
    is anything else. Independent of keeper.client.addresses, so a wrong seed there shows."""
    parts: list[bytes] = []
    for seed in pda["seeds"]:
        if seed["kind"] == "const":
            parts.append(bytes(seed["value"]))
        elif seed["kind"] == "account" and seed["path"] in named:
            parts.append(bytes(named[seed["path"]]))
        elif seed["kind"] == "arg" and isinstance(args.get(seed["path"]), int):
            parts.append(int(args[seed["path"]]).to_bytes(8, "little"))
        else:
            return None
    owner = Pubkey.from_bytes(bytes(pda["program"]["value"])) if "program" in pda else program_id
    return Pubkey.find_program_address(parts, owner)[0]


def _plain(value: Any) -> Any:
    """Decoded arguments (construct containers, tuples) as plain values to compare."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items() if not str(key).startswith("_")}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if hasattr(value, "__dict__") and not isinstance(value, Pubkey):
        return {key: _plain(item) for key, item in vars(value).items() if not key.startswith("_")}
    return value


@pytest.mark.parametrize("program", PROGRAM_NAMES)
def test_every_instruction_has_a_builder_or_a_reason(program: str) -> None:
    module = importlib.import_module(f"keeper.client.{program}")
    covered = {case.instruction for case in CASES if case.program == program}
    for item in IDLS[program].raw["instructions"]:
        name = item["name"]
        if (program, name) in EXCLUDED:
            assert not hasattr(module, name) or name not in covered, f"{program}.{name} is both excluded and built"
            continue
        assert callable(getattr(module, name, None)), f"keeper.client.{program} has no builder {name}() and EXCLUDED gives no reason"
        assert name in covered, f"keeper.client.{program}.{name} has no case here"
    names = {item["name"] for item in IDLS[program].raw["instructions"]}
    assert {name for (owner, name) in EXCLUDED if owner == program} <= names, "EXCLUDED names an instruction the IDL no longer has"


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.program}.{case.instruction}")
def test_a_builders_accounts_are_the_idls(case: Case) -> None:
    idl = IDLS[case.program]
    instruction = case.build(importlib.import_module(f"keeper.client.{case.program}"), idl)
    declared = _idl_instruction(case.program, case.instruction)
    assert instruction.program_id == idl.program_id
    assert bytes(instruction.data[:8]) == bytes(declared["discriminator"])
    slots = declared["accounts"]
    assert all("accounts" not in slot for slot in slots), "nested account groups: extend this test"
    assert set(case.accounts) <= {slot["name"] for slot in slots}, "the case names accounts the IDL does not have"
    assert len(instruction.accounts) == len(slots), [meta.pubkey for meta in instruction.accounts]
    got = {slot["name"]: meta.pubkey for slot, meta in zip(slots, instruction.accounts, strict=True)}
    args = _plain(idl.coder.instruction.parse(bytes(instruction.data)).data)
    for slot, meta in zip(slots, instruction.accounts, strict=True):
        name = slot["name"]
        if name in case.accounts:
            expected = case.accounts[name]
        elif "address" in slot:
            expected = Pubkey.from_string(slot["address"])
        elif "pda" in slot:
            expected = _seed_pda(slot["pda"], idl.program_id, got, args)
            assert expected is not None, f"{name}: a PDA of seeds this test cannot resolve; give it in the case"
        else:
            pytest.fail(f"{case.instruction}: the case does not say what {name} should be")
        assert meta.pubkey == expected, f"{case.instruction}.{name}"
        # A PDA the IDL's seeds give must agree with what the caller's values led to.
        if "pda" in slot and name in case.accounts and case.accounts[name] != idl.program_id:
            derived = _seed_pda(slot["pda"], idl.program_id, got, args)
            assert derived in (None, meta.pubkey), f"{case.instruction}.{name}: not the PDA of its IDL seeds"
        optional_absent = slot.get("optional", False) and meta.pubkey == idl.program_id
        assert meta.is_signer == bool(slot.get("signer", False)), f"{case.instruction}.{name} signer"
        assert meta.is_writable == (bool(slot.get("writable", False)) and not optional_absent), f"{case.instruction}.{name} writable"
    if case.args is not None:
        assert {key: args[key] for key in case.args} == _plain(dict(case.args))
