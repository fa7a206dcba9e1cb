//! What the code of `#[derive(LogEvent)]` writes an event's message and fields into: a JSON
//! [`Line`], or a [`Pretty`] line. One body of generated code serves both, so that a field whose
//! type cannot be logged is reported once.

#![allow(
    clippy::inline_always,
    reason = "the line's position stays in registers only if every call that takes it is inlined (measured: see docs/BENCHMARKS.md)"
)]

use core::fmt;

use logfix_core::REDACTED;

use crate::redact::Mask;

use super::line::Line;
use super::parts::Pretty;
use super::value::{write_into, Value, ValueWriter, Written};
use super::write_key;

/// Where an event's message and fields are written. Not a stable API.
///
/// The derive's code calls every method, in the order of the line; each format takes what is
/// its own and ignores the rest. JSON's constant text comes joined across fields through
/// [`EventWriter::json`]; the pretty format gets its pieces one by one.
#[doc(hidden)]
pub trait EventWriter: sealed::Sealed {
    /// Constant JSON text: keys, the message's literal text, quotes. Ignored in the pretty format.
    fn json(&mut self, text: &'static [u8]);
    /// A literal part of the message, escaped at compile time. Ignored in JSON (its text came
    /// through [`EventWriter::json`]).
    fn message_text(&mut self, text: &'static str);
    /// A field's key. Ignored in JSON.
    fn key(&mut self, key: &'static str);
    /// A redacted field's value. Ignored in JSON.
    fn redacted(&mut self);
    /// The context in force: the keys the event does not set itself (`fields`).
    fn context(&mut self, fields: &'static [&'static str]);
    /// A value, in the message (`in_string`) or as a field.
    fn value<V: Value + ?Sized>(&mut self, v: &V, in_string: bool);
    /// A `#[log(display)]` value.
    fn display<V: fmt::Display + ?Sized>(&mut self, v: &V, in_string: bool);
    /// A `#[log(debug)]` value.
    fn debug<V: fmt::Debug + ?Sized>(&mut self, v: &V, in_string: bool);
    /// A `#[log(hex)]` value.
    fn hex<V: AsRef<[u8]> + ?Sized>(&mut self, v: &V, in_string: bool);
    /// A `#[log(base64)]` value.
    fn base64<V: AsRef<[u8]> + ?Sized>(&mut self, v: &V, in_string: bool);
    /// A `#[log(serde)]` value.
    fn serde<V: SerdeValue + ?Sized>(&mut self, v: &V, in_string: bool);
    /// A `#[log(redact = "...")]` field's value: its text, masked.
    fn masked<V: MaskedValue + ?Sized>(&mut self, v: &V, mask: Mask);
    /// The text of a redacted field, written first: removed from the event's `Display` and
    /// `Debug` values.
    fn known(&mut self, text: Option<String>);
}

/// What `#[log(redact = "hash")]` (or `"last4"`, `"email"`) takes: a value with a `Display`
/// text to mask. Not a stable API.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be masked with #[log(redact = \"...\")]",
    label = "this type does not implement `std::fmt::Display`",
    note = "a mask works on the value's `Display` text: implement `Display` for it, or write #[log(redact)] to hide the value entirely"
)]
pub trait MaskedValue {
    /// The value's text, before it is masked.
    fn __text(&self) -> String;
}

impl<T: fmt::Display + ?Sized> MaskedValue for T {
    fn __text(&self) -> String {
        self.to_string()
    }
}

/// What a field or argument named like a context id (`request_id`, `correlation_id`, `user_id`,
/// `trace_id`, `span_id`) takes when written as it is: a string, like the context's own id,
/// so that a key never holds two JSON types. Not a stable API.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the value of a field named like a context id",
    label = "a context id is a string in every line",
    note = "`request_id`, `correlation_id`, `user_id`, `trace_id` and `span_id` are written as strings by the context; a number under the same key is a mapping conflict in Elasticsearch",
    note = "make it a string (`String`, `&str`), mark it #[log(display)] to write its text, or rename it with #[log(rename = \"...\")]"
)]
pub trait ContextId {}

impl ContextId for str {}
impl ContextId for String {}
impl ContextId for std::borrow::Cow<'_, str> {}
impl ContextId for Box<str> {}
impl ContextId for std::sync::Arc<str> {}
impl ContextId for std::rc::Rc<str> {}
impl<T: ContextId + ?Sized> ContextId for &T {}
impl<T: ContextId + ?Sized> ContextId for &mut T {}
impl<T: ContextId> ContextId for Option<T> {}

/// `v`, once its type is known to be a string: see [`ContextId`]. Not a stable API.
#[doc(hidden)]
#[inline(always)]
pub fn context_id<V: ContextId + ?Sized>(v: &V) -> &V {
    v
}

/// What `#[log(serde)]` takes: any `serde::Serialize` type, with the `serde` feature. Not a
/// stable API.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be logged with #[log(serde)]",
    label = "this field's type does not implement `serde::Serialize`, or the `serde` feature of logfix-runtime is off",
    note = "#[log(serde)] needs the `serde` feature of logfix-runtime and a type that implements `serde::Serialize`"
)]
pub trait SerdeValue {
    /// Writes the value as nested JSON.
    fn __write<'w>(&self, out: ValueWriter<'w>) -> Written<'w>;
}

#[cfg(feature = "serde")]
impl<T: serde::Serialize + ?Sized> SerdeValue for T {
    fn __write<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        out.serde(self)
    }
}

impl EventWriter for Pretty<'_> {
    fn json(&mut self, _: &'static [u8]) {}

    fn message_text(&mut self, text: &'static str) {
        self.out.buf.extend_from_slice(text.as_bytes());
    }

    fn key(&mut self, key: &'static str) {
        write_key(self.out, key);
    }

    fn redacted(&mut self) {
        write_into(self.out, false, |w| w.str(REDACTED));
    }

    fn context(&mut self, fields: &'static [&'static str]) {
        self.context_with(|key| fields.contains(&key));
    }

    fn value<V: Value + ?Sized>(&mut self, v: &V, in_string: bool) {
        write_into(self.out, in_string, |w| v.record(w));
    }

    fn display<V: fmt::Display + ?Sized>(&mut self, v: &V, in_string: bool) {
        write_into(self.out, in_string, |w| w.display(&v));
    }

    fn debug<V: fmt::Debug + ?Sized>(&mut self, v: &V, in_string: bool) {
        write_into(self.out, in_string, |w| w.debug(&v));
    }

    fn hex<V: AsRef<[u8]> + ?Sized>(&mut self, v: &V, in_string: bool) {
        write_into(self.out, in_string, |w| w.hex(v.as_ref()));
    }

    fn base64<V: AsRef<[u8]> + ?Sized>(&mut self, v: &V, in_string: bool) {
        write_into(self.out, in_string, |w| w.base64(v.as_ref()));
    }

    fn serde<V: SerdeValue + ?Sized>(&mut self, v: &V, in_string: bool) {
        write_into(self.out, in_string, |w| v.__write(w));
    }

    fn masked<V: MaskedValue + ?Sized>(&mut self, v: &V, mask: Mask) {
        let masked = self.out.redaction().mask(&v.__text(), mask);
        write_into(self.out, false, |w| w.str(&masked));
    }

    fn known(&mut self, text: Option<String>) {
        self.out.known.extend(text);
    }
}

impl EventWriter for Line<'_> {
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn json(&mut self, text: &'static [u8]) {
        self.put(text);
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn message_text(&mut self, _: &'static str) {}

    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn key(&mut self, _: &'static str) {}

    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn redacted(&mut self) {}

    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn context(&mut self, fields: &'static [&'static str]) {
        self.context_with(|key| fields.contains(&key));
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn value<V: Value + ?Sized>(&mut self, v: &V, in_string: bool) {
        self.record(v, in_string);
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn display<V: fmt::Display + ?Sized>(&mut self, v: &V, in_string: bool) {
        let _ = self.value_writer(in_string).display(&v);
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn debug<V: fmt::Debug + ?Sized>(&mut self, v: &V, in_string: bool) {
        let _ = self.value_writer(in_string).debug(&v);
    }

    fn hex<V: AsRef<[u8]> + ?Sized>(&mut self, v: &V, in_string: bool) {
        let _ = self.value_writer(in_string).hex(v.as_ref());
    }

    fn base64<V: AsRef<[u8]> + ?Sized>(&mut self, v: &V, in_string: bool) {
        let _ = self.value_writer(in_string).base64(v.as_ref());
    }

    fn serde<V: SerdeValue + ?Sized>(&mut self, v: &V, in_string: bool) {
        let _ = v.__write(self.value_writer(in_string));
    }

    fn masked<V: MaskedValue + ?Sized>(&mut self, v: &V, mask: Mask) {
        let mut masked = String::new();
        self.with_output(|out| masked = out.redaction().mask(&v.__text(), mask));
        let _ = self.value_writer(false).str(&masked);
    }

    fn known(&mut self, text: Option<String>) {
        self.with_output(|out| out.known.extend(text));
    }
}

/// Only the runtime's writers are event writers: one writes whatever the derive's code hands it.
mod sealed {
    pub trait Sealed {}

    impl Sealed for super::Pretty<'_> {}
    impl Sealed for super::Line<'_> {}
}
