//! The line being rendered, written through a position kept in a local variable.
//!
//! Appending to a `Vec` stores its length and the next append loads it back; the compiler cannot
//! keep the length in a register, because the bytes just written could, as far as it knows, be
//! the length. On this project's benchmark machine those store-then-load chains are what its
//! slow states slow down most (×1.5, against ×1.05 for arithmetic: see docs/BENCHMARKS.md). A
//! [`Line`] keeps the write position and the capacity in locals while the derive's code and the
//! common value types write the line, and sets the `Vec`'s length once at the end; rare paths
//! (escaping, `Display`, a buffer that must grow) give the `Vec` back its length first and go
//! the ordinary way.
//!
//! The writes are `#[inline(always)]` in optimised builds only. In debug builds, which optimise
//! nothing anyway, forced inlining would copy every write into every event's code: a crate with
//! hundreds of events then built ten times slower than with `#[derive(serde::Serialize)]` (see
//! docs/BENCHMARKS.md).

#![allow(
    clippy::inline_always,
    reason = "the position stays in registers only if every call that takes the line is inlined (measured: see docs/BENCHMARKS.md)"
)]

use super::value::{Mode, Value, ValueWriter};
use super::{digits, escape, Output};
use crate::context::Context;

/// The line being rendered. Not a stable API.
#[doc(hidden)]
pub struct Line<'a> {
    out: &'a mut Output,
    context: Option<&'a Context>,
    pos: Pos,
}

/// Where a [`Line`] writes into its output.
pub(crate) struct Pos {
    /// `out.buf`'s pointer, and its capacity.
    base: *mut u8,
    cap: usize,
    /// The bytes written: `out.buf`'s length once [`Cursor::sync`] has run.
    len: usize,
    /// `out.buf` is lent to an ordinary writer (see [`Cursor::with_output`]), which keeps it
    /// valid by itself: the position is stale until taken back.
    lent: bool,
}

/// A line's output and its position, borrowed together: what the line's own methods and a
/// [`ValueWriter`] write through. Only [`Line::cursor`] makes one, so a position is always used
/// with the output it was taken from.
pub(crate) struct Cursor<'a> {
    out: &'a mut Output,
    pos: &'a mut Pos,
}

impl<'a> Line<'a> {
    #[inline]
    pub(crate) fn new(out: &'a mut Output, context: Option<&'a Context>) -> Self {
        let (base, cap, len) = (out.buf.as_mut_ptr(), out.buf.capacity(), out.buf.len());
        Self { out, context, pos: Pos { base, cap, len, lent: false } }
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub(crate) fn cursor(&mut self) -> Cursor<'_> {
        Cursor { out: self.out, pos: &mut self.pos }
    }

    /// A writer for one value: in the message (`in_string`) or as a field of a JSON line.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub(crate) fn value_writer(&mut self, in_string: bool) -> ValueWriter<'_> {
        ValueWriter::new(self.cursor(), if in_string { Mode::InString } else { Mode::Json })
    }

    /// Appends `bytes`, which must be valid JSON text at this point of the line.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        self.cursor().put(bytes);
    }

    /// Appends a JSON string: `s` escaped, in quotes unless `in_string` (inside the message).
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub(crate) fn str(&mut self, s: &str, in_string: bool) {
        self.cursor().str(s, in_string);
    }

    /// Appends `v` in decimal.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub(crate) fn i64(&mut self, v: i64) {
        self.cursor().i64(v);
    }

    /// Appends `v` in decimal.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub(crate) fn u64(&mut self, v: u64) {
        self.cursor().u64(v);
    }

    /// Appends `,"key":` for a key known only at run time.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub(crate) fn field_key(&mut self, key: &str) {
        self.put(b",\"");
        self.str(key, true);
        self.put(b"\":");
    }

    /// Appends `,"key":` for a key known to need no escaping.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub(crate) fn plain_key(&mut self, key: &str) {
        debug_assert!(escape::is_clean(key.as_bytes()), "{key}");
        self.put(b",\"");
        self.put(key.as_bytes());
        self.put(b"\":");
    }

    /// Appends `true` or `false`.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub(crate) fn bool(&mut self, v: bool) {
        self.put(if v { b"true" } else { b"false" });
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub(crate) fn context_with(&mut self, event_has: impl Fn(&str) -> bool) {
        if self.context.is_some() || cfg!(feature = "opentelemetry") {
            let context = self.context;
            self.with_output(|out| write_context(out, context, event_has));
        }
    }

    /// A value of any type, through its [`Value`] impl.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub(crate) fn record<V: Value + ?Sized>(&mut self, v: &V, in_string: bool) {
        let _ = v.record(self.value_writer(in_string));
    }

    /// Runs `write` on the output with the `Vec`'s length up to date, then takes the position
    /// back (see [`Cursor::with_output`]).
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub(crate) fn with_output(&mut self, write: impl FnOnce(&mut Output)) {
        self.cursor().with_output(write);
    }
}

impl Cursor<'_> {
    /// The same cursor, for a shorter time (a sequence's items).
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub(crate) fn reborrow(&mut self) -> Cursor<'_> {
        Cursor { out: self.out, pos: self.pos }
    }

    /// Appends `bytes`, which must be valid JSON text at this point of the line.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        self.room(bytes.len());
        self.copy(bytes);
    }

    /// Appends a JSON string: `s` escaped, in quotes unless `in_string` (inside the message).
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub(crate) fn str(&mut self, s: &str, in_string: bool) {
        let bytes = s.as_bytes();
        if !escape::is_clean(bytes) {
            self.with_output(|out| escaped(out, s, in_string));
        } else if in_string {
            self.put(bytes);
        } else {
            self.room(bytes.len().saturating_add(2));
            self.copy(b"\"");
            self.copy(bytes);
            self.copy(b"\"");
        }
    }

    /// Appends `v` in decimal.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub(crate) fn i64(&mut self, v: i64) {
        match u64::try_from(v) {
            Ok(v) => self.u64(v),
            Err(_) => self.put(itoa::Buffer::new().format(v).as_bytes()),
        }
    }

    /// Appends `v` in decimal.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub(crate) fn u64(&mut self, v: u64) {
        if !digits::write_small(v, |digits| self.put(digits)) {
            self.put(itoa::Buffer::new().format(v).as_bytes());
        }
    }

    /// Runs `write` on the output with the `Vec`'s length up to date, then takes the position
    /// back. If `write` panics, the `Vec` stays as `write` left it. `write` should call a
    /// function that is not inlined: the point of a `Line` is that the compiler keeps it in
    /// registers, which it can only do while no call takes its address.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    pub(crate) fn with_output(&mut self, write: impl FnOnce(&mut Output)) {
        self.sync();
        self.pos.lent = true;
        write(self.out);
        self.reload();
        self.pos.lent = false;
    }

    /// Makes sure `n` more bytes fit.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn room(&mut self, n: usize) {
        if self.pos.cap - self.pos.len < n {
            self.with_output(|out| reserve(out, n));
        }
    }

    /// Copies `bytes` after the line; [`Cursor::room`] has made room for them.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    #[allow(unsafe_code, reason = "writes into reserved capacity; see the SAFETY comment")]
    fn copy(&mut self, bytes: &[u8]) {
        let pos = &mut *self.pos;
        debug_assert!(pos.cap - pos.len >= bytes.len());
        // SAFETY: `base` is `out.buf`'s pointer and `cap` its capacity, both read since its
        // last reallocation (`Line::new`, `reload`; nothing else can touch `out.buf` while the
        // line borrows `out`, and a position is only ever used with its own output: see
        // `Cursor`), and every caller has made sure, through `room`, that `bytes.len()` more
        // bytes fit after `len`. `bytes` cannot point into `out.buf`, which is borrowed
        // mutably here.
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), pos.base.add(pos.len), bytes.len());
        };
        pos.len += bytes.len();
    }

    #[allow(unsafe_code, reason = "sets the length of bytes written through `copy`")]
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn sync(&mut self) {
        // SAFETY: `len` is at most the capacity (`room`), and the bytes below it are initialized:
        // those `out.buf` had when the position was taken, and those copied since. (While the
        // buffer is lent, `sync` does not run: see `Line`'s `Drop`.)
        unsafe { self.out.buf.set_len(self.pos.len) };
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn reload(&mut self) {
        let buf = &mut self.out.buf;
        (self.pos.base, self.pos.cap, self.pos.len) = (buf.as_mut_ptr(), buf.capacity(), buf.len());
    }
}

// The ways out of a `Line`: not inlined, so that the line's position stays in registers.

#[cold]
#[inline(never)]
fn reserve(out: &mut Output, n: usize) {
    out.buf.reserve(n);
}

#[cold]
#[inline(never)]
fn escaped(out: &mut Output, s: &str, in_string: bool) {
    if !in_string {
        out.buf.push(b'"');
    }
    escape::escape_into(&mut out.buf, s);
    if !in_string {
        out.buf.push(b'"');
    }
}

#[inline(never)]
fn write_context(out: &mut Output, context: Option<&Context>, event_has: impl Fn(&str) -> bool) {
    super::context::write_context(out, context, event_has);
}

impl Drop for Line<'_> {
    /// The line is complete, or a panic unwinds (then the caller drops what was written).
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn drop(&mut self) {
        if !self.pos.lent {
            self.cursor().sync();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::panic::{catch_unwind, AssertUnwindSafe};

    use core::fmt;

    use super::*;
    use crate::render::event_writer::EventWriter;

    #[test]
    fn a_line_that_outgrows_its_buffer_is_written_whole() {
        // JSON, and no capacity: the first copy already needs room.
        let mut out = Output::default();
        let long = "x".repeat(300);
        {
            let mut line = Line::new(&mut out, None);
            line.put(b"{\"a\":");
            line.u64(7);
            line.put(b",\"b\":");
            line.u64(1_234_567);
            line.put(b",\"c\":");
            line.i64(-42);
            line.put(b",\"d\":");
            line.str(&long, false);
            line.put(b",\"e\":\"in ");
            line.str("text", true);
            line.put(b"\"}");
        }
        let expected =
            format!("{{\"a\":7,\"b\":1234567,\"c\":-42,\"d\":\"{long}\",\"e\":\"in text\"}}");
        assert_eq!(String::from_utf8(out.buf).unwrap(), expected);
    }

    #[test]
    fn escaping_and_other_values_go_the_ordinary_way_and_the_line_goes_on() {
        let mut out = Output::default();
        {
            let mut line = Line::new(&mut out, None);
            line.put(b"[");
            line.str("a \"quoted\"\nline", false);
            line.put(b",");
            EventWriter::value(&mut line, &1.5_f64, false);
            line.put(b",");
            EventWriter::value(&mut line, &[1_u8, 2][..], false);
            line.put(b",");
            EventWriter::display(&mut line, &'c', false);
            line.put(b",");
            EventWriter::value(&mut line, &Some(3_u16), false);
            line.put(b",");
            EventWriter::value(&mut line, &None::<u8>, false);
            line.put(b"]");
        }
        let text = String::from_utf8(out.buf).unwrap();
        assert_eq!(text, r#"["a \"quoted\"\nline",1.5,[1,2],"c",3,null]"#);
    }

    struct Panics;

    impl fmt::Display for Panics {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            // Enough to make the buffer reallocate before the panic.
            f.write_str(&"y".repeat(1000))?;
            panic!("a Display impl that panics");
        }
    }

    /// The buffer after `write` panicked in the middle of a line that had written `abc`.
    fn after_panic(write: impl FnOnce(&mut Line<'_>)) -> String {
        let mut out = Output::default();
        let result = catch_unwind(AssertUnwindSafe(|| {
            let mut line = Line::new(&mut out, None);
            line.put(b"abc");
            write(&mut line);
        }));
        assert!(result.is_err());
        String::from_utf8(out.buf).unwrap()
    }

    #[test]
    fn a_panic_on_the_ordinary_way_leaves_the_buffer_as_that_way_left_it() {
        // What the line wrote: the impl's text goes to a scratch string, to be scrubbed before
        // it is written (the caller truncates the buffer to drop the failed line anyway).
        let text = after_panic(|line| EventWriter::display(line, &Panics, false));
        assert_eq!(text, "abc");
    }

    #[test]
    fn a_panic_while_the_line_writes_itself_keeps_what_it_wrote() {
        let text = after_panic(|line| {
            line.str(&"z".repeat(300), false);
            panic!("after the line's own copies");
        });
        assert_eq!(text, format!("abc\"{}\"", "z".repeat(300)));
    }
}
