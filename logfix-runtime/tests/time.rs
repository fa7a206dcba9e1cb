//! Every line's timestamp is the wall-clock time of its call: it lies between the system clock's
//! readings just before and just after the call (to the microsecond), also while CPU-bound
//! processes compete for every core, and for lines from the `tracing` and `log` bridges.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

mod common;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use common::{assert_success, is_child, read_text, run_child, Scratch, Seq};
use logfix_runtime::{Config, Logger};

const THREADS: u32 = 4;
const PER_THREAD: u64 = 5_000;

/// CPU-bound processes, six of them (three per core on the 2-core CI machine), killed when
/// dropped.
struct Load(Vec<Child>);

impl Load {
    fn start() -> Self {
        let busy = || {
            Command::new("sh")
                .args(["-c", "while :; do :; done"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        };
        Load((0..6).map(|_| busy()).collect())
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn micros_now() -> u64 {
    u64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros()).unwrap()
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` as microseconds since the epoch (Howard Hinnant's
/// `days_from_civil`, written out independently of the renderer's inverse).
fn parse_timestamp(text: &str) -> u64 {
    let num = |range: std::ops::Range<usize>| text[range].parse::<i64>().unwrap();
    assert_eq!(text.len(), 27, "{text}");
    let (y, m, d) = (num(0..4), num(5..7), num(8..10));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + num(11..13) * 3600 + num(14..16) * 60 + num(17..19);
    u64::try_from(secs * 1_000_000 + num(20..26)).unwrap()
}

/// Each thread's `(before, after)` readings around each call, in microseconds, by `(thread,
/// seq)`.
type Brackets = HashMap<(u64, u64), (u64, u64)>;

/// Calls `emit(thread, seq)` `PER_THREAD` times from each of `THREADS` threads, reading the
/// clock around every call.
fn emit_bracketed(emit: impl Fn(u32, u64) + Sync) -> Brackets {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|thread| {
                let emit = &emit;
                s.spawn(move || {
                    (0..PER_THREAD)
                        .map(|seq| {
                            let before = micros_now();
                            emit(thread, seq);
                            ((u64::from(thread), seq), (before, micros_now()))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    })
}

/// Checks every line of `text` whose `event` is `event` against its bracket; returns how many.
fn check(text: &str, event: &str, brackets: &Brackets) -> usize {
    let mut checked = 0;
    for line in text.lines() {
        let line: serde_json::Value = serde_json::from_str(line).unwrap();
        if line["event"] != event {
            continue;
        }
        let key = (line["thread"].as_u64().unwrap(), line["seq"].as_u64().unwrap());
        let (before, after) = brackets[&key];
        let stamp = parse_timestamp(line["timestamp"].as_str().unwrap());
        assert!(
            before <= stamp && stamp <= after,
            "{key:?}: timestamp {stamp} not within {before}..={after} µs"
        );
        checked += 1;
    }
    checked
}

fn logger(scratch: &Scratch) -> Logger {
    Config::new().dir(scratch.path().to_owned()).max_file_size(u64::MAX).build()
}

#[test]
fn derived_events_are_stamped_with_the_time_of_their_call_under_load() {
    let scratch = Scratch::new("time-derived");
    let logger = logger(&scratch);
    let load = Load::start();
    let brackets = emit_bracketed(|thread, seq| logger.emit(&Seq { thread, seq }));
    drop(load);
    logger.shutdown();
    let text = read_text(&scratch.join("app.log"));
    assert_eq!(check(&text, "seq", &brackets), brackets.len());
}

#[test]
fn child_bridged_events() {
    if !is_child("child_bridged_events") {
        return;
    }
    let dir = std::env::var("TEST_DIR").unwrap();
    let _guard = Config::new().dir(dir.clone()).init();
    let brackets = emit_bracketed(|thread, seq| {
        if seq % 2 == 0 {
            tracing::info!(name: "bridged", thread, seq, "from tracing");
        } else {
            log::info!(thread, seq; "from log");
        }
    });
    logfix_runtime::flush();
    let text = read_text(&std::path::Path::new(&dir).join("app.log"));
    let checked = check(&text, "bridged", &brackets) + check(&text, "log", &brackets);
    assert_eq!(checked, brackets.len());
}

#[test]
fn bridged_events_are_stamped_with_the_time_of_their_call_under_load() {
    let scratch = Scratch::new("time-bridged");
    let load = Load::start();
    let out = run_child("child_bridged_events", &[("TEST_DIR", scratch.path().as_os_str())]);
    drop(load);
    assert_success(&out, "the child");
}

#[test]
fn the_parser_reads_known_instants() {
    assert_eq!(parse_timestamp("1970-01-01T00:00:00.000001Z"), 1);
    assert_eq!(parse_timestamp("2000-02-29T00:00:00.000000Z"), 951_782_400_000_000);
    assert_eq!(parse_timestamp("2026-11-28T04:39:13.123456Z"), 1_795_840_753_123_456);
}
