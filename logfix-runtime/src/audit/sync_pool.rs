//! The audit trail's sync threads: they make durable what the writer has written, while the
//! writer goes on writing, so that several `fdatasync`s can be in flight. With one sync at a
//! time each group waited for the sync before it, and four callers got a third of the
//! throughput of callers syncing on their own, whose syncs the file system batches
//! (`docs/BENCHMARKS.md`).
//!
//! The writer appends a group of records and hands it over ([`SyncPool::written`]). A free sync
//! thread takes "written up to group N", syncs and acknowledges every waiting group up to N: a
//! sync covers what was written before it started, never what came after. Syncs may end in any
//! order; the seal only moves forward. Groups are counted: the sync that ends last need not be
//! the one that covers the most.
//!
//! A caller that wrote its own record while no sync was in flight runs that sync itself
//! ([`SyncPool::written_here`]): the same sync and the same acknowledgments, without the two
//! hand-offs between threads that a lone caller would otherwise wait for on top of its sync.
//!
//! Each sync, a sync thread's or a caller's, goes through its own open file description of the
//! file, opened before anything is written to it. Linux (since 4.13) reports a writeback error
//! once to each open file description: through a shared one, a sync could take the error for
//! records that a concurrent sync then acknowledges. After a failed sync the file is taken as
//! failed: every waiting record gets the error, nothing more is acknowledged on it, and the
//! writer reopens the file and starts again from what is on disk.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};

use super::reply::Reply;
use super::seal::{SealFile, SealState};
use super::AuditError;
use crate::event::notice::{self, Notice};
use crate::metrics::Metrics;
use crate::sink::file::identity;

/// Sync threads, hence syncs in flight. A journaling file system commits one transaction at a
/// time and a sync can only join the open one: two in flight keep the disk busy (one
/// committing, one waiting to), and two more pick up records written meanwhile instead of
/// leaving them for the sync after. They wait on the disk, not on a core: the number does not
/// depend on the machine.
pub(super) const SYNC_THREADS: usize = 4;

/// The descriptor of a sync run by a caller ([`SyncPool::written_here`]), after the threads'.
/// One at a time: a caller runs a sync only while none is in flight.
const CALLER: usize = SYNC_THREADS;

/// The name of the sync threads.
pub(super) const THREAD_NAME: &str = "logfix-audit-sync";

/// How a file is made durable: `File::sync_data`, or a test's stand-in.
pub(super) type SyncFn = Arc<dyn Fn(&File) -> io::Result<()> + Send + Sync>;

/// Records written in one go, and who waits for them.
pub(super) struct Group {
    /// The number of records, for the metrics.
    pub(super) records: u64,
    pub(super) replies: Vec<Reply>,
}

/// The sync threads and what they share with the writer.
pub(super) struct SyncPool {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

struct Shared {
    state: Mutex<State>,
    /// Signalled when there is something new to sync, and on stop.
    work: Condvar,
    /// Signalled when a sync ends.
    done: Condvar,
    sync: SyncFn,
    metrics: Arc<Metrics>,
    notices: Arc<Mutex<Vec<Notice>>>,
}

#[derive(Default)]
struct State {
    /// The file being written, one descriptor per sync thread and one for a caller's sync;
    /// empty between files.
    files: Vec<Arc<File>>,
    path: PathBuf,
    /// Groups written so far (never reset), and their count when the last sync started.
    writes: u64,
    started: u64,
    /// The last record written to the file.
    last: Option<SealState>,
    /// Groups written, not yet acknowledged, oldest first, each with its count.
    waiting: VecDeque<(u64, Group)>,
    in_flight: usize,
    /// A sync of the file failed: nothing more is acknowledged until the writer reopens it.
    failure: Option<AuditError>,
    seal: Option<SealFile>,
    /// The count of the group whose last record the seal names.
    sealed: u64,
    stop: bool,
}

impl SyncPool {
    /// Starts the sync threads; `seal` is updated as records become durable.
    pub(super) fn spawn(
        seal: Option<SealFile>,
        sync: SyncFn,
        metrics: &Arc<Metrics>,
        notices: Arc<Mutex<Vec<Notice>>>,
    ) -> io::Result<Self> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State { seal, ..State::default() }),
            work: Condvar::new(),
            done: Condvar::new(),
            sync,
            metrics: Arc::clone(metrics),
            notices,
        });
        let mut pool = Self { shared, threads: Vec::with_capacity(SYNC_THREADS) };
        for index in 0..SYNC_THREADS {
            let shared = Arc::clone(&pool.shared);
            let thread = thread::Builder::new()
                .name(THREAD_NAME.into())
                .spawn(move || run(&shared, index))?;
            // On an error `pool` is dropped, and stops the threads started so far.
            pool.threads.push(thread);
        }
        Ok(pool)
    }

    /// Syncs go to `file` (at `path`) from now on, each through its own descriptor. Called
    /// before anything is written to it, after [`close`](Self::close).
    pub(super) fn attach(&self, path: &Path, file: &File) -> io::Result<()> {
        let expected = identity(&file.metadata()?);
        let mut files = Vec::with_capacity(CALLER + 1);
        for _ in 0..=CALLER {
            let own = OpenOptions::new().append(true).open(path)?;
            if identity(&own.metadata()?) != expected {
                return Err(io::Error::other("the audit file was replaced while it was opened"));
            }
            files.push(Arc::new(own));
        }
        let mut state = self.shared.lock();
        state.files = files;
        path.clone_into(&mut state.path);
        state.failure = None;
        Ok(())
    }

    /// Opens the seal again when its file was removed or replaced (its directory removed and
    /// made again, say) or could not be opened before: a seal written through a descriptor of
    /// a removed file reaches no reader. Losing a seal that worked is reported.
    pub(super) fn renew_seal(&self, path: &Path, mode: u32) {
        let mut state = self.shared.lock();
        if state.seal.as_ref().is_some_and(|seal| !seal.replaced()) {
            return;
        }
        match SealFile::open(path.to_path_buf(), mode) {
            Ok(seal) => state.seal = Some(seal),
            Err(e) => {
                if state.seal.take().is_some() {
                    Metrics::add(&self.shared.metrics.write_errors, 1);
                    let failed = seal_failed(path, &e);
                    self.shared.notices.lock().unwrap_or_else(PoisonError::into_inner).push(failed);
                }
            }
        }
    }

    /// Records up to `last` are written: `group` is acknowledged once a sync that starts now
    /// ends; it gets the error at once if the file has failed.
    pub(super) fn written(&self, last: SealState, group: Group) {
        self.hand_over(last, group, false);
    }

    /// Like [`written`](Self::written), but when no sync is in flight the sync is the caller's
    /// to run ([`CallerSync::run`]), once it has let the trail go: the writer goes on writing
    /// meanwhile, and the sync threads sync what it writes.
    pub(super) fn written_here(&self, last: SealState, group: Group) -> Option<CallerSync> {
        self.hand_over(last, group, true)
    }

    fn hand_over(&self, last: SealState, group: Group, here: bool) -> Option<CallerSync> {
        let mut state = self.shared.lock();
        if state.stop {
            answer(group, &Err(AuditError::ShutDown));
            return None;
        }
        if let Some(error) = &state.failure {
            answer(group, &Err(error.clone()));
            return None;
        }
        state.writes += 1;
        state.last = Some(last);
        let count = state.writes;
        state.waiting.push_back((count, group));
        if here && state.in_flight == 0 {
            if let Some((file, count, last)) = state.next_sync(CALLER) {
                return Some(CallerSync { shared: Arc::clone(&self.shared), file, count, last });
            }
        }
        self.shared.work.notify_one();
        None
    }

    /// Whether no sync is in flight.
    pub(super) fn idle(&self) -> bool {
        self.shared.lock().in_flight == 0
    }

    /// Whether a sync of the file failed: the writer must reopen it.
    pub(super) fn failed(&self) -> bool {
        self.shared.lock().failure.is_some()
    }

    /// Waits until every group written is acknowledged or failed and no sync is in flight.
    pub(super) fn drain(&self) {
        let mut state = self.shared.lock();
        while state.in_flight > 0 || !state.waiting.is_empty() {
            state = self.shared.done.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Drains, then lets go of the file: the writer is about to rotate, reopen or drop it.
    pub(super) fn close(&self) {
        self.drain();
        let mut state = self.shared.lock();
        state.files.clear();
        state.last = None;
        state.failure = None;
    }

    /// Drains and stops the threads.
    pub(super) fn stop(&mut self) {
        self.drain();
        self.shared.lock().stop = true;
        self.shared.work.notify_all();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for SyncPool {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A sync that a caller runs on its own thread (see [`SyncPool::written_here`]).
pub(super) struct CallerSync {
    shared: Arc<Shared>,
    file: Arc<File>,
    count: u64,
    last: SealState,
}

impl CallerSync {
    /// Syncs and acknowledges every group written before the sync started, the caller's
    /// included, like a sync thread.
    pub(super) fn run(self) {
        let result = (self.shared.sync)(&self.file);
        let mut state = self.shared.lock();
        state.synced(self.count, self.last, result, &self.shared);
        self.shared.done.notify_all();
    }
}

/// A sync thread: syncs whatever was written since the last sync started.
fn run(shared: &Shared, index: usize) {
    let mut state = shared.lock();
    loop {
        if let Some((file, count, last)) = state.next_sync(index) {
            drop(state);
            let result = (shared.sync)(&file);
            state = shared.lock();
            state.synced(count, last, result, shared);
            shared.done.notify_all();
        } else if state.stop {
            return;
        } else {
            state = shared.work.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl State {
    /// The descriptor `index`, the count of groups written and the last record, if anything
    /// was written since the last sync started (and the file has not failed).
    fn next_sync(&mut self, index: usize) -> Option<(Arc<File>, u64, SealState)> {
        let last = self.last.filter(|_| self.writes > self.started && self.failure.is_none())?;
        let file = Arc::clone(self.files.get(index)?);
        self.started = self.writes;
        self.in_flight += 1;
        Some((file, self.writes, last))
    }

    /// A sync that started once `count` groups were written, the last record `last`, has ended
    /// with `result`.
    fn synced(&mut self, count: u64, last: SealState, result: io::Result<()>, shared: &Shared) {
        self.in_flight -= 1;
        if self.failure.is_some() {
            // Whatever this sync says, the file's earlier error may have been its own.
            return;
        }
        if let Err(e) = result {
            let error = AuditError::io(&self.path, &e);
            for (_, group) in self.waiting.drain(..) {
                answer(group, &Err(error.clone()));
            }
            self.failure = Some(error);
            return;
        }
        let mut acknowledged = Vec::new();
        while self.waiting.front().is_some_and(|(n, _)| *n <= count) {
            acknowledged.extend(self.waiting.pop_front().map(|(_, group)| group));
        }
        // Under the lock, so that the seal only moves forward whichever sync ends first; before
        // the answers, so that a caller finds the seal's failure reported.
        if let Some(seal) = self.seal.as_ref().filter(|_| count > self.sealed) {
            self.sealed = count;
            if let Err(e) = seal.write(last) {
                Metrics::add(&shared.metrics.write_errors, 1);
                let failed = seal_failed(seal.path(), &e);
                shared.notices.lock().unwrap_or_else(PoisonError::into_inner).push(failed);
            }
        }
        if !acknowledged.is_empty() {
            let records = acknowledged.iter().map(|g| g.records).sum();
            Metrics::add(&shared.metrics.audit_records, records);
            Metrics::add(&shared.metrics.audit_commits, 1);
        }
        for group in acknowledged {
            answer(group, &Ok(()));
        }
    }
}

fn answer(group: Group, result: &Result<(), AuditError>) {
    for reply in group.replies {
        reply.send(result.clone());
    }
}

pub(super) fn seal_failed(path: &Path, e: &io::Error) -> Notice {
    let what = "the audit seal could not be written (truncation of the trail's end goes unnoticed until it is)";
    Notice::failure(&notice::FILE_WRITE_FAILED, what, path, e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::reply::{reply, Answer};
    use crate::audit::seal;
    use crossbeam_channel::{bounded, unbounded, Receiver, Sender};
    use std::io::ErrorKind;
    use std::sync::atomic::Ordering;

    /// Where the test sends a sync's result.
    type Verdict = Sender<io::Result<()>>;

    /// A pool syncing a scratch file through a stand-in that waits for the test's word: each
    /// sync, once started, hands the test the sender for its result.
    struct Fixture {
        // Before the pool: a sync the test never answered ends when this goes.
        syncs: Receiver<Verdict>,
        pool: SyncPool,
        dir: PathBuf,
        path: PathBuf,
        metrics: Arc<Metrics>,
    }

    impl Fixture {
        fn new(name: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("logfix-sync-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let (started, syncs) = unbounded();
            let sync: SyncFn = Arc::new(move |_: &File| {
                let (answer, result) = bounded(1);
                started.send(answer).map_err(io::Error::other)?;
                result.recv().map_err(io::Error::other)?
            });
            let seal = SealFile::open(dir.join("audit.log.seal"), 0o640).unwrap();
            let metrics = Arc::new(Metrics::default());
            let pool = SyncPool::spawn(Some(seal), sync, &metrics, Arc::default()).unwrap();
            let path = dir.join("audit.log");
            let file = File::create(&path).unwrap();
            pool.attach(&path, &file).unwrap();
            Self { syncs, pool, dir, path, metrics }
        }

        /// Says records up to `seq` are written; returns where the caller's answer arrives.
        fn written(&self, seq: u64) -> Answer {
            let (reply, answer) = reply();
            self.pool.written(state(seq), Group { records: 1, replies: vec![reply] });
            answer
        }

        /// Like `written`, for a caller that runs the sync if it is its to run.
        fn written_here(&self, seq: u64) -> (Answer, Option<CallerSync>) {
            let (reply, answer) = reply();
            let sync =
                self.pool.written_here(state(seq), Group { records: 1, replies: vec![reply] });
            (answer, sync)
        }

        fn seal(&self) -> Option<u64> {
            seal::read(&self.dir.join("audit.log.seal")).unwrap().map(|s| s.seq)
        }

        fn counted(&self) -> (u64, u64) {
            let get = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
            (get(&self.metrics.audit_records), get(&self.metrics.audit_commits))
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn state(seq: u64) -> SealState {
        SealState { seq, chain: [u8::try_from(seq).unwrap(); 32] }
    }

    fn eio() -> io::Result<()> {
        Err(io::Error::from_raw_os_error(5))
    }

    /// Two syncs in flight: the first covers record 1 only, written before it started; record
    /// 2 waits for the sync that started after it, and the seal follows.
    #[test]
    fn a_record_is_acknowledged_only_by_a_sync_that_started_after_it_was_written() {
        let f = Fixture::new("order");
        let first = f.written(1);
        let sync_1 = f.syncs.recv().unwrap();
        let second = f.written(2);
        let sync_2 = f.syncs.recv().unwrap();
        assert_eq!(first.try_take(), None);
        assert_eq!(second.try_take(), None);
        assert_eq!(f.seal(), None);

        sync_1.send(Ok(())).unwrap();
        assert_eq!(first.wait(), Ok(()));
        assert_eq!(f.seal(), Some(1));
        assert_eq!(second.try_take(), None, "its sync is still in flight");

        sync_2.send(Ok(())).unwrap();
        assert_eq!(second.wait(), Ok(()));
        assert_eq!(f.seal(), Some(2));
        assert_eq!(f.counted(), (2, 2));
    }

    /// The later sync ends first: it covers both records; the earlier one, ending after it,
    /// acknowledges nothing more and does not move the seal back.
    #[test]
    fn a_later_sync_ending_first_covers_the_records_before_it_and_the_seal_never_goes_back() {
        let f = Fixture::new("out-of-order");
        let first = f.written(1);
        let sync_1 = f.syncs.recv().unwrap();
        let second = f.written(2);
        let sync_2 = f.syncs.recv().unwrap();
        sync_2.send(Ok(())).unwrap();
        assert_eq!((first.wait(), second.wait()), (Ok(()), Ok(())));
        assert_eq!(f.seal(), Some(2));
        sync_1.send(Ok(())).unwrap();
        f.pool.drain();
        assert_eq!(f.seal(), Some(2));
        assert_eq!(f.counted(), (2, 1));
    }

    /// A sync ending after two later ones never takes the seal back, also when the slot it
    /// would write is the one holding the newest seal (the two slots take turns by the
    /// record's parity, so reading the higher slot alone does not protect it).
    #[test]
    fn a_sync_ending_last_never_overwrites_a_newer_seal() {
        let f = Fixture::new("late-slot");
        let first = f.written(1);
        let sync_1 = f.syncs.recv().unwrap();
        let second = f.written(2);
        let sync_2 = f.syncs.recv().unwrap();
        sync_2.send(Ok(())).unwrap();
        assert_eq!((first.wait(), second.wait()), (Ok(()), Ok(())));
        let third = f.written(3);
        let sync_3 = f.syncs.recv().unwrap();
        sync_3.send(Ok(())).unwrap();
        assert_eq!(third.wait(), Ok(()));
        assert_eq!(f.seal(), Some(3));
        sync_1.send(Ok(())).unwrap();
        f.pool.drain();
        assert_eq!(f.seal(), Some(3), "record 1's sync, ending last, wrote no seal");
    }

    /// A failed sync fails every record waiting, also one a sync still in flight covers; that
    /// sync's success afterwards acknowledges nothing, nor does anything written meanwhile,
    /// until the file is opened again.
    #[test]
    fn after_a_failed_sync_nothing_on_the_file_is_acknowledged() {
        let f = Fixture::new("failed");
        let first = f.written(1);
        let sync_1 = f.syncs.recv().unwrap();
        let second = f.written(2);
        let sync_2 = f.syncs.recv().unwrap();
        sync_1.send(eio()).unwrap();
        for answer in [first, second] {
            let error = answer.wait().unwrap_err();
            assert!(matches!(&error, AuditError::Io { path, .. } if *path == f.path), "{error:?}");
        }
        assert!(f.pool.failed());
        let third = f.written(3);
        assert!(third.wait().is_err(), "written to the failed file");
        sync_2.send(Ok(())).unwrap();
        f.pool.drain();
        assert_eq!((f.seal(), f.counted()), (None, (0, 0)));

        f.pool.close();
        let file = File::options().append(true).open(&f.path).unwrap();
        f.pool.attach(&f.path, &file).unwrap();
        assert!(!f.pool.failed());
        let fourth = f.written(4);
        f.syncs.recv().unwrap().send(Ok(())).unwrap();
        assert_eq!(fourth.wait(), Ok(()));
        assert_eq!((f.seal(), f.counted()), (Some(4), (1, 1)));
    }

    /// A caller runs the sync only while none is in flight; when its sync fails, the records
    /// a sync thread's sync covers fail too, and that sync's success acknowledges nothing.
    #[test]
    fn a_caller_runs_the_sync_only_while_none_is_in_flight_and_its_failure_counts() {
        let f = Fixture::new("caller");
        let (first, sync) = f.written_here(1);
        let caller = thread::spawn(move || sync.map(CallerSync::run).is_some());
        let caller_sync = f.syncs.recv().unwrap();
        let (second, none) = f.written_here(2);
        assert!(none.is_none(), "a sync is in flight: the sync threads take it");
        let thread_sync = f.syncs.recv().unwrap();

        caller_sync.send(eio()).unwrap();
        assert!(caller.join().unwrap(), "the first caller ran its sync");
        assert!(first.wait().is_err());
        assert!(second.wait().is_err());
        thread_sync.send(Ok(())).unwrap();
        f.pool.drain();
        assert!(f.pool.failed());
        assert_eq!((f.seal(), f.counted()), (None, (0, 0)));
    }

    /// Record numbers that go back are synced and acknowledged all the same (the writer never
    /// numbers back, continuing after the last record it wrote, but no caller may wait forever
    /// on a number), and the seal, which never goes back, stays at the later record.
    #[test]
    fn records_numbered_again_are_acknowledged() {
        let f = Fixture::new("renumbered");
        let first = f.written(5);
        f.syncs.recv().unwrap().send(Ok(())).unwrap();
        assert_eq!(first.wait(), Ok(()));
        let again = f.written(3);
        f.syncs.recv().unwrap().send(Ok(())).unwrap();
        assert_eq!(again.wait(), Ok(()));
        assert_eq!(f.seal(), Some(5), "the seal never goes back");
    }

    /// A file replaced between the writer's open and the sync threads' is refused: the syncs
    /// would go to another file than the records.
    #[test]
    fn the_sync_threads_sync_the_file_the_writer_opened() {
        let f = Fixture::new("replaced");
        let file = File::options().append(true).open(&f.path).unwrap();
        std::fs::rename(&f.path, f.dir.join("old")).unwrap();
        File::create(&f.path).unwrap();
        let error = f.pool.attach(&f.path, &file).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Other, "{error}");
    }

    /// After `stop` a group is answered at once, never left waiting.
    #[test]
    fn a_group_after_stop_is_answered() {
        let mut f = Fixture::new("stopped");
        f.pool.stop();
        assert_eq!(f.written(1).wait(), Err(AuditError::ShutDown));
    }
}
