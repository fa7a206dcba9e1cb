//! Level directives at run time (`set_filter`), and what they tell `tracing` and `log`: a
//! disabled call site is never handed to logfix, a disabled span is not recorded, and a new
//! filter takes effect for the next event on every thread. Each scenario runs in a child
//! process, since a process has one global logger.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

mod common;

use common::{assert_success, is_child, read_text, run_child, Scratch};
use std::sync::atomic::{AtomicBool, Ordering};

use logfix_runtime::{Config, LogEvent};

#[derive(LogEvent)]
#[log(component = "db", level = "debug", message = "query {n}")]
struct Query {
    n: u32,
}

fn lines(dir: &str) -> Vec<serde_json::Value> {
    read_text(&std::path::Path::new(dir).join("app.log"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn child_changes_the_filter() {
    if !is_child("child_changes_the_filter") {
        return;
    }
    let dir = std::env::var("TEST_DIR").unwrap();
    let _guard = Config::new().dir(dir.clone()).init();

    // `info`: the bridges' call sites below it are off before they reach logfix.
    assert_eq!(log::max_level(), log::LevelFilter::Info);
    assert!(tracing::trace_span!("off").is_disabled());
    assert!(!tracing::enabled!(tracing::Level::DEBUG));
    tracing::debug!(target: "db", n = 0, "hidden");
    log::debug!(target: "db", "hidden");
    logfix_runtime::emit(&Query { n: 0 });

    logfix_runtime::set_filter("info,db=debug").unwrap();
    assert_eq!(log::max_level(), log::LevelFilter::Debug);
    tracing::debug!(target: "db", n = 1, "shown");
    tracing::debug!(target: "web", n = 1, "hidden");
    log::debug!(target: "db::pool", "shown");
    logfix_runtime::emit(&Query { n: 1 });
    // Another thread, started after the change, sees it too.
    std::thread::spawn(|| logfix_runtime::emit(&Query { n: 2 })).join().unwrap();

    let bad = logfix_runtime::set_filter("info,db=loud").unwrap_err();
    assert!(bad.to_string().contains("loud"), "{bad}");
    assert_eq!(logfix_runtime::global().unwrap().filter().to_string(), "info,db=debug");

    logfix_runtime::set_filter("trace").unwrap();
    let span = tracing::trace_span!("conn", peer = "10.0.0.1");
    assert!(!span.is_disabled());
    span.in_scope(|| tracing::trace!(target: "net", "in a span"));

    logfix_runtime::set_filter("warn").unwrap();
    assert!(tracing::info_span!("off").is_disabled());
    logfix_runtime::emit(&Query { n: 3 });
    logfix_runtime::flush();

    let lines = lines(&dir);
    let mut messages: Vec<&str> = lines
        .iter()
        .filter(|l| l["component"] != "logfix")
        .map(|l| l["message"].as_str().unwrap())
        .collect();
    // Lines of different threads are ordered by timestamp, not in the file.
    messages.sort_unstable();
    assert_eq!(messages, ["in a span", "query 1", "query 2", "shown", "shown"]);
    let in_span = lines.iter().find(|l| l["message"] == "in a span").unwrap();
    assert_eq!(in_span["peer"], "10.0.0.1", "an enabled span's fields are recorded");
    let changes: Vec<(&str, &str)> = lines
        .iter()
        .filter(|l| l["event"] == "filter_changed")
        .map(|l| (l["old"].as_str().unwrap(), l["new"].as_str().unwrap()))
        .collect();
    assert_eq!(
        changes,
        [("info", "info,db=debug"), ("info,db=debug", "trace"), ("trace", "warn")],
        "each change is written, the last one although it is below `warn`"
    );
}

#[test]
fn filters_change_at_run_time_for_every_framework() {
    let dir = Scratch::new("filter-change");
    let out = run_child("child_changes_the_filter", &[("TEST_DIR", dir.path().as_os_str())]);
    assert_success(&out, "the child");
}

#[test]
fn child_changes_the_filter_from_two_threads() {
    if !is_child("child_changes_the_filter_from_two_threads") {
        return;
    }
    let dir = std::env::var("TEST_DIR").unwrap();
    let _guard = Config::new().dir(dir).init();
    let logger = logfix_runtime::global().unwrap();
    for _ in 0..2_000 {
        let start = std::sync::Barrier::new(2);
        std::thread::scope(|s| {
            for directives in ["warn", "debug"] {
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    logfix_runtime::set_filter(directives).unwrap();
                });
            }
        });
        // Whichever call came last, every copy of the filter says the same.
        let debug = logger.filter().to_string() == "debug";
        assert_eq!(logger.enabled("web", logfix_runtime::Level::Debug), debug);
        assert_eq!(log::max_level() == log::LevelFilter::Debug, debug);
        let current = tracing::level_filters::LevelFilter::current();
        assert_eq!(current == tracing::level_filters::LevelFilter::DEBUG, debug);
    }
}

/// Two changes at once (two admin requests): the filter, its quick check and what `tracing`
/// and `log` were told all come from the same one.
#[test]
fn concurrent_changes_leave_one_filter_in_force() {
    let dir = Scratch::new("filter-race");
    let out = run_child(
        "child_changes_the_filter_from_two_threads",
        &[("TEST_DIR", dir.path().as_os_str())],
    );
    assert_success(&out, "the child");
}

/// Changes made from several threads at once: the `filter_changed` lines, in the order of
/// their timestamps, tell the changes as they were made (each line's `old` is the `new` of the
/// one before), so that the log never claims a filter other than the one in force.
#[test]
fn filter_changes_are_timestamped_in_the_order_they_were_made() {
    const THREADS: usize = 4;
    const CHANGES: usize = 200;
    let dir = Scratch::new("filter-chain");
    let logger = Config::new().dir(dir.path().to_path_buf()).build();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let logger = &logger;
            s.spawn(move || {
                for i in 0..CHANGES {
                    logger.set_filter(&format!("info,t{t}=debug,n{i}=warn")).unwrap();
                }
            });
        }
    });
    logger.shutdown();
    let changes: std::collections::HashMap<String, (String, String)> =
        lines(dir.path().to_str().unwrap())
            .into_iter()
            .filter(|l| l["event"] == "filter_changed")
            .map(|l| {
                let field = |k: &str| l[k].as_str().unwrap().to_owned();
                (field("old"), (field("new"), field("timestamp")))
            })
            .collect();
    assert_eq!(changes.len(), THREADS * CHANGES, "each change made from a different filter");
    // Every directive is unique, so the changes form one chain from the first filter.
    let (mut filter, mut previous) = ("info".to_owned(), String::new());
    for _ in 0..THREADS * CHANGES {
        let (new, timestamp) = &changes[&filter];
        assert!(*timestamp >= previous, "`{filter}` -> `{new}` at {timestamp}, after {previous}");
        (filter, previous) = (new.clone(), timestamp.clone());
    }
}

/// Sets its flag when dropped, by a failed assertion too: a thread that loops until the flag is
/// set then stops, and a scope waiting for it lets the panic go on.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[test]
fn child_captures_while_the_filter_changes() {
    if !is_child("child_captures_while_the_filter_changes") {
        return;
    }
    let dir = std::env::var("TEST_DIR").unwrap();
    let _guard = Config::new().dir(dir).init();
    logfix_runtime::set_filter("error").unwrap();
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        // An admin route changing the filter over and over, as a test captures.
        s.spawn(|| {
            for i in 0.. {
                if done.load(Ordering::Relaxed) {
                    break;
                }
                logfix_runtime::set_filter(if i % 2 == 0 { "warn" } else { "error" }).unwrap();
            }
        });
        let _stop = StopOnDrop(&done);
        for n in 0..20_000 {
            let capture = logfix_testkit::Capture::start();
            logfix_runtime::emit(&Query { n });
            let events = capture.finish();
            assert!(events.find("db", "query").is_some(), "capture {n} missed its debug event");
        }
    });
}

/// A capture wants every level whatever the filter says: a filter change racing the start of a
/// capture must not leave the quick level check at the filter's level while the capture runs.
#[test]
fn a_capture_sees_every_level_while_the_filter_changes() {
    let dir = Scratch::new("filter-capture");
    let out = run_child(
        "child_captures_while_the_filter_changes",
        &[("TEST_DIR", dir.path().as_os_str())],
    );
    assert_success(&out, "the child");
}

#[test]
fn set_filter_without_a_logger_is_an_error() {
    if logfix_runtime::global().is_none() {
        let error = logfix_runtime::set_filter("debug").unwrap_err();
        assert!(error.to_string().contains("init()"), "{error}");
    }
}
