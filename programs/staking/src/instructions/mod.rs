// Every instruction module exposes its own `handler`; lib.rs calls them by path.
#![allow(ambiguous_glob_reexports)]

pub mod claim_staker_rewards;
pub mod close_stake_position;
pub mod deposit_staker_rewards;
pub mod initialize;
pub mod register_node;
pub mod slash;
pub mod stake;
pub mod unstake;
pub mod update_config;
pub mod update_node;
pub mod withdraw;

pub use claim_staker_rewards::*;
pub use close_stake_position::*;
pub use deposit_staker_rewards::*;
pub use initialize::*;
pub use register_node::*;
pub use slash::*;
pub use stake::*;
pub use unstake::*;
pub use update_config::*;
pub use update_node::*;
pub use withdraw::*;
