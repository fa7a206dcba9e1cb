//! A process forked after `init()` (a pre-forking server, a daemon) logs correctly: it starts
//! its own writer on its first line, writes to the same file safely beside the parent, never
//! writes the parent's lines, and never hangs, whether it ends by dropping the guard or by
//! `process::exit`; and it audits through a writer of its own on the parent's chain.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]
#![allow(unsafe_code, reason = "fork() and waitpid() have no safe std API")]

mod common;

use std::time::{Duration, Instant};

use common::{assert_success, is_child, read_text, run_child, Scratch, Seq};
use logfix_runtime::Config;

/// Lines the forked process emits: far more than its queue holds.
const CHILD_LINES: u64 = 20_000;

/// How the forked process ends.
#[derive(Clone, Copy)]
enum Exit {
    /// Drops the guard, then `_exit` (no at-exit handlers: the guard alone must write out).
    DropGuard,
    /// `std::process::exit` with the guard alive (the at-exit handler must write out).
    ProcessExit,
}

/// In a child test process: `init()`, a line left waiting in this thread's batch (the flush
/// interval is an hour), then `fork()`; the forked process emits `CHILD_LINES` lines and ends as
/// `exit` says; the parent waits for it, emits one more line and flushes.
fn fork_and_log(exit: Exit) {
    let dir = std::env::var("TEST_DIR").unwrap();
    let guard =
        Config::new().dir(dir).flush_interval(Duration::from_secs(3_600)).queue_capacity(64).init();
    logfix_runtime::emit(&Seq { thread: 0, seq: 0 });
    // SAFETY (test): the forked process only logs, which is what is being tested, and exits.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        for seq in 0..CHILD_LINES {
            logfix_runtime::emit(&Seq { thread: 1, seq });
        }
        match exit {
            Exit::DropGuard => {
                drop(guard);
                // SAFETY (test): ends the forked process without at-exit handlers.
                unsafe { libc::_exit(0) }
            }
            Exit::ProcessExit => std::process::exit(0),
        }
    }
    assert_eq!(wait_for(pid), 0, "the forked process failed or hung");
    logfix_runtime::emit(&Seq { thread: 0, seq: 1 });
    drop(guard);
}

/// Waits for `pid` to exit (at most a minute: it must never hang); returns its exit status.
fn wait_for(pid: libc::pid_t) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut status = 0;
    loop {
        // SAFETY (test): `status` is a valid out-pointer.
        let done = unsafe { libc::waitpid(pid, &raw mut status, libc::WNOHANG) };
        if done == pid {
            return if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
        }
        if Instant::now() > deadline {
            // SAFETY (test): kills the hung process we forked.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            return -2;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Every line once: the parent's two (the one pending at the fork is written by the parent
/// only), and all of the forked process's, in its order.
fn assert_every_line_once(scratch: &Scratch) {
    let text = read_text(&scratch.join("app.log"));
    let mut parent = Vec::new();
    let mut child = Vec::new();
    let mut started = 0;
    for line in text.lines() {
        let line: serde_json::Value = serde_json::from_str(line).unwrap();
        match (line["event"].as_str().unwrap(), line["thread"].as_u64()) {
            ("logging_started", _) => started += 1,
            ("seq", Some(0)) => parent.push(line["seq"].as_u64().unwrap()),
            ("seq", Some(1)) => child.push(line["seq"].as_u64().unwrap()),
            _ => {}
        }
    }
    assert_eq!(parent, [0, 1]);
    assert_eq!(child, (0..CHILD_LINES).collect::<Vec<_>>());
    assert_eq!(started, 2, "the forked process says where it logs, as any process does");
}

#[test]
fn child_fork_then_drop_the_guard() {
    if is_child("child_fork_then_drop_the_guard") {
        fork_and_log(Exit::DropGuard);
    }
}

#[test]
fn child_fork_then_process_exit() {
    if is_child("child_fork_then_process_exit") {
        fork_and_log(Exit::ProcessExit);
    }
}

#[test]
fn a_forked_process_that_drops_its_guard_writes_every_line() {
    let scratch = Scratch::new("fork-guard");
    let out =
        run_child("child_fork_then_drop_the_guard", &[("TEST_DIR", scratch.path().as_os_str())]);
    assert_success(&out, "the child");
    assert_every_line_once(&scratch);
}

#[test]
fn a_forked_process_that_calls_exit_writes_every_line() {
    let scratch = Scratch::new("fork-exit");
    let out =
        run_child("child_fork_then_process_exit", &[("TEST_DIR", scratch.path().as_os_str())]);
    assert_success(&out, "the child");
    assert_every_line_once(&scratch);
}

#[derive(logfix_runtime::LogEvent)]
#[log(component = "admin", message = "{who} exported batch {n}")]
struct Export {
    who: &'static str,
    n: u64,
}

/// In a child test process: `init()` and an audit record (the writer started), then `fork()`;
/// the forked process audits three records with a writer of its own and drops its guard; the
/// parent waits for it, audits one more and drops its guard.
fn fork_and_audit() {
    let dir = std::env::var("TEST_DIR").unwrap();
    let guard = Config::new().dir(dir).init();
    logfix_runtime::audit(&Export { who: "parent", n: 0 }).unwrap();
    // SAFETY (test): the forked process only audits, which is what is being tested, and exits.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let acknowledged =
            (0..3).all(|n| logfix_runtime::audit(&Export { who: "child", n }).is_ok());
        drop(guard);
        // SAFETY (test): ends the forked process without at-exit handlers.
        unsafe { libc::_exit(i32::from(!acknowledged)) }
    }
    assert_eq!(wait_for(pid), 0, "the forked process's audit failed or hung");
    logfix_runtime::audit(&Export { who: "parent", n: 1 }).unwrap();
    drop(guard);
}

#[test]
fn child_fork_and_audit() {
    if is_child("child_fork_and_audit") {
        fork_and_audit();
    }
}

/// A process forked after its audit writer started audits through a writer of its own (the
/// parent's, and the lock that starts one, may be held by threads that do not exist in it),
/// continuing the parent's chain: one trail, every record once, in order, intact.
#[test]
fn a_forked_process_audits_through_its_own_writer_on_the_same_chain() {
    let scratch = Scratch::new("fork-audit");
    let out = run_child("child_fork_and_audit", &[("TEST_DIR", scratch.path().as_os_str())]);
    assert_success(&out, "the child");
    let report = logfix_runtime::audit::verify_with(scratch.path(), &Config::new()).unwrap();
    assert!(report.is_intact(), "{report}");
    assert_eq!((report.records, report.seal), (5, Some(5)));
    let records: Vec<String> = read_text(&scratch.join("audit.log"))
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .map(|record| format!("{} {}", record["who"].as_str().unwrap(), record["n"]))
        .collect();
    assert_eq!(records, ["parent 0", "child 0", "child 1", "child 2", "parent 1"]);
}
