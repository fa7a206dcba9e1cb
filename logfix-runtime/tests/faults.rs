//! Fault tests of the file pipeline: what the application sees (emit returns, nothing panics,
//! the process exits 0) and where each line ends up when directories, files and devices fail.
//!
//! Scenarios whose lines go to stderr run in a child process (this test binary re-executed
//! with `TEST_LOGFIX_CHILD` naming a child test) so that its stderr can be captured. Scenarios
//! that need root tools (`mknod`, `chattr`) print `skipped: ...` and pass where those fail.

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

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::Duration;

use common::{
    assert_success, child_report, is_child, parse_line, parse_text, read_back, read_text,
    report_metrics, reported, run_child, strangers, Scratch, Seq, SeqCheck,
};
use logfix_runtime::{Compression, Config, Overflow};
use serde_json::{Map, Value};

/// The directory a child logs to.
const DIR_ENV: &str = "TEST_LOGFIX_DIR";
/// Events a child emits.
const CHILD_EVENTS: u64 = 500;

/// Tests that fall back to `temp_dir()/logfix-<uid>` take turns, so that one's clean-up never removes
/// the directory while another is about to open its file there.
static TEMP_FALLBACK: Mutex<()> = Mutex::new(());

fn skip(reason: &str) {
    println!("skipped: {reason}");
}

/// `logging_started`, which must be the first line.
fn assert_started(first: Option<&Map<String, Value>>) -> &Map<String, Value> {
    let first = first.expect("the file set has lines");
    assert_eq!(
        (&first["component"], &first["event"]),
        (&Value::from("logfix"), &Value::from("logging_started")),
        "the first line is logging_started: {first:?}"
    );
    first
}

fn field<'a>(line: &'a Map<String, Value>, key: &str) -> &'a str {
    line.get(key).and_then(Value::as_str).unwrap_or_else(|| panic!("no string `{key}` in {line:?}"))
}

/// This user's id, as the OS gives it to a new directory.
fn uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(Scratch::new("uid").path()).unwrap().uid()
}

/// The fallback directory `temp_dir()/logfix-<uid>`, and a unique file name in it; removes that
/// file's set (and the directory, if this test created it and left it empty) when dropped.
struct TempFallback {
    dir: PathBuf,
    file: String,
    created: bool,
    _turn: std::sync::MutexGuard<'static, ()>,
}

impl TempFallback {
    fn new(test: &str) -> Self {
        let turn = TEMP_FALLBACK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let dir = std::env::temp_dir().join(format!("logfix-{}", uid()));
        Self {
            created: !dir.exists(),
            file: format!("logfix-test-{test}-{}.log", std::process::id()),
            dir,
            _turn: turn,
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.join(&self.file)
    }
}

impl Drop for TempFallback {
    fn drop(&mut self) {
        let lock = format!(".{}.lock", self.file);
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == lock || common::classify(&self.file, &name).is_some() {
                let _ = fs::remove_file(entry.path());
            }
        }
        if self.created {
            // Fails, as it should, if anything else is in it.
            let _ = fs::remove_dir(&self.dir);
        }
    }
}

/// Emits `n` events numbered from `from` as emitter 0.
fn emit_seqs(logger: &logfix_runtime::Logger, from: u64, n: u64) {
    for seq in from..from + n {
        logger.emit(&Seq { thread: 0, seq });
    }
}

/// Logs to `dir` (which the test made unusable) and checks that everything went to the file
/// in `temp_dir()/logfix-<uid>`, with a `logging_started` that names `dir` as refused.
fn assert_falls_back_to_temp(config: Config, fallback: &TempFallback, refused: &Path) {
    let logger = config.build();
    assert_eq!(logger.file_path(), Some(fallback.path().as_path()));
    emit_seqs(&logger, 0, 100);
    logger.shutdown();
    let m = logger.metrics();

    let back = read_back(&fallback.dir, &fallback.file, &[100]);
    back.assert_clean();
    let started = assert_started(back.first.as_ref());
    let reason = field(started, "fallback_reason");
    assert!(
        reason.contains(&refused.display().to_string()),
        "the reason names {}: {reason}",
        refused.display()
    );
    assert_eq!(field(started, "file"), fallback.path().display().to_string());
    assert_eq!(back.logfix.len(), 1, "only logging_started: {:?}", back.logfix);
    assert_eq!(
        (m.lines_written, m.write_errors, m.stderr_lines, m.lost_lines),
        (101, 0, 0, 0),
        "{m:?}"
    );
}

#[test]
fn an_uncreatable_directory_falls_back_to_the_temp_directory() {
    let scratch = Scratch::new("fault-uncreatable");
    fs::write(scratch.join("somefile"), "not a directory\n").unwrap();
    let refused = scratch.join("somefile/logs");
    let fallback = TempFallback::new("uncreatable");
    let config = Config::new().dir(refused.clone()).file(fallback.file.clone());
    assert_falls_back_to_temp(config, &fallback, &refused);
    assert_eq!(fs::read_to_string(scratch.join("somefile")).unwrap(), "not a directory\n");
}

#[test]
fn a_dir_variable_naming_a_regular_file_falls_back_to_the_temp_directory() {
    let scratch = Scratch::new("fault-env-file");
    let regular = scratch.join("app-logs");
    fs::write(&regular, "a file\n").unwrap();
    let fallback = TempFallback::new("env-file");
    let config = Config::from_env_vars([
        ("LOGFIX_DIR", regular.as_os_str()),
        ("LOGFIX_FILE", OsStr::new(&fallback.file)),
    ]);
    let (settings, issues) = config.resolve();
    assert_eq!(settings.dir.as_deref(), Some(regular.as_path()));
    assert!(issues.is_empty(), "the value itself is valid: {issues:?}");
    assert_falls_back_to_temp(config, &fallback, &regular);
    assert_eq!(fs::read_to_string(&regular).unwrap(), "a file\n");
}

/// Makes a directory immutable (`chattr +i`: even root cannot create files in it) until
/// dropped, so that the scratch directory can be removed also when the test fails.
struct Immutable(PathBuf);

impl Immutable {
    fn set(dir: &Path) -> Result<Self, String> {
        let status = Command::new("chattr")
            .arg("+i")
            .arg(dir)
            .status()
            .map_err(|e| format!("chattr: {e}"))?;
        if !status.success() {
            return Err(format!("chattr +i exited with {status}"));
        }
        let guard = Immutable(dir.to_owned());
        if fs::write(dir.join("probe"), "").is_ok() {
            return Err("chattr +i did not stop file creation".to_owned());
        }
        Ok(guard)
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[test]
fn a_read_only_directory_falls_back_to_the_temp_directory() {
    let scratch = Scratch::new("fault-read-only");
    let dir = scratch.join("logs");
    fs::create_dir(&dir).unwrap();
    let _immutable = match Immutable::set(&dir) {
        Ok(guard) => guard,
        Err(e) => return skip(&format!("cannot make a directory read-only for root: {e}")),
    };
    let fallback = TempFallback::new("read-only");
    let config = Config::new().dir(dir.clone()).file(fallback.file.clone());
    assert_falls_back_to_temp(config, &fallback, &dir);
    assert!(common::names(&dir).is_empty(), "nothing was created in it");
}

/// The lines of a child's stderr: every one must be a valid line.
fn stderr_lines(output: &Output) -> Vec<Map<String, Value>> {
    let text = String::from_utf8_lossy(&output.stderr);
    let mut corrupt = common::Corrupt::default();
    let lines = parse_text("stderr", &text, &mut corrupt);
    assert!(corrupt.0.is_empty(), "{:?}", corrupt.0);
    lines
}

/// Checks that the child's stderr holds `logging_started`, every `Seq` event, and the logfix
/// events named in `expected`, and that its `stderr_lines` counts them all.
fn assert_all_on_stderr(output: &Output, expected: &[&str]) -> Vec<Map<String, Value>> {
    assert_success(output, "the child");
    let lines = stderr_lines(output);
    assert_started(lines.first());
    let mut seqs = SeqCheck::new(&[CHILD_EVENTS]);
    let mut own = Vec::new();
    for line in &lines {
        if !seqs.record(line) {
            own.push(line.clone());
        }
    }
    seqs.assert_complete();
    for event in expected {
        assert!(own.iter().any(|l| l["event"] == *event), "no `{event}` on stderr: {own:?}");
    }
    let report = child_report(output);
    assert_eq!(reported(&report, "stderr_lines"), lines.len() as u64);
    assert_eq!(reported(&report, "lost_lines"), 0);
    own
}

/// The child of `a_full_device_sends_lines_to_stderr`.
#[test]
fn child_full_device() {
    if !is_child("child_full_device") {
        return;
    }
    let dir = PathBuf::from(std::env::var_os(DIR_ENV).unwrap());
    let logger = Config::new().dir(dir.clone()).file("full").build();
    assert_eq!(logger.file_path(), Some(dir.join("full").as_path()));
    emit_seqs(&logger, 0, CHILD_EVENTS);
    logger.shutdown();
    let m = logger.metrics();
    assert!(m.write_errors >= 1, "{m:?}");
    assert_eq!(m.lines_written, 0, "{m:?}");
    report_metrics(&m);
}

#[test]
fn a_full_device_sends_lines_to_stderr() {
    let scratch = Scratch::new("fault-full");
    let full = scratch.join("full");
    match Command::new("mknod").arg(&full).args(["c", "1", "7"]).status() {
        Ok(status) if status.success() => {}
        other => return skip(&format!("mknod (a /dev/full twin) failed: {other:?}")),
    }
    let probe = fs::OpenOptions::new()
        .append(true)
        .open(&full)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"x\n"));
    match probe {
        Err(e) if e.kind() == std::io::ErrorKind::StorageFull => {}
        other => {
            return skip(&format!("the device node does not behave like /dev/full here: {other:?}"))
        }
    }
    let output = run_child("child_full_device", &[(DIR_ENV, scratch.path().as_os_str())]);
    let own = assert_all_on_stderr(&output, &["file_write_failed"]);
    let failed = own.iter().find(|l| l["event"] == "file_write_failed").unwrap();
    assert_eq!(field(failed, "path"), full.display().to_string());
    assert!(field(failed, "error").contains("No space left on device"), "{failed:?}");
    let report = child_report(&output);
    assert!(reported(&report, "write_errors") >= 1);
}

/// The child of `with_no_usable_directory_lines_go_to_stderr`.
#[test]
fn child_no_usable_directory() {
    if !is_child("child_no_usable_directory") {
        return;
    }
    let dir = PathBuf::from(std::env::var_os(DIR_ENV).unwrap());
    let logger = Config::new().dir(dir).file("app.log").build();
    assert_eq!(logger.file_path(), None);
    emit_seqs(&logger, 0, CHILD_EVENTS);
    logger.shutdown();
    report_metrics(&logger.metrics());
}

#[test]
fn with_no_usable_directory_lines_go_to_stderr() {
    let scratch = Scratch::new("fault-nowhere");
    fs::write(scratch.join("regular"), "x").unwrap();
    let refused = scratch.join("regular/logs");
    let temp = scratch.join("regular/tmp");
    let output = run_child(
        "child_no_usable_directory",
        &[(DIR_ENV, refused.as_os_str()), ("TMPDIR", temp.as_os_str())],
    );
    assert_all_on_stderr(&output, &[]);
    let started = stderr_lines(&output).swap_remove(0);
    assert!(field(&started, "message").contains("stderr"), "it says where lines go: {started:?}");
    assert_eq!(field(&started, "file"), "");
    let reason = field(&started, "fallback_reason");
    for dir in [&refused, &temp.join(format!("logfix-{}", uid()))] {
        assert!(reason.contains(&dir.display().to_string()), "{reason} names {}", dir.display());
    }
    let report = child_report(&output);
    assert_eq!(reported(&report, "write_errors"), 0);
    assert_eq!(reported(&report, "lines_written"), 0);
}

#[test]
fn a_directory_deleted_while_logging_is_created_again() {
    const BEFORE: u64 = 1_000;
    const AFTER: u64 = 1_000;
    let scratch = Scratch::new("fault-deleted");
    let dir = scratch.join("logs");
    let logger = Config::new().dir(dir.clone()).file("app.log").build();
    emit_seqs(&logger, 0, BEFORE);
    logger.flush();
    let before = read_back(&dir, "app.log", &[BEFORE]);
    before.assert_clean();
    assert_started(before.first.as_ref());

    fs::remove_dir_all(&dir).unwrap();
    emit_seqs(&logger, BEFORE, AFTER);
    logger.flush();
    let m = logger.metrics();
    assert_eq!(m.lines_written, 1 + BEFORE + AFTER, "{m:?}");
    assert_eq!((m.write_errors, m.stderr_lines, m.lost_lines), (0, 0, 0), "{m:?}");
    logger.shutdown();

    // The lines after the deletion continue the sequence in the re-created file.
    let text = read_text(&dir.join("app.log"));
    let mut corrupt = common::Corrupt::default();
    let after = parse_text("app.log", &text, &mut corrupt);
    assert!(corrupt.0.is_empty(), "{:?}", corrupt.0);
    let seqs: Vec<u64> =
        after.iter().filter(|l| l["event"] == "seq").map(|l| l["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (BEFORE..BEFORE + AFTER).collect::<Vec<_>>());
    let own: Vec<_> = after.iter().filter(|l| l["component"] == "logfix").collect();
    assert!(
        own.iter().all(|l| l["event"] == "file_write_resumed" || l["event"] == "logging_started"),
        "{own:?}"
    );
}

#[test]
fn leftovers_of_a_crash_are_finished_at_start_up() {
    let scratch = Scratch::new("fault-leftovers");
    let rotated = scratch.join("app.log.00000001");
    let temp = scratch.join("app.log.00000002.gz.999999999.tmp");
    let content = "{\"from\":\"before the crash\"}\n".repeat(2_000);
    fs::write(&rotated, &content).unwrap();
    fs::write(&temp, b"\x1f\x8b half a gzip stream").unwrap();

    let logger = Config::new()
        .dir(scratch.path().to_owned())
        .file("app.log")
        .compression(Compression::Gzip)
        .build();
    emit_seqs(&logger, 0, 10);
    logger.shutdown();
    let m = logger.metrics();

    assert!(!rotated.exists(), "the rotated file was compressed");
    assert!(!temp.exists(), "the dead process's temporary file is gone");
    let gz = scratch.join("app.log.00000001.gz");
    assert_eq!(read_text(&gz), content, "valid gzip of the original");
    assert_eq!(common::names(scratch.path()), [".app.log.lock", "app.log", "app.log.00000001.gz"]);
    assert_eq!((m.compressions, m.compression_failures), (1, 0), "{m:?}");
    let active = read_text(&scratch.join("app.log"));
    assert_eq!(active.lines().count(), 11);
    assert_started(parse_line(active.lines().next().unwrap()).ok().as_ref());
}

#[test]
fn a_clean_shutdown_writes_every_event() {
    const THREADS: u32 = 4;
    const PER_THREAD: u64 = 5_000;
    let scratch = Scratch::new("fault-clean-shutdown");
    let logger = Config::new()
        .dir(scratch.path().to_owned())
        .file("app.log")
        // Only the shutdown handshake can write the lines out: no timer, a queue that blocks.
        .flush_interval(Duration::from_secs(3_600))
        .queue_capacity(64)
        .build();
    common::emit_from_threads(&logger, THREADS, PER_THREAD);
    logger.shutdown();
    let m = logger.metrics();

    let back = read_back(scratch.path(), "app.log", &[PER_THREAD; THREADS as usize]);
    back.assert_clean();
    assert_started(back.first.as_ref());
    assert_eq!(back.logfix.len(), 1, "{:?}", back.logfix);
    assert_eq!(back.lines, u64::from(THREADS) * PER_THREAD + 1);
    assert_eq!(m.lines_written, back.lines, "{m:?}");
    assert_eq!((m.dropped, m.lost_lines, m.stderr_lines), (0, 0, 0), "{m:?}");
}

/// Emitters of `child_shutdown_while_emitting`, and the events of each.
const RACERS: u32 = 4;
const RACER_EVENTS: u64 = 20_000;

/// The child of `a_shutdown_racing_with_emitters_loses_nothing`: threads keep emitting while
/// the logger shuts down (their first tenth before, up to half during, the rest after it).
#[test]
fn child_shutdown_while_emitting() {
    if !is_child("child_shutdown_while_emitting") {
        return;
    }
    let dir = PathBuf::from(std::env::var_os(DIR_ENV).unwrap());
    let logger = Config::new().dir(dir).file("app.log").queue_capacity(16).build();
    let (started, starts) = std::sync::mpsc::channel();
    let gate = std::sync::RwLock::new(());
    let closed = gate.write().unwrap();
    std::thread::scope(|s| {
        for thread in 0..RACERS {
            let (logger, started, gate) = (&logger, started.clone(), &gate);
            s.spawn(move || {
                for seq in 0..RACER_EVENTS {
                    if seq == RACER_EVENTS / 10 {
                        started.send(()).unwrap();
                    }
                    if seq == RACER_EVENTS / 2 {
                        drop(gate.read().unwrap());
                    }
                    logger.emit(&Seq { thread, seq });
                }
            });
        }
        for _ in 0..RACERS {
            starts.recv().unwrap();
        }
        logger.shutdown();
        drop(closed);
    });
    report_metrics(&logger.metrics());
}

#[test]
fn a_shutdown_racing_with_emitters_loses_nothing() {
    let scratch = Scratch::new("fault-shutdown-race");
    let output =
        run_child("child_shutdown_while_emitting", &[(DIR_ENV, scratch.path().as_os_str())]);
    assert_success(&output, "the child");
    let report = child_report(&output);

    // Each event is in the file, or, once the writer has stopped, on stderr: in order, once.
    let mut seqs = SeqCheck::new(&[RACER_EVENTS; RACERS as usize]);
    let text = read_text(&scratch.join("app.log"));
    let mut corrupt = common::Corrupt::default();
    let in_file = parse_text("app.log", &text, &mut corrupt);
    assert!(corrupt.0.is_empty(), "{:?}", corrupt.0);
    assert_started(in_file.first());
    let on_stderr = stderr_lines(&output);
    for line in in_file.iter().chain(&on_stderr) {
        if !seqs.record(line) {
            assert_eq!(line["event"], "logging_started", "{line:?}");
        }
    }
    seqs.assert_complete();
    assert!(
        in_file.len() > (RACER_EVENTS / 10) as usize * RACERS as usize,
        "{} lines in the file",
        in_file.len()
    );
    assert!(
        on_stderr.len() >= (RACER_EVENTS / 2) as usize * RACERS as usize,
        "{} lines on stderr",
        on_stderr.len()
    );
    assert_eq!(reported(&report, "lines_written"), in_file.len() as u64);
    assert_eq!(reported(&report, "stderr_lines"), on_stderr.len() as u64);
    assert_eq!(reported(&report, "lost_lines"), 0);
    assert_eq!(reported(&report, "dropped"), 0);
}

#[test]
fn drops_under_overflow_are_counted_and_reported() {
    const THREADS: u32 = 4;
    const BURST: u64 = 20_000;
    let scratch = Scratch::new("fault-drop");
    let logger = Config::new()
        .dir(scratch.path().to_owned())
        .file("app.log")
        .overflow(Overflow::Drop)
        .queue_capacity(2)
        .build();
    // Bursts until the writer falls behind: on the first, in practice.
    let mut per_thread = 0;
    while logger.metrics().dropped == 0 {
        assert!(per_thread < 10 * BURST, "no drops with a queue of 2");
        std::thread::scope(|s| {
            for thread in 0..THREADS {
                let logger = &logger;
                s.spawn(move || {
                    for seq in per_thread..per_thread + BURST {
                        logger.emit(&Seq { thread, seq });
                    }
                });
            }
        });
        per_thread += BURST;
    }
    logger.shutdown();
    let m = logger.metrics();
    let emitted = per_thread * u64::from(THREADS);

    let text = read_text(&scratch.join("app.log"));
    let mut corrupt = common::Corrupt::default();
    let lines = parse_text("app.log", &text, &mut corrupt);
    assert!(corrupt.0.is_empty(), "{:?}", corrupt.0);
    assert_started(lines.first());
    let mut seqs = SeqCheck::new(&[per_thread; THREADS as usize]);
    let mut written = 0;
    let mut reported_drops = 0;
    for line in &lines {
        if seqs.record(line) {
            written += 1;
        } else if line["event"] == "events_dropped" {
            reported_drops += line["count"].as_u64().unwrap();
        } else {
            assert_eq!(line["event"], "logging_started", "{line:?}");
        }
    }
    assert!(
        seqs.duplicated.is_empty() && seqs.out_of_order.is_empty() && seqs.unknown.is_empty(),
        "duplicated {:?}, out of order {:?}, unknown {:?}",
        seqs.duplicated,
        seqs.out_of_order,
        seqs.unknown
    );
    assert!(m.dropped > 0, "{m:?}");
    assert_eq!(reported_drops, m.dropped, "events_dropped counts every drop");
    assert_eq!(written + m.dropped, emitted, "{m:?}");
    assert_eq!(m.lines_written, lines.len() as u64, "{m:?}");
    assert_eq!((m.lost_lines, m.write_errors), (0, 0), "{m:?}");
    assert!(strangers(scratch.path(), "app.log").is_empty(), "{:?}", common::names(scratch.path()));
}

/// Makes a file immutable (`chattr +i`: writes to it fail with EPERM, also for root and for an
/// already open descriptor) until `release` or drop.
struct ImmutableFile(PathBuf);

impl ImmutableFile {
    fn set(path: &Path) -> Result<Self, String> {
        match Command::new("chattr").arg("+i").arg(path).status() {
            Ok(status) if status.success() => Ok(Self(path.to_owned())),
            other => Err(format!("chattr +i: {other:?}")),
        }
    }

    fn release(&self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

impl Drop for ImmutableFile {
    fn drop(&mut self) {
        self.release();
    }
}

/// The child of `a_file_that_fails_and_recovers_is_resumed`: events 0..5 before, 5..10 while
/// the file refuses writes, 10..15 after.
#[test]
fn child_file_fails_and_recovers() {
    if !is_child("child_file_fails_and_recovers") {
        return;
    }
    let dir = PathBuf::from(std::env::var_os(DIR_ENV).unwrap());
    // Retry on the very next write instead of after 100 ms: the test needs no clock.
    let logger = Config::new().dir(dir.clone()).retry_after(Duration::ZERO).build();
    emit_seqs(&logger, 0, 5);
    logger.flush();
    let Ok(immutable) = ImmutableFile::set(&dir.join("app.log")) else {
        println!("child-report skipped=1");
        return;
    };
    emit_seqs(&logger, 5, 5);
    logger.flush();
    immutable.release();
    emit_seqs(&logger, 10, 5);
    logger.shutdown();
    report_metrics(&logger.metrics());
}

#[test]
fn a_file_that_fails_and_recovers_is_resumed() {
    let scratch = Scratch::new("fault-recover");
    let output =
        run_child("child_file_fails_and_recovers", &[(DIR_ENV, scratch.path().as_os_str())]);
    assert_success(&output, "the child");
    let report = child_report(&output);
    if report.contains_key("skipped") {
        return skip("chattr +i is not available");
    }
    let file: Vec<Map<String, Value>> = fs::read_to_string(scratch.join("app.log"))
        .unwrap()
        .lines()
        .map(|l| logfix_testkit::validate_line(l).unwrap())
        .collect();
    let in_file: Vec<u64> =
        file.iter().filter_map(|l| l.get("seq").and_then(Value::as_u64)).collect();
    assert_eq!(in_file, [0, 1, 2, 3, 4, 10, 11, 12, 13, 14], "before and after the outage");
    let on_stderr: Vec<u64> =
        stderr_lines(&output).iter().filter_map(|l| l.get("seq").and_then(Value::as_u64)).collect();
    assert_eq!(on_stderr, [5, 6, 7, 8, 9], "during the outage, and nothing twice");
    let failed: Vec<_> =
        stderr_lines(&output).into_iter().filter(|l| l["event"] == "file_write_failed").collect();
    assert_eq!(failed.len(), 1, "reported once per outage");
    assert!(field(&failed[0], "error").contains("Operation not permitted"), "{failed:?}");
    let resumed: Vec<_> = file.iter().filter(|l| l["event"] == "file_write_resumed").collect();
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0]["lines_to_stderr"].as_u64(), Some(6), "5 events and the failure notice");
    assert_eq!(reported(&report, "lost_lines"), 0);
    assert!(reported(&report, "write_errors") >= 1);
}

/// The child of `a_write_cut_short_is_not_repeated_whole`: once `logging_started` is in the
/// file, the file may grow by 200 bytes only (`RLIMIT_FSIZE`; the parent has `SIGXFSZ`
/// ignored), which cuts the second event's line short, as a full disk does.
#[test]
fn child_file_size_limit() {
    if !is_child("child_file_size_limit") {
        return;
    }
    let dir = PathBuf::from(std::env::var_os(DIR_ENV).unwrap());
    let logger = Config::new().dir(dir.clone()).compression(Compression::None).build();
    logger.flush();
    let limit = fs::metadata(dir.join("app.log")).unwrap().len() + 200;
    let limited = Command::new("prlimit")
        .arg(format!("--pid={}", std::process::id()))
        .arg(format!("--fsize={limit}:{limit}"))
        .status();
    if !limited.is_ok_and(|s| s.success()) {
        println!("child-report skipped=1");
        return;
    }
    emit_seqs(&logger, 0, CHILD_EVENTS);
    logger.shutdown();
    report_metrics(&logger.metrics());
}

/// The lines of a write that failed part-way go to stderr, not those that reached the file;
/// the line cut short goes whole, marked, so that a reader knows the fragment in the file.
#[test]
fn a_write_cut_short_is_not_repeated_whole() {
    let scratch = Scratch::new("fault-cut-short");
    let output = Command::new("sh")
        .args(["-c", "trap '' XFSZ; exec \"$0\" \"$@\""])
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", "child_file_size_limit", "--nocapture", "--test-threads=1"])
        .env(common::CHILD_ENV, "child_file_size_limit")
        .env(DIR_ENV, scratch.path())
        .output()
        .unwrap();
    assert_success(&output, "the child");
    let report = child_report(&output);
    if report.contains_key("skipped") {
        return skip("prlimit is not available");
    }
    let text = read_text(&scratch.join("app.log"));
    let (whole, fragment) = text.split_at(text.rfind('\n').unwrap() + 1);
    assert!(!fragment.is_empty(), "the file ends in part of a line: {text}");
    let mut corrupt = common::Corrupt::default();
    let in_file = parse_text("app.log", whole, &mut corrupt);
    assert!(corrupt.0.is_empty(), "{:?}", corrupt.0);
    assert_started(in_file.first());

    let on_stderr = stderr_lines(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let marked: Vec<&str> = stderr.lines().filter(|l| l.contains("logfix_retry")).collect();
    assert_eq!(marked.len(), 1, "{marked:?}");
    let unmarked = marked[0].replace(",\"logfix_retry\":true}", "}");
    assert!(unmarked.starts_with(fragment), "{unmarked} is the whole of {fragment}");

    let mut seqs = SeqCheck::new(&[CHILD_EVENTS]);
    for line in in_file.iter().chain(&on_stderr) {
        seqs.record(line);
    }
    seqs.assert_complete();
    assert_eq!(reported(&report, "lines_written"), in_file.len() as u64);
    assert_eq!(reported(&report, "stderr_lines"), on_stderr.len() as u64);
    assert_eq!(reported(&report, "lost_lines"), 0);
}

#[test]
fn a_log_file_planted_as_a_symlink_is_not_followed() {
    let scratch = Scratch::new("fault-symlink");
    let victim = scratch.join("victim");
    fs::write(&victim, "untouched\n").unwrap();
    let dir = scratch.join("logs");
    fs::create_dir(&dir).unwrap();
    let fallback = TempFallback::new("symlink");
    std::os::unix::fs::symlink(&victim, dir.join(&fallback.file)).unwrap();
    let config = Config::new().dir(dir.clone()).file(fallback.file.clone());
    assert_falls_back_to_temp(config, &fallback, &dir);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "untouched\n");
}

/// The child of the tests of a refused temp directory: the configured directory is unusable,
/// and `TMPDIR` names a directory the parent prepared.
#[test]
fn child_temp_refused() {
    if !is_child("child_temp_refused") {
        return;
    }
    let dir = PathBuf::from(std::env::var_os(DIR_ENV).unwrap());
    let logger = Config::new().dir(dir).build();
    assert_eq!(logger.file_path(), None);
    emit_seqs(&logger, 0, CHILD_EVENTS);
    logger.shutdown();
    report_metrics(&logger.metrics());
}

/// Runs `child_temp_refused` with `prepare(private)` having planted `<tmp>/logfix-<uid>`, and
/// checks that lines went to stderr with the refusal named.
fn assert_temp_refused(test: &str, prepare: impl FnOnce(&Path), refusal: &str) {
    let scratch = Scratch::new(test);
    fs::write(scratch.join("regular"), "x").unwrap();
    let tmp = scratch.join("tmp");
    fs::create_dir(&tmp).unwrap();
    let private = tmp.join(format!("logfix-{}", uid()));
    prepare(&private);
    let refused = scratch.join("regular/logs");
    let output = run_child(
        "child_temp_refused",
        &[(DIR_ENV, refused.as_os_str()), ("TMPDIR", tmp.as_os_str())],
    );
    assert_all_on_stderr(&output, &[]);
    let started = stderr_lines(&output).swap_remove(0);
    let reason = field(&started, "fallback_reason");
    let expected = format!("{}: refused: {refusal}", private.display());
    assert!(reason.contains(&expected), "{reason} says {expected}");
}

#[test]
fn a_temp_directory_planted_as_a_symlink_is_refused() {
    let elsewhere = Scratch::new("fault-temp-elsewhere");
    assert_temp_refused(
        "fault-temp-symlink",
        |private| std::os::unix::fs::symlink(elsewhere.path(), private).unwrap(),
        "not a directory",
    );
    assert!(common::names(elsewhere.path()).is_empty(), "nothing was written through it");
}

#[test]
fn a_temp_directory_owned_by_another_user_is_refused() {
    if uid() != 0 {
        return skip("giving a directory to another user needs root");
    }
    assert_temp_refused(
        "fault-temp-foreign",
        |private| {
            fs::create_dir(private).unwrap();
            std::os::unix::fs::chown(private, Some(4242), None).unwrap();
        },
        "owned by uid 4242",
    );
}

/// The permissions of every file and directory logfix made under `dir`, by name.
fn modes(dir: &Path) -> Vec<(String, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777;
    let mut modes = vec![(".".to_owned(), mode(dir))];
    modes.extend(common::names(dir).into_iter().map(|name| {
        let m = mode(&dir.join(&name));
        (name, m)
    }));
    modes
}

/// Files are created `0640` and directories `0750` by default, or as `LOGFIX_FILE_MODE` says
/// (less the umask, which can only take bits away).
#[test]
fn files_are_not_readable_by_other_users() {
    let scratch = Scratch::new("fault-modes");
    for (sub, vars, file_bits, dir_bits) in [
        ("default", vec![], 0o640, 0o750),
        ("owner", vec![("LOGFIX_FILE_MODE", "0600")], 0o600, 0o700),
    ] {
        let dir = scratch.join(sub).join("logs");
        let logger = Config::from_env_vars(vars)
            .dir(dir.clone())
            .max_file_size(1024)
            .compression(Compression::Gzip)
            .build();
        emit_seqs(&logger, 0, 100);
        logger.shutdown();
        let modes = modes(&dir);
        assert!(
            modes.iter().any(|(name, _)| Path::new(name).extension() == Some("gz".as_ref())),
            "{modes:?}"
        );
        for (name, mode) in &modes {
            let (allowed, owner) = if name == "." { (dir_bits, 0o700) } else { (file_bits, 0o600) };
            assert_eq!(mode & !allowed, 0, "{sub}: {name} is {mode:o}");
            // The directory's execute bit too: root could work without it, the owner could not.
            assert_eq!(mode & owner, owner, "{sub}: the owner may use {name}");
        }
    }
}
