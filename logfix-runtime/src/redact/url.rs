//! URLs: the query strings and paths of the access log, and the query strings of URLs found in
//! free text.

use std::borrow::Cow;
use std::ops::Range;

use super::scrub::{redacted, Scrubber};

/// Query parameters that carry secrets in URLs although their names are too common to count as
/// sensitive field names: signatures of signed URLs, OAuth codes, keys, one-time codes, CAS
/// tickets, SAML responses. Compared like [`SENSITIVE_NAMES`](super::SENSITIVE_NAMES) (ASCII
/// case, `-`, `_` and `.` ignored), but whole: `key` is one, `monkey` is not. Besides these,
/// every name ending in `signature` or `credential` is one (`X-Amz-Signature`,
/// `X-Goog-Credential`, `oauth_signature`).
///
/// # Examples
/// ```
/// use logfix_runtime::redact::redact_query;
///
/// assert_eq!(
///     redact_query("X-Amz-Date=20250101&X-Amz-Signature=9f0e&code=4/0Ab&monkey=1"),
///     "X-Amz-Date=20250101&X-Amz-Signature=[REDACTED]&code=[REDACTED]&monkey=1"
/// );
/// ```
pub const URL_SECRET_PARAMETERS: &[&str] = &[
    // A session cookie or parameter named just that (Flask's); as a field name, `session` alone
    // is not sensitive (`session_count` would be): see the vocabulary.
    "session",
    "sig",
    "code",
    "key",
    "jwt",
    "pwd",
    "pass",
    "auth",
    "otp",
    "pin",
    "ticket",
    "samlresponse",
    "samlart",
];

/// How many layers of URLs or query strings nested in a query value are looked into.
const NESTED_DEPTH: usize = 3;

/// `query` (the part of a URI after `?`) with the value of each parameter that may hold a
/// secret replaced by `[REDACTED]`; everything else is kept as it was, byte for byte. Borrowed
/// when nothing is replaced.
///
/// A value is replaced when the parameter's name is sensitive
/// ([`is_sensitive_name`](super::is_sensitive_name)) or one of [`URL_SECRET_PARAMETERS`], or
/// when the value, percent-decoded, holds a secret that [`scrub`](super::scrub::scrub) finds, or
/// is itself a URL or a query string with such a parameter (`next=%2Fcb%3Faccess_token%3D...`,
/// up to three layers deep).
///
/// Parameters are separated by `&` or `;` (some servers accept both, so both end a value). Names
/// and values are percent-decoded (and `+` read as a space) before they are checked, so
/// `api%5Fkey=...` is redacted too. A parameter without `=` has no value to hide and is kept.
///
/// # Examples
/// ```
/// use logfix_runtime::redact::redact_query;
///
/// assert_eq!(redact_query("q=shoes&password=hunter2"), "q=shoes&password=[REDACTED]");
/// assert_eq!(redact_query("api%5Fkey=k1;page=3"), "api%5Fkey=[REDACTED];page=3");
/// assert_eq!(redact_query("flag&token="), "flag&token=[REDACTED]");
/// assert_eq!(
///     redact_query("next=%2Fcb%3Faccess_token%3Dabc&lang=en"),
///     "next=[REDACTED]&lang=en"
/// );
/// ```
#[must_use]
pub fn redact_query(query: &str) -> Cow<'_, str> {
    Scrubber::default().redact_query(query)
}

impl Scrubber<'_> {
    /// [`redact_query`] with this scrubber's name policy and patterns.
    #[must_use]
    pub fn redact_query<'q>(&self, query: &'q str) -> Cow<'q, str> {
        let mut spans = Vec::new();
        query_secrets(self, query, 0, NESTED_DEPTH, &mut spans);
        redacted(query, spans)
    }

    /// `path` (a URI path) with the secrets it may hold replaced by `[REDACTED]`. Borrowed when
    /// nothing is replaced.
    ///
    /// - With the `route` template the path matched (`/reset/{token}`), each segment bound to a
    ///   parameter whose name may hold a secret (as in [`redact_query`](Self::redact_query)) is
    ///   replaced, and the rest of the path for a wildcard (`{*token}`). Segments are matched by
    ///   position. Templates in the styles `{name}`, `{*name}`, `{name:regex}`, `:name` and
    ///   `*name` are understood.
    /// - The values of `;name=value` parameters are treated like query parameters
    ///   (`/cart;jsessionid=[REDACTED]/items`).
    /// - What [`scrub`](Self::scrub) finds in the percent-decoded path is replaced; the path is
    ///   then logged decoded.
    ///
    /// # Examples
    /// ```
    /// use logfix_runtime::redact::scrub::Scrubber;
    ///
    /// let scrubber = Scrubber::default();
    /// assert_eq!(
    ///     scrubber.redact_path("/reset/abc123/confirm", Some("/reset/{token}/confirm")),
    ///     "/reset/[REDACTED]/confirm"
    /// );
    /// assert_eq!(scrubber.redact_path("/users/42", Some("/users/{id}")), "/users/42");
    /// assert_eq!(scrubber.redact_path("/cart;jsessionid=A1B2/items", None), "/cart;jsessionid=[REDACTED]/items");
    /// assert_eq!(scrubber.redact_path("/pay/4111%201111%201111%201111", None), "/pay/[REDACTED]");
    /// ```
    #[must_use]
    pub fn redact_path<'p>(&self, path: &'p str, route: Option<&str>) -> Cow<'p, str> {
        let mut spans = Vec::new();
        if let Some(route) = route {
            self.bound_secrets(path, route, &mut spans);
        }
        let mut start = 0;
        for segment in path.split('/') {
            if let Some((_, parameters)) = segment.split_once(';') {
                let at = start + segment.len() - parameters.len();
                query_secrets(self, parameters, at, NESTED_DEPTH, &mut spans);
            }
            start += segment.len() + 1;
        }
        let path = redacted(path, spans);
        let scrubbed = {
            let decoded = decoded(&path, false);
            match self.scrub(&decoded) {
                Cow::Owned(scrubbed) => Some(scrubbed),
                Cow::Borrowed(_) => None,
            }
        };
        scrubbed.map_or(path, Cow::Owned)
    }

    /// Adds the spans of the segments of `path` that `route` binds to a parameter whose name
    /// may hold a secret.
    fn bound_secrets(&self, path: &str, route: &str, spans: &mut Vec<Range<usize>>) {
        let mut start = 0;
        for (template, segment) in route.split('/').zip(path.split('/')) {
            match self.binds_secret(template) {
                Some(true) => {
                    spans.push(start..path.len());
                    return;
                }
                Some(false) => spans.push(start..start + segment.len()),
                None => {}
            }
            start += segment.len() + 1;
        }
    }

    /// Whether a segment of a route template binds a parameter whose name may hold a secret:
    /// `Some(true)` if it takes the rest of the path, `Some(false)` for the segment alone.
    fn binds_secret(&self, template: &str) -> Option<bool> {
        let secret = |name: &str| {
            let (name, rest) = name.strip_prefix('*').map_or((name, false), |name| (name, true));
            let name = name.split(':').next().unwrap_or(name);
            is_secret_parameter(self, name).then_some(rest)
        };
        if let Some(name) = template.strip_prefix(':') {
            return secret(name);
        }
        if template.starts_with('*') {
            return secret(template);
        }
        let mut found = None;
        let mut rest = template;
        while let Some((_, open)) = rest.split_once('{') {
            let Some((name, after)) = open.split_once('}') else { break };
            if let Some(wildcard) = secret(name) {
                found = Some(found.unwrap_or(false) || wildcard);
            }
            rest = after;
        }
        found
    }
}

/// Adds the span (offset by `offset`) of each value of `query` whose parameter may hold a
/// secret: by its name, and, `depth` layers deep, by its content.
pub(super) fn query_secrets(
    scrubber: &Scrubber<'_>,
    query: &str,
    offset: usize,
    depth: usize,
    spans: &mut Vec<Range<usize>>,
) {
    let mut start = offset;
    for parameter in query.split(['&', ';']) {
        if let Some((name, value)) = parameter.split_once('=') {
            let value_start = start + name.len() + 1;
            if is_secret_parameter(scrubber, &decoded(name, true))
                || depth > 0 && hides_secret(scrubber, value, depth)
            {
                spans.push(value_start..value_start + value.len());
            }
        }
        start += parameter.len() + 1;
    }
}

/// Whether a query value, percent-decoded, holds a secret the scrubber finds, or is a URL or a
/// query string with a parameter that may hold one (looking `depth` layers deep, `depth` >= 1).
fn hides_secret(scrubber: &Scrubber<'_>, raw: &str, depth: usize) -> bool {
    let value = decoded(raw, true);
    let mut spans = Vec::new();
    scrubber.find(&value, &mut spans);
    if !spans.is_empty() {
        return true;
    }
    let query = value.split_once('?').map_or(&*value, |(_, query)| query);
    let query = query.split('#').next().unwrap_or_default();
    if query.contains('=') {
        query_secrets(scrubber, query, 0, depth - 1, &mut spans);
        if !spans.is_empty() {
            return true;
        }
    }
    // Encoded once more (`%253D`): one more layer.
    matches!(value, Cow::Owned(_)) && depth > 1 && hides_secret(scrubber, &value, depth - 1)
}

/// Whether a (decoded) query parameter name may hold a secret: it is sensitive to the
/// scrubber's policy, or one of [`URL_SECRET_PARAMETERS`], or ends in `signature` or
/// `credential`.
fn is_secret_parameter(scrubber: &Scrubber<'_>, name: &str) -> bool {
    if scrubber.is_sensitive(name) {
        return true;
    }
    let mut normalized = [0_u8; 64];
    let mut len = 0;
    for b in name.bytes().filter(|b| !matches!(b, b'-' | b'_' | b'.')) {
        let Some(slot) = normalized.get_mut(len) else { return false };
        *slot = b.to_ascii_lowercase();
        len += 1;
    }
    let normalized = normalized.get(..len).unwrap_or_default();
    URL_SECRET_PARAMETERS.iter().any(|p| p.as_bytes() == normalized)
        || normalized.ends_with(b"signature")
        || normalized.ends_with(b"credential")
}

/// `s` percent-decoded (and, in a query, `+` read as a space); borrowed when there is nothing to
/// decode. An invalid escape is kept as it is; bytes that are not UTF-8 become U+FFFD.
fn decoded(s: &str, plus_is_space: bool) -> Cow<'_, str> {
    if !s.bytes().any(|b| b == b'%' || plus_is_space && b == b'+') {
        return Cow::Borrowed(s);
    }
    let mut bytes = s.bytes();
    let decoded: Vec<u8> = core::iter::from_fn(move || {
        let b = bytes.next()?;
        Some(match b {
            b'+' if plus_is_space => b' ',
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
    .collect();
    Cow::Owned(String::from_utf8_lossy(&decoded).into_owned())
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use core::fmt::Write as _;

    use proptest::prelude::*;

    use super::super::{is_sensitive_name, SENSITIVE_NAMES};
    use super::*;
    use logfix_core::REDACTED;

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
            // `+` is a space: the words `api`, `key`.
            ("api+key=x", "api+key=[REDACTED]"),
            ("api%5fkey=x&&", "api%5fkey=[REDACTED]&&"),
            ("%zz=1&%=2&%4=3", "%zz=1&%=2&%4=3"),
            ("q=caf%C3%A9&token=t", "q=caf%C3%A9&token=[REDACTED]"),
            ("é=1&ü_token=2", "é=1&ü_token=[REDACTED]"),
        ] {
            assert_eq!(redact_query(query), expected, "{query}");
        }
    }

    #[test]
    fn url_signing_and_oauth_parameters_are_redacted() {
        for (query, expected) in [
            ("sig=abc&sv=2024", "sig=[REDACTED]&sv=2024"),
            ("Signature=a&Expires=1&Key-Pair-Id=K", "Signature=[REDACTED]&Expires=1&Key-Pair-Id=K"),
            ("X-Amz-Signature=a&X-Amz-Credential=b", "X-Amz-Signature=[REDACTED]&X-Amz-Credential=[REDACTED]"),
            ("X-Goog-Signature=a", "X-Goog-Signature=[REDACTED]"),
            ("code=4%2F0Ab&state=xyz", "code=[REDACTED]&state=xyz"),
            ("KEY=k&jwt=j&pwd=p&auth=a&otp=1&pin=2&ticket=ST-1", "KEY=[REDACTED]&jwt=[REDACTED]&pwd=[REDACTED]&auth=[REDACTED]&otp=[REDACTED]&pin=[REDACTED]&ticket=[REDACTED]"),
            ("SAMLResponse=PHNhbWw%2B", "SAMLResponse=[REDACTED]"),
        ] {
            assert_eq!(redact_query(query), expected, "{query}");
        }
        for query in ["monkey=1&keys=2&author=3&codec=h264&pinned=true&signed=1", "page=2&sort=asc"]
        {
            assert!(matches!(redact_query(query), Cow::Borrowed(_)), "{query}");
        }
    }

    #[test]
    fn secrets_inside_values_are_found_nested_and_encoded() {
        for (query, expected) in [
            ("next=%2Fcb%3Faccess_token%3Dabc&lang=en", "next=[REDACTED]&lang=en"),
            ("next=https%3A%2F%2Fx%2Fcb%3Fsig%3Dabc", "next=[REDACTED]"),
            ("next=%2Fcb%253Fsig%253Dabc", "next=[REDACTED]"),
            ("r=a%3D1%26code%3D2", "r=[REDACTED]"),
            ("q=Bearer%20abc", "q=[REDACTED]"),
            ("q=4111+1111+1111+1111", "q=[REDACTED]"),
            ("db=postgres%3A%2F%2Fu%3Ap%40h", "db=[REDACTED]"),
            ("q=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "q=[REDACTED]"),
        ] {
            assert_eq!(redact_query(query), expected, "{query}");
        }
        for query in ["next=%2Fitems%3Fpage%3D2", "q=caf%C3%A9", "next=https%3A%2F%2Fx%2F"] {
            assert!(matches!(redact_query(query), Cow::Borrowed(_)), "{query}");
        }
    }

    #[test]
    fn paths_lose_bound_segments_parameters_and_secrets() {
        let scrubber = Scrubber::default();
        for (path, route, expected) in [
            ("/reset/abc", Some("/reset/{token}"), "/reset/[REDACTED]"),
            ("/reset/abc/", Some("/reset/{token}"), "/reset/[REDACTED]/"),
            ("/u/7/k/abc", Some("/u/{id}/k/{api_key}"), "/u/7/k/[REDACTED]"),
            ("/reset/abc", Some("/reset/:token"), "/reset/[REDACTED]"),
            ("/dl/a/b/c", Some("/dl/{*signature}"), "/dl/[REDACTED]"),
            ("/dl/a/b/c", Some("/dl/*key"), "/dl/[REDACTED]"),
            ("/v/abc.png", Some("/v/{code}.png"), "/v/[REDACTED]"),
            ("/v/12", Some("/v/{pin:\\d+}"), "/v/[REDACTED]"),
            ("/a;jsessionid=XYZ/b", None, "/a;jsessionid=[REDACTED]/b"),
            ("/a;v=1;sid=2;session=3", None, "/a;v=1;sid=2;session=[REDACTED]"),
            ("/a;v=1;session_count=3", None, "/a;v=1;session_count=3"),
            ("/cards/4111111111111111", None, "/cards/[REDACTED]"),
            ("/x/password%3Dhunter2", None, "/x/password=[REDACTED]"),
            ("/x/%41KIAIOSFODNN7EXAMPLE", None, "/x/[REDACTED]"),
        ] {
            assert_eq!(scrubber.redact_path(path, route), expected, "{path} {route:?}");
        }
        for (path, route) in [
            ("/users/42", Some("/users/{id}")),
            ("/users/42", None),
            ("/caf%C3%A9/menu", None),
            ("/a+b/c", Some("/{name}/c")),
            ("/short", Some("/short/{token}")),
        ] {
            assert!(matches!(scrubber.redact_path(path, route), Cow::Borrowed(_)), "{path}");
        }
    }

    #[test]
    fn decoding_keeps_invalid_escapes_and_plus_only_in_queries() {
        assert_eq!(decoded("a%20b+c%zz%4", true), "a b c%zz%4");
        assert_eq!(decoded("a%20b+c", false), "a b+c");
        assert_eq!(decoded("%FF", false), "\u{fffd}");
        assert!(matches!(decoded("plain+", false), Cow::Borrowed(_)));
    }

    /// A sensitive name, in a random spelling: its words joined by `_`, `-` or `.`, in upper or
    /// lower case, with a harmless word before or after, and characters percent-encoded.
    fn sensitive_name() -> impl Strategy<Value = String> {
        (
            prop::sample::select(SENSITIVE_NAMES),
            prop::sample::select(&["", "x_", "user-", "my."][..]),
            prop::sample::select(&["", "_2", "-x"][..]),
            prop::sample::select(&['_', '-', '.'][..]),
            any::<bool>(),
            prop::collection::vec(any::<bool>(), 32),
        )
            .prop_map(|(entry, prefix, suffix, separator, upper, encode)| {
                let spelled =
                    format!("{prefix}{}{suffix}", entry.replace('_', &separator.to_string()));
                let spelled =
                    if upper { spelled.to_ascii_uppercase() } else { spelled.to_ascii_lowercase() };
                let mut name = String::new();
                for (c, encode) in
                    spelled.chars().zip(encode.into_iter().chain(std::iter::repeat(false)))
                {
                    if encode {
                        write!(name, "%{:02X}", u32::from(c)).unwrap();
                    } else {
                        name.push(c);
                    }
                }
                name
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
        fn queries_without_secret_parameters_are_unchanged(query in "[a-z0-9%+=&;._-]{0,40}") {
            let scrubber = Scrubber::default();
            prop_assume!(query.split(['&', ';']).all(|parameter| {
                let (name, value) = parameter.split_once('=').unwrap_or((parameter, ""));
                !is_secret_parameter(&scrubber, &decoded(name, true))
                    && !is_sensitive_name(&decoded(value, true))
                    && !URL_SECRET_PARAMETERS.iter().any(|p| value.contains(p))
            }));
            prop_assert!(matches!(redact_query(&query), Cow::Borrowed(_)), "{query}");
        }
    }
}
