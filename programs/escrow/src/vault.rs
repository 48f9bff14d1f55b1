//! Moving tokens out of an escrow vault. Each payment mint has one vault, `[ESCROW_VAULT, mint]`,
//! holding the deposits of every open job in that mint; its token authority is the escrow config
//! PDA, so every payment is signed with the config's seeds. A job only ever moves its own
//! deposit out (the splits in `state` divide exactly that), so the vault always holds at least
//! the sum of the open jobs' deposits.
//!
//! One vault per mint instead of one per job: a job vault costs a `CreateAccount`, an
//! `InitializeAccount3` and a `CloseAccount` CPI per job (open_job 30,032 CU and settle_job 16,298
//! with them on Agave 4.1.2; budgets 15,000 and 12,000).

use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, Transfer};
use io_common::{pda, seeds};

use crate::events::JobCancelled;
use crate::state::{cancellation_split, missed_start_split, Job, JobStatus};

/// An escrow vault, paying as the config PDA.
pub struct EscrowVault<'a, 'info> {
    pub vault: AccountInfo<'info>,
    pub config: AccountInfo<'info>,
    pub token_program: &'a Program<'info, Token>,
}

impl<'info> EscrowVault<'_, 'info> {
    /// Pays `amount` from the vault to `to`; nothing happens for 0.
    pub fn pay(&self, to: AccountInfo<'info>, amount: u64) -> Result<()> {
        if amount == 0 {
            return Ok(());
        }
        let signer: &[&[&[u8]]] = &[&[seeds::CONFIG, &[pda::ESCROW_CONFIG_BUMP]]];
        token::transfer(
            CpiContext::new_with_signer(
                self.token_program.key(),
                Transfer {
                    from: self.vault.clone(),
                    to,
                    authority: self.config.clone(),
                },
                signer,
            ),
            amount,
        )
    }

    /// Cancel and reclaim: the reservation fee to the treasury, the rest of the deposit to the
    /// renter (the job itself closes to the renter via `close`). A reclaim of a job that never
    /// started refunds the reservation fee too.
    pub fn refund(
        &self,
        job: &Account<'info, Job>,
        renter_token_account: AccountInfo<'info>,
        treasury_token_account: AccountInfo<'info>,
        reclaimed: bool,
    ) -> Result<()> {
        let quote = job.quote()?;
        let split = if reclaimed && job.status == JobStatus::Open {
            missed_start_split(&quote)
        } else {
            cancellation_split(&quote)?
        };
        self.pay(treasury_token_account, split.treasury_fees)?;
        self.pay(renter_token_account, split.refund)?;

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
            cancelled_at: Clock::get()?.unix_timestamp,
        });
        Ok(())
    }
}
