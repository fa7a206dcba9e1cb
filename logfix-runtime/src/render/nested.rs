//! `#[log(serde)]`: a `serde::Serialize` value written as nested JSON, with the value of every
//! sensitive key replaced by `"[REDACTED]"`, at any depth.
//!
//! `serde_json` does the serializing; a [`Formatter`] of ours sees each object key before its
//! value, and mutes the writer for the value of a sensitive one. Strings are escaped as logfix
//! escapes them everywhere (U+2028, U+2029 and U+0085 too, which `serde_json` leaves raw).

use core::cell::Cell;
use std::io;

use logfix_core::escape::escape_into;
use logfix_core::REDACTED;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter};

use super::Output;
use crate::redact::Redaction;

/// Appends `value` as JSON to `out` (as the text of a JSON string when `in_string`); `null`, and
/// one more format error, when it cannot be written as JSON.
pub(super) fn write<T: serde::Serialize + ?Sized>(out: &mut Output, value: &T, in_string: bool) {
    let mut json = Vec::new();
    // The field, not `Output::redaction`, so that the buffer can be borrowed beside it.
    let redaction = match out.own_redaction.as_deref() {
        Some(own) => own,
        None => crate::redact::global(),
    };
    let target = if in_string { &mut json } else { &mut out.buf };
    let start = target.len();
    if serialize(target, value, redaction).is_err() {
        target.truncate(start);
        target.extend_from_slice(b"null");
        out.format_errors += 1;
    }
    if in_string {
        // serde_json wrote UTF-8 (and `null` is ASCII).
        escape_into(&mut out.buf, &String::from_utf8_lossy(&json));
    }
}

fn serialize<T: serde::Serialize + ?Sized>(
    buf: &mut Vec<u8>,
    value: &T,
    redaction: &Redaction,
) -> serde_json::Result<()> {
    let mute = Cell::new(false);
    let writer = Muted { buf, mute: &mute };
    let formatter = Redacting { redaction, mute: &mute, key: None, muted_values: 0 };
    value.serialize(&mut serde_json::Serializer::with_formatter(writer, formatter))
}

/// The line's buffer, which drops what is written while `mute` is set.
struct Muted<'a> {
    buf: &'a mut Vec<u8>,
    mute: &'a Cell<bool>,
}

impl io::Write for Muted<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if !self.mute.get() {
            self.buf.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `serde_json`'s compact output, escaped as logfix escapes, with sensitive keys' values muted.
struct Redacting<'a> {
    /// Whose names are sensitive.
    redaction: &'a Redaction,
    mute: &'a Cell<bool>,
    /// The object key being written, collected from its string.
    key: Option<String>,
    /// While muted: 1 for the sensitive key's own value, plus one per object value inside it.
    muted_values: usize,
}

impl Formatter for Redacting<'_> {
    fn write_string_fragment<W>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        if let Some(key) = &mut self.key {
            key.push_str(fragment);
        }
        if fragment.is_ascii() {
            writer.write_all(fragment.as_bytes())
        } else {
            let mut escaped = Vec::with_capacity(fragment.len() + 6);
            escape_into(&mut escaped, fragment);
            writer.write_all(&escaped)
        }
    }

    fn write_char_escape<W>(&mut self, writer: &mut W, escape: CharEscape) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        if let Some(key) = &mut self.key {
            key.push(match escape {
                CharEscape::Quote => '"',
                CharEscape::ReverseSolidus => '\\',
                CharEscape::Solidus => '/',
                CharEscape::LineFeed => '\n',
                CharEscape::CarriageReturn => '\r',
                CharEscape::Tab => '\t',
                CharEscape::Backspace | CharEscape::FormFeed | CharEscape::AsciiControl(_) => ' ',
            });
        }
        CompactFormatter.write_char_escape(writer, escape)
    }

    fn begin_object_key<W>(&mut self, writer: &mut W, first: bool) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        if !self.mute.get() {
            self.key = Some(String::new());
        }
        CompactFormatter.begin_object_key(writer, first)
    }

    fn end_object_key<W>(&mut self, _writer: &mut W) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        Ok(())
    }

    fn begin_object_value<W>(&mut self, writer: &mut W) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        CompactFormatter.begin_object_value(writer)?;
        if self.mute.get() {
            self.muted_values += 1;
        } else if self.key.take().is_some_and(|key| self.redaction.is_sensitive(&key)) {
            writer.write_all(b"\"")?;
            writer.write_all(REDACTED.as_bytes())?;
            writer.write_all(b"\"")?;
            self.mute.set(true);
            self.muted_values = 1;
        }
        Ok(())
    }

    fn end_object_value<W>(&mut self, _writer: &mut W) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        if self.mute.get() {
            self.muted_values -= 1;
            if self.muted_values == 0 {
                self.mute.set(false);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::render::Format;

    fn json<T: serde::Serialize + ?Sized>(value: &T, in_string: bool) -> (String, u32) {
        let mut out = Output::new(Format::Json, false);
        write(&mut out, value, in_string);
        (String::from_utf8(out.buf).unwrap(), out.format_errors)
    }

    #[derive(serde::Serialize)]
    struct Login {
        user: &'static str,
        password: &'static str,
        nested: Inner,
        #[serde(rename = "apiKey")]
        api_key: Inner,
    }

    #[derive(serde::Serialize)]
    struct Inner {
        token: Vec<u8>,
        note: &'static str,
    }

    #[test]
    fn sensitive_keys_are_redacted_at_any_depth() {
        let login = Login {
            user: "ann",
            password: "hunter2",
            nested: Inner { token: vec![1, 2], note: "n\u{2028}\"q\"" },
            api_key: Inner { token: vec![3], note: "x" },
        };
        let (text, errors) = json(&login, false);
        assert_eq!(
            text,
            r#"{"user":"ann","password":"[REDACTED]","nested":{"token":"[REDACTED]","note":"n\u2028\"q\""},"apiKey":"[REDACTED]"}"#
        );
        assert_eq!(errors, 0);
        let mut map = BTreeMap::new();
        map.insert("Authorization", vec![BTreeMap::from([("secret", 1)])]);
        map.insert("page", vec![BTreeMap::from([("x", 2)])]);
        assert_eq!(json(&map, false).0, r#"{"Authorization":"[REDACTED]","page":[{"x":2}]}"#);
    }

    #[test]
    fn in_the_message_the_json_is_text() {
        let (text, _) = json(&BTreeMap::from([("a", "b")]), true);
        assert_eq!(text, r#"{\"a\":\"b\"}"#);
    }

    #[test]
    fn what_json_cannot_hold_is_null_and_counted() {
        let map = BTreeMap::from([((1, 2), "tuple keys")]);
        assert_eq!(json(&map, false), ("null".to_owned(), 1));
        assert_eq!(json(&f64::NAN, false), ("null".to_owned(), 0));
    }
}
