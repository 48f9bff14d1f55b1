use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use io_common::pda;

use crate::errors::EscrowError;
use crate::state::{EscrowConfig, Job, LazyEscrowConfig};
use crate::vault::EscrowVault;

/// The renter takes the deposit back when the node missed a deadline: an open job after its
/// start deadline (everything, the reservation fee included: the node never showed up), or a
/// started job after its completion deadline (less the reservation fee, as `cancel_job`).
#[derive(Accounts)]
pub struct ReclaimJob<'info> {
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

impl ReclaimJob<'_> {
    pub fn handler(&mut self) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        require!(self.job.is_reclaimable(now), EscrowError::NotReclaimable);
        let vault = EscrowVault {
            vault: self.escrow_vault.to_account_info(),
            config: self.config.to_account_info(),
            token_program: &self.token_program,
        };
        vault.refund(
            &self.job,
            self.renter_token_account.to_account_info(),
            self.treasury_token_account.to_account_info(),
            true,
        )
    }
}
