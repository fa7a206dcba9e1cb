//! The file sink: appends batches of lines to the active file, rotates it when full, and falls
//! back to stderr while the file cannot be written or rotated.
//!
//! Several processes may share one file. Each appends with `O_APPEND` (so concurrent writes
//! never overwrite each other) while holding a shared lock on `.app.log.lock`, and checks under
//! that lock that `app.log` is still the file it has open. A rotation takes the lock
//! exclusively, so it never happens in the middle of another process's write, and a process
//! that finds the file rotated reopens it before writing. No line is lost, duplicated or split
//! between processes. Rotations of all the processes are numbered by a counter in the lock
//! file, and each enforces retention before it releases the lock: the rotated files never
//! outnumber `max_files` by more than the one being rotated.
//!
//! The active file never grows past `max_file_size` (except by a single line longer than
//! that, written whole into a fresh file): when it cannot be rotated, lines go to stderr until
//! a rotation succeeds.

use std::collections::BTreeMap;
use std::fs::{self, File, Metadata};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

use super::compress::{self, GzipCompressor, Outcome, FINISH_TIMEOUT};
use super::dir::{self, LogDir, Placement};
use super::rotate::{self, Retention, RotatedSet};
use super::{OsTime, TimeSource};
use crate::clock::later;
use crate::config::{Compression, Schema, Settings};
use crate::event::notice::{self, Notice};
use crate::metrics::Metrics;
use crate::sink::stderr::write_lines as write_stderr_lines;

/// Longest wait between two retries.
const MAX_RETRY: Duration = Duration::from_secs(30);
/// How often the directory is read again and retention enforced without a rotation: other
/// processes and operators change the directory too, and `LOGFIX_MAX_AGE` applies to a quiet
/// service as well.
const RESCAN_INTERVAL: Duration = Duration::from_secs(600);
/// Largest write: large enough to amortise the lock and `stat`, small enough to rotate close
/// to the configured size.
const MAX_CHUNK: usize = 256 * 1024;
/// The key added to a line written whole to stderr after part of it reached the file.
const RETRY_MARK: &[u8] = b",\"logfix_retry\":true}\n";

pub(crate) struct FileSink {
    dir: LogDir,
    name: String,
    path: PathBuf,
    file: Option<File>,
    identity: Option<(u64, u64)>,
    lock: Option<Arc<File>>,
    max_size: u64,
    chunk: usize,
    retention: Retention,
    rotated: RotatedSet,
    first_retry: Duration,
    compressor: Option<GzipCompressor>,
    /// Reports of the compression thread.
    outcomes: Receiver<Outcome>,
    /// Compressions that failed, by rotated file: when to try again.
    retries: BTreeMap<u64, Retry>,
    metrics: Arc<Metrics>,
    notices: Vec<Notice>,
    failure: Option<Failure>,
    /// When the directory is next read again.
    rescan_at: Instant,
    time: Arc<dyn TimeSource>,
    /// The schema of the lines written, for the mark of a line retried on stderr.
    schema: Schema,
}

/// When to try something again, and how long to wait after that if it fails again.
#[derive(Debug, Clone, Copy)]
struct Backoff {
    at: Instant,
    wait: Duration,
}

impl Backoff {
    fn first(now: Instant, wait: Duration) -> Self {
        let wait = wait.min(MAX_RETRY);
        Self { at: later(now, wait), wait }
    }

    fn next(self, now: Instant) -> Self {
        Self::first(now, self.wait.saturating_mul(2))
    }
}

struct Retry {
    backoff: Backoff,
    path: PathBuf,
    /// Submitted again, the outcome not back yet.
    queued: bool,
}

struct Failure {
    since: Instant,
    retry: Backoff,
    lines_to_stderr: u64,
}

/// Why a chunk did not reach the file, and how much of it did.
struct Failed {
    written: usize,
    rotation: bool,
    error: io::Error,
}

impl Failed {
    fn write(written: usize) -> impl FnOnce(io::Error) -> Failed {
        move |error| Failed { written, rotation: false, error }
    }
}

impl FileSink {
    /// Opens the file in the first usable directory, finishes what a crash left behind, and
    /// reports where it writes. `None` means stderr.
    pub(crate) fn open(
        settings: &Settings,
        metrics: &Arc<Metrics>,
    ) -> (Option<FileSink>, Placement) {
        Self::open_with(settings, metrics, Arc::new(OsTime))
    }

    pub(crate) fn open_with(
        settings: &Settings,
        metrics: &Arc<Metrics>,
        time: Arc<dyn TimeSource>,
    ) -> (Option<FileSink>, Placement) {
        let (opened, fallbacks) = dir::open_first(&dir::candidates(settings), &settings.file);
        let Some((dir, file)) = opened else {
            return (None, Placement { dir: None, fallbacks });
        };
        let (report, outcomes) = crossbeam_channel::unbounded();
        let mut notices = Vec::new();
        let compressor = match settings.compression {
            Compression::Gzip => {
                let backlog = usize::try_from(settings.max_files).unwrap_or(usize::MAX);
                let lock = dir.join(&lock_name(&settings.file));
                let spawned = GzipCompressor::spawn(
                    Arc::clone(metrics),
                    report,
                    settings.file_mode,
                    backlog,
                    lock,
                );
                if spawned.is_none() {
                    notices.push(Notice::new(
                        &notice::ROTATION_FAILED,
                        "the compression thread could not be started: rotated files stay uncompressed",
                    ));
                }
                spawned
            }
            Compression::None => None,
        };
        let now = time.monotonic();
        let mut sink = FileSink {
            path: dir.join(&settings.file),
            lock: dir.open_lock(&lock_name(&settings.file)).ok().map(Arc::new),
            dir: dir.clone(),
            name: settings.file.clone(),
            identity: file.metadata().ok().as_ref().and_then(identity),
            file: Some(file),
            max_size: settings.max_file_size,
            chunk: usize::try_from(settings.max_file_size / 4)
                .unwrap_or(MAX_CHUNK)
                .clamp(1, MAX_CHUNK),
            retention: Retention {
                max_files: settings.max_files,
                max_age: settings.max_age,
                max_total_size: settings.max_total_size,
            },
            rotated: RotatedSet::default(),
            first_retry: settings.retry_after,
            schema: settings.schema,
            compressor,
            outcomes,
            retries: BTreeMap::new(),
            metrics: Arc::clone(metrics),
            notices,
            failure: None,
            rescan_at: now,
            time,
        };
        sink.recover();
        (Some(sink), Placement { dir: Some(dir.path), fallbacks })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Start-up clean-up: temporary files of dead compressions are removed, and so are rotated
    /// files a crash left beside their compressed copy; retention is enforced, and the rotated
    /// files it keeps that are still uncompressed are compressed.
    fn recover(&mut self) {
        let _ = compress::remove_stale_temps(&self.dir.path, &self.name);
        if let Some(_exclusive) = self.lock(true) {
            let differ = compress::settle_leftovers(&self.dir.path, &self.name);
            self.notices.extend(differ.unwrap_or_default().iter().map(|gz| leftover_differs(gz)));
        }
        self.rescan();
        if let Some(compressor) = &self.compressor {
            for seq in self.rotated.uncompressed() {
                compressor.submit(seq, self.dir.join(&rotate::rotated_name(&self.name, seq)));
            }
        }
    }

    /// Reads the directory again and enforces retention.
    fn rescan(&mut self) {
        self.rescan_at = later(self.time.monotonic(), RESCAN_INTERVAL);
        match RotatedSet::scan(&self.dir.path, &self.name) {
            Ok(set) => self.rotated = set,
            Err(e) => self.notices.push(Notice::failure(
                &notice::ROTATION_FAILED,
                "listing the log directory failed",
                &self.dir.path,
                &e,
            )),
        }
        self.retain();
    }

    fn retain(&mut self) {
        let active = if self.retention.max_total_size.is_some() {
            fs::metadata(&self.path).map_or(0, |m| m.len())
        } else {
            0
        };
        let now = self.time.wall();
        match self.rotated.enforce(&self.dir.path, &self.name, self.retention, active, now) {
            Ok(deleted) => Metrics::add(&self.metrics.files_deleted, deleted),
            Err(e) => self.notices.push(Notice::failure(
                &notice::ROTATION_FAILED,
                "deleting old log files failed",
                &self.dir.path,
                &e,
            )),
        }
    }

    /// Periodic work: the directory read again every ten minutes, compressions that failed
    /// tried again. [`FileSink::write`] does it too; a writer with no lines to write should
    /// call this by [`FileSink::next_tick`].
    pub(crate) fn tick(&mut self) {
        self.collect_outcomes();
        let now = self.time.monotonic();
        if now >= self.rescan_at {
            self.rescan();
        }
        let Some(compressor) = &self.compressor else { return };
        for (seq, retry) in &mut self.retries {
            if !retry.queued && retry.backoff.at <= now {
                retry.queued = true;
                compressor.submit(*seq, retry.path.clone());
            }
        }
    }

    /// When [`FileSink::tick`] next has something to do.
    pub(crate) fn next_tick(&self) -> Instant {
        let retries = self.retries.values().filter(|r| !r.queued).map(|r| r.backoff.at);
        retries.fold(self.rescan_at, Instant::min)
    }

    fn collect_outcomes(&mut self) {
        while let Ok(outcome) = self.outcomes.try_recv() {
            self.handle_outcome(outcome);
        }
    }

    /// What the compression thread reports: sizes for retention, failures to try again.
    fn handle_outcome(&mut self, Outcome { seq, path, result }: Outcome) {
        match result {
            Ok(size) => {
                self.retries.remove(&seq);
                if let Some(size) = size {
                    self.rotated.compressed(seq, size);
                }
            }
            Err(e) => {
                let now = self.time.monotonic();
                let backoff = match self.retries.get(&seq) {
                    Some(retry) => retry.backoff.next(now),
                    None => Backoff::first(now, self.first_retry),
                };
                let what = format!(
                    "compressing a rotated file failed (tried again in {} ms)",
                    backoff.wait.as_millis()
                );
                self.notices.push(Notice::failure(&notice::ROTATION_FAILED, &what, &path, &e));
                // Retention may have deleted it since; then there is nothing to retry.
                if self.rotated.is_uncompressed(seq) {
                    self.retries.insert(seq, Retry { backoff, path, queued: false });
                }
            }
        }
    }

    /// Writes `batch`, which holds `lines` whole lines, to the file, or to stderr while the
    /// file fails.
    pub(crate) fn write(&mut self, batch: &[u8], lines: u64) {
        self.tick();
        if self.failure.as_ref().is_some_and(|f| self.time.monotonic() < f.retry.at) {
            self.divert_to_stderr(batch, false);
            return;
        }
        let mut offset = 0;
        while let Some(rest) = batch.get(offset..).filter(|r| !r.is_empty()) {
            let chunk = rest.get(..chunk_end(rest, self.chunk)).unwrap_or(rest);
            let failed = self.write_chunk(chunk).err();
            let written = failed.as_ref().map_or(chunk.len(), |f| f.written);
            // Whole lines only count as written; a line cut short goes to stderr.
            let whole = chunk.get(..written).and_then(|w| w.iter().rposition(|b| *b == b'\n'));
            let whole = if written == chunk.len() { written } else { whole.map_or(0, |i| i + 1) };
            let done = chunk.get(..whole).unwrap_or_default();
            let done_lines = if done.len() == batch.len() { lines } else { count_lines(done) };
            Metrics::add(&self.metrics.lines_written, done_lines);
            Metrics::add(&self.metrics.bytes_written, done.len() as u64);
            offset += whole;
            if let Some(failed) = failed {
                self.fail(&failed);
                let rest = batch.get(offset..).unwrap_or_default();
                self.divert_to_stderr(rest, failed.written > whole);
                return;
            }
        }
        if let Some(failure) = self.failure.take() {
            let outage = self.time.monotonic().saturating_duration_since(failure.since);
            self.notices.push(
                Notice::new(&notice::FILE_WRITE_RESUMED, "the log file is written again")
                    .field("path", self.path.display().to_string())
                    .field("lines_to_stderr", failure.lines_to_stderr)
                    .field("outage_ms", u64::try_from(outage.as_millis()).unwrap_or(u64::MAX)),
            );
        }
    }

    fn write_chunk(&mut self, chunk: &[u8]) -> Result<(), Failed> {
        let mut shared = self.lock(false);
        let mut size = self.current_size().map_err(Failed::write(0))?;
        if !self.holds(shared.as_ref()) {
            // Reopening found a new lock file: the file is checked again under its lock.
            drop(shared);
            shared = self.lock(false);
            size = self.current_size().map_err(Failed::write(0))?;
        }
        if size > 0 && size + chunk.len() as u64 > self.max_size {
            drop(shared);
            self.rotate().map_err(|error| Failed { written: 0, rotation: true, error })?;
            shared = self.lock(false);
            self.current_size().map_err(Failed::write(0))?;
        }
        let result = match &mut self.file {
            Some(file) => write_counted(file, chunk),
            None => Err((0, io::Error::other("the log file is not open"))),
        };
        drop(shared);
        result.map_err(|(written, error)| Failed { written, rotation: false, error })
    }

    /// The size of the active file, after making sure it is the one this process has open
    /// (it may have been rotated by another process, or deleted).
    fn current_size(&mut self) -> io::Result<u64> {
        if self.file.is_some() {
            match fs::symlink_metadata(&self.path) {
                Ok(meta) if identity(&meta) == self.identity => return Ok(meta.len()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        self.reopen()
    }

    /// Opens the active file again (re-creating the directory if it was deleted) and returns
    /// its size.
    fn reopen(&mut self) -> io::Result<u64> {
        self.file = None;
        let mut file = self.dir.open_append(&self.name)?;
        // The lock file too may be new (the directory removed and made again, by this process
        // or another): a lock on the removed one would exclude no one.
        let lock_name = lock_name(&self.name);
        let path = self.dir.join(&lock_name);
        if !self.lock.as_deref().is_some_and(|lock| is_current(lock, &path)) {
            self.lock = self.dir.open_lock(&lock_name).ok().map(Arc::new);
        }
        let meta = file.metadata()?;
        if self.failure.is_some() && meta.len() > 0 {
            end_with_newline(&mut file, &self.path)?;
        }
        self.identity = identity(&meta);
        self.file = Some(file);
        Ok(meta.len())
    }

    /// Renames the full active file to the next rotated name and enforces retention, under
    /// the exclusive lock. An error means the file could not be rotated.
    fn rotate(&mut self) -> io::Result<()> {
        let exclusive = self.lock(true);
        let meta = match fs::symlink_metadata(&self.path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        if identity(&meta) != self.identity {
            // Another process rotated it while we waited for the lock.
            return Ok(());
        }
        let seq = self.next_seq()?;
        let target = self.dir.join(&rotate::rotated_name(&self.name, seq));
        fs::rename(&self.path, &target)?;
        self.file = None;
        if let Some(lock) = &self.lock {
            // Should this fail, the next rotation (of any process) finds the name taken and
            // moves on (see `next_seq`).
            let _ = rotate::write_counter(lock, seq.saturating_add(1));
        }
        self.rotated.add(seq, meta.len(), meta.modified().ok(), false);
        Metrics::add(&self.metrics.rotations, 1);
        // Before releasing the lock: with the rotations of all processes serialised, rotated
        // files outnumber the policy by the one just renamed at most, and only until here.
        // Retention does not wait for compression, which may lag far behind.
        self.retain();
        drop(exclusive);
        if let Some(compressor) = &self.compressor {
            compressor.submit(seq, target);
        }
        Ok(())
    }

    /// The number of the next rotated file. Other processes' rotations since this one last
    /// looked are learnt on the way: they count towards the policy too. Called under the
    /// exclusive lock.
    fn next_seq(&mut self) -> io::Result<u64> {
        let counter = self.lock.as_deref().and_then(rotate::read_counter);
        let known = self.rotated.newest().map_or(1, |seq| seq.saturating_add(1));
        let mut seq = known;
        if let Some(next) = counter {
            let window = next.saturating_sub(u64::from(self.retention.max_files));
            for other in known.max(window)..next {
                self.rotated.learn(&self.dir.path, &self.name, other);
            }
            seq = seq.max(next);
        }
        // A lost or stale counter (the lock file deleted) must not make a rotation replace a
        // rotated file: `rename` would.
        while self.rotated.learn(&self.dir.path, &self.name, seq) {
            // Only planted files reach the end of the numbers.
            seq = seq.checked_add(1).ok_or_else(|| io::Error::other("no file number left"))?;
        }
        Ok(seq)
    }

    /// Whether `guard` is a lock of the lock file this sink has open (or neither is).
    fn holds(&self, guard: Option<&LockGuard>) -> bool {
        match (guard, &self.lock) {
            (Some(guard), Some(lock)) => Arc::ptr_eq(&guard.0, lock),
            (None, None) => true,
            _ => false,
        }
    }

    fn lock(&self, exclusive: bool) -> Option<LockGuard> {
        let lock = Arc::clone(self.lock.as_ref()?);
        let locked = if exclusive { lock.lock() } else { lock.lock_shared() };
        locked.ok().map(|()| LockGuard(lock))
    }

    /// Records a failure: lines go to stderr until the next try, after the backoff.
    fn fail(&mut self, failed: &Failed) {
        Metrics::add(&self.metrics.write_errors, 1);
        self.file = None;
        let now = self.time.monotonic();
        let first = self.failure.is_none();
        let failure = self.failure.get_or_insert(Failure {
            since: now,
            retry: Backoff::first(now, self.first_retry),
            lines_to_stderr: 0,
        });
        if !first {
            failure.retry = failure.retry.next(now);
        }
        let error = &failed.error;
        // A file that cannot be written is said once per outage; one that cannot be rotated at
        // each try, once per backoff period: all that time the file's lines go to stderr.
        if failed.rotation {
            self.notices.push(
                Notice::new(
                    &notice::ROTATION_FAILED,
                    format!("rotating the log file failed ({error}); lines go to stderr until it can be rotated"),
                )
                .field("path", self.path.display().to_string())
                .field("error", error.to_string())
                .field("retry_ms", u64::try_from(failure.retry.wait.as_millis()).unwrap_or(u64::MAX)),
            );
        } else if first {
            self.notices.push(
                Notice::new(
                    &notice::FILE_WRITE_FAILED,
                    format!(
                        "the log file cannot be written ({error}); lines go to stderr until it can"
                    ),
                )
                .field("path", self.path.display().to_string())
                .field("error", error.to_string()),
            );
        }
    }

    /// Writes whole lines to stderr. With `partly_written`, part of the first line reached the
    /// file before a write failed: it is marked, so that the fragment in the file is known to
    /// have a whole copy here.
    fn divert_to_stderr(&mut self, bytes: &[u8], partly_written: bool) {
        let lines = count_lines(bytes);
        if let Some(failure) = &mut self.failure {
            failure.lines_to_stderr += lines;
        }
        let first_end = bytes.iter().position(|b| *b == b'\n').map_or(bytes.len(), |i| i + 1);
        match bytes.split_at_checked(first_end) {
            Some((first, rest)) if partly_written => {
                let marked = match self.schema {
                    Schema::Logfix => mark_retry(first),
                    Schema::Ecs => crate::schema::ecs::mark_retry(first),
                };
                write_stderr_lines(&marked, count_lines(first), &self.metrics);
                write_stderr_lines(rest, count_lines(rest), &self.metrics);
            }
            _ => write_stderr_lines(bytes, lines, &self.metrics),
        }
    }

    /// Notices for the log: failures, recoveries, compression problems.
    pub(crate) fn take_notices(&mut self) -> Vec<Notice> {
        self.collect_outcomes();
        std::mem::take(&mut self.notices)
    }

    /// Waits for queued compressions (at most [`FINISH_TIMEOUT`]).
    pub(crate) fn finish(&mut self) {
        if let Some(compressor) = self.compressor.take() {
            compressor.finish(FINISH_TIMEOUT);
        }
        self.collect_outcomes();
    }
}

/// Says that a crash left a rotated file beside a compressed copy that differs from it.
pub(crate) fn leftover_differs(gz: &Path) -> Notice {
    let what = "a rotated file and its compressed copy differ: both are kept (an audit trail: check it with audit::verify)";
    Notice::new(&notice::ROTATION_FAILED, what).field("path", gz.display().to_string())
}

pub(crate) use crate::file_names::lock_name;

/// Holds a lock file's lock until dropped.
pub(crate) struct LockGuard(pub(crate) Arc<File>);

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

/// Writes all of `bytes`; on an error, says how many were written before it.
fn write_counted(out: &mut impl Write, bytes: &[u8]) -> Result<(), (usize, io::Error)> {
    let mut written = 0;
    while let Some(rest) = bytes.get(written..).filter(|r| !r.is_empty()) {
        match out.write(rest) {
            Ok(0) => return Err((written, io::ErrorKind::WriteZero.into())),
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err((written, e)),
        }
    }
    Ok(())
}

/// `line` with `"logfix_retry":true` as its last key.
fn mark_retry(line: &[u8]) -> Vec<u8> {
    match line.strip_suffix(b"}\n") {
        Some(body) => [body, RETRY_MARK].concat(),
        None => line.to_vec(),
    }
}

/// The length of the first chunk of `rest`: at most `limit` bytes ending at a line end, or one
/// whole line if the first line is longer.
fn chunk_end(rest: &[u8], limit: usize) -> usize {
    if rest.len() <= limit {
        return rest.len();
    }
    let window = rest.get(..limit).unwrap_or(rest);
    match window.iter().rposition(|b| *b == b'\n') {
        Some(i) => i + 1,
        None => rest.iter().position(|b| *b == b'\n').map_or(rest.len(), |i| i + 1),
    }
}

#[allow(clippy::naive_bytecount, reason = "off the hot path; not worth a dependency")]
pub(crate) fn count_lines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|b| **b == b'\n').count() as u64
}

/// After a failed write (a full disk) the file may end in part of a line: end it, so that the
/// lines that follow stay whole.
fn end_with_newline(file: &mut File, path: &Path) -> io::Result<()> {
    let mut reader = dir::open_read(path)?;
    reader.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    reader.read_exact(&mut last)?;
    if last != *b"\n" {
        file.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(unix)]
#[allow(clippy::unnecessary_wraps, reason = "`None` on other platforms")]
pub(crate) fn identity(meta: &Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
pub(crate) fn identity(_meta: &Metadata) -> Option<(u64, u64)> {
    // Without inode numbers another process's rotation goes unnoticed until this process
    // rotates itself: sharing one file between processes is supported on Unix only.
    None
}

/// Whether `file` is the file now at `path`, not one removed or replaced since it was opened
/// (the directory removed and made again, say). Where files have no identity, whether there is
/// a file at `path`.
pub(crate) fn is_current(file: &File, path: &Path) -> bool {
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(held), Ok(current)) => identity(&held) == identity(&current),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::sink::FakeTime;
    use std::process::Command;
    use std::sync::atomic::Ordering;
    use std::time::SystemTime;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("logfix-file-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn open(config: &Config, time: &Arc<FakeTime>) -> FileSink {
        let (settings, _) = config.resolve();
        let time: Arc<dyn TimeSource> = Arc::clone(time) as Arc<dyn TimeSource>;
        FileSink::open_with(&settings, &Arc::new(Metrics::default()), time).0.unwrap()
    }

    /// The numbers of the rotated files in `dir` (either form), sorted.
    fn rotated(dir: &Path) -> Vec<u64> {
        let mut seqs: Vec<u64> = fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| rotate::parse_rotated("app.log", e.unwrap().file_name().to_str()?))
            .map(|(seq, _)| seq)
            .collect();
        seqs.sort_unstable();
        seqs.dedup();
        seqs
    }

    fn events(notices: &[Notice]) -> Vec<&str> {
        notices.iter().map(|n| n.meta.event()).collect()
    }

    /// A 100-byte line.
    fn line(n: u64) -> Vec<u8> {
        format!("{{\"n\":{n:06},\"pad\":\"{}\"}}\n", "x".repeat(78)).into_bytes()
    }

    /// Rotated files are deleted by the writer as it rotates, not after their compression: a
    /// compressor that falls behind (here: one `fsync` per file against a rotation every few
    /// microseconds) must not let them pile up past the policy, not even for a moment.
    #[test]
    fn retention_keeps_up_with_rotations_while_compression_lags() {
        const MAX_FILES: u32 = 3;
        let dir = scratch("lag");
        let time = Arc::new(FakeTime::new(SystemTime::now()));
        let config = Config::new().dir(dir.clone()).max_file_size(1024).max_files(MAX_FILES);
        let mut sink = open(&config.compression(Compression::Gzip), &time);
        let line = format!("{{\"pad\":\"{}\"}}\n", "x".repeat(500));
        let mut most = 0;
        for _ in 0..300 {
            sink.write(line.as_bytes(), 1);
            most = most.max(rotated(&dir).len());
        }
        assert!(sink.metrics.rotations.load(Ordering::Relaxed) >= 100);
        assert_eq!(most, MAX_FILES as usize, "rotated files on disk at most");
        sink.finish();
        fs::remove_dir_all(dir).unwrap();
    }

    /// The wall clock goes back an hour, then forward by two days: rotated files are kept and
    /// deleted by their number, so what is kept is always the newest.
    #[test]
    fn clock_steps_never_delete_a_file_newer_than_a_kept_one() {
        let dir = scratch("clock");
        let real = SystemTime::now();
        let time = Arc::new(FakeTime::new(real));
        let config = Config::new()
            .dir(dir.clone())
            .max_file_size(1024)
            .max_files(4)
            .max_age(Duration::from_secs(86_400))
            .compression(Compression::None);
        let mut sink = open(&config, &time);
        let mut n = 0;
        let active = dir.join("app.log");
        let mut write_rotations = |sink: &mut FileSink, count: u64| {
            let until = sink.metrics.rotations.load(Ordering::Relaxed) + count;
            while sink.metrics.rotations.load(Ordering::Relaxed) < until {
                sink.write(&line(n), 1);
                n += 1;
                // The kernel dates writes by the same clock as the one stepped.
                let file = File::options().write(true).open(&active).unwrap();
                file.set_modified(time.wall()).unwrap();
            }
        };
        write_rotations(&mut sink, 3);
        assert_eq!(rotated(&dir), [1, 2, 3]);
        time.set_wall(real - Duration::from_secs(3600));
        write_rotations(&mut sink, 3);
        assert_eq!(rotated(&dir), [3, 4, 5, 6], "the newest four, not those rotated before");
        time.set_wall(real + Duration::from_secs(2 * 86_400));
        write_rotations(&mut sink, 1);
        assert_eq!(rotated(&dir), [7], "those before the step are two days old now");
        // Every line of file 7 comes after every line deleted: it holds the highest numbers.
        let kept = fs::read_to_string(dir.join("app.log.00000007")).unwrap();
        let first: u64 = kept[5..11].parse().unwrap();
        assert_eq!(first, n - 1 - count_lines(kept.as_bytes()), "{kept:.40}");
        fs::remove_dir_all(dir).unwrap();
    }

    /// Rotations cost the same however many files the directory holds: the directory is read
    /// at start-up and by the periodic pass, not at each rotation. A stranger numbered like a
    /// rotated file shows which: it is deleted only once the directory is read again.
    #[test]
    fn rotations_do_not_read_the_directory_the_periodic_pass_does() {
        let dir = scratch("rescan");
        let time = Arc::new(FakeTime::new(SystemTime::now()));
        let config = Config::new()
            .dir(dir.clone())
            .max_file_size(1024)
            .max_files(2)
            .compression(Compression::None);
        let mut sink = open(&config, &time);
        fs::write(dir.join("app.log.00000000"), b"older than any\n").unwrap();
        for n in 0..50 {
            sink.write(&line(n), 1);
        }
        assert!(sink.metrics.rotations.load(Ordering::Relaxed) >= 4);
        assert!(dir.join("app.log.00000000").exists(), "not listed by any rotation");
        time.advance(RESCAN_INTERVAL);
        sink.tick();
        assert_eq!(rotated(&dir).len(), 2);
        assert!(!dir.join("app.log.00000000").exists(), "the periodic pass found it");
        fs::remove_dir_all(dir).unwrap();
    }

    /// A line longer than the limit is written whole into the active file, and only a file
    /// that holds something is rotated for it: an empty one is never renamed into an empty
    /// rotated file (which would push a file with lines out of `max_files`).
    #[test]
    fn a_line_longer_than_the_limit_rotates_no_empty_file() {
        let dir = scratch("long-line");
        let time = Arc::new(FakeTime::new(SystemTime::now()));
        let config =
            Config::new().dir(dir.clone()).max_file_size(1024).compression(Compression::None);
        let mut sink = open(&config, &time);
        let long = format!("{{\"pad\":\"{}\"}}\n", "x".repeat(3_000));
        sink.write(long.as_bytes(), 1);
        assert_eq!(rotated(&dir), Vec::<u64>::new(), "the empty file took the line");
        assert_eq!(fs::read_to_string(dir.join("app.log")).unwrap(), long);
        sink.write(&line(0), 1);
        assert_eq!(rotated(&dir), [1]);
        assert_eq!(fs::read_to_string(dir.join("app.log.00000001")).unwrap(), long);
        assert_eq!(fs::read(dir.join("app.log")).unwrap(), line(0));
        assert_eq!(sink.metrics.rotations.load(Ordering::Relaxed), 1);
        fs::remove_dir_all(dir).unwrap();
    }

    /// Two sinks on one directory behave like two processes: each learns the other's
    /// rotations from the counter in the lock file, and together they keep `max_files`.
    #[test]
    fn sinks_sharing_a_file_number_their_rotations_together() {
        let dir = scratch("shared");
        let time = Arc::new(FakeTime::new(SystemTime::now()));
        let config = Config::new()
            .dir(dir.clone())
            .max_file_size(1024)
            .max_files(3)
            .compression(Compression::None);
        let mut sinks = [open(&config, &time), open(&config, &time)];
        for n in 0..400 {
            sinks[usize::from(n % 7 < 3)].write(&line(n), 1);
            let seqs = rotated(&dir);
            assert!(seqs.len() <= 3, "{seqs:?}");
            assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "the newest, in a row: {seqs:?}");
        }
        let rotations: u64 =
            sinks.iter().map(|s| s.metrics.rotations.load(Ordering::Relaxed)).sum();
        assert_eq!(rotated(&dir).last(), Some(&rotations), "no number used twice");
        fs::remove_dir_all(dir).unwrap();
    }

    /// The directory removed and made again by another process: the lock taken is the one of
    /// the lock file now there, so that the processes' rotations still exclude each other.
    #[test]
    fn a_directory_made_again_is_locked_through_its_new_lock_file() {
        let dir = scratch("relock");
        let time = Arc::new(FakeTime::new(SystemTime::now()));
        let config = Config::new().dir(dir.clone()).compression(Compression::None);
        let (mut first, mut second) = (open(&config, &time), open(&config, &time));
        first.write(&line(1), 1);
        fs::remove_dir_all(&dir).unwrap();
        second.write(&line(2), 1);
        first.write(&line(3), 1);
        let held = first.lock(true).expect("the first sink holds a lock file");
        let other = second.lock.as_deref().expect("the second sink holds a lock file");
        assert!(other.try_lock().is_err(), "both sinks lock the same file");
        drop(held);
        fs::remove_dir_all(dir).unwrap();
    }

    /// A rotated file planted with the last number there is: rotation fails and says so, like
    /// any rotation that cannot happen, instead of overflowing (a panic in a debug build).
    #[test]
    fn a_planted_file_with_the_last_number_fails_rotation_cleanly() {
        let dir = scratch("last-number");
        let time = Arc::new(FakeTime::new(SystemTime::now()));
        let config =
            Config::new().dir(dir.clone()).max_file_size(1024).compression(Compression::None);
        let mut sink = open(&config, &time);
        fs::write(dir.join(format!("app.log.{}", u64::MAX)), "planted\n").unwrap();
        sink.rescan_at = time.monotonic();
        for n in 0..12 {
            sink.write(&line(n), 1);
        }
        assert_eq!(events(&sink.take_notices()), ["rotation_failed"]);
        assert_eq!(fs::metadata(dir.join("app.log")).unwrap().len(), 1000, "it stopped growing");
        assert_eq!(sink.metrics.stderr_lines.load(Ordering::Relaxed), 2, "the rest, counted");
        fs::remove_dir_all(dir).unwrap();
    }

    /// `chattr +i`: the directory refuses renames (also for root) while the open file stays
    /// writable. `None` where the file system has no such flag.
    struct Immutable(PathBuf);

    impl Immutable {
        fn set(dir: &Path) -> Option<Self> {
            let status = Command::new("chattr").arg("+i").arg(dir).status().ok()?;
            status.success().then(|| Self(dir.to_owned()))
        }
    }

    impl Drop for Immutable {
        fn drop(&mut self) {
            let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
        }
    }

    /// While the file cannot be rotated it stops growing at the size limit; lines go to
    /// stderr, counted; the failure is said once per backoff period, not once per write.
    #[test]
    fn a_file_that_cannot_be_rotated_stops_at_the_limit() {
        const LIMIT: u64 = 1024;
        let dir = scratch("stuck");
        let time = Arc::new(FakeTime::new(SystemTime::now()));
        let config = Config::new()
            .dir(dir.clone())
            .max_file_size(LIMIT)
            .compression(Compression::None)
            .retry_after(Duration::from_secs(1));
        let mut sink = open(&config, &time);
        let Some(immutable) = Immutable::set(&dir) else {
            println!("skipped: chattr +i is not available");
            return fs::remove_dir_all(dir).unwrap();
        };
        for n in 0..10 {
            sink.write(&line(n), 1);
        }
        assert_eq!(fs::metadata(dir.join("app.log")).unwrap().len(), 1000);
        for n in 10..30 {
            sink.write(&line(n), 1);
        }
        let m = Arc::clone(&sink.metrics);
        assert_eq!(fs::metadata(dir.join("app.log")).unwrap().len(), 1000, "it did not grow");
        assert_eq!(m.stderr_lines.load(Ordering::Relaxed), 20);
        assert_eq!(events(&sink.take_notices()), ["rotation_failed"], "once in the period");

        time.advance(Duration::from_secs(1));
        sink.write(&line(30), 1);
        assert_eq!(events(&sink.take_notices()), ["rotation_failed"], "once more after it");
        time.advance(Duration::from_secs(1));
        sink.write(&line(31), 1);
        assert!(sink.take_notices().is_empty(), "the wait doubled: 2 s");

        drop(immutable);
        time.advance(Duration::from_secs(1));
        sink.write(&line(32), 1);
        let notices = sink.take_notices();
        assert_eq!(events(&notices), ["file_write_resumed"]);
        assert_eq!(notices[0].fields[1].1, crate::context::ContextValue::from(22_u64));
        assert_eq!(rotated(&dir), [1]);
        assert_eq!(m.stderr_lines.load(Ordering::Relaxed), 22);
        assert_eq!(m.lines_written.load(Ordering::Relaxed), 11);
        fs::remove_dir_all(dir).unwrap();
    }

    /// A failed compression is tried again after the backoff, in the same process.
    #[test]
    fn a_failed_compression_is_tried_again_after_the_backoff() {
        let dir = scratch("retry-gz");
        let time = Arc::new(FakeTime::new(SystemTime::now()));
        let config = Config::new()
            .dir(dir.clone())
            .max_file_size(1024)
            .compression(Compression::Gzip)
            .retry_after(Duration::from_secs(5));
        let mut sink = open(&config, &time);
        // A directory where the temporary file goes: creating it fails.
        let blocker = dir.join(format!("app.log.00000001.gz.{}.tmp", std::process::id()));
        fs::create_dir_all(&blocker).unwrap();
        for n in 0..11 {
            sink.write(&line(n), 1);
        }
        let failed = sink.outcomes.recv().unwrap();
        assert!(failed.result.is_err());
        sink.handle_outcome(failed);
        assert_eq!(events(&sink.take_notices()), ["rotation_failed"]);
        let due = sink.next_tick();
        assert_eq!(due, time.monotonic() + Duration::from_secs(5));

        fs::remove_dir(&blocker).unwrap();
        sink.tick();
        assert!(sink.outcomes.is_empty() && !dir.join("app.log.00000001.gz").exists());
        time.advance(Duration::from_secs(5));
        sink.tick();
        let retried = sink.outcomes.recv().unwrap();
        assert!(matches!(retried.result, Ok(Some(_))), "{:?}", retried.result);
        sink.handle_outcome(retried);
        assert!(dir.join("app.log.00000001.gz").exists() && sink.retries.is_empty());
        assert_eq!(sink.metrics.compression_failures.load(Ordering::Relaxed), 1);
        sink.finish();
        fs::remove_dir_all(dir).unwrap();
    }

    /// A writer that takes `room` bytes, then fails as a full disk does.
    struct Full {
        taken: Vec<u8>,
        room: usize,
    }

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(self.room - self.taken.len());
            if n == 0 {
                return Err(io::ErrorKind::StorageFull.into());
            }
            self.taken.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_short_write_says_how_much_reached_the_file() {
        let mut full = Full { taken: Vec::new(), room: 10 };
        let (written, error) = write_counted(&mut full, b"{\"a\":1}\n{\"b\":2}\n").unwrap_err();
        assert_eq!((written, error.kind()), (10, io::ErrorKind::StorageFull));
        assert_eq!(full.taken, b"{\"a\":1}\n{\"");
        assert_eq!(mark_retry(b"{\"b\":2}\n"), b"{\"b\":2,\"logfix_retry\":true}\n");
    }

    #[test]
    fn chunks_end_at_line_ends() {
        assert_eq!(chunk_end(b"a\nb\n", 10), 4);
        assert_eq!(chunk_end(b"aa\nbb\ncc\n", 7), 6);
        assert_eq!(chunk_end(b"aaaaaa\nb\n", 3), 7, "a long line goes whole");
        assert_eq!(chunk_end(b"aaaaaa", 3), 6);
    }
}
