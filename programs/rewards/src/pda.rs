//! Creating per-epoch PDAs (epoch roots) by hand instead of with Anchor's `init`:
//!
//! - An existing account is reported with a named error (`EpochAlreadyPosted`) instead of
//!   the system program's anonymous failure.
//! - A PDA that someone funded in advance is still created. Anchor 1.2's `init` handles a
//!   prefunded address with the system program's `CreateAccountAllowPrefund`, which the
//!   runtime rejects (InvalidInstructionData) where that instruction is not enabled, so a
//!   stranger could block an epoch's root (claim receipts and burn epochs still use `init`) for the
//!   price of one rent-exempt transfer. Here a prefunded PDA is topped up, allocated and
//!   assigned, which every runtime accepts.
use anchor_lang::prelude::*;
use anchor_lang::system_program::{self, Allocate, Assign, CreateAccount, Transfer};

/// Whether `account` is still an empty system account (never created, or only funded).
pub fn is_uncreated(account: &AccountInfo) -> bool {
    account.owner == &system_program::ID && account.data_is_empty()
}

/// Creates the PDA `target` (signed by `signer_seeds`) with `space` bytes, owned by this
/// program and rent-exempt, `payer` paying what it lacks.
pub fn create_pda<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    space: usize,
    signer_seeds: &[&[u8]],
) -> Result<()> {
    let required = Rent::get()?.minimum_balance(space);
    let signer: &[&[&[u8]]] = &[signer_seeds];
    let current = target.lamports();
    if current == 0 {
        return system_program::create_account(
            CpiContext::new_with_signer(
                system_program.key(),
                CreateAccount {
                    from: payer.clone(),
                    to: target.clone(),
                },
                signer,
            ),
            required,
            space as u64,
            &crate::ID,
        );
    }
    let top_up = required.saturating_sub(current);
    if top_up > 0 {
        system_program::transfer(
            CpiContext::new(
                system_program.key(),
                Transfer {
                    from: payer.clone(),
                    to: target.clone(),
                },
            ),
            top_up,
        )?;
    }
    system_program::allocate(
        CpiContext::new_with_signer(
            system_program.key(),
            Allocate {
                account_to_allocate: target.clone(),
            },
            signer,
        ),
        space as u64,
    )?;
    system_program::assign(
        CpiContext::new_with_signer(
            system_program.key(),
            Assign {
                account_to_assign: target.clone(),
            },
            signer,
        ),
        &crate::ID,
    )
}

/// Writes `value` (discriminator + Borsh) into a freshly created account.
pub fn write_account<T: AccountSerialize>(target: &AccountInfo, value: &T) -> Result<()> {
    let mut data = target.try_borrow_mut_data()?;
    let mut writer: &mut [u8] = &mut data;
    value.try_serialize(&mut writer)
}
