//! `LOGFIX_RATE_LIMIT`: a call site of a limited component lets so many events through per
//! window; the rest are counted, and the first event of a later window comes after a
//! `suppressed` line with their count. Other call sites and components are not limited.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

mod common;

use std::time::Duration;

use common::{assert_success, is_child, read_text, run_child, Scratch};
use logfix_testkit::RateClock;

const SECOND: Duration = Duration::from_secs(1);

#[test]
fn child_limited() {
    if !is_child("child_limited") {
        return;
    }
    let dir = std::env::var("TEST_DIR").unwrap();
    let _guard = logfix_runtime::Config::from_env().dir(dir.clone()).init();
    let chatty = |n: u64| tracing::info!(target: "noisy::pool", n, "chatty");
    let clock = RateClock::new();
    // All ten in one window: three through, seven suppressed.
    for n in 0..10 {
        chatty(n);
    }
    // Another call site of the same component, and another component: not limited by the first.
    tracing::info!(target: "noisy::pool", "another site");
    log::info!(target: "quiet", "unlimited");
    assert_eq!(logfix_runtime::metrics().suppressed, 7);
    clock.advance(SECOND);
    chatty(10);
    logfix_runtime::flush();
    let text = read_text(&std::path::Path::new(&dir).join("app.log"));
    let lines: Vec<serde_json::Value> =
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let chatty: Vec<u64> = lines
        .iter()
        .filter(|l| l["message"] == "chatty")
        .map(|l| l["n"].as_u64().unwrap())
        .collect();
    assert_eq!(chatty, [0, 1, 2, 10]);
    let suppressed: Vec<_> = lines.iter().filter(|l| l["event"] == "suppressed").collect();
    assert_eq!(suppressed.len(), 1, "{text}");
    assert_eq!(suppressed[0]["count"], 7);
    assert_eq!(suppressed[0]["suppressed_component"], "noisy::pool");
    assert!(lines.iter().any(|l| l["message"] == "another site"));
    assert!(lines.iter().any(|l| l["message"] == "unlimited"));
}

/// The `suppressed` line is written whatever the level of logfix's own events: here only
/// errors, but for the two components the child logs.
#[test]
fn a_limited_call_site_is_suppressed_counted_and_summed_up() {
    let dir = Scratch::new("rate-limited");
    let out = run_child(
        "child_limited",
        &[
            ("TEST_DIR", dir.path().as_os_str()),
            ("LOGFIX_RATE_LIMIT", "noisy=3/s".as_ref()),
            ("LOGFIX_LEVEL", "error,noisy=info,quiet=info".as_ref()),
        ],
    );
    assert_success(&out, "the child");
}

/// `#[log(rate = "3/s")]`: the event type lets three through per second, wherever it is emitted
/// from, and the first one of a later window comes after a `suppressed` line with the count.
#[derive(logfix_runtime::LogEvent)]
#[log(component = "jobs", message = "tick {n}", rate = "3/s")]
struct Tick {
    n: u64,
}

/// Another event type of the same component: its own limiter, none here.
#[derive(logfix_runtime::LogEvent)]
#[log(component = "jobs", message = "done")]
struct Done;

#[test]
fn a_rate_limited_event_type_lets_so_many_through_per_window() {
    let clock = RateClock::new();
    let burst = logfix_testkit::capture(|| {
        for n in 0..5 {
            logfix_runtime::emit(&Tick { n });
        }
        for n in 5..10 {
            logfix_runtime::emit(&Tick { n }); // another call site: the same limiter
        }
        logfix_runtime::emit(&Done);
    });
    let ticks: Vec<u64> =
        burst.iter().filter(|e| e["event"] == "tick").map(|e| e["n"].as_u64().unwrap()).collect();
    assert_eq!(ticks, [0, 1, 2]);
    assert!(burst.iter().any(|e| e["event"] == "done"));
    clock.advance(SECOND);
    let later = logfix_testkit::capture(|| logfix_runtime::emit(&Tick { n: 10 }));
    assert_eq!(later.len(), 2, "{:?}", later.lines());
    assert_eq!(later[0]["event"], "suppressed");
    assert_eq!(later[0]["count"], 7);
    assert_eq!(later[0]["suppressed_component"], "jobs");
    assert_eq!(later[0]["suppressed_event"], "tick");
    assert_eq!(later[1]["n"], 10);
}

/// `Tick`'s twin, so that the test below has a limiter of its own.
#[derive(logfix_runtime::LogEvent)]
#[log(component = "jobs", message = "chime {n}", rate = "3/s")]
struct Chime {
    n: u64,
}

/// Through a logger of its own too; an event the filter turns down does not use up the rate
/// (nor is it counted as suppressed).
#[test]
fn a_rate_limited_event_type_is_filtered_before_it_is_counted() {
    let dir = Scratch::new("rate-logger");
    let logger = logfix_runtime::Config::new().dir(dir.path().to_owned()).build();
    let clock = RateClock::new();
    logger.set_filter("warn").unwrap();
    (0..5).for_each(|n| logger.emit(&Chime { n }));
    logger.set_filter("info").unwrap();
    (5..10).for_each(|n| logger.emit(&Chime { n }));
    clock.advance(SECOND);
    logger.emit(&Chime { n: 10 });
    logger.shutdown();
    assert_eq!(logger.metrics().suppressed, 2);
    let text = read_text(&dir.join("app.log"));
    let lines: Vec<serde_json::Value> =
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let chimes: Vec<u64> =
        lines.iter().filter(|l| l["event"] == "chime").map(|l| l["n"].as_u64().unwrap()).collect();
    assert_eq!(chimes, [5, 6, 7, 10]);
    let suppressed: Vec<_> = lines.iter().filter(|l| l["event"] == "suppressed").collect();
    assert_eq!((suppressed.len(), &suppressed[0]["count"]), (1, &2.into()), "{text}");
}

#[test]
fn child_with_a_target_made_at_run_time() {
    if !is_child("child_with_a_target_made_at_run_time") {
        return;
    }
    let dir = std::env::var("TEST_DIR").unwrap();
    let _guard = logfix_runtime::Config::from_env().dir(dir.clone()).init();
    let clock = RateClock::new();
    let target = format!("noisy::password={}", "TARGETSECRET1");
    log::info!(target: "quiet", "unlimited");
    log::info!(target: &target, "one");
    let chatty = |n: u64| log::info!(target: &target, "chatty {n}");
    for n in 0..10 {
        chatty(n);
    }
    clock.advance(SECOND);
    chatty(10);
    logfix_runtime::flush();
    let text = read_text(&std::path::Path::new(&dir).join("app.log"));
    assert!(!text.contains("TARGETSECRET1"), "{text}");
    assert!(
        text.contains(r#""event":"suppressed""#)
            && text.contains(r#""suppressed_component":"noisy::password=[REDACTED]""#),
        "{text}"
    );
}

/// A `log` target made at run time is scrubbed wherever it is named: in its records and in
/// the `suppressed` line of its rate limit.
#[test]
fn a_target_made_at_run_time_is_scrubbed_in_the_suppressed_line_too() {
    let dir = Scratch::new("rate-target");
    let out = run_child(
        "child_with_a_target_made_at_run_time",
        &[
            ("TEST_DIR", dir.path().as_os_str()),
            ("LOGFIX_RATE_LIMIT", "noisy=3/s".as_ref()),
            ("LOGFIX_LEVEL", "info".as_ref()),
        ],
    );
    assert_success(&out, "the child");
}
