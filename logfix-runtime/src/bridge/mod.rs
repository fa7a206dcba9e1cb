//! One pipeline for the whole process: events of crates that log through `tracing` or `log`
//! are rendered in the logfix schema, with the context of the thread that emitted them.
//!
//! For a bridged event, `component` is the target (`hyper::proto::h1`), `event` is the
//! `tracing` event's explicit name (`info!(name: "conn_closed", ...)`) or else `tracing` / `log`,
//! and `message` its message. Its fields follow; then the fields of the spans it happened in,
//! innermost first. A key is never written twice: an event field named like a mandatory key
//! becomes `field.<key>` (`field.level`), and a span field whose key is already taken becomes
//! `<span name>.<key>`. Event and span fields win over the context's keys, as an event's own
//! fields do.
//!
//! A bridged event is collected into buffers that each thread reuses from one event to the
//! next (`Fields`): no allocation per event once they have grown.
//!
//! Redaction applies as it is collected, by the global logger's policy ([`crate::redact`]): a
//! field whose name is sensitive is written as `[REDACTED]` without its value being formatted,
//! and the message and every text value lose the secrets the content scrubber finds. A field
//! named like one of the context's identifiers while the context has it keeps its value under
//! `field.<key>`: the context's identifiers are authoritative.

#![cfg_attr(
    not(any(feature = "tracing", feature = "log")),
    allow(dead_code, reason = "the collection is only used by the bridges")
)]

#[cfg(feature = "log")]
#[cfg_attr(all(docsrs, logfix_doc_cfg), doc(cfg(feature = "log")))]
pub mod log;
#[cfg(feature = "tracing")]
#[cfg_attr(all(docsrs, logfix_doc_cfg), doc(cfg(feature = "tracing")))]
pub mod tracing;

use core::cell::RefCell;
use core::fmt::{self, Write as _};
use core::ops::Range;
use std::borrow::Cow;

use crate::context::Context;
use crate::event::{Level, CONTEXT_KEYS, REDACTED, RESERVED_KEYS};
use crate::redact;
use crate::render::line::Line;
use crate::render::parts::{self, FieldWriter, MessageWriter, Parts, Pretty};
use crate::render::Record;

/// A field's value as collected: numbers as they are, text in [`Fields::text`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FieldValue {
    Str(Range<usize>),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
}

/// A field's key.
#[derive(Debug, Clone, PartialEq)]
enum Key {
    /// A plain name of a `tracing` call site: unique among the call site's names, not a
    /// mandatory key, and needing no escaping, as checked once for the call site. It goes in
    /// without the checks of [`Fields::event_field`], and is written as it is.
    Plain(&'static str),
    /// Text in [`Fields::text`].
    Text(Range<usize>),
}

/// The message and fields of one bridged event (or one span), reused from one to the next.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    message: String,
    /// The `log` record's own target, for a record forwarded by tracing-log.
    log_target: Option<Range<usize>>,
    /// The keys and string values, one after the other.
    text: String,
    /// Each field's key and value.
    items: Vec<(Key, FieldValue)>,
}

impl Fields {
    fn clear(&mut self) {
        self.message.clear();
        self.log_target = None;
        self.text.clear();
        self.items.clear();
    }

    fn text(&self, range: &Range<usize>) -> &str {
        self.text.get(range.clone()).unwrap_or_default()
    }

    fn key<'a>(&'a self, key: &'a Key) -> &'a str {
        match key {
            Key::Plain(name) => name,
            Key::Text(range) => self.text(range),
        }
    }

    fn has(&self, key: &str) -> bool {
        self.items.iter().any(|(k, ..)| self.key(k) == key)
    }

    /// Appends `parts` to the text; returns where they are.
    fn add_text(&mut self, parts: &[&str]) -> Range<usize> {
        let start = self.text.len();
        for part in parts {
            self.text.push_str(part);
        }
        start..self.text.len()
    }

    /// Appends formatted text; returns where it is.
    fn add_fmt(&mut self, args: fmt::Arguments<'_>) -> Range<usize> {
        let start = self.text.len();
        // Writing into a `String` only fails if a `Display` impl fails: what it wrote stays.
        let _ = self.text.write_fmt(args);
        start..self.text.len()
    }

    /// The message: `Display` of `args`, scrubbed.
    pub(crate) fn message(&mut self, args: fmt::Arguments<'_>) {
        self.message.clear();
        let _ = self.message.write_fmt(args);
        if let Cow::Owned(scrubbed) = redact::global().scrub(&self.message) {
            self.message = scrubbed;
        }
    }

    /// Scrubs the text at `range`, the last thing appended; returns where the result is.
    fn scrubbed(&mut self, range: Range<usize>) -> Range<usize> {
        let text = self.text.get(range.clone()).unwrap_or_default();
        match redact::global().scrub(text) {
            Cow::Borrowed(_) => range,
            Cow::Owned(scrubbed) => {
                self.text.truncate(range.start);
                self.add_text(&[&scrubbed])
            }
        }
    }

    /// The target of a `log` record forwarded by tracing-log (its `log.target` field),
    /// scrubbed: it may be text made at run time.
    pub(crate) fn set_log_target(&mut self, target: &str) {
        let target = self.add_text(&[target]);
        self.log_target = Some(self.scrubbed(target));
    }

    pub(crate) fn log_target(&self) -> Option<&str> {
        self.log_target.as_ref().map(|range| self.text(range))
    }

    /// A string value, scrubbed, for a field about to be added.
    pub(crate) fn str(&mut self, value: &str) -> FieldValue {
        let value = self.add_text(&[value]);
        FieldValue::Str(self.scrubbed(value))
    }

    /// A formatted value, scrubbed, for a field about to be added.
    pub(crate) fn fmt(&mut self, value: fmt::Arguments<'_>) -> FieldValue {
        let value = self.add_fmt(value);
        FieldValue::Str(self.scrubbed(value))
    }

    /// The value of a field whose name is sensitive: `[REDACTED]`, whatever its value.
    pub(crate) fn redacted(&mut self) -> FieldValue {
        FieldValue::Str(self.add_text(&[REDACTED]))
    }

    /// Moves the fields named like a context identifier to `field.<key>` when the context has
    /// that identifier in force (the context's identifiers are authoritative) or when the value
    /// is not a string (a context id is a string in every line: one key, one JSON type). A
    /// field already named `field.<key>` keeps that key: the moved one is left out, as a span
    /// field is when its prefixed key is taken.
    pub(crate) fn yield_to_context(&mut self) {
        if !self.items.iter().any(|(k, _)| context_slot(self.key(k)).is_some()) {
            return;
        }
        Context::with_current(|context| {
            let mut i = 0;
            while let Some((key, value)) = self.items.get(i) {
                let yields = context_slot(self.key(key)).filter(|&slot| {
                    let taken =
                        context.and_then(|c| c.ids().get(slot)).is_some_and(Option::is_some);
                    taken || !matches!(value, FieldValue::Str(_))
                });
                let Some(slot) = yields else {
                    i += 1;
                    continue;
                };
                let name = CONTEXT_KEYS.get(slot).copied().unwrap_or_default();
                let moved = self.add_text(&["field.", name]);
                if self.has(self.text(&moved)) {
                    self.text.truncate(moved.start);
                    self.items.remove(i);
                    continue;
                }
                if let Some(item) = self.items.get_mut(i) {
                    item.0 = Key::Text(moved);
                }
                i += 1;
            }
        });
    }

    /// A field of a call site whose names are plain ([`Key::Plain`]): the call site's names
    /// were checked once for all its events.
    pub(crate) fn plain_field(&mut self, key: &'static str, value: FieldValue) {
        self.items.push((Key::Plain(key), value));
    }

    /// An event field; a mandatory key is moved aside to `field.<key>`, and a repeated key
    /// replaces the earlier value.
    pub(crate) fn event_field(&mut self, key: &str, value: FieldValue) {
        let reserved = is_reserved(key);
        let existing = self.items.iter().position(|(k, ..)| {
            let k = self.key(k);
            if reserved {
                k.strip_prefix("field.") == Some(key)
            } else {
                k == key
            }
        });
        if let Some(entry) = existing.and_then(|i| self.items.get_mut(i)) {
            entry.1 = value;
        } else {
            let key =
                if reserved { self.add_text(&["field.", key]) } else { self.add_text(&[key]) };
            self.items.push((Key::Text(key), value));
        }
    }

    /// Adds the fields of `span`, named `name`; a key already written becomes `<name>.<key>`
    /// (and is left out if that is taken too).
    pub(crate) fn span_fields(&mut self, name: &str, span: &Fields) {
        for (key, value) in &span.items {
            let key = span.key(key);
            let taken = |this: &Self, k: &str| is_reserved(k) || this.has(k);
            let key = if taken(self, key) {
                let prefixed = self.add_text(&[name, ".", key]);
                if taken(self, self.text(&prefixed)) {
                    self.text.truncate(prefixed.start);
                    continue;
                }
                prefixed
            } else {
                self.add_text(&[key])
            };
            let value = match value {
                FieldValue::Str(range) => FieldValue::Str(self.add_text(&[span.text(range)])),
                other => other.clone(),
            };
            self.items.push((Key::Text(key), value));
        }
    }
}

/// A number for a call site known by text (a `log` target): the same text gives the same
/// number for the life of the process.
pub(crate) fn text_site(text: &str) -> usize {
    use core::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    // Truncated on 32-bit targets: a number to tell sites apart, not an address.
    #[allow(clippy::cast_possible_truncation)]
    let site = hasher.finish() as usize;
    site
}

/// Whether `key` is one of [`RESERVED_KEYS`], decided by its length first: this runs for every
/// bridged field.
fn is_reserved(key: &str) -> bool {
    matches!(key.len(), 5 | 7 | 9) && RESERVED_KEYS.contains(&key)
}

/// Which of [`CONTEXT_KEYS`] `key` is, decided by its length first.
fn context_slot(key: &str) -> Option<usize> {
    if !matches!(key.len(), 7 | 8 | 10 | 14) {
        return None;
    }
    CONTEXT_KEYS.iter().position(|k| *k == key)
}

/// Whether the call site's field `name` can be a plain key ([`Key::Plain`]), besides
/// being unique among the call site's names. A context id can: it is moved aside, to a key that
/// needs no escaping either, after the fields are collected (`yield_to_context`).
pub(crate) fn plain_key(name: &str) -> bool {
    !is_reserved(name) && logfix_core::escape::is_clean(name.as_bytes())
}

thread_local! {
    static SCRATCH: RefCell<Fields> = RefCell::new(Fields::default());
}

/// Runs `f` on this thread's reused [`Fields`], emptied; on fresh ones while they are in use (a
/// field's `Debug` impl that logs) or gone (thread exit).
pub(crate) fn with_fields(f: impl FnOnce(&mut Fields)) {
    let mut f = Some(f);
    let _ = SCRATCH.try_with(|scratch| {
        if let (Ok(mut fields), Some(f)) = (scratch.try_borrow_mut(), f.take()) {
            fields.clear();
            f(&mut fields);
        }
    });
    if let Some(f) = f {
        f(&mut Fields::default());
    }
}

/// An event from another logging framework, collected before it is rendered.
pub(crate) struct ForeignEvent<'a> {
    pub(crate) level: Level,
    pub(crate) component: &'a str,
    /// The component, when it is a `tracing` target (static).
    pub(crate) static_component: Option<&'static str>,
    pub(crate) event: &'a str,
    pub(crate) fields: &'a Fields,
}

impl Record for ForeignEvent<'_> {
    fn level(&self) -> Level {
        self.level
    }

    fn component(&self) -> &str {
        self.component
    }

    fn static_component(&self) -> Option<&'static str> {
        self.static_component
    }

    fn event(&self) -> &str {
        self.event
    }

    fn write_json(&self, line: &mut Line<'_>) {
        let fields = self.fields;
        line.str(&fields.message, true);
        line.put(b"\"");
        line.context_with(|key| fields.has(key));
        for (key, value) in &fields.items {
            match key {
                Key::Plain(key) => line.plain_key(key),
                Key::Text(range) => line.field_key(fields.text(range)),
            }
            match value {
                FieldValue::Str(range) => line.str(fields.text(range), false),
                FieldValue::I64(v) => line.i64(*v),
                FieldValue::U64(v) => line.u64(*v),
                FieldValue::F64(v) => line.record(v, false),
                FieldValue::Bool(v) => line.bool(*v),
            }
        }
    }

    fn write_pretty(&self, w: &mut Pretty<'_>) {
        parts::pretty_parts(w, self);
    }
}

impl Parts for ForeignEvent<'_> {
    fn has_field(&self, key: &str) -> bool {
        self.fields.has(key)
    }

    fn write_message(&self, w: &mut MessageWriter<'_>) {
        w.literal(&self.fields.message);
    }

    /// The pretty format's fields (JSON is written by `write_json` directly).
    fn write_fields(&self, w: &mut FieldWriter<'_>) {
        let fields = self.fields;
        for (key, value) in &fields.items {
            let key = fields.key(key);
            match value {
                FieldValue::Str(range) => w.value(key, fields.text(range)),
                FieldValue::I64(v) => w.value(key, v),
                FieldValue::U64(v) => w.value(key, v),
                FieldValue::F64(v) => w.value(key, v),
                FieldValue::Bool(v) => w.value(key, v),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(fields: &Fields) -> Vec<&str> {
        fields.items.iter().map(|(k, ..)| fields.key(k)).collect()
    }

    #[test]
    fn keys_are_never_written_twice() {
        let mut e = Fields::default();
        let x = e.str("x");
        e.event_field("level", x);
        e.event_field("user_id", FieldValue::U64(1));
        e.event_field("user_id", FieldValue::U64(2));
        e.event_field("level", FieldValue::U64(9));
        let mut request = Fields::default();
        request.event_field("user_id", FieldValue::U64(3));
        let a = request.str("a");
        request.event_field("peer", a);
        let mut conn = Fields::default();
        conn.event_field("user_id", FieldValue::U64(4));
        let b = conn.str("b");
        conn.event_field("peer", b);
        e.span_fields("request", &request);
        e.span_fields("conn", &conn);
        assert_eq!(
            keys(&e),
            ["field.level", "user_id", "request.user_id", "peer", "conn.user_id", "conn.peer"]
        );
        assert_eq!(e.items[0].1, FieldValue::U64(9), "a repeated key replaces the value");
        assert_eq!(e.items[1].1, FieldValue::U64(2));
    }

    /// Buffers are reused: once grown, collecting another event allocates nothing.
    #[test]
    fn collecting_again_reuses_the_buffers() {
        let collect = |f: &mut Fields| {
            f.message(format_args!("took {}ms", 12));
            let route = f.str("/items");
            f.event_field("route", route);
            let peer = f.fmt(format_args!("{:?}", "10.0.0.1"));
            f.event_field("peer", peer);
            f.event_field("n", FieldValue::I64(-3));
        };
        let mut f = Fields::default();
        collect(&mut f);
        let capacity = (f.message.capacity(), f.text.capacity(), f.items.capacity());
        f.clear();
        collect(&mut f);
        assert_eq!((f.message.capacity(), f.text.capacity(), f.items.capacity()), capacity);
        assert_eq!(f.message, "took 12ms");
        assert_eq!(keys(&f), ["route", "peer", "n"]);
    }
}
