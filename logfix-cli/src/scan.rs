//! Reading several files at once: a worker thread per core, each taking the next file, and the
//! results handed back in the order of the files, at most a few files ahead of the one being
//! consumed (so that memory stays bounded by a few files' results, however many files there are).

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;

use crate::error::Error;
use crate::source::LogFile;

/// Runs `work` on every file, on worker threads, and `consume` on each result in the order of
/// `files`, on the calling thread. `work` counts the bytes it reads from the disk into the
/// counter it is given, for the progress line.
///
/// # Errors
///
/// The first error of `consume`: the scan stops there (the workers finish the file they are on).
pub(crate) fn scan<T: Send>(
    files: &[LogFile],
    progress: &Progress,
    work: impl Fn(&LogFile, &AtomicU64) -> T + Sync,
    mut consume: impl FnMut(&LogFile, T) -> Result<(), Error>,
) -> Result<(), Error> {
    let workers =
        thread::available_parallelism().map_or(1, usize::from).clamp(1, files.len().max(1));
    // Files handed out but not yet consumed: one per worker, and one result ready for the
    // consumer. More would not be faster (when results wait, the consumer is the bottleneck)
    // and would hold more of them: a query that keeps every line holds a file's worth each.
    let ahead = workers + 1;
    let (job_tx, job_rx) = crossbeam_channel::unbounded::<usize>();
    let (done_tx, done_rx) = crossbeam_channel::unbounded::<(usize, T)>();
    let (work, read) = (&work, &progress.read);
    thread::scope(|scope| {
        for _ in 0..workers {
            let (job_rx, done_tx) = (job_rx.clone(), done_tx.clone());
            scope.spawn(move || {
                while let Ok(i) = job_rx.recv() {
                    let Some(file) = files.get(i) else { break };
                    if done_tx.send((i, work(file, read))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let mut handed_out = 0;
        while handed_out < files.len().min(ahead) {
            let _ = job_tx.send(handed_out);
            handed_out += 1;
        }
        let mut ready = BTreeMap::new();
        let mut next = 0;
        let result = loop {
            while let Some(result) = ready.remove(&next) {
                progress.clear();
                let Some(file) = files.get(next) else { break };
                if let Err(e) = consume(file, result) {
                    drop(job_tx);
                    return Err(e);
                }
                next += 1;
                if handed_out < files.len() {
                    let _ = job_tx.send(handed_out);
                    handed_out += 1;
                }
            }
            if next >= files.len() {
                break Ok(());
            }
            match done_rx.recv_timeout(Progress::TICK) {
                Ok((i, result)) => {
                    ready.insert(i, result);
                }
                Err(RecvTimeoutError::Timeout) => progress.show(next, files.len()),
                // Every worker is gone: only a worker's panic does that, which the scope
                // propagates.
                Err(RecvTimeoutError::Disconnected) => break Ok(()),
            }
        };
        drop(job_tx);
        progress.clear();
        result
    })
}

/// A progress line on stderr for long scans: only on a terminal, and only once a scan has
/// taken more than a second.
pub(crate) struct Progress {
    enabled: bool,
    total: u64,
    read: AtomicU64,
    started: Instant,
    shown: core::cell::Cell<bool>,
}

impl Progress {
    const TICK: Duration = Duration::from_millis(200);
    const AFTER: Duration = Duration::from_secs(1);

    /// A progress line for reading `files`, shown if `enabled` and stderr is a terminal.
    pub(crate) fn new(files: &[LogFile], enabled: bool) -> Progress {
        Progress {
            enabled: enabled && std::io::stderr().is_terminal(),
            total: files.iter().map(|f| f.size).sum(),
            read: AtomicU64::new(0),
            started: Instant::now(),
            shown: core::cell::Cell::new(false),
        }
    }

    fn show(&self, done: usize, files: usize) {
        if !self.enabled || self.started.elapsed() < Self::AFTER {
            return;
        }
        // Relaxed: a figure to display.
        let read = self.read.load(Ordering::Relaxed);
        let percent = read.saturating_mul(100) / self.total.max(1);
        let mut stderr = std::io::stderr().lock();
        let _ = write!(
            stderr,
            "\r\x1b[Kreading: {}% of {} ({done} of {files} files done)",
            percent.min(100),
            crate::output::bytes(self.total)
        );
        let _ = stderr.flush();
        self.shown.set(true);
    }

    /// Erases the progress line, before output goes to the terminal.
    fn clear(&self) {
        if self.shown.replace(false) {
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "\r\x1b[K");
            let _ = stderr.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consumes_in_order_and_stops_at_the_first_error() {
        let files: Vec<LogFile> =
            (0..50).map(|i| LogFile { path: format!("f{i}").into(), size: 1 }).collect();
        let progress = Progress::new(&files, false);
        let mut seen = Vec::new();
        scan(
            &files,
            &progress,
            |f, _| f.path.clone(),
            |f, path| {
                assert_eq!(f.path, path);
                seen.push(path);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen, files.iter().map(|f| f.path.clone()).collect::<Vec<_>>());

        let mut count = 0;
        let err = scan(
            &files,
            &progress,
            |_, _| (),
            |_, ()| {
                count += 1;
                if count == 3 {
                    Err(Error::Output(std::io::Error::other("stop")))
                } else {
                    Ok(())
                }
            },
        );
        assert!(matches!(err, Err(Error::Output(_))));
        assert_eq!(count, 3);
        scan(&[], &progress, |_, _| (), |_, ()| Ok(())).unwrap();
    }
}
