use anchor_lang::prelude::*;

use crate::errors::EscrowError;
use crate::events::JobDisputed;
use crate::state::{Completer, Job, JobStatus};

/// Disputes the hours a completion reported, within the dispute window: the renter disputes a
/// node's or the oracle's report; the node (its device key) disputes the oracle's. The job then
/// waits for the arbiter (`resolve_dispute`). Once per job.
#[derive(Accounts)]
pub struct DisputeJob<'info> {
    /// The job's renter, or its node key when the oracle completed the job.
    #[account(
        constraint = job.may_dispute(&disputer.key()) @ EscrowError::NotDisputer,
    )]
    pub disputer: Signer<'info>,
    /// The job (created only by `open_job`, at its PDA `[JOB, renter, job_id LE]`), completed
    /// and not disputed before.
    // `dup`: the only mutable account (see start_job).
    #[account(
        mut,
        dup,
        constraint = job.status == JobStatus::Completed @ EscrowError::JobNotCompleted,
        constraint = job.disputed_at == 0 @ EscrowError::AlreadyDisputed,
    )]
    pub job: Box<Account<'info, Job>>,
}

impl DisputeJob<'_> {
    pub fn handler(&mut self) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let job = &mut self.job;
        require!(
            now <= job.dispute_deadline,
            EscrowError::DisputeWindowClosed
        );
        job.status = JobStatus::Disputed;
        job.disputed_at = now;
        emit!(JobDisputed {
            job: job.key(),
            disputed_by: self.disputer.key(),
            hours_reported: job.hours_used,
            disputed_at: now,
        });
        Ok(())
    }
}

impl Job {
    /// Who may dispute this job's completion: the renter (node and oracle reports), the node
    /// key (oracle reports). A renter's own stop is not disputable.
    pub fn may_dispute(&self, signer: &Pubkey) -> bool {
        match self.completed_by {
            Completer::Node => *signer == self.renter,
            Completer::Oracle => *signer == self.renter || *signer == self.node_key,
            Completer::Renter | Completer::None => false,
        }
    }
}
