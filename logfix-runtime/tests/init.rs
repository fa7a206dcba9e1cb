//! `init()` and the global logger: never panicking, never failing, reporting bad settings once.
//! Each scenario runs in a child process, since a process has one global logger.

// Helpers outside `#[test]` functions are not covered by clippy.toml's `allow-*-in-tests`: in
// test code a broken expectation must panic with its message.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

mod common;

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use common::{assert_success, is_child, run_child, Scratch};
use logfix_runtime::{Config, Level, LogEvent};
use logfix_testkit::validate_line;

#[derive(LogEvent)]
#[log(component = "app", message = "hello {n}")]
struct Hello {
    n: u32,
}

#[derive(LogEvent)]
#[log(component = "app", level = "debug", message = "details")]
struct Details;

fn lines_of(path: &std::path::Path) -> Vec<serde_json::Map<String, serde_json::Value>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| validate_line(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn events<'a>(
    lines: &'a [serde_json::Map<String, serde_json::Value>],
    event: &str,
) -> Vec<&'a serde_json::Map<String, serde_json::Value>> {
    lines.iter().filter(|l| l["event"] == event).collect()
}

#[test]
fn child_init_from_many_threads() {
    if !is_child("child_init_from_many_threads") {
        return;
    }
    let dir = std::env::var("TEST_DIR").unwrap();
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let barrier = Arc::clone(&barrier);
            let dir = dir.clone();
            std::thread::spawn(move || {
                barrier.wait();
                Config::new().dir(dir).init()
            })
        })
        .collect();
    let guards: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(guards.iter().filter(|g| g.is_active()).count(), 1);
    logfix_runtime::emit(&Hello { n: 1 });
}

#[test]
fn init_twice_and_from_several_threads_never_panics() {
    let dir = Scratch::new("init-threads");
    let out = run_child("child_init_from_many_threads", &[("TEST_DIR", dir.path().as_os_str())]);
    assert_success(&out, "the child");
    let lines = lines_of(&dir.join("app.log"));
    assert_eq!(lines[0]["event"], "logging_started", "the first line of the run");
    assert_eq!(events(&lines, "logging_started").len(), 1);
    assert_eq!(events(&lines, "already_initialized").len(), 7);
    assert_eq!(events(&lines, "hello").len(), 1);
}

#[test]
fn child_without_init() {
    if !is_child("child_without_init") {
        return;
    }
    logfix_runtime::emit(&Hello { n: 2 });
    logfix_runtime::emit(&Details);
    logfix_runtime::flush();
    logfix_runtime::shutdown();
}

#[test]
fn without_init_events_reach_stderr_as_json_at_info_and_above() {
    let out = run_child("child_without_init", &[]);
    assert_success(&out, "the child");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let ours: Vec<_> = stderr.lines().filter(|l| l.starts_with('{')).collect();
    assert_eq!(ours.len(), 1, "only the info event: {stderr}");
    let line = validate_line(ours[0]).unwrap();
    assert_eq!(line["message"], "hello 2");
}

#[test]
fn child_with_bad_settings() {
    if !is_child("child_with_bad_settings") {
        return;
    }
    let _guard = logfix_runtime::init();
    logfix_runtime::emit(&Hello { n: 3 });
    logfix_runtime::emit(&Details);
}

#[test]
fn bad_settings_fall_back_to_defaults_and_are_reported_once_each() {
    let dir = Scratch::new("init-bad-env");
    let vars = [
        ("LOGFIX_DIR", dir.path().as_os_str()),
        ("LOGFIX_LEVEL", "loud".as_ref()),
        ("LOGFIX_MAX_FILES", "lots".as_ref()),
        ("LOGFIX_COMPRESS", "zip".as_ref()),
    ];
    let out = run_child("child_with_bad_settings", &vars);
    assert_success(&out, "the child");
    let lines = lines_of(&dir.join("app.log"));
    assert_eq!(lines[0]["event"], "logging_started");
    let invalid = events(&lines, "config_invalid");
    let reported: Vec<_> = invalid
        .iter()
        .map(|l| {
            (
                l["variable"].as_str().unwrap(),
                l["value"].as_str().unwrap(),
                l["used"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reported,
        [
            ("LOGFIX_LEVEL", "loud", "info"),
            ("LOGFIX_MAX_FILES", "lots", "10"),
            ("LOGFIX_COMPRESS", "zip", "gzip")
        ]
    );
    assert!(invalid.iter().all(|l| l["component"] == "logfix" && l["level"] == "warn"));
    assert_eq!(events(&lines, "hello").len(), 1, "the program ran on with the defaults");
    assert!(events(&lines, "details").is_empty(), "the default level is info");
}

/// A level that lets only errors through does not hide a warning about the configuration.
#[test]
fn bad_settings_are_reported_whatever_the_level() {
    let dir = Scratch::new("init-bad-env-quiet");
    let vars = [
        ("LOGFIX_DIR", dir.path().as_os_str()),
        ("LOGFIX_LEVEL", "error".as_ref()),
        ("LOGFIX_OVERFLOW", "sometimes".as_ref()),
    ];
    assert_success(&run_child("child_with_bad_settings", &vars), "the child");
    let lines = lines_of(&dir.join("app.log"));
    let invalid = events(&lines, "config_invalid");
    assert_eq!(invalid.len(), 1, "{lines:?}");
    assert_eq!(invalid[0]["variable"], "LOGFIX_OVERFLOW");
    assert!(events(&lines, "hello").is_empty(), "the level is in force");
}

#[test]
fn child_panics() {
    if !is_child("child_panics") {
        return;
    }
    let _guard = logfix_runtime::init();
    let worker = std::thread::Builder::new()
        .name("worker-7".into())
        .spawn(|| {
            // A context field named like one of the notice's own: written once, the notice's.
            let _ctx = logfix_runtime::Context::new().field("location", "rack-4").enter();
            panic!("the disk is on fire, password=hunter2")
        })
        .unwrap();
    assert!(worker.join().is_err());
}

#[test]
fn a_panic_is_written_as_an_error_event() {
    let dir = Scratch::new("init-panic");
    let out = run_child("child_panics", &[("LOGFIX_DIR", dir.path().as_os_str())]);
    assert_success(&out, "the child");
    let lines = lines_of(&dir.join("app.log"));
    let panics = events(&lines, "panic");
    assert_eq!(panics.len(), 1);
    assert_eq!(panics[0]["level"], "error");
    assert_eq!(panics[0]["panic_message"], "the disk is on fire, password=[REDACTED]");
    assert_eq!(panics[0]["thread"], "worker-7");
    assert!(panics[0]["location"].as_str().unwrap().contains("init.rs"));
    let raw = std::fs::read_to_string(dir.join("app.log")).unwrap();
    let line = raw.lines().find(|l| l.contains(r#""event":"panic""#)).unwrap();
    assert_eq!(line.matches(r#""location":"#).count(), 1, "no key twice: {line}");
    assert!(!raw.contains("hunter2"), "the panic message is scrubbed");
    // The default hook still ran after ours.
    assert!(String::from_utf8_lossy(&out.stderr).contains("the disk is on fire"));
}

/// Counts how often it is formatted.
struct Counted(Arc<AtomicUsize>);

impl fmt::Display for Counted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fetch_add(1, Ordering::SeqCst);
        f.write_str("counted")
    }
}

#[derive(LogEvent)]
#[log(component = "app", level = "debug", message = "expensive {value}")]
struct Expensive {
    #[log(display)]
    value: Counted,
}

#[test]
fn a_disabled_event_costs_a_level_check_not_a_render() {
    let dir = Scratch::new("init-disabled");
    let logger = Config::new().dir(dir.path().to_path_buf()).level(Level::Info).build();
    let renders = Arc::new(AtomicUsize::new(0));
    logger.emit(&Expensive { value: Counted(Arc::clone(&renders)) });
    logger.shutdown();
    assert_eq!(renders.load(Ordering::SeqCst), 0);
    let debug =
        Config::new().dir(dir.path().to_path_buf()).file("debug.log").level(Level::Debug).build();
    debug.emit(&Expensive { value: Counted(Arc::clone(&renders)) });
    debug.shutdown();
    // One render, for the file: the value appears in the message and as a field.
    assert_eq!(renders.load(Ordering::SeqCst), 2);
}

#[test]
fn events_after_shutdown_go_to_stderr_and_are_counted() {
    let dir = Scratch::new("init-after-shutdown");
    let logger = Config::new().dir(dir.path().to_path_buf()).build();
    logger.emit(&Hello { n: 1 });
    logger.shutdown();
    logger.shutdown();
    logger.emit(&Hello { n: 2 });
    logger.flush();
    let m = logger.metrics();
    assert_eq!(m.lines_written, 2, "logging_started and the first event");
    assert_eq!(m.stderr_lines, 1);
}

#[test]
fn child_discards_the_guard() {
    if !is_child("child_discards_the_guard") {
        return;
    }
    let dir = std::env::var("TEST_DIR").unwrap();
    // The longest flush interval there is (its deadline saturates, never overflows): only the
    // write-out at exit can put the lines in the file.
    let _ = Config::new().dir(dir).flush_interval(std::time::Duration::MAX).init();
    for n in 0..1_000 {
        logfix_runtime::emit(&Hello { n });
    }
    // Returning ends the process normally.
}

/// `let _ = init();` drops the guard at once: logging goes on into the file, and every line is
/// written out when the process exits.
#[test]
fn discarding_the_guard_loses_nothing() {
    let dir = Scratch::new("init-discard");
    let out = run_child("child_discards_the_guard", &[("TEST_DIR", dir.path().as_os_str())]);
    assert_success(&out, "the child");
    let lines = lines_of(&dir.join("app.log"));
    let hellos: Vec<_> = events(&lines, "hello").iter().map(|l| l["n"].as_u64().unwrap()).collect();
    assert_eq!(hellos, (0..1_000).collect::<Vec<_>>());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("\"event\":\"hello\""), "not on stderr");
}

#[test]
fn child_drops_the_guard() {
    if !is_child("child_drops_the_guard") {
        return;
    }
    let dir = std::env::var("TEST_DIR").unwrap();
    // The longest flush interval there is: before the process exits, only the guard's
    // write-out can put the lines in the file.
    let guard = Config::new().dir(dir.clone()).flush_interval(std::time::Duration::MAX).init();
    for n in 0..100 {
        logfix_runtime::emit(&Hello { n });
    }
    drop(guard);
    let lines = lines_of(&std::path::Path::new(&dir).join("app.log"));
    assert_eq!(events(&lines, "hello").len(), 100, "written when the guard was dropped");
    // Logging goes on after the guard: this one is written out at exit.
    logfix_runtime::emit(&Hello { n: 100 });
}

/// Dropping the guard writes out every queued line before it returns (not at some later
/// flush), and the logger stays in force.
#[test]
fn dropping_the_guard_writes_out_every_queued_line() {
    let dir = Scratch::new("init-drop-guard");
    let out = run_child("child_drops_the_guard", &[("TEST_DIR", dir.path().as_os_str())]);
    assert_success(&out, "the child");
    let lines = lines_of(&dir.join("app.log"));
    let hellos: Vec<_> = events(&lines, "hello").iter().map(|l| l["n"].as_u64().unwrap()).collect();
    assert_eq!(hellos, (0..=100).collect::<Vec<_>>());
}
