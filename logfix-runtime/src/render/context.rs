//! The request context in a line: its identifiers and key/values after `message`, each key once.

use logfix_core::CONTEXT_KEYS;

use super::value::{write_into, ValueWriter, Written};
use super::{write_key, Output};
use crate::context::{self, Context, ContextValue, Id};
use crate::redact::Redaction;

/// The identifiers of no context. A static, not a local: a local's five slots were made and
/// dropped on every line.
static NO_IDS: [Option<Id>; 5] = [None, None, None, None, None];

/// Writes the context keys after `message`, skipping those the event sets itself. With the
/// `opentelemetry` feature, `trace_id` and `span_id` come from the current OpenTelemetry span
/// when the logfix context has no trace id of its own.
#[inline]
pub(crate) fn write_context(
    out: &mut Output,
    context: Option<&Context>,
    event_has: impl Fn(&str) -> bool,
) {
    // The common case outside requests, checked before the call: nothing to write.
    #[cfg(not(feature = "opentelemetry"))]
    if context.is_none() {
        return;
    }
    write_in_force(out, context, event_has);
}

fn write_in_force(out: &mut Output, context: Option<&Context>, event_has: impl Fn(&str) -> bool) {
    #[cfg(feature = "opentelemetry")]
    let otel = match context {
        Some(c) if c.id("trace_id").is_some() => None,
        _ => context::otel::current_ids(),
    };
    #[cfg(feature = "opentelemetry")]
    if context.is_none() && otel.is_none() {
        return;
    }
    let ids = context.map_or(&NO_IDS, Context::ids);
    for (slot, (key, id)) in CONTEXT_KEYS.iter().zip(ids).enumerate() {
        // The event's keys are looked up only for a key there is something to write for.
        if let Some(id) = id {
            if !event_has(key) {
                let id = id.written_by(slot, out.redaction());
                write_key(out, key);
                write_into(out, false, |w| w.str(&id));
            }
        }
        #[cfg(feature = "opentelemetry")]
        if let (None, Some((trace_id, span_id))) = (id, &otel) {
            let id: &dyn core::fmt::Display = if *key == "trace_id" { trace_id } else { span_id };
            if matches!(*key, "trace_id" | "span_id") && !event_has(key) {
                write_key(out, key);
                write_into(out, false, |w| w.display_exact(id));
            }
        }
    }
    let fields = context.map_or(&[][..], Context::fields);
    if fields.is_empty() {
        return;
    }
    // The line's redaction, as for every other part of it: its logger's. Taken once, beside the
    // output the loop writes into (a reference count for a built logger's own), not per field.
    let own = out.own_redaction.clone();
    let redaction: &Redaction = match own.as_deref() {
        Some(own) => own,
        None => crate::redact::global(),
    };
    for field in fields {
        if event_has(field.key()) {
            continue;
        }
        let written = field.written_by(redaction);
        write_key(out, field.key());
        match written {
            context::Shown::Value(value) => write_into(out, false, |w| write_value(value, w)),
            context::Shown::Text(text) => write_into(out, false, |w| w.str(&text)),
        }
    }
}

/// Writes a custom context value (or a notice's field).
pub(crate) fn write_value<'w>(value: &ContextValue, out: ValueWriter<'w>) -> Written<'w> {
    match value {
        ContextValue::Str(s) => out.str(s),
        ContextValue::I64(v) => out.i64(*v),
        ContextValue::U64(v) => out.u64(*v),
        ContextValue::F64(v) => out.f64(*v),
        ContextValue::Bool(v) => out.bool(*v),
    }
}
