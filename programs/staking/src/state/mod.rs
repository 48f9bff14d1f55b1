//! Accounts of the staking program: the config, nodes, stake positions and slash records, each
//! with its small methods. The share and reward-pool arithmetic they carry is in
//! [`crate::math`] (re-exported here, so `state::` paths keep working).

mod config;
mod node;
mod slash_record;
mod stake_position;
#[cfg(test)]
mod tests;

pub use crate::math::*;
pub use config::*;
pub use node::*;
pub use slash_record::*;
pub use stake_position::*;
