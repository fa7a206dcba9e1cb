//! Acceptance tests of the audit trail: never dropped, durable when acknowledged, what a full
//! device does, every kind of tampering found where it was done, and a chain that runs across
//! restarts and rotations.

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

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

use common::{
    assert_success, child_command, child_report, file_set, is_child, parse_line, read_text,
    reported, Scratch, Seq, SeqCheck,
};
use flate2::write::GzEncoder;
use logfix_runtime::audit::{verify_with, BreakKind, Report};
use logfix_runtime::{AuditError, AuditKey, Compression, Config, LogEvent, Overflow};

const TRAIL: &str = "audit.log";
/// The directory a child writes its trail in.
const DIR_ENV: &str = "TEST_LOGFIX_DIR";

/// What the application logs meanwhile, to keep its log busy.
#[derive(LogEvent)]
#[log(component = "noise", message = "noise {n}")]
struct Noise {
    n: u64,
}

/// An audit event with a secret in it.
#[derive(LogEvent)]
#[log(component = "admin", message = "{admin} reset the password of {user}")]
struct PasswordReset<'a> {
    admin: &'a str,
    user: &'a str,
    #[log(redact)]
    temporary_password: &'a str,
}

/// The trail's lines, oldest file first, each with its file name and 1-based line number.
fn trail_lines(dir: &Path) -> Vec<(String, usize, String)> {
    let mut lines = Vec::new();
    for f in file_set(dir, TRAIL) {
        let text = read_text(&dir.join(&f.name));
        for (i, line) in text.lines().enumerate() {
            lines.push((f.name.clone(), i + 1, line.to_owned()));
        }
    }
    lines
}

fn verify(dir: &Path) -> Report {
    verify_with(dir, &Config::new()).unwrap()
}

/// A directory on a RAM file system when there is one: this test is about completeness and
/// order, not the disk's sync speed.
fn ram_scratch(name: &str) -> (Scratch, PathBuf) {
    let scratch = Scratch::new(name);
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        shm.join(format!("logfix-test-{name}-{}", std::process::id()))
    } else {
        scratch.join("ram")
    };
    let _ = fs::remove_dir_all(&dir);
    (scratch, dir)
}

/// 8 threads × 10 000 audit records while other threads flood an application log that drops
/// (`LOGFIX_OVERFLOW=drop`, a queue of 2): every record is in the trail once, in its thread's
/// order, the chain intact, and none is in the application log.
#[test]
fn audit_records_are_never_dropped_even_when_the_log_drops() {
    const THREADS: u32 = 8;
    const PER_THREAD: u64 = 10_000;
    let (_scratch, dir) = ram_scratch("audit-stress");
    let logger = Config::new()
        .dir(dir.clone())
        .overflow(Overflow::Drop)
        .queue_capacity(2)
        .compression(Compression::None)
        .build();
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        {
            let (logger, done) = (&logger, &done);
            s.spawn(move || {
                let mut n = 0;
                // Until the audits are done and the log has dropped lines: saturated.
                while !done.load(Ordering::Relaxed) || logger.metrics().dropped == 0 {
                    logger.emit(&Noise { n });
                    n += 1;
                }
            });
        }
        let auditors: Vec<_> = (0..THREADS)
            .map(|thread| {
                let logger = &logger;
                s.spawn(move || {
                    for seq in 0..PER_THREAD {
                        logger.audit(&Seq { thread, seq }).unwrap();
                    }
                })
            })
            .collect();
        for auditor in auditors {
            auditor.join().unwrap();
        }
        done.store(true, Ordering::Relaxed);
    });
    logger.shutdown();
    let m = logger.metrics();
    assert!(m.dropped > 0, "the application log dropped lines: {m:?}");
    assert_eq!((m.audit_records, m.audit_failures), (80_000, 0), "{m:?}");
    assert!(m.audit_commits <= m.audit_records, "{m:?}");

    let mut seqs = SeqCheck::new(&[PER_THREAD; THREADS as usize]);
    for (file, number, line) in trail_lines(&dir) {
        let line = parse_line(&line).unwrap_or_else(|e| panic!("{file}:{number}: {e}"));
        assert!(seqs.record(&line), "{file}:{number}: not an audit record of the test: {line:?}");
    }
    seqs.assert_complete();
    let report = verify(&dir);
    assert!(report.is_intact(), "{report}");
    assert_eq!(report.records, 80_000);
    let log = read_text(&dir.join("app.log"));
    assert!(!log.contains("\"component\":\"stress\""), "audit records stay out of the log");
    fs::remove_dir_all(dir).unwrap();
}

/// The child of `an_acknowledged_record_survives_sigkill`: audits records one after the other
/// and says on stdout which was acknowledged, until it is killed.
#[test]
fn child_audit_until_killed() {
    if !is_child("child_audit_until_killed") {
        return;
    }
    let dir = PathBuf::from(std::env::var_os(DIR_ENV).unwrap());
    let logger = Config::new().dir(dir).build();
    let mut out = std::io::stdout().lock();
    for seq in 0.. {
        logger.audit(&Seq { thread: 0, seq }).unwrap();
        writeln!(out, "acked {seq}").unwrap();
        out.flush().unwrap();
    }
}

/// A process killed with SIGKILL right after `audit()` returned `Ok`: the record is in the file.
/// The parent kills the child as soon as it reads the child's report of an acknowledgement.
#[test]
fn an_acknowledged_record_survives_sigkill() {
    let scratch = Scratch::new("audit-kill");
    let mut child =
        child_command("child_audit_until_killed", &[(DIR_ENV, scratch.path().as_os_str())])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut acked = None;
    let mut line = String::new();
    while acked.is_none_or(|a| a < 20) {
        line.clear();
        assert_ne!(reader.read_line(&mut line).unwrap(), 0, "the child ended early");
        if let Some(seq) = line.trim().strip_prefix("acked ") {
            acked = Some(seq.parse::<u64>().unwrap());
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let acked = acked.unwrap();

    let mut seqs = Vec::new();
    for (_, _, line) in trail_lines(scratch.path()) {
        let Ok(line) = parse_line(&line) else { continue };
        seqs.push(line["seq"].as_u64().unwrap());
    }
    assert!(
        seqs.len() as u64 > acked,
        "records 0..={acked} acknowledged, {} in the file",
        seqs.len()
    );
    assert_eq!(seqs, (0..seqs.len() as u64).collect::<Vec<_>>());
    let report = verify(scratch.path());
    assert!(report.is_intact(), "{report}");
}

/// A tmpfs of `size` mounted on `dir` until dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Option<Self> {
        fs::create_dir_all(dir).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .stderr(Stdio::null())
            .status()
            .ok()?;
        status.success().then(|| Tmpfs(dir.to_owned()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// The child of `a_full_device_fails_the_audit_and_nothing_else`: fills the device with a
/// file, audits until the device is full, goes on logging, frees the space and audits again.
#[test]
fn child_audit_on_a_full_device() {
    if !is_child("child_audit_on_a_full_device") {
        return;
    }
    let dir = PathBuf::from(std::env::var_os(DIR_ENV).unwrap());
    let logger = Config::new().dir(dir.clone()).compression(Compression::None).build();
    logger.audit(&Seq { thread: 0, seq: 0 }).unwrap();
    let mut acked = 1;
    // Fill what is left but about 4 KiB.
    let filler = dir.join("filler");
    let mut fill = fs::File::create(&filler).unwrap();
    while fill.write_all(&[b'x'; 4096]).is_ok() {}
    drop(fill);
    let len = fs::metadata(&filler).unwrap().len();
    fs::File::options().write(true).open(&filler).unwrap().set_len(len - 4096).unwrap();
    let mut errors = 0;
    for seq in 1..200 {
        match logger.audit(&Seq { thread: 0, seq }) {
            Ok(()) if errors == 0 => acked += 1,
            Ok(()) => panic!("record {seq} acknowledged after a failure on a full device"),
            Err(AuditError::Io { kind, .. }) => {
                assert_eq!(kind, std::io::ErrorKind::StorageFull);
                errors += 1;
            }
            Err(other) => panic!("{other:?}"),
        }
        // The application goes on.
        logger.emit(&Noise { n: seq });
    }
    assert!(errors > 0, "the device never filled up");
    fs::remove_file(&filler).unwrap();
    logger.audit(&Seq { thread: 0, seq: acked }).unwrap();
    acked += 1;
    logger.shutdown();
    let m = logger.metrics();
    println!("child-report acked={acked} errors={errors} audit_failures={}", m.audit_failures);
}

/// A full device: `audit()` returns the error (no panic), nothing is acknowledged that is not
/// on disk, the application goes on, the failure is counted and reported, and once there is
/// room the trail continues with its chain intact.
#[test]
fn a_full_device_fails_the_audit_and_nothing_else() {
    let scratch = Scratch::new("audit-full");
    let dir = scratch.join("small");
    let Some(_tmpfs) = Tmpfs::mount(&dir, "256k") else {
        return println!("skipped: cannot mount a tmpfs here");
    };
    let output = child_command("child_audit_on_a_full_device", &[(DIR_ENV, dir.as_os_str())])
        .output()
        .unwrap();
    assert_success(&output, "the child");
    let report = child_report(&output);
    let acked = reported(&report, "acked");
    assert!(reported(&report, "errors") > 0);
    assert_eq!(reported(&report, "audit_failures"), reported(&report, "errors"));

    // The records in the trail are 0..acked: the failures left no record behind.
    let seqs: Vec<u64> = trail_lines(&dir)
        .iter()
        .map(|(_, _, line)| parse_line(line).unwrap()["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, (0..acked).collect::<Vec<_>>());
    let report = verify(&dir);
    assert!(report.is_intact(), "{report}");
    // Reported in the application log, or on stderr while the log's device was full.
    let log = read_text(&dir.join("app.log")) + &String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("\"event\":\"audit_failed\""), "{log:.2000}");
}

/// Redaction applies to audit records, and the key is written nowhere.
#[test]
fn audit_records_are_redacted_and_the_key_is_never_written() {
    let scratch = Scratch::new("audit-redact");
    let key = "k3y-that-must-never-appear";
    let logger = Config::new().dir(scratch.path().to_owned()).audit_key(AuditKey::new(key)).build();
    logger
        .audit(&PasswordReset { admin: "ann", user: "bob", temporary_password: "hunter2" })
        .unwrap();
    logger.shutdown();
    let trail = read_text(&scratch.join(TRAIL));
    assert!(trail.contains("\"temporary_password\":\"[REDACTED]\""), "{trail}");
    assert!(!trail.contains("hunter2"));
    logfix_testkit::validate_file(scratch.join(TRAIL)).unwrap();
    let log = read_text(&scratch.join("app.log"));
    assert!(log.contains("audit_key=set"), "{log}");
    for name in common::names(scratch.path()) {
        let text = String::from_utf8_lossy(&fs::read(scratch.join(&name)).unwrap()).into_owned();
        assert!(!text.contains(key), "{name} holds the key");
    }
    let report = verify_with(scratch.path(), &Config::new().audit_key(AuditKey::new(key))).unwrap();
    assert!(report.is_intact() && report.keyed, "{report}");
    let unkeyed = verify(scratch.path());
    assert_eq!(
        unkeyed.first_break.unwrap().kind,
        BreakKind::Edited,
        "the wrong key does not verify"
    );
}

/// A named pipe where the trail should be (planted, or a mistake) would block the open for
/// ever: `audit()` returns an error instead, and so does the next call.
#[test]
fn a_trail_that_is_not_a_regular_file_is_an_error() {
    let scratch = Scratch::new("audit-fifo");
    let status = Command::new("mkfifo").arg(scratch.join(TRAIL)).status().unwrap();
    assert!(status.success());
    let logger = Config::new().dir(scratch.path().to_owned()).build();
    for seq in 0..2 {
        // No reader: the open fails at once (ENXIO) instead of waiting for one.
        let error = logger.audit(&Seq { thread: 0, seq }).unwrap_err();
        assert!(error.to_string().contains(TRAIL), "{error}");
    }
    logger.shutdown();
}

/// Runs `f` with a named pipe planted at `fifo`. A reader that opens it blocking would wait for
/// a writer for ever: a thread stands by as that writer, so that such a reader gets an empty
/// file instead of hanging the test, and is released at the end by a non-blocking reader.
fn with_planted_pipe<T>(fifo: &Path, f: impl FnOnce() -> T) -> T {
    use std::os::unix::fs::OpenOptionsExt;
    let status = Command::new("mkfifo").arg(fifo).status().unwrap();
    assert!(status.success());
    let writer = {
        let fifo = fifo.to_owned();
        std::thread::spawn(move || drop(fs::OpenOptions::new().write(true).open(fifo)))
    };
    let result = f();
    let release = fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(fifo);
    writer.join().unwrap();
    drop(release);
    result
}

/// A named pipe planted as a rotated file or as the seal: `verify` reports an I/O error (exit 2
/// in the CLI) and `audit()` an error, rather than wait for a writer of the pipe for ever.
#[test]
fn a_planted_pipe_is_an_error_not_a_hang() {
    let trail = trail_copy("audit-pipe");
    let (gz, active) = names(trail.path());
    let moved = trail.join("moved");
    fs::rename(trail.join(&gz), &moved).unwrap();
    let error = with_planted_pipe(&trail.join(&gz), || verify_with(trail.path(), &Config::new()));
    assert!(error.is_err(), "{error:?}");
    fs::remove_file(trail.join(&gz)).unwrap();
    fs::rename(&moved, trail.join(&gz)).unwrap();

    let seal = trail.join(format!("{TRAIL}.seal"));
    fs::rename(&seal, &moved).unwrap();
    let error = with_planted_pipe(&seal, || verify_with(trail.path(), &Config::new()));
    assert!(error.is_err(), "{error:?}");
    fs::remove_file(&seal).unwrap();
    fs::rename(&moved, &seal).unwrap();

    // The active file empty (just rotated): the writer starts from the newest rotated file.
    fs::write(trail.join(&active), "").unwrap();
    let newest = trail.join("audit.log.00000099");
    let logger = Config::new().dir(trail.path().to_owned()).build();
    let result = with_planted_pipe(&newest, || logger.audit(&Seq { thread: 1, seq: 0 }));
    logger.shutdown();
    assert!(matches!(result, Err(AuditError::Io { .. })), "{result:?}");
}

/// A context field named like the chain's keys cannot forge or duplicate them: it is written
/// as `ctx.<key>` (and an event field so named does not compile).
#[test]
fn the_chain_s_keys_are_the_writer_s_alone() {
    let scratch = Scratch::new("audit-own-keys");
    let logger = Config::new().dir(scratch.path().to_owned()).build();
    logfix_runtime::Context::new()
        .field("audit_chain", "forged")
        .field("audit_seq", 7_u64)
        .scope(|| logger.audit(&Seq { thread: 0, seq: 0 }))
        .unwrap();
    logger.shutdown();
    logfix_testkit::validate_file(scratch.join(TRAIL)).unwrap();
    let line = parse_line(read_text(&scratch.join(TRAIL)).lines().next().unwrap()).unwrap();
    assert_eq!((&line["ctx.audit_chain"], &line["ctx.audit_seq"]), (&"forged".into(), &7.into()));
    assert_eq!(line["audit_seq"], 1);
    assert!(verify(scratch.path()).is_intact());
}

/// `LOGFIX_MAX_LINE` keeps application lines within what shippers take; an audit record is
/// kept whole, whatever its length.
#[test]
fn audit_records_are_never_cut() {
    let scratch = Scratch::new("audit-long");
    let logger = Config::new().dir(scratch.path().to_owned()).max_line(1024).build();
    let user = "x".repeat(200_000);
    logger.audit(&PasswordReset { admin: "ann", user: &user, temporary_password: "-" }).unwrap();
    logger.emit(&PasswordReset { admin: "ann", user: &user, temporary_password: "-" });
    logger.shutdown();
    let trail = read_text(&scratch.join(TRAIL));
    assert!(trail.contains(&format!("\"user\":\"{user}\"")), "the record is whole");
    assert!(verify(scratch.path()).is_intact());
    let log = read_text(&scratch.join("app.log"));
    assert!(log.lines().all(|line| line.len() <= 1024), "the application's line is cut");
}

/// A `Display` impl that panics.
struct Panics;

impl std::fmt::Display for Panics {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        panic!("a Display impl that panics")
    }
}

#[derive(LogEvent)]
#[log(component = "admin", message = "{value}")]
struct Unrenderable {
    #[log(display)]
    value: Panics,
}

/// Without a logger, for an event that cannot be rendered and after shutdown, `audit()` returns
/// the error, counts it, and writes nothing to the trail.
#[test]
fn audit_fails_without_a_logger_on_a_panicking_event_and_after_shutdown() {
    assert_eq!(logfix_runtime::audit(&Noise { n: 0 }), Err(AuditError::NoLogger));
    let scratch = Scratch::new("audit-errors");
    let logger = Config::new().dir(scratch.path().to_owned()).build();
    assert_eq!(logger.audit(&Unrenderable { value: Panics }), Err(AuditError::Render));
    logger.audit(&Noise { n: 1 }).unwrap();
    logger.flush();
    let log = read_text(&scratch.join("app.log"));
    assert!(
        log.contains(
            "\"event\":\"audit_failed\",\"message\":\"an audit record of admin.unrenderable"
        ),
        "{log}"
    );
    logger.shutdown();
    assert_eq!(logger.audit(&Noise { n: 2 }), Err(AuditError::ShutDown));
    let m = logger.metrics();
    assert_eq!((m.audit_records, m.audit_failures), (1, 2), "{m:?}");
    assert_eq!(trail_lines(scratch.path()).len(), 1);
    assert!(verify(scratch.path()).is_intact());
}

/// Writes a trail of `records` records in `dir` across several files (1 KiB rotations, gzip),
/// in two runs of the logger: a restart in the middle.
fn real_trail(dir: &Path, records: u64, config: impl Fn() -> Config) {
    for run in [0..records / 2, records / 2..records] {
        let logger = config().dir(dir.to_owned()).max_file_size(1024).build();
        for seq in run {
            logger.audit(&Seq { thread: 0, seq }).unwrap();
        }
        logger.shutdown();
    }
}

/// A restart, then rotations with gzip: the chain verifies end to end, across `.gz` files.
#[test]
fn the_chain_runs_across_restarts_and_rotations() {
    let scratch = Scratch::new("audit-rotations");
    let dir = scratch.path();
    // About three records a file: 5 rotations and more.
    real_trail(dir, 24, Config::new);
    let files = file_set(dir, TRAIL);
    let gz = files.iter().filter(|f| f.compressed).count();
    assert!(files.len() > 5 && gz + 1 == files.len(), "{files:?}");
    let report = verify(dir);
    assert!(report.is_intact(), "{report}");
    assert_eq!(
        (report.records, report.first_seq, report.last_seq, report.seal),
        (24, Some(1), Some(24), Some(24))
    );
    let seqs: Vec<u64> = trail_lines(dir)
        .iter()
        .map(|(_, _, l)| parse_line(l).unwrap()["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, (0..24).collect::<Vec<_>>());
    for f in &files {
        logfix_testkit::validate_file(dir.join(&f.name)).unwrap();
    }
}

/// The first emitter number of a child of `processes_sharing_a_trail_continue_one_chain`.
const FIRST_ENV: &str = "TEST_LOGFIX_FIRST";
const SHARED_THREADS: u32 = 4;
const SHARED_PER_THREAD: u64 = 250;

/// The child of `processes_sharing_a_trail_continue_one_chain`: opens the trail with its first
/// record, says "ready", waits for the parent's word and audits from four threads.
#[test]
fn child_audit_shared_trail() {
    if !is_child("child_audit_shared_trail") {
        return;
    }
    let dir = PathBuf::from(std::env::var_os(DIR_ENV).unwrap());
    let first: u32 = std::env::var(FIRST_ENV).unwrap().parse().unwrap();
    let logger = Config::new().dir(dir).max_file_size(64 * 1024).build();
    logger.audit(&Seq { thread: first, seq: 0 }).unwrap();
    println!("ready");
    std::io::stdout().flush().unwrap();
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).unwrap();
    std::thread::scope(|s| {
        for t in 0..SHARED_THREADS {
            let logger = &logger;
            s.spawn(move || {
                for seq in u64::from(t == 0)..SHARED_PER_THREAD {
                    logger.audit(&Seq { thread: first + t, seq }).unwrap();
                }
            });
        }
    });
    logger.shutdown();
    assert_eq!(logger.metrics().audit_failures, 0);
}

/// Three processes, four threads each, audit into one trail at once (64 KiB rotations, gzip),
/// each with syncs of its own in flight: every record is in the trail once, in its thread's
/// order, and the chain runs through all of them.
#[test]
fn processes_sharing_a_trail_continue_one_chain() {
    const PROCESSES: u32 = 3;
    let scratch = Scratch::new("audit-processes");
    let mut children: Vec<_> = (0..PROCESSES)
        .map(|p| {
            let first = (p * SHARED_THREADS).to_string();
            let envs = [(DIR_ENV, scratch.path().as_os_str()), (FIRST_ENV, first.as_ref())];
            child_command("child_audit_shared_trail", &envs)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // Every child has its trail open before any goes on.
    let mut outputs = Vec::new();
    for child in &mut children {
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        // libtest's "test child_audit_shared_trail ... " may start the line.
        while !line.trim_end().ends_with("ready") {
            line.clear();
            assert_ne!(reader.read_line(&mut line).unwrap(), 0, "a child ended early");
        }
        outputs.push(reader);
    }
    for child in &mut children {
        child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    }
    for (mut child, mut out) in children.into_iter().zip(outputs) {
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
        let status = child.wait().unwrap();
        assert!(status.success(), "a child exited with {status}:\n{rest}");
    }

    let dir = scratch.path();
    let emitters = (PROCESSES * SHARED_THREADS) as usize;
    let mut seqs = SeqCheck::new(&vec![SHARED_PER_THREAD; emitters]);
    for (file, number, line) in trail_lines(dir) {
        let line = parse_line(&line).unwrap_or_else(|e| panic!("{file}:{number}: {e}"));
        assert!(seqs.record(&line), "{file}:{number}: not a record of the test: {line:?}");
    }
    seqs.assert_complete();
    let files = file_set(dir, TRAIL);
    assert!(files.len() > 3, "rotated: {files:?}");
    let report = verify(dir);
    assert!(report.is_intact(), "{report}");
    assert_eq!(report.records, u64::from(PROCESSES * SHARED_THREADS) * SHARED_PER_THREAD);
}

// ---- tampering, each on a copy of a real trail ----

/// A real trail of 30 records over several files, made once; each test tampers with a copy.
fn trail_copy(name: &str) -> Scratch {
    let copy = Scratch::new(name);
    let original = Scratch::new(&format!("{name}-original"));
    real_trail(original.path(), 30, Config::new);
    for entry in fs::read_dir(original.path()).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), copy.join(entry.file_name())).unwrap();
    }
    assert!(verify(copy.path()).is_intact());
    copy
}

/// The text of the trail file `name` in `dir`, decompressed.
fn read(dir: &Path, name: &str) -> Vec<String> {
    read_text(&dir.join(name)).lines().map(str::to_owned).collect()
}

/// Writes `lines` back as the file `name`, compressed again when it is a `.gz`.
fn write(dir: &Path, name: &str, lines: &[String]) {
    let text: String = lines.iter().flat_map(|l| [l.as_str(), "\n"]).collect();
    if Path::new(name).extension().is_some_and(|e| e == "gz") {
        let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text.as_bytes()).unwrap();
        fs::write(dir.join(name), gz.finish().unwrap()).unwrap();
    } else {
        fs::write(dir.join(name), text).unwrap();
    }
}

/// The break `verify` reports: its kind, file name and line.
fn first_break(dir: &Path) -> (BreakKind, String, u64) {
    let report = verify(dir);
    let found = report.first_break.clone().unwrap_or_else(|| panic!("not detected: {report}"));
    assert!(!report.is_intact() && report.to_string().starts_with("TAMPERED: "), "{report}");
    (found.kind, found.file.file_name().unwrap().to_string_lossy().into_owned(), found.line)
}

/// The name of the second rotated file (compressed) and of the active one.
fn names(dir: &Path) -> (String, String) {
    let files = file_set(dir, TRAIL);
    (files[1].name.clone(), files.last().unwrap().name.clone())
}

#[test]
fn an_edited_record_is_found() {
    let trail = trail_copy("audit-edited");
    let (gz, _) = names(trail.path());
    let mut lines = read(trail.path(), &gz);
    lines[1] = lines[1].replace("\"thread\":0", "\"thread\":1");
    write(trail.path(), &gz, &lines);
    assert_eq!(first_break(trail.path()), (BreakKind::Edited, gz, 2));
}

#[test]
fn an_inserted_record_is_found() {
    let trail = trail_copy("audit-inserted");
    let (gz, _) = names(trail.path());
    let mut lines = read(trail.path(), &gz);
    // A copy of a record (a replay), then a line that is no record at all.
    lines.insert(1, lines[0].clone());
    write(trail.path(), &gz, &lines);
    assert_eq!(first_break(trail.path()), (BreakKind::Inserted, gz.clone(), 2));
    let forged = lines[0].split(",\"audit_seq\"").next().unwrap().to_owned() + "}";
    lines[1] = forged;
    write(trail.path(), &gz, &lines);
    assert_eq!(first_break(trail.path()), (BreakKind::Inserted, gz, 2));
}

#[test]
fn a_deleted_record_is_found() {
    let trail = trail_copy("audit-deleted");
    let (gz, _) = names(trail.path());
    let mut lines = read(trail.path(), &gz);
    lines.remove(1);
    write(trail.path(), &gz, &lines);
    assert_eq!(first_break(trail.path()), (BreakKind::Deleted, gz.clone(), 2));
    let report = verify(trail.path()).to_string();
    assert!(report.contains(": record 6 is missing ("), "{report}");
    lines.remove(1);
    write(trail.path(), &gz, &lines);
    let report = verify(trail.path()).to_string();
    assert!(report.contains(": records 6 to 7 are missing ("), "{report}");
}

#[test]
fn reordered_records_are_found() {
    let trail = trail_copy("audit-reordered");
    let (_, active) = names(trail.path());
    let mut lines = read(trail.path(), &active);
    lines.swap(0, 1);
    write(trail.path(), &active, &lines);
    assert_eq!(first_break(trail.path()), (BreakKind::Reordered, active, 1));
}

/// A rotated file left beside its compressed copy (a crash before it was removed) is read, and
/// the copy must say the same: an edit of either shows.
#[test]
fn a_compressed_copy_beside_its_file_must_match_it() {
    let trail = trail_copy("audit-twin");
    let (gz, _) = names(trail.path());
    let plain = gz.strip_suffix(".gz").unwrap().to_owned();
    let mut lines = read(trail.path(), &gz);
    write(trail.path(), &plain, &lines);
    assert!(verify(trail.path()).is_intact(), "a crash leftover is no break");
    lines[1] = lines[1].replace("\"thread\":0", "\"thread\":1");
    write(trail.path(), &gz, &lines);
    assert_eq!(first_break(trail.path()), (BreakKind::Edited, gz, 2));
}

/// A file that cannot be read is an I/O error (exit 2 in the CLI), not a sign of tampering.
#[test]
fn an_unreadable_file_is_an_error_not_a_break() {
    let trail = trail_copy("audit-unreadable");
    let (gz, _) = names(trail.path());
    fs::remove_file(trail.join(&gz)).unwrap();
    fs::create_dir(trail.join(&gz)).unwrap();
    let error = verify_with(trail.path(), &Config::new()).unwrap_err();
    assert!(error.to_string().contains(&gz), "{error}");
}

/// The oldest file, then one in the middle.
#[test]
fn a_removed_file_is_found() {
    let trail = trail_copy("audit-file-removed");
    let files = file_set(trail.path(), TRAIL);
    fs::remove_file(trail.join(&files[0].name)).unwrap();
    assert_eq!(first_break(trail.path()), (BreakKind::FileRemoved, files[1].name.clone(), 1));
    fs::remove_file(trail.join(&files[2].name)).unwrap();
    assert_eq!(first_break(trail.path()), (BreakKind::FileRemoved, files[3].name.clone(), 1));
}

/// Records cut from the active file (or the file removed) while the writer runs: the writer
/// numbers on after the last record it wrote, not after what is left, so the gap shows; the
/// seal never goes back, and the application log says what happened.
#[test]
fn records_removed_while_the_trail_is_written_stay_missing() {
    let scratch = Scratch::new("audit-cut-live");
    let dir = scratch.path();
    for cut in ["truncate", "remove"] {
        let _ = fs::remove_dir_all(dir);
        let logger = Config::new().dir(dir.to_owned()).build();
        for seq in 0..4 {
            logger.audit(&Seq { thread: 0, seq }).unwrap();
        }
        if cut == "truncate" {
            fs::OpenOptions::new().write(true).open(dir.join(TRAIL)).unwrap().set_len(0).unwrap();
        } else {
            fs::remove_file(dir.join(TRAIL)).unwrap();
        }
        for seq in 4..6 {
            logger.audit(&Seq { thread: 0, seq }).unwrap();
        }
        logger.shutdown();
        let seqs: Vec<u64> = trail_lines(dir)
            .iter()
            .map(|(_, _, l)| parse_line(l).unwrap()["audit_seq"].as_u64().unwrap())
            .collect();
        assert_eq!(seqs, [5, 6], "{cut}: numbered after the records that were cut");
        assert_eq!(first_break(dir), (BreakKind::FileRemoved, TRAIL.to_owned(), 1), "{cut}");
        assert_eq!(verify(dir).seal, Some(6), "{cut}");
        let log = read_text(&dir.join("app.log"));
        assert!(log.contains("\"event\":\"audit_trail_truncated\""), "{cut}: {log}");
    }
}

/// Sequence numbers are read from the files: a forged one at the end of the numbers is a break
/// to report, in `verify` and in a writer that continues the trail, never an overflow (a panic
/// in a debug build).
#[test]
fn a_forged_last_sequence_number_is_reported_not_overflowed() {
    let trail = trail_copy("audit-last-number");
    let (_, active) = names(trail.path());
    for f in file_set(trail.path(), TRAIL).iter().filter(|f| f.name != active) {
        fs::remove_file(trail.join(&f.name)).unwrap();
    }
    fs::remove_file(trail.join(format!("{TRAIL}.seal"))).unwrap();
    let last = read(trail.path(), &active).pop().unwrap();
    let seq = parse_line(&last).unwrap()["audit_seq"].as_u64().unwrap();
    let forged =
        last.replace(&format!("\"audit_seq\":{seq},"), &format!("\"audit_seq\":{},", u64::MAX));
    write(trail.path(), &active, &[forged.clone(), forged]);
    assert_eq!(first_break(trail.path()), (BreakKind::Edited, active.clone(), 2));

    let logger = Config::new().dir(trail.path().to_owned()).build();
    let continued = logger.audit(&Seq { thread: 1, seq: 0 });
    logger.shutdown();
    assert_eq!(continued, Ok(()), "written and synced, its number saturated");
    assert_eq!(first_break(trail.path()), (BreakKind::Inserted, active, 2));
}

#[test]
fn a_truncated_tail_is_found_by_the_seal_only() {
    let trail = trail_copy("audit-truncated");
    let (_, active) = names(trail.path());
    let mut lines = read(trail.path(), &active);
    let kept = lines.len() - 2;
    lines.truncate(kept);
    write(trail.path(), &active, &lines);
    assert_eq!(first_break(trail.path()), (BreakKind::Truncated, active, kept as u64 + 1));
    // Removing the seal too, or damaging it, is what hides a truncation: that shows instead.
    let seal = format!("{TRAIL}.seal");
    fs::write(trail.join(&seal), "x".repeat(320)).unwrap();
    assert_eq!(first_break(trail.path()), (BreakKind::SealMissing, seal.clone(), 1));
    fs::remove_file(trail.join(&seal)).unwrap();
    assert_eq!(first_break(trail.path()), (BreakKind::SealMissing, seal.clone(), 1));
    // With no file of the trail left, only the seal says there was one.
    for f in file_set(trail.path(), TRAIL) {
        fs::remove_file(trail.join(&f.name)).unwrap();
    }
    fs::write(trail.join(&seal), "x").unwrap();
    assert_eq!(first_break(trail.path()), (BreakKind::FileRemoved, TRAIL.to_owned(), 1));
    fs::remove_file(trail.join(&seal)).unwrap();
    let none = verify_with(trail.path(), &Config::new()).unwrap_err();
    assert!(none.to_string().contains("no audit trail here"), "{none}");
    assert!(!none.to_string().contains("seal "), "{none}");
    // A trail under another name: its seal is named.
    fs::write(trail.join("trail.log.seal"), "x").unwrap();
    let other = verify_with(trail.path(), &Config::new()).unwrap_err();
    assert!(
        other.to_string().ends_with("no seal; the seals of other trails here: trail.log.seal"),
        "{other}"
    );
}

/// A seal that names no record of the trail (record 0, which the writer never seals) vouches
/// for no end: the records cut from the end under it must not pass as an intact trail.
#[test]
fn a_seal_naming_no_record_of_the_trail_is_no_seal() {
    let trail = trail_copy("audit-seal-zero");
    let (_, active) = names(trail.path());
    let mut lines = read(trail.path(), &active);
    lines.truncate(lines.len() - 2);
    write(trail.path(), &active, &lines);
    forge_seal(trail.path(), 0, &[0; 32]);
    assert_eq!(first_break(trail.path()), (BreakKind::SealMissing, format!("{TRAIL}.seal"), 1));
}

/// Without the key, a forger who rewrites a record and recomputes every chain value after it
/// with plain SHA-256 passes the chain: the seal still catches it unless it is forged too. With
/// a key the rewritten chain does not verify at all.
#[test]
fn a_rewritten_chain_passes_only_without_a_key_and_without_the_seal() {
    for keyed in [false, true] {
        let name = if keyed { "audit-forged-keyed" } else { "audit-forged" };
        let copy = Scratch::new(name);
        let config =
            move || if keyed { Config::new().audit_key(AuditKey::new("k")) } else { Config::new() };
        real_trail(copy.path(), 8, config);
        let (_, active) = names(copy.path());
        let lines = read(copy.path(), &active);
        let before = file_set(copy.path(), TRAIL);
        let prev_line = read(copy.path(), &before[before.len() - 2].name).pop().unwrap();
        let mut prev = hex32(parse_line(&prev_line).unwrap()["audit_chain"].as_str().unwrap());
        let forged: Vec<String> = lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                let body = line.split(",\"audit_chain\"").next().unwrap();
                let body = if i == 0 {
                    body.replace("\"thread\":0", "\"thread\":9")
                } else {
                    body.to_owned()
                };
                prev = sha256(&[&prev[..], body.as_bytes()].concat());
                format!("{body},\"audit_chain\":\"{}\"}}", hex(&prev))
            })
            .collect();
        write(copy.path(), &active, &forged);
        let report = verify_with(copy.path(), &config()).unwrap();
        let found = report.first_break.unwrap_or_else(|| panic!("not detected (keyed: {keyed})"));
        if keyed {
            assert_eq!((found.kind, found.line), (BreakKind::Edited, 1));
        } else {
            // Only the seal disagrees, at the record it names.
            assert_eq!((found.kind, found.line), (BreakKind::Edited, lines.len() as u64));
            assert!(found.detail.contains("seal"), "{}", found.detail);
            // The seal's check detects a torn write, not a forgery: rewritten too, it agrees.
            let last = parse_line(lines.last().unwrap()).unwrap()["audit_seq"].as_u64().unwrap();
            forge_seal(copy.path(), last, &prev);
            assert!(verify(copy.path()).is_intact(), "without a key a full rewrite passes");
        }
    }
}

/// Writes a seal naming record `seq` with chain value `chain`, as a forger would from the
/// format in docs/AUDIT.md.
fn forge_seal(dir: &Path, seq: u64, chain: &[u8; 32]) {
    let text = format!("logfix-audit-seal v1 seq={seq:020} chain={}", hex(chain));
    let line = format!("{text} check={}", hex(&sha256(text.as_bytes())[..8]));
    let slot = format!("{line:<159}\n");
    fs::write(dir.join(format!("{TRAIL}.seal")), slot).unwrap();
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    // The test's own SHA-256, from the `sha256sum` tool, so that it does not share code with
    // the implementation it checks.
    let mut child =
        Command::new("sha256sum").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    hex32(String::from_utf8(out.stdout).unwrap().split_whitespace().next().unwrap())
}

fn hex32(text: &str) -> [u8; 32] {
    let mut out = [0; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |hex, b| hex + &format!("{b:02x}"))
}
