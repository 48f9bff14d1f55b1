use anchor_lang::prelude::*;
use io_common::{pda, seeds};

use crate::errors::EscrowError;
use crate::events::JobCompleted;
use crate::state::{Completer, EscrowConfig, Job, JobStatus};

/// The node's device key, or the oracle authority (keeper) on the network's behalf,
/// reports the hours used of a started job. Hours used can be at most the hours reserved
/// and at most the hours begun since start (a node cannot bill hours still to come).
/// After the completion deadline only the renter's reclaim remains. The completion opens the
/// dispute window (`config.dispute_window_secs`): settlement waits for it.
#[derive(Accounts)]
pub struct CompleteJob<'info> {
    /// The job's node key or `config.oracle_authority`.
    #[account(
        constraint = authority.key() == job.node_key
            || authority.key() == config.oracle_authority @ EscrowError::NotCompleter,
    )]
    pub authority: Signer<'info>,
    /// The `[CONFIG]` PDA.
    #[account(address = pda::ESCROW_CONFIG @ EscrowError::WrongConfig)]
    pub config: Box<Account<'info, EscrowConfig>>,
    /// The job (created only by `open_job`, at its PDA `[JOB, renter, job_id LE]`).
    // `dup`: the only mutable account, so Anchor's duplicate-mutable-account check has
    // nothing to compare, yet costs ~580 CU (complete_job: 3,985 CU with `dup`; budget 4,000).
    #[account(
        mut,
        dup,
        constraint = io_common::is_program_address!(&job.key(), [seeds::JOB, job.renter.as_ref(), &job.job_id.to_le_bytes(), &[job.bump]], crate::ID)
            @ ErrorCode::ConstraintSeeds,
        constraint = job.status == JobStatus::Started @ EscrowError::JobNotStarted,
    )]
    pub job: Box<Account<'info, Job>>,
}

impl CompleteJob<'_> {
    pub fn handler(&mut self, hours_used: u32) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let job = &mut self.job;
        require!(
            now <= job.complete_deadline,
            EscrowError::CompleteDeadlinePassed
        );
        require!(
            hours_used <= job.hours_reserved,
            EscrowError::HoursExceedReserved
        );
        require!(
            u64::from(hours_used) <= Job::billable_hours(job.started_at, now),
            EscrowError::HoursExceedElapsed
        );
        let completer = if self.authority.key() == job.node_key {
            Completer::Node
        } else {
            Completer::Oracle
        };
        job.complete(
            hours_used,
            completer,
            now,
            self.config.dispute_window_secs,
        )?;
        emit!(JobCompleted {
            job: job.key(),
            node: job.node,
            completed_by: self.authority.key(),
            completer,
            hours_used,
            completed_at: now,
            dispute_deadline: job.dispute_deadline,
        });
        Ok(())
    }
}
