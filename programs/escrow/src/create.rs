//! Creating a job's PDAs. The job `[JOB, renter, job_id]` and its vault `[JOB_VAULT, job]`
//! have predictable addresses, so anyone can send lamports there before the renter opens
//! the job. Anchor's `init` then takes its "pre-funded" path (System Program
//! CreateAccountAllowPrefund), which clusters without that instruction refuse: one transfer
//! would block a renter's job id for good. Creating the accounts here works on every
//! cluster: create when empty, otherwise top up, allocate and assign (the pre-funded
//! lamports stay with the account and come back to the renter when it closes).

use anchor_lang::prelude::*;
use anchor_lang::system_program::{
    allocate, assign, create_account, transfer, Allocate, Assign, CreateAccount, Transfer,
};

use crate::errors::EscrowError;

/// Creates `target` (a PDA signed by `signer_seeds`) with `space` bytes owned by `owner`,
/// rent paid by `payer`. Fails with `JobAddressInUse` when the address already holds an
/// account (owned by a program or with data): a job id in use, or a vault not closed.
pub fn create_pda_account<'info>(
    system_program: &Program<'info, System>,
    payer: AccountInfo<'info>,
    target: AccountInfo<'info>,
    space: usize,
    owner: &Pubkey,
    signer_seeds: &[&[u8]],
) -> Result<()> {
    require_keys_eq!(*target.owner, System::id(), EscrowError::JobAddressInUse);
    require!(target.data_is_empty(), EscrowError::JobAddressInUse);

    let required = Rent::get()?.minimum_balance(space);
    let system = system_program.key();
    let signer: &[&[&[u8]]] = &[signer_seeds];
    let current = target.lamports();
    if current == 0 {
        return create_account(
            CpiContext::new(
                system,
                CreateAccount {
                    from: payer,
                    to: target,
                },
            )
            .with_signer(signer),
            required,
            space as u64,
            owner,
        );
    }
    let top_up = required.saturating_sub(current);
    if top_up > 0 {
        transfer(
            CpiContext::new(
                system,
                Transfer {
                    from: payer,
                    to: target.clone(),
                },
            ),
            top_up,
        )?;
    }
    allocate(
        CpiContext::new(
            system,
            Allocate {
                account_to_allocate: target.clone(),
            },
        )
        .with_signer(signer),
        space as u64,
    )?;
    assign(
        CpiContext::new(
            system,
            Assign {
                account_to_assign: target,
            },
        )
        .with_signer(signer),
        owner,
    )
}
