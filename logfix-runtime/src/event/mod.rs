//! Events: the [`LogEvent`] trait that `#[derive(LogEvent)]` implements, their static
//! [`Metadata`], [`Level`]s and field [`Value`]s.

pub(crate) mod notice;
mod value;

use core::fmt;
use std::sync::OnceLock;

pub use logfix_core::{Level, ParseLevelError, CONTEXT_KEYS, REDACTED, RESERVED_KEYS};
pub use value::{Value, ValueWriter};

use crate::render::line::Line;
use crate::render::sink::Pretty;
use crate::render::Output;

/// What is known about an event type at compile time.
///
/// # Examples
/// ```
/// use logfix_runtime::{Level, LogEvent};
///
/// #[derive(LogEvent)]
/// #[log(component = "auth", level = "warn", message = "too many attempts for {user_id}")]
/// struct LoginThrottled {
///     user_id: u64,
/// }
///
/// let meta = LoginThrottled { user_id: 1 }.metadata();
/// assert_eq!(meta.component(), "auth");
/// assert_eq!(meta.event(), "login_throttled");
/// assert_eq!(meta.level(), Level::Warn);
/// assert_eq!(meta.fields(), ["user_id"]);
/// ```
#[derive(Debug)]
pub struct Metadata {
    component: &'static str,
    event: &'static str,
    level: Level,
    fields: &'static [&'static str],
    /// `","level":"info","component":"auth","event":"user_login","message":"`, rendered on first
    /// use: the part of every JSON line of this event that never changes.
    json_head: OnceLock<Box<[u8]>>,
}

impl Metadata {
    /// Not a stable API: called by `#[derive(LogEvent)]`.
    #[doc(hidden)]
    #[must_use]
    pub const fn new(
        component: &'static str,
        event: &'static str,
        level: Level,
        fields: &'static [&'static str],
    ) -> Self {
        Self { component, event, level, fields, json_head: OnceLock::new() }
    }

    /// The `component` key: the part of the service the event comes from.
    #[must_use]
    pub const fn component(&self) -> &'static str {
        self.component
    }

    /// The `event` key: a stable, machine-readable name for what happened.
    #[must_use]
    pub const fn event(&self) -> &'static str {
        self.event
    }

    /// The severity.
    #[must_use]
    pub const fn level(&self) -> Level {
        self.level
    }

    /// The JSON keys of the event's own fields (skipped fields excluded, redacted included).
    #[must_use]
    pub const fn fields(&self) -> &'static [&'static str] {
        self.fields
    }

    pub(crate) fn has_field(&self, key: &str) -> bool {
        self.fields.contains(&key)
    }

    pub(crate) fn json_head(&'static self) -> &'static [u8] {
        self.json_head.get_or_init(|| {
            logfix_core::json_head(self.level, self.component, self.event).into_boxed_slice()
        })
    }
}

/// A structured log event. Derive it; do not implement it by hand.
///
/// `#[derive(LogEvent)]` checks the event at compile time (mandatory `component` and `message`,
/// placeholders that name real, non-secret fields, no reserved keys, loggable field types) and
/// generates code that renders the event without allocating.
///
/// # Examples
/// ```
/// use logfix_runtime::LogEvent;
///
/// #[derive(LogEvent)]
/// #[log(component = "auth", message = "user {user_id} logged in")]
/// struct UserLogin<'a> {
///     user_id: u64,
///     #[log(redact)]
///     email: &'a str,
/// }
///
/// let events = logfix_testkit::capture(|| {
///     logfix_runtime::emit(&UserLogin { user_id: 42, email: "ann@example.com" });
/// });
/// assert_eq!(events[0]["event"], "user_login");
/// assert_eq!(events[0]["message"], "user 42 logged in");
/// assert_eq!(events[0]["email"], "[REDACTED]");
/// ```
pub trait LogEvent {
    /// The event's static description.
    fn metadata(&self) -> &'static Metadata;

    /// Not a stable API: renders the JSON line from the message text to the last field.
    #[doc(hidden)]
    fn __write_json(&self, line: &mut Line<'_>);

    /// Not a stable API: renders the pretty line from the message text to the last field.
    #[doc(hidden)]
    fn __write_pretty(&self, w: &mut Pretty<'_>);

    /// Not a stable API: the constant JSON between the timestamp and the message text, from
    /// `","level":"` to `","message":"`. The derive writes it out at compile time, so that
    /// copying it is a few moves instead of a call.
    #[doc(hidden)]
    fn __json_head(&self) -> &'static [u8] {
        self.metadata().json_head()
    }
}

impl<E: LogEvent + ?Sized> LogEvent for &E {
    fn metadata(&self) -> &'static Metadata {
        (**self).metadata()
    }

    fn __write_json(&self, line: &mut Line<'_>) {
        (**self).__write_json(line);
    }

    fn __write_pretty(&self, w: &mut Pretty<'_>) {
        (**self).__write_pretty(w);
    }

    fn __json_head(&self) -> &'static [u8] {
        (**self).__json_head()
    }
}

/// Writes the text of the `message` key of a record that is not a derived event (see
/// `render::sink::Parts`).
pub(crate) struct MessageWriter<'a> {
    out: &'a mut Output,
}

impl<'a> MessageWriter<'a> {
    pub(crate) fn new(out: &'a mut Output) -> Self {
        Self { out }
    }

    /// Text, escaped here.
    pub(crate) fn literal(&mut self, text: &str) {
        crate::render::escape::escape_into(&mut self.out.buf, text);
    }

    /// A value written with its `Display` impl.
    pub(crate) fn display<V: fmt::Display + ?Sized>(&mut self, v: &V) {
        ValueWriter::new(self.out, true).display(&v);
    }
}

/// Writes the fields of a record that is not a derived event (see `render::sink::Parts`).
pub(crate) struct FieldWriter<'a> {
    out: &'a mut Output,
}

impl<'a> FieldWriter<'a> {
    pub(crate) fn new(out: &'a mut Output) -> Self {
        Self { out }
    }

    /// A field written with its [`Value`] impl.
    pub(crate) fn value<V: Value + ?Sized>(&mut self, key: &str, v: &V) {
        self.key(key);
        v.record(&mut ValueWriter::new(self.out, false));
    }

    /// A field written with its `Display` impl.
    pub(crate) fn display<V: fmt::Display + ?Sized>(&mut self, key: &str, v: &V) {
        self.key(key);
        ValueWriter::new(self.out, false).display(&v);
    }

    /// A field written with its `Debug` impl.
    pub(crate) fn debug<V: fmt::Debug + ?Sized>(&mut self, key: &str, v: &V) {
        self.key(key);
        ValueWriter::new(self.out, false).debug(&v);
    }

    /// A secret field: only the key is written.
    pub(crate) fn redacted(&mut self, key: &str) {
        self.key(key);
        ValueWriter::new(self.out, false).str(REDACTED);
    }

    /// A value already rendered as JSON (by the argument snapshot of `#[logged]`).
    pub(crate) fn raw_json(&mut self, key: &str, json: &[u8]) {
        self.key(key);
        self.out.buf.extend_from_slice(json);
    }

    pub(crate) fn context_value(&mut self, key: &str, value: &crate::context::ContextValue) {
        self.key(key);
        value.record(&mut ValueWriter::new(self.out, false));
    }

    fn key(&mut self, key: &str) {
        crate::render::write_key(self.out, key);
    }
}
