use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use io_common::seeds;

use crate::errors::EscrowError;
use crate::state::{EscrowConfig, Job};
use crate::vault::refund_and_close;

/// The renter takes the deposit back (less the reservation fee) when the node missed a
/// deadline: an open job after its start deadline, or a started job after its
/// completion deadline. Same payout as `cancel_job`.
#[derive(Accounts)]
pub struct ReclaimJob<'info> {
    #[account(mut)]
    pub renter: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Box<Account<'info, EscrowConfig>>,
    #[account(
        mut,
        close = renter,
        seeds = [seeds::JOB, job.renter.as_ref(), &job.job_id.to_le_bytes()],
        bump = job.bump,
        has_one = renter @ EscrowError::NotRenter,
    )]
    pub job: Box<Account<'info, Job>>,
    #[account(mut, seeds = [seeds::JOB_VAULT, job.key().as_ref()], bump = job.vault_bump)]
    pub job_vault: Box<Account<'info, TokenAccount>>,
    /// Receives the refund: a renter token account of the payment mint.
    #[account(
        mut,
        dup,
        token::mint = job.payment_mint,
        token::authority = renter,
    )]
    pub renter_token_account: Box<Account<'info, TokenAccount>>,
    /// The treasury's associated token account of the payment mint: gets the reservation fee.
    #[account(
        mut,
        dup,
        associated_token::mint = job.payment_mint,
        associated_token::authority = config.treasury,
    )]
    pub treasury_token_account: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

impl ReclaimJob<'_> {
    pub fn handler(&mut self) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        require!(self.job.is_reclaimable(now), EscrowError::NotReclaimable);
        refund_and_close(
            &self.job,
            &self.token_program,
            &self.job_vault,
            &self.renter_token_account,
            &self.treasury_token_account,
            self.renter.to_account_info(),
            true,
        )
    }
}
