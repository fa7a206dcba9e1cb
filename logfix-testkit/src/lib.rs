//! Test helpers for logfix: capture the events your code emits, assert on them, and validate
//! lines and log files against the published JSON schema of a logfix line.
//!
//! - [`capture`] runs a closure and returns the events emitted on the current thread;
//!   [`capture_all`] those of every thread; [`Capture`] does either as a guard (async tests, or
//!   code whose result the test needs). Every level is captured, whatever the logger's filter.
//! - [`Captured`] derefs to a slice of [`serde_json::Value`]s; [`Captured::find`],
//!   [`Captured::filter`], [`Captured::events_named`] and [`Captured::from_component`] narrow it
//!   down; [`assert_logged!`] and [`assert_not_logged!`] assert on it and print the captured lines
//!   when they fail.
//! - [`validate_line`] and [`validate_file`] (plain or `.gz`) check lines against [`SCHEMA`] and
//!   the rules a schema cannot express (one object per line, no duplicate keys, key order);
//!   [`validate_line_as`] and [`validate_file_as`] do the same for either schema, logfix's or its
//!   Elastic Common Schema form ([`ECS_SCHEMA`], `LOGFIX_SCHEMA=ecs`), given or detected with
//!   [`LineSchema::detect`].
//! - [`RateClock`] moves the rate limiters' time on the current thread, so that a test of a
//!   rate-limited event does not depend on when it runs.
//!
//! Every captured line goes through [`validate_line`]: a line that breaks the format makes the
//! capture panic, so a test fails loudly on a schema violation.
//!
//! # Examples
//! ```
//! use logfix_testkit::{assert_logged, assert_not_logged};
//!
//! #[derive(logfix_runtime::LogEvent)]
//! #[log(component = "auth", message = "user {account_id} logged in")]
//! struct UserLogin<'a> {
//!     account_id: u64,
//!     #[log(redact)]
//!     email: &'a str,
//! }
//!
//! let events = logfix_testkit::capture(|| {
//!     logfix_runtime::emit(&UserLogin { account_id: 42, email: "ann@example.com" });
//! });
//! assert_eq!(events.len(), 1);
//! assert_eq!(events[0]["message"], "user 42 logged in");
//! assert_logged!(events, component = "auth", event = "user_login", account_id = 42);
//! assert_not_logged!(events, email = "ann@example.com");
//!
//! // The rendered line itself follows the published schema.
//! logfix_testkit::validate_line(&events.lines()[0]).unwrap();
//! ```
#![allow(
    clippy::panic,
    reason = "a test helper fails the test by panicking: on a failed assertion or a captured line \
              that breaks the schema"
)]

mod assert;
mod capture;
mod rate_clock;
mod schema;

pub use capture::{capture, capture_all, Capture, Captured};
pub use rate_clock::RateClock;
pub use schema::{
    validate_file, validate_file_as, validate_line, validate_line_as, LineSchema, SchemaError,
    SchemaErrorKind, ECS_SCHEMA, SCHEMA,
};

/// Items used by the code that the assertion macros generate.
///
/// **Not a stable API.** Everything here may change in any release without notice; it is public
/// only because macro-generated code in your crate must be able to name it.
#[doc(hidden)]
pub mod __private {
    pub use crate::assert::{assert_logged, assert_not_logged, to_json};
}
