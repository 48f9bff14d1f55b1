//! Program-derived addresses: the fixed ones as compile-time constants, and creation of
//! per-entity ones that survives pre-funding.
//!
//! Checking a singleton (a config, a vault, the IO mint) against a constant here costs a
//! 32-byte comparison; re-deriving it with `seeds` + `bump` costs a 1,500-unit syscall on
//! every instruction. The constants are derived at compile time from `ids` and `seeds`, so
//! they cannot drift from them (tests compare them with `find_program_address`).

use anchor_lang::prelude::*;
use anchor_lang::system_program::{self, Allocate, Assign, CreateAccount, Transfer};

use crate::{ids, seeds};

/// A PDA with its canonical bump, derived at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedPda {
    pub address: Pubkey,
    pub bump: u8,
}

const fn fixed(seeds: &[&[u8]], program: &Pubkey) -> FixedPda {
    let (address, bump) = anchor_lang::derive_program_address(seeds, &program.to_bytes());
    FixedPda { address: Pubkey::new_from_array(address), bump }
}

pub const ESCROW_CONFIG: FixedPda = fixed(&[seeds::CONFIG], &ids::ESCROW);
pub const STAKING_CONFIG: FixedPda = fixed(&[seeds::CONFIG], &ids::STAKING);
pub const STAKE_VAULT: FixedPda = fixed(&[seeds::STAKE_VAULT], &ids::STAKING);
pub const STAKER_REWARD_VAULT: FixedPda = fixed(&[seeds::STAKER_REWARD_VAULT], &ids::STAKING);
pub const REWARDS_CONFIG: FixedPda = fixed(&[seeds::CONFIG], &ids::REWARDS);
pub const EMISSION: FixedPda = fixed(&[seeds::EMISSION], &ids::REWARDS);
pub const BURN_LEDGER: FixedPda = fixed(&[seeds::BURN_LEDGER], &ids::REWARDS);
pub const IO_MINT: FixedPda = fixed(&[seeds::IO_MINT], &ids::REWARDS);
pub const MINT_AUTHORITY: FixedPda = fixed(&[seeds::MINT_AUTHORITY], &ids::REWARDS);
pub const REWARD_VAULT: FixedPda = fixed(&[seeds::REWARD_VAULT], &ids::REWARDS);
pub const BURN_VAULT: FixedPda = fixed(&[seeds::BURN_VAULT], &ids::REWARDS);
pub const PROVENANCE_CONFIG: FixedPda = fixed(&[seeds::CONFIG], &ids::PROVENANCE);

/// Whether `account` is still an empty system account: never created, or only sent lamports.
pub fn is_uncreated(account: &AccountInfo) -> bool {
    account.owner == &system_program::ID && account.data_is_empty()
}

/// Creates the PDA `target` (signed by `signer_seeds`) with `space` bytes owned by `owner`,
/// rent-exempt, `payer` paying what it lacks. The caller checks `is_uncreated` first and
/// returns its own named error when the account exists.
///
/// Anchor 1.2's `init` handles an address that already holds lamports with the System
/// Program's `CreateAccountAllowPrefund`, which runtimes without that instruction refuse:
/// anyone could block a predictable address (a job id, a slash record, a claim receipt) for
/// the price of one transfer. Here a pre-funded PDA is topped up, allocated and assigned,
/// which every runtime accepts; the pre-funded lamports stay with the account.
pub fn create_pda_account<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    space: usize,
    owner: &Pubkey,
    signer_seeds: &[&[u8]],
) -> Result<()> {
    let required = Rent::get()?.minimum_balance(space);
    let signer: &[&[&[u8]]] = &[signer_seeds];
    let system = system_program.key();
    let current = target.lamports();
    if current == 0 {
        let accounts = CreateAccount { from: payer.clone(), to: target.clone() };
        return system_program::create_account(
            CpiContext::new_with_signer(system, accounts, signer),
            required,
            space as u64,
            owner,
        );
    }
    let top_up = required.saturating_sub(current);
    if top_up > 0 {
        let accounts = Transfer { from: payer.clone(), to: target.clone() };
        system_program::transfer(CpiContext::new(system, accounts), top_up)?;
    }
    let accounts = Allocate { account_to_allocate: target.clone() };
    system_program::allocate(CpiContext::new_with_signer(system, accounts, signer), space as u64)?;
    let accounts = Assign { account_to_assign: target.clone() };
    system_program::assign(CpiContext::new_with_signer(system, accounts, signer), owner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_addresses_are_the_canonical_pdas() {
        let cases: [(FixedPda, &[u8], Pubkey); 12] = [
            (ESCROW_CONFIG, seeds::CONFIG, ids::ESCROW),
            (STAKING_CONFIG, seeds::CONFIG, ids::STAKING),
            (STAKE_VAULT, seeds::STAKE_VAULT, ids::STAKING),
            (STAKER_REWARD_VAULT, seeds::STAKER_REWARD_VAULT, ids::STAKING),
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
            let (address, bump) = Pubkey::find_program_address(&[seed], &program);
            assert_eq!((fixed.address, fixed.bump), (address, bump));
        }
    }
}
