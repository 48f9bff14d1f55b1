use anchor_lang::prelude::*;
use io_common::pda;

use crate::errors::EscrowError;
use crate::events::JobCompleted;
use crate::state::{Completer, EscrowConfig, Job, JobStatus, LazyEscrowConfig};

/// The node's device key, or the oracle authority (keeper) on the network's behalf,
/// reports the hours used of a started job. Hours used can be at most the hours reserved
/// and at most the hours begun since start (a node cannot bill hours still to come).
/// After the completion deadline only the renter's reclaim remains. The completion opens the
/// dispute window (the job's `dispute_window_secs`): settlement waits for it.
#[derive(Accounts)]
pub struct CompleteJob<'info> {
    /// The job's node key or `config.oracle_authority`.
    #[account(
        constraint = authority.key() == job.node_key
            || authority.key() == *config.load_oracle_authority()? @ EscrowError::NotCompleter,
    )]
    pub authority: Signer<'info>,
    /// The `[CONFIG]` PDA. Lazy: only the oracle authority is read, and only when the node key
    /// did not sign (the whole config costs ~600 CU; complete_job's budget is 4,000).
    #[account(address = pda::ESCROW_CONFIG @ EscrowError::WrongConfig)]
    pub config: LazyAccount<'info, EscrowConfig>,
    /// The job (created only by `open_job`, at its PDA `[JOB, renter, job_id LE]`).
    // `dup`: the only mutable account, so Anchor's duplicate-mutable-account check has
    // nothing to compare, yet costs ~580 CU (complete_job's budget is 4,000).
    #[account(
        mut,
        dup,
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
        let dispute_window_secs = job.dispute_window_secs;
        job.complete(hours_used, completer, now, dispute_window_secs)?;
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
