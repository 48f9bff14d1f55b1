use anchor_lang::prelude::*;

use crate::errors::EscrowError;
use crate::events::JobStarted;
use crate::state::{Job, JobStatus};

/// The node's device key starts an open job before its start deadline. The completion
/// deadline becomes start + reserved hours + the grace the job was opened with.
#[derive(Accounts)]
pub struct StartJob<'info> {
    pub node_key: Signer<'info>,
    /// The job (created only by `open_job`, at its PDA `[JOB, renter, job_id LE]`).
    // `dup`: the only mutable account, so Anchor's duplicate-mutable-account check has
    // nothing to compare, yet costs ~580 CU (start_job's budget is 4,000).
    #[account(
        mut,
        dup,
        has_one = node_key @ EscrowError::NotNodeKey,
        constraint = job.status == JobStatus::Open @ EscrowError::JobNotOpen,
    )]
    pub job: Box<Account<'info, Job>>,
}

impl StartJob<'_> {
    pub fn handler(&mut self) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let job = &mut self.job;
        require!(now <= job.start_deadline, EscrowError::StartDeadlinePassed);
        job.status = JobStatus::Started;
        job.started_at = now;
        job.complete_deadline =
            Job::complete_deadline(now, job.hours_reserved, job.complete_grace_secs)?;
        emit!(JobStarted {
            job: job.key(),
            node: job.node,
            started_at: now,
            complete_deadline: job.complete_deadline,
        });
        Ok(())
    }
}
