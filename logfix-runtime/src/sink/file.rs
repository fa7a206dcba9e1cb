//! The file sink: appends batches of lines to the active file, rotates it when full, and falls
//! back to stderr while the file cannot be written.
//!
//! Several processes may share one file. Each appends with `O_APPEND` (so concurrent writes
//! never overwrite each other) while holding a shared lock on `.app.log.lock`, and checks under
//! that lock that `app.log` is still the file it has open. A rotation takes the lock
//! exclusively, so it never happens in the middle of another process's write, and a process
//! that finds the file rotated reopens it before writing. No line is lost, duplicated or split
//! between processes.

use std::fs::{self, File, Metadata};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::Receiver;

use super::compress::{self, GzipCompressor, Job, FINISH_TIMEOUT};
use super::dir::{self, Placement};
use super::rotate::{self, Retention};
use crate::config::{Compression, Settings};
use crate::event::notice::{self, Notice};
use crate::metrics::Metrics;
use crate::sink::stderr::write_lines as write_stderr_lines;

/// Longest wait between two retries.
const MAX_RETRY: Duration = Duration::from_secs(30);
/// How often retention runs when no rotation triggers it.
const RETENTION_INTERVAL: Duration = Duration::from_secs(600);
/// Largest write: large enough to amortise the lock and `stat`, small enough to rotate close
/// to the configured size.
const MAX_CHUNK: usize = 256 * 1024;

pub(crate) struct FileSink {
    dir: PathBuf,
    name: String,
    path: PathBuf,
    file: Option<File>,
    identity: Option<(u64, u64)>,
    lock: Option<Arc<File>>,
    max_size: u64,
    chunk: usize,
    retention: Retention,
    first_retry: Duration,
    compressor: Option<GzipCompressor>,
    metrics: Arc<Metrics>,
    notices: Vec<Notice>,
    /// Notices from the compression thread.
    inbox: Receiver<Notice>,
    failure: Option<Failure>,
    /// When retention last ran: it also runs without rotations, so that `LOGFIX_MAX_AGE`
    /// applies to a quiet service too.
    retained_at: Instant,
}

struct Failure {
    since: Instant,
    retry_at: Instant,
    backoff: Duration,
    lines_to_stderr: u64,
}

impl FileSink {
    /// Opens the file in the first usable directory, finishes what a crash left behind, and
    /// reports where it writes. `None` means stderr.
    pub(crate) fn open(
        settings: &Settings,
        metrics: &Arc<Metrics>,
    ) -> (Option<FileSink>, Placement) {
        let (opened, fallbacks) = dir::open_first(&dir::candidates(settings), &settings.file);
        let Some((dir, file)) = opened else {
            return (None, Placement { dir: None, fallbacks });
        };
        let (outbox, inbox) = crossbeam_channel::unbounded();
        let retention = Retention {
            max_files: settings.max_files,
            max_age: settings.max_age,
            max_total_size: settings.max_total_size,
        };
        let compressor = match settings.compression {
            Compression::Gzip => {
                GzipCompressor::spawn(Job { metrics: Arc::clone(metrics), notices: outbox })
            }
            Compression::None => None,
        };
        let lock =
            dir::open_append(&dir.join(format!(".{}.lock", settings.file))).ok().map(Arc::new);
        let mut sink = FileSink {
            path: dir.join(&settings.file),
            dir: dir.clone(),
            name: settings.file.clone(),
            identity: file.metadata().ok().as_ref().and_then(identity),
            file: Some(file),
            lock,
            max_size: settings.max_file_size,
            chunk: usize::try_from(settings.max_file_size / 4)
                .unwrap_or(MAX_CHUNK)
                .clamp(1, MAX_CHUNK),
            retention,
            first_retry: settings.retry_after,
            compressor,
            metrics: Arc::clone(metrics),
            notices: Vec::new(),
            inbox,
            failure: None,
            retained_at: Instant::now(),
        };
        sink.recover();
        (Some(sink), Placement { dir: Some(dir), fallbacks })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Start-up clean-up: temporary files of dead compressions are removed, retention is
    /// enforced, and the rotated files it keeps that are still uncompressed are compressed.
    fn recover(&mut self) {
        let _ = compress::remove_stale_temps(&self.dir, &self.name);
        self.retain_now();
        if let Some(compressor) = &self.compressor {
            for leftover in rotate::uncompressed(&self.dir, &self.name).unwrap_or_default() {
                compressor.submit(leftover);
            }
        }
    }

    fn retain_now(&mut self) {
        self.retained_at = Instant::now();
        match rotate::enforce(&self.dir, &self.name, self.retention, SystemTime::now()) {
            Ok(deleted) => Metrics::add(&self.metrics.files_deleted, deleted),
            Err(e) => self.notices.push(Notice::failure(
                &notice::ROTATION_FAILED,
                "deleting old log files failed",
                &self.dir,
                &e,
            )),
        }
    }

    /// Writes `batch`, which holds `lines` whole lines, to the file, or to stderr while the
    /// file fails.
    pub(crate) fn write(&mut self, batch: &[u8], lines: u64) {
        if self.retained_at.elapsed() >= RETENTION_INTERVAL {
            self.retain_now();
        }
        if let Some(failure) = &self.failure {
            if Instant::now() < failure.retry_at {
                self.divert_to_stderr(batch);
                return;
            }
        }
        let mut offset = 0;
        while let Some(rest) = batch.get(offset..).filter(|r| !r.is_empty()) {
            let chunk = rest.get(..chunk_end(rest, self.chunk)).unwrap_or(rest);
            if let Err(e) = self.write_chunk(chunk) {
                self.fail(&e);
                self.divert_to_stderr(rest);
                return;
            }
            let chunk_lines = if chunk.len() == batch.len() { lines } else { count_lines(chunk) };
            Metrics::add(&self.metrics.lines_written, chunk_lines);
            Metrics::add(&self.metrics.bytes_written, chunk.len() as u64);
            offset += chunk.len();
        }
        if let Some(failure) = self.failure.take() {
            self.notices.push(
                Notice::new(&notice::FILE_WRITE_RESUMED, "the log file is written again")
                    .field("path", self.path.display().to_string())
                    .field("lines_to_stderr", failure.lines_to_stderr)
                    .field(
                        "outage_ms",
                        u64::try_from(failure.since.elapsed().as_millis()).unwrap_or(u64::MAX),
                    ),
            );
        }
    }

    fn write_chunk(&mut self, chunk: &[u8]) -> io::Result<()> {
        let mut shared = self.lock(false);
        let size = self.current_size()?;
        if size > 0 && size + chunk.len() as u64 > self.max_size {
            drop(shared);
            self.rotate()?;
            shared = self.lock(false);
            self.current_size()?;
        }
        let result = match &mut self.file {
            Some(file) => file.write_all(chunk),
            None => Err(io::Error::other("the log file is not open")),
        };
        drop(shared);
        result
    }

    /// The size of the active file, after making sure it is the one this process has open
    /// (it may have been rotated by another process, or deleted).
    fn current_size(&mut self) -> io::Result<u64> {
        if self.file.is_some() {
            match fs::metadata(&self.path) {
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
        let mut file = dir::create_and_open(&self.dir, &self.name)?;
        let lock_path = self.dir.join(format!(".{}.lock", self.name));
        if self.lock.is_none() || !lock_path.exists() {
            self.lock = dir::open_append(&lock_path).ok().map(Arc::new);
        }
        let meta = file.metadata()?;
        if self.failure.is_some() && meta.len() > 0 {
            end_with_newline(&mut file, &self.path)?;
        }
        self.identity = identity(&meta);
        self.file = Some(file);
        Ok(meta.len())
    }

    fn rotate(&mut self) -> io::Result<()> {
        let exclusive = self.lock(true);
        let meta = match fs::metadata(&self.path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return self.reopen().map(drop),
            Err(e) => return Err(e),
        };
        if identity(&meta) != self.identity {
            // Another process rotated it while we waited for the lock.
            return self.reopen().map(drop);
        }
        let target = rotate::rotated_path(&self.dir, &self.name, SystemTime::now());
        if let Err(e) = fs::rename(&self.path, &target) {
            self.notices.push(Notice::failure(
                &notice::ROTATION_FAILED,
                "rotating the log file failed",
                &self.path,
                &e,
            ));
            // Keep writing to the full file rather than lose lines; the next write retries.
            return Ok(());
        }
        Metrics::add(&self.metrics.rotations, 1);
        let reopened = self.reopen();
        drop(exclusive);
        // Retention runs here, not after the compression: a compressor that falls behind (it
        // yields to the application) must not let rotated files pile up past the policy.
        self.retain_now();
        if let Some(compressor) = &self.compressor {
            compressor.submit(target);
        }
        reopened.map(drop)
    }

    fn lock(&self, exclusive: bool) -> Option<LockGuard> {
        let lock = Arc::clone(self.lock.as_ref()?);
        let locked = if exclusive { lock.lock() } else { lock.lock_shared() };
        locked.ok().map(|()| LockGuard(lock))
    }

    fn fail(&mut self, error: &io::Error) {
        Metrics::add(&self.metrics.write_errors, 1);
        self.file = None;
        let now = Instant::now();
        if let Some(failure) = &mut self.failure {
            failure.backoff = (failure.backoff * 2).min(MAX_RETRY);
            failure.retry_at = now + failure.backoff;
        } else {
            self.failure = Some(Failure {
                since: now,
                retry_at: now + self.first_retry,
                backoff: self.first_retry,
                lines_to_stderr: 0,
            });
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

    fn divert_to_stderr(&mut self, bytes: &[u8]) {
        let lines = count_lines(bytes);
        if let Some(failure) = &mut self.failure {
            failure.lines_to_stderr += lines;
        }
        write_stderr_lines(bytes, lines, &self.metrics);
    }

    /// Notices for the log: failures, recoveries, compression problems.
    pub(crate) fn take_notices(&mut self) -> Vec<Notice> {
        self.notices.extend(self.inbox.try_iter());
        std::mem::take(&mut self.notices)
    }

    /// Waits for queued compressions (at most [`FINISH_TIMEOUT`]).
    pub(crate) fn finish(&mut self) {
        if let Some(compressor) = self.compressor.take() {
            compressor.finish(FINISH_TIMEOUT);
        }
    }
}

struct LockGuard(Arc<File>);

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = self.0.unlock();
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
    let mut reader = File::open(path)?;
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
fn identity(meta: &Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(_meta: &Metadata) -> Option<(u64, u64)> {
    // Without inode numbers another process's rotation goes unnoticed until this process
    // rotates itself: sharing one file between processes is supported on Unix only.
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::collections::BTreeSet;
    use std::sync::atomic::Ordering;

    /// Rotated files are deleted by the writer as it rotates, not after their compression: a
    /// compressor that falls behind (here: one `fsync` per file against a rotation every few
    /// microseconds) must not let them pile up past the policy.
    #[test]
    fn retention_keeps_up_with_rotations_while_compression_lags() {
        const MAX_FILES: u32 = 3;
        let dir = std::env::temp_dir().join(format!("logfix-file-lag-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let (settings, _) = Config::new()
            .dir(dir.clone())
            .max_file_size(1024)
            .max_files(MAX_FILES)
            .compression(Compression::Gzip)
            .resolve();
        let (sink, _) = FileSink::open(&settings, &Arc::new(Metrics::default()));
        let mut sink = sink.unwrap();
        let line = format!("{{\"pad\":\"{}\"}}\n", "x".repeat(500));
        let mut most = 0;
        for _ in 0..300 {
            sink.write(line.as_bytes(), 1);
            let stems: BTreeSet<String> = fs::read_dir(&dir)
                .unwrap()
                .filter_map(|e| {
                    let name = e.unwrap().file_name().into_string().unwrap();
                    rotate::rotated_stem(&settings.file, &name).map(str::to_owned)
                })
                .collect();
            most = most.max(stems.len());
        }
        assert!(sink.metrics.rotations.load(Ordering::Relaxed) >= 100);
        // One more for a moment at most: a file deleted by retention just as its compression
        // ended comes back as `.gz` until the next rotation deletes it (see `compress`).
        assert!(most <= MAX_FILES as usize + 1, "{most} rotated files on disk");
        sink.finish();
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn chunks_end_at_line_ends() {
        assert_eq!(chunk_end(b"a\nb\n", 10), 4);
        assert_eq!(chunk_end(b"aa\nbb\ncc\n", 7), 6);
        assert_eq!(chunk_end(b"aaaaaa\nb\n", 3), 7, "a long line goes whole");
        assert_eq!(chunk_end(b"aaaaaa", 3), 6);
    }
}
