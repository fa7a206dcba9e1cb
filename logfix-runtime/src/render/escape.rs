//! JSON string escaping: the one function every string in every line goes through, defined in
//! `logfix-core` so that the macros escape the constant parts of a line with the same code.

pub(crate) use logfix_core::escape::{escape_into, is_clean, EscapeWriter};

/// Whether a key or value of the pretty format must be quoted to be read back unambiguously:
/// empty, or holding a space, `=`, a quote, a backslash, a control character or a character
/// that ends a line somewhere (U+0085, U+2028, U+2029), any of which would let a value or a
/// dynamic key (`"a b=c"`) pass for more fields than it is.
pub(crate) fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.bytes().any(|b| b <= b' ' || b == b'"' || b == b'=' || b == b'\\' || b == 0x7f)
        || s.contains(['\u{85}', '\u{2028}', '\u{2029}'])
}
