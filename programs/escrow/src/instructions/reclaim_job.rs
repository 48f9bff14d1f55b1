use anchor_lang::prelude::*;
use anchor_spl::token::Token;
use io_common::pda;

use crate::errors::EscrowError;
use crate::state::{EscrowConfig, Job};
use crate::token_view::TokenAccountView;
use crate::vault::refund_and_close;

/// The renter takes the deposit back (less the reservation fee) when the node missed a
/// deadline: an open job after its start deadline, or a started job after its
/// completion deadline. Same payout as `cancel_job`.
#[derive(Accounts)]
pub struct ReclaimJob<'info> {
    #[account(mut)]
    pub renter: Signer<'info>,
    /// The `[CONFIG]` PDA: its compile-time address (a 32-byte compare, no derivation).
    #[account(address = pda::ESCROW_CONFIG.address @ EscrowError::WrongConfig)]
    pub config: Box<Account<'info, EscrowConfig>>,
    /// No seeds re-derived (1,500 units): owner + discriminator make it a Job this program
    /// created, only ever at its `[JOB, renter, job_id]` PDA, and the vault's authority
    /// check below ties it to that address. `dup`: the only escrow-owned account here.
    #[account(
        mut,
        dup,
        close = renter,
        has_one = renter @ EscrowError::NotRenter,
    )]
    pub job: Box<Account<'info, Job>>,
    /// The job's vault: the address recorded at open, token authority = this job (which
    /// also ties the job account to its PDA address). Distinct from both token accounts
    /// below; with the job being the only escrow-owned account, that is every aliasing
    /// Anchor's duplicate check (skipped by `dup`, ~500 units an account) would catch.
    #[account(
        mut,
        dup,
        address = job.vault @ EscrowError::WrongVault,
        constraint = job_vault.owner == job.key() @ EscrowError::WrongVault,
        constraint = job_vault.key() != renter_token_account.key()
            && job_vault.key() != treasury_token_account.key()
            @ ErrorCode::ConstraintDuplicateMutableAccount,
    )]
    pub job_vault: Account<'info, TokenAccountView>,
    /// Receives the refund: a renter token account of the payment mint.
    #[account(
        mut,
        dup,
        token::mint = job.payment_mint,
        token::authority = renter,
    )]
    pub renter_token_account: Account<'info, TokenAccountView>,
    /// A token account of the treasury in the payment mint (normally its ATA): gets the
    /// reservation fee.
    #[account(
        mut,
        dup,
        token::mint = job.payment_mint,
        token::authority = config.treasury,
    )]
    pub treasury_token_account: Account<'info, TokenAccountView>,
    pub token_program: Program<'info, Token>,
}

impl ReclaimJob<'_> {
    pub fn handler(&mut self) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        require!(self.job.is_reclaimable(now), EscrowError::NotReclaimable);
        refund_and_close(
            &self.job,
            &self.job_vault,
            self.renter_token_account.as_ref(),
            self.treasury_token_account.as_ref(),
            self.renter.as_ref(),
            true,
        )
    }
}
