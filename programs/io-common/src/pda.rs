//! The fixed (singleton) PDAs of the four programs as compile-time constants: one address
//! module for every program.
//!
//! Programs create these accounts with Anchor's `init` + `seeds` + `bump` (their own) and
//! afterwards check them with `address = io_common::pda::NAME @ Error`: a 32-byte comparison,
//! where re-deriving with `seeds` + `bump` costs a 1,500-unit `create_program_address` on every
//! instruction. The `address` form also puts the address in the IDL, so clients need not pass
//! it. `NAME_BUMP` is the canonical bump, for signing as a PDA whose account holds no data (the
//! rewards mint authority) or is not loaded. Both are derived at compile time from `ids` and
//! `seeds`, so they cannot drift from them (a test compares them with `find_program_address`).
//!
//! Per-entity PDAs (jobs, nodes, stake positions, epochs, batches) are created with `init` +
//! `seeds` + `bump`, storing the bump in the account. Later instructions check the address with
//! [`is_program_address!`](crate::is_program_address) over the same seeds and the stored bump: what Anchor's `seeds` +
//! `bump = x.bump` checks, for one `sol_sha256` (~200 units) instead of `create_program_address`
//! (1,500), which the compute budgets cannot afford once or more per instruction.

use anchor_lang::prelude::*;
use anchor_lang::system_program::{self, CreateAccount, CreateAccountAllowPrefund};
use solana_sha256_hasher::hashv;

use crate::{ids, seeds};

const fn address(seeds: &[&[u8]], program: &Pubkey) -> Pubkey {
    Pubkey::new_from_array(anchor_lang::derive_program_address(seeds, &program.to_bytes()).0)
}

const fn bump(seeds: &[&[u8]], program: &Pubkey) -> u8 {
    anchor_lang::derive_program_address(seeds, &program.to_bytes()).1
}

// escrow
pub const ESCROW_CONFIG: Pubkey = address(&[seeds::CONFIG], &ids::ESCROW);
/// The escrow config signs for the escrow vaults (their token authority).
pub const ESCROW_CONFIG_BUMP: u8 = bump(&[seeds::CONFIG], &ids::ESCROW);

// staking
pub const STAKING_CONFIG: Pubkey = address(&[seeds::CONFIG], &ids::STAKING);
/// The staking config signs for the stake and staker-reward vaults (their token authority).
pub const STAKING_CONFIG_BUMP: u8 = bump(&[seeds::CONFIG], &ids::STAKING);
pub const STAKE_VAULT: Pubkey = address(&[seeds::STAKE_VAULT], &ids::STAKING);
pub const STAKER_REWARD_VAULT: Pubkey = address(&[seeds::STAKER_REWARD_VAULT], &ids::STAKING);

// rewards
pub const REWARDS_CONFIG: Pubkey = address(&[seeds::CONFIG], &ids::REWARDS);
pub const EMISSION: Pubkey = address(&[seeds::EMISSION], &ids::REWARDS);
pub const BURN_LEDGER: Pubkey = address(&[seeds::BURN_LEDGER], &ids::REWARDS);
pub const IO_MINT: Pubkey = address(&[seeds::IO_MINT], &ids::REWARDS);
pub const MINT_AUTHORITY: Pubkey = address(&[seeds::MINT_AUTHORITY], &ids::REWARDS);
/// The mint authority holds no data, so its bump lives here (and in the rewards config).
pub const MINT_AUTHORITY_BUMP: u8 = bump(&[seeds::MINT_AUTHORITY], &ids::REWARDS);
pub const REWARD_VAULT: Pubkey = address(&[seeds::REWARD_VAULT], &ids::REWARDS);
pub const BURN_VAULT: Pubkey = address(&[seeds::BURN_VAULT], &ids::REWARDS);

// provenance
pub const PROVENANCE_CONFIG: Pubkey = address(&[seeds::CONFIG], &ids::PROVENANCE);

/// Suffix of every program-address hash.
pub const PDA_MARKER: &[u8] = b"ProgramDerivedAddress";
/// Most seeds (bump included) `canonical_bump` takes: the programs' PDAs have at most four
/// (`[STAKE, node, staker, bump]`); `create_program_address` allows 16.
#[cfg_attr(not(target_os = "solana"), allow(dead_code))]
const MAX_SEEDS: usize = 6;

/// `is_program_address!(address, [seed, …, &[bump]], program)`: whether `address` is the program
/// address of the seeds (the last one the bump) under `program`, i.e.
/// `sha256(seeds ‖ program ‖ "ProgramDerivedAddress") == address`, the hash
/// `create_program_address` computes. Its curve check is not needed to recognize an existing
/// account: only a program-signed `init` creates an account at an off-curve address, and no other
/// address matches the hash. A macro, so the parts are one array literal (no copying into a
/// buffer: ~100 units less a check than a function taking a seed slice).
#[macro_export]
macro_rules! is_program_address {
    ($address:expr, [$($seed:expr),+ $(,)?], $program:expr $(,)?) => {
        $crate::pda::hashes_to(
            &[$($seed,)+ AsRef::<[u8]>::as_ref(&$program), $crate::pda::PDA_MARKER],
            $address,
        )
    };
}

/// Whether `sha256(parts) == address` (see [`is_program_address!`](crate::is_program_address)).
pub fn hashes_to(parts: &[&[u8]], address: &Pubkey) -> bool {
    hashv(parts).to_bytes() == address.to_bytes()
}

/// The bump with which `address` is the canonical program address of `seeds` under `program`,
/// or `None` if it is not (another address, or these seeds with a lower, non-canonical bump):
/// the answer `find_program_address` gives, which costs 1,500 units per bump tried. Here a bump
/// costs one `sol_sha256` and, above the answer, one `sol_curve_validate_point` (~350 units a
/// step). The returned bump is not curve-checked: the caller signs with it, and the runtime
/// refuses signer seeds whose hash lies on the curve.
#[cfg(target_os = "solana")]
pub fn canonical_bump(seeds: &[&[u8]], address: &Pubkey, program: &Pubkey) -> Option<u8> {
    if seeds.len() >= MAX_SEEDS {
        return None;
    }
    for bump in (0..=u8::MAX).rev() {
        let bump_seed = [bump];
        let mut parts: [&[u8]; MAX_SEEDS + 2] = [&[]; MAX_SEEDS + 2];
        parts[..seeds.len()].copy_from_slice(seeds);
        parts[seeds.len()] = &bump_seed;
        parts[seeds.len() + 1] = program.as_ref();
        parts[seeds.len() + 2] = PDA_MARKER;
        let hash = hashv(&parts[..seeds.len() + 3]).to_bytes();
        if hash == address.to_bytes() {
            return Some(bump);
        }
        if !is_on_curve(&hash) {
            // A higher bump already gives a program address: that one is canonical.
            return None;
        }
    }
    None
}

#[cfg(target_os = "solana")]
fn is_on_curve(bytes: &[u8; 32]) -> bool {
    extern "C" {
        fn sol_curve_validate_point(curve_id: u64, point: *const u8, result: *mut u8) -> u64;
    }
    /// `CURVE25519_EDWARDS` of the curve25519 syscalls.
    const CURVE25519_EDWARDS: u64 = 0;
    let mut unused = 0u8;
    // SAFETY: reads 32 bytes; returns 0 exactly when they decompress to an Edwards point (the
    // test the runtime applies to a program address).
    unsafe { sol_curve_validate_point(CURVE25519_EDWARDS, bytes.as_ptr(), &mut unused) == 0 }
}

/// Creates the program account `target` (signed by `signer_seeds`, the bump included) with
/// `space` bytes owned by `owner`, rent-exempt, `payer` paying what the address lacks: what
/// Anchor's `init` does (`CreateAccount`, or `CreateAccountAllowPrefund` where someone sent
/// lamports first). An address that already holds an account is refused by the System Program
/// (already in use), as with `init`. For the accounts whose canonical bump is confirmed with
/// [`canonical_bump`] instead of `find_program_address` (see where it is used).
pub fn create_account<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    signer_seeds: &[&[u8]],
    space: usize,
    owner: &Pubkey,
) -> Result<()> {
    let rent = Rent::get()?.minimum_balance(space);
    let signer: &[&[&[u8]]] = &[signer_seeds];
    let system = system_program.key();
    let prefunded = target.lamports();
    if prefunded == 0 {
        let accounts = CreateAccount {
            from: payer.clone(),
            to: target.clone(),
        };
        return system_program::create_account(
            CpiContext::new_with_signer(system, accounts, signer),
            rent,
            space as u64,
            owner,
        );
    }
    let accounts = CreateAccountAllowPrefund {
        from: payer.clone(),
        to: target.clone(),
    };
    system_program::create_account_allow_prefund(
        CpiContext::new_with_signer(system, accounts, signer),
        rent.saturating_sub(prefunded),
        space as u64,
        owner,
    )
}

/// Off-chain builds (unit tests, IDL generation) have no syscalls: the SDK's derivation.
#[cfg(not(target_os = "solana"))]
pub fn canonical_bump(seeds: &[&[u8]], address: &Pubkey, program: &Pubkey) -> Option<u8> {
    let (canonical, bump) = Pubkey::find_program_address(seeds, program);
    (canonical == *address).then_some(bump)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_addresses_are_the_canonical_pdas() {
        let cases: [(Pubkey, &[u8], Pubkey); 12] = [
            (ESCROW_CONFIG, seeds::CONFIG, ids::ESCROW),
            (STAKING_CONFIG, seeds::CONFIG, ids::STAKING),
            (STAKE_VAULT, seeds::STAKE_VAULT, ids::STAKING),
            (
                STAKER_REWARD_VAULT,
                seeds::STAKER_REWARD_VAULT,
                ids::STAKING,
            ),
            (REWARDS_CONFIG, seeds::CONFIG, ids::REWARDS),
            (EMISSION, seeds::EMISSION, ids::REWARDS),
            (BURN_LEDGER, seeds::BURN_LEDGER, ids::REWARDS),
            (IO_MINT, seeds::IO_MINT, ids::REWARDS),
            (MINT_AUTHORITY, seeds::MINT_AUTHORITY, ids::REWARDS),
            (REWARD_VAULT, seeds::REWARD_VAULT, ids::REWARDS),
            (BURN_VAULT, seeds::BURN_VAULT, ids::REWARDS),
            (PROVENANCE_CONFIG, seeds::CONFIG, ids::PROVENANCE),
        ];
        for (fixed, seed, program) in cases {
            assert_eq!(fixed, Pubkey::find_program_address(&[seed], &program).0);
        }
        let (_, mint_authority_bump) =
            Pubkey::find_program_address(&[seeds::MINT_AUTHORITY], &ids::REWARDS);
        assert_eq!(MINT_AUTHORITY_BUMP, mint_authority_bump);
    }

    #[test]
    fn is_program_address_agrees_with_create_program_address() {
        let program = ids::ESCROW;
        for id in 0u64..64 {
            let renter = Pubkey::new_from_array([id as u8; 32]);
            let job_id = id.to_le_bytes();
            let (job, bump) =
                Pubkey::find_program_address(&[seeds::JOB, renter.as_ref(), &job_id], &program);
            assert!(crate::is_program_address!(
                &job,
                [seeds::JOB, renter.as_ref(), &job_id, &[bump]],
                program
            ));
            // Another bump, seed, program or address does not match.
            for other in (0..=u8::MAX).filter(|other| *other != bump) {
                let seeds: [&[u8]; 4] = [seeds::JOB, renter.as_ref(), &job_id, &[other]];
                assert!(!crate::is_program_address!(
                    &job,
                    [seeds[0], seeds[1], seeds[2], seeds[3]],
                    program
                ));
                if let Ok(address) = Pubkey::create_program_address(&seeds, &program) {
                    assert!(crate::is_program_address!(
                        &address,
                        [seeds[0], seeds[1], seeds[2], seeds[3]],
                        program
                    ));
                }
            }
            let seeds: [&[u8]; 4] = [seeds::JOB, renter.as_ref(), &job_id, &[bump]];
            assert!(!crate::is_program_address!(
                &job,
                [seeds[0], seeds[1], seeds[2], seeds[3]],
                ids::STAKING
            ));
            assert!(!crate::is_program_address!(
                &Pubkey::new_unique(),
                [seeds[0], seeds[1], seeds[2], seeds[3]],
                program
            ));
        }
    }
}
