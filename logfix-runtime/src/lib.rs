//! logfix: structured JSON logging whose events are checked at compile time.
//!
//! Every line is one JSON object with `timestamp, level, component, event, message`, then the
//! request context (`request_id, correlation_id, user_id, trace_id, span_id`) when known, then
//! the event's fields. Events are structs with `#[derive(LogEvent)]`: a missing component or
//! message, a placeholder naming no field or a secret one, a reserved key, an unloggable type or
//! an untagged sensitive field is a compile error.
//!
//! Events are rendered on the calling thread, collected in per-thread batches and handed over a
//! bounded queue to one writer thread (`logfix-writer`) that owns all I/O: the log directory
//! (with fallbacks), size rotation by rename, gzip on a background thread, retention, and stderr
//! when the file cannot be written. [`init`] configures it from `LOGFIX_*` variables and also routes `tracing` and `log`
//! into the same pipeline.
//!
//! # Examples
//! ```
//! use logfix_runtime::{Context, LogEvent};
//!
//! #[derive(LogEvent)]
//! #[log(component = "auth", message = "user {user_id} logged in")]
//! struct UserLogin<'a> {
//!     user_id: u64,
//!     #[log(redact)]
//!     email: &'a str,
//! }
//!
//! // In `main`: `let _guard = logfix_runtime::init();` (flushes when dropped). Here the
//! // testkit captures the events instead, to show them.
//! let events = logfix_testkit::capture(|| {
//!     Context::new().request_id("req-1").scope(|| {
//!         logfix_runtime::emit(&UserLogin { user_id: 42, email: "ann@example.com" });
//!     });
//! });
//! assert_eq!(
//!     events.lines()[0].split_once(r#","level""#).unwrap().1,
//!     r#":"info","component":"auth","event":"user_login","message":"user 42 logged in","request_id":"req-1","user_id":42,"email":"[REDACTED]"}"#
//! );
//! ```
//!
//! See the README for the configuration variables, `docs/OPERATIONS.md` for rotation, retention
//! and failure handling, and `schema/logfix-event.schema.json` for the line format.
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

extern crate self as logfix_runtime;

pub mod bridge;
mod call;
mod capture;
mod clock;
mod config;
mod context;
mod dispatch;
mod event;
mod filter;
mod fork;
mod global;
mod guard;
mod handoff;
mod interest;
mod metrics;
#[cfg(feature = "metrics")]
mod publish;
pub mod redact;
#[cfg(feature = "tracing")]
mod relay;
mod render;
#[cfg(feature = "signal")]
mod signal;
mod sink;
#[cfg(feature = "tower")]
pub mod web;
mod worker;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use crate::metrics::{LevelCounts, MetricsSnapshot, MAX_COMPONENTS, OTHER_COMPONENTS};
pub use config::{
    Compression, Config, ConfigIssue, Console, Environment, Overflow, Settings, DEFAULT_DIR,
    DEFAULT_FILE, DEFAULT_FILE_MODE, DEFAULT_FLUSH_INTERVAL, DEFAULT_MAX_FILES,
    DEFAULT_MAX_FILE_SIZE, DEFAULT_QUEUE_CAPACITY, DEFAULT_RETRY_AFTER,
};
pub use context::{Context, ContextValue, Entered, WithContext, WithLogContext};
pub use dispatch::{emit, flush, global, metrics, set_filter, shutdown, Logger};
pub use event::{
    Level, LogEvent, Metadata, ParseLevelError, Value, ValueWriter, CONTEXT_KEYS, REDACTED,
    RESERVED_KEYS,
};
pub use filter::{Filter, FilterError};
pub use global::init;
pub use guard::Guard;
pub use render::Format;
#[cfg(feature = "signal")]
pub use signal::shutdown_signal;

/// The directories the file sink tries, in order, for the settings `settings`: the configured
/// one (`LOGFIX_DIR`, else [`DEFAULT_DIR`] under the working directory), then `logfix-<uid>`
/// under the system temp directory (private to the user). The first that can be created and
/// written is used; when none can, lines go to stderr. For tools that tell where lines would go
/// (`logfix doctor`).
///
/// # Examples
/// ```
/// use logfix_runtime::{log_directories, Config};
///
/// let (settings, _) = Config::new().dir("/srv/app/logs".into()).resolve();
/// let dirs = log_directories(&settings);
/// assert_eq!(dirs[0], std::path::PathBuf::from("/srv/app/logs"));
/// assert!(dirs[1].starts_with(std::env::temp_dir()));
/// ```
#[must_use]
pub fn log_directories(settings: &Settings) -> Vec<std::path::PathBuf> {
    sink::dir::candidates(settings).into_iter().map(|d| d.path).collect()
}

#[cfg(feature = "macros")]
pub use logfix_macros::logged;
#[cfg(feature = "macros")]
pub use logfix_macros::LogEvent;
