//! What every engage service shares, written once: configuration, storage on PostgreSQL or
//! SQLite, the error mapping to `google.rpc.Status`, resource ids and etags, page tokens,
//! update masks, the outbox/audit/request-id journal, the caller's identity, and serving
//! with health and reflection.

pub mod bus;
pub mod config;
pub mod dates;
pub mod directory;
pub mod error;
pub mod field_mask;
pub mod identity;
pub mod journal;
pub mod paging;
pub mod query;
pub mod regions;
pub mod relay;
pub mod resource;
pub mod rpc_trace;
pub mod server;
pub mod storage;
pub mod telemetry;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use error::{Error, Violation, Violations};
pub use identity::{Caller, Role};
pub use storage::Database;

#[doc(hidden)]
pub use diesel_async as __diesel_async;
#[doc(hidden)]
pub use tracing as __tracing;
