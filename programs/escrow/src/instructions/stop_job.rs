use anchor_lang::prelude::*;

use crate::errors::EscrowError;
use crate::events::JobCompleted;
use crate::state::{Completer, Job, JobStatus};

/// The renter stops a running job early: it is billed for the hours begun since start (at most
/// the hours reserved), the rest is refunded at settlement. The hours follow from the clock, so
/// there is nothing to dispute: the job can be settled from the next second on.
#[derive(Accounts)]
pub struct StopJob<'info> {
    pub renter: Signer<'info>,
    /// The job (created only by `open_job`, at its PDA `[JOB, renter, job_id LE]`), started.
    // `dup`: the only mutable account (see start_job).
    #[account(
        mut,
        dup,
        has_one = renter @ EscrowError::NotRenter,
        constraint = job.status == JobStatus::Started @ EscrowError::JobNotStarted,
    )]
    pub job: Box<Account<'info, Job>>,
}

impl StopJob<'_> {
    pub fn handler(&mut self) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let job = &mut self.job;
        // After the completion deadline the renter reclaims instead.
        require!(
            now <= job.complete_deadline,
            EscrowError::CompleteDeadlinePassed
        );
        let begun = Job::billable_hours(job.started_at, now);
        let hours_used = u32::try_from(begun)
            .unwrap_or(u32::MAX)
            .min(job.hours_reserved);
        job.complete(hours_used, Completer::Renter, now, 0)?;
        emit!(JobCompleted {
            job: job.key(),
            node: job.node,
            completed_by: self.renter.key(),
            completer: Completer::Renter,
            hours_used,
            completed_at: now,
            dispute_deadline: job.dispute_deadline,
        });
        Ok(())
    }
}
