//! Events: the [`LogEvent`] trait that `#[derive(LogEvent)]` implements, their static
//! [`Metadata`], [`Level`]s and field [`Value`]s.

mod level;
pub(crate) mod notice;
mod value;

use core::fmt;
use std::sync::OnceLock;

pub use level::{Level, ParseLevelError};
pub use value::{Value, ValueWriter};

use crate::render::Output;

/// The keys every line starts with, in order. No event field may use them.
pub const RESERVED_KEYS: [&str; 5] = ["timestamp", "level", "component", "event", "message"];

/// The context keys, written after `message` and before the event's own fields when set.
pub const CONTEXT_KEYS: [&str; 5] =
    ["request_id", "correlation_id", "user_id", "trace_id", "span_id"];

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
            let mut head = Vec::with_capacity(96);
            head.extend_from_slice(b"\",\"level\":\"");
            head.extend_from_slice(self.level.as_str().as_bytes());
            head.extend_from_slice(b"\",\"component\":\"");
            crate::render::escape::escape_into(&mut head, self.component);
            head.extend_from_slice(b"\",\"event\":\"");
            crate::render::escape::escape_into(&mut head, self.event);
            head.extend_from_slice(b"\",\"message\":\"");
            head.into_boxed_slice()
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

    /// Not a stable API: renders the `message` text.
    #[doc(hidden)]
    fn __write_message(&self, w: &mut MessageWriter<'_>);

    /// Not a stable API: renders the event's fields.
    #[doc(hidden)]
    fn __write_fields(&self, w: &mut FieldWriter<'_>);

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

    fn __write_message(&self, w: &mut MessageWriter<'_>) {
        (**self).__write_message(w);
    }

    fn __write_fields(&self, w: &mut FieldWriter<'_>) {
        (**self).__write_fields(w);
    }

    fn __json_head(&self) -> &'static [u8] {
        (**self).__json_head()
    }
}

/// What a redacted value is rendered as.
pub const REDACTED: &str = "[REDACTED]";

/// Writes the text of the `message` key. Not a stable API.
#[doc(hidden)]
pub struct MessageWriter<'a> {
    out: &'a mut Output,
}

impl<'a> MessageWriter<'a> {
    pub(crate) fn new(out: &'a mut Output) -> Self {
        Self { out }
    }

    /// Text, escaped here.
    #[inline]
    pub fn literal(&mut self, text: &str) {
        crate::render::escape::escape_into(&mut self.out.buf, text);
    }

    /// A literal part of a template, escaped at compile time by `#[derive(LogEvent)]` (the
    /// message text is escaped the same way in both formats).
    #[inline]
    pub fn escaped(&mut self, text: &str) {
        self.out.buf.extend_from_slice(text.as_bytes());
    }

    /// A placeholder naming a plain field.
    #[inline]
    pub fn value<V: Value + ?Sized>(&mut self, v: &V) {
        v.record(&mut ValueWriter::new(self.out, true));
    }

    /// A placeholder naming a `#[log(display)]` field.
    pub fn display<V: fmt::Display + ?Sized>(&mut self, v: &V) {
        ValueWriter::new(self.out, true).display(&v);
    }

    /// A placeholder naming a `#[log(debug)]` field.
    pub fn debug<V: fmt::Debug + ?Sized>(&mut self, v: &V) {
        ValueWriter::new(self.out, true).debug(&v);
    }
}

/// The key of a field. Not a stable API.
///
/// `#[derive(LogEvent)]` renders `,"name":` at compile time (its keys never need escaping), so
/// that writing a JSON key is one copy; other keys are escaped when written.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Key<'k> {
    name: &'k str,
    json: Option<&'static str>,
}

impl<'k> Key<'k> {
    /// A key with its JSON form, `,"name":`.
    #[must_use]
    #[inline]
    pub const fn rendered(json: &'static str, name: &'k str) -> Self {
        Self { name, json: Some(json) }
    }

    pub(crate) const fn named(name: &'k str) -> Self {
        Self { name, json: None }
    }
}

/// Writes an event's fields after the mandatory keys. Not a stable API.
#[doc(hidden)]
pub struct FieldWriter<'a> {
    out: &'a mut Output,
}

impl<'a> FieldWriter<'a> {
    pub(crate) fn new(out: &'a mut Output) -> Self {
        Self { out }
    }

    /// A plain field.
    #[inline]
    pub fn value<V: Value + ?Sized>(&mut self, key: Key<'_>, v: &V) {
        self.key(key);
        v.record(&mut ValueWriter::new(self.out, false));
    }

    /// A `#[log(display)]` field.
    pub fn display<V: fmt::Display + ?Sized>(&mut self, key: Key<'_>, v: &V) {
        self.key(key);
        ValueWriter::new(self.out, false).display(&v);
    }

    /// A `#[log(debug)]` field.
    pub fn debug<V: fmt::Debug + ?Sized>(&mut self, key: Key<'_>, v: &V) {
        self.key(key);
        ValueWriter::new(self.out, false).debug(&v);
    }

    /// A `#[log(redact)]` field: only the key is written; the value is never read.
    pub fn redacted(&mut self, key: Key<'_>) {
        self.key(key);
        ValueWriter::new(self.out, false).str(REDACTED);
    }

    /// A value already rendered as JSON (by the argument snapshot of `#[logged]`).
    pub(crate) fn raw_json(&mut self, key: &str, json: &[u8]) {
        self.key(Key::named(key));
        self.out.buf.extend_from_slice(json);
    }

    pub(crate) fn context_value(&mut self, key: &str, value: &crate::context::ContextValue) {
        self.key(Key::named(key));
        value.record(&mut ValueWriter::new(self.out, false));
    }

    #[inline]
    fn key(&mut self, key: Key<'_>) {
        match (self.out.format, key.json) {
            (crate::render::Format::Json, Some(json)) => {
                self.out.buf.extend_from_slice(json.as_bytes());
            }
            _ => crate::render::write_key(self.out, key.name),
        }
    }
}
