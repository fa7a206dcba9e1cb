//! JSON string escaping: the one function every string in every line goes through, defined in
//! `logfix-core` so that the macros escape the constant parts of a line with the same code.

pub(crate) use logfix_core::escape::{escape_into, is_clean, needs_quotes, EscapeWriter};
