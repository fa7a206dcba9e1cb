//! Records written as their message text and their fields, not by derived code: events bridged
//! from `tracing` or `log`, `#[logged]` calls, logfix's own notices; and the pretty line.

use core::fmt;

use logfix_core::REDACTED;

use super::line::Line;
use super::value::{write_into, Value, ValueWriter, Written};
use super::{escape, write_key, Output};
use crate::context::Context;

/// A line in the pretty format, after its level, component and event. Not a stable API.
#[doc(hidden)]
pub struct Pretty<'a> {
    pub(crate) out: &'a mut Output,
    context: Option<&'a Context>,
}

impl<'a> Pretty<'a> {
    pub(crate) fn new(out: &'a mut Output, context: Option<&'a Context>) -> Self {
        Self { out, context }
    }

    pub(crate) fn context_with(&mut self, event_has: impl Fn(&str) -> bool) {
        super::context::write_context(self.out, self.context, event_has);
    }
}

/// A record written as its message text and its fields.
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

/// Writes the text of the `message` key of a record that is not a derived event.
pub(crate) struct MessageWriter<'a> {
    out: &'a mut Output,
}

impl<'a> MessageWriter<'a> {
    pub(crate) fn new(out: &'a mut Output) -> Self {
        Self { out }
    }

    /// Text, escaped here.
    pub(crate) fn literal(&mut self, text: &str) {
        escape::escape_into(&mut self.out.buf, text);
    }
}

/// Writes the fields of a record that is not a derived event.
pub(crate) struct FieldWriter<'a> {
    out: &'a mut Output,
}

impl<'a> FieldWriter<'a> {
    pub(crate) fn new(out: &'a mut Output) -> Self {
        Self { out }
    }

    /// A field written by `write`: one of the writer's methods, or a value's `record`.
    pub(crate) fn with(
        &mut self,
        key: &str,
        write: impl for<'w> FnOnce(ValueWriter<'w>) -> Written<'w>,
    ) {
        write_key(self.out, key);
        write_into(self.out, false, write);
    }

    /// A field written with its [`Value`] impl.
    pub(crate) fn value<V: Value + ?Sized>(&mut self, key: &str, v: &V) {
        self.with(key, |w| v.record(w));
    }

    /// A field written with its `Display` impl.
    pub(crate) fn display<V: fmt::Display + ?Sized>(&mut self, key: &str, v: &V) {
        self.with(key, |w| w.display(&v));
    }

    /// A field written with its `Debug` impl.
    pub(crate) fn debug<V: fmt::Debug + ?Sized>(&mut self, key: &str, v: &V) {
        self.with(key, |w| w.debug(&v));
    }

    /// A secret field: only the key is written.
    pub(crate) fn redacted(&mut self, key: &str) {
        self.value(key, REDACTED);
    }

    /// A custom context value, or a notice's field.
    pub(crate) fn context_value(&mut self, key: &str, value: &crate::context::ContextValue) {
        self.with(key, |w| super::context::write_value(value, w));
    }

    /// A value already rendered as JSON (by the argument snapshot of `#[logged]`).
    pub(crate) fn raw_json(&mut self, key: &str, json: &[u8]) {
        write_key(self.out, key);
        self.out.buf.extend_from_slice(json);
    }
}
