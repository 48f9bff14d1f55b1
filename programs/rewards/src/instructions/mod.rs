pub mod burn;
pub mod claim;
pub mod emit;
pub mod expire_epoch_root;
pub mod initialize;
pub mod mint_genesis;
pub mod post_epoch_root;
pub mod update_config;

pub use burn::*;
pub use claim::*;
pub use emit::*;
pub use expire_epoch_root::*;
pub use initialize::*;
pub use mint_genesis::*;
pub use post_epoch_root::*;
pub use update_config::*;
