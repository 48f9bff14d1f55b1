pub mod cancel_job;
pub mod complete_job;
pub mod initialize;
pub mod open_job;
pub mod reclaim_job;
pub mod settle_job;
pub mod start_job;
pub mod update_config;

pub use cancel_job::*;
pub use complete_job::*;
pub use initialize::*;
pub use open_job::*;
pub use reclaim_job::*;
pub use settle_job::*;
pub use start_job::*;
pub use update_config::*;
