//! What logfix's macros and its runtime must agree on, defined once: [`Level`], the keys of a
//! line ([`RESERVED_KEYS`], [`CONTEXT_KEYS`], [`CALL_KEYS`]) and its constant head
//! ([`json_head`]), what a redacted value reads as ([`REDACTED`]), JSON string escaping
//! ([`escape`]), the sensitive-name policy ([`sensitive`]), the Elastic Common Schema form of a
//! line ([`ecs`]) and how far apart two spellings are ([`suggest`]).
//!
//! `logfix-macros` uses these at expansion time (to check field names and to write the constant
//! parts of a line), `logfix-runtime` on every line; this crate has no dependencies.
//! Applications use what `logfix-runtime` re-exports (`Level`, `REDACTED`, the reserved and
//! context keys, the sensitive-name policy under `redact`, `ecs`): only those are a stable API.
//! The rest of this crate (escaping, `json_head`, `suggest`, `rate`) is shared plumbing that may
//! change in any release; do not depend on `logfix-core` directly.
//!
//! # Sensitive names
//!
//! A field, argument, header or query parameter name is *sensitive* when the rules below say so;
//! the macros then require the field or argument to be redacted or skipped (or marked
//! `not_sensitive`), and the runtime redacts the value it names.
//!
//! 1. The name is split into words ([`sensitive::words`]): at every ASCII character that is not a
//!    letter or a digit, and where camel case starts a word (`apiKey`, `APIKey`,
//!    `oauth2Token`). `x.api_key`, `X-Api-Key`, `apiKey`, `APIKey` and `API_KEY` all have the
//!    words `api`, `key`.
//! 2. A word matches a word of the vocabulary when they are equal ignoring ASCII case, or equal
//!    once a final `s` is removed from the name's word (`tokens`, `Credentials`). Nothing else
//!    matches: no substring, no prefix (`pinned`, `span`, `panic` and `company` contain `pin` or
//!    `pan` but are other words). Run-together words are one word: `accesstoken` is not
//!    `access`, `token` (the vocabulary lists the usual ones, like `apikey` and `sessionid`).
//! 3. An entry of the vocabulary is one word (`password`) or several (`card_number`,
//!    `session_id`, `signing_key`): it matches where its words match consecutive words of the
//!    name, in order (`cardNumber`, `x-card-number`; not `number_card`, not `card_holder_number`).
//! 4. A match does not count when the word right before or right after it is a
//!    [measure word](sensitive::MEASURE_WORDS) (`count`, `len`, `max`, `type`, ...): the name then
//!    holds something about the secret, not the secret (`token_count`, `max_tokens`,
//!    `password_min_length`). Another match in the same name still counts.
//!
//! The vocabulary is [`sensitive::SENSITIVE_NAMES`]; operators add entries at run time with
//! `LOGFIX_REDACT_KEYS` ([`sensitive::Policy::with_extra`]), which the compile-time check does
//! not see.
//!
//! # Examples
//! ```
//! use logfix_core::{Level, REDACTED, RESERVED_KEYS};
//!
//! assert_eq!("warn".parse::<Level>(), Ok(Level::Warn));
//! assert_eq!(RESERVED_KEYS[0], "timestamp");
//! assert_eq!(REDACTED, "[REDACTED]");
//! assert!(logfix_core::sensitive::is_sensitive("x.api_key"));
//! ```

pub mod ecs;
pub mod escape;
mod level;
pub mod rate;
pub mod sensitive;
pub mod suggest;

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
pub const CALL_KEYS: [&str; 5] = ["duration_us", "outcome", "error", "error_type", "error_sources"];

/// The keys `audit()` appends to an audit record, the chain's; no event field may use them.
///
/// # Examples
/// ```
/// assert!(logfix_core::AUDIT_KEYS.contains(&"audit_seq"));
/// ```
pub const AUDIT_KEYS: [&str; 2] = ["audit_seq", "audit_chain"];

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
