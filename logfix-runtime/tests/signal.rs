//! `shutdown_signal()`: SIGTERM and SIGINT end the wait, a second signal ends the process, and
//! without a runtime it says why it never resolves. Signals are sent to child processes.
//!
//! Behind the `signal` feature: `cargo test -p logfix-runtime --features signal --test signal`
//! (`cargo test --workspace` enables it through `logfix-examples`).
#![cfg(all(unix, feature = "signal"))]
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

mod common;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use common::{assert_success, is_child, run_child, Scratch};
use logfix_runtime::{Config, LogEvent};
use logfix_testkit::validate_line;

#[derive(LogEvent)]
#[log(component = "app", message = "after the signal")]
struct After;

/// Listens (the first poll registers the handlers, in the runtime's context), sends `signal`
/// to this process, and waits for `shutdown_signal()` to resolve.
fn wait_for_signal(runtime: &tokio::runtime::Runtime, signal: libc::c_int) {
    let mut shutdown = pin!(logfix_runtime::shutdown_signal());
    {
        let _context = runtime.enter();
        let poll = shutdown.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        assert!(poll.is_pending());
    }
    send(signal);
    runtime.block_on(shutdown);
}

fn send(signal: libc::c_int) {
    // SAFETY: `kill` on this process's own id with a signal it handles.
    #[allow(unsafe_code, reason = "no safe API sends a signal")]
    let sent = unsafe { libc::kill(libc::getpid(), signal) };
    assert_eq!(sent, 0);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_io().build().unwrap()
}

#[test]
fn child_waits_for_a_signal() {
    if !is_child("child_waits_for_a_signal") {
        return;
    }
    let dir = std::env::var("TEST_DIR").unwrap();
    let _guard = Config::new().dir(dir).init();
    let runtime = runtime();
    let signal =
        if std::env::var("TEST_SIGNAL").unwrap() == "TERM" { libc::SIGTERM } else { libc::SIGINT };
    wait_for_signal(&runtime, signal);
    logfix_runtime::emit(&After);
    if std::env::var_os("TEST_TWICE").is_some() {
        // The second signal ends the process from the task `shutdown_signal` left behind.
        send(signal);
        runtime.block_on(std::future::pending::<()>());
    }
}

/// The lines of the child's log file.
fn run(signal: &str, twice: bool) -> (std::process::Output, Vec<serde_json::Value>) {
    let dir = Scratch::new(&format!("signal-{signal}-{twice}"));
    let mut vars = vec![("TEST_DIR", dir.path().as_os_str()), ("TEST_SIGNAL", signal.as_ref())];
    if twice {
        vars.push(("TEST_TWICE", "1".as_ref()));
    }
    let out = run_child("child_waits_for_a_signal", &vars);
    let text = std::fs::read_to_string(dir.join("app.log")).unwrap();
    let lines = text.lines().map(|l| validate_line(l).unwrap().into()).collect();
    (out, lines)
}

fn events(lines: &[serde_json::Value]) -> Vec<&str> {
    lines.iter().map(|l| l["event"].as_str().unwrap()).collect()
}

#[test]
fn sigterm_and_sigint_end_the_wait_and_are_written() {
    for (signal, name) in [("TERM", "SIGTERM"), ("INT", "SIGINT")] {
        let (out, lines) = run(signal, false);
        assert_success(&out, "the child");
        assert_eq!(events(&lines), ["logging_started", "shutdown_signal", "after"]);
        assert_eq!(lines[1]["signal"], name);
        assert_eq!(lines[1]["level"], "info");
    }
}

#[test]
fn a_second_signal_exits_at_once_after_writing_out_the_lines() {
    for (signal, name, status) in [("TERM", "SIGTERM", 143), ("INT", "SIGINT", 130)] {
        let (out, lines) = run(signal, true);
        assert_eq!(out.status.code(), Some(status), "{out:?}");
        assert_eq!(
            events(&lines),
            ["logging_started", "shutdown_signal", "after", "shutdown_forced"]
        );
        assert_eq!(lines[3]["signal"], name);
    }
}

#[test]
fn outside_a_runtime_it_never_resolves_and_says_why() {
    let events = logfix_testkit::capture(|| {
        let mut shutdown = pin!(logfix_runtime::shutdown_signal());
        let poll = shutdown.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        assert_eq!(poll, Poll::Pending);
    });
    let unavailable = events.find("logfix", "shutdown_signal_unavailable").unwrap();
    assert_eq!(unavailable["level"], "error");
    assert!(unavailable["error"].as_str().unwrap().contains("runtime"), "{unavailable}");
}
