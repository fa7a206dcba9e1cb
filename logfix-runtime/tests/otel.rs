//! `trace_id` and `span_id` from the current OpenTelemetry span (feature `opentelemetry`).
//! Run with `cargo test -p logfix-runtime --features opentelemetry --test otel`.
#![cfg(feature = "opentelemetry")]
#![allow(clippy::unwrap_used, reason = "test code")]

use logfix_runtime::{emit, Context, LogEvent};
use logfix_testkit::capture;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};

#[derive(LogEvent)]
#[log(component = "otel", message = "inside")]
struct Inside;

fn remote_span() -> opentelemetry::Context {
    let span = SpanContext::new(
        TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
        SpanId::from_hex("00f067aa0ba902b7").unwrap(),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    );
    opentelemetry::Context::current().with_remote_span_context(span)
}

#[test]
fn ids_come_from_the_current_opentelemetry_span() {
    let _attached = remote_span().attach();
    let events = capture(|| emit(&Inside));
    assert_eq!(events[0]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(events[0]["span_id"], "00f067aa0ba902b7");
    // Slots keep their order: request_id from the logfix context comes first.
    let events = capture(|| Context::new().request_id("r-1").scope(|| emit(&Inside)));
    let line = &events.lines()[0];
    assert!(line.find("\"request_id\"").unwrap() < line.find("\"trace_id\"").unwrap(), "{line}");
}

#[test]
fn a_trace_id_in_the_logfix_context_wins() {
    let _attached = remote_span().attach();
    let events = capture(|| {
        Context::new().trace_id("0af7651916cd43dd8448eb211c80319c").scope(|| emit(&Inside));
    });
    assert_eq!(events[0]["trace_id"], "0af7651916cd43dd8448eb211c80319c");
    assert!(events[0].get("span_id").is_none(), "the span id of another trace is not mixed in");
}

#[test]
fn no_span_no_ids() {
    let events = capture(|| emit(&Inside));
    assert!(events[0].get("trace_id").is_none());
    assert!(events[0].get("span_id").is_none());
}
