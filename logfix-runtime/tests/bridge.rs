//! Events of crates that log through `tracing` or `log`, in the logfix schema.

// Helpers outside `#[test]` functions are not covered by clippy.toml's `allow-*-in-tests`.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

mod common;

use common::{assert_success, is_child, run_child, Scratch};
use logfix_runtime::Context;
use logfix_testkit::{capture, validate_line};
use tracing_subscriber::layer::SubscriberExt;

/// A layer that counts the events it is given.
struct Counter(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Counter {
    fn on_event(&self, _: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A child's global logger at `warn` in `TEST_DIR`, its bridges left to the test.
fn child_logger_at_warn() -> (String, logfix_runtime::Guard) {
    let dir = std::env::var("TEST_DIR").unwrap();
    let guard = logfix_runtime::Config::new()
        .dir(dir.clone())
        .level(logfix_runtime::Level::Warn)
        .install_bridges(false)
        .init();
    (dir, guard)
}

/// The messages the global logger wrote to `dir`, its own notices aside.
fn written_messages(dir: &str) -> Vec<String> {
    logfix_runtime::flush();
    let text = std::fs::read_to_string(std::path::Path::new(dir).join("app.log")).unwrap();
    text.lines()
        .map(|l| validate_line(l).unwrap())
        .filter(|l| l["component"] != "logfix")
        .map(|l| l["message"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn child_composes_its_own_subscriber() {
    if !is_child("child_composes_its_own_subscriber") {
        return;
    }
    let (dir, _guard) = child_logger_at_warn();
    let seen = std::sync::Arc::default();
    let subscriber = tracing_subscriber::registry()
        .with(Counter(std::sync::Arc::clone(&seen)))
        .with(logfix_runtime::bridge::tracing::layer());
    tracing::subscriber::with_default(subscriber, || {
        assert!(tracing::enabled!(tracing::Level::DEBUG), "logfix vetoes nothing");
        let span = tracing::debug_span!("conn", peer = "10.0.0.1");
        span.in_scope(|| {
            tracing::debug!("debug");
            tracing::info!("info");
            tracing::warn!("warn");
        });
    });
    assert_eq!(seen.load(std::sync::atomic::Ordering::Relaxed), 3, "the other layer saw all");
    let messages = written_messages(&dir);
    assert_eq!(messages, ["warn"], "logfix wrote what its filter lets through");
}

/// logfix's layer in a subscriber the program composes filters what logfix writes, not what
/// the other layers see.
#[test]
fn a_composed_subscriber_s_other_layers_see_everything() {
    let dir = Scratch::new("bridge-other-layers");
    let out =
        run_child("child_composes_its_own_subscriber", &[("TEST_DIR", dir.path().as_os_str())]);
    assert_success(&out, "the child");
}

/// A `debug` call site of the test's own, to ask a subscriber about.
struct Probe;
static PROBE: Probe = Probe;
static PROBE_META: tracing_core::Metadata<'static> = tracing_core::Metadata::new(
    "probe",
    "probe",
    tracing_core::Level::DEBUG,
    None,
    None,
    None,
    tracing_core::field::FieldSet::new(&[], tracing_core::identify_callsite!(&PROBE)),
    tracing_core::metadata::Kind::EVENT,
);

impl tracing_core::Callsite for Probe {
    fn set_interest(&self, _: tracing_core::Interest) {}

    fn metadata(&self) -> &tracing_core::Metadata<'_> {
        &PROBE_META
    }
}

#[test]
fn child_composes_filtered_layers() {
    use tracing_subscriber::filter::LevelFilter;
    use tracing_subscriber::Layer as _;
    if !is_child("child_composes_filtered_layers") {
        return;
    }
    let (dir, _guard) = child_logger_at_warn();
    let seen = std::sync::Arc::default();
    let subscriber = tracing_subscriber::registry()
        .with(Counter(std::sync::Arc::clone(&seen)).with_filter(LevelFilter::INFO))
        .with(
            logfix_runtime::bridge::tracing::layer()
                .with_filter(logfix_runtime::bridge::tracing::filter()),
        );
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let interest = || tracing::dispatcher::get_default(|d| d.register_callsite(&PROBE_META));
    assert!(interest().is_never(), "no layer wants debug: the call site is off");
    assert!(!tracing::enabled!(tracing::Level::DEBUG));
    tracing::debug!("debug, nobody");
    tracing::info!("info, the other layer");
    tracing::warn!("warn, both");
    logfix_runtime::set_filter("debug").unwrap();
    assert!(!interest().is_never(), "the changed filter turned the call site on");
    tracing::debug!("debug, logfix");
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::Relaxed),
        2,
        "the other layer's filter holds"
    );
    let messages = written_messages(&dir);
    assert_eq!(messages, ["warn, both", "debug, logfix"]);
}

/// With logfix's directives as its layer's per-layer filter, a call site that no layer of a
/// composed subscriber wants is turned off for `tracing` itself, and a change of the filter
/// turns it back on.
#[test]
fn a_filtered_layer_turns_off_call_sites_no_layer_wants() {
    let dir = Scratch::new("bridge-filtered-layers");
    let out = run_child("child_composes_filtered_layers", &[("TEST_DIR", dir.path().as_os_str())]);
    assert_success(&out, "the child");
}

fn with_layer<R>(f: impl FnOnce() -> R) -> R {
    let subscriber = tracing_subscriber::registry().with(logfix_runtime::bridge::tracing::layer());
    tracing::subscriber::with_default(subscriber, f)
}

#[test]
fn tracing_events_carry_their_spans_and_the_context() {
    let events = with_layer(|| {
        capture(|| {
            Context::new().request_id("req-9").scope(|| {
                let conn = tracing::info_span!("conn", peer = "10.0.0.1", user_id = 1);
                let _conn = conn.enter();
                let request = tracing::info_span!("request", user_id = 2, route = "/items");
                let _request = request.enter();
                tracing::warn!(name: "slow_poll", target: "hyper::proto", user_id = "u-3", level = "loud", elapsed_ms = 12.5, "poll took {}ms", 12);
            });
        })
    });
    let e = &events[0];
    assert_eq!(e["component"], "hyper::proto");
    assert_eq!(e["event"], "slow_poll");
    assert_eq!(e["level"], "warn");
    assert_eq!(e["message"], "poll took 12ms");
    assert_eq!(e["request_id"], "req-9");
    assert_eq!(e["user_id"], "u-3", "the event's own field wins");
    assert_eq!(e["field.level"], "loud", "a reserved key is moved aside");
    assert_eq!(e["elapsed_ms"], 12.5);
    assert_eq!(e["request.user_id"], 2, "the inner span's colliding field is prefixed");
    assert_eq!(e["conn.user_id"], 1);
    assert_eq!(e["route"], "/items");
    assert_eq!(e["peer"], "10.0.0.1");
}

/// A call site's names are checked once for all its events; names that need care keep
/// getting it on every event: a repeated name is written once (the last value), a name that
/// needs escaping is escaped, and a span field named like the event's is prefixed.
#[test]
fn field_names_that_need_care_get_it_on_every_event() {
    let lines = with_layer(|| {
        capture(|| {
            let span = tracing::info_span!("job", n = 0);
            let _in_span = span.enter();
            for _ in 0..2 {
                tracing::info!(n = 1, n = 2, "twice");
                tracing::info!("say \"hi\"" = "q", "quoted");
                tracing::info!(n = 3, "plain");
            }
        })
    });
    assert_eq!(lines.len(), 6);
    for line in lines.lines() {
        // No key twice, every line valid: `capture` checks each one.
        validate_line(line).unwrap();
    }
    for events in lines.chunks(3) {
        assert_eq!(events[0]["n"], 2);
        assert_eq!(events[1]["say \"hi\""], "q");
        assert_eq!((events[2]["n"].clone(), events[2]["job.n"].clone()), (3.into(), 0.into()));
    }
}

#[test]
fn an_unnamed_tracing_event_gets_a_stable_event_name() {
    let events =
        with_layer(|| capture(|| tracing::info!(target: "sqlx::query", rows = 3, "fetched")));
    assert_eq!(events[0]["event"], "tracing");
    assert_eq!(events[0]["rows"], 3);
}

#[test]
fn log_records_with_key_values() {
    let _ = logfix_runtime::bridge::log::install();
    let events = capture(|| {
        Context::new().correlation_id("c-1").scope(|| {
            log::info!(target: "reqwest::connect", attempt = 2, host = "example.invalid"; "connecting to {}", "example.invalid");
        });
    });
    let e = &events[0];
    assert_eq!(e["component"], "reqwest::connect");
    assert_eq!(e["event"], "log");
    assert_eq!(e["message"], "connecting to example.invalid");
    assert_eq!(e["attempt"], 2);
    assert_eq!(e["host"], "example.invalid");
    assert_eq!(e["correlation_id"], "c-1");
}

#[test]
fn child_with_a_subscriber_already_installed() {
    if !is_child("child_with_a_subscriber_already_installed") {
        return;
    }
    tracing::subscriber::set_global_default(tracing_subscriber::registry()).unwrap();
    let _guard = logfix_runtime::init();
    log::info!(target: "noisy::pool", "hidden by the directive");
    log::warn!(target: "noisy::pool", "shown");
    log::info!(target: "app", "shown too");
}

#[test]
fn a_taken_slot_is_reported_and_directives_apply_to_foreign_targets() {
    let dir = Scratch::new("bridge-taken");
    let vars =
        [("LOGFIX_DIR", dir.path().as_os_str()), ("LOGFIX_LEVEL", "info,noisy=warn".as_ref())];
    let out = run_child("child_with_a_subscriber_already_installed", &vars);
    assert_success(&out, "the child");
    let text = std::fs::read_to_string(dir.join("app.log")).unwrap();
    let lines: Vec<_> = text.lines().map(|l| validate_line(l).unwrap()).collect();
    let not_installed: Vec<_> =
        lines.iter().filter(|l| l["event"] == "bridge_not_installed").collect();
    assert_eq!(not_installed.len(), 1);
    assert_eq!(not_installed[0]["framework"], "tracing");
    let messages: Vec<_> = lines
        .iter()
        .filter(|l| l["event"] == "log")
        .map(|l| l["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages, ["shown", "shown too"]);
}

/// A service with its own subscriber: logfix's layer composed in, and tracing-log forwarding
/// `log` records into it.
fn own_subscriber() {
    use tracing_subscriber::layer::SubscriberExt;
    let subscriber = tracing_subscriber::registry().with(logfix_runtime::bridge::tracing::layer());
    tracing::subscriber::set_global_default(subscriber).unwrap();
    tracing_log::LogTracer::init().unwrap();
}

#[test]
fn child_with_the_layer_composed() {
    if !is_child("child_with_the_layer_composed") {
        return;
    }
    own_subscriber();
    let said_so = std::env::var_os("SAY_BRIDGES").is_some();
    let _guard = logfix_runtime::Config::from_env().install_bridges(!said_so).init();
    log::info!(target: "noisy::pool", "hidden by the directive");
    log::warn!(target: "noisy::pool", size = 3; "shown");
    log::warn!(target: &format!("noisy::password={}", "TARGETSECRET1"), "made at run time");
    tracing::info!(target: "app", "from tracing");
}

fn composed_lines(say_bridges: bool) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let dir = Scratch::new(if say_bridges { "bridge-composed-said" } else { "bridge-composed" });
    let mut vars =
        vec![("LOGFIX_DIR", dir.path().as_os_str()), ("LOGFIX_LEVEL", "info,noisy=warn".as_ref())];
    if say_bridges {
        vars.push(("SAY_BRIDGES", "1".as_ref()));
    }
    let out = run_child("child_with_the_layer_composed", &vars);
    assert_success(&out, "the child");
    let text = std::fs::read_to_string(dir.join("app.log")).unwrap();
    text.lines().map(|l| validate_line(l).unwrap()).collect()
}

/// `log` records that reach the layer through tracing-log are written like those of logfix's
/// own `log` bridge: their real target as the component, its directives applied, and no
/// `log.*` fields; composing the layer on purpose draws no `tracing` warning.
#[test]
fn log_records_through_tracing_log_keep_their_target() {
    let lines = composed_lines(false);
    let records: Vec<_> = lines.iter().filter(|l| l["event"] == "log").collect();
    assert_eq!(records.len(), 2, "{lines:?}");
    assert_eq!(records[0]["component"], "noisy::pool");
    assert_eq!(records[0]["message"], "shown");
    assert!(records[0].keys().all(|k| !k.starts_with("log.")), "{:?}", records[0]);
    // A target made at run time is scrubbed like any other text.
    assert_eq!(records[1]["component"], "noisy::password=[REDACTED]");
    let tracing_events: Vec<_> = lines.iter().filter(|l| l["component"] == "app").collect();
    assert_eq!(tracing_events.len(), 1);
    let warnings: Vec<_> = lines.iter().filter(|l| l["event"] == "bridge_not_installed").collect();
    assert_eq!(warnings.len(), 1, "only the log one: {warnings:?}");
    assert_eq!(warnings[0]["framework"], "log");
    assert!(warnings[0]["message"].as_str().unwrap().contains("install_bridges(false)"));
}

/// `Config::install_bridges(false)`: the program installed them itself, and no warning comes.
#[test]
fn saying_the_bridges_are_installed_silences_the_warnings() {
    let lines = composed_lines(true);
    assert!(lines.iter().all(|l| l["event"] != "bridge_not_installed"), "{lines:?}");
    assert!(lines.iter().any(|l| l["message"] == "shown"));
}

/// Bridged fields are redacted by name (also numbers, also span fields, whatever the spelling)
/// and the message and every text value are scrubbed by content.
#[test]
fn bridged_secrets_never_reach_a_line() {
    let headers = [("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")];
    let events = with_layer(|| {
        capture(|| {
            let span = tracing::info_span!("request", apiKey = "SPANSECRET1");
            let _entered = span.enter();
            tracing::info!(
                password = "PWSECRET1",
                pin = 4912,
                token = %"TOKSECRET1",
                headers = ?headers,
                note = "user ann, password=NOTESECRET1",
                "login with password=MSGSECRET1 for {}", "ann"
            );
            log::warn!(secret = "LOGSECRET1", url = "postgres://app:DBSECRET1@db/x"; "db down");
        })
    });
    let text = events.lines().join("\n");
    for marker in ["SECRET1", "4912", "eyJhbGci"] {
        assert!(!text.contains(marker), "{marker} leaked: {text}");
    }
    assert_eq!(events[0]["password"], "[REDACTED]");
    assert_eq!(events[0]["pin"], "[REDACTED]");
    assert_eq!(events[0]["apiKey"], "[REDACTED]");
    assert_eq!(events[0]["message"], "login with password=[REDACTED] for ann");
    assert_eq!(events[1]["secret"], "[REDACTED]");
}

/// An error recorded as one (`field = &error as &dyn Error`) under a sensitive name is hidden
/// like any other value of that name: its text is no safer than a string's.
#[test]
fn a_bridged_error_under_a_sensitive_name_is_redacted() {
    #[derive(Debug)]
    struct Refused;
    impl std::fmt::Display for Refused {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("refused for ann")
        }
    }
    impl std::error::Error for Refused {}
    let events = with_layer(|| {
        capture(|| {
            tracing::warn!(token = &Refused as &dyn std::error::Error, "token check");
            tracing::warn!(cause = &Refused as &dyn std::error::Error, "plain name");
        })
    });
    assert_eq!(events[0]["token"], "[REDACTED]", "{}", events.lines()[0]);
    assert_eq!(events[1]["cause"], "refused for ann", "an error under a plain name is written");
}

/// A bridged field named like an identifier the context has in force does not replace it:
/// it is kept under `field.<key>`. Without that identifier in the context, a string is written
/// as is; any other value is kept under `field.<key>` too, so that the key is a string in every
/// line (one key, one type for Elasticsearch). A field already named `field.<key>` keeps it,
/// and the one that would move there is left out: no key is written twice.
#[test]
fn the_contexts_identifiers_win_over_bridged_fields() {
    let events = with_layer(|| {
        capture(|| {
            Context::new().request_id("req-1").scope(|| {
                tracing::info!(request_id = "forged", user_id = "u-7", "inside");
            });
            tracing::info!(request_id = "own", user_id = 7, "outside");
            log::info!(trace_id = 5; "through log");
            Context::new().request_id("req-2").scope(|| {
                tracing::info!(field.request_id = "explicit", request_id = "forged", "both");
            });
            tracing::info!(field.user_id = "explicit", user_id = 7, "both, no context");
        })
    });
    for (i, kept) in [(3, "field.request_id"), (4, "field.user_id")] {
        assert_eq!(events[i][kept], "explicit", "{}", events.lines()[i]);
    }
    assert_eq!(events[3]["request_id"], "req-2");
    assert!(events[4].get("user_id").is_none(), "{}", events.lines()[4]);
    assert_eq!(events[0]["request_id"], "req-1");
    assert_eq!(events[0]["field.request_id"], "forged");
    assert_eq!(events[0]["user_id"], "u-7", "the context has no user_id");
    assert_eq!(events[1]["request_id"], "own");
    assert_eq!(events[1]["field.user_id"], 7);
    assert!(events[1].get("user_id").is_none(), "{}", events.lines()[1]);
    assert_eq!(events[2]["field.trace_id"], 5);
    assert!(events[2].get("trace_id").is_none(), "{}", events.lines()[2]);
}
