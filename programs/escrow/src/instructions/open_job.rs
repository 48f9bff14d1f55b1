use anchor_lang::prelude::*;
use anchor_spl::token::{self, InitializeAccount3, Mint, Token, TokenAccount, Transfer};
use io_common::pda::{self, create_pda_account, is_uncreated};
use io_common::seeds;
use staking::state::Node;

use crate::errors::EscrowError;
use crate::events::JobOpened;
use crate::state::{EscrowConfig, Job, JobStatus, PaymentKind, ACCOUNT_VERSION};
use crate::token_view::TokenAccountView;

/// A renter reserves `hours_reserved` hours of a node at `price_per_hour` (payment mint
/// base units) and deposits reserved cost + reservation fee + facilitation fee (USDC only)
/// into the job's vault.
#[derive(Accounts)]
#[instruction(job_id: u64)]
pub struct OpenJob<'info> {
    /// Pays the deposit and the rent of the job and its vault (returned when it closes).
    #[account(mut)]
    pub renter: Signer<'info>,
    /// The `[CONFIG]` PDA: its compile-time address (a 32-byte compare, no derivation).
    #[account(
        address = pda::ESCROW_CONFIG.address @ EscrowError::WrongConfig,
        constraint = !config.paused @ EscrowError::Paused,
    )]
    pub config: Box<Account<'info, EscrowConfig>>,
    /// The node rented: a staking program Node (owner and type checked), active.
    #[account(constraint = node.active @ EscrowError::NodeInactive)]
    pub node: Box<Account<'info, Node>>,
    /// The job (PDA `[JOB, renter, job_id LE]`), created by the handler after every
    /// check (also when someone pre-funded the address); a job id in use → JobAddressInUse.
    /// CHECK: address checked by `seeds`; created and written by the handler.
    #[account(
        mut,
        seeds = [seeds::JOB, renter.key().as_ref(), &job_id.to_le_bytes()],
        bump,
    )]
    pub job: UncheckedAccount<'info>,
    /// USDC or IO.
    #[account(
        constraint = payment_mint.key() == config.usdc_mint
            || payment_mint.key() == config.io_mint @ EscrowError::UnsupportedMint,
    )]
    pub payment_mint: Box<Account<'info, Mint>>,
    /// Holds the deposit: a token account of the payment mint at PDA `[JOB_VAULT, job]`,
    /// authority = the job, created by the handler like the job.
    /// CHECK: address checked by `seeds`; created and initialised by the handler.
    #[account(mut, seeds = [seeds::JOB_VAULT, job.key().as_ref()], bump)]
    pub job_vault: UncheckedAccount<'info>,
    /// The deposit comes from here. `dup`: the only mutable typed account (job and vault
    /// must be uncreated, so neither can be this initialized token account), so Anchor's
    /// duplicate check (a HashSet, ~500 units) has nothing to compare it with.
    #[account(
        mut,
        dup,
        token::mint = payment_mint,
        token::authority = renter,
    )]
    pub renter_token_account: Account<'info, TokenAccountView>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(
    ctx: Context<OpenJob>,
    job_id: u64,
    hours_reserved: u32,
    price_per_hour: u64,
) -> Result<()> {
    let accounts = ctx.accounts;
    let config = &accounts.config;
    let payment_kind = if accounts.payment_mint.key() == config.usdc_mint {
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

    let renter = accounts.renter.key();
    let job_key = accounts.job.key();
    let vault_key = accounts.job_vault.key();
    let job_info = accounts.job.to_account_info();
    let vault_info = accounts.job_vault.to_account_info();
    // A job id in use (or a vault left behind) must not be overwritten; lamports alone
    // (someone pre-funding the predictable addresses) are not an account and are kept.
    require!(
        is_uncreated(&job_info) && is_uncreated(&vault_info),
        EscrowError::JobAddressInUse
    );
    let payer = accounts.renter.to_account_info();
    let system_program = accounts.system_program.to_account_info();
    let job_id_bytes = job_id.to_le_bytes();
    create_pda_account(
        &payer,
        &job_info,
        &system_program,
        8 + Job::INIT_SPACE,
        &crate::ID,
        &[seeds::JOB, renter.as_ref(), &job_id_bytes, &[ctx.bumps.job]],
    )?;
    let job = Job {
        version: ACCOUNT_VERSION,
        bump: ctx.bumps.job,
        vault_bump: ctx.bumps.job_vault,
        job_id,
        renter,
        node: accounts.node.key(),
        node_key: accounts.node.node_key,
        payment_mint: accounts.payment_mint.key(),
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
        vault: vault_key,
        _reserved: [0; 32],
    };
    job.try_serialize(&mut &mut job_info.try_borrow_mut_data()?[..])?;

    create_pda_account(
        &payer,
        &vault_info,
        &system_program,
        TokenAccount::LEN,
        &accounts.token_program.key(),
        &[seeds::JOB_VAULT, job_key.as_ref(), &[ctx.bumps.job_vault]],
    )?;
    token::initialize_account3(CpiContext::new(
        accounts.token_program.key(),
        InitializeAccount3 {
            account: vault_info.clone(),
            mint: accounts.payment_mint.to_account_info(),
            authority: job_info,
        },
    ))?;

    token::transfer(
        CpiContext::new(
            accounts.token_program.key(),
            Transfer {
                from: accounts.renter_token_account.to_account_info(),
                to: vault_info,
                authority: payer,
            },
        ),
        quote.deposit,
    )?;

    emit!(JobOpened {
        job: job_key,
        job_id,
        renter,
        node: accounts.node.key(),
        payment_mint: accounts.payment_mint.key(),
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
