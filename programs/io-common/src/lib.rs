//! Shared by every IO settlement program: program ids, PDA seeds, the market's economics
//! and the bit-exact emission schedule, and the Merkle hashing rules used by reward roots
//! and provenance batches. The Python keeper mirrors these (see `keeper/constants.py`) and
//! tests compare the two through the IDL constants.
#![cfg_attr(not(test), no_std)]

pub mod economics;
pub mod handover;
pub mod ids;
pub mod layout;
pub mod merkle;
pub mod pda;
pub mod schedule;
pub mod seeds;
