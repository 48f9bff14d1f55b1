use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use io_common::pda;

use crate::errors::EscrowError;
use crate::state::{EscrowConfig, Job, JobStatus, LazyEscrowConfig};
use crate::vault::EscrowVault;

/// The renter cancels a job the node has not started: the deposit comes back less the
/// reservation fee (to the treasury); the job closes to the renter.
///
/// The renter and treasury token accounts may be one account (`dup`) when the treasury wallet
/// is itself the renter; each is pinned to its owner, so that is harmless. Neither may be the
/// escrow vault.
#[derive(Accounts)]
pub struct CancelJob<'info> {
    #[account(mut)]
    pub renter: Signer<'info>,
    /// The `[CONFIG]` PDA (the escrow vaults' authority; lazy: only the treasury is read).
    #[account(address = pda::ESCROW_CONFIG @ EscrowError::WrongConfig)]
    pub config: LazyAccount<'info, EscrowConfig>,
    /// The job (created only by `open_job`, at its PDA `[JOB, renter, job_id LE]`).
    #[account(
        mut,
        close = renter,
        has_one = renter @ EscrowError::NotRenter,
        constraint = job.status == JobStatus::Open @ EscrowError::JobNotOpen,
    )]
    pub job: Box<Account<'info, Job>>,
    /// The escrow vault of the job's payment mint (the address the job recorded at open).
    /// CHECK: that address; a token account held by the config.
    #[account(mut, address = job.vault @ EscrowError::WrongVault)]
    pub escrow_vault: UncheckedAccount<'info>,
    /// Receives the refund: a renter token account of the payment mint.
    #[account(
        mut,
        dup,
        constraint = renter_token_account.key() != escrow_vault.key()
            @ ErrorCode::ConstraintDuplicateMutableAccount,
        token::mint = job.payment_mint,
        token::authority = renter,
    )]
    pub renter_token_account: Box<Account<'info, TokenAccount>>,
    /// A token account of the treasury in the payment mint (normally its ATA): gets the
    /// reservation fee.
    #[account(
        mut,
        dup,
        constraint = treasury_token_account.key() != escrow_vault.key()
            @ ErrorCode::ConstraintDuplicateMutableAccount,
        token::mint = job.payment_mint,
        token::authority = config.load_treasury()?,
    )]
    pub treasury_token_account: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

impl CancelJob<'_> {
    pub fn handler(&mut self) -> Result<()> {
        let vault = EscrowVault {
            vault: self.escrow_vault.to_account_info(),
            config: self.config.to_account_info(),
            token_program: &self.token_program,
        };
        vault.refund(
            &self.job,
            self.renter_token_account.to_account_info(),
            self.treasury_token_account.to_account_info(),
            false,
        )
    }
}
