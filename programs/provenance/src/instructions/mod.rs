pub mod accept_authority;
pub mod initialize;
pub mod record_batch;
pub mod update_config;
pub mod verify_receipt;

pub use accept_authority::*;
pub use initialize::*;
pub use record_batch::*;
pub use update_config::*;
pub use verify_receipt::*;
