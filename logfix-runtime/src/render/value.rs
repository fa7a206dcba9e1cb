//! Field values: what a type must implement to be logged without `#[log(display)]` or
//! `#[log(debug)]`, and the writer that renders it.

#![allow(
    clippy::inline_always,
    reason = "a JSON line's position stays in registers only if the `__json` of the common types is inlined into the derive's code (measured: see docs/BENCHMARKS.md)"
)]

use core::fmt;
use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::num::{
    NonZeroI16, NonZeroI32, NonZeroI64, NonZeroI8, NonZeroIsize, NonZeroU16, NonZeroU32,
    NonZeroU64, NonZeroU8, NonZeroUsize,
};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use super::digits::write_small;
use super::escape::{escape_into, EscapeWriter};
use super::line::Line;
use super::{Format, Output};

/// A type that can be logged as a field: strings become JSON strings, numbers JSON numbers,
/// `bool` a JSON boolean, `None` `null`, and slices and vectors JSON arrays.
///
/// Implement it for your own types by forwarding to one of the [`ValueWriter`] methods; for a type
/// that has a `Display` or `Debug` impl, marking the field `#[log(display)]` or `#[log(debug)]`
/// is usually simpler.
///
/// # Examples
/// ```
/// use logfix_runtime::{Value, ValueWriter};
///
/// struct OrderId(u64);
///
/// impl Value for OrderId {
///     fn record(&self, out: &mut ValueWriter<'_>) {
///         out.u64(self.0);
///     }
/// }
///
/// #[derive(logfix_runtime::LogEvent)]
/// #[log(component = "shop", message = "order {order} placed")]
/// struct OrderPlaced {
///     order: OrderId,
/// }
///
/// let events = logfix_testkit::capture(|| logfix_runtime::emit(&OrderPlaced { order: OrderId(7) }));
/// assert_eq!(events[0]["order"], 7);
/// assert_eq!(events[0]["message"], "order 7 placed");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be logged as a field value",
    label = "this field's type does not implement `logfix_runtime::Value`",
    note = "add `#[log(display)]` to log it with `Display`, `#[log(debug)]` to log it with `Debug`, or `#[log(skip)]` to leave it out"
)]
pub trait Value {
    /// Writes the value by calling exactly one method of `out`.
    fn record(&self, out: &mut ValueWriter<'_>);

    /// Not a stable API: writes the value into a JSON line (by default through `record`).
    #[doc(hidden)]
    #[inline(always)]
    fn __json(&self, line: &mut Line<'_>, in_string: bool) {
        line.record(self, in_string);
    }
}

/// Renders one value into the line being built. Whether it ends up as a JSON value, inside the
/// JSON string of the message, or in the pretty format is decided by the writer, not the value.
pub struct ValueWriter<'a> {
    out: &'a mut Output,
    /// The value is written inside an already open string (the message), so it gets no quotes.
    in_string: bool,
}

impl<'a> ValueWriter<'a> {
    #[inline]
    pub(crate) fn new(out: &'a mut Output, in_string: bool) -> Self {
        Self { out, in_string }
    }

    /// Writes a string.
    #[inline]
    pub fn str(&mut self, s: &str) {
        let buf = &mut self.out.buf;
        if self.in_string {
            escape_into(buf, s);
        } else if self.out.format == Format::Pretty && !needs_quotes(s) {
            buf.extend_from_slice(s.as_bytes());
        } else {
            buf.push(b'"');
            escape_into(buf, s);
            buf.push(b'"');
        }
    }

    /// Writes a boolean.
    #[inline]
    pub fn bool(&mut self, v: bool) {
        self.out.buf.extend_from_slice(if v { b"true" } else { b"false" });
    }

    /// Writes a signed integer.
    #[inline]
    pub fn i64(&mut self, v: i64) {
        match u64::try_from(v) {
            Ok(v) => self.u64(v),
            Err(_) => self.out.buf.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
        }
    }

    /// Writes an unsigned integer.
    #[inline]
    pub fn u64(&mut self, v: u64) {
        if !write_small(v, |digits| self.out.buf.extend_from_slice(digits)) {
            self.out.buf.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
        }
    }

    /// Writes a 128-bit signed integer.
    pub fn i128(&mut self, v: i128) {
        self.out.buf.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    }

    /// Writes a 128-bit unsigned integer.
    pub fn u128(&mut self, v: u128) {
        self.out.buf.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    }

    /// Writes a float. JSON has no NaN or infinity, so outside the message those become `null`.
    pub fn f64(&mut self, v: f64) {
        if v.is_finite() {
            self.out.buf.extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes());
        } else if self.in_string || self.out.format == Format::Pretty {
            let text: &[u8] = if v.is_nan() {
                b"NaN"
            } else if v > 0.0 {
                b"inf"
            } else {
                b"-inf"
            };
            self.out.buf.extend_from_slice(text);
        } else {
            self.null();
        }
    }

    /// Writes a JSON `null` (`null` in the message too).
    pub fn null(&mut self) {
        self.out.buf.extend_from_slice(b"null");
    }

    /// Writes a value through its `Display` impl, as a string.
    pub fn display(&mut self, v: &dyn fmt::Display) {
        self.formatted(format_args!("{v}"));
    }

    /// Writes a value through its `Debug` impl, as a string.
    pub fn debug(&mut self, v: &dyn fmt::Debug) {
        self.formatted(format_args!("{v:?}"));
    }

    /// Writes a sequence: a JSON array, or `[a, b]` inside the message.
    pub fn seq<'v, V, I>(&mut self, items: I)
    where
        V: Value + ?Sized + 'v,
        I: IntoIterator<Item = &'v V>,
    {
        self.out.buf.push(b'[');
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.out.buf.extend_from_slice(if self.in_string { b", " } else { b"," });
            }
            item.record(&mut ValueWriter { out: self.out, in_string: self.in_string });
        }
        self.out.buf.push(b']');
    }

    fn formatted(&mut self, args: fmt::Arguments<'_>) {
        let quoted = !self.in_string;
        if quoted {
            self.out.buf.push(b'"');
        }
        if fmt::write(&mut EscapeWriter(&mut self.out.buf), args).is_err() {
            // A `Display`/`Debug` impl may return `Err`; the text it wrote so far stays and the
            // line stays valid. The failure is counted by the dispatcher.
            self.out.format_errors += 1;
        }
        if quoted {
            self.out.buf.push(b'"');
        }
    }
}

/// Whether a pretty-format field value must be quoted to be read back unambiguously.
fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.bytes().any(|b| b <= b' ' || b == b'"' || b == b'=' || b == b'\\' || b == 0x7f)
}

impl<T: Value + ?Sized> Value for &T {
    #[inline]
    fn record(&self, out: &mut ValueWriter<'_>) {
        (**self).record(out);
    }

    #[inline(always)]
    fn __json(&self, line: &mut Line<'_>, in_string: bool) {
        (**self).__json(line, in_string);
    }
}

impl<T: Value + ?Sized> Value for &mut T {
    #[inline]
    fn record(&self, out: &mut ValueWriter<'_>) {
        (**self).record(out);
    }

    #[inline(always)]
    fn __json(&self, line: &mut Line<'_>, in_string: bool) {
        (**self).__json(line, in_string);
    }
}

macro_rules! forward_smart_pointer {
    ($($ty:ident),*) => {$(
        impl<T: Value + ?Sized> Value for $ty<T> {
            #[inline]
            fn record(&self, out: &mut ValueWriter<'_>) {
                (**self).record(out);
            }

            #[inline(always)]
            fn __json(&self, line: &mut Line<'_>, in_string: bool) {
                (**self).__json(line, in_string);
            }
        }
    )*};
}
forward_smart_pointer!(Box, Rc, Arc);

impl Value for str {
    #[inline]
    fn record(&self, out: &mut ValueWriter<'_>) {
        out.str(self);
    }

    #[inline(always)]
    fn __json(&self, line: &mut Line<'_>, in_string: bool) {
        line.str(self, in_string);
    }
}

impl Value for String {
    #[inline]
    fn record(&self, out: &mut ValueWriter<'_>) {
        out.str(self);
    }

    #[inline(always)]
    fn __json(&self, line: &mut Line<'_>, in_string: bool) {
        line.str(self, in_string);
    }
}

impl Value for Cow<'_, str> {
    #[inline]
    fn record(&self, out: &mut ValueWriter<'_>) {
        out.str(self);
    }

    #[inline(always)]
    fn __json(&self, line: &mut Line<'_>, in_string: bool) {
        line.str(self, in_string);
    }
}

impl Value for char {
    #[inline]
    fn record(&self, out: &mut ValueWriter<'_>) {
        out.str(self.encode_utf8(&mut [0; 4]));
    }
}

impl Value for bool {
    #[inline]
    fn record(&self, out: &mut ValueWriter<'_>) {
        out.bool(*self);
    }

    #[inline(always)]
    fn __json(&self, line: &mut Line<'_>, _in_string: bool) {
        line.put(if *self { b"true" } else { b"false" });
    }
}

macro_rules! integer {
    ($method:ident as $wide:ty: $($ty:ty),*) => {$(
        impl Value for $ty {
            #[inline]
            fn record(&self, out: &mut ValueWriter<'_>) {
                out.$method(<$wide>::from(*self));
            }

            #[inline(always)]
            fn __json(&self, line: &mut Line<'_>, _in_string: bool) {
                line.$method(<$wide>::from(*self));
            }
        }
    )*};
}
integer!(i64 as i64: i8, i16, i32, i64);
integer!(u64 as u64: u8, u16, u32, u64);

impl Value for i128 {
    #[inline]
    fn record(&self, out: &mut ValueWriter<'_>) {
        out.i128(*self);
    }
}

impl Value for u128 {
    #[inline]
    fn record(&self, out: &mut ValueWriter<'_>) {
        out.u128(*self);
    }
}

impl Value for isize {
    #[inline]
    fn record(&self, out: &mut ValueWriter<'_>) {
        // isize is at most 64 bits on every platform Rust supports.
        out.i128(*self as i128);
    }
}

impl Value for usize {
    #[inline]
    fn record(&self, out: &mut ValueWriter<'_>) {
        out.u128(*self as u128);
    }
}

macro_rules! non_zero {
    ($($ty:ty),*) => {$(
        impl Value for $ty {
            #[inline]
            fn record(&self, out: &mut ValueWriter<'_>) {
                self.get().record(out);
            }
        }
    )*};
}
non_zero!(
    NonZeroI8,
    NonZeroI16,
    NonZeroI32,
    NonZeroI64,
    NonZeroIsize,
    NonZeroU8,
    NonZeroU16,
    NonZeroU32,
    NonZeroU64,
    NonZeroUsize
);

impl Value for f32 {
    #[inline]
    fn record(&self, out: &mut ValueWriter<'_>) {
        out.f64(f64::from(*self));
    }
}

impl Value for f64 {
    #[inline]
    fn record(&self, out: &mut ValueWriter<'_>) {
        out.f64(*self);
    }
}

impl<T: Value> Value for Option<T> {
    #[inline]
    fn record(&self, out: &mut ValueWriter<'_>) {
        match self {
            Some(v) => v.record(out),
            None => out.null(),
        }
    }

    #[inline(always)]
    fn __json(&self, line: &mut Line<'_>, in_string: bool) {
        match self {
            Some(v) => v.__json(line, in_string),
            None => line.put(b"null"),
        }
    }
}

impl<T: Value> Value for [T] {
    #[inline]
    fn record(&self, out: &mut ValueWriter<'_>) {
        out.seq(self);
    }
}

impl<T: Value, const N: usize> Value for [T; N] {
    #[inline]
    fn record(&self, out: &mut ValueWriter<'_>) {
        out.seq(self);
    }
}

impl<T: Value> Value for Vec<T> {
    #[inline]
    fn record(&self, out: &mut ValueWriter<'_>) {
        out.seq(self);
    }
}

macro_rules! via_display {
    ($($ty:ty),*) => {$(
        impl Value for $ty {
            #[inline]
            fn record(&self, out: &mut ValueWriter<'_>) {
                out.display(self);
            }
        }
    )*};
}
via_display!(IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, fmt::Arguments<'_>);

impl Value for Path {
    #[inline]
    fn record(&self, out: &mut ValueWriter<'_>) {
        out.display(&self.display());
    }
}

impl Value for PathBuf {
    #[inline]
    fn record(&self, out: &mut ValueWriter<'_>) {
        self.as_path().record(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(record: impl FnOnce(&mut ValueWriter<'_>)) -> String {
        let mut out = Output::default();
        record(&mut ValueWriter::new(&mut out, false));
        String::from_utf8(out.buf).unwrap()
    }

    /// Integers read as their decimal on both sides of the short path for small numbers.
    #[test]
    fn integers_are_written_in_decimal() {
        for v in [i64::MIN, -10_000, -9_999, -1, 0, 1, 9, 10, 99, 100, 9_999, 10_000, i64::MAX] {
            assert_eq!(written(|w| w.i64(v)), v.to_string());
        }
        for v in [0, 7, 42, 999, 1_000, 9_999, 10_000, 65_535, u64::MAX] {
            assert_eq!(written(|w| w.u64(v)), v.to_string());
        }
    }
}
