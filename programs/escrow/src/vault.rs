//! Moving tokens out of a job's vault. The vault's authority is the job PDA, so every
//! transfer and the final close are signed with the job's seeds and its stored bump.

use anchor_lang::prelude::*;
use anchor_spl::token::{self, CloseAccount, Token, TokenAccount, Transfer};
use io_common::seeds;

use crate::errors::EscrowError;
use crate::events::JobCancelled;
use crate::state::{cancellation_split, missed_start_split, Job, JobQuote, JobStatus};

/// The job's vault, signing as the job PDA `[JOB, renter, job_id LE, bump]`.
pub struct JobVault<'a, 'info> {
    pub job: &'a Account<'info, Job>,
    pub vault: &'a Account<'info, TokenAccount>,
    pub token_program: &'a Program<'info, Token>,
}

impl<'info> JobVault<'_, 'info> {
    /// Pays `amount` from the vault to `to`; nothing happens for 0.
    pub fn pay(&self, to: AccountInfo<'info>, amount: u64) -> Result<()> {
        if amount == 0 {
            return Ok(());
        }
        let job_id = self.job.job_id.to_le_bytes();
        let seeds: &[&[u8]] = &[
            seeds::JOB,
            self.job.renter.as_ref(),
            &job_id,
            &[self.job.bump],
        ];
        token::transfer(
            CpiContext::new_with_signer(
                self.token_program.key(),
                Transfer {
                    from: self.vault.to_account_info(),
                    to,
                    authority: self.job.to_account_info(),
                },
                &[seeds],
            ),
            amount,
        )
    }

    /// Closes the (now empty) vault, returning its rent to `destination`.
    pub fn close(&self, destination: AccountInfo<'info>) -> Result<()> {
        let job_id = self.job.job_id.to_le_bytes();
        let seeds: &[&[u8]] = &[
            seeds::JOB,
            self.job.renter.as_ref(),
            &job_id,
            &[self.job.bump],
        ];
        token::close_account(CpiContext::new_with_signer(
            self.token_program.key(),
            CloseAccount {
                account: self.vault.to_account_info(),
                destination,
                authority: self.job.to_account_info(),
            },
            &[seeds],
        ))
    }

    /// Tokens in the vault beyond the job's deposit (sent there by someone else). The vault
    /// can only be debited by the job PDA, so it never holds less than the deposit.
    pub fn surplus(&self, quote: &JobQuote) -> Result<u64> {
        Ok(self
            .vault
            .amount
            .checked_sub(quote.deposit)
            .ok_or(EscrowError::MathOverflow)?)
    }

    /// Cancel and reclaim: the reservation fee to the treasury, the rest of the deposit to
    /// the renter, then the vault's rent to the renter (the job itself closes via `close`).
    /// A reclaim of a job that never started refunds the reservation fee too.
    pub fn refund_and_close(
        &self,
        renter_token_account: AccountInfo<'info>,
        treasury_token_account: AccountInfo<'info>,
        renter: AccountInfo<'info>,
        reclaimed: bool,
    ) -> Result<()> {
        let job = self.job;
        let quote = job.quote()?;
        let split = if reclaimed && job.status == JobStatus::Open {
            missed_start_split(&quote)
        } else {
            cancellation_split(&quote)?
        };
        let surplus = self.surplus(&quote)?;
        let to_renter = split
            .refund
            .checked_add(surplus)
            .ok_or(EscrowError::MathOverflow)?;
        self.pay(treasury_token_account, split.treasury_fees)?;
        self.pay(renter_token_account, to_renter)?;
        self.close(renter)?;

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
}
