//! gzip compression of rotated files, on a thread of its own so that writing goes on.
//!
//! A rotated file `X` is compressed to `X.gz.<pid>.tmp` (locked while it is written), synced,
//! linked to `X.gz`, and only then is `X` removed. A crash at any point leaves `X` (compressed
//! again at the next start), beside a complete `X.gz` at most, never a truncated `.gz` under a
//! final name. Linking, unlike renaming, fails when `X.gz` exists: of two processes compressing
//! the same leftover, one wins and the other leaves its work.
//!
//! The last steps, from checking that `X` still exists to removing it, hold the lock file's
//! shared lock, and retention runs under its exclusive lock: a file that retention deletes
//! while it is being compressed never comes back as `X.gz`.
//!
//! The thread decides nothing: the writer says what to compress (and when to try again after a
//! failure) and hears back how it went.

use std::fs::{self, File};
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use flate2::write::GzEncoder;

use super::{dir, rotate};
use crate::metrics::Metrics;

/// How long shutdown waits for a compression in progress. A file left uncompressed is
/// compressed at the next start.
pub(crate) const FINISH_TIMEOUT: Duration = Duration::from_secs(10);

/// Bytes read at a time: enough that reading costs little next to compressing.
const READ_BUFFER: usize = 128 * 1024;

/// One rotated file to compress: its number and path.
type Job = (u64, PathBuf);

/// What came of compressing rotated file `seq`: the size of its `.gz`, `None` when there was
/// nothing to do (the file is gone, or another process compressed it).
pub(crate) struct Outcome {
    pub(crate) seq: u64,
    pub(crate) path: PathBuf,
    pub(crate) result: io::Result<Option<u64>>,
}

/// The compression thread and its queue.
pub(crate) struct GzipCompressor {
    jobs: Option<Sender<Job>>,
    /// The queue's other end, to drop its oldest entry when it is full.
    queue: Receiver<Job>,
    backlog: usize,
    done: Receiver<()>,
    handle: Option<JoinHandle<()>>,
    /// Set when `finish` runs out of time: the thread then leaves the files still queued.
    stop: Arc<AtomicBool>,
}

impl GzipCompressor {
    /// Starts the thread, which reports to `outcomes`; its queue holds at most `backlog` files.
    /// `lock` is the log file's lock file.
    /// `None` if the OS refuses a thread.
    pub(crate) fn spawn(
        metrics: Arc<Metrics>,
        outcomes: Sender<Outcome>,
        file_mode: u32,
        backlog: usize,
        lock: PathBuf,
    ) -> Option<Self> {
        let (jobs, queue) = crossbeam_channel::unbounded::<Job>();
        let (finished, done) = crossbeam_channel::bounded(1);
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let inbox = queue.clone();
        let handle = thread::Builder::new()
            .name("logfix-compress".into())
            .spawn(move || {
                lower_priority();
                for (seq, path) in inbox {
                    // Relaxed: a flag that only says "stop"; it publishes no other memory.
                    if stopping.load(Ordering::Relaxed) {
                        break;
                    }
                    let result = compress(&path, file_mode, &lock);
                    match &result {
                        Ok(Some(_)) => Metrics::add(&metrics.compressions, 1),
                        Ok(None) => {}
                        Err(_) => Metrics::add(&metrics.compression_failures, 1),
                    }
                    let _ = outcomes.send(Outcome { seq, path, result });
                }
                let _ = finished.send(());
            })
            .ok()?;
        Some(Self {
            jobs: Some(jobs),
            queue,
            backlog: backlog.max(1),
            done,
            handle: Some(handle),
            stop,
        })
    }

    /// Queues rotated file `seq`. A full queue drops its oldest entry: retention keeps at most
    /// `backlog` files, so an older one is deleted already, and a thread starved of CPU must
    /// not make the queue grow with every rotation.
    pub(crate) fn submit(&self, seq: u64, path: PathBuf) {
        while self.queue.len() >= self.backlog && self.queue.try_recv().is_ok() {}
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send((seq, path));
        }
    }

    /// Lets the queued compressions finish, waiting at most `timeout`. Files still queued then
    /// are left uncompressed (the next start compresses them), and only the compression in
    /// progress is waited for, at most [`FINISH_TIMEOUT`].
    pub(crate) fn finish(self, timeout: Duration) {
        self.finish_within(timeout, FINISH_TIMEOUT);
    }

    fn finish_within(mut self, queue: Duration, current: Duration) {
        self.jobs = None;
        // When time runs out the thread must stop, not work through its queue after shutdown
        // returned: it would rename and delete files in a directory the caller takes to be
        // quiet (a new logger recovering it, a reader).
        let finished = self.done.recv_timeout(queue).is_ok() || {
            self.stop.store(true, Ordering::Relaxed);
            self.done.recv_timeout(current).is_ok()
        };
        if finished {
            if let Some(handle) = self.handle.take() {
                let _ = handle.join();
            }
        }
    }
}

/// The thread's nice value: the lowest priority of the normal scheduling class.
const NICE: i32 = 19;

/// Lowers the calling thread to nice 19 (Linux, where nice is per thread; no privilege is
/// needed to lower one's own priority). Returns whether it did.
///
/// Not `SCHED_IDLE`: an idle-class thread runs only on a CPU that nothing else wants, so while
/// the application keeps every CPU busy compression can be postponed indefinitely and rotated
/// files stay uncompressed. A niced thread still gets its fair share, small next to the
/// application's threads, so it makes progress under any load, takes a whole CPU when the
/// application is idle, and is charged to the cgroup's CPU quota like any thread.
pub(crate) fn lower_priority() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `gettid` takes no arguments and cannot fail. `setpriority` reads only its
        // integer arguments; on Linux a thread id names that one thread, so no other thread's
        // priority changes. It fails cleanly (returns -1) if refused and writes no memory.
        #[allow(unsafe_code, reason = "no safe API sets a thread's nice value; see above")]
        let status = unsafe {
            let tid = libc::id_t::try_from(libc::gettid()).unwrap_or(0);
            libc::setpriority(libc::PRIO_PROCESS, tid, NICE)
        };
        status == 0
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// Compresses `path` to `path.gz` through a temporary file, then removes `path`. Returns the
/// size of the `.gz` if this call made it, `None` if there was nothing to do: `path` is gone
/// (deleted by retention, possibly while it was being compressed) or another process
/// compressed it. `lock` is the log file's lock file.
pub(crate) fn compress(path: &Path, file_mode: u32, lock: &Path) -> io::Result<Option<u64>> {
    let input = match dir::open_read(path) {
        Ok(input) => input,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let target = rotate::gz(path);
    let temp = temp_path(&target);
    let result = write_gz(input, &temp, file_mode).and_then(|(out, size)| {
        // A file of its own: a `flock` lock belongs to the open file, and the writer's
        // unlocking of its own must not release this one. Held until it is closed, on return.
        let lock = dir::open_read(lock).ok();
        if let Some(lock) = &lock {
            let _ = lock.lock_shared();
        }
        if let Err(e) = fs::symlink_metadata(path) {
            fs::remove_file(&temp)?;
            return if e.kind() == io::ErrorKind::NotFound { Ok(None) } else { Err(e) };
        }
        let linked = match fs::hard_link(&temp, &target) {
            Ok(()) => true,
            // Another process compressed it first (two processes finishing the same leftovers
            // at start-up): its `.gz` is complete, and removing `path` is its job.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                fs::remove_file(&temp)?;
                return Ok(None);
            }
            // A file system without hard links: a rename, which replaces what another process
            // may have made meanwhile with the same content.
            Err(_) => {
                fs::rename(&temp, &target)?;
                false
            }
        };
        if linked {
            fs::remove_file(&temp)?;
        }
        // Unlocked only now that the temporary file is gone (see `remove_stale_temps`).
        drop(out);
        match fs::remove_file(path) {
            Ok(()) => Ok(Some(size)),
            // Without the lock file, retention may have deleted `path` meanwhile, and then (it
            // deletes `X` before `X.gz`) found no `.gz` to delete: this one goes too, or it
            // would outlive the policy. Only after a link: after a rename, `NotFound` may also
            // mean that another process compressed the file.
            Err(e) if e.kind() == io::ErrorKind::NotFound && linked => {
                match fs::remove_file(&target) {
                    Ok(()) => Ok(None),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(e),
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    });
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Writes `input` gzipped to `temp`, locked, synced, with `input`'s modification time; returns
/// the still locked file and its size.
fn write_gz(input: File, temp: &Path, file_mode: u32) -> io::Result<(File, u64)> {
    let modified = input.metadata()?.modified().ok();
    let out = dir::create(temp, file_mode)?;
    out.lock()?;
    let mut encoder = GzEncoder::new(out, flate2::Compression::default());
    io::copy(&mut BufReader::with_capacity(READ_BUFFER, input), &mut encoder)?;
    let out = encoder.finish()?;
    // The rotation's time, not the compression's: `ls -t` and `LOGFIX_MAX_AGE` go by when the
    // lines were written.
    if let Some(modified) = modified {
        out.set_modified(modified)?;
    }
    out.sync_all()?;
    let size = out.metadata()?.len();
    Ok((out, size))
}

fn temp_path(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(format!(".{}.tmp", std::process::id()));
    PathBuf::from(name)
}

/// Removes temporary files of compressions that died with their process: a compression in
/// progress holds a lock on its temporary file, which the OS releases when the process dies.
/// Removes each rotated file of `file` in `dir` that sits beside a compressed copy saying the
/// same: a crash between the copy's completion and the file's removal. A copy that says
/// something else is left, with the file, and returned for the caller to report. Only under
/// the lock file's exclusive lock: a process finishing a compression meanwhile would take the
/// file's absence for retention's deletion and remove its copy too.
pub(crate) fn settle_leftovers(dir: &Path, file: &str) -> io::Result<Vec<PathBuf>> {
    let mut differ = Vec::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name();
        let Some((_, false)) = name.to_str().and_then(|n| rotate::parse_rotated(file, n)) else {
            continue;
        };
        let plain = dir.join(&name);
        let gz = rotate::gz(&plain);
        match same_content(&plain, &gz) {
            Ok(true) => fs::remove_file(&plain)?,
            // No copy: the file waits for compression.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            // A copy that says otherwise, or does not decompress, is no complete copy.
            Ok(false) | Err(_) => differ.push(gz),
        }
    }
    Ok(differ)
}

/// Whether `gz` decompresses to what `plain` holds, read a block at a time.
fn same_content(plain: &Path, gz: &Path) -> io::Result<bool> {
    let mut file = dir::open_read_regular(plain)?;
    let mut copy = flate2::read::MultiGzDecoder::new(dir::open_read_regular(gz)?);
    let (mut ours, mut theirs) = (vec![0; 1 << 16], vec![0; 1 << 16]);
    loop {
        let (read, unpacked) = (fill(&mut file, &mut ours)?, fill(&mut copy, &mut theirs)?);
        if ours.get(..read) != theirs.get(..unpacked) {
            return Ok(false);
        }
        if read == 0 {
            return Ok(true);
        }
    }
}

/// Reads into `buf` until it is full or the input ends; returns how much was read.
fn fill(input: &mut impl io::Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|rest| !rest.is_empty()) {
        match input.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

pub(crate) fn remove_stale_temps(dir: &Path, file: &str) -> io::Result<u64> {
    let mut removed = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some((stem, pid)) = name.strip_suffix(".tmp").and_then(|r| r.rsplit_once(".gz."))
        else {
            continue;
        };
        if rotate::parse_rotated(file, stem).is_none() || pid.parse::<u32>().is_err() {
            continue;
        }
        let Ok(temp) = dir::open_read(&entry.path()) else { continue };
        if temp.try_lock().is_ok() {
            match fs::remove_file(entry.path()) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;
    use std::io::{Read, Write};
    use std::process::Command;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("logfix-compress-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    fn spawn(backlog: usize) -> (GzipCompressor, Receiver<Outcome>) {
        let (outcomes, inbox) = crossbeam_channel::unbounded();
        (
            GzipCompressor::spawn(
                Arc::new(Metrics::default()),
                outcomes,
                0o640,
                backlog,
                PathBuf::from("/nonexistent/.app.log.lock"),
            )
            .unwrap(),
            inbox,
        )
    }

    /// Submits a named pipe as file 1 and returns its writing end, opened once the thread has
    /// opened the pipe: the thread is then inside that compression, reading until the test
    /// drops the writing end.
    fn hold(compressor: &GzipCompressor, dir: &Path) -> File {
        let path = dir.join("app.log.00000001");
        assert!(Command::new("mkfifo").arg(&path).status().unwrap().success());
        compressor.submit(1, path.clone());
        let mut writer = File::options().write(true).open(&path).unwrap();
        writer.write_all(b"{\"n\":0}\n").unwrap();
        writer
    }

    #[test]
    fn compresses_through_a_temporary_file_keeping_the_time() {
        let dir = scratch("roundtrip");
        let source = dir.join("app.log.00000001");
        let text = "{\"n\":1}\n".repeat(10_000);
        fs::write(&source, &text).unwrap();
        let rotated_at = std::time::UNIX_EPOCH + Duration::from_secs(1_795_840_753);
        File::options().write(true).open(&source).unwrap().set_modified(rotated_at).unwrap();
        let size = compress(&source, 0o640, &dir.join(".app.log.lock")).unwrap().unwrap();
        let gz = rotate::gz(&source);
        assert_eq!(names(&dir), ["app.log.00000001.gz"], "no source, no temporary file");
        assert_eq!(fs::metadata(&gz).unwrap().len(), size);
        assert_eq!(fs::metadata(&gz).unwrap().modified().unwrap(), rotated_at);
        let mut back = String::new();
        GzDecoder::new(File::open(&gz).unwrap()).read_to_string(&mut back).unwrap();
        assert_eq!(back, text);
        fs::remove_dir_all(dir).unwrap();
    }

    /// A crash between a copy's completion and the file's removal leaves both: the file goes
    /// if the copy says the same, and both stay if it does not (or does not decompress).
    #[test]
    fn leftovers_beside_a_complete_copy_are_removed_and_others_kept() {
        let dir = scratch("leftovers");
        let write = |n: u32, text: &str, gz: Option<&[u8]>| {
            let path = dir.join(format!("app.log.{n:08}"));
            fs::write(&path, text).unwrap();
            if let Some(gz) = gz {
                fs::write(rotate::gz(&path), gz).unwrap();
            }
        };
        let gzip = |text: &str| {
            let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(text.as_bytes()).unwrap();
            encoder.finish().unwrap()
        };
        let text = "{\"n\":1}\n".repeat(20_000);
        write(1, &text, Some(&gzip(&text)));
        write(2, &text, Some(&gzip(&text.replace("\"n\":1", "\"n\":2"))));
        write(3, &text, Some(b"not gzip"));
        write(4, &text, None);
        write(5, "", Some(&gzip("")));
        let differ = settle_leftovers(&dir, "app.log").unwrap();
        let mut differ: Vec<_> = differ.iter().map(|p| p.file_name().unwrap()).collect();
        differ.sort();
        assert_eq!(differ, ["app.log.00000002.gz", "app.log.00000003.gz"]);
        assert_eq!(
            names(&dir),
            [
                "app.log.00000001.gz",
                "app.log.00000002",
                "app.log.00000002.gz",
                "app.log.00000003",
                "app.log.00000003.gz",
                "app.log.00000004",
                "app.log.00000005.gz"
            ]
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_source_gone_meanwhile_is_not_an_error_and_leaves_nothing() {
        let dir = scratch("missing");
        let path = dir.join("app.log.00000001");
        assert_eq!(
            compress(&path, 0o640, &dir.join(".app.log.lock")).unwrap(),
            None,
            "nothing was compressed"
        );
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
        fs::remove_dir_all(dir).unwrap();
    }

    /// Retention deletes the source while its compression is under way (here: while the
    /// compression waits on a pipe): no `.gz` may survive it.
    #[test]
    fn a_file_deleted_during_its_compression_leaves_no_gz() {
        let dir = scratch("deleted");
        let (compressor, outcomes) = spawn(4);
        let writer = hold(&compressor, &dir);
        fs::remove_file(dir.join("app.log.00000001")).unwrap();
        drop(writer);
        let outcome = outcomes.recv().unwrap();
        assert_eq!(outcome.seq, 1);
        assert_eq!(outcome.result.unwrap(), None);
        assert_eq!(names(&dir), Vec::<String>::new());
        compressor.finish(Duration::MAX);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_gz_made_by_another_process_is_kept_and_the_source_left_to_it() {
        let dir = scratch("raced");
        let source = dir.join("app.log.00000001");
        fs::write(&source, "{\"n\":1}\n").unwrap();
        fs::write(rotate::gz(&source), b"the other process's").unwrap();
        assert_eq!(compress(&source, 0o640, &dir.join(".app.log.lock")).unwrap(), None);
        assert_eq!(names(&dir), ["app.log.00000001", "app.log.00000001.gz"]);
        assert_eq!(fs::read(rotate::gz(&source)).unwrap(), b"the other process's");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_failure_is_reported_with_the_file_left_as_it_was() {
        let dir = scratch("fails");
        let source = dir.join("app.log.00000001");
        fs::write(&source, "{\"n\":1}\n").unwrap();
        // A directory where the temporary file goes: creating it fails.
        fs::create_dir(temp_path(&rotate::gz(&source))).unwrap();
        let (compressor, outcomes) = spawn(4);
        compressor.submit(1, source.clone());
        assert!(outcomes.recv().unwrap().result.is_err());
        assert!(source.exists() && !rotate::gz(&source).exists());
        compressor.finish(Duration::MAX);
        fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_compression_thread_alone_runs_at_nice_19() {
        // Field 19 of `stat`, the 17th after the name in parentheses.
        let nice = |task: &Path| -> i64 {
            let stat = fs::read_to_string(task.join("stat")).unwrap();
            let after = &stat[stat.rfind(')').unwrap() + 2..];
            after.split(' ').nth(16).unwrap().parse().unwrap()
        };
        let dir = scratch("nice");
        let (compressor, outcomes) = spawn(4);
        compressor.submit(1, dir.join("app.log.00000001"));
        outcomes.recv().unwrap();
        // Other tests may run compressors of their own meanwhile, some not started yet.
        let compressors: Vec<i64> = fs::read_dir("/proc/self/task")
            .unwrap()
            .map(|task| task.unwrap().path())
            .filter(|task| {
                fs::read_to_string(task.join("comm")).is_ok_and(|c| c.trim() == "logfix-compress")
            })
            .map(|task| nice(&task))
            .collect();
        assert!(compressors.contains(&19), "{compressors:?}");
        assert_ne!(nice(Path::new("/proc/thread-self")), 19, "other threads keep their priority");
        compressor.finish(Duration::MAX);
        fs::remove_dir_all(dir).unwrap();
    }

    /// The thread is held on its first file while the test fills the queue.
    #[test]
    fn the_queue_holds_at_most_its_backlog_dropping_the_oldest() {
        let dir = scratch("backlog");
        let (compressor, outcomes) = spawn(3);
        let writer = hold(&compressor, &dir);
        for seq in 2..=100 {
            compressor.submit(seq, dir.join(rotate::rotated_name("app.log", seq)));
            assert!(compressor.queue.len() <= 3);
        }
        drop(writer);
        compressor.finish(Duration::MAX);
        let seqs: Vec<u64> = outcomes.try_iter().map(|o| o.seq).collect();
        assert_eq!(seqs, [1, 98, 99, 100]);
        fs::remove_dir_all(dir).unwrap();
    }

    /// `finish` runs out of time while the thread is held on its first file: the files still
    /// queued are left for the next start, and the thread stops after the file in progress.
    #[test]
    fn finish_leaves_the_queue_and_stops_the_thread() {
        let dir = scratch("finish");
        let (compressor, outcomes) = spawn(100);
        let writer = hold(&compressor, &dir);
        for seq in 2..=10 {
            let path = dir.join(rotate::rotated_name("app.log", seq));
            fs::write(&path, "{\"n\":1}\n").unwrap();
            compressor.submit(seq, path);
        }
        compressor.finish_within(Duration::ZERO, Duration::ZERO);
        drop(writer);
        // The thread holds the only sender of `outcomes`: this returns once it has ended.
        let seqs: Vec<u64> = outcomes.iter().map(|o| o.seq).collect();
        assert_eq!(seqs, [1], "only the file in progress");
        let mut expected = vec!["app.log.00000001.gz".to_owned()];
        expected.extend((2..=10).map(|seq| rotate::rotated_name("app.log", seq)));
        expected.sort();
        assert_eq!(names(&dir), expected, "one form of each file, no temporary file");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn removes_temporaries_of_dead_processes_only() {
        let dir = scratch("stale");
        let stem = "app.log.00000001";
        let dead = dir.join(format!("{stem}.gz.{}.tmp", u32::MAX - 1));
        let live = dir.join(format!("{stem}.gz.{}.tmp", std::process::id()));
        let foreign = dir.join("notes.gz.1.tmp");
        for p in [&dead, &live, &foreign] {
            fs::write(p, b"partial").unwrap();
        }
        let held = File::open(&live).unwrap();
        held.lock().unwrap();
        assert_eq!(remove_stale_temps(&dir, "app.log").unwrap(), 1);
        assert!(!dead.exists() && live.exists() && foreign.exists());
        drop(held);
        fs::remove_dir_all(dir).unwrap();
    }
}
