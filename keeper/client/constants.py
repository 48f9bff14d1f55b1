"""The protocol's numbers, seeds and program ids, mirrored from `programs/io-common`.

Rust (`io_common`) is the source of truth. Each language keeps exactly one copy, and
`tests/test_constants_mirror.py` parses the Rust sources and checks every value here
against them, so a change on one side without the other fails the tests.

Names match the Rust constants one to one: module-level names mirror `economics.rs` and
`schedule.rs`; `Seeds` mirrors `seeds.rs`; `ProgramIds` mirrors `ids.rs`.
"""

from __future__ import annotations

from typing import Final

from solders.pubkey import Pubkey

# --- economics.rs ------------------------------------------------------------------------
BPS_DENOMINATOR: Final = 10_000

IO_DECIMALS: Final = 9
IO_UNIT: Final = 1_000_000_000
IO_MAX_SUPPLY: Final = 800_000_000 * IO_UNIT
IO_GENESIS_SUPPLY: Final = 500_000_000 * IO_UNIT
IO_EMISSION_SUPPLY: Final = 300_000_000 * IO_UNIT

FACILITATION_FEE_BPS: Final = 200
RESERVATION_FEE_BPS: Final = 25
NETWORK_FEE_BPS: Final = 500
MIN_STAKER_SHARE_BPS: Final = 100
MAX_STAKER_SHARE_BPS: Final = 300
# staking::state::MAX_GPU_MODEL_LEN (bytes of a node's GPU model name).
MAX_GPU_MODEL_LEN: Final = 32

SECONDS_PER_HOUR: Final = 3_600
HOURS_PER_MONTH: Final = 730
HOURS_PER_YEAR: Final = 8_760

# The stakers' part of an epoch's claim reaches them only within this long after the epoch ended.
STAKER_REWARD_WINDOW_SECS: Final = 48 * 3_600
# Bounds of the staking config's stake warm-up (new stake earns nothing until it has passed).
MIN_STAKE_WARMUP_SECS: Final = STAKER_REWARD_WINDOW_SECS + SECONDS_PER_HOUR + 1
MAX_STAKE_WARMUP_SECS: Final = 30 * 24 * 3_600

# --- schedule.rs -------------------------------------------------------------------------
INITIAL_RATE: Final = 80_000_000_000_000_000
RATE_SCALE: Final = 1_000_000_000_000_000_000
MONTHLY_DECAY_NUMERATOR: Final = 9_898
MONTHLY_DECAY_DENOMINATOR: Final = 10_000
MONTHS_PER_YEAR: Final = 12
LAST_PAYING_MONTH: Final = 243
LAST_PAYING_HOUR: Final = 178_119

# --- the programs' own (not io-common); tests/test_constants_mirror.py checks these too ----
# rewards::EPOCH_CLAIM_WINDOW_SECS (also in its IDL's constants): an epoch's rewards can be
# claimed this long after its root is posted.
EPOCH_CLAIM_WINDOW_SECS: Final = 90 * 24 * 3_600
# rewards::state::MAX_EMIT_HOURS: the most hours one `emit` may pay.
MAX_EMIT_HOURS: Final = 168
# escrow::state::DISPUTE_RESOLUTION_SECS: an undecided dispute settles on the reported hours after it.
DISPUTE_RESOLUTION_SECS: Final = 7 * 24 * 3_600
# escrow::state::JobStatus, each variant's Borsh ordinal (the byte a memcmp filter compares).
JOB_STATUS: Final = {"Open": 0, "Started": 1, "Completed": 2, "Disputed": 3}
# The workspace's programs (programs/<name>, idl/<name>.json), in the order they are set up.
PROGRAM_NAMES: Final = ("rewards", "staking", "escrow", "provenance")


class Seeds:
    """PDA seeds (`io_common::seeds`)."""

    CONFIG: Final = b"config"
    # escrow
    JOB: Final = b"job"
    ESCROW_VAULT: Final = b"escrow_vault"
    RENTER: Final = b"renter"
    # staking
    NODE: Final = b"node"
    STAKE: Final = b"stake"
    STAKE_VAULT: Final = b"stake_vault"
    STAKER_REWARD_VAULT: Final = b"staker_reward_vault"
    SLASH: Final = b"slash"
    # rewards
    IO_MINT: Final = b"io_mint"
    MINT_AUTHORITY: Final = b"mint_authority"
    EMISSION: Final = b"emission"
    REWARD_VAULT: Final = b"reward_vault"
    BURN_VAULT: Final = b"burn_vault"
    BURN_LEDGER: Final = b"burn_ledger"
    BURN_EPOCH: Final = b"burn_epoch"
    EPOCH: Final = b"epoch"
    CLAIM: Final = b"claim"
    # provenance
    BATCH: Final = b"batch"


class ProgramIds:
    """Program ids (`io_common::ids`); also listed in Anchor.toml [programs.localnet]."""

    ESCROW: Final = Pubkey.from_string("E491SwqM2vr41jAyWrJGQCk4hgB45HVf5vDMqvrZZuQc")
    STAKING: Final = Pubkey.from_string("2HGoJbbsdN93VNGUFhGjmKSs5ArWpmedAGsuh73M19TL")
    REWARDS: Final = Pubkey.from_string("B7jphsoNzWi1Y1oykBm4gA5W8KXDbKUA8spAbqjWg9cs")
    PROVENANCE: Final = Pubkey.from_string("HcDV1UaandWxUnR3Dvp9aM195mpvNofpv5B24V3VtUFd")
