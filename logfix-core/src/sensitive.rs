//! Names that suggest a secret: the one policy for field names checked at compile time and for
//! names (headers, query parameters) checked at run time.
//!
//! A name is sensitive when, ignoring ASCII case, `-`, `_` and `.`, it contains one of
//! [`SENSITIVE_NAMES`]: `password`, `user_password`, `X-Api-Key`, `Set-Cookie`,
//! `Proxy-Authorization`, `refresh_token` and `sessionId` all are.
//!
//! # Examples
//! ```
//! use logfix_core::sensitive::is_sensitive;
//!
//! assert!(is_sensitive("X-Api-Key"));
//! assert!(!is_sensitive("page"));
//! ```

/// The fragments that make a name sensitive, lowercase and without `-`, `_` or `.` (names are
/// compared the same way). Header names such as `set-cookie`, `x-api-key` and
/// `proxy-authorization` match through `cookie`, `apikey` and `authorization`.
///
/// # Examples
/// ```
/// assert!(logfix_core::sensitive::SENSITIVE_NAMES.contains(&"token"));
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

/// Whether `name` (a field, argument, header or query parameter name) suggests a secret: whether
/// it contains one of [`SENSITIVE_NAMES`], ignoring ASCII case, `-`, `_` and `.`.
///
/// # Examples
/// ```
/// use logfix_core::sensitive::is_sensitive;
///
/// assert!(is_sensitive("Authorization"));
/// assert!(is_sensitive("client_secret"));
/// assert!(is_sensitive("API-KEY"));
/// assert!(!is_sensitive("user_id"));
/// ```
#[must_use]
pub fn is_sensitive(name: &str) -> bool {
    let normalized: Vec<u8> = name
        .bytes()
        .filter(|b| !matches!(b, b'-' | b'_' | b'.'))
        .map(|b| b.to_ascii_lowercase())
        .collect();
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
            "tokens",
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
            "ssh-private-key",
            "session",
            "JSESSIONID",
        ] {
            assert!(is_sensitive(name), "{name}");
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
            "order_id",
            "",
            "accept",
        ] {
            assert!(!is_sensitive(name), "{name}");
        }
    }
}
