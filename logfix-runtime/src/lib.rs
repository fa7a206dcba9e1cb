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
//! A line that does not deserve a struct goes through `tracing` (the `tracing` feature, on by
//! default): the target is the `component`, `name:` the `event`, the fields are fields.
//!
//! ```
//! let events = logfix_testkit::capture(|| {
//!     tracing::info!(name: "refund_issued", target: "billing", order_id = 7, "refund issued");
//! });
//! assert_eq!(events[0]["component"], "billing");
//! assert_eq!(events[0]["event"], "refund_issued");
//! assert_eq!(events[0]["order_id"], 7);
//! assert_eq!(events[0]["message"], "refund issued");
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
pub mod redact;
mod render;
mod sink;
#[cfg(feature = "tower")]
pub mod web;
mod worker;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use config::{
    Compression, Config, ConfigIssue, Console, Environment, Overflow, Settings, DEFAULT_DIR,
    DEFAULT_FILE, DEFAULT_FILE_MODE, DEFAULT_FLUSH_INTERVAL, DEFAULT_MAX_FILES,
    DEFAULT_MAX_FILE_SIZE, DEFAULT_QUEUE_CAPACITY, DEFAULT_RETRY_AFTER,
};
pub use context::{Context, ContextValue, Entered, WithContext, WithLogContext};
pub use dispatch::{emit, flush, global, metrics, set_filter, shutdown, Logger};
pub use event::{
    Level, LogEvent, Metadata, ParseLevelError, CONTEXT_KEYS, REDACTED, RESERVED_KEYS,
    STATIC_MAX_LEVEL,
};
pub use filter::{Filter, FilterError};
pub use global::init;
pub use guard::Guard;
pub use metrics::MetricsSnapshot;
pub use render::{Format, Value, ValueWriter, Written};

#[cfg(feature = "macros")]
pub use logfix_macros::logged;
#[cfg(feature = "macros")]
pub use logfix_macros::LogEvent;
