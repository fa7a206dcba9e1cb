//! The hand-off from callers to the writer: lines wait in a per-thread batch until it fills up
//! or the writer comes by. These tests check that no line waits for a thread that has gone
//! quiet, ended, or logs to another logger, and that `flush` covers every thread.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: failing loudly is the point"
)]

mod common;

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{parse_text, read_text, Corrupt, Scratch, Seq, SeqCheck};
use logfix_runtime::{Config, Logger};

/// Waits until the file holds `lines` lines (besides `logging_started`), for 30 s at most: the
/// lines must arrive without a flush, and the deadline only keeps a broken build from hanging.
fn wait_for_lines(path: &Path, lines: usize) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let mut corrupt = Corrupt::default();
        let parsed = parse_text("app.log", &text, &mut corrupt);
        assert!(corrupt.0.is_empty(), "{:?}", corrupt.0);
        if parsed.len() > lines {
            return parsed;
        }
        assert!(Instant::now() < deadline, "{} of {lines} lines after 30 s", parsed.len() - 1);
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn logger(scratch: &Scratch, flush_interval: Duration) -> Logger {
    Config::new()
        .dir(scratch.path().to_owned())
        .file("app.log")
        .flush_interval(flush_interval)
        .build()
}

/// Emits `Seq { thread: 0, seq }` for `seq` in `0..5` from a thread that then ends.
fn five_lines_from_a_thread_that_ends(logger: &Logger) {
    std::thread::scope(|s| {
        s.spawn(|| {
            for seq in 0..5 {
                logger.emit(&Seq { thread: 0, seq });
            }
        });
    });
}

/// Waits until the five lines of `five_lines_from_a_thread_that_ends` are in the file, in order.
fn assert_five_lines_written(scratch: &Scratch) {
    let lines = wait_for_lines(&scratch.join("app.log"), 5);
    let mut seqs = SeqCheck::new(&[5]);
    for line in &lines[1..] {
        assert!(seqs.record(line), "{line:?}");
    }
    seqs.assert_complete();
}

/// One line at a time from a thread that then waits: each one is written without a flush,
/// although its batch is far from full.
#[test]
fn a_line_from_a_thread_that_goes_quiet_is_written_without_a_flush() {
    let scratch = Scratch::new("handoff-quiet");
    let logger = logger(&scratch, Duration::from_millis(10));
    let (next, wait) = mpsc::channel::<u64>();
    std::thread::scope(|s| {
        s.spawn(|| {
            for seq in wait {
                logger.emit(&Seq { thread: 0, seq });
            }
        });
        for (seq, written) in (0..3).zip(1..) {
            next.send(seq).unwrap();
            let lines = wait_for_lines(&scratch.join("app.log"), written);
            assert_eq!(lines.last().unwrap()["seq"], seq, "{lines:?}");
        }
        drop(next);
    });
    logger.shutdown();
}

/// A thread that logs a few lines and ends: its batch is written by the writer's next round.
#[test]
fn the_lines_of_a_thread_that_ended_are_written() {
    let scratch = Scratch::new("handoff-ended");
    let logger = logger(&scratch, Duration::from_millis(10));
    five_lines_from_a_thread_that_ends(&logger);
    assert_five_lines_written(&scratch);
    logger.shutdown();
}

/// `flush` on one thread writes out what other threads emitted before it, also lines still
/// waiting in their batches (the flush interval is an hour: only `flush` writes here).
#[test]
fn flush_writes_what_every_thread_emitted_before() {
    const THREADS: u32 = 3;
    // Not a multiple of a batch, so that every thread has lines pending.
    const PER_THREAD: u64 = 100;
    let scratch = Scratch::new("handoff-flush");
    let logger = logger(&scratch, Duration::from_secs(3_600));
    let (done, finished) = mpsc::channel();
    let (stop, stopped) = mpsc::channel::<()>();
    let stopped = std::sync::Mutex::new(stopped);
    std::thread::scope(|s| {
        for thread in 0..THREADS {
            let (logger, done, stopped) = (&logger, done.clone(), &stopped);
            s.spawn(move || {
                for seq in 0..PER_THREAD {
                    logger.emit(&Seq { thread, seq });
                }
                done.send(()).unwrap();
                // Stays alive (and quiet) until the test has looked at the file.
                let _ = stopped.lock().unwrap().recv();
            });
        }
        for _ in 0..THREADS {
            finished.recv().unwrap();
        }
        logger.flush();
        let text = read_text(&scratch.join("app.log"));
        let mut corrupt = Corrupt::default();
        let lines = parse_text("app.log", &text, &mut corrupt);
        let mut seqs = SeqCheck::new(&[PER_THREAD; THREADS as usize]);
        for line in &lines[1..] {
            assert!(seqs.record(line), "{line:?}");
        }
        seqs.assert_complete();
        drop(stop);
    });
    logger.shutdown();
}

/// `flush` while another thread shuts the logger down still waits until the lines emitted
/// before it are written: the shutdown is writing them out, and `flush` waits for it (the panic
/// hook's flush of a panicking thread while `main` shuts down relies on this). The two calls
/// meet at a barrier, so each round races them differently; none may see a line missing.
#[test]
fn flush_during_a_shutdown_waits_for_the_lines() {
    const LINES: u64 = 3_000;
    for round in 0..20 {
        let scratch = Scratch::new(&format!("handoff-flush-shutdown-{round}"));
        let logger = logger(&scratch, Duration::from_secs(3_600));
        let barrier = std::sync::Barrier::new(2);
        let seen = std::thread::scope(|s| {
            let flusher = s.spawn(|| {
                for seq in 0..LINES {
                    logger.emit(&Seq { thread: 0, seq });
                }
                barrier.wait();
                logger.flush();
                read_text(&scratch.join("app.log")).matches(r#""event":"seq""#).count()
            });
            barrier.wait();
            logger.shutdown();
            flusher.join().unwrap()
        });
        assert_eq!(
            seen as u64, LINES,
            "round {round}: flush() returned before the lines were written"
        );
    }
}

/// One thread logging to two loggers alternately: each file gets its own lines, in order.
#[test]
fn two_loggers_on_one_thread_keep_their_lines_apart() {
    const EVENTS: u64 = 1_000;
    let (first, second) = (Scratch::new("handoff-two-a"), Scratch::new("handoff-two-b"));
    let loggers =
        [logger(&first, Duration::from_millis(10)), logger(&second, Duration::from_millis(10))];
    for seq in 0..EVENTS {
        for (thread, logger) in (0..).zip(&loggers) {
            logger.emit(&Seq { thread, seq });
        }
    }
    for logger in &loggers {
        logger.shutdown();
    }
    for (thread, scratch) in [(0u64, &first), (1, &second)] {
        let text = read_text(&scratch.join("app.log"));
        let mut corrupt = Corrupt::default();
        let lines = parse_text("app.log", &text, &mut corrupt);
        assert_eq!(lines.len() as u64, EVENTS + 1);
        for (seq, line) in (0..).zip(&lines[1..]) {
            assert_eq!((line["thread"].as_u64(), line["seq"].as_u64()), (Some(thread), Some(seq)));
        }
    }
}

/// A logger dropped without `shutdown` still writes the lines waiting in the threads' batches
/// (the flush interval is an hour, so no timer writes them).
#[test]
fn dropping_the_last_logger_writes_the_waiting_lines() {
    let scratch = Scratch::new("handoff-drop");
    let logger = logger(&scratch, Duration::from_secs(3_600));
    five_lines_from_a_thread_that_ends(&logger);
    drop(logger);
    assert_five_lines_written(&scratch);
}

/// Two threads taking turns (each emits, then lets the other go): each thread hands its lines
/// over on its own, so the file need not have them in the order they were emitted, but their
/// timestamps do (which is what log stores order by), and each thread's lines are in its order.
#[test]
fn lines_of_different_threads_are_ordered_by_their_timestamps() {
    const EVENTS: u64 = 2_000;
    let scratch = Scratch::new("handoff-turns");
    let logger = logger(&scratch, Duration::from_millis(10));
    // Each thread receives the next number, emits it and passes the one after to the other.
    let (to_b, b_turn) = mpsc::channel::<u64>();
    let (to_a, a_turn) = mpsc::channel::<u64>();
    std::thread::scope(|s| {
        let logger = &logger;
        s.spawn(move || {
            for seq in b_turn {
                logger.emit(&Seq { thread: 1, seq });
                if to_a.send(seq + 1).is_err() {
                    break;
                }
            }
        });
        let mut seq = 0;
        while seq < EVENTS {
            logger.emit(&Seq { thread: 0, seq });
            to_b.send(seq + 1).unwrap();
            seq = a_turn.recv().unwrap();
        }
        drop(to_b);
    });
    logger.shutdown();
    let text = read_text(&scratch.join("app.log"));
    let mut corrupt = Corrupt::default();
    let lines = parse_text("app.log", &text, &mut corrupt);
    let mut by_seq: Vec<(u64, u64, String)> = lines[1..]
        .iter()
        .map(|line| {
            let seq = line["seq"].as_u64().unwrap();
            (seq, line["thread"].as_u64().unwrap(), line["timestamp"].as_str().unwrap().to_owned())
        })
        .collect();
    // Each thread's lines in the file are in its own order.
    for thread in 0..2 {
        let seqs: Vec<u64> = by_seq.iter().filter(|l| l.1 == thread).map(|l| l.0).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "thread {thread}: {seqs:?}");
    }
    by_seq.sort();
    assert_eq!(by_seq.len() as u64, EVENTS);
    // RFC 3339 timestamps of one length compare as text.
    let backwards = by_seq.windows(2).find(|w| w[1].2 < w[0].2);
    assert_eq!(backwards, None, "a line emitted later has an earlier timestamp");
}

/// A logger built on a thread after another was shut down and dropped (its memory may be
/// reused) writes its own file: the thread's slot of the first is not taken for the second's.
#[test]
fn a_logger_after_a_dropped_one_writes_its_own_file() {
    for round in 0..3u32 {
        let scratch = Scratch::new(&format!("handoff-again-{round}"));
        let logger = logger(&scratch, Duration::from_millis(10));
        logger.emit(&Seq { thread: round, seq: 0 });
        logger.shutdown();
        drop(logger);
        let text = read_text(&scratch.join("app.log"));
        assert!(text.contains(&format!(r#""thread":{round},"seq":0"#)), "round {round}: {text}");
        assert_eq!(logfix_runtime::metrics().stderr_lines, 0);
    }
}
