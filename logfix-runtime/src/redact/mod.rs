//! The one redaction policy: names that suggest a secret, and what is done with the values
//! they name and with secrets found in free text.
//!
//! There is one sensitive-name policy, defined in `logfix-core`: `#[derive(LogEvent)]` and
//! `#[logged]` apply it to field and argument names at compile time, and the runtime to the names
//! it meets at run time. A name is split into words at every character that is not an ASCII
//! letter or digit and where camel case starts a word (`x.api_key`, `X-Api-Key` and `APIKey` all
//! have the words `api`, `key`). It is sensitive when the words of an entry of the vocabulary
//! ([`SENSITIVE_NAMES`]: `password`, `token`, `card_number`, `session_id`, ...) appear in it one
//! after the other, each equal to the name's word ignoring ASCII case and a final `s`, and no
//! measure word (`count`, `len`, `max`, `type`, ...) stands right before or after them:
//! `user_password`, `Set-Cookie`, `refresh_token` and `sessionId` are sensitive, `token_count`,
//! `pinned` and `company` are not. The [rules in full](logfix_core#sensitive-names).
//!
//! Operators add entries with `LOGFIX_REDACT_KEYS` (comma-separated names, such as
//! `tenant_key,x-internal-auth`), read into [`Settings::redact_keys`](crate::Settings). A
//! [`Policy`] built from them answers without allocating; build it once and keep it:
//! `Policy::with_extra(&settings.redact_keys).is_sensitive(name)`. [`is_sensitive_name`] knows
//! the default vocabulary only.
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

mod policy;
pub mod pseudonym;
pub mod scrub;
mod url;

pub use logfix_core::sensitive::{Policy, MEASURE_WORDS, SENSITIVE_NAMES};
pub use policy::Mask;
pub(crate) use policy::{global, missing_key, own, set_global, take_missing_key, Redaction};
pub use url::{redact_query, URL_SECRET_PARAMETERS};

/// Whether `name` (a field, header or query parameter name) suggests a secret, by the default
/// vocabulary (see the [module docs](self)).
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
    logfix_core::sensitive::is_sensitive(name)
}
