"""Every program-derived address of the protocol, derived one way for keeper, tests and explorer.

Seeds come from `keeper.client.constants.Seeds` (mirrored from `io_common::seeds`).
"""

from __future__ import annotations

from solders.pubkey import Pubkey

from keeper.client.constants import ProgramIds, Seeds
from keeper.client.spl import ASSOCIATED_TOKEN_PROGRAM_ID, TOKEN_PROGRAM_ID, associated_token_address

__all__ = [
    "ASSOCIATED_TOKEN_PROGRAM_ID",
    "BPF_LOADER_UPGRADEABLE_ID",
    "TOKEN_PROGRAM_ID",
    "EscrowAddresses",
    "ProvenanceAddresses",
    "RewardsAddresses",
    "StakingAddresses",
    "associated_token_address",
    "program_data_address",
]

BPF_LOADER_UPGRADEABLE_ID = Pubkey.from_string("BPFLoaderUpgradeab1e11111111111111111111111")


def _pda(program: Pubkey, *seeds: bytes) -> Pubkey:
    return Pubkey.find_program_address(list(seeds), program)[0]


def _u64(value: int) -> bytes:
    return value.to_bytes(8, "little")


def program_data_address(program_id: Pubkey) -> Pubkey:
    """A program's ProgramData account (loader-v3): holds its code and its upgrade authority,
    which alone may run the program's `initialize`."""
    return _pda(BPF_LOADER_UPGRADEABLE_ID, bytes(program_id))


class RewardsAddresses:
    program = ProgramIds.REWARDS
    program_data = program_data_address(ProgramIds.REWARDS)
    config = _pda(ProgramIds.REWARDS, Seeds.CONFIG)
    emission = _pda(ProgramIds.REWARDS, Seeds.EMISSION)
    burn_ledger = _pda(ProgramIds.REWARDS, Seeds.BURN_LEDGER)
    mint_authority = _pda(ProgramIds.REWARDS, Seeds.MINT_AUTHORITY)
    io_mint = _pda(ProgramIds.REWARDS, Seeds.IO_MINT)
    reward_vault = _pda(ProgramIds.REWARDS, Seeds.REWARD_VAULT)
    burn_vault = _pda(ProgramIds.REWARDS, Seeds.BURN_VAULT)

    @staticmethod
    def epoch_root(epoch: int) -> Pubkey:
        return _pda(ProgramIds.REWARDS, Seeds.EPOCH, _u64(epoch))

    @staticmethod
    def claim_receipt(epoch: int, node: Pubkey) -> Pubkey:
        return _pda(ProgramIds.REWARDS, Seeds.CLAIM, _u64(epoch), bytes(node))

    @staticmethod
    def burn_epoch(epoch: int) -> Pubkey:
        return _pda(ProgramIds.REWARDS, Seeds.BURN_EPOCH, _u64(epoch))


class StakingAddresses:
    program = ProgramIds.STAKING
    program_data = program_data_address(ProgramIds.STAKING)
    config = _pda(ProgramIds.STAKING, Seeds.CONFIG)
    stake_vault = _pda(ProgramIds.STAKING, Seeds.STAKE_VAULT)
    staker_reward_vault = _pda(ProgramIds.STAKING, Seeds.STAKER_REWARD_VAULT)

    @staticmethod
    def node(node_key: Pubkey) -> Pubkey:
        return _pda(ProgramIds.STAKING, Seeds.NODE, bytes(node_key))

    @staticmethod
    def stake_position(node: Pubkey, staker: Pubkey) -> Pubkey:
        return _pda(ProgramIds.STAKING, Seeds.STAKE, bytes(node), bytes(staker))

    @staticmethod
    def slash_record(evidence_hash: bytes) -> Pubkey:
        """The record of the slash that used `evidence_hash` (one per evidence, ever)."""
        return _pda(ProgramIds.STAKING, Seeds.SLASH, bytes(evidence_hash))


class EscrowAddresses:
    program = ProgramIds.ESCROW
    program_data = program_data_address(ProgramIds.ESCROW)
    config = _pda(ProgramIds.ESCROW, Seeds.CONFIG)

    @staticmethod
    def job(renter: Pubkey, job_id: int) -> Pubkey:
        return _pda(ProgramIds.ESCROW, Seeds.JOB, bytes(renter), _u64(job_id))

    @staticmethod
    def renter_ledger(renter: Pubkey) -> Pubkey:
        return _pda(ProgramIds.ESCROW, Seeds.RENTER, bytes(renter))

    @staticmethod
    def vault(mint: Pubkey) -> Pubkey:
        """The escrow vault holding every open job's deposit in `mint`."""
        return _pda(ProgramIds.ESCROW, Seeds.ESCROW_VAULT, bytes(mint))


class ProvenanceAddresses:
    program = ProgramIds.PROVENANCE
    program_data = program_data_address(ProgramIds.PROVENANCE)
    config = _pda(ProgramIds.PROVENANCE, Seeds.CONFIG)

    @staticmethod
    def batch(sequence: int) -> Pubkey:
        return _pda(ProgramIds.PROVENANCE, Seeds.BATCH, _u64(sequence))
