use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_common::layout::ACCOUNT_VERSION;
use io_common::{pda, seeds};
use staking::state::{LazyNode, Node};

use crate::errors::EscrowError;
use crate::events::JobOpened;
use crate::state::{Completer, EscrowConfig, FeeSchedule, Job, JobStatus, RenterLedger};

/// A renter reserves `hours_reserved` hours of a node at `price_per_hour` (payment mint
/// base units) and deposits reserved cost + reservation fee + facilitation fee (USDC only)
/// into the escrow vault of the payment mint.
#[derive(Accounts)]
pub struct OpenJob<'info> {
    /// Pays the deposit and the rent of the job (returned when it closes).
    #[account(mut)]
    pub renter: Signer<'info>,
    /// The renter's job-id ledger (`open_renter_ledger`, created only at its PDA `[RENTER,
    /// renter]`): the job id must not be one the renter has used before (JobIdReused), so ids
    /// never repeat.
    #[account(mut, has_one = renter @ EscrowError::WrongRenterLedger)]
    pub renter_ledger: Box<Account<'info, RenterLedger>>,
    /// The `[CONFIG]` PDA.
    #[account(
        address = pda::ESCROW_CONFIG @ EscrowError::WrongConfig,
        constraint = !config.paused @ EscrowError::Paused,
    )]
    pub config: Box<Account<'info, EscrowConfig>>,
    /// The node rented: a staking program Node (created only by `register_node`, at its PDA
    /// `[NODE, node_key]`, so owner and type identify it), active. Lazy: two fields are read
    /// (the whole Node costs ~600 CU; open_job's budget is 15,000).
    #[account(
        constraint = *node.load_active()? @ EscrowError::NodeInactive,
    )]
    pub node: LazyAccount<'info, Node>,
    /// The job, PDA `[JOB, renter, job_id LE]`, created here at its canonical address (also
    /// when someone sent lamports to the address beforehand). Hand-written instead of `init`
    /// with `seeds` and `bump`, whose `find_program_address` costs 1,500 CU a bump tried
    /// (open_job's budget is 15,000): `pda::canonical_bump` confirms the bump for ~350 a step.
    /// CHECK: created by the handler at the canonical PDA (WrongJobAddress otherwise).
    #[account(mut)]
    pub job: UncheckedAccount<'info>,
    /// USDC or IO: only its address is used (it selects the vault; the token program checks
    /// that the renter's account and the vault hold this mint).
    /// CHECK: one of the two configured payment mints.
    #[account(
        constraint = config.vault_for(payment_mint.key).is_some() @ EscrowError::UnsupportedMint,
    )]
    pub payment_mint: UncheckedAccount<'info>,
    /// The escrow vault of the payment mint (`config.usdc_vault` or `config.io_vault`).
    /// CHECK: the address recorded in the config, a token account it created.
    #[account(
        mut,
        constraint = config.vault_for(payment_mint.key).map(|(vault, _)| vault) == Some(escrow_vault.key())
            @ EscrowError::WrongVault,
    )]
    pub escrow_vault: UncheckedAccount<'info>,
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
    pub fn handler(&mut self, job_id: u64, hours_reserved: u32, price_per_hour: u64) -> Result<()> {
        let renter = self.renter.key();
        self.renter_ledger.take(job_id)?;

        let config = &self.config;
        let (vault, payment_kind) = config
            .vault_for(self.payment_mint.key)
            .ok_or(EscrowError::UnsupportedMint)?;
        // Every overflow a job can hit happens here: settle only divides this deposit.
        let quote = FeeSchedule::PROTOCOL.quote(hours_reserved, price_per_hour, payment_kind)?;
        let now = Clock::get()?.unix_timestamp;
        let start_deadline = Job::start_deadline(now, config.start_timeout_secs)?;
        let job_key = self.job.key();
        let node_key = *self.node.load_node_key()?;
        let bump = self.create_job(job_id)?;
        let job = Job {
            version: ACCOUNT_VERSION,
            bump,
            job_id,
            renter,
            node: self.node.key(),
            node_key,
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
            vault,
            completed_by: Completer::None,
            dispute_deadline: 0,
            disputed_at: 0,
            complete_grace_secs: config.complete_grace_secs,
            dispute_window_secs: config.dispute_window_secs,
            _reserved: [0; 16],
        };
        job.try_serialize(&mut &mut self.job.try_borrow_mut_data()?[..])?;

        token::transfer(
            CpiContext::new(
                self.token_program.key(),
                Transfer {
                    from: self.renter_token_account.to_account_info(),
                    to: self.escrow_vault.to_account_info(),
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

    /// Creates the job account at its canonical PDA; returns the bump.
    fn create_job(&self, job_id: u64) -> Result<u8> {
        let info = self.job.to_account_info();
        let renter = self.renter.key();
        let id = job_id.to_le_bytes();
        let seeds: [&[u8]; 3] = [seeds::JOB, renter.as_ref(), &id];
        let bump = pda::canonical_bump(&seeds, info.key, &crate::ID)
            .ok_or(EscrowError::WrongJobAddress)?;
        pda::create_account(
            &self.renter.to_account_info(),
            &info,
            &self.system_program.to_account_info(),
            &[seeds[0], seeds[1], seeds[2], &[bump]],
            8 + Job::INIT_SPACE,
            &crate::ID,
        )?;
        Ok(bump)
    }
}
