//! Accounts of the rewards program: the config, the emission state, epoch roots and claim
//! receipts, and the burn ledgers, each with its small methods. The hourly emission arithmetic
//! is in [`crate::math`] (re-exported here, so `state::` paths keep working).

mod burn;
mod config;
mod emission;
mod epoch;
#[cfg(test)]
mod tests;

pub use crate::math::*;
pub use burn::*;
pub use config::*;
pub use emission::*;
pub use epoch::*;
