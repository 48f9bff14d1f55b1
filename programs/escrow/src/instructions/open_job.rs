use anchor_lang::prelude::*;
use anchor_spl::token::{self, Mint, Token, TokenAccount, Transfer};
use io_common::{pda, seeds};
use staking::state::Node;

use crate::errors::EscrowError;
use crate::events::JobOpened;
use crate::state::{EscrowConfig, Job, JobStatus, PaymentKind, RenterLedger, ACCOUNT_VERSION};

/// A renter reserves `hours_reserved` hours of a node at `price_per_hour` (payment mint
/// base units) and deposits reserved cost + reservation fee + facilitation fee (USDC only)
/// into the job's vault.
#[derive(Accounts)]
#[instruction(job_id: u64)]
pub struct OpenJob<'info> {
    /// Pays the deposit and the rent of the job and its vault (returned when it closes).
    #[account(mut)]
    pub renter: Signer<'info>,
    /// The renter's job-id ledger, PDA `[RENTER, renter]`, created with the first job: the
    /// job id must not be one the renter has used before (JobIdReused), so ids never repeat.
    #[account(
        init_if_needed,
        payer = renter,
        space = 8 + RenterLedger::INIT_SPACE,
        seeds = [seeds::RENTER, renter.key().as_ref()],
        bump,
    )]
    pub renter_ledger: Box<Account<'info, RenterLedger>>,
    /// The `[CONFIG]` PDA.
    #[account(
        address = pda::ESCROW_CONFIG @ EscrowError::WrongConfig,
        constraint = !config.paused @ EscrowError::Paused,
    )]
    pub config: Box<Account<'info, EscrowConfig>>,
    /// The node rented: a staking program Node (created only at its PDA `[NODE, node_key]`),
    /// active.
    #[account(
        constraint = io_common::is_program_address!(&node.key(), [seeds::NODE, node.node_key.as_ref(), &[node.bump]], staking::ID)
            @ ErrorCode::ConstraintSeeds,
        constraint = node.active @ EscrowError::NodeInactive,
    )]
    pub node: Box<Account<'info, Node>>,
    /// The job, PDA `[JOB, renter, job_id LE]`, created here (also when someone sent lamports
    /// to the address beforehand); a job id in use fails in the system program (account
    /// already in use).
    #[account(
        init,
        payer = renter,
        space = 8 + Job::INIT_SPACE,
        seeds = [seeds::JOB, renter.key().as_ref(), &job_id.to_le_bytes()],
        bump,
    )]
    pub job: Box<Account<'info, Job>>,
    /// USDC or IO.
    #[account(
        constraint = payment_mint.key() == config.usdc_mint
            || payment_mint.key() == config.io_mint @ EscrowError::UnsupportedMint,
    )]
    pub payment_mint: Box<Account<'info, Mint>>,
    /// Holds the deposit: a token account of the payment mint at PDA `[JOB_VAULT, job]`,
    /// authority = the job, created here like the job.
    #[account(
        init,
        payer = renter,
        seeds = [seeds::JOB_VAULT, job.key().as_ref()],
        bump,
        token::mint = payment_mint,
        token::authority = job,
        token::token_program = token_program,
    )]
    pub job_vault: Box<Account<'info, TokenAccount>>,
    /// The deposit comes from here.
    #[account(
        mut,
        token::mint = payment_mint,
        token::authority = renter,
    )]
    pub renter_token_account: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

impl OpenJob<'_> {
    pub fn handler(
        &mut self,
        bumps: &OpenJobBumps,
        job_id: u64,
        hours_reserved: u32,
        price_per_hour: u64,
    ) -> Result<()> {
        let renter = self.renter.key();
        let ledger = &mut self.renter_ledger;
        if ledger.version == 0 {
            // Created just now by init_if_needed.
            ledger.version = ACCOUNT_VERSION;
            ledger.bump = bumps.renter_ledger;
            ledger.renter = renter;
        }
        ledger.take(job_id)?;

        let config = &self.config;
        let payment_kind = if self.payment_mint.key() == config.usdc_mint {
            PaymentKind::Usdc
        } else {
            PaymentKind::Io
        };
        // Every overflow a job can hit happens here: settle only divides this deposit.
        let quote = config
            .fee_schedule()
            .quote(hours_reserved, price_per_hour, payment_kind)?;
        let now = Clock::get()?.unix_timestamp;
        let start_deadline = Job::start_deadline(now, config.start_timeout_secs)?;
        let job_key = self.job.key();
        self.job.set_inner(Job {
            version: ACCOUNT_VERSION,
            bump: bumps.job,
            vault_bump: bumps.job_vault,
            job_id,
            renter,
            node: self.node.key(),
            node_key: self.node.node_key,
            payment_mint: self.payment_mint.key(),
            payment_kind,
            price_per_hour,
            hours_reserved,
            hours_used: 0,
            reserved_cost: quote.reserved_cost,
            reservation_fee: quote.reservation_fee,
            facilitation_fee: quote.facilitation_fee,
            status: JobStatus::Open,
            created_at: now,
            started_at: 0,
            completed_at: 0,
            start_deadline,
            complete_deadline: 0,
            vault: self.job_vault.key(),
            _reserved: [0; 32],
        });

        token::transfer(
            CpiContext::new(
                self.token_program.key(),
                Transfer {
                    from: self.renter_token_account.to_account_info(),
                    to: self.job_vault.to_account_info(),
                    authority: self.renter.to_account_info(),
                },
            ),
            quote.deposit,
        )?;

        emit!(JobOpened {
            job: job_key,
            job_id,
            renter,
            node: self.node.key(),
            payment_mint: self.payment_mint.key(),
            payment_kind,
            price_per_hour,
            hours_reserved,
            reserved_cost: quote.reserved_cost,
            reservation_fee: quote.reservation_fee,
            facilitation_fee: quote.facilitation_fee,
            deposit: quote.deposit,
            created_at: now,
            start_deadline,
        });
        Ok(())
    }
}
