//! The one redaction policy: names that suggest a secret, and what is done with the values
//! they name and with secrets found in free text.
//!
//! A name is sensitive when, ignoring case, `-`, `_` and `.`, it contains one of
//! [`SENSITIVE_NAMES`]: `password`, `user_password`, `X-Api-Key`, `Set-Cookie`,
//! `Proxy-Authorization`, `refresh_token` and `sessionId` all are. The web middleware uses this to
//! redact query strings; `#[derive(LogEvent)]` applies the same rule to field names at compile
//! time.
//!
//! - [`scrub`]: secrets found in free text by their shape (`password=...`, `Bearer ...`, JWTs,
//!   card numbers, ...), and given values removed from a text;
//! - [`pseudonym`]: keyed pseudonyms (`LOGFIX_REDACT_KEY`) and masks (`last4`, `email`) for
//!   values that must stay followable;
//! - [`redact_query`] and [`Scrubber::redact_path`](scrub::Scrubber::redact_path): URLs of the
//!   access log.
//!
//! What is caught and what is not is listed in `docs/REDACTION.md`.
//!
//! # Examples
//! ```
//! use logfix_runtime::redact::{is_sensitive_name, redact_query};
//!
//! assert!(is_sensitive_name("X-Api-Key"));
//! assert!(!is_sensitive_name("page"));
//! assert_eq!(
//!     redact_query("page=2&access_token=abc123&sort=asc"),
//!     "page=2&access_token=[REDACTED]&sort=asc"
//! );
//! ```

pub mod pseudonym;
pub mod scrub;
mod url;

pub use url::{redact_query, URL_SECRET_PARAMETERS};

/// The fragments that make a name sensitive, lowercase and without `-`, `_` or `.` (names are
/// compared the same way). Header names such as `set-cookie`, `x-api-key` and
/// `proxy-authorization` match through `cookie`, `apikey` and `authorization`.
///
/// `logfix-macros` keeps its own copy of this list for the compile-time check of field names
/// (`looks_sensitive` in `logfix-macros/src/check.rs`), because a proc-macro crate cannot depend
/// on the runtime: change both together. That copy does not have `session` yet: an event field
/// named `session_id` compiles, while a query parameter of that name is redacted here.
///
/// # Examples
/// ```
/// assert!(logfix_runtime::redact::SENSITIVE_NAMES.contains(&"token"));
/// ```
pub const SENSITIVE_NAMES: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "authorization",
    "cookie",
    "credential",
    "privatekey",
    "session",
];

/// Whether `name` (a field, header or query parameter name) suggests a secret: whether it
/// contains one of [`SENSITIVE_NAMES`], ignoring ASCII case, `-`, `_` and `.`.
///
/// # Examples
/// ```
/// use logfix_runtime::redact::is_sensitive_name;
///
/// assert!(is_sensitive_name("Authorization"));
/// assert!(is_sensitive_name("client_secret"));
/// assert!(is_sensitive_name("API-KEY"));
/// assert!(!is_sensitive_name("user_id"));
/// ```
#[must_use]
pub fn is_sensitive_name(name: &str) -> bool {
    is_sensitive_bytes(name.bytes())
}

fn is_sensitive_bytes(name: impl Iterator<Item = u8>) -> bool {
    let normalized: Vec<u8> =
        name.filter(|b| !matches!(b, b'-' | b'_' | b'.')).map(|b| b.to_ascii_lowercase()).collect();
    SENSITIVE_NAMES.iter().any(|fragment| {
        normalized.windows(fragment.len()).any(|window| window == fragment.as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_field_names_are_sensitive_in_any_spelling() {
        for name in [
            "password",
            "Password",
            "user_password",
            "passwd",
            "client_secret",
            "token",
            "refresh-token",
            "api_key",
            "apiKey",
            "X-API-KEY",
            "x-api-key",
            "Authorization",
            "proxy-authorization",
            "Cookie",
            "set-cookie",
            "credentials",
            "private_key",
            "private.key",
            "session",
            "JSESSIONID",
        ] {
            assert!(is_sensitive_name(name), "{name}");
        }
    }

    #[test]
    fn ordinary_names_are_not_sensitive() {
        for name in [
            "user_id",
            "email",
            "key",
            "api",
            "private",
            "pass",
            "author",
            "page",
            "user-agent",
            "",
            "accept",
        ] {
            assert!(!is_sensitive_name(name), "{name}");
        }
    }
}
