//! Events of a program that never calls `init()` (a library's events, in an application that
//! does not use logfix): they go to the application's `tracing` subscriber when it has one, as
//! `tracing` events, else to stderr at the level `LOGFIX_LEVEL` says.

// Helpers outside `#[test]` functions are not covered by clippy.toml's `allow-*-in-tests`.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

mod common;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::{assert_success, is_child, run_child};
use logfix_runtime::{logged, Context, LogEvent};
use logfix_testkit::validate_line;
use serde_json::{json, Value};
use tracing::subscriber::with_default;
use tracing_core::field::{Field, Visit};
use tracing_core::{Event, Interest, Metadata, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt};
use tracing_subscriber::Layer;

#[derive(LogEvent)]
#[log(component = "inventory", message = "reserved {quantity} of {sku}")]
struct Reserved<'a> {
    sku: &'a str,
    quantity: u32,
    ratio: f64,
    backorder: bool,
    note: Option<&'a str>,
    bins: Vec<u16>,
    #[log(redact)]
    api_key: &'a str,
    #[log(skip)]
    _internal: u8,
}

#[derive(LogEvent)]
#[log(component = "inventory", level = "debug", message = "cache probed")]
struct Probed {
    hit: bool,
}

#[derive(LogEvent)]
#[log(component = "inventory.audit", level = "warn", message = "stock low: {left} left")]
struct StockLow {
    left: i64,
}

fn reserved() -> Reserved<'static> {
    Reserved {
        sku: "tea \"pot\"",
        quantity: 3,
        ratio: 0.25,
        backorder: false,
        note: None,
        bins: vec![4, 7],
        api_key: "sk-live-7Q",
        _internal: 9,
    }
}

/// One `tracing` event as a subscriber saw it.
#[derive(Debug, Clone)]
struct Seen {
    target: String,
    name: String,
    level: tracing::Level,
    /// The fields, typed as they were recorded: strings as JSON strings, numbers as numbers.
    fields: BTreeMap<String, Value>,
}

/// A layer that keeps every event it sees.
#[derive(Clone, Default)]
struct Collect(Arc<Mutex<Vec<Seen>>>);

impl Collect {
    fn seen(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }
}

impl<S: Subscriber> Layer<S> for Collect {
    fn on_event(&self, event: &Event<'_>, _: LayerContext<'_, S>) {
        let meta = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        self.0.lock().unwrap().push(Seen {
            target: meta.target().to_owned(),
            name: meta.name().to_owned(),
            level: *meta.level(),
            fields: fields.0,
        });
    }
}

#[derive(Default)]
struct Fields(BTreeMap<String, Value>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), json!(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), json!(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), json!(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_owned(), json!(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), json!(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), json!(format!("debug:{value:?}")));
    }
}

/// Runs `f` with a subscriber at `level` that collects what reaches it; returns what did.
fn collect_at(level: LevelFilter, f: impl FnOnce()) -> Vec<Seen> {
    let collect = Collect::default();
    let subscriber = tracing_subscriber::registry().with(level).with(collect.clone());
    with_default(subscriber, f);
    collect.seen()
}

#[test]
fn with_a_subscriber_a_derived_event_becomes_a_tracing_event() {
    let seen = collect_at(LevelFilter::TRACE, || logfix_runtime::emit(&reserved()));
    assert_eq!(seen.len(), 1, "{seen:?}");
    let e = &seen[0];
    assert_eq!((e.target.as_str(), e.name.as_str()), ("inventory", "reserved"));
    assert_eq!(e.level, tracing::Level::INFO);
    let expected = json!({
        "message": "reserved 3 of tea \"pot\"",
        "sku": "tea \"pot\"",
        "quantity": 3,
        "ratio": 0.25,
        "backorder": false,
        "bins": "[4,7]",
        "api_key": "[REDACTED]",
    });
    assert_eq!(serde_json::to_value(&e.fields).unwrap(), expected, "`note` (null) is left out");
}

#[test]
fn the_subscribers_levels_decide() {
    let emit_all = || {
        logfix_runtime::emit(&Probed { hit: true });
        logfix_runtime::emit(&reserved());
        logfix_runtime::emit(&StockLow { left: -1 });
    };
    let levels = |seen: Vec<Seen>| -> Vec<(String, tracing::Level)> {
        seen.into_iter().map(|s| (s.name, s.level)).collect()
    };
    assert_eq!(
        levels(collect_at(LevelFilter::DEBUG, emit_all)),
        [
            ("probed".to_owned(), tracing::Level::DEBUG),
            ("reserved".to_owned(), tracing::Level::INFO),
            ("stock_low".to_owned(), tracing::Level::WARN),
        ]
    );
    assert_eq!(
        levels(collect_at(LevelFilter::WARN, emit_all)),
        [("stock_low".to_owned(), tracing::Level::WARN)]
    );
    assert!(collect_at(LevelFilter::OFF, emit_all).is_empty());
}

#[test]
fn the_context_travels_as_fields() {
    let seen = collect_at(LevelFilter::INFO, || {
        Context::new().request_id("req-1").user_id("u-7").scope(|| {
            logfix_runtime::emit(&StockLow { left: 2 });
        });
    });
    let fields = &seen[0].fields;
    assert_eq!(fields["request_id"], "req-1");
    assert_eq!(fields["user_id"], "u-7");
    assert_eq!(fields["left"], 2);
    assert!(!fields.contains_key("trace_id"), "{fields:?}");
}

#[logged(component = "inventory")]
fn restock(sku: &str, quantity: u32) -> Result<u32, String> {
    if quantity == 0 {
        Err(format!("nothing to restock for {sku}"))
    } else {
        Ok(quantity)
    }
}

#[test]
fn logged_functions_follow_too() {
    let seen = collect_at(LevelFilter::INFO, || {
        let _ = restock("teapot", 2);
        let _ = restock("kettle", 0);
    });
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!((seen[0].target.as_str(), seen[0].name.as_str()), ("inventory", "restock"));
    assert_eq!(seen[0].fields["outcome"], "ok");
    assert_eq!(seen[0].fields["quantity"], 2);
    assert_eq!(seen[1].level, tracing::Level::ERROR);
    assert_eq!(seen[1].fields["outcome"], "error");
    assert!(seen[1].fields["duration_us"].is_u64());
}

/// A layer whose interest in the call sites of `inventory.audit` is `never` or `always`, as
/// decided by `audit`, and that counts the calls to `enabled`.
#[derive(Clone, Default)]
struct Gate {
    audit: Arc<AtomicBool>,
    asked: Arc<AtomicUsize>,
}

impl<S: Subscriber> Layer<S> for Gate {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if metadata.target() != "inventory.audit" || self.audit.load(Ordering::SeqCst) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, _: &Metadata<'_>, _: LayerContext<'_, S>) -> bool {
        self.asked.fetch_add(1, Ordering::SeqCst);
        true
    }
}

#[test]
fn child_interest_is_cached_and_rebuilt() {
    if !is_child("child_interest_is_cached_and_rebuilt") {
        return;
    }
    let gate = Gate::default();
    let collect = Collect::default();
    let subscriber = tracing_subscriber::registry().with(gate.clone()).with(collect.clone());
    tracing::subscriber::set_global_default(subscriber).unwrap();
    // `never`: the call site is not even asked about each event.
    logfix_runtime::emit(&StockLow { left: 1 });
    logfix_runtime::emit(&StockLow { left: 2 });
    assert!(collect.seen().is_empty());
    // `always`, once the interest is rebuilt: events arrive without `enabled` being asked.
    gate.audit.store(true, Ordering::SeqCst);
    tracing_core::callsite::rebuild_interest_cache();
    let asked = gate.asked.load(Ordering::SeqCst);
    logfix_runtime::emit(&StockLow { left: 3 });
    logfix_runtime::emit(&StockLow { left: 4 });
    let seen: Vec<Value> = collect.seen().into_iter().map(|s| s.fields["left"].clone()).collect();
    assert_eq!(seen, [json!(3), json!(4)]);
    assert_eq!(gate.asked.load(Ordering::SeqCst), asked, "`enabled` was asked");
}

#[test]
fn interest_is_cached_and_rebuilt() {
    let out = run_child("child_interest_is_cached_and_rebuilt", &[]);
    assert_success(&out, "the child");
}

// ---- without any subscriber: stderr, at LOGFIX_LEVEL ----

#[test]
fn child_without_a_subscriber() {
    if !is_child("child_without_a_subscriber") {
        return;
    }
    logfix_runtime::emit(&Probed { hit: false });
    logfix_runtime::emit(&reserved());
    logfix_runtime::emit(&StockLow { left: 0 });
}

/// The `(level, event)` of the logfix lines a child wrote to stderr.
fn stderr_events(vars: &[(&str, &str)]) -> Vec<(String, String)> {
    let vars: Vec<_> = vars.iter().map(|(k, v)| (*k, std::ffi::OsStr::new(*v))).collect();
    let out = run_child("child_without_a_subscriber", &vars);
    assert_success(&out, "the child");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("sk-live-7Q"), "{stderr}");
    stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| {
            let line = validate_line(l).unwrap();
            (line["level"].as_str().unwrap().to_owned(), line["event"].as_str().unwrap().to_owned())
        })
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

#[test]
fn without_a_subscriber_lines_go_to_stderr_at_logfix_level() {
    let all = [("debug", "probed"), ("info", "reserved"), ("warn", "stock_low")];
    assert_eq!(stderr_events(&[("LOGFIX_LEVEL", "info")]), pairs(&all[1..]));
    assert_eq!(stderr_events(&[("LOGFIX_LEVEL", "off")]), []);
    assert_eq!(stderr_events(&[("LOGFIX_LEVEL", "debug")]), pairs(&all));
    assert_eq!(stderr_events(&[("LOGFIX_LEVEL", "error,inventory.audit=warn")]), pairs(&all[2..]));
    // The level of a preset, and a bad value reported once before the first line.
    assert_eq!(stderr_events(&[("LOGFIX_ENV", "development")]), pairs(&all));
    assert_eq!(
        stderr_events(&[("LOGFIX_LEVEL", "loud")]),
        pairs(&[("warn", "config_invalid"), ("info", "reserved"), ("warn", "stock_low")])
    );
}

/// A subscriber holding logfix's own layer, without `init()`: the layer would hand a derived
/// event back to logfix, so it goes to stderr once, directly.
#[test]
fn child_with_the_layer_but_no_init() {
    if !is_child("child_with_the_layer_but_no_init") {
        return;
    }
    let collect = Collect::default();
    let subscriber = tracing_subscriber::registry()
        .with(logfix_runtime::bridge::tracing::layer())
        .with(collect.clone());
    tracing::subscriber::set_global_default(subscriber).unwrap();
    logfix_runtime::emit(&StockLow { left: 5 });
    tracing::warn!(target: "inventory.audit", "a tracing event");
    assert_eq!(collect.seen().len(), 1, "only the tracing event: {:?}", collect.seen());
}

#[test]
fn with_logfix_s_layer_but_no_init_events_are_written_once() {
    let out = run_child("child_with_the_layer_but_no_init", &[]);
    assert_success(&out, "the child");
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<_> = stderr.lines().filter(|l| l.starts_with('{')).collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(lines[0].contains(r#""event":"stock_low""#), "{stderr}");
    assert!(lines[1].contains(r#""message":"a tracing event""#), "{stderr}");
}
