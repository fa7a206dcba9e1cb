//! The JSON line of a derived event, written through a position kept in a local variable.
//!
//! Appending to a `Vec` stores its length and the next append loads it back; the compiler cannot
//! keep the length in a register, because the bytes just written could, as far as it knows, be
//! the length. On this project's benchmark machine those store-then-load chains are what its
//! slow states slow down most (×1.5, against ×1.05 for arithmetic: see docs/BENCHMARKS.md). A
//! [`Line`] keeps the write position and the capacity in locals while the derive's code and the
//! common value types write the line, and sets the `Vec`'s length once at the end; rare paths
//! (escaping, `Display`, a buffer that must grow) give the `Vec` back its length first and go
//! the ordinary way.

#![allow(
    clippy::inline_always,
    reason = "the position stays in registers only if every call that takes the line is inlined (measured: see docs/BENCHMARKS.md)"
)]

use core::fmt;

use super::value::{Value, ValueWriter};
use super::{digits, escape, Output};
use crate::context::Context;

/// The line being rendered in JSON. Not a stable API.
#[doc(hidden)]
pub struct Line<'a> {
    out: &'a mut Output,
    context: Option<&'a Context>,
    /// `out.buf`'s pointer, and its capacity.
    base: *mut u8,
    cap: usize,
    /// The bytes written: `out.buf`'s length once [`Line::sync`] has run.
    len: usize,
    /// `out.buf` is lent to an ordinary writer (see [`Line::with_output`]), which keeps it valid
    /// by itself: the position is stale until taken back.
    lent: bool,
}

impl<'a> Line<'a> {
    #[inline]
    pub(crate) fn new(out: &'a mut Output, context: Option<&'a Context>) -> Self {
        let (base, cap, len) = (out.buf.as_mut_ptr(), out.buf.capacity(), out.buf.len());
        Self { out, context, base, cap, len, lent: false }
    }

    /// Appends `bytes`, which must be valid JSON text at this point of the line.
    #[inline(always)]
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        self.room(bytes.len());
        self.copy(bytes);
    }

    /// Appends a JSON string: `s` escaped, in quotes unless `in_string` (inside the message).
    #[inline(always)]
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
    #[inline(always)]
    pub(crate) fn i64(&mut self, v: i64) {
        match u64::try_from(v) {
            Ok(v) => self.u64(v),
            Err(_) => self.put(itoa::Buffer::new().format(v).as_bytes()),
        }
    }

    /// Appends `v` in decimal.
    #[inline(always)]
    pub(crate) fn u64(&mut self, v: u64) {
        if !digits::write_small(v, |digits| self.put(digits)) {
            self.put(itoa::Buffer::new().format(v).as_bytes());
        }
    }

    /// Appends `,"key":` for a key known only at run time.
    #[inline(always)]
    pub(crate) fn field_key(&mut self, key: &str) {
        self.put(b",\"");
        self.str(key, true);
        self.put(b"\":");
    }

    /// Appends `true` or `false`.
    #[inline(always)]
    pub(crate) fn bool(&mut self, v: bool) {
        self.put(if v { b"true" } else { b"false" });
    }

    #[inline(always)]
    pub(crate) fn context_with(&mut self, event_has: impl Fn(&str) -> bool) {
        if self.context.is_some() || cfg!(feature = "opentelemetry") {
            let context = self.context;
            self.with_output(|out| write_context(out, context, event_has));
        }
    }

    /// A value of any other type, through its [`Value`] impl.
    #[inline(always)]
    pub(crate) fn record<V: Value + ?Sized>(&mut self, v: &V, in_string: bool) {
        self.with_output(|out| record(out, v, in_string));
    }

    /// Runs `write` on the output with the `Vec`'s length up to date, then takes the position
    /// back. If `write` panics, the `Vec` stays as `write` left it. `write` should call a
    /// function that is not inlined: the point of a `Line` is that the compiler keeps it in
    /// registers, which it can only do while no call takes its address.
    #[inline(always)]
    pub(crate) fn with_output(&mut self, write: impl FnOnce(&mut Output)) {
        self.sync();
        self.lent = true;
        write(self.out);
        self.reload();
        self.lent = false;
    }

    /// Makes sure `n` more bytes fit.
    #[inline(always)]
    fn room(&mut self, n: usize) {
        if self.cap - self.len < n {
            self.with_output(|out| reserve(out, n));
        }
    }

    /// Copies `bytes` after the line; [`Line::room`] has made room for them.
    #[inline(always)]
    #[allow(unsafe_code, reason = "writes into reserved capacity; see the SAFETY comment")]
    fn copy(&mut self, bytes: &[u8]) {
        debug_assert!(self.cap - self.len >= bytes.len());
        // SAFETY: `base` is `out.buf`'s pointer and `cap` its capacity, both read since its
        // last reallocation (`new`, `reload`; nothing else can touch `out.buf` while `self`
        // borrows `out`), and every caller has made sure, through `room`, that `bytes.len()`
        // more bytes fit after `len`. `bytes` cannot point into `out.buf`, which is borrowed
        // mutably here.
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.base.add(self.len), bytes.len());
        };
        self.len += bytes.len();
    }

    #[allow(unsafe_code, reason = "sets the length of bytes written through `copy`")]
    #[inline(always)]
    fn sync(&mut self) {
        // SAFETY: `len` is at most the capacity (`room`), and the bytes below it are initialized:
        // those `out.buf` had when the position was taken, and those copied since. (While the
        // buffer is lent, `sync` does not run: see `Drop`.)
        unsafe { self.out.buf.set_len(self.len) };
    }

    #[inline(always)]
    fn reload(&mut self) {
        let buf = &mut self.out.buf;
        (self.base, self.cap, self.len) = (buf.as_mut_ptr(), buf.capacity(), buf.len());
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
    ValueWriter::new(out, in_string).str(s);
}

#[inline(never)]
fn write_context(out: &mut Output, context: Option<&Context>, event_has: impl Fn(&str) -> bool) {
    super::context::write_context(out, context, event_has);
}

#[inline(never)]
pub(super) fn display(out: &mut Output, v: &dyn fmt::Display, in_string: bool) {
    ValueWriter::new(out, in_string).display(v);
}

#[inline(never)]
pub(super) fn debug(out: &mut Output, v: &dyn fmt::Debug, in_string: bool) {
    ValueWriter::new(out, in_string).debug(v);
}

#[inline(never)]
fn record<V: Value + ?Sized>(out: &mut Output, v: &V, in_string: bool) {
    v.record(&mut ValueWriter::new(out, in_string));
}

impl Drop for Line<'_> {
    /// The line is complete, or a panic unwinds (then the caller drops what was written).
    #[inline(always)]
    fn drop(&mut self) {
        if !self.lent {
            self.sync();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::panic::{catch_unwind, AssertUnwindSafe};

    use super::*;
    use crate::render::sink::Sink;

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
            Sink::value(&mut line, &1.5_f64, false);
            line.put(b",");
            Sink::value(&mut line, &[1_u8, 2][..], false);
            line.put(b",");
            Sink::display(&mut line, &'c', false);
            line.put(b",");
            Sink::value(&mut line, &Some(3_u16), false);
            line.put(b",");
            Sink::value(&mut line, &None::<u8>, false);
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
        // What the line wrote, then the opening quote and the text the impl wrote before it
        // panicked (the caller truncates the buffer to drop the failed line).
        let text = after_panic(|line| Sink::display(line, &Panics, false));
        assert_eq!(text, format!("abc\"{}", "y".repeat(1000)));
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
