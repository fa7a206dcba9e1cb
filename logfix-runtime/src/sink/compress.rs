//! gzip compression of rotated files, on a thread of its own so that writing goes on.
//!
//! A rotated file `X` is compressed to `X.gz.<pid>.tmp`, synced, renamed to `X.gz`, and only
//! then is `X` removed: a crash at any point leaves either `X` (compressed again at the next
//! start) or a complete `X.gz`, never a truncated `.gz` under a final name.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use flate2::write::GzEncoder;

use super::rotate;
use crate::event::notice::{self, Notice};
use crate::metrics::Metrics;

/// How long shutdown waits for a compression in progress. A file left uncompressed is
/// compressed at the next start.
pub(crate) const FINISH_TIMEOUT: Duration = Duration::from_secs(10);

/// Bytes compressed between two checks of the machine's load (a few hundred microseconds of
/// work), so that on a busy machine the application's threads get the CPU first.
const CHUNK: usize = 8 * 1024;

/// The pause after each chunk while more threads are runnable than there are CPUs: long enough
/// for the scheduler to move a waiting thread onto the CPU the compressor leaves idle. Even on
/// a machine that never idles, compression goes on (at about 4 MB/s).
const BUSY_PAUSE: Duration = Duration::from_millis(2);

/// The compression thread: receives rotated files, compresses them, then enforces retention.
pub(crate) struct GzipCompressor {
    jobs: Option<Sender<PathBuf>>,
    done: Receiver<()>,
    handle: Option<JoinHandle<()>>,
    /// Set when `finish` runs out of time: the thread then leaves the files still queued.
    stop: Arc<AtomicBool>,
    /// Set by `finish`: the process is stopping and waits, so compression no longer pauses for
    /// other threads.
    hurry: Arc<AtomicBool>,
}

/// Where the compression thread reports.
pub(crate) struct Job {
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) notices: Sender<Notice>,
}

impl GzipCompressor {
    /// Starts the thread; `None` if the OS refuses a thread (rotated files then stay
    /// uncompressed, and the failure is reported).
    pub(crate) fn spawn(job: Job) -> Option<Self> {
        let (jobs, inbox) = crossbeam_channel::unbounded::<PathBuf>();
        let (finished, done) = crossbeam_channel::bounded(1);
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let hurry = Arc::new(AtomicBool::new(false));
        let hurrying = Arc::clone(&hurry);
        let handle = thread::Builder::new()
            .name("logfix-compress".into())
            .spawn(move || {
                lower_priority();
                for path in inbox {
                    // Relaxed: a flag that only says "stop"; it publishes no other memory.
                    if stopping.load(Ordering::Relaxed) {
                        break;
                    }
                    compress_one(&job, &path, &hurrying);
                }
                let _ = finished.send(());
            })
            .ok()?;
        Some(Self { jobs: Some(jobs), done, handle: Some(handle), stop, hurry })
    }

    pub(crate) fn submit(&self, path: PathBuf) {
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(path);
        }
    }

    /// Lets the queued compressions finish, waiting at most `timeout`. Files still queued then
    /// are left uncompressed (the next start compresses them), and only the compression in
    /// progress is waited for, at most [`FINISH_TIMEOUT`].
    pub(crate) fn finish(mut self, timeout: Duration) {
        // Relaxed: a flag that only says "no more pauses"; it publishes no other memory.
        self.hurry.store(true, Ordering::Relaxed);
        self.jobs = None;
        // When time runs out the thread must stop, not work through its queue after shutdown
        // returned: it would rename and delete files in a directory the caller takes to be
        // quiet (a new logger recovering it, a reader).
        let finished = self.done.recv_timeout(timeout).is_ok() || {
            self.stop.store(true, Ordering::Relaxed);
            self.done.recv_timeout(FINISH_TIMEOUT).is_ok()
        };
        if finished {
            if let Some(handle) = self.handle.take() {
                let _ = handle.join();
            }
        }
    }
}

/// Puts the calling thread in the `SCHED_IDLE` class (Linux): it then runs only on a CPU that
/// nothing else wants, so compressing never delays the application's threads. Measured with
/// `benches/pipeline.rs` (2 producers, 1 MiB rotation, gzip, 2 cores): calls over 1 ms fell
/// from 254 to the level of the hand-written baseline (see docs/BENCHMARKS.md). Where the class
/// cannot be set, the thread keeps its priority and still yields between chunks.
fn lower_priority() -> bool {
    set_policy(libc::SCHED_IDLE)
}

/// Whether more threads are runnable than there are CPUs, from `/proc/loadavg` (Linux; elsewhere
/// never). `SCHED_IDLE` alone is not enough: a thread waiting on one CPU's queue is moved to
/// the CPU the compressor runs on only once that CPU has been idle for a while (measured: with
/// yields alone, callers waited up to 4 ms behind the compressor; see docs/BENCHMARKS.md).
fn cpus_oversubscribed() -> bool {
    let cpus = thread::available_parallelism().map_or(1, std::num::NonZero::get);
    fs::read_to_string("/proc/loadavg").is_ok_and(|loadavg| more_runnable_than(&loadavg, cpus))
}

/// Whether `/proc/loadavg` text (`0.97 0.71 0.86 3/245 1234`: the fourth field is runnable/all
/// threads) counts more runnable threads than `cpus`. Unreadable text counts as not busy.
fn more_runnable_than(loadavg: &str, cpus: usize) -> bool {
    let runnable = loadavg
        .split_whitespace()
        .nth(3)
        .and_then(|field| field.split('/').next()?.parse::<usize>().ok());
    runnable.is_some_and(|runnable| runnable > cpus)
}

pub(crate) fn set_policy(policy: i32) -> bool {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: `sched_setscheduler` only reads `param`, a valid local that outlives the
        // call; pid 0 names the calling thread; SCHED_IDLE requires priority 0, as given. The
        // call changes no memory of ours and fails cleanly (returns -1) if refused.
        #[allow(unsafe_code, reason = "no safe API sets a scheduling policy; see above")]
        let status = unsafe { libc::sched_setscheduler(0, policy, &raw const param) };
        status == 0
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

fn compress_one(job: &Job, path: &Path, hurry: &AtomicBool) {
    match compress(path, hurry) {
        Ok(true) => Metrics::add(&job.metrics.compressions, 1),
        Ok(false) => {}
        Err(e) => {
            Metrics::add(&job.metrics.compression_failures, 1);
            let _ = job.notices.send(Notice::failure(
                &notice::ROTATION_FAILED,
                "compressing a rotated file failed",
                path,
                &e,
            ));
        }
    }
}

/// Compresses `path` to `path.gz` through a temporary file, then removes `path`. Pauses while
/// the machine is busy, unless `hurry` is set. Returns whether this call compressed it: `false`
/// when the file is gone (deleted by retention, possibly while it was being compressed, or
/// compressed by another process).
pub(crate) fn compress(path: &Path, hurry: &AtomicBool) -> io::Result<bool> {
    let target = rotate::gz(path);
    let temp = temp_path(&target);
    let result = write_gz(path, &temp, hurry).and_then(|()| {
        if path.exists() {
            fs::rename(&temp, &target)?;
            fs::remove_file(path).map(|()| true)
        } else {
            // Deleted by retention meanwhile: keep it deleted. (Should retention delete it
            // between the check and the rename, the `.gz` stays until the next rotation's
            // retention: deleting it on `NotFound` below could delete another process's
            // compression of the same file.)
            fs::remove_file(&temp).map(|()| false)
        }
    });
    match result {
        Ok(compressed) => Ok(compressed),
        // Another process compressed it first (two processes recovering the same leftovers at
        // start-up), or retention deleted it: either way there is nothing left to do.
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let _ = fs::remove_file(&temp);
            Ok(false)
        }
        Err(e) => {
            let _ = fs::remove_file(&temp);
            Err(e)
        }
    }
}

fn write_gz(source: &Path, temp: &Path, hurry: &AtomicBool) -> io::Result<()> {
    let mut input = File::open(source)?;
    let mut encoder = GzEncoder::new(File::create(temp)?, flate2::Compression::default());
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = input.read(&mut chunk)?;
        let Some(bytes) = chunk.get(..n).filter(|b| !b.is_empty()) else {
            break;
        };
        encoder.write_all(bytes)?;
        if !hurry.load(Ordering::Relaxed) && cpus_oversubscribed() {
            thread::sleep(BUSY_PAUSE);
        } else {
            thread::yield_now();
        }
    }
    encoder.finish()?.sync_all()
}

fn temp_path(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(format!(".{}.tmp", std::process::id()));
    PathBuf::from(name)
}

/// Removes temporary files left by compressions that died with their process. A temporary
/// file belongs to a live process when `/proc/<pid>` exists; where there is no `/proc`, files
/// older than an hour are taken as dead.
pub(crate) fn remove_stale_temps(dir: &Path, file: &str) -> io::Result<u64> {
    let mut removed = 0;
    let has_proc = Path::new("/proc/self").exists();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(rest) = name.strip_suffix(".tmp") else {
            continue;
        };
        let Some((stem, pid)) = rest.rsplit_once(".gz.") else {
            continue;
        };
        if rotate::rotated_stem(file, stem).is_none() {
            continue;
        }
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        let dead = if has_proc {
            pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists()
        } else {
            let age = entry.metadata()?.modified()?.elapsed().unwrap_or_default();
            age > Duration::from_secs(3600)
        };
        if dead {
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

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("logfix-compress-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn busy_means_more_runnable_threads_than_cpus() {
        assert!(more_runnable_than("2.10 1.50 0.90 3/245 1234\n", 2));
        assert!(!more_runnable_than("2.10 1.50 0.90 2/245 1234\n", 2));
        assert!(!more_runnable_than("garbage", 2));
        assert!(!more_runnable_than("", 1));
    }

    #[test]
    fn the_compression_thread_runs_at_idle_priority() {
        let policy = thread::spawn(|| {
            assert!(lower_priority());
            // SAFETY: no arguments; reads the calling thread's policy.
            #[allow(unsafe_code, reason = "checking the effect of the unsafe call under test")]
            unsafe {
                libc::sched_getscheduler(0)
            }
        })
        .join()
        .unwrap();
        assert_eq!(policy, libc::SCHED_IDLE);
    }

    #[test]
    fn compresses_through_a_temporary_file_and_removes_the_source() {
        let dir = scratch("roundtrip");
        let source = dir.join("app.log.20261128T043913.000000Z");
        let text = "{\"n\":1}\n".repeat(10_000);
        fs::write(&source, &text).unwrap();
        assert!(compress(&source, &AtomicBool::new(false)).unwrap());
        assert!(!source.exists());
        let mut back = String::new();
        GzDecoder::new(File::open(rotate::gz(&source)).unwrap()).read_to_string(&mut back).unwrap();
        assert_eq!(back, text);
        let names: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "no temporary file is left: {names:?}");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_source_gone_meanwhile_is_not_an_error_and_leaves_nothing() {
        let dir = scratch("missing");
        let path = dir.join("app.log.20261128T043913.000000Z");
        assert!(!compress(&path, &AtomicBool::new(false)).unwrap(), "nothing was compressed");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn finish_leaves_the_queue_and_stops_the_thread() {
        let dir = scratch("finish");
        let text = "{\"n\":1}\n".repeat(8_000);
        let (notices, inbox) = crossbeam_channel::unbounded();
        let compressor =
            GzipCompressor::spawn(Job { metrics: Arc::new(Metrics::default()), notices }).unwrap();
        let files = 200;
        for i in 0..files {
            let path = dir.join(format!("app.log.20261128T0439{:02}.{i:06}Z", i % 60));
            fs::write(&path, &text).unwrap();
            compressor.submit(path);
        }
        compressor.finish(Duration::ZERO);
        // The thread owns the only sender of `notices`: it is gone once the thread is.
        assert!(
            matches!(inbox.try_recv(), Err(crossbeam_channel::TryRecvError::Disconnected)),
            "the compression thread still runs after finish"
        );
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), files, "one form of each file: {names:?}");
        let has_extension = |n: &String, ext: &str| Path::new(n).extension() == Some(ext.as_ref());
        assert!(names.iter().all(|n| !has_extension(n, "tmp")), "{names:?}");
        assert!(
            names.iter().any(|n| !has_extension(n, "gz")),
            "files still queued are left for the next start"
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn removes_temporaries_of_dead_processes_only() {
        let dir = scratch("stale");
        let stem = "app.log.20261128T043913.000000Z";
        let dead = dir.join(format!("{stem}.gz.{}.tmp", u32::MAX - 1));
        let ours = dir.join(format!("{stem}.gz.{}.tmp", std::process::id()));
        let foreign = dir.join("notes.gz.1.tmp");
        for p in [&dead, &ours, &foreign] {
            fs::write(p, b"partial").unwrap();
        }
        assert_eq!(remove_stale_temps(&dir, "app.log").unwrap(), 1);
        assert!(!dead.exists() && ours.exists() && foreign.exists());
        fs::remove_dir_all(dir).unwrap();
    }
}
