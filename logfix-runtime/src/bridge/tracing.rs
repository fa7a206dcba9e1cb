//! A `tracing_subscriber` layer that renders every `tracing` event in the logfix schema.
//!
//! [`init`](crate::init) installs it as the global subscriber. If the program installs its own
//! subscriber, add the layer to it:
//!
//! ```
//! use tracing_subscriber::layer::SubscriberExt;
//!
//! let subscriber = tracing_subscriber::registry().with(logfix_runtime::bridge::tracing::layer());
//! tracing::subscriber::with_default(subscriber, || {
//!     let events = logfix_testkit::capture(|| tracing::info!(target: "db::pool", size = 4, "pool ready"));
//!     assert_eq!(events[0]["component"], "db::pool");
//!     assert_eq!(events[0]["message"], "pool ready");
//!     assert_eq!(events[0]["size"], 4);
//! });
//! ```

use core::fmt;

use tracing_core::field::{Field, Visit};
use tracing_core::span::{Attributes, Id, Record as SpanRecord};
use tracing_core::{Event, Interest, Metadata, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use super::ForeignEvent;
use crate::context::ContextValue;
use crate::dispatch;
use crate::event::Level;

/// The layer; see the [module docs](self).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogfixLayer {
    _private: (),
}

/// A new [`LogfixLayer`].
#[must_use]
pub fn layer() -> LogfixLayer {
    LogfixLayer::default()
}

/// Installs a registry with the layer as the global `tracing` subscriber.
///
/// # Errors
/// When a global subscriber is already installed.
pub fn install() -> Result<(), String> {
    use tracing_subscriber::layer::SubscriberExt;
    let subscriber = tracing_subscriber::registry().with(layer());
    tracing_core::dispatcher::set_global_default(tracing_core::Dispatch::new(subscriber))
        .map_err(|e| e.to_string())
}

fn level(level: tracing_core::Level) -> Level {
    match level {
        tracing_core::Level::ERROR => Level::Error,
        tracing_core::Level::WARN => Level::Warn,
        tracing_core::Level::INFO => Level::Info,
        tracing_core::Level::DEBUG => Level::Debug,
        _ => Level::Trace,
    }
}

/// The fields of a span, kept in its extensions until its events need them.
struct SpanFields(Vec<(String, ContextValue)>);

impl<S> Layer<S> for LogfixLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn register_callsite(&self, _metadata: &'static Metadata<'static>) -> Interest {
        // Decided per event: level directives can change with a capture or a new logger.
        Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        // Spans are always recorded: their fields belong to the events inside them.
        metadata.is_span() || dispatch::enabled(metadata.target(), level(*metadata.level()))
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut fields = SpanFields(Vec::new());
            attrs.record(&mut SpanVisitor(&mut fields.0));
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &SpanRecord<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(fields) = span.extensions_mut().get_mut::<SpanFields>() {
                values.record(&mut SpanVisitor(&mut fields.0));
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        // Without an explicit `name:`, tracing names events `event file.rs:42`, which changes
        // with every edit: not a stable event name.
        let name = if meta.name().starts_with("event ") { "tracing" } else { meta.name() };
        let mut record = ForeignEvent::new(level(*meta.level()), meta.target(), name);
        event.record(&mut EventVisitor(&mut record));
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope {
                if let Some(fields) = span.extensions().get::<SpanFields>() {
                    for (key, value) in &fields.0 {
                        record.span_field(span.name(), key, value.clone());
                    }
                }
            }
        }
        dispatch::emit_record(&record);
    }
}

struct EventVisitor<'a, 'b>(&'a mut ForeignEvent<'b>);

impl Visit for EventVisitor<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            value.clone_into(&mut self.0.message);
        } else {
            self.0.field(field.name(), ContextValue::from(value));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0.message = format!("{value:?}");
        } else {
            self.0.field(field.name(), ContextValue::from(format!("{value:?}")));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.field(field.name(), ContextValue::I64(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.field(field.name(), ContextValue::U64(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.field(field.name(), ContextValue::F64(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.field(field.name(), ContextValue::Bool(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0.field(field.name(), ContextValue::from(error_chain(value)));
    }
}

struct SpanVisitor<'a>(&'a mut Vec<(String, ContextValue)>);

impl SpanVisitor<'_> {
    fn set(&mut self, field: &Field, value: ContextValue) {
        match self.0.iter_mut().find(|(k, _)| k == field.name()) {
            Some(entry) => entry.1 = value,
            None => self.0.push((field.name().to_owned(), value)),
        }
    }
}

impl Visit for SpanVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.set(field, ContextValue::from(value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.set(field, ContextValue::from(format!("{value:?}")));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.set(field, ContextValue::I64(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.set(field, ContextValue::U64(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.set(field, ContextValue::F64(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.set(field, ContextValue::Bool(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.set(field, ContextValue::from(error_chain(value)));
    }
}

/// `outer: inner: root cause`, following `source()`.
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
