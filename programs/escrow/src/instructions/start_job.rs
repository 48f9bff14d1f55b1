use anchor_lang::prelude::*;
use io_common::{pda, seeds};

use crate::errors::EscrowError;
use crate::events::JobStarted;
use crate::state::{EscrowConfig, Job, JobStatus};

/// The node's device key starts an open job before its start deadline. The completion
/// deadline becomes start + reserved hours + the configured grace.
#[derive(Accounts)]
pub struct StartJob<'info> {
    pub node_key: Signer<'info>,
    /// The `[CONFIG]` PDA.
    #[account(address = pda::ESCROW_CONFIG @ EscrowError::WrongConfig)]
    pub config: Box<Account<'info, EscrowConfig>>,
    /// The job (created only by `open_job`, at its PDA `[JOB, renter, job_id LE]`).
    // `dup`: the only mutable account, so Anchor's duplicate-mutable-account check has
    // nothing to compare, yet costs ~580 CU (start_job: 3,928 CU with `dup`; budget 4,000).
    #[account(
        mut,
        dup,
        constraint = io_common::is_program_address!(&job.key(), [seeds::JOB, job.renter.as_ref(), &job.job_id.to_le_bytes(), &[job.bump]], crate::ID)
            @ ErrorCode::ConstraintSeeds,
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
            Job::complete_deadline(now, job.hours_reserved, self.config.complete_grace_secs)?;
        emit!(JobStarted {
            job: job.key(),
            node: job.node,
            started_at: now,
            complete_deadline: job.complete_deadline,
        });
        Ok(())
    }
}
