use anchor_lang::prelude::*;
use io_common::pda;

use crate::errors::EscrowError;
use crate::events::DisputeResolved;
use crate::state::{Completer, EscrowConfig, Job, JobStatus, LazyEscrowConfig};

/// The arbiter decides a disputed job's hours: the oracle authority for a node's report, the
/// admin for the oracle's own report (the oracle does not judge itself). The hours are bounded
/// as at completion (reserved, and begun by the completion time); the job can then be settled.
#[derive(Accounts)]
pub struct ResolveDispute<'info> {
    #[account(
        constraint = arbiter.key() == config.arbiter_of(&job)? @ EscrowError::NotArbiter,
    )]
    pub arbiter: Signer<'info>,
    /// The `[CONFIG]` PDA (lazy: one authority is read).
    #[account(address = pda::ESCROW_CONFIG @ EscrowError::WrongConfig)]
    pub config: LazyAccount<'info, EscrowConfig>,
    /// The job (created only by `open_job`, at its PDA `[JOB, renter, job_id LE]`), disputed.
    // `dup`: the only mutable account (see start_job).
    #[account(
        mut,
        dup,
        constraint = job.status == JobStatus::Disputed @ EscrowError::JobNotDisputed,
    )]
    pub job: Box<Account<'info, Job>>,
}

impl ResolveDispute<'_> {
    pub fn handler(&mut self, hours_used: u32) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let job = &mut self.job;
        require!(
            hours_used <= job.hours_reserved,
            EscrowError::HoursExceedReserved
        );
        require!(
            u64::from(hours_used) <= Job::billable_hours(job.started_at, job.completed_at),
            EscrowError::HoursExceedElapsed
        );
        let hours_reported = job.hours_used;
        job.hours_used = hours_used;
        job.status = JobStatus::Completed;
        emit!(DisputeResolved {
            job: job.key(),
            arbiter: self.arbiter.key(),
            hours_reported,
            hours_used,
            resolved_at: now,
        });
        Ok(())
    }
}

/// Who decides a dispute of a job: the admin when the oracle reported the hours, else the oracle
/// authority.
trait Arbiter {
    fn arbiter_of(&self, job: &Job) -> Result<Pubkey>;
}

impl Arbiter for LazyAccount<'_, EscrowConfig> {
    fn arbiter_of(&self, job: &Job) -> Result<Pubkey> {
        Ok(if job.completed_by == Completer::Oracle {
            *self.load_admin()?
        } else {
            *self.load_oracle_authority()?
        })
    }
}
