//! Field values: what a type must implement to be logged without `#[log(display)]` or
//! `#[log(debug)]`, and the writer that renders it.

#![allow(
    clippy::inline_always,
    reason = "a JSON line's position stays in registers only if the `__json` of the common types is inlined into the derive's code (measured: see docs/BENCHMARKS.md)"
)]

use core::fmt;
use core::marker::PhantomData;
use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::num::{
    NonZeroI16, NonZeroI32, NonZeroI64, NonZeroI8, NonZeroIsize, NonZeroU16, NonZeroU32,
    NonZeroU64, NonZeroU8, NonZeroUsize,
};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use super::escape::{escape_into, needs_quotes, EscapeWriter};
use super::line::{Cursor, Line};
use super::{Format, Output};

/// A type that can be logged as a field: strings become JSON strings, numbers JSON numbers,
/// `bool` a JSON boolean, `None` `null`, and slices and vectors JSON arrays.
///
/// Implement it for your own types by handing `out` to one of the [`ValueWriter`] methods, or to
/// the `record` of another value; for a type that has a `Display` or `Debug` impl, marking the
/// field `#[log(display)]` or `#[log(debug)]` is usually simpler.
///
/// Whatever an impl does, the line stays valid JSON: `out` is taken by value and each of its
/// methods consumes it, so one value is written, and the [`Written`] that `record` must return
/// can only come from that write (its lifetime ties it to `out`: a proof kept from another
/// writer does not fit).
///
/// # Examples
/// ```
/// use logfix_runtime::{Value, ValueWriter, Written};
///
/// struct OrderId(u64);
///
/// impl Value for OrderId {
///     fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
///         out.u64(self.0)
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
    /// Writes the value through `out`, and returns what that write returned.
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w>;
}

/// Proof that a value was written: returned by the [`ValueWriter`] method that wrote it, and by
/// nothing else. `'a` is that writer's, and invariant, so that a proof made by one writer (an
/// earlier call's, an item's) cannot be returned for another.
#[must_use = "`Value::record` returns what the writer returned"]
#[derive(Debug)]
pub struct Written<'a>(PhantomData<fn(&'a ()) -> &'a ()>);

/// How a [`ValueWriter`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A JSON value.
    Json,
    /// Inside the already open string of the message (JSON or pretty): no quotes.
    InString,
    /// A field value of the pretty format: strings quoted only where needed.
    Pretty,
}

/// Writes one value into the line being built. Whether it ends up as a JSON value, inside the
/// JSON string of the message, or in the pretty format is decided by the writer, not the value.
///
/// Taken by value: each method consumes the writer, so a [`Value`] impl writes exactly one value.
pub struct ValueWriter<'a> {
    cursor: Cursor<'a>,
    mode: Mode,
}

/// Runs `write` with a writer for one value appended to `out`, in its format.
pub(crate) fn write_into(
    out: &mut Output,
    in_string: bool,
    write: impl for<'w> FnOnce(ValueWriter<'w>) -> Written<'w>,
) {
    let mode = match (in_string, out.format) {
        (true, _) => Mode::InString,
        (false, Format::Json) => Mode::Json,
        (false, Format::Pretty) => Mode::Pretty,
    };
    let mut line = Line::new(out, None);
    let _ = write(ValueWriter::new(line.cursor(), mode));
}

impl<'a> ValueWriter<'a> {
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub(crate) fn new(cursor: Cursor<'a>, mode: Mode) -> Self {
        Self { cursor, mode }
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn done() -> Written<'a> {
        Written(PhantomData)
    }

    /// Writes a string.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub fn str(mut self, s: &str) -> Written<'a> {
        match self.mode {
            Mode::Json => self.cursor.str(s, false),
            Mode::InString => self.cursor.str(s, true),
            Mode::Pretty if needs_quotes(s) => self.cursor.str(s, false),
            Mode::Pretty => self.cursor.put(s.as_bytes()),
        }
        Self::done()
    }

    /// Writes a boolean.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub fn bool(mut self, v: bool) -> Written<'a> {
        self.cursor.put(if v { b"true" } else { b"false" });
        Self::done()
    }

    /// Writes a signed integer.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub fn i64(mut self, v: i64) -> Written<'a> {
        self.cursor.i64(v);
        Self::done()
    }

    /// Writes an unsigned integer.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub fn u64(mut self, v: u64) -> Written<'a> {
        self.cursor.u64(v);
        Self::done()
    }

    /// Writes a 128-bit signed integer.
    #[inline]
    pub fn i128(mut self, v: i128) -> Written<'a> {
        self.cursor.put(itoa::Buffer::new().format(v).as_bytes());
        Self::done()
    }

    /// Writes a 128-bit unsigned integer.
    #[inline]
    pub fn u128(mut self, v: u128) -> Written<'a> {
        self.cursor.put(itoa::Buffer::new().format(v).as_bytes());
        Self::done()
    }

    /// Writes a float. JSON has no NaN or infinity, so outside the message those become `null`.
    #[inline]
    pub fn f64(mut self, v: f64) -> Written<'a> {
        if v.is_finite() {
            self.cursor.put(ryu::Buffer::new().format_finite(v).as_bytes());
        } else if self.mode == Mode::Json {
            self.cursor.put(b"null");
        } else {
            self.cursor.put(if v.is_nan() {
                b"NaN"
            } else if v > 0.0 {
                b"inf"
            } else {
                b"-inf"
            });
        }
        Self::done()
    }

    /// Writes a JSON `null` (`null` in the message too).
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub fn null(mut self) -> Written<'a> {
        self.cursor.put(b"null");
        Self::done()
    }

    /// Writes a value through its `Display` impl, as a string, without the secrets the content
    /// scrubber finds (see the [`redact`](crate::redact) module): free text may quote anything.
    #[inline]
    pub fn display(self, v: &dyn fmt::Display) -> Written<'a> {
        self.scrubbed(format_args!("{v}"))
    }

    /// Writes a value through its `Debug` impl, as a string, without the secrets the content
    /// scrubber finds: a derived `Debug` of a struct with a `password` field shows it.
    #[inline]
    pub fn debug(self, v: &dyn fmt::Debug) -> Written<'a> {
        self.scrubbed(format_args!("{v:?}"))
    }

    /// Writes a `Display` value that cannot hold a secret (an address, an id), as it is.
    #[inline]
    pub(crate) fn display_exact(mut self, v: &dyn fmt::Display) -> Written<'a> {
        let quoted = self.mode != Mode::InString;
        self.cursor.with_output(|out| formatted(out, format_args!("{v}"), quoted));
        Self::done()
    }

    fn scrubbed(mut self, args: fmt::Arguments<'_>) -> Written<'a> {
        let quoted = self.mode != Mode::InString;
        self.cursor.with_output(|out| scrubbed(out, args, quoted));
        Self::done()
    }

    /// Writes bytes as a string of lowercase hexadecimal digits, two per byte (`#[log(hex)]`).
    ///
    /// # Examples
    /// ```
    /// use logfix_runtime::LogEvent;
    ///
    /// #[derive(LogEvent)]
    /// #[log(component = "fs", message = "stored {digest}")]
    /// struct Stored {
    ///     #[log(hex)]
    ///     digest: [u8; 4],
    /// }
    ///
    /// let events = logfix_testkit::capture(|| logfix_runtime::emit(&Stored { digest: [0xde, 0xad, 0xbe, 0xef] }));
    /// assert_eq!(events[0]["digest"], "deadbeef");
    /// assert_eq!(events[0]["message"], "stored deadbeef");
    /// ```
    #[inline]
    pub fn hex(mut self, bytes: &[u8]) -> Written<'a> {
        let quoted = self.mode != Mode::InString;
        self.cursor.with_output(|out| encoded(out, bytes, quoted, hex));
        Self::done()
    }

    /// Writes bytes as a base64 string (RFC 4648, standard alphabet, padded: `#[log(base64)]`).
    ///
    /// # Examples
    /// ```
    /// use logfix_runtime::LogEvent;
    ///
    /// #[derive(LogEvent)]
    /// #[log(component = "net", message = "received")]
    /// struct Received {
    ///     #[log(base64)]
    ///     payload: Vec<u8>,
    /// }
    ///
    /// let events = logfix_testkit::capture(|| logfix_runtime::emit(&Received { payload: b"hi!?".to_vec() }));
    /// assert_eq!(events[0]["payload"], "aGkhPw==");
    /// ```
    #[inline]
    pub fn base64(mut self, bytes: &[u8]) -> Written<'a> {
        let quoted = self.mode != Mode::InString;
        self.cursor.with_output(|out| encoded(out, bytes, quoted, base64));
        Self::done()
    }

    /// Writes a value through its `serde::Serialize` impl, as nested JSON (`#[log(serde)]`,
    /// feature `serde`): objects, arrays, numbers, strings. The value of every key whose name is
    /// sensitive (see [`redact`](crate::redact)) is written `"[REDACTED]"`, at any depth. Inside
    /// the message the JSON text is written as text. A value that cannot be written as JSON (a
    /// map whose keys are not strings or numbers, an impl that returns an error) is written
    /// `null`, and counted like a failed `Display`.
    ///
    /// # Examples
    /// ```
    /// use logfix_runtime::LogEvent;
    ///
    /// #[derive(serde::Serialize)]
    /// struct Account {
    ///     id: u64,
    ///     api_key: String,
    ///     tags: Vec<&'static str>,
    /// }
    ///
    /// #[derive(LogEvent)]
    /// #[log(component = "billing", message = "account loaded")]
    /// struct Loaded {
    ///     #[log(serde)]
    ///     account: Account,
    /// }
    ///
    /// let account = Account { id: 7, api_key: "k-123".into(), tags: vec!["eu"] };
    /// let events = logfix_testkit::capture(|| logfix_runtime::emit(&Loaded { account }));
    /// assert_eq!(
    ///     events[0]["account"],
    ///     serde_json::json!({ "id": 7, "api_key": "[REDACTED]", "tags": ["eu"] })
    /// );
    /// ```
    #[cfg(feature = "serde")]
    pub fn serde<T: serde::Serialize + ?Sized>(mut self, v: &T) -> Written<'a> {
        let in_string = self.mode == Mode::InString;
        self.cursor.with_output(|out| super::nested::write(out, v, in_string));
        Self::done()
    }

    /// Writes a sequence: a JSON array, or `[a, b]` inside the message. The items are values
    /// themselves (or references to values).
    ///
    /// # Examples
    /// ```
    /// use logfix_runtime::{Value, ValueWriter, Written};
    ///
    /// struct Ports(Vec<u16>);
    ///
    /// impl Value for Ports {
    ///     fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
    ///         out.seq(self.0.iter().filter(|port| **port != 0))
    ///     }
    /// }
    ///
    /// #[derive(logfix_runtime::LogEvent)]
    /// #[log(component = "net", message = "listening")]
    /// struct Listening {
    ///     ports: Ports,
    /// }
    ///
    /// let events = logfix_testkit::capture(|| {
    ///     logfix_runtime::emit(&Listening { ports: Ports(vec![80, 0, 443]) });
    /// });
    /// assert_eq!(events[0]["ports"], serde_json::json!([80, 443]));
    /// ```
    pub fn seq<I>(mut self, items: I) -> Written<'a>
    where
        I: IntoIterator,
        I::Item: Value,
    {
        let separator: &[u8] = if self.mode == Mode::InString { b", " } else { b"," };
        self.cursor.put(b"[");
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.cursor.put(separator);
            }
            let _ = item.record(ValueWriter::new(self.cursor.reborrow(), self.mode));
        }
        self.cursor.put(b"]");
        Self::done()
    }
}

impl fmt::Debug for ValueWriter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValueWriter").field("mode", &self.mode).finish_non_exhaustive()
    }
}

/// Writes `args` as a string (in quotes unless inside the message), escaped.
#[inline(never)]
fn formatted(out: &mut Output, args: fmt::Arguments<'_>, quoted: bool) {
    if quoted {
        out.buf.push(b'"');
    }
    if fmt::write(&mut EscapeWriter(&mut out.buf), args).is_err() {
        // A `Display`/`Debug` impl may return `Err`; the text it wrote so far stays and the
        // line stays valid. The failure is counted by the dispatcher.
        out.format_errors += 1;
    }
    if quoted {
        out.buf.push(b'"');
    }
}

/// Writes `args` as [`formatted`] does, less the secrets the content scrubber finds and the
/// event's known values.
#[inline(never)]
fn scrubbed(out: &mut Output, args: fmt::Arguments<'_>, quoted: bool) {
    let mut text = core::mem::take(&mut out.text);
    text.clear();
    if fmt::write(&mut text, args).is_err() {
        out.format_errors += 1;
    }
    let clean = out.redaction().scrub_with_known(&text, &out.known);
    if quoted {
        out.buf.push(b'"');
    }
    escape_into(&mut out.buf, &clean);
    if quoted {
        out.buf.push(b'"');
    }
    drop(clean);
    out.text = text;
}

/// Writes `bytes` as a string (in quotes unless inside the message), encoded by `encode`.
#[inline(never)]
fn encoded(out: &mut Output, bytes: &[u8], quoted: bool, encode: fn(&mut Vec<u8>, &[u8])) {
    if quoted {
        out.buf.push(b'"');
    }
    encode(&mut out.buf, bytes);
    if quoted {
        out.buf.push(b'"');
    }
}

fn hex(buf: &mut Vec<u8>, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    buf.reserve(bytes.len().saturating_mul(2));
    for byte in bytes {
        for nibble in [byte >> 4, byte & 0xf] {
            buf.extend(DIGITS.get(usize::from(nibble)));
        }
    }
}

/// RFC 4648 base64, standard alphabet, with padding.
fn base64(buf: &mut Vec<u8>, bytes: &[u8]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sextet = |n: u32, shift: u32| ALPHABET.get((n >> shift & 0x3f) as usize).copied();
    buf.reserve(bytes.len().div_ceil(3).saturating_mul(4));
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0_u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        let kept = chunk.len() + 1;
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            buf.push(if i < kept { sextet(n, shift).unwrap_or(b'=') } else { b'=' });
        }
    }
}

impl<T: Value + ?Sized> Value for &T {
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        (**self).record(out)
    }
}

impl<T: Value + ?Sized> Value for &mut T {
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        (**self).record(out)
    }
}

macro_rules! forward_smart_pointer {
    ($($ty:ident),*) => {$(
        impl<T: Value + ?Sized> Value for $ty<T> {
            #[cfg_attr(not(debug_assertions), inline(always))]
            #[cfg_attr(debug_assertions, inline)]
            fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
                (**self).record(out)
            }
        }
    )*};
}
forward_smart_pointer!(Box, Rc, Arc);

impl Value for str {
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        out.str(self)
    }
}

impl Value for String {
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        out.str(self)
    }
}

impl Value for Cow<'_, str> {
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        out.str(self)
    }
}

impl Value for char {
    #[inline]
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        out.str(self.encode_utf8(&mut [0; 4]))
    }
}

impl Value for bool {
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        out.bool(*self)
    }
}

macro_rules! integer {
    ($method:ident as $wide:ty: $($ty:ty),*) => {$(
        impl Value for $ty {
            #[cfg_attr(not(debug_assertions), inline(always))]
            #[cfg_attr(debug_assertions, inline)]
            fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
                out.$method(<$wide>::from(*self))
            }
        }
    )*};
}
integer!(i64 as i64: i8, i16, i32, i64);
integer!(u64 as u64: u8, u16, u32, u64);

impl Value for i128 {
    #[inline]
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        out.i128(*self)
    }
}

impl Value for u128 {
    #[inline]
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        out.u128(*self)
    }
}

impl Value for isize {
    #[inline]
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        // isize is at most 64 bits on every platform Rust supports.
        out.i128(*self as i128)
    }
}

impl Value for usize {
    #[inline]
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        out.u128(*self as u128)
    }
}

macro_rules! non_zero {
    ($($ty:ty),*) => {$(
        impl Value for $ty {
            #[inline]
            fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
                self.get().record(out)
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
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        out.f64(f64::from(*self))
    }
}

impl Value for f64 {
    #[inline]
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        out.f64(*self)
    }
}

impl<T: Value> Value for Option<T> {
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        match self {
            Some(v) => v.record(out),
            None => out.null(),
        }
    }
}

impl<T: Value> Value for [T] {
    #[inline]
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        out.seq(self)
    }
}

impl<T: Value, const N: usize> Value for [T; N] {
    #[inline]
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        out.seq(self)
    }
}

impl<T: Value> Value for Vec<T> {
    #[inline]
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        out.seq(self)
    }
}

macro_rules! via_display {
    ($($ty:ty),*) => {$(
        impl Value for $ty {
            #[inline]
            fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
                out.display_exact(self)
            }
        }
    )*};
}
via_display!(IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr);

/// Free text, scrubbed like any `Display` value.
impl Value for fmt::Arguments<'_> {
    #[inline]
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        out.display(self)
    }
}

impl Value for Path {
    #[inline]
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        out.display_exact(&self.display())
    }
}

/// A duration is written as a JSON integer of microseconds (saturating at `u64::MAX`): the unit
/// of `duration_us` in the events of `#[logged]` and of the timestamps, an integer that every log
/// store indexes and sums as a number, exact where a float of seconds would not be. Name the field
/// for its unit: `elapsed_us`, `timeout_us`.
///
/// # Examples
/// ```
/// use std::time::Duration;
///
/// #[derive(logfix_runtime::LogEvent)]
/// #[log(component = "db", message = "query took {elapsed_us} us")]
/// struct Queried {
///     elapsed_us: Duration,
/// }
///
/// let events = logfix_testkit::capture(|| {
///     logfix_runtime::emit(&Queried { elapsed_us: Duration::from_micros(1_250) });
/// });
/// assert_eq!(events[0]["elapsed_us"], 1_250);
/// assert_eq!(events[0]["message"], "query took 1250 us");
/// ```
impl Value for Duration {
    #[inline]
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        out.u64(u64::try_from(self.as_micros()).unwrap_or(u64::MAX))
    }
}

impl Value for PathBuf {
    #[inline]
    fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
        self.as_path().record(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(format: Format, in_string: bool, v: &(impl Value + ?Sized)) -> String {
        let mut out = Output::new(format, false);
        write_into(&mut out, in_string, |w| v.record(w));
        String::from_utf8(out.buf).unwrap()
    }

    fn json(v: &(impl Value + ?Sized)) -> String {
        written(Format::Json, false, v)
    }

    /// Integers read as their decimal on both sides of the short path for small numbers.
    #[test]
    fn integers_are_written_in_decimal() {
        for v in [i64::MIN, -10_000, -9_999, -1, 0, 1, 9, 10, 99, 100, 9_999, 10_000, i64::MAX] {
            assert_eq!(json(&v), v.to_string());
        }
        for v in [0, 7, 42, 999, 1_000, 9_999, 10_000, 65_535, u64::MAX] {
            assert_eq!(json(&v), v.to_string());
        }
        assert_eq!(json(&u128::MAX), u128::MAX.to_string());
        assert_eq!(json(&isize::MIN), isize::MIN.to_string());
    }

    #[test]
    fn each_place_writes_its_own_way() {
        let text = "a b";
        assert_eq!(json(text), r#""a b""#);
        assert_eq!(written(Format::Json, true, text), "a b");
        assert_eq!(written(Format::Pretty, false, text), r#""a b""#);
        assert_eq!(written(Format::Pretty, false, "ab"), "ab");
        assert_eq!(json(&f64::NAN), "null");
        assert_eq!(written(Format::Json, true, &f64::NEG_INFINITY), "-inf");
        assert_eq!(written(Format::Pretty, false, &f64::INFINITY), "inf");
        assert_eq!(json(&[Some(1), None][..]), "[1,null]");
        assert_eq!(written(Format::Json, true, &vec!["a", "b"]), "[a, b]");
        assert_eq!(json(&Duration::from_nanos(1_999)), "1");
        assert_eq!(json(&Duration::MAX), u64::MAX.to_string());
    }

    #[test]
    fn bytes_in_hex_and_base64() {
        let encode = |f: fn(&mut Vec<u8>, &[u8]), bytes: &[u8]| {
            let mut buf = Vec::new();
            f(&mut buf, bytes);
            String::from_utf8(buf).unwrap()
        };
        assert_eq!(encode(hex, &[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(encode(hex, &[]), "");
        // RFC 4648, section 10.
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(base64, plain.as_bytes()), coded, "{plain:?}");
        }
        assert_eq!(encode(base64, &[0xff, 0xfe, 0xfd]), "//79");
    }

    /// A user's impl can only hand its writer on (to one method, or to one other value): the
    /// ones below write one value each, whatever they try, and the line stays valid JSON.
    #[test]
    fn whatever_an_impl_does_it_writes_one_value() {
        struct Forwards(Vec<u8>);
        impl Value for Forwards {
            fn record<'w>(&self, out: ValueWriter<'w>) -> Written<'w> {
                match self.0.first() {
                    Some(first) => first.record(out),
                    None => out.seq(self.0.iter().map(|b| u64::from(*b) * 2)),
                }
            }
        }
        assert_eq!(json(&Forwards(vec![3, 4])), "3");
        assert_eq!(json(&Forwards(vec![])), "[]");
        let line = format!("{{\"a\":{},\"b\":{}}}", json(&Forwards(vec![])), json("x\"y"));
        assert!(serde_json::from_str::<serde_json::Value>(&line).is_ok(), "{line}");
    }
}
