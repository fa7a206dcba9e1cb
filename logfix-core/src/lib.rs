//! What logfix's macros and its runtime must agree on, defined once: [`Level`], the keys of a
//! line ([`RESERVED_KEYS`], [`CONTEXT_KEYS`], [`CALL_KEYS`]) and its constant head
//! ([`json_head`]), what a redacted value reads as ([`REDACTED`]), JSON string escaping
//! ([`escape`]) and the sensitive-name policy ([`sensitive`]).
//!
//! `logfix-macros` uses these at expansion time (to check field names and to write the constant
//! parts of a line), `logfix-runtime` on every line. Applications use them through
//! `logfix-runtime`, which re-exports them; this crate has no dependencies.
//!
//! # Examples
//! ```
//! use logfix_core::{Level, REDACTED, RESERVED_KEYS};
//!
//! assert_eq!("warn".parse::<Level>(), Ok(Level::Warn));
//! assert_eq!(RESERVED_KEYS[0], "timestamp");
//! assert_eq!(REDACTED, "[REDACTED]");
//! ```

pub mod escape;
mod level;
pub mod sensitive;

pub use level::{Level, ParseLevelError};

/// The keys every line starts with, in order. No event field may use them.
///
/// # Examples
/// ```
/// assert!(logfix_core::RESERVED_KEYS.contains(&"message"));
/// ```
pub const RESERVED_KEYS: [&str; 5] = ["timestamp", "level", "component", "event", "message"];

/// The context keys, written after `message` and before the event's own fields when set.
///
/// # Examples
/// ```
/// assert!(logfix_core::CONTEXT_KEYS.contains(&"request_id"));
/// ```
pub const CONTEXT_KEYS: [&str; 5] =
    ["request_id", "correlation_id", "user_id", "trace_id", "span_id"];

/// The keys the event of a `#[logged]` function writes after its arguments, which no argument
/// may use.
///
/// # Examples
/// ```
/// assert!(logfix_core::CALL_KEYS.contains(&"outcome"));
/// ```
pub const CALL_KEYS: [&str; 4] = ["duration_us", "outcome", "error", "error_sources"];

/// What a redacted value is rendered as.
///
/// # Examples
/// ```
/// assert_eq!(logfix_core::REDACTED, "[REDACTED]");
/// ```
pub const REDACTED: &str = "[REDACTED]";

/// The part of an event's JSON line between the timestamp and the message text, which is the same
/// on every line of the event: `","level":"info","component":"auth","event":"login","message":"`.
///
/// # Examples
/// ```
/// use logfix_core::{json_head, Level};
///
/// assert_eq!(
///     json_head(Level::Warn, "auth", "login"),
///     br#"","level":"warn","component":"auth","event":"login","message":""#
/// );
/// ```
#[must_use]
pub fn json_head(level: Level, component: &str, event: &str) -> Vec<u8> {
    let mut head = Vec::with_capacity(64 + component.len() + event.len());
    head.extend_from_slice(b"\",\"level\":\"");
    head.extend_from_slice(level.as_str().as_bytes());
    head.extend_from_slice(b"\",\"component\":\"");
    escape::escape_into(&mut head, component);
    head.extend_from_slice(b"\",\"event\":\"");
    escape::escape_into(&mut head, event);
    head.extend_from_slice(b"\",\"message\":\"");
    head
}
