//! What `#[logged]` functions call: the argument snapshot taken on entry and the event written
//! when the function returns. Not a stable API; reached through `__private`.
//!
//! A [`Call`] is a drop guard: `ok` and `err` write the event of a call that returned, and a call
//! that never does — its future was dropped (`"outcome":"cancelled"`), or it panicked
//! (`"outcome":"panicked"`) — writes it when the guard is dropped. Dropping a guard does not
//! stop a panic: it only writes a line, from arguments already rendered.

use core::fmt;
use core::ops::Range;
use std::time::Instant;

use logfix_core::CALL_KEYS;

use crate::dispatch;
use crate::event::Level;
use crate::redact::{self, Mask};
use crate::render::event_writer::{MaskedValue, SerdeValue};
use crate::render::line::Line;
use crate::render::parts::{self, FieldWriter, MessageWriter, Parts, Pretty};
use crate::render::{Format, Output, Record, Value};

/// The static description of one `#[logged]` function.
#[derive(Debug)]
pub struct CallSite {
    /// `component`.
    pub component: &'static str,
    /// `event` of the return event: the function name unless overridden.
    pub event: &'static str,
    /// `event` of the optional entry event (`#[logged(enter)]`).
    pub enter_event: Option<&'static str>,
    /// Level when the function returns normally (or `Ok`).
    pub ok_level: Level,
    /// Level when it returns `Err`.
    pub err_level: Level,
    /// `message` overrides for the return event (`None`: "`<fn>` succeeded" / "`<fn>` failed: ...").
    pub ok_message: Option<&'static str>,
    /// As above, for `Err`.
    pub err_message: Option<&'static str>,
    /// The function's name.
    pub function: &'static str,
}

/// A call in progress: started on entry, finished with the result, or when dropped unfinished.
#[must_use]
pub struct Call {
    site: &'static CallSite,
    start: Instant,
    /// `None` when no event of the call would be written (nothing was rendered), and once the
    /// call's event was written.
    args: Option<Args>,
}

/// The arguments, rendered once on entry as JSON (so that the function may consume them).
struct Args {
    json: Vec<u8>,
    /// Each key and where its value lies in `json`.
    keys: Vec<(&'static str, Range<usize>)>,
    /// The text of the arguments marked `skip` or `redact`: removed from the call's error texts.
    known: Vec<String>,
}

impl Call {
    /// Records the start time and, if an event of this call can be written, the arguments.
    pub fn start(site: &'static CallSite, args: impl FnOnce(&mut ArgWriter<'_>)) -> Call {
        let level = site.ok_level.min(site.err_level);
        let enabled = dispatch::enabled(site.component, level);
        let args = enabled.then(|| {
            let mut out = Output::new(Format::Json, false);
            let (mut keys, mut known) = (Vec::new(), Vec::new());
            args(&mut ArgWriter { out: &mut out, keys: &mut keys, known: &mut known });
            Args { json: out.buf, keys, known }
        });
        let call = Call { site, start: Instant::now(), args };
        if let (Some(event), Some(args)) = (site.enter_event, &call.args) {
            call.emit(args, event, site.ok_level, Outcome::Enter);
        }
        call
    }

    /// Runs the body of a sync `#[logged]` function, which the macro wraps in a `move` closure
    /// so that `return` and `?` in the body end the body, not the function.
    ///
    /// Passed where an `FnOnce` is expected, the closure is inferred `FnOnce`, so it may return
    /// borrows of what it captured (`&mut self.field` from a `&mut self` method); called in place,
    /// it would be inferred `FnMut`, which may not. `R` is written by the macro (the declared
    /// return type, with `impl Trait` as `_`), so that `return` and `?` in the body coerce to it
    /// as they did in the function.
    #[inline]
    pub fn run<R>(body: impl FnOnce() -> R) -> R {
        body()
    }

    /// Always `None`. As the first statement of the `async` block that holds the body of an
    /// async `#[logged]` function, `if let Some(r) = Call::return_type::<Ret>() { return r; }`
    /// gives the block the function's return type before the body's own `return` and `?` are
    /// checked, so that they coerce to it as they did in the function (an `async` block cannot
    /// declare its return type).
    #[inline]
    #[must_use]
    pub fn return_type<R>() -> Option<R> {
        None
    }

    /// The function returned normally (or `Ok`).
    pub fn ok(mut self) {
        self.finish(self.site.ok_level, Outcome::Ok);
    }

    /// The function returned `Err(error)`; `sources` is its `source()` chain. The texts lose
    /// the secrets the content scrubber finds and the text of every argument marked `skip` or
    /// `redact` (an error often quotes what it was given).
    ///
    /// The bound is [`LoggedError`] rather than `Display`, so that an error type without
    /// `Display` is reported with what `#[logged]` needs and what to do about it.
    pub fn err<E: LoggedError>(self, error: &E, error_type: &str, sources: &[String]) {
        self.err_text(&error.to_string(), error_type, sources);
    }

    fn err_text(mut self, error: &str, error_type: &str, sources: &[String]) {
        let known: Vec<&str> =
            self.args.iter().flat_map(|a| &a.known).map(String::as_str).collect();
        let clean = |text: &str| redact::global().scrub_with_known(text, &known).into_owned();
        let error = clean(error);
        let sources: Vec<String> = sources.iter().map(|s| clean(s)).collect();
        self.finish(
            self.site.err_level,
            Outcome::Err { error: &error, error_type, sources: &sources },
        );
    }

    /// Writes the event of the call, once.
    fn finish(&mut self, level: Level, outcome: Outcome<'_>) {
        if let Some(args) = self.args.take() {
            self.emit(&args, self.site.event, level, outcome);
        }
    }

    fn emit(&self, args: &Args, event: &'static str, level: Level, outcome: Outcome<'_>) {
        let duration_us = u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX);
        dispatch::emit_record(&CallRecord {
            site: self.site,
            event,
            level,
            args,
            duration_us,
            outcome,
        });
    }
}

impl Drop for Call {
    /// The call did not return: it is unwinding from a panic (`"panicked"`, at the error level),
    /// or its future was dropped before it completed (`"cancelled"`, at the level of a normal
    /// return). A future dropped while its thread unwinds from a panic counts as panicked.
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.finish(self.site.err_level, Outcome::Panicked);
        } else {
            self.finish(self.site.ok_level, Outcome::Cancelled);
        }
    }
}

/// Writes the arguments of a `#[logged]` function. Not a stable API.
pub struct ArgWriter<'a> {
    out: &'a mut Output,
    keys: &'a mut Vec<(&'static str, Range<usize>)>,
    known: &'a mut Vec<String>,
}

/// A value marked `skip` or `redact` (an argument, or a derived event's field), whose text, if
/// it has one, is removed from the other texts of its event. Not a stable API.
pub struct Known<'a, T: ?Sized>(pub &'a T);

/// The text of a `Display` value (chosen first, by autoref).
pub trait KnownText {
    /// The value's text, unless it is empty.
    fn __logfix_known(&self) -> Option<String>;
}

impl<T: fmt::Display + ?Sized> KnownText for Known<'_, T> {
    fn __logfix_known(&self) -> Option<String> {
        Some(self.0.to_string()).filter(|text| !text.is_empty())
    }
}

/// No text for a type without `Display`.
pub trait NoText {
    /// `None`.
    fn __logfix_known(&self) -> Option<String>;
}

impl<T: ?Sized> NoText for &Known<'_, T> {
    fn __logfix_known(&self) -> Option<String> {
        None
    }
}

impl ArgWriter<'_> {
    /// A plain argument.
    pub fn value<V: Value + ?Sized>(&mut self, key: &'static str, v: &V) {
        self.record(key, |w| w.value(key, v));
    }

    /// A `#[log(display)]` argument.
    pub fn display<V: fmt::Display + ?Sized>(&mut self, key: &'static str, v: &V) {
        self.record(key, |w| w.display(key, v));
    }

    /// A `#[log(debug)]` argument.
    pub fn debug<V: fmt::Debug + ?Sized>(&mut self, key: &'static str, v: &V) {
        self.record(key, |w| w.debug(key, v));
    }

    /// A `#[log(hex)]` argument.
    pub fn hex<V: AsRef<[u8]> + ?Sized>(&mut self, key: &'static str, v: &V) {
        self.record(key, |w| w.with(key, |out| out.hex(v.as_ref())));
    }

    /// A `#[log(base64)]` argument.
    pub fn base64<V: AsRef<[u8]> + ?Sized>(&mut self, key: &'static str, v: &V) {
        self.record(key, |w| w.with(key, |out| out.base64(v.as_ref())));
    }

    /// A `#[log(serde)]` argument.
    pub fn serde<V: SerdeValue + ?Sized>(&mut self, key: &'static str, v: &V) {
        self.record(key, |w| w.with(key, |out| v.__write(out)));
    }

    /// A `#[log(redact)]` argument: the value is never read.
    pub fn redacted(&mut self, key: &'static str) {
        self.record(key, |w| w.redacted(key));
    }

    /// A `#[log(redact = "hash")]` (or `"last4"`, `"email"`) argument: its text, masked.
    pub fn masked<V: MaskedValue + ?Sized>(&mut self, key: &'static str, v: &V, mask: Mask) {
        let text = v.__text();
        self.record(key, |w| w.value(key, redact::global().mask(&text, mask).as_str()));
        self.known(Some(text));
    }

    /// The text of a `skip` or `redact` argument, to remove from the call's error texts.
    pub fn known(&mut self, text: Option<String>) {
        self.known.extend(text);
    }

    fn record(&mut self, key: &'static str, write: impl FnOnce(&mut FieldWriter<'_>)) {
        let before = self.out.buf.len();
        write(&mut FieldWriter::new(self.out));
        // The writer wrote `,"key":` then the value.
        let value_start = (before + key.len() + 4).min(self.out.buf.len());
        self.keys.push((key, value_start..self.out.buf.len()));
    }
}

enum Outcome<'a> {
    Enter,
    Ok,
    /// The error's text and its sources', already scrubbed.
    Err {
        error: &'a str,
        /// The error's Rust type (`std::any::type_name`): not a secret, and what ECS's
        /// `error.type` asks for.
        error_type: &'a str,
        sources: &'a [String],
    },
    Cancelled,
    Panicked,
}

struct CallRecord<'a> {
    site: &'static CallSite,
    event: &'static str,
    level: Level,
    args: &'a Args,
    duration_us: u64,
    outcome: Outcome<'a>,
}

impl Record for CallRecord<'_> {
    fn level(&self) -> Level {
        self.level
    }

    fn component(&self) -> &str {
        self.site.component
    }

    fn event(&self) -> &str {
        self.event
    }

    fn write_json(&self, line: &mut Line<'_>) {
        parts::json_parts(line, self);
    }

    fn write_pretty(&self, w: &mut Pretty<'_>) {
        parts::pretty_parts(w, self);
    }
}

impl Parts for CallRecord<'_> {
    fn has_field(&self, key: &str) -> bool {
        CALL_KEYS.contains(&key) || self.args.keys.iter().any(|(k, _)| *k == key)
    }

    fn write_message(&self, w: &mut MessageWriter<'_>) {
        let (custom, default) = match &self.outcome {
            Outcome::Enter => (None, " called"),
            Outcome::Ok => (self.site.ok_message, " succeeded"),
            Outcome::Err { .. } => (self.site.err_message, " failed"),
            Outcome::Cancelled => (None, " cancelled"),
            Outcome::Panicked => (None, " panicked"),
        };
        if let Some(message) = custom {
            w.literal(message);
        } else {
            w.literal(self.site.function);
            w.literal(default);
        }
        if let Outcome::Err { error, .. } = &self.outcome {
            w.literal(": ");
            w.literal(error);
        }
    }

    fn write_fields(&self, w: &mut FieldWriter<'_>) {
        for (key, range) in &self.args.keys {
            if let Some(json) = self.args.json.get(range.clone()) {
                w.raw_json(key, json);
            }
        }
        if matches!(self.outcome, Outcome::Enter) {
            return;
        }
        w.value("duration_us", &self.duration_us);
        match &self.outcome {
            Outcome::Err { error, error_type, sources } => {
                w.value("outcome", "error");
                w.value("error", *error);
                w.value("error_type", *error_type);
                if !sources.is_empty() {
                    w.value("error_sources", *sources);
                }
            }
            Outcome::Cancelled => w.value("outcome", "cancelled"),
            Outcome::Panicked => w.value("outcome", "panicked"),
            Outcome::Enter | Outcome::Ok => w.value("outcome", "ok"),
        }
    }
}

/// An error type that a `#[logged]` function may return: one with `Display`, which is the text
/// its event gives the error. Every `Display` type implements it; it exists for its message when
/// a type does not. Not a stable API.
#[diagnostic::on_unimplemented(
    message = "the error type `{Self}` of a `#[logged]` function must implement `Display`",
    label = "`{Self}` does not implement `Display`",
    note = "`#[logged]` writes an `Err` as its `Display` text (and `source()` chain for `std::error::Error` types): implement `Display` for it, or return an error type that has it"
)]
pub trait LoggedError: fmt::Display {}

impl<E: fmt::Display + ?Sized> LoggedError for E {}

/// Describes an `Err` value: implemented for every `std::error::Error` (with its `source()`
/// chain) and, through autoref, for every `Display` type (without). Not a stable API.
pub struct ErrorRef<'a, E: ?Sized>(pub &'a E);

/// The `source()` chain of an error, when it implements `std::error::Error`.
pub trait ViaError {
    /// The messages of the error's sources, outermost first.
    fn __logfix_sources(&self) -> Vec<String>;
}

impl<E: std::error::Error + ?Sized> ViaError for ErrorRef<'_, E> {
    fn __logfix_sources(&self) -> Vec<String> {
        let mut sources = Vec::new();
        let mut next = self.0.source();
        while let Some(source) = next {
            sources.push(source.to_string());
            next = source.source();
        }
        sources
    }
}

/// No chain for an error type that only implements `Display`.
pub trait ViaDisplay {
    /// Always empty.
    fn __logfix_sources(&self) -> Vec<String>;
}

// No `Display` bound: `Call::err` requires it already (as `LoggedError`), and reports a missing
// one on the error type; a bound here would add a second, less clear error about this method.
impl<E: ?Sized> ViaDisplay for &ErrorRef<'_, E> {
    fn __logfix_sources(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A boxed `dyn Error` (`Box<dyn Error>`, `+ Send`, `+ Send + Sync`) does not implement `Error`
/// itself, so `ViaError` misses it and autoref would settle for `Display`, without the chain.
/// These impls are on `ErrorRef`, `ViaError`'s level, where no other impl applies to a boxed
/// `dyn Error`, so its chain is followed. They are impls of `ViaDisplay` only because the code
/// `#[logged]` generates already brings `ViaError` and `ViaDisplay` into scope.
macro_rules! boxed_dyn_error {
    ($($bounds:tt)*) => {
        impl ViaDisplay for ErrorRef<'_, Box<dyn std::error::Error $($bounds)*>> {
            fn __logfix_sources(&self) -> Vec<String> {
                ViaError::__logfix_sources(&ErrorRef(&**self.0))
            }
        }
    };
}

boxed_dyn_error!();
boxed_dyn_error!(+ Send);
boxed_dyn_error!(+ Send + Sync);
