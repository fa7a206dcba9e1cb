//! `LOGFIX_RATE_LIMIT`: a call site of a limited component lets so many events through per
//! window; the rest are counted, and the first event of a later window comes after a
//! `suppressed` line with their count. Other call sites and components are not limited.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::{assert_success, is_child, read_text, run_child, Scratch};

fn second_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Waits until the wall clock enters a new second (the limiter's windows are seconds): a
/// condition on the clock, which always comes within a second.
fn next_second() {
    let start = second_now();
    while second_now() == start {
        std::hint::spin_loop();
    }
}

#[test]
fn child_limited() {
    if !is_child("child_limited") {
        return;
    }
    let dir = std::env::var("TEST_DIR").unwrap();
    let _guard = logfix_runtime::Config::from_env().dir(dir.clone().into()).init();
    let chatty = |n: u64| tracing::info!(target: "noisy::pool", n, "chatty");
    next_second();
    let window = second_now();
    for n in 0..10 {
        chatty(n);
    }
    // All ten in one window: three through, seven suppressed. (If the loop crossed into the
    // next second, which ten calls of microseconds do not, the counts below say so.)
    assert_eq!(second_now(), window, "the burst crossed a second");
    // Another call site of the same component, and another component: not limited by the first.
    tracing::info!(target: "noisy::pool", "another site");
    log::info!(target: "quiet", "unlimited");
    assert_eq!(logfix_runtime::metrics().suppressed, 7);
    next_second();
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

#[test]
fn a_limited_call_site_is_suppressed_counted_and_summed_up() {
    let dir = Scratch::new("rate-limited");
    let out = run_child(
        "child_limited",
        &[("TEST_DIR", dir.path().as_os_str()), ("LOGFIX_RATE_LIMIT", "noisy=3/s".as_ref())],
    );
    assert_success(&out, "the child");
}
