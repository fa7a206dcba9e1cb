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

#[cfg(feature = "log")]
pub mod log;
#[cfg(feature = "tracing")]
pub mod tracing;

use crate::context::ContextValue;
use crate::event::{FieldWriter, Level, MessageWriter, RESERVED_KEYS};
use crate::render::line::Line;
use crate::render::sink::{self, Parts, Pretty};
use crate::render::Record;

/// An event from another logging framework, collected before it is rendered.
pub(crate) struct ForeignEvent<'a> {
    pub(crate) level: Level,
    pub(crate) component: &'a str,
    pub(crate) event: &'a str,
    pub(crate) message: String,
    pub(crate) fields: Vec<(String, ContextValue)>,
}

impl<'a> ForeignEvent<'a> {
    pub(crate) fn new(level: Level, component: &'a str, event: &'a str) -> Self {
        Self { level, component, event, message: String::new(), fields: Vec::new() }
    }

    /// Adds an event field; a mandatory key is moved aside to `field.<key>`, and a repeated key
    /// replaces the earlier value.
    pub(crate) fn field(&mut self, key: &str, value: ContextValue) {
        let key =
            if RESERVED_KEYS.contains(&key) { format!("field.{key}") } else { key.to_owned() };
        match self.fields.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.fields.push((key, value)),
        }
    }

    /// Adds a field of the span `span`; a key already written becomes `<span>.<key>`.
    pub(crate) fn span_field(&mut self, span: &str, key: &str, value: ContextValue) {
        let taken = |k: &str| RESERVED_KEYS.contains(&k) || self.fields.iter().any(|(f, _)| f == k);
        let mut key = key.to_owned();
        if taken(&key) {
            key = format!("{span}.{key}");
        }
        if !taken(&key) {
            self.fields.push((key, value));
        }
    }
}

impl Record for ForeignEvent<'_> {
    fn level(&self) -> Level {
        self.level
    }

    fn component(&self) -> &str {
        self.component
    }

    fn event(&self) -> &str {
        self.event
    }

    fn write_json(&self, line: &mut Line<'_>) {
        sink::json_parts(line, self);
    }

    fn write_pretty(&self, w: &mut Pretty<'_>) {
        sink::pretty_parts(w, self);
    }
}

impl Parts for ForeignEvent<'_> {
    fn has_field(&self, key: &str) -> bool {
        self.fields.iter().any(|(k, _)| k == key)
    }

    fn write_message(&self, w: &mut MessageWriter<'_>) {
        w.literal(&self.message);
    }

    fn write_fields(&self, w: &mut FieldWriter<'_>) {
        for (key, value) in &self.fields {
            w.context_value(key, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_never_written_twice() {
        let mut e = ForeignEvent::new(Level::Info, "hyper", "tracing");
        e.field("level", ContextValue::from("x"));
        e.field("user_id", ContextValue::from(1_u8));
        e.field("user_id", ContextValue::from(2_u8));
        e.span_field("request", "user_id", ContextValue::from(3_u8));
        e.span_field("conn", "user_id", ContextValue::from(4_u8));
        e.span_field("request", "peer", ContextValue::from("a"));
        let keys: Vec<_> = e.fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["field.level", "user_id", "request.user_id", "conn.user_id", "peer"]);
        assert_eq!(e.fields[1].1, ContextValue::U64(2));
    }
}
