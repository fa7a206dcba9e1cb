//! Names that suggest a secret, and redaction of the values they name in query strings.
//!
//! A name is sensitive when, ignoring case, `-`, `_` and `.`, it contains one of
//! [`SENSITIVE_NAMES`]: `password`, `user_password`, `X-Api-Key`, `Set-Cookie`,
//! `Proxy-Authorization`, `refresh_token` and `sessionId` all are. The web middleware uses this to
//! redact query strings; `#[derive(LogEvent)]` applies the same rule to field names at compile
//! time.
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

use crate::event::REDACTED;

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

/// `query` (the part of a URI after `?`) with the value of every parameter whose name is
/// sensitive ([`is_sensitive_name`]) replaced by `[REDACTED]`; everything else is kept as it was,
/// byte for byte.
///
/// Parameters are separated by `&` or `;` (some servers accept both, so both end a value). A
/// name is percent-decoded (and `+` read as a space) before it is checked, so `api%5Fkey=...` is
/// redacted too. A parameter without `=` has no value to hide and is kept.
///
/// # Examples
/// ```
/// use logfix_runtime::redact::redact_query;
///
/// assert_eq!(redact_query("q=shoes&password=hunter2"), "q=shoes&password=[REDACTED]");
/// assert_eq!(redact_query("api%5Fkey=k1;page=3"), "api%5Fkey=[REDACTED];page=3");
/// assert_eq!(redact_query("flag&token="), "flag&token=[REDACTED]");
/// ```
#[must_use]
pub fn redact_query(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    let mut rest = query;
    loop {
        let end = rest.find(['&', ';']).unwrap_or(rest.len());
        let (param, tail) = rest.split_at(end);
        match param.split_once('=') {
            Some((name, _value)) if is_sensitive_bytes(percent_decoded(name)) => {
                out.push_str(name);
                out.push('=');
                out.push_str(REDACTED);
            }
            _ => out.push_str(param),
        }
        let mut tail = tail.chars();
        match tail.next() {
            Some(separator) => out.push(separator),
            None => return out,
        }
        rest = tail.as_str();
    }
}

/// The bytes of a query component after percent-decoding, with `+` as a space. An invalid
/// escape is kept as it is.
fn percent_decoded(s: &str) -> impl Iterator<Item = u8> + '_ {
    let mut bytes = s.bytes();
    core::iter::from_fn(move || {
        let b = bytes.next()?;
        Some(match b {
            b'+' => b' ',
            b'%' => {
                let mut ahead = bytes.clone();
                match (ahead.next().and_then(hex_value), ahead.next().and_then(hex_value)) {
                    (Some(high), Some(low)) => {
                        bytes = ahead;
                        (high << 4) | low
                    }
                    _ => b'%',
                }
            }
            other => other,
        })
    })
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use core::fmt::Write as _;

    use proptest::prelude::*;

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

    #[test]
    fn queries_keep_everything_but_sensitive_values() {
        for (query, expected) in [
            ("", ""),
            ("a=1", "a=1"),
            ("a=1&b=2", "a=1&b=2"),
            ("password=x", "password=[REDACTED]"),
            ("a=1&Password=x&b=2", "a=1&Password=[REDACTED]&b=2"),
            ("token=a=b=c&x", "token=[REDACTED]&x"),
            ("token", "token"),
            ("token=", "token=[REDACTED]"),
            ("a=1;secret=s;b", "a=1;secret=[REDACTED];b"),
            ("pass%77ord=x", "pass%77ord=[REDACTED]"),
            ("api+key=x", "api+key=x"),
            ("api%5fkey=x&&", "api%5fkey=[REDACTED]&&"),
            ("%zz=1&%=2&%4=3", "%zz=1&%=2&%4=3"),
            ("q=caf%C3%A9&token=t", "q=caf%C3%A9&token=[REDACTED]"),
            ("é=1&ü_token=2", "é=1&ü_token=[REDACTED]"),
        ] {
            assert_eq!(redact_query(query), expected, "{query}");
        }
    }

    /// A sensitive name, in a random spelling: case changes, separators, percent-encoding.
    fn sensitive_name() -> impl Strategy<Value = String> {
        (
            prop::sample::select(SENSITIVE_NAMES),
            "[a-z_]{0,3}",
            "[a-z_-]{0,3}",
            prop::collection::vec(any::<(bool, bool, bool)>(), 16),
        )
            .prop_map(|(fragment, prefix, suffix, spelling)| {
                let mut name = prefix;
                for (c, (upper, encode, dash)) in fragment.chars().zip(spelling) {
                    let c = if upper { c.to_ascii_uppercase() } else { c };
                    if encode {
                        write!(name, "%{:02X}", u32::from(c)).unwrap();
                    } else {
                        name.push(c);
                    }
                    if dash {
                        name.push('-');
                    }
                }
                name + &suffix
            })
    }

    proptest! {
        #[test]
        fn sensitive_values_never_survive(
            // Other parameters use lowercase letters, digits and URL punctuation; the secret uses
            // letters that appear neither there nor in any name or in `[REDACTED]`, so finding
            // it in the output can only mean it leaked.
            before in prop::collection::vec("[a-z0-9%+=._-]{0,8}", 0..4),
            after in prop::collection::vec("[a-z0-9%+=._-]{0,8}", 0..4),
            name in sensitive_name(),
            secret in "[QXZJ]{10,16}",
            around in ("[a-z0-9%+=]{0,4}", "[a-z0-9%+=]{0,4}"),
            separators in prop::collection::vec(prop::sample::select(&['&', ';'][..]), 8),
        ) {
            let sensitive = format!("{name}={}{secret}{}", around.0, around.1);
            let parts: Vec<&str> = before
                .iter()
                .map(String::as_str)
                .chain([sensitive.as_str()])
                .chain(after.iter().map(String::as_str))
                .collect();
            let mut query = String::new();
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    query.push(separators[i % separators.len()]);
                }
                query.push_str(part);
            }
            let redacted = redact_query(&query);
            prop_assert!(!redacted.contains(&secret), "{query} -> {redacted}");
            prop_assert!(redacted.contains(REDACTED));
        }

        #[test]
        fn queries_without_sensitive_names_are_unchanged(query in "[a-z0-9%+=&;._-]{0,40}") {
            prop_assume!(!is_sensitive_bytes(percent_decoded(&query)));
            prop_assert_eq!(redact_query(&query), query);
        }
    }
}
