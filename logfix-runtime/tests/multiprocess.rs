//! Several processes sharing one log file: this test binary re-executes itself, and a child
//! test (inert unless `TEST_LOGFIX_CHILD` names it) does the logging.

// Helpers outside `#[test]` functions are not covered by clippy.toml's `allow-*-in-tests`: in
// test code a broken expectation must panic with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    reason = "test code: failing loudly is the point; children report to their parent on stdout"
)]

mod common;

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Child;

use common::{
    assert_success, child_command, child_report, is_child, read_back, report_metrics, reported,
    strangers, Scratch, Seq,
};
use logfix_runtime::{Compression, Config};

/// The directory a child logs to.
const DIR_ENV: &str = "TEST_LOGFIX_DIR";
/// Which emitter a child is: its `thread` field.
const INDEX_ENV: &str = "TEST_LOGFIX_INDEX";
/// How many events a child emits.
const EVENTS_ENV: &str = "TEST_LOGFIX_EVENTS";
/// The rotation size of a child, in bytes.
const ROTATE_ENV: &str = "TEST_LOGFIX_ROTATE_AT";
/// The rotated files a child keeps.
const KEEP_ENV: &str = "TEST_LOGFIX_KEEP";

fn env_number(name: &str) -> u64 {
    std::env::var(name).unwrap().parse().unwrap()
}

/// The child: emits `TEST_LOGFIX_EVENTS` events as emitter `TEST_LOGFIX_INDEX` into
/// `TEST_LOGFIX_DIR/app.log`, shuts down and reports its metrics.
#[test]
fn child_writer() {
    if !is_child("child_writer") {
        return;
    }
    let dir = PathBuf::from(std::env::var_os(DIR_ENV).unwrap());
    let thread = u32::try_from(env_number(INDEX_ENV)).unwrap();
    let logger = Config::new()
        .dir(dir)
        .file("app.log")
        .max_file_size(env_number(ROTATE_ENV))
        .max_files(u32::try_from(env_number(KEEP_ENV)).unwrap())
        .compression(Compression::Gzip)
        .build();
    for seq in 0..env_number(EVENTS_ENV) {
        logger.emit(&Seq { thread, seq });
    }
    logger.shutdown();
    let m = logger.metrics();
    assert_eq!((m.lost_lines, m.write_errors, m.stderr_lines), (0, 0, 0), "{m:?}");
    report_metrics(&m);
}

/// Starts `processes` children at once, all writing to `dir`, then waits for all of them;
/// returns the sum of their `lines_written`.
fn run_writers(dir: &Path, processes: u32, events: u64, rotate_at: u64) -> u64 {
    let children = start_writers(dir, processes, events, rotate_at, 10_000);
    wait_for(children)
}

/// Starts `processes` children at once, all writing to `dir`, keeping `keep` rotated files.
fn start_writers(dir: &Path, processes: u32, events: u64, rotate_at: u64, keep: u32) -> Vec<Child> {
    let events_text = events.to_string();
    let rotate_text = rotate_at.to_string();
    let keep_text = keep.to_string();
    (0..processes)
        .map(|i| {
            let index = i.to_string();
            child_command(
                "child_writer",
                &[
                    (DIR_ENV, dir.as_os_str()),
                    (INDEX_ENV, OsStr::new(&index)),
                    (EVENTS_ENV, OsStr::new(&events_text)),
                    (ROTATE_ENV, OsStr::new(&rotate_text)),
                    (KEEP_ENV, OsStr::new(&keep_text)),
                ],
            )
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect()
}

/// Waits for every child, checks that it succeeded; returns the sum of their `lines_written`.
fn wait_for(children: Vec<Child>) -> u64 {
    let mut lines_written = 0;
    for (i, child) in children.into_iter().enumerate() {
        let output = child.wait_with_output().unwrap();
        assert_success(&output, &format!("child {i}"));
        lines_written += reported(&child_report(&output), "lines_written");
    }
    lines_written
}

#[test]
fn two_processes_share_a_rotating_file_without_loss() {
    const ROTATE_AT: u64 = 64 * 1024;
    const EVENTS: u64 = 100_000;
    let scratch = Scratch::new("mp-shared");
    let lines_written = run_writers(scratch.path(), 2, EVENTS, ROTATE_AT);

    let back = read_back(scratch.path(), "app.log", &[EVENTS; 2]);
    back.assert_clean();
    // Each process checks the size before each write of at most a quarter of the limit, so
    // the other process's write in flight can take a file past the limit by that much, no
    // more. A process that went on appending to a file another one had rotated would exceed
    // it (and lose lines to the compression of that file).
    back.assert_rotated_at_most(ROTATE_AT + ROTATE_AT / 4);
    let failures: Vec<String> = back
        .logfix
        .iter()
        .filter(|l| l["event"] != "logging_started")
        .map(|l| serde_json::Value::Object(l.clone()).to_string())
        .collect();
    assert!(failures.is_empty(), "no failure is reported: {failures:#?}");
    assert_eq!(back.logfix.len(), 2, "one logging_started per process");
    assert_eq!(back.lines, lines_written);
    let set = common::file_set(scratch.path(), "app.log");
    assert!(set.len() > 10, "the processes rotated: {} files", set.len());
    assert!(
        strangers(scratch.path(), "app.log").is_empty(),
        "no temporary files are left: {:?}",
        common::names(scratch.path())
    );
}

#[test]
fn thirty_two_processes_create_a_missing_nested_directory_at_once() {
    const PROCESSES: u32 = 32;
    const EVENTS: u64 = 500;
    let scratch = Scratch::new("mp-nested");
    let dir = scratch.join("a/b/c");
    assert!(!scratch.join("a").exists());
    let lines_written = run_writers(&dir, PROCESSES, EVENTS, 100_000_000);

    let back = read_back(&dir, "app.log", &[EVENTS; PROCESSES as usize]);
    back.assert_clean();
    let started = back.logfix_events("logging_started");
    assert_eq!(started.len(), PROCESSES as usize);
    assert!(
        started.iter().all(|l| l.get("fallback_reason").is_none()),
        "every process used the directory: {started:?}"
    );
    assert_eq!(back.logfix.len(), started.len(), "{:?}", back.logfix);
    assert_eq!(back.lines, lines_written);
}

/// Eight processes rotate one file every few kilobytes, keeping five rotated files. A watcher
/// counts the rotated files under the exclusive lock, where no rotation is half done: never
/// more than five.
#[test]
fn processes_rotating_together_keep_max_files() {
    const PROCESSES: u32 = 8;
    const EVENTS: u64 = 10_000;
    const KEEP: u32 = 5;
    let scratch = Scratch::new("mp-retention");
    let mut children = start_writers(scratch.path(), PROCESSES, EVENTS, 16 * 1024, KEEP);
    let lock_path = scratch.join(".app.log.lock");
    let (mut samples, mut most) = (0, 0);
    while children.iter_mut().any(|c| c.try_wait().unwrap().is_none()) {
        let Ok(lock) = fs::File::open(&lock_path) else { continue };
        lock.lock().unwrap();
        let rotated: BTreeSet<u64> = common::file_set(scratch.path(), "app.log")
            .into_iter()
            .filter_map(|f| f.rotated.map(|r| r.seq))
            .collect();
        lock.unlock().unwrap();
        most = most.max(rotated.len());
        samples += 1;
        std::thread::yield_now();
    }
    wait_for(children);
    let set = common::file_set(scratch.path(), "app.log");
    let newest = set.iter().filter_map(|f| f.rotated.as_ref().map(|r| r.seq)).max().unwrap();
    assert!(newest > 100, "the processes rotated {newest} times");
    assert!(samples > 0);
    assert!(most <= KEEP as usize, "{most} rotated files at once, {samples} looks");
    let kept: BTreeSet<u64> =
        set.iter().filter_map(|f| f.rotated.as_ref().map(|r| r.seq)).collect();
    assert_eq!(kept, (newest - u64::from(KEEP) + 1..=newest).collect(), "the newest five");
}
