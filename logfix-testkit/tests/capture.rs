//! Capturing real events: per-thread isolation, global captures, the guard form, context keys.

use std::sync::{Arc, Barrier};
use std::thread;

use logfix_runtime::{Context, LogEvent};
use logfix_testkit::{assert_logged, capture, capture_all, validate_line, Capture};

#[derive(LogEvent)]
#[log(component = "auth", message = "user {account_id} logged in")]
struct UserLogin {
    account_id: u64,
}

#[derive(LogEvent)]
#[log(component = "capture_test", level = "trace", message = "step {step} of worker {worker}")]
struct Step {
    worker: usize,
    step: usize,
}

#[derive(LogEvent)]
#[log(component = "capture_test", message = "from thread {owner}")]
struct FromThread<'a> {
    owner: &'a str,
}

#[test]
fn captures_events_as_valid_parsed_lines() {
    let events = capture(|| {
        logfix_runtime::emit(&UserLogin { account_id: 42 });
        logfix_runtime::emit(&UserLogin { account_id: 43 });
    });
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["component"], "auth");
    assert_eq!(events[0]["event"], "user_login");
    assert_eq!(events[0]["level"], "info");
    assert_eq!(events[0]["message"], "user 42 logged in");
    assert_eq!(events[1]["account_id"], 43);
    // The lines as rendered, keys in order, each valid on its own.
    for line in events.lines() {
        assert!(line.starts_with(r#"{"timestamp":""#), "{line}");
        validate_line(line).unwrap();
    }
}

#[test]
fn captures_every_level_whatever_the_filter() {
    // `Step` is a trace event: below the default `info` threshold, captured all the same.
    let events = capture(|| logfix_runtime::emit(&Step { worker: 0, step: 1 }));
    assert_logged!(events, level = "trace", event = "step", step = 1);
}

#[test]
fn captures_nothing_outside_the_closure() {
    logfix_runtime::emit(&UserLogin { account_id: 1 });
    let events = capture(|| ());
    assert!(events.is_empty());
}

#[derive(LogEvent)]
#[log(component = "auth", message = "acted for {user_id}")]
struct Acted {
    user_id: &'static str,
}

#[test]
fn context_keys_are_captured_and_an_event_field_wins_over_the_context() {
    let ctx = Context::new()
        .request_id("req-1")
        .user_id("u-7")
        .trace_id("4bf92f3577b34da6a3ce929d0e0e4736");
    let events = capture(|| ctx.scope(|| logfix_runtime::emit(&Acted { user_id: "u-42" })));
    assert_eq!(events[0]["request_id"], "req-1");
    assert_eq!(events[0]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    // The event's own `user_id` replaced the context's, written once (validation would have
    // rejected a duplicate).
    assert_eq!(events[0]["user_id"], "u-42");
    assert_eq!(events.lines()[0].matches("\"user_id\"").count(), 1);
}

#[test]
fn parallel_thread_captures_see_only_their_own_events() {
    const WORKERS: usize = 8;
    const STEPS: usize = 50;
    let start = Arc::new(Barrier::new(WORKERS));
    let handles: Vec<_> = (0..WORKERS)
        .map(|worker| {
            let start = Arc::clone(&start);
            thread::spawn(move || {
                capture(|| {
                    // Every worker emits at the same time as the others.
                    start.wait();
                    for step in 0..STEPS {
                        logfix_runtime::emit(&Step { worker, step });
                    }
                })
            })
        })
        .collect();
    for (worker, handle) in (0..WORKERS).zip(handles) {
        let events = handle.join().unwrap();
        assert_eq!(events.len(), STEPS, "worker {worker}: {events}");
        for (step, event) in (0..STEPS).zip(&events) {
            assert_eq!(event["worker"], worker);
            assert_eq!(event["step"], step);
        }
    }
}

#[test]
fn a_thread_capture_does_not_see_spawned_threads() {
    let events = capture(|| {
        thread::spawn(|| {
            logfix_runtime::emit(&FromThread { owner: "thread-capture-spawned" });
        })
        .join()
        .unwrap();
        logfix_runtime::emit(&FromThread { owner: "thread-capture-own" });
    });
    assert_eq!(events.len(), 1, "{events}");
    assert_eq!(events[0]["owner"], "thread-capture-own");
}

#[test]
fn capture_all_sees_events_of_spawned_threads() {
    let events = capture_all(|| {
        let handles: Vec<_> = (0..4usize)
            .map(|worker| thread::spawn(move || logfix_runtime::emit(&Step { worker, step: 100 })))
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        logfix_runtime::emit(&Step { worker: 99, step: 100 });
    });
    // Other tests of this binary may emit meanwhile: look at this test's events only.
    let mine = events.filter(|e| e["event"] == "step" && e["step"] == 100);
    assert_eq!(mine.len(), 5, "{events}");
    for worker in [0, 1, 2, 3, 99] {
        assert_logged!(mine, worker = worker);
    }
}

#[test]
fn global_captures_take_turns() {
    // Two global captures started at once: the second waits for the first, so neither sees the
    // other's events.
    let handles: Vec<_> = ["first", "second"]
        .into_iter()
        .map(|owner| {
            thread::spawn(move || {
                let events = capture_all(|| {
                    for _ in 0..20 {
                        thread::spawn(move || logfix_runtime::emit(&FromThread { owner }))
                            .join()
                            .unwrap();
                    }
                });
                (owner, events.events_named("from_thread"))
            })
        })
        .collect();
    for handle in handles {
        let (owner, events) = handle.join().unwrap();
        let theirs = events.filter(|e| e["owner"] == "first" || e["owner"] == "second");
        assert_eq!(theirs.len(), 20, "{owner}: {theirs}");
        assert!(theirs.iter().all(|e| e["owner"] == owner), "{owner}: {theirs}");
    }
}

#[test]
fn a_thread_capture_inside_capture_all_keeps_its_events() {
    let outer = capture_all(|| {
        let inner = thread::spawn(|| {
            capture(|| {
                logfix_runtime::emit(&FromThread { owner: "nested-inner" });
            })
        })
        .join()
        .unwrap();
        assert_eq!(inner.len(), 1);
    });
    assert!(outer.iter().all(|e| e["owner"] != "nested-inner"), "{outer}");
}

#[test]
fn the_guard_form_captures_until_finished() {
    let capture = Capture::start();
    logfix_runtime::emit(&UserLogin { account_id: 1 });
    let so_far = capture.events();
    logfix_runtime::emit(&UserLogin { account_id: 2 });
    let events = capture.finish();
    assert_eq!(so_far.len(), 1);
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["account_id"], 2);

    // After `finish`, nothing is captured any more.
    let later = Capture::start();
    drop(Capture::start());
    logfix_runtime::emit(&UserLogin { account_id: 3 });
    assert_eq!(later.finish().len(), 1);
}

#[test]
fn captures_nest_innermost_first() {
    let outer = Capture::start();
    logfix_runtime::emit(&UserLogin { account_id: 1 });
    let inner = capture(|| logfix_runtime::emit(&UserLogin { account_id: 2 }));
    logfix_runtime::emit(&UserLogin { account_id: 3 });
    let outer = outer.finish();
    assert_eq!(inner.len(), 1);
    assert_eq!(inner[0]["account_id"], 2);
    let ids: Vec<_> = outer.iter().map(|e| e["account_id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [1, 3]);
}

#[test]
fn the_global_guard_form_works_across_threads() {
    let capture = Capture::start_all();
    thread::spawn(|| {
        logfix_runtime::emit(&FromThread { owner: "global-guard" });
    })
    .join()
    .unwrap();
    let events = capture.finish();
    assert_eq!(events.filter(|e| e["owner"] == "global-guard").len(), 1, "{events}");
}

/// Without `init()` and without a subscriber or logger of the program's own, a capture sees the
/// `tracing` and `log` events of its thread, at every level.
#[test]
fn captures_tracing_and_log_events_without_init() {
    let events = capture(|| {
        tracing::debug!(target: "db::pool", size = 4, "pool ready");
        log::trace!(target: "http", "request sent");
    });
    assert!(logfix_runtime::global().is_none(), "this test binary never calls init()");
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["component"], "db::pool");
    assert_eq!(events[0]["size"], 4);
    assert_eq!(events[1]["message"], "request sent");
    assert_eq!(events[1]["level"], "trace");
}
