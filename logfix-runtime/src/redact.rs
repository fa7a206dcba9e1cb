//! Names that suggest a secret, and redaction of the values they name in query strings.
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

pub use logfix_core::sensitive::{Policy, MEASURE_WORDS, SENSITIVE_NAMES};

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
            Some((name, _value)) if is_sensitive_name(&decoded(name)) => {
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

/// A query component after percent-decoding, with `+` as a space.
fn decoded(s: &str) -> String {
    String::from_utf8_lossy(&percent_decoded(s).collect::<Vec<u8>>()).into_owned()
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
            ("api+key=x", "api+key=[REDACTED]"),
            ("api%5fkey=x&&", "api%5fkey=[REDACTED]&&"),
            ("%zz=1&%=2&%4=3", "%zz=1&%=2&%4=3"),
            ("q=caf%C3%A9&token=t", "q=caf%C3%A9&token=[REDACTED]"),
            ("é=1&ü_token=2", "é=1&ü_token=[REDACTED]"),
        ] {
            assert_eq!(redact_query(query), expected, "{query}");
        }
    }

    /// A sensitive name in a random spelling: a word before or after it, the case of its words,
    /// the separators between them, and percent-encoded characters.
    fn sensitive_name() -> impl Strategy<Value = String> {
        (
            prop::sample::select(SENSITIVE_NAMES),
            prop::sample::select(&["", "x", "new"][..]),
            prop::sample::select(&["", "value", "v2"][..]),
            0..3u8,
            prop::sample::select(&["_", "-", ".", "+", "%2D", ""][..]),
            prop::collection::vec(any::<bool>(), 32),
        )
            .prop_map(|(entry, before, after, case, separator, encode)| {
                let mut encode = encode.into_iter().cycle();
                let words = [before].into_iter().chain(entry.split('_')).chain([after]);
                let words: Vec<String> = words
                    .filter(|word| !word.is_empty())
                    .map(|word| match case {
                        0 => word.to_owned(),
                        1 => word.to_ascii_uppercase(),
                        _ => word[..1].to_ascii_uppercase() + &word[1..],
                    })
                    .map(|word| {
                        let mut spelled = String::new();
                        for c in word.chars() {
                            if encode.next().unwrap() {
                                write!(spelled, "%{:02X}", u32::from(c)).unwrap();
                            } else {
                                spelled.push(c);
                            }
                        }
                        spelled
                    })
                    .collect();
                // Run together, only capitalised words stay apart.
                let separator = if separator.is_empty() && case != 2 { "_" } else { separator };
                words.join(separator)
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
            prop_assume!(!is_sensitive_name(&decoded(&query)));
            prop_assert_eq!(redact_query(&query), query);
        }
    }
}
