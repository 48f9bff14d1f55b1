//! Where the staking program's accounts live, checked without re-deriving them.
//!
//! - The fixed PDAs (config, the two vaults) and the rewards program's keys that staking
//!   trusts are compile-time constants from `io_common::pda`: checking an account against
//!   one is a 32-byte comparison, where `seeds` + `bump` costs a 1,500-unit syscall.
//! - Per-entity accounts this program created (nodes, stake positions) are authenticated by
//!   owner + discriminator (`Account<T>`) and their stored relations (`has_one`); see
//!   [`crate::state::Node`] and [`crate::state::StakePosition`].
//! - Only creating a per-entity PDA needs its canonical bump: [`canonical_bump`] confirms a
//!   given address for about a tenth of `find_program_address`'s cost.

use anchor_lang::prelude::*;
use io_common::{pda, seeds};

/// The staking config, PDA `[CONFIG]`.
pub const CONFIG: Pubkey = pda::STAKING_CONFIG.address;
/// All staked IO, PDA `[STAKE_VAULT]` (token account owned by the config).
pub const STAKE_VAULT: Pubkey = pda::STAKE_VAULT.address;
/// Staker rewards until claimed, PDA `[STAKER_REWARD_VAULT]` (owned by the config).
pub const STAKER_REWARD_VAULT: Pubkey = pda::STAKER_REWARD_VAULT.address;
/// The IO mint: the rewards program's PDA `[IO_MINT]`.
pub const IO_MINT: Pubkey = pda::IO_MINT.address;
/// The rewards program's PDA `[MINT_AUTHORITY]`: the only signer of `deposit_staker_rewards`.
pub const REWARDS_AUTHORITY: Pubkey = pda::MINT_AUTHORITY.address;
/// The rewards program's PDA `[BURN_VAULT]`: where slashed IO goes.
pub const BURN_VAULT: Pubkey = pda::BURN_VAULT.address;

/// Signer seeds of the config PDA (authority of both vaults).
pub const CONFIG_SIGNER_SEEDS: &[&[u8]] = &[seeds::CONFIG, &[pda::STAKING_CONFIG.bump]];

/// `"ProgramDerivedAddress"`, the suffix of every PDA hash.
#[cfg(target_os = "solana")]
const PDA_MARKER: &[u8] = b"ProgramDerivedAddress";
/// Seeds (before the bump) of the PDAs this program creates: at most `[STAKE, node, staker]`.
const MAX_SEEDS: usize = 3;

/// The bump with which `address` is the canonical PDA of `seeds` under this program, or
/// `None` if it is not (another address, or the same seeds with a non-canonical bump).
///
/// Same answer as comparing `address` with `Pubkey::find_program_address(seeds, &crate::ID)`,
/// whose syscall costs 1,500 units per bump tried (255, 254, … until the first address off
/// the ed25519 curve). Here each bump costs one `sol_sha256` (~165 units) and, for bumps
/// above the answer, one `sol_curve_validate_point` (159 units): bump 255 costs ~200 units,
/// each step lower ~350. The bump returned for a match is not curve-checked here: the
/// caller signs with it (`invoke_signed`), and the runtime refuses signer seeds whose hash
/// lies on the curve, so an on-curve `address` can never be created.
#[cfg(target_os = "solana")]
pub fn canonical_bump(seeds: &[&[u8]], address: &Pubkey) -> Option<u8> {
    assert!(seeds.len() <= MAX_SEEDS);
    let program_id = crate::ID;
    let target = address.to_bytes();
    for bump in (0..=u8::MAX).rev() {
        let bump_seed = [bump];
        let mut parts: [&[u8]; MAX_SEEDS + 3] = [&[]; MAX_SEEDS + 3];
        parts[..seeds.len()].copy_from_slice(seeds);
        parts[seeds.len()] = &bump_seed;
        parts[seeds.len() + 1] = program_id.as_ref();
        parts[seeds.len() + 2] = PDA_MARKER;
        let hash = sha256(&parts[..seeds.len() + 3]);
        if hash == target {
            return Some(bump);
        }
        if !is_on_curve(&hash) {
            // A higher bump already gives a valid PDA: that one is canonical, not `address`.
            return None;
        }
    }
    None
}

#[cfg(target_os = "solana")]
mod syscalls {
    extern "C" {
        pub fn sol_sha256(vals: *const u8, val_len: u64, hash_result: *mut u8) -> u64;
        pub fn sol_curve_validate_point(
            curve_id: u64,
            point_addr: *const u8,
            result: *mut u8,
        ) -> u64;
    }
    /// `CURVE25519_EDWARDS` of the curve25519 syscalls.
    pub const CURVE25519_EDWARDS: u64 = 0;
}

#[cfg(target_os = "solana")]
fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hash = [0u8; 32];
    // SAFETY: `parts` is an array of (pointer, length) slices, the layout sol_sha256 reads;
    // it writes exactly 32 bytes.
    unsafe {
        syscalls::sol_sha256(
            parts as *const _ as *const u8,
            parts.len() as u64,
            hash.as_mut_ptr(),
        );
    }
    hash
}

#[cfg(target_os = "solana")]
fn is_on_curve(bytes: &[u8; 32]) -> bool {
    let mut unused = 0u8;
    // SAFETY: reads 32 bytes; returns 0 exactly when they decompress to an Edwards point
    // (the same test the runtime applies to a PDA).
    unsafe {
        syscalls::sol_curve_validate_point(
            syscalls::CURVE25519_EDWARDS,
            bytes.as_ptr(),
            &mut unused,
        ) == 0
    }
}

/// Off-chain builds (unit tests, IDL generation) have no syscalls: the SDK's derivation.
#[cfg(not(target_os = "solana"))]
pub fn canonical_bump(seeds: &[&[u8]], address: &Pubkey) -> Option<u8> {
    assert!(seeds.len() <= MAX_SEEDS);
    let (canonical, bump) = Pubkey::find_program_address(seeds, &crate::ID);
    (canonical == *address).then_some(bump)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_addresses_are_the_canonical_pdas() {
        let config = Pubkey::find_program_address(&[seeds::CONFIG], &crate::ID);
        assert_eq!((CONFIG, CONFIG_SIGNER_SEEDS[1][0]), config);
        assert_eq!(
            STAKE_VAULT,
            Pubkey::find_program_address(&[seeds::STAKE_VAULT], &crate::ID).0
        );
        assert_eq!(
            STAKER_REWARD_VAULT,
            Pubkey::find_program_address(&[seeds::STAKER_REWARD_VAULT], &crate::ID).0
        );
        let rewards = io_common::ids::REWARDS;
        assert_eq!(
            IO_MINT,
            Pubkey::find_program_address(&[seeds::IO_MINT], &rewards).0
        );
        assert_eq!(
            REWARDS_AUTHORITY,
            Pubkey::find_program_address(&[seeds::MINT_AUTHORITY], &rewards).0
        );
        assert_eq!(
            BURN_VAULT,
            Pubkey::find_program_address(&[seeds::BURN_VAULT], &rewards).0
        );
    }
}
