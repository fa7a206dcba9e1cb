//! What the code of `#[derive(LogEvent)]` writes an event's message and fields into: a JSON
//! [`Line`], or a [`Pretty`] line. One body of generated code serves both, so that a field whose
//! type cannot be logged is reported once.

use core::fmt;

use super::line::Line;
use super::{write_key, Output};
use crate::context::Context;
use crate::event::{FieldWriter, MessageWriter, Metadata, Value, ValueWriter, REDACTED};

/// Where an event's message and fields are written. Not a stable API.
///
/// The derive's code calls every method, in the order of the line; each format takes what is
/// its own and ignores the rest. JSON's constant text comes joined across fields through
/// [`Sink::json`]; the pretty format gets its pieces one by one.
#[doc(hidden)]
pub trait Sink {
    /// Constant JSON text: keys, the message's literal text, quotes. Ignored in the pretty format.
    fn json(&mut self, text: &'static [u8]);
    /// A literal part of the message, escaped at compile time. Ignored in JSON (its text came
    /// through [`Sink::json`]).
    fn message_text(&mut self, text: &'static str);
    /// A field's key. Ignored in JSON.
    fn key(&mut self, key: &'static str);
    /// A redacted field's value. Ignored in JSON.
    fn redacted(&mut self);
    /// The context in force: the keys the event does not set itself.
    fn context(&mut self, metadata: &'static Metadata);
    /// A value, in the message (`in_string`) or as a field.
    fn value<V: Value + ?Sized>(&mut self, v: &V, in_string: bool);
    /// A `#[log(display)]` value.
    fn display<V: fmt::Display + ?Sized>(&mut self, v: &V, in_string: bool);
    /// A `#[log(debug)]` value.
    fn debug<V: fmt::Debug + ?Sized>(&mut self, v: &V, in_string: bool);
}

/// A line in the pretty format, after its level, component and event. Not a stable API.
#[doc(hidden)]
pub struct Pretty<'a> {
    out: &'a mut Output,
    context: Option<&'a Context>,
}

impl<'a> Pretty<'a> {
    pub(crate) fn new(out: &'a mut Output, context: Option<&'a Context>) -> Self {
        Self { out, context }
    }

    fn context_with(&mut self, event_has: impl Fn(&str) -> bool) {
        crate::context::write_context(self.out, self.context, event_has);
    }
}

impl Sink for Pretty<'_> {
    fn json(&mut self, _: &'static [u8]) {}

    fn message_text(&mut self, text: &'static str) {
        self.out.buf.extend_from_slice(text.as_bytes());
    }

    fn key(&mut self, key: &'static str) {
        write_key(self.out, key);
    }

    fn redacted(&mut self) {
        ValueWriter::new(self.out, false).str(REDACTED);
    }

    fn context(&mut self, metadata: &'static Metadata) {
        self.context_with(|key| metadata.has_field(key));
    }

    fn value<V: Value + ?Sized>(&mut self, v: &V, in_string: bool) {
        v.record(&mut ValueWriter::new(self.out, in_string));
    }

    fn display<V: fmt::Display + ?Sized>(&mut self, v: &V, in_string: bool) {
        ValueWriter::new(self.out, in_string).display(&v);
    }

    fn debug<V: fmt::Debug + ?Sized>(&mut self, v: &V, in_string: bool) {
        ValueWriter::new(self.out, in_string).debug(&v);
    }
}

/// A record written as its message text and its fields, not by derived code: an event bridged
/// from `tracing` or `log`, a `#[logged]` call, one of logfix's own notices.
pub(crate) trait Parts {
    fn has_field(&self, key: &str) -> bool;
    fn write_message(&self, w: &mut MessageWriter<'_>);
    fn write_fields(&self, w: &mut FieldWriter<'_>);
}

/// Writes `parts` into a JSON line, from the message text to the last field.
pub(crate) fn json_parts(line: &mut Line<'_>, parts: &(impl Parts + ?Sized)) {
    line.with_output(|out| {
        parts.write_message(&mut MessageWriter::new(out));
        out.buf.push(b'"');
    });
    line.context_with(|key| parts.has_field(key));
    line.with_output(|out| parts.write_fields(&mut FieldWriter::new(out)));
}

/// Writes `parts` into a pretty line, from the message text to the last field.
pub(crate) fn pretty_parts(w: &mut Pretty<'_>, parts: &(impl Parts + ?Sized)) {
    parts.write_message(&mut MessageWriter::new(w.out));
    w.context_with(|key| parts.has_field(key));
    parts.write_fields(&mut FieldWriter::new(w.out));
}
