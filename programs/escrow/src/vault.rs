//! Moving tokens out of a job's vault. The vault's authority is the job PDA, so every
//! transfer and the final close are signed with the job's seeds.

use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::program::invoke_signed;
use anchor_spl::token::spl_token;
use io_common::seeds;

use crate::errors::EscrowError;
use crate::events::JobCancelled;
use crate::state::{cancellation_split, Job, JobQuote};
use crate::token_view::TokenAccountView;

/// Signs as the job PDA `[JOB, renter, job_id LE, bump]` for CPIs to the SPL Token
/// program from the job's vault. Builds each instruction with spl-token's own builder and
/// calls `invoke_signed` directly (Anchor's `token::` wrappers add a CpiContext and moves of
/// it on every call: ~200 units each, four times per settle); the token program account
/// is the instructions' `token_program: Program<Token>`, checked by Anchor.
pub struct JobSigner<'a, 'info> {
    job: &'a AccountInfo<'info>,
    vault: &'a AccountInfo<'info>,
    renter: Pubkey,
    job_id: [u8; 8],
    bump: [u8; 1],
}

impl<'a, 'info> JobSigner<'a, 'info> {
    pub fn new(job: &'a Account<'info, Job>, vault: &'a Account<'info, TokenAccountView>) -> Self {
        Self {
            job: job.as_ref(),
            vault: vault.as_ref(),
            renter: job.renter,
            job_id: job.job_id.to_le_bytes(),
            bump: [job.bump],
        }
    }

    /// Runs `instruction` (vault, `other`, job as authority) signed by the job PDA.
    fn invoke(&self, instruction: Instruction, other: &AccountInfo<'info>) -> Result<()> {
        let seeds: [&[u8]; 4] = [seeds::JOB, self.renter.as_ref(), &self.job_id, &self.bump];
        invoke_signed(
            &instruction,
            &[self.vault.clone(), other.clone(), self.job.clone()],
            &[&seeds],
        )
        .map_err(Into::into)
    }

    /// Pays `amount` from the vault to `to`; nothing happens for 0.
    pub fn pay(&self, to: &AccountInfo<'info>, amount: u64) -> Result<()> {
        if amount == 0 {
            return Ok(());
        }
        let transfer = spl_token::instruction::transfer(
            &spl_token::ID,
            self.vault.key,
            to.key,
            self.job.key,
            &[],
            amount,
        )?;
        self.invoke(transfer, to)
    }

    /// Closes the (now empty) vault, returning its rent to `destination`.
    pub fn close_vault(&self, destination: &AccountInfo<'info>) -> Result<()> {
        let close = spl_token::instruction::close_account(
            &spl_token::ID,
            self.vault.key,
            destination.key,
            self.job.key,
            &[],
        )?;
        self.invoke(close, destination)
    }
}

/// Cancel and reclaim: the reservation fee to the treasury, the rest of the deposit to
/// the renter, then the vault's rent to the renter (the job itself closes via `close`).
pub fn refund_and_close<'info>(
    job: &Account<'info, Job>,
    vault: &Account<'info, TokenAccountView>,
    renter_token_account: &AccountInfo<'info>,
    treasury_token_account: &AccountInfo<'info>,
    renter: &AccountInfo<'info>,
    reclaimed: bool,
) -> Result<()> {
    let quote = job.quote()?;
    let split = cancellation_split(&quote)?;
    let surplus = vault_surplus(vault, &quote)?;
    let to_renter = split
        .refund
        .checked_add(surplus)
        .ok_or(EscrowError::MathOverflow)?;
    let signer = JobSigner::new(job, vault);
    signer.pay(treasury_token_account, split.treasury_fees)?;
    signer.pay(renter_token_account, to_renter)?;
    signer.close_vault(renter)?;

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
pub fn vault_surplus(vault: &Account<'_, TokenAccountView>, quote: &JobQuote) -> Result<u64> {
    Ok(vault
        .amount
        .checked_sub(quote.deposit)
        .ok_or(EscrowError::MathOverflow)?)
}
