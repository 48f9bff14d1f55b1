//! Moving tokens out of a job's vault. The vault's authority is the job PDA, so every
//! transfer and the final close are signed with the job's seeds.

use anchor_lang::prelude::*;
use anchor_spl::token::{self, CloseAccount, Token, TokenAccount, Transfer};
use io_common::seeds;

use crate::errors::EscrowError;
use crate::events::JobCancelled;
use crate::state::{cancellation_split, Job, JobQuote};

/// Signs as the job PDA `[JOB, renter, job_id LE, bump]`.
pub struct JobSigner {
    renter: Pubkey,
    job_id: [u8; 8],
    bump: [u8; 1],
}

impl JobSigner {
    pub fn new(job: &Job) -> Self {
        Self {
            renter: job.renter,
            job_id: job.job_id.to_le_bytes(),
            bump: [job.bump],
        }
    }

    fn seeds(&self) -> [&[u8]; 4] {
        [seeds::JOB, self.renter.as_ref(), &self.job_id, &self.bump]
    }

    /// Pays `amount` from the vault to `to`; nothing happens for 0.
    pub fn pay<'info>(
        &self,
        token_program: &Program<'info, Token>,
        vault: &Account<'info, TokenAccount>,
        job: AccountInfo<'info>,
        to: AccountInfo<'info>,
        amount: u64,
    ) -> Result<()> {
        if amount == 0 {
            return Ok(());
        }
        let seeds = self.seeds();
        token::transfer(
            CpiContext::new_with_signer(
                token_program.key(),
                Transfer {
                    from: vault.to_account_info(),
                    to,
                    authority: job,
                },
                &[&seeds],
            ),
            amount,
        )
    }

    /// Closes the (now empty) vault, returning its rent to `destination`.
    pub fn close_vault<'info>(
        &self,
        token_program: &Program<'info, Token>,
        vault: &Account<'info, TokenAccount>,
        job: AccountInfo<'info>,
        destination: AccountInfo<'info>,
    ) -> Result<()> {
        let seeds = self.seeds();
        token::close_account(CpiContext::new_with_signer(
            token_program.key(),
            CloseAccount {
                account: vault.to_account_info(),
                destination,
                authority: job,
            },
            &[&seeds],
        ))
    }
}

/// Cancel and reclaim: the reservation fee to the treasury, the rest of the deposit to
/// the renter, then the vault's rent to the renter (the job itself closes via `close`).
pub fn refund_and_close<'info>(
    job: &Account<'info, Job>,
    token_program: &Program<'info, Token>,
    vault: &Account<'info, TokenAccount>,
    renter_token_account: &Account<'info, TokenAccount>,
    treasury_token_account: &Account<'info, TokenAccount>,
    renter: AccountInfo<'info>,
    reclaimed: bool,
) -> Result<()> {
    let quote = job.quote()?;
    let split = cancellation_split(&quote)?;
    let surplus = vault_surplus(vault, &quote)?;
    let to_renter = split
        .refund
        .checked_add(surplus)
        .ok_or(EscrowError::MathOverflow)?;
    let signer = JobSigner::new(job);
    let authority = job.to_account_info();
    signer.pay(
        token_program,
        vault,
        authority.clone(),
        treasury_token_account.to_account_info(),
        split.treasury_fees,
    )?;
    signer.pay(
        token_program,
        vault,
        authority.clone(),
        renter_token_account.to_account_info(),
        to_renter,
    )?;
    signer.close_vault(token_program, vault, authority, renter)?;

    emit!(JobCancelled {
        job: job.key(),
        job_id: job.job_id,
        renter: job.renter,
        node: job.node,
        payment_mint: job.payment_mint,
        reclaimed,
        deposit: quote.deposit,
        reservation_fee: split.reservation_fee,
        refund: split.refund,
        vault_surplus: surplus,
        cancelled_at: Clock::get()?.unix_timestamp,
    });
    Ok(())
}

/// Tokens in the vault beyond the job's deposit (sent there by someone else). The vault
/// can only be debited by the job PDA, so it never holds less than the deposit.
pub fn vault_surplus(vault: &Account<'_, TokenAccount>, quote: &JobQuote) -> Result<u64> {
    Ok(vault
        .amount
        .checked_sub(quote.deposit)
        .ok_or(EscrowError::MathOverflow)?)
}
