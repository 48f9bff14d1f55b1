"""The SDK's one account decoder (keeper.client.layout, what ProgramIdl.decode_account uses)
equals anchorpy's IDL coder on every account a chain holds after every instruction of the
four programs has run: field for field, as Python values and as the explorer's JSON."""

from __future__ import annotations

from pathlib import Path

from anchorpy.coder.coder import Coder

from keeper.client.idl import ProgramIdl
from keeper.localnet.launch import DeployedNode
from keeper.localnet.remote import LocalnetChain
from tests.anchor_reference import plain, to_json
from tests.programs.typical import PROGRAMS, run_typical_calls

EVERY_ACCOUNT_TYPE = {
    "EscrowConfig",
    "Job",
    "RenterLedger",
    "StakingConfig",
    "Node",
    "StakePosition",
    "SlashRecord",
    "RewardsConfig",
    "EmissionState",
    "Epoch",
    "ClaimReceipt",
    "BurnLedger",
    "BurnEpoch",
    "ProvenanceConfig",
    "Batch",
}


def test_the_decoder_equals_the_idl_coder_on_every_account(repo_root: Path, program_node: DeployedNode) -> None:
    run_typical_calls(repo_root, program_node)
    chain = LocalnetChain(program_node.node.url, manual_clock=True)
    seen: dict[str, int] = {}
    try:
        for name in PROGRAMS:
            idl = ProgramIdl.for_program(repo_root, name)
            reference = Coder(idl.idl)
            for address, account in chain.accounts_owned_by(idl.program_id):
                data = bytes(account.data)
                if data[:8] not in reference.accounts.discriminator_to_acc_name:
                    continue  # the program's ProgramData and the like: not an account type of the IDL
                expected = reference.accounts.decode(data)
                decoded = idl.decode_account(data)
                assert decoded.name == reference.accounts.discriminator_to_acc_name[data[:8]]
                assert plain(decoded.data) == plain(expected), (name, decoded.name, str(address))
                assert idl.account_json(decoded.name, data) == to_json(expected), (name, decoded.name, str(address))
                seen[decoded.name] = seen.get(decoded.name, 0) + 1
    finally:
        chain.close()
    assert EVERY_ACCOUNT_TYPE <= set(seen), f"account types not met: {sorted(EVERY_ACCOUNT_TYPE - set(seen))}"
