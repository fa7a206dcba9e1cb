//! Real log shippers following a file that two logfix processes write and rotate (256 KiB,
//! gzip) for about half a minute: every line must be received exactly once, whole, and parsed
//! as JSON.
//!
//! Each test starts the shipper itself, with a configuration written into the test's scratch
//! directory (with the pid file, the shipper's state and its output), never the system's: the
//! part that reads and parses the log is taken verbatim from docs/SHIPPING.md (the block after
//! `<!-- shippers.rs: NAME -->`), so the documented configuration is the tested one; the test
//! adds only its outputs, two files. Run as root, the shipper runs as `nobody` in the root
//! group, as a shipper reading a service's logs through the service's group would.
//!
//! The tests are `#[ignore]`d: they need the shippers, and Debian's rsyslog and syslog-ng
//! packages conflict (both provide `system-log-daemon`). `.ci/run` installs one, runs its test,
//! then the other:
//!
//! ```sh
//! apt-get install -y rsyslog && cargo test -p logfix-runtime --test shippers -- --ignored rsyslog
//! ```
//!
//! Each shipper is tested with lines in logfix's schema and in the Elastic Common Schema
//! (`LOGFIX_SCHEMA=ecs`), whose lines the same documented configurations pass through.

#![cfg(target_os = "linux")]
#![allow(unsafe_code, reason = "kill() has no safe std API for a signal other than SIGKILL")]
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
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use common::{
    assert_success, child_command, child_report, is_child, parse_line, report_metrics, reported,
    Scratch, SeqCheck,
};
use logfix_runtime::{Compression, Config, LogEvent, Schema};
use logfix_testkit::{validate_line_as, LineSchema};
use serde_json::{Map, Value};

/// Processes writing the file together.
const PROCESSES: u32 = 2;
/// Events each process writes.
const EVENTS: u64 = 15_000;
/// Events per second of each process: with lines of about 150 bytes, a rotation every second
/// or two, well apart for a shipper that looks for one every second (syslog-ng).
const RATE: u64 = 600;
/// The rotation size. ECS lines are about 1.6 times as long: their files are twice as large,
/// so that rotations stay as far apart as docs/SHIPPING.md asks for syslog-ng (about a second).
const ROTATE_AT: u64 = 256 * 1024;
const ROTATE_AT_ECS: u64 = 2 * ROTATE_AT;
/// Every `LONG_EVERY`-th event carries `LONG_PAD` bytes more, which logfix cuts to
/// `LOGFIX_MAX_LINE` (64 KiB by default): eight times rsyslog's default message size.
const LONG_EVERY: u64 = 2_000;
const LONG_PAD: usize = 80 * 1024;
/// How long the shipper may take for what the test waits for. Only a broken build gets near
/// it: it is not what the test measures.
const DEADLINE: Duration = Duration::from_secs(120);

/// The path the documented configurations read, replaced by the test's.
const DOCUMENTED_LOG: &str = "/srv/app/logs/app.log";

/// The directory a child logs to.
const DIR_ENV: &str = "TEST_LOGFIX_DIR";
/// Which writer a child is: its `thread` field.
const INDEX_ENV: &str = "TEST_LOGFIX_INDEX";
/// `ecs` when a child writes ECS lines.
const SCHEMA_ENV: &str = "TEST_LOGFIX_SCHEMA";

/// The event the writers emit: `common::SeqCheck` reads `thread` and `seq`; `pad` makes some
/// lines long.
#[derive(LogEvent)]
#[log(component = "stress", event = "seq", message = "event {seq}")]
struct PaddedSeq<'a> {
    thread: u32,
    seq: u64,
    pad: &'a str,
}

/// The child: opens the log (its `logging_started` line is the shipper's first), waits for a
/// line on stdin, then writes `EVENTS` events at `RATE` per second, shuts down and reports its
/// metrics.
#[test]
fn child_paced_writer() {
    if !is_child("child_paced_writer") {
        return;
    }
    let dir = PathBuf::from(std::env::var_os(DIR_ENV).unwrap());
    let thread: u32 = std::env::var(INDEX_ENV).unwrap().parse().unwrap();
    let ecs = std::env::var(SCHEMA_ENV).is_ok_and(|schema| schema == "ecs");
    let logger = Config::new()
        .schema(if ecs { Schema::Ecs } else { Schema::Logfix })
        .dir(dir)
        .file("app.log")
        .max_file_size(if ecs { ROTATE_AT_ECS } else { ROTATE_AT })
        .compression(Compression::Gzip)
        .build();
    let mut go = String::new();
    if std::io::stdin().read_line(&mut go).unwrap() == 0 {
        return; // the test failed before it started the writers
    }
    let long = "x".repeat(LONG_PAD);
    let start = Instant::now();
    for seq in 0..EVENTS {
        let pad = if seq % LONG_EVERY == LONG_EVERY - 1 { long.as_str() } else { "" };
        logger.emit(&PaddedSeq { thread, seq, pad });
        // The pace of a steady service, not a wait for anything.
        if seq % 100 == 99 {
            let due = start + Duration::from_micros((seq + 1) * 1_000_000 / RATE);
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
        }
    }
    logger.shutdown();
    let m = logger.metrics();
    assert_eq!((m.lost_lines, m.write_errors, m.stderr_lines, m.dropped), (0, 0, 0, 0), "{m:?}");
    report_metrics(&m);
}

#[test]
#[ignore = "needs rsyslogd (Debian's rsyslog); .ci/run installs it"]
fn rsyslog_ships_every_line_once_across_rotations() {
    ships_every_line_once(Shipper::Rsyslog, LineSchema::Logfix);
}

#[test]
#[ignore = "needs rsyslogd (Debian's rsyslog); .ci/run installs it"]
fn rsyslog_ships_every_ecs_line_once_across_rotations() {
    ships_every_line_once(Shipper::Rsyslog, LineSchema::Ecs);
}

#[test]
#[ignore = "needs syslog-ng (Debian's syslog-ng-core); .ci/run installs it"]
fn syslog_ng_ships_every_line_once_across_rotations() {
    ships_every_line_once(Shipper::SyslogNg, LineSchema::Logfix);
}

#[test]
#[ignore = "needs syslog-ng (Debian's syslog-ng-core); .ci/run installs it"]
fn syslog_ng_ships_every_ecs_line_once_across_rotations() {
    ships_every_line_once(Shipper::SyslogNg, LineSchema::Ecs);
}

#[derive(Clone, Copy, Debug)]
enum Shipper {
    Rsyslog,
    SyslogNg,
}

/// Where one test keeps what it writes.
struct Paths {
    scratch: Scratch,
    /// The log directory the writers share.
    logs: PathBuf,
    /// The shipper's own directory: configuration, pid file, state, diagnostics, output.
    shipper: PathBuf,
}

impl Paths {
    fn new(name: &str) -> Self {
        let scratch = Scratch::new(&format!("shipper-{name}"));
        let (logs, shipper) = (scratch.join("logs"), scratch.join("shipper"));
        fs::create_dir(&shipper).unwrap();
        Self { scratch, logs, shipper }
    }

    fn at(&self, name: &str) -> PathBuf {
        self.shipper.join(name)
    }

    /// The lines that were parsed, as the shipper forwards them.
    fn shipped(&self) -> PathBuf {
        self.at("shipped.log")
    }

    /// The lines that were not JSON.
    fn unparsed(&self) -> PathBuf {
        self.at("unparsed.log")
    }
}

impl Shipper {
    fn name(self) -> &'static str {
        match self {
            Self::Rsyslog => "rsyslog",
            Self::SyslogNg => "syslog-ng",
        }
    }

    fn program(self) -> &'static str {
        match self {
            Self::Rsyslog => "rsyslogd",
            Self::SyslogNg => "syslog-ng",
        }
    }

    /// The whole configuration: the documented block, reading the test's log, and the test's
    /// outputs, which write each line as the shipper received it.
    fn config(self, documented: &str, paths: &Paths) -> String {
        let (shipped, unparsed) = (paths.shipped(), paths.unparsed());
        let (shipped, unparsed) = (shipped.display(), unparsed.display());
        match self {
            Self::Rsyslog => format!(
                r#"global(workDirectory="{state}" processInternalMessages="on")
*.* action(type="omfile" file="{internal}")
{documented}
template(name="test_line" type="string" string="%msg%\n")
ruleset(name="logfix_ship") {{ action(type="omfile" file="{shipped}" template="test_line") }}
ruleset(name="logfix_unparsed") {{ action(type="omfile" file="{unparsed}" template="test_line") }}
"#,
                state = paths.shipper.display(),
                internal = paths.at("internal.log").display(),
            ),
            Self::SyslogNg => format!(
                r#"@version: 3.38
{documented}
destination d_logfix_ship {{ file("{shipped}" template("${{MSG}}\n")); }};
destination d_logfix_unparsed {{ file("{unparsed}" template("${{MSG}}\n")); }};
"#
            ),
        }
    }

    /// The shipper's own check of a configuration file.
    fn check(self, config: &Path) -> Command {
        let mut command = Command::new(self.program());
        match self {
            Self::Rsyslog => command.args(["-N1", "-f"]),
            Self::SyslogNg => command.args(["--syntax-only", "-f"]),
        };
        command.arg(config);
        command
    }

    /// The shipper in the foreground, with every file it writes in `paths.shipper`.
    fn command(self, config: &Path, paths: &Paths) -> Command {
        let mut command = Command::new(self.program());
        match self {
            Self::Rsyslog => command.args(["-n", "-i"]).arg(paths.at("pid")),
            Self::SyslogNg => command
                .args(["--foreground", "--stderr", "--no-caps", "--pidfile"])
                .arg(paths.at("pid"))
                .arg("--persist-file")
                .arg(paths.at("persist"))
                .arg("--control")
                .arg(paths.at("ctl")),
        };
        command.arg("-f").arg(config);
        command
    }
}

/// The block of docs/SHIPPING.md after `<!-- shippers.rs: NAME -->`, reading `log` instead of
/// the documented path.
fn documented_config(name: &str, log: &Path) -> String {
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/SHIPPING.md");
    let doc = fs::read_to_string(&doc).unwrap_or_else(|e| panic!("{}: {e}", doc.display()));
    let marker = format!("<!-- shippers.rs: {name} -->");
    let after = doc.split_once(&marker).unwrap_or_else(|| panic!("no `{marker}` in SHIPPING.md")).1;
    let block = after.trim_start().strip_prefix("```").unwrap();
    let block = &block[block.find('\n').unwrap() + 1..];
    let block = &block[..block.find("```").unwrap()];
    assert!(block.contains(DOCUMENTED_LOG), "the {name} block reads {DOCUMENTED_LOG}");
    block.replace(DOCUMENTED_LOG, log.to_str().unwrap())
}

fn ships_every_line_once(shipper: Shipper, schema: LineSchema) {
    // Two instances of a shipper side by side disturb each other (non-JSON and unexpected lines
    // in their outputs): one test at a time.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let paths = Paths::new(shipper.name());
    let log = paths.logs.join("app.log");
    let config = paths.at("shipper.conf");
    fs::write(&config, shipper.config(&documented_config(shipper.name(), &log), &paths)).unwrap();
    let check = shipper.check(&config).output().unwrap();
    assert_success(&check, &format!("{} checking {}", shipper.name(), config.display()));

    let output = fs::File::create(paths.at("output.log")).unwrap();
    let mut command = shipper.command(&config, &paths);
    command.stdin(Stdio::null()).stdout(output.try_clone().unwrap()).stderr(output);
    unprivileged(&mut command, &paths);
    let mut running = Running { child: command.spawn().unwrap(), paths: &paths };
    let mut received = Received::new(paths.shipped(), schema);

    // The writers open the log; once the shipper has shipped both `logging_started` lines it
    // follows the file, and the writers start.
    let mut writers = start_writers(&paths.logs, schema);
    let following = running.wait_for(|| {
        received.read_new();
        received.started >= PROCESSES as usize
    });
    assert!(following, "no logging_started line in {DEADLINE:?}\n{}", running.diagnostics());
    let start = Instant::now();
    for writer in &mut writers.0 {
        writer.stdin.take().unwrap().write_all(b"go\n").unwrap();
    }
    let (mut rotations, mut compressions) = (0, 0);
    for i in 0..PROCESSES {
        let output = writers.0.remove(0).wait_with_output().unwrap();
        assert_success(&output, &format!("writer {i}"));
        let report = child_report(&output);
        rotations += reported(&report, "rotations");
        compressions += reported(&report, "compressions");
    }
    let written = start.elapsed();
    // Until every line is there, or something is wrong already.
    let complete = running.wait_for(|| {
        received.read_new();
        received.seqs.missing(0).1 == 0 || received.is_wrong() || paths.unparsed().exists()
    });
    let delivered = start.elapsed();
    // A clean stop, so that anything the shipper would still send (a duplicate) is counted.
    running.stop();
    received.read_new();
    if !complete {
        // Whole files missing (a rotation the shipper did not follow) show as long runs.
        println!("{}\nmissing runs (writer, first, last): {:?}", running.diagnostics(), {
            let mut runs: Vec<(u32, u64, u64)> = Vec::new();
            for (t, s) in received.seqs.missing(usize::MAX).0 {
                match runs.last_mut() {
                    Some(run) if run.0 == t && run.2 + 1 == s => run.2 = s,
                    _ => runs.push((t, s, s)),
                }
            }
            runs
        });
    }

    let unparsed = fs::read_to_string(paths.unparsed()).unwrap_or_default();
    let first = unparsed.lines().next().unwrap_or_default();
    assert!(
        unparsed.is_empty(),
        "{} lines were not JSON, the first: {first:.300} ({} bytes)",
        unparsed.lines().count(),
        first.len()
    );
    assert!(received.partial.is_empty(), "the output ends in a partial line");
    assert!(received.corrupt.is_empty(), "corrupt lines: {:?}", received.corrupt);
    assert!(received.others.is_empty(), "unexpected lines: {:?}", received.others);
    assert_eq!(received.started, PROCESSES as usize, "one logging_started per writer");
    received.seqs.assert_once();
    // The test did what it says.
    assert!(rotations >= 10, "{rotations} rotations");
    assert!(compressions > 0, "{compressions} compressions");
    println!(
        "{}: {} lines (the longest {} bytes) from {PROCESSES} processes, {rotations} rotations, \
         {compressions} compressed, written in {:.1} s, all shipped after {:.1} s",
        shipper.name(),
        received.lines,
        received.longest,
        written.as_secs_f64(),
        delivered.as_secs_f64(),
    );
}

/// The writers not waited for yet: killed if the test fails, so that none goes on writing
/// into a removed scratch directory.
struct Writers(Vec<Child>);

impl Drop for Writers {
    fn drop(&mut self) {
        for writer in &mut self.0 {
            let _ = writer.kill();
            let _ = writer.wait();
        }
    }
}

/// Starts the writers; each waits for a line on its stdin before it writes its events.
fn start_writers(dir: &Path, schema: LineSchema) -> Writers {
    let schema = OsStr::new(if schema == LineSchema::Ecs { "ecs" } else { "logfix" });
    Writers(
        (0..PROCESSES)
            .map(|i| {
                let index = i.to_string();
                child_command(
                    "child_paced_writer",
                    &[
                        (DIR_ENV, dir.as_os_str()),
                        (INDEX_ENV, OsStr::new(&index)),
                        (SCHEMA_ENV, schema),
                    ],
                )
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
            })
            .collect(),
    )
}

/// The user id of `nobody`.
const NOBODY: u32 = 65_534;

/// Run as root (CI), the shipper runs as `nobody` in group 0, the writers' group: it reads the
/// log through the group (files `0640`, directories `0750`), as a shipper with its own user in
/// the service's group does, and writes only its own directory.
fn unprivileged(command: &mut Command, paths: &Paths) {
    if fs::metadata(paths.scratch.path()).unwrap().uid() != 0 {
        return; // not root: unprivileged already
    }
    std::os::unix::fs::chown(&paths.shipper, Some(NOBODY), Some(0)).unwrap();
    command.uid(NOBODY).gid(0);
}

/// The shipper's process: killed if the test fails before it is stopped.
struct Running<'a> {
    child: Child,
    paths: &'a Paths,
}

impl Running<'_> {
    /// Polls `done` until it holds (true) or `DEADLINE` passes (false); fails, with the
    /// shipper's diagnostics, if the shipper exits.
    fn wait_for(&mut self, mut done: impl FnMut() -> bool) -> bool {
        let start = Instant::now();
        while !done() {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("the shipper exited: {status}\n{}", self.diagnostics());
            }
            if start.elapsed() > DEADLINE {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        true
    }

    /// Stops the shipper with SIGTERM, as a service manager does, and waits for it.
    fn stop(&mut self) {
        let pid = i32::try_from(self.child.id()).unwrap();
        // SAFETY: kill(2) takes two integers and touches no memory of this process.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        let start = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            assert!(start.elapsed() < DEADLINE, "the shipper did not stop\n{}", self.diagnostics());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What the shipper said on stdout and stderr, and rsyslog's own messages.
    fn diagnostics(&self) -> String {
        ["output.log", "internal.log"]
            .map(|name| {
                let text = fs::read_to_string(self.paths.at(name)).unwrap_or_default();
                format!("--- {name} ---\n{text:.4000}\n")
            })
            .concat()
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the shipper has written so far, read as it grows.
struct Received {
    path: PathBuf,
    /// The schema the lines are in.
    schema: LineSchema,
    offset: u64,
    /// The bytes after the last line end.
    partial: Vec<u8>,
    seqs: SeqCheck,
    /// `logging_started` lines.
    started: usize,
    /// Other lines of logfix, or of no one we know.
    others: Vec<String>,
    corrupt: Vec<String>,
    lines: u64,
    /// The longest line, in bytes.
    longest: usize,
}

impl Received {
    fn new(path: PathBuf, schema: LineSchema) -> Self {
        Self {
            path,
            schema,
            offset: 0,
            partial: Vec::new(),
            seqs: SeqCheck::new(&[EVENTS; PROCESSES as usize]),
            started: 0,
            others: Vec::new(),
            corrupt: Vec::new(),
            lines: 0,
            longest: 0,
        }
    }

    fn is_wrong(&self) -> bool {
        !(self.corrupt.is_empty() && self.others.is_empty() && self.seqs.duplicated.is_empty())
    }

    /// Reads what was added since the last call.
    fn read_new(&mut self) {
        let Ok(mut file) = fs::File::open(&self.path) else { return };
        file.seek(SeekFrom::Start(self.offset)).unwrap();
        let mut bytes = std::mem::take(&mut self.partial);
        self.offset += file.read_to_end(&mut bytes).unwrap() as u64;
        let end = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        self.partial = bytes.split_off(end);
        for line in String::from_utf8(bytes).unwrap().lines() {
            self.lines += 1;
            self.longest = self.longest.max(line.len());
            match self.parse(line) {
                Err(e) => self.corrupt.push(e),
                Ok(line) if self.seqs.record(&line) => {}
                Ok(line) if line["component"] == "logfix" && line["event"] == "logging_started" => {
                    self.started += 1;
                }
                Ok(line) => self.others.push(format!("{line:?}")),
            }
        }
    }

    /// `line` checked against its schema, as the keys the checks read: an ECS line's
    /// `log.logger`, `event.action` and `logfix.fields` as `component`, `event` and the fields.
    fn parse(&self, line: &str) -> Result<Map<String, Value>, String> {
        if self.schema == LineSchema::Logfix {
            return parse_line(line);
        }
        let ecs =
            validate_line_as(line, LineSchema::Ecs).map_err(|e| format!("{e}: {line:.200}"))?;
        let mut map = match ecs.get("logfix").and_then(|l| l.get("fields")) {
            Some(Value::Object(fields)) => fields.clone(),
            _ => Map::new(),
        };
        map.insert("component".into(), ecs.get("log.logger").cloned().unwrap_or_default());
        map.insert("event".into(), ecs.get("event.action").cloned().unwrap_or_default());
        Ok(map)
    }
}
