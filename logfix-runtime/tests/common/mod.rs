//! Helpers shared by the file-pipeline acceptance tests (`stress`, `multiprocess`, `faults`):
//! scratch directories, reading a file set back in rotation order, validating lines, counting
//! missing/duplicated/out-of-order sequence numbers, and re-executing the test binary as a
//! child process.

#![allow(dead_code, reason = "each test file includes this module and uses a different part of it")]
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

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use flate2::read::GzDecoder;
use serde_json::Value;

/// The keys every line must carry.
pub const MANDATORY_KEYS: [&str; 5] = ["timestamp", "level", "component", "event", "message"];

/// The environment variable that turns a child `#[test]` on; its value names the child.
pub const CHILD_ENV: &str = "TEST_LOGFIX_CHILD";

/// The event the tests emit: `thread` says who emitted it (a thread or a process), `seq` counts
/// from 0 for each emitter.
#[derive(logfix_runtime::LogEvent)]
#[log(component = "stress", message = "event {seq}")]
pub struct Seq {
    pub thread: u32,
    pub seq: u64,
}

/// A directory of its own for one test, removed (with everything in it) when dropped, also when
/// the test fails.
pub struct Scratch {
    path: PathBuf,
}

impl Scratch {
    /// `temp_dir()/logfix-test-{name}-{pid}`, empty.
    pub fn new(name: &str) -> Self {
        let path = Self::path_for(name);
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        Self { path }
    }

    /// The path `new(name)` uses, without creating it.
    pub fn path_for(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("logfix-test-{name}-{}", std::process::id()))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn join(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.path.join(rel)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// One file of a file set, as found in the directory.
#[derive(Debug)]
pub struct LogFile {
    pub name: String,
    pub compressed: bool,
    /// `None` for the active file.
    pub rotated: Option<Rotated>,
}

/// A rotated file's number, which orders it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rotated {
    pub seq: u64,
}

/// Parses `name` as a member of the file set of `file`: the active file, or
/// `file.<number of 8 or more digits>[.gz]`. `None` for anything else (lock files,
/// temporaries, strangers).
pub fn classify(file: &str, name: &str) -> Option<LogFile> {
    if name == file {
        return Some(LogFile { name: name.to_owned(), compressed: false, rotated: None });
    }
    let (stem, compressed) = match name.strip_suffix(".gz") {
        Some(stem) => (stem, true),
        None => (name, false),
    };
    let digits = stem.strip_prefix(file)?.strip_prefix('.')?;
    let shaped = digits.len() >= 8 && digits.bytes().all(|b| b.is_ascii_digit());
    shaped.then(|| LogFile {
        name: name.to_owned(),
        compressed,
        rotated: Some(Rotated { seq: digits.parse().unwrap() }),
    })
}

/// The names in `dir` that are not part of the file set of `file` (nor its lock file).
pub fn strangers(dir: &Path, file: &str) -> Vec<String> {
    let lock = format!(".{file}.lock");
    names(dir).into_iter().filter(|n| *n != lock && classify(file, n).is_none()).collect()
}

/// Every name in `dir`, sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

/// The file set of `file` in `dir`, oldest first: rotated files by number, then the
/// active file.
pub fn file_set(dir: &Path, file: &str) -> Vec<LogFile> {
    let mut set: Vec<LogFile> = names(dir).iter().filter_map(|n| classify(file, n)).collect();
    // `None` (the active file) must sort last, hence the `is_none` first.
    set.sort_by(|a, b| (a.rotated.is_none(), &a.rotated).cmp(&(b.rotated.is_none(), &b.rotated)));
    set
}

/// The text of a log file, decompressed when it ends in `.gz`.
pub fn read_text(path: &Path) -> String {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "gz") {
        let mut text = String::new();
        GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("{}: not valid gzip: {e}", path.display()));
        text
    } else {
        String::from_utf8(bytes).unwrap_or_else(|e| panic!("{}: not UTF-8: {e}", path.display()))
    }
}

/// The lines of a file set, oldest file first, with the file each comes from.
pub fn read_set(dir: &Path, file: &str) -> Vec<(String, String)> {
    file_set(dir, file)
        .into_iter()
        .map(|f| {
            let text = read_text(&dir.join(&f.name));
            (f.name, text)
        })
        .collect()
}

/// Lines that are not a JSON object with every mandatory key, with a reason each.
#[derive(Debug, Default)]
pub struct Corrupt(pub Vec<String>);

/// Parses one line; `Err` says why it is corrupt.
pub fn parse_line(line: &str) -> Result<serde_json::Map<String, Value>, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("{e}: {line:.200}"))?;
    let Value::Object(map) = value else {
        return Err(format!("not an object: {line:.200}"));
    };
    if let Some(key) = MANDATORY_KEYS.iter().find(|k| !map.contains_key(**k)) {
        return Err(format!("no `{key}`: {line:.200}"));
    }
    Ok(map)
}

/// Parses every line of `text` (which must end with a line end unless empty), collecting the
/// corrupt ones instead of failing on the first.
pub fn parse_text(
    origin: &str,
    text: &str,
    corrupt: &mut Corrupt,
) -> Vec<serde_json::Map<String, Value>> {
    if !text.is_empty() && !text.ends_with('\n') {
        corrupt.0.push(format!("{origin}: does not end with a line end"));
    }
    text.lines()
        .filter_map(|line| {
            parse_line(line).map_err(|e| corrupt.0.push(format!("{origin}: {e}"))).ok()
        })
        .collect()
}

/// Checks the `Seq` events of several emitters: each `(thread, seq)` once, in order.
pub struct SeqCheck {
    expected: Vec<u64>,
    seen: Vec<Vec<bool>>,
    last: Vec<Option<u64>>,
    pub duplicated: Vec<(u32, u64)>,
    pub out_of_order: Vec<(u32, u64, u64)>,
    pub unknown: Vec<String>,
}

impl SeqCheck {
    /// `per_emitter[t]` events expected from emitter `t`, numbered from 0.
    pub fn new(per_emitter: &[u64]) -> Self {
        Self {
            expected: per_emitter.to_vec(),
            seen: per_emitter.iter().map(|n| vec![false; usize::try_from(*n).unwrap()]).collect(),
            last: vec![None; per_emitter.len()],
            duplicated: Vec::new(),
            out_of_order: Vec::new(),
            unknown: Vec::new(),
        }
    }

    /// Records one line, if it is a `Seq` event; returns whether it was one.
    pub fn record(&mut self, line: &serde_json::Map<String, Value>) -> bool {
        if line["component"] != "stress" || line["event"] != "seq" {
            return false;
        }
        let thread = line.get("thread").and_then(Value::as_u64);
        let seq = line.get("seq").and_then(Value::as_u64);
        let (Some(thread), Some(seq)) = (thread, seq) else {
            self.unknown.push(format!("{line:?}"));
            return true;
        };
        let t = usize::try_from(thread).unwrap();
        let Some(slot) =
            self.seen.get_mut(t).and_then(|s| s.get_mut(usize::try_from(seq).unwrap()))
        else {
            self.unknown.push(format!("thread {thread} seq {seq}"));
            return true;
        };
        let thread = u32::try_from(thread).unwrap();
        if *slot {
            self.duplicated.push((thread, seq));
        }
        *slot = true;
        if let Some(last) = self.last[t] {
            if seq <= last {
                self.out_of_order.push((thread, last, seq));
            }
        }
        self.last[t] = Some(seq);
        true
    }

    /// The `(thread, seq)` pairs never seen, at most `limit` of them, and how many in all.
    pub fn missing(&self, limit: usize) -> (Vec<(u32, u64)>, u64) {
        let mut some = Vec::new();
        let mut count = 0;
        for (t, seen) in self.seen.iter().enumerate() {
            for (s, seen) in seen.iter().enumerate() {
                if !seen {
                    count += 1;
                    if some.len() < limit {
                        some.push((u32::try_from(t).unwrap(), s as u64));
                    }
                }
            }
        }
        (some, count)
    }

    /// Fails with a summary unless every expected event was seen exactly once and in order.
    pub fn assert_complete(&self) {
        self.assert_seen(true);
    }

    /// Fails with a summary unless every expected event was seen exactly once, in any order
    /// (a log shipper may reorder lines).
    pub fn assert_once(&self) {
        self.assert_seen(false);
    }

    fn assert_seen(&self, in_order: bool) {
        let (missing, missing_count) = self.missing(10);
        let total: u64 = self.expected.iter().sum();
        assert!(
            missing_count == 0
                && self.duplicated.is_empty()
                && (self.out_of_order.is_empty() || !in_order)
                && self.unknown.is_empty(),
            "of {total} events: {missing_count} missing (first: {missing:?}), {} duplicated \
             (first: {:?}), {} out of order (first: {:?}), {} unexpected (first: {:?})",
            self.duplicated.len(),
            self.duplicated.iter().take(10).collect::<Vec<_>>(),
            self.out_of_order.len(),
            self.out_of_order.iter().take(10).collect::<Vec<_>>(),
            self.unknown.len(),
            self.unknown.iter().take(3).collect::<Vec<_>>(),
        );
    }
}

/// What reading a whole file set back found.
pub struct Readback {
    pub seqs: SeqCheck,
    /// logfix's own lines (`"component":"logfix"`), in file order.
    pub logfix: Vec<serde_json::Map<String, Value>>,
    /// Every line that is neither a `Seq` event nor logfix's own.
    pub others: Vec<String>,
    pub corrupt: Corrupt,
    /// The first line of the oldest file.
    pub first: Option<serde_json::Map<String, Value>>,
    pub lines: u64,
    /// The largest rotated file, uncompressed: its name and length in bytes.
    pub largest_rotated: Option<(String, u64)>,
}

/// Reads every file of the set (decompressing `.gz`), oldest first, and checks every line.
pub fn read_back(dir: &Path, file: &str, per_emitter: &[u64]) -> Readback {
    let mut back = Readback {
        seqs: SeqCheck::new(per_emitter),
        logfix: Vec::new(),
        others: Vec::new(),
        corrupt: Corrupt::default(),
        first: None,
        lines: 0,
        largest_rotated: None,
    };
    for f in file_set(dir, file) {
        let text = read_text(&dir.join(&f.name));
        let len = text.len() as u64;
        if f.rotated.is_some() && back.largest_rotated.as_ref().is_none_or(|(_, l)| *l < len) {
            back.largest_rotated = Some((f.name.clone(), len));
        }
        for line in parse_text(&f.name, &text, &mut back.corrupt) {
            back.lines += 1;
            if back.first.is_none() {
                back.first = Some(line.clone());
            }
            if back.seqs.record(&line) {
                continue;
            }
            if line["component"] == "logfix" {
                back.logfix.push(line);
            } else {
                back.others.push(format!("{line:?}"));
            }
        }
    }
    back
}

impl Readback {
    /// No corrupt, missing, duplicated, out-of-order or foreign lines.
    pub fn assert_clean(&self) {
        assert!(
            self.corrupt.0.is_empty(),
            "{} corrupt lines, first: {:?}",
            self.corrupt.0.len(),
            &self.corrupt.0[..self.corrupt.0.len().min(5)]
        );
        self.seqs.assert_complete();
        assert!(self.others.is_empty(), "unexpected lines: {:?}", self.others);
    }

    /// Fails if a rotated file is larger than `bound`: the sign of lines appended to a file
    /// after it was rotated.
    pub fn assert_rotated_at_most(&self, bound: u64) {
        if let Some((name, len)) = &self.largest_rotated {
            assert!(len <= &bound, "{name} holds {len} bytes, more than {bound}");
        }
    }

    /// logfix's own lines with `"event":event`.
    pub fn logfix_events(&self, event: &str) -> Vec<&serde_json::Map<String, Value>> {
        self.logfix.iter().filter(|l| l["event"] == event).collect()
    }
}

/// Runs the `#[test]` named `test` of this test binary as a child process, with `CHILD_ENV` set
/// to `test` and the given extra environment, and waits for it.
pub fn run_child(test: &str, envs: &[(&str, &std::ffi::OsStr)]) -> Output {
    child_command(test, envs).output().unwrap()
}

/// The command `run_child` runs, for callers that spawn several children before waiting.
pub fn child_command(test: &str, envs: &[(&str, &std::ffi::OsStr)]) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args(["--exact", test, "--nocapture", "--test-threads=1"]).env(CHILD_ENV, test);
    for (k, v) in envs {
        command.env(k, v);
    }
    command
}

/// Whether this process is the child `test`: the child tests do nothing otherwise.
pub fn is_child(test: &str) -> bool {
    std::env::var_os(CHILD_ENV).is_some_and(|v| v == test)
}

/// Fails with the child's output unless it exited with status 0.
pub fn assert_success(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} exited with {}\n--- stdout ---\n{}\n--- stderr (last 4000 bytes) ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        tail(&String::from_utf8_lossy(&output.stderr), 4000),
    );
}

fn tail(text: &str, n: usize) -> &str {
    let mut start = text.len().saturating_sub(n);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// A child reports values to its parent as `child-report key=value ...` on stdout; this finds
/// them.
pub fn child_report(output: &Output) -> BTreeMap<String, String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        // The harness may have printed `test NAME ... ` on the same line first.
        .filter_map(|l| l.split_once("child-report ").map(|(_, report)| report))
        .flat_map(|l| l.split_whitespace())
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Prints metrics in the form `child_report` reads.
pub fn report_metrics(m: &logfix_runtime::MetricsSnapshot) {
    println!(
        "child-report lines_written={} write_errors={} stderr_lines={} lost_lines={} dropped={} \
         rotations={} compressions={}",
        m.lines_written,
        m.write_errors,
        m.stderr_lines,
        m.lost_lines,
        m.dropped,
        m.rotations,
        m.compressions
    );
}

/// The number of a child report's `key`.
pub fn reported(report: &BTreeMap<String, String>, key: &str) -> u64 {
    report
        .get(key)
        .unwrap_or_else(|| panic!("the child did not report `{key}`: {report:?}"))
        .parse()
        .unwrap()
}

/// Emits `Seq { thread, seq }` for `seq` in `0..per_thread` from each of `threads` threads.
pub fn emit_from_threads(logger: &logfix_runtime::Logger, threads: u32, per_thread: u64) {
    std::thread::scope(|s| {
        for thread in 0..threads {
            s.spawn(move || {
                for seq in 0..per_thread {
                    logger.emit(&Seq { thread, seq });
                }
            });
        }
    });
}
