//! Accounts of the provenance program: the config and one account per recorded batch, with the
//! receipt a batch's Merkle tree is built from.

mod batch;
mod config;
#[cfg(test)]
mod tests;

pub use batch::*;
pub use config::*;
