//! Case conversion: the default event name of a struct.

/// The name in `snake_case`, acronyms kept together
/// (`HTTPRequest` becomes `http_request`, `Oauth2Login` becomes `oauth2_login`).
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars.get(i - 1).copied().unwrap_or('_');
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let word_ends = prev.is_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_uppercase() && next_is_lower);
            if word_ends && !out.ends_with('_') {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_splits_words_and_keeps_acronyms() {
        for (name, expected) in [
            ("UserLogin", "user_login"),
            ("HTTPRequest", "http_request"),
            ("ParseHTTPResponse", "parse_http_response"),
            ("RequestHTTP", "request_http"),
            ("Oauth2Login", "oauth2_login"),
            ("V2", "v2"),
            ("Login2FAFailed", "login2_fa_failed"),
            ("Already_Snake", "already_snake"),
            ("X", "x"),
            ("Handled", "handled"),
        ] {
            assert_eq!(snake_case(name), expected, "{name}");
        }
    }
}
