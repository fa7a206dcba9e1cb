//! logfix: structured JSON logging whose events are checked at compile time.
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

extern crate self as logfix_runtime;

pub mod bridge;
mod call;
mod capture;
mod config;
mod context;
mod dispatch;
mod event;
mod filter;
mod guard;
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
    DEFAULT_FILE, DEFAULT_FLUSH_INTERVAL, DEFAULT_MAX_FILES, DEFAULT_MAX_FILE_SIZE,
    DEFAULT_QUEUE_CAPACITY,
};
pub use context::{Context, ContextValue, Entered, WithContext, WithLogContext};
pub use dispatch::{emit, flush, global, init, metrics, shutdown, Logger};
pub use event::{
    Level, LogEvent, Metadata, ParseLevelError, Value, ValueWriter, CONTEXT_KEYS, REDACTED,
    RESERVED_KEYS,
};
pub use filter::Filter;
pub use guard::Guard;
pub use metrics::MetricsSnapshot;
pub use render::Format;

#[cfg(feature = "macros")]
pub use logfix_macros::logged;
#[cfg(feature = "macros")]
pub use logfix_macros::LogEvent;
