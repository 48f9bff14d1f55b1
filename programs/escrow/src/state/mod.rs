//! Accounts of the escrow program: the config, jobs and renters' ledgers, each with its small
//! methods. The money arithmetic of a job is in [`crate::math`] (re-exported here, so `state::`
//! paths keep working).

mod config;
mod job;
mod renter_ledger;
#[cfg(test)]
mod tests;

pub use crate::math::*;
pub use config::*;
pub use job::*;
pub use renter_ledger::*;
