//! The audit writer: one thread (`logfix-audit`) that takes every record that has arrived and
//! appends them to the trail, then takes the next ones; the sync threads (`sync_pool`) sync
//! the file meanwhile, each sync acknowledging every record written before it started (group
//! commit, with several syncs in flight).
//!
//! Callers render their record, send it and wait for the answer: `Ok` once the record is
//! written and `fdatasync`ed, the error otherwise. The channel is bounded and a caller waits for
//! room: a record is never dropped. Numbers and chain values are given as records are
//! appended, so the records of one thread keep its order.
//!
//! A caller that finds the trail idle (nothing waiting for the writer, no sync in flight)
//! appends and syncs its record itself: a lone caller pays a write and a sync, as if it wrote
//! its own file, not two hand-offs between threads on top.
//!
//! The trail rotates like the application log (size, numbered files, gzip on a niced thread)
//! and continues across rotations and restarts from the last record on disk. Each group's write
//! holds the lock file's exclusive lock and first checks that the file is as it left it, so
//! processes sharing the trail continue one chain. Its sync need not hold the lock: it goes
//! through descriptors of the file the group was written to, whatever another process does
//! with the name meanwhile, and a process that rotates the file takes the records from the page
//! cache (and syncs the compressed copy before it removes the original). This process syncs
//! and acknowledges everything in a file before it rotates it. Retention deletes only by age,
//! only files that exist compressed and check out, and only after a record saying so is on
//! disk.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use arc_swap::{ArcSwap, ArcSwapOption};
use crossbeam_channel::{Receiver, Sender};

use super::chain::{self, Chain, Digest, GENESIS};
use super::reply::{reply, Reply};
use super::retention::{Doomed, Plan, Retention};
use super::seal::{self, SealFile, SealState};
use super::sync_pool::{seal_failed, CallerSync, Group, SyncFn, SyncPool};
use super::verify;
use super::AuditError;
use crate::config::{Compression, Settings};
use crate::event::notice::{self, Notice};
use crate::event::Derived;
use crate::event::Metadata;
use crate::metrics::Metrics;
use crate::oneshot;
use crate::render::{self, Format, Output};
use crate::sink::compress::{self, GzipCompressor, Outcome, FINISH_TIMEOUT};
use crate::sink::dir::{self, LogDir};
use crate::sink::file::{identity, is_current, leftover_differs, lock_name, LockGuard};
use crate::sink::rotate::{self, RotatedSet};
use crate::sink::{OsTime, TimeSource};
use crate::{clock, fork};

/// The name of the audit writer thread.
pub(crate) const THREAD_NAME: &str = "logfix-audit";
/// Records waiting for the writer; beyond that a caller waits for room.
const CHANNEL: usize = 1024;
/// At most this many records, or bytes, in one group commit.
const MAX_GROUP: usize = 4096;
const MAX_GROUP_BYTES: usize = 4 << 20;
/// Room for the audit keys a record gets, for the rotation's size check.
const KEYS_LEN: u64 = 120;
/// Rotated audit files waiting for compression: a few per rotation at most.
const COMPRESS_BACKLOG: usize = 64;
/// Times the lock file is opened again when it is found replaced once locked.
const LOCK_ATTEMPTS: usize = 3;
/// How long shutdown waits for the writer: its last group, then compressions in progress.
const STOP_TIMEOUT: Duration = Duration::from_secs(5 + FINISH_TIMEOUT.as_secs());

enum Request {
    Record(Vec<u8>, Reply),
    Stop(oneshot::Sender<()>),
}

/// A logger's audit writer: none until the first `audit()`, and a new one in a forked child.
#[derive(Default)]
pub(crate) struct AuditSlot {
    writer: ArcSwapOption<AuditWriter>,
    /// Set by [`AuditSlot::shutdown`]: `audit()` fails from then on.
    closed: AtomicBool,
    /// Held while a writer starts, and by `shutdown` while it takes the writer: a shutdown that
    /// has begun waits for a writer being started and stops it, and none starts after it.
    gate: ArcSwap<Gate>,
}

/// The lock that starting a writer and shutting down take, in one process: a forked child
/// makes its own, as the parent's may be held by a thread that does not exist in the child.
#[derive(Default)]
struct Gate {
    /// The `fork::generation` it was made in.
    generation: u64,
    lock: Mutex<()>,
}

impl AuditSlot {
    /// This process's writer, started (the trail opened) on first use.
    pub(crate) fn writer(
        &self,
        settings: &Settings,
        metrics: &Arc<Metrics>,
    ) -> Result<Arc<AuditWriter>, AuditError> {
        self.writer_with(|| AuditWriter::start(settings, metrics, fork::generation()))
    }

    /// [`writer`](Self::writer), with `start` starting it.
    fn writer_with(
        &self,
        start: impl FnOnce() -> Result<AuditWriter, AuditError>,
    ) -> Result<Arc<AuditWriter>, AuditError> {
        // SeqCst, with the store in `shutdown`: a call that starts after shutdown fails.
        if self.closed.load(Ordering::SeqCst) {
            return Err(AuditError::ShutDown);
        }
        if let Some(writer) = self.current() {
            return Ok(writer);
        }
        let gate = self.gate();
        let _held = gate.lock.lock().unwrap_or_else(PoisonError::into_inner);
        // Checked again under the gate: a shutdown that took it first has closed the slot,
        // and one that comes after waits for this writer and stops it.
        if self.closed.load(Ordering::SeqCst) {
            return Err(AuditError::ShutDown);
        }
        if let Some(writer) = self.current() {
            // Another thread started one first.
            return Ok(writer);
        }
        let started = Arc::new(start()?);
        // A parent's writer: its channel may be locked by a thread that does not exist in
        // this process (see `dispatch`'s pipeline restart).
        std::mem::forget(self.writer.swap(Some(Arc::clone(&started))));
        Ok(started)
    }

    /// The writer of this process, if it was started.
    fn current(&self) -> Option<Arc<AuditWriter>> {
        let current = self.writer.load();
        current.as_ref().filter(|w| w.generation == fork::generation()).map(Arc::clone)
    }

    /// The gate of this process: a forked child's own.
    fn gate(&self) -> Arc<Gate> {
        let current = self.gate.load_full();
        let generation = fork::generation();
        if current.generation == generation {
            return current;
        }
        let fresh = Arc::new(Gate { generation, lock: Mutex::new(()) });
        let previous = self.gate.compare_and_swap(&current, Arc::clone(&fresh));
        if Arc::ptr_eq(&previous, &current) {
            // Its lock may be held by a thread of the parent: never touched again.
            std::mem::forget(current);
            fresh
        } else {
            // Another thread of the child made one first.
            arc_swap::Guard::into_inner(previous)
        }
    }

    /// Stops the writer after its last group and compressions; returns its last notices.
    pub(crate) fn shutdown(&self) -> Vec<Notice> {
        self.shutdown_with(|| {})
    }

    /// [`shutdown`](Self::shutdown), calling `closed` once `audit()` calls are refused.
    fn shutdown_with(&self, closed: impl FnOnce()) -> Vec<Notice> {
        self.closed.store(true, Ordering::SeqCst);
        closed();
        let taken = {
            let gate = self.gate();
            let _held = gate.lock.lock().unwrap_or_else(PoisonError::into_inner);
            self.writer.swap(None)
        };
        match taken {
            Some(writer) if writer.generation == fork::generation() => {
                writer.stop(STOP_TIMEOUT);
                writer.take_notices()
            }
            inherited => {
                std::mem::forget(inherited);
                Vec::new()
            }
        }
    }
}

impl Drop for AuditSlot {
    /// The writer commits what it holds and stops once its channel is gone; a parent's is left
    /// alone.
    fn drop(&mut self) {
        if let Some(writer) = self.writer.swap(None) {
            if writer.generation != fork::generation() {
                std::mem::forget(writer);
            }
        }
    }
}

/// Appends `line` (a rendered JSON line) to the trail `settings` name, as one more process
/// sharing it, and waits until it is durable: a record written without a logger.
pub(crate) fn commit_one(settings: &Settings, line: Vec<u8>) -> Result<(), AuditError> {
    let metrics = Arc::new(Metrics::default());
    let writer = AuditWriter::start(settings, &metrics, fork::generation())?;
    let committed = writer.commit(line);
    writer.stop(STOP_TIMEOUT);
    committed
}

/// The `audit_failed` event for an audit record of `meta` that `error` stopped.
pub(crate) fn failed(meta: &Metadata, error: &AuditError) -> Notice {
    let (component, event) = (meta.component(), meta.event());
    Notice::new(
        &notice::AUDIT_FAILED,
        format!("an audit record of {component}.{event} was not written: {error}"),
    )
    .field("failed_component", component)
    .field("failed_event", event)
    .field("error", error.to_string())
}

/// The callers' end of the audit writer.
pub(crate) struct AuditWriter {
    /// Taken by [`stop`](Self::stop). Callers hold it only while they send: once the writer
    /// thread has stopped and the last of them has let go, the channel goes, and with it any
    /// record that arrived behind the stop, whose caller is answered `ShutDown`.
    sender: ArcSwapOption<Sender<Request>>,
    /// Taken by the writer thread for each group, and by a caller that finds it idle.
    trail: Arc<Mutex<Trail>>,
    /// The `fork::generation` it was started in.
    generation: u64,
    /// What the writer has to say in the application log, taken by the callers.
    notices: Arc<Mutex<Vec<Notice>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl AuditWriter {
    /// Opens the trail (recovering its last record) and starts the writer thread.
    pub(crate) fn start(
        settings: &Settings,
        metrics: &Arc<Metrics>,
        generation: u64,
    ) -> Result<Self, AuditError> {
        Self::start_with(settings, metrics, generation, Arc::new(File::sync_data))
    }

    /// [`start`](Self::start) with `sync` making the file durable.
    fn start_with(
        settings: &Settings,
        metrics: &Arc<Metrics>,
        generation: u64,
        sync: SyncFn,
    ) -> Result<Self, AuditError> {
        let notices = Arc::new(Mutex::new(Vec::new()));
        let trail = Trail::open(settings, metrics, Arc::new(OsTime), notices, sync)?;
        Self::launch(trail, generation)
    }

    /// Starts the writer thread on an open trail.
    fn launch(mut trail: Trail, generation: u64) -> Result<Self, AuditError> {
        trail.tend();
        let notices = Arc::clone(&trail.published);
        let plans = trail.retention.plans.clone();
        let path = trail.path.clone();
        let trail = Arc::new(Mutex::new(trail));
        let (sender, receiver) = crossbeam_channel::bounded(CHANNEL);
        let shared = Arc::clone(&trail);
        let thread = thread::Builder::new()
            .name(THREAD_NAME.into())
            .spawn(move || run(&shared, &receiver, &plans))
            .map_err(|e| AuditError::io(&path, &e))?;
        let sender = ArcSwapOption::from_pointee(sender);
        Ok(Self { sender, trail, generation, notices, thread: Mutex::new(Some(thread)) })
    }

    /// Appends `line` (a rendered JSON line) and waits until it is on disk: itself when the
    /// trail is idle, through the writer otherwise.
    pub(crate) fn commit(&self, line: Vec<u8>) -> Result<(), AuditError> {
        let (reply, answer) = reply();
        // Dropped before the wait: a record the writer will never take must not be kept
        // waiting by the caller's own hold on the channel.
        let sender = self.sender.load_full().ok_or(AuditError::ShutDown)?;
        if let Some(mut trail) = self.idle_trail(&sender) {
            let sync = trail.commit_here(std::slice::from_ref(&line), reply);
            drop(trail);
            if let Some(sync) = sync {
                sync.run();
            }
        } else {
            sender.send(Request::Record(line, reply)).map_err(|_| AuditError::ShutDown)?;
        }
        drop(sender);
        answer.wait()
    }

    /// The trail, if nothing waits for the writer, no one holds it and no sync is in flight.
    /// Otherwise the record goes through the writer, which takes all that arrived meanwhile as
    /// one group: callers appending one record each would each start a sync of their own.
    fn idle_trail(&self, sender: &Sender<Request>) -> Option<MutexGuard<'_, Trail>> {
        if !sender.is_empty() {
            return None;
        }
        self.trail.try_lock().ok().filter(|trail| trail.pool.idle())
    }

    /// What the writer reported since the last call: failures of the seal, compression,
    /// retention.
    pub(crate) fn take_notices(&self) -> Vec<Notice> {
        std::mem::take(&mut *self.notices.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Lets the writer commit what it has, finish its compressions and stop; waits at most
    /// `timeout` for it.
    fn stop(&self, timeout: Duration) {
        if let Some(done) = self.begin_stop(timeout) {
            self.end_stop(done, timeout);
        }
    }

    /// Takes the channel from the callers and asks the writer to stop; `None` if it was
    /// stopped already or the request did not get through in `timeout` (the writer then stops
    /// once the callers still sending have let the channel go).
    fn begin_stop(&self, timeout: Duration) -> Option<oneshot::Receiver<()>> {
        let sender = self.sender.swap(None)?;
        let (ack, done) = oneshot::channel();
        sender.send_timeout(Request::Stop(ack), timeout).ok().map(|()| done)
    }

    /// Waits at most `timeout` for the writer to stop, then for its thread.
    fn end_stop(&self, done: oneshot::Receiver<()>, timeout: Duration) {
        if done.wait_timeout(timeout).is_some() {
            let thread = self.thread.lock().ok().and_then(|mut t| t.take());
            if let Some(thread) = thread {
                let _ = thread.join();
            }
        }
    }
}

/// The writer thread: a group per turn, everything that has arrived; it does not wait for the
/// group's sync. It also carries out retention's plans as they come.
fn run(trail: &Mutex<Trail>, receiver: &Receiver<Request>, plans: &Receiver<Plan>) {
    let lock = || trail.lock().unwrap_or_else(PoisonError::into_inner);
    let mut group: Vec<Vec<u8>> = Vec::new();
    let mut replies: Vec<Reply> = Vec::new();
    let mut stop = None;
    while stop.is_none() {
        let arrived = crossbeam_channel::select! {
            recv(receiver) -> request => Ok(request),
            recv(plans) -> plan => Err(plan),
        };
        let first = match arrived {
            Ok(Ok(request)) => request,
            Ok(Err(_)) => break,
            Err(plan) => {
                let mut trail = lock();
                if let Ok(plan) = plan {
                    trail.settle(plan);
                }
                // A plan dropped is checked again at the next group or compression, not at
                // once: files that keep changing must not keep the checks going.
                trail.publish();
                #[cfg(test)]
                if let Some(settled) = &trail.settled {
                    let _ = settled.send(());
                }
                continue;
            }
        };
        let mut next = Some(first);
        let mut bytes = 0;
        while let Some(request) = next.take() {
            match request {
                Request::Record(line, reply) => {
                    bytes += line.len();
                    group.push(line);
                    replies.push(reply);
                }
                Request::Stop(ack) => stop = Some(ack),
            }
            if stop.is_none() && group.len() < MAX_GROUP && bytes < MAX_GROUP_BYTES {
                next = receiver.try_recv().ok();
            }
        }
        let mut trail = lock();
        if !group.is_empty() {
            trail.commit(&group, std::mem::take(&mut replies), false);
            group.clear();
        }
        trail.tend();
    }
    let mut trail = lock();
    trail.stopped = true;
    trail.pool.stop();
    trail.finish();
    trail.publish();
    drop(trail);
    if let Some(ack) = stop {
        ack.send(());
    }
}

/// The trail's files and the chain's state: the last record on disk.
struct Trail {
    dir: LogDir,
    name: String,
    path: PathBuf,
    /// The active file; `None` after a failure, reopened by the next commit. Only
    /// [`Trail::open_file`] and [`Trail::close_file`] set it: the sync threads follow.
    file: Option<File>,
    /// The active file's device and inode, and its length, as this writer left it.
    identity: Option<(u64, u64)>,
    len: u64,
    lock: Option<Arc<File>>,
    /// The seal's path (the sync threads write it) and the files' mode.
    seal: PathBuf,
    file_mode: u32,
    pool: SyncPool,
    /// Makes the directory's entries durable: `File::sync_all` of the directory, or a test's.
    sync_dir: SyncFn,
    /// The last record written: its number and chain value.
    seq: u64,
    prev: Digest,
    chain: Chain,
    max_size: u64,
    max_age: Option<Duration>,
    rotated: RotatedSet,
    compressor: Option<GzipCompressor>,
    outcomes: Receiver<Outcome>,
    /// Compressions that failed, submitted again at the next rotation.
    failed: Vec<(u64, PathBuf)>,
    retention: Retention,
    /// Tests: told each time a retention plan has been dealt with.
    #[cfg(test)]
    settled: Option<Sender<()>>,
    /// The last rotation failed (and was reported).
    rotation_failed: bool,
    time: Arc<dyn TimeSource>,
    metrics: Arc<Metrics>,
    notices: Vec<Notice>,
    /// Where [`Trail::publish`] puts them, for the callers to take.
    published: Arc<Mutex<Vec<Notice>>>,
    buf: Vec<u8>,
    /// The writer thread has stopped: callers no longer append.
    stopped: bool,
}

impl Trail {
    /// Opens the trail in the configured log directory (never a fallback: a trail split
    /// between directories would not verify) and recovers its last record.
    fn open(
        settings: &Settings,
        metrics: &Arc<Metrics>,
        time: Arc<dyn TimeSource>,
        notices: Arc<Mutex<Vec<Notice>>>,
        sync: SyncFn,
    ) -> Result<Self, AuditError> {
        let mut dir = dir::candidates(settings).into_iter().next().ok_or(AuditError::ShutDown)?;
        dir.path = std::path::absolute(&dir.path).unwrap_or(dir.path);
        let name = settings.audit_file.clone();
        let path = dir.join(&name);
        let io = |e: io::Error| AuditError::io(&path, &e);
        let file = dir.open_append(&name).and_then(dir::regular).map_err(io)?;
        let lock = dir.open_lock(&lock_name(&name)).ok().map(Arc::new);
        let (report, outcomes) = crossbeam_channel::unbounded();
        let compressor = match settings.compression {
            Compression::Gzip => GzipCompressor::spawn(
                Arc::clone(metrics),
                report,
                settings.file_mode,
                COMPRESS_BACKLOG,
                dir.join(&lock_name(&name)),
            ),
            Compression::None => None,
        };
        let seal_path = dir.join(&seal::seal_name(&name));
        let mut own_notices = Vec::new();
        let seal = SealFile::open(seal_path.clone(), settings.file_mode)
            .map_err(|e| own_notices.push(seal_failed(&seal_path, &e)))
            .ok();
        let pool = SyncPool::spawn(seal, sync, metrics, Arc::clone(&notices)).map_err(io)?;
        pool.attach(&path, &file).map_err(io)?;
        let mut trail = Trail {
            dir,
            name,
            path: path.clone(),
            file: Some(file),
            identity: None,
            len: 0,
            lock,
            seal: seal_path,
            file_mode: settings.file_mode,
            pool,
            sync_dir: Arc::new(File::sync_all),
            seq: 0,
            prev: GENESIS,
            chain: Chain::new(settings.audit_key.as_ref()),
            max_size: settings.max_file_size,
            max_age: settings.audit_max_age,
            rotated: RotatedSet::default(),
            compressor,
            outcomes,
            failed: Vec::new(),
            retention: Retention::new(settings.audit_max_age.is_some()),
            #[cfg(test)]
            settled: None,
            rotation_failed: false,
            time,
            metrics: Arc::clone(metrics),
            notices: own_notices,
            published: notices,
            buf: Vec::new(),
            stopped: false,
        };
        // The active file may have just been made: its entry must survive a power cut before
        // records go into it.
        trail.sync_dir().map_err(io)?;
        {
            let _exclusive = trail.lock_exclusive();
            let _ = compress::remove_stale_temps(&trail.dir.path, &trail.name);
            trail.settle_leftovers();
            trail.rotated = RotatedSet::scan(&trail.dir.path, &trail.name).map_err(io)?;
            trail.recover().map_err(io)?;
            trail.check_seal();
        }
        if let Some(compressor) = &trail.compressor {
            for seq in trail.rotated.uncompressed() {
                compressor.submit(seq, trail.dir.join(&rotate::rotated_name(&trail.name, seq)));
            }
        }
        Ok(trail)
    }

    /// Removes rotated files left beside a compressed copy by a crash (see
    /// [`compress::settle_leftovers`]); a copy that differs is reported and both are kept, for
    /// `verify` to point at.
    fn settle_leftovers(&mut self) {
        let differ = compress::settle_leftovers(&self.dir.path, &self.name);
        self.notices.extend(differ.unwrap_or_default().iter().map(|gz| leftover_differs(gz)));
    }

    /// Takes the lock file's exclusive lock. A lock file removed or replaced (its directory
    /// removed and made again, say) is opened again first: a lock on a removed file excludes
    /// no one who opens the trail now. Without a lock file to open, the one held is locked.
    fn lock_exclusive(&mut self) -> Option<LockGuard> {
        let mut lock = Arc::clone(self.lock.as_ref()?);
        let path = self.dir.join(&lock_name(&self.name));
        for _ in 0..LOCK_ATTEMPTS {
            lock.lock().ok()?;
            // Checked once locked: the file may be replaced between the open and the lock.
            if is_current(&lock, &path) {
                return Some(LockGuard(lock));
            }
            let _ = lock.unlock();
            let Ok(fresh) = self.dir.open_lock(&lock_name(&self.name)) else { break };
            lock = Arc::new(fresh);
            self.lock = Some(Arc::clone(&lock));
        }
        lock.lock().ok().map(|()| LockGuard(lock))
    }

    /// Reads the last record on disk: the active file's last line, or the newest rotated
    /// file's when the active file is empty. A line cut short at the end (a write interrupted
    /// by a crash, never acknowledged) is cut off first. Called under the exclusive lock.
    fn recover(&mut self) -> io::Result<()> {
        if self.file.is_none() {
            self.open_file()?;
        }
        let (whole, last) = last_line(&self.path)?;
        let file = self.file.as_ref().ok_or_else(|| io::Error::other("no file"))?;
        let meta = file.metadata()?;
        if meta.len() > whole {
            file.set_len(whole)?;
            file.sync_data()?;
        }
        self.len = whole;
        self.identity = identity(&meta);
        let last = match last {
            Some(line) => Some(line),
            None => self.newest_rotated_line()?,
        };
        (self.seq, self.prev) = match last {
            None => (0, GENESIS),
            Some(line) => {
                let record = chain::parse(&line).ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        "the trail's last line is not an audit record: check the trail with audit::verify",
                    )
                })?;
                (record.seq, record.chain)
            }
        };
        Ok(())
    }

    /// The last line of the newest rotated file, if any.
    fn newest_rotated_line(&self) -> io::Result<Option<Vec<u8>>> {
        let Some(seq) = self.rotated.newest() else { return Ok(None) };
        let plain = self.dir.join(&rotate::rotated_name(&self.name, seq));
        let path = if plain.exists() { plain } else { rotate::gz(&plain) };
        let text = verify::read_file(&path).map_err(|d| d.error)?;
        let body = text.strip_suffix(b"\n").unwrap_or(&text);
        let start = body.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        Ok(body.get(start..).filter(|l| !l.is_empty()).map(<[u8]>::to_vec))
    }

    /// A seal ahead of the trail means its end was cut off while no writer ran: the chain
    /// continues from the seal, so that the gap stays visible to `verify`.
    fn check_seal(&mut self) {
        if let Ok(Some(sealed)) = seal::read(&self.seal) {
            self.continue_after(sealed, "its seal names");
        }
    }

    /// Continues the chain after `known`, the last record the seal or this writer knows of,
    /// when the trail on disk ends before it: records were removed from its end. Numbering from
    /// the disk would hide the gap from `verify` (and move the seal back).
    fn continue_after(&mut self, known: SealState, source: &str) {
        if known.seq <= self.seq {
            return;
        }
        self.notices.push(
            Notice::new(
                &notice::AUDIT_TRAIL_TRUNCATED,
                format!(
                    "the audit trail ends at record {} but {source} record {}: records were removed from its end; the trail continues after them",
                    self.seq, known.seq
                ),
            )
            .field("path", self.path.display().to_string())
            .field("last_seq", self.seq)
            .field("expected_seq", known.seq),
        );
        (self.seq, self.prev) = (known.seq, known.chain);
    }

    /// Appends `lines` as the next records and hands them to the sync threads, which answer
    /// `replies` once a sync covers them; with `here`, returns the sync if it is the caller's to
    /// run (see [`SyncPool::written_here`]). On an error the replies get it at once, and the
    /// next commit starts again from what is on disk.
    fn commit(&mut self, lines: &[Vec<u8>], replies: Vec<Reply>, here: bool) -> Option<CallerSync> {
        let group = Group { records: lines.len() as u64, replies };
        match self.append(lines) {
            Ok(last) if here => return self.pool.written_here(last, group),
            Ok(last) => self.pool.written(last, group),
            Err(e) => {
                let error = AuditError::io(&self.path, &e);
                for reply in group.replies {
                    reply.send(Err(error.clone()));
                }
            }
        }
        None
    }

    /// Appends a caller's records; returns the sync the caller is to run once it has let the
    /// trail go, if no sync is in flight (see [`SyncPool::written_here`]).
    fn commit_here(&mut self, lines: &[Vec<u8>], reply: Reply) -> Option<CallerSync> {
        if self.stopped {
            reply.send(Err(AuditError::ShutDown));
            return None;
        }
        // Compression's reports, and a retention check to start: nothing that waits.
        self.tend();
        let sync = self.commit(lines, vec![reply], true);
        self.publish();
        sync
    }

    /// Commits `lines` and waits until they are durable.
    fn commit_and_wait(&mut self, lines: &[Vec<u8>]) -> Result<(), AuditError> {
        let (reply, answer) = reply();
        self.commit(lines, vec![reply], false);
        answer.wait()
    }

    /// Appends `lines` as the next records (not synced); returns the last one.
    fn append(&mut self, lines: &[Vec<u8>]) -> io::Result<SealState> {
        let _exclusive = self.lock_exclusive();
        if self.pool.failed() {
            // Reopened, so that no later sync of it acknowledges anything.
            self.close_file();
        }
        self.reconcile()?;
        let bytes: u64 = lines.iter().map(|l| l.len() as u64 + KEYS_LEN).sum();
        if self.len > 0 && self.len + bytes > self.max_size {
            // A file that cannot be rotated takes the records all the same: the audit trail
            // goes past the size limit rather than fail (the failure is reported once).
            match self.rotate() {
                Ok(()) => self.rotation_failed = false,
                Err(e) if self.file.is_some() => {
                    if !std::mem::replace(&mut self.rotation_failed, true) {
                        let what = "rotating the audit trail failed; records go on into the active file until it can be rotated";
                        self.notices.push(Notice::failure(
                            &notice::ROTATION_FAILED,
                            what,
                            &self.path,
                            &e,
                        ));
                    }
                }
                Err(e) => return Err(e),
            }
        }
        self.buf.clear();
        let (mut seq, mut prev) = (self.seq, self.prev);
        for line in lines {
            // Saturating: only a forged trail gets near the end of the numbers, and `verify`
            // reports what follows.
            seq = seq.saturating_add(1);
            prev = chain::append(&mut self.buf, line, seq, &self.chain, &prev);
        }
        let file = self.file.as_mut().ok_or_else(|| io::Error::other("no file"))?;
        if let Err(e) = file.write_all(&self.buf) {
            self.close_file();
            return Err(e);
        }
        self.len += self.buf.len() as u64;
        (self.seq, self.prev) = (seq, prev);
        Ok(SealState { seq, chain: prev })
    }

    /// Opens (or makes) the active file, and the sync threads' descriptors of it; made durable
    /// in the directory, with any rename before it, before records go into it.
    fn open_file(&mut self) -> io::Result<()> {
        let file = self.dir.open_append(&self.name).and_then(dir::regular)?;
        self.sync_dir()?;
        self.pool.attach(&self.path, &file)?;
        self.pool.renew_seal(&self.seal, self.file_mode);
        self.file = Some(file);
        Ok(())
    }

    /// Makes the directory's entries (a new file, a rename) durable.
    fn sync_dir(&self) -> io::Result<()> {
        #[cfg(unix)]
        {
            (self.sync_dir)(&File::open(&self.dir.path)?)
        }
        #[cfg(not(unix))]
        {
            Ok(())
        }
    }

    /// Lets go of the active file once everything written to it is acknowledged or failed.
    fn close_file(&mut self) {
        self.pool.close();
        self.file = None;
    }

    /// Makes sure the active file is open and is as this writer left it; otherwise (another
    /// process wrote or rotated it, or a failed write left part of a group) starts again from
    /// what is on disk, never from before the last record this writer wrote (someone
    /// truncated or removed the file).
    fn reconcile(&mut self) -> io::Result<()> {
        let on_disk = fs::symlink_metadata(&self.path).ok();
        let same =
            on_disk.as_ref().is_some_and(|m| identity(m) == self.identity && m.len() == self.len);
        if self.file.is_some() && same {
            return Ok(());
        }
        if on_disk.as_ref().and_then(identity) != self.identity {
            self.close_file();
            self.rotated = RotatedSet::scan(&self.dir.path, &self.name)?;
        }
        let written = SealState { seq: self.seq, chain: self.prev };
        self.recover()?;
        self.continue_after(written, "this process wrote up to");
        Ok(())
    }

    /// Renames the active file to the next number and starts a new one; the chain goes on.
    fn rotate(&mut self) -> io::Result<()> {
        let counter = self.lock.as_deref().and_then(rotate::read_counter).unwrap_or(1);
        let mut seq = self.rotated.newest().map_or(1, |s| s.saturating_add(1)).max(counter);
        while self.rotated.learn(&self.dir.path, &self.name, seq) {
            seq = seq.checked_add(1).ok_or_else(|| io::Error::other("no file number left"))?;
        }
        let target = self.dir.join(&rotate::rotated_name(&self.name, seq));
        let meta = fs::metadata(&self.path)?;
        // Every record of the file synced and acknowledged before it goes to the compressor.
        self.pool.drain();
        fs::rename(&self.path, &target)?;
        self.close_file();
        if let Some(lock) = &self.lock {
            let _ = rotate::write_counter(lock, seq.saturating_add(1));
        }
        self.rotated.add(seq, meta.len(), meta.modified().ok(), false);
        Metrics::add(&self.metrics.rotations, 1);
        // Syncs the directory: the rename and the new file survive a power cut before records
        // go into it.
        self.open_file()?;
        self.identity =
            self.file.as_ref().and_then(|f| f.metadata().ok()).as_ref().and_then(identity);
        self.len = 0;
        if let Some(compressor) = &self.compressor {
            for (seq, path) in self.failed.drain(..).chain([(seq, target)]) {
                compressor.submit(seq, path);
            }
        }
        Ok(())
    }

    /// What is due between groups: the compression thread's reports, retention, notices.
    fn tend(&mut self) {
        self.collect_outcomes();
        self.retain();
        self.publish();
    }

    /// Hands the notices over to the callers.
    fn publish(&mut self) {
        if !self.notices.is_empty() {
            let mut published = self.published.lock().unwrap_or_else(PoisonError::into_inner);
            published.append(&mut self.notices);
        }
    }

    /// Takes the compression thread's reports.
    fn collect_outcomes(&mut self) {
        while let Ok(Outcome { seq, path, result }) = self.outcomes.try_recv() {
            match result {
                Ok(Some(size)) => {
                    self.rotated.compressed(seq, size);
                    self.retention.due |= self.max_age.is_some();
                }
                Ok(None) => {}
                Err(e) => {
                    let what = "compressing a rotated audit file failed (tried again at the next rotation)";
                    self.notices.push(Notice::failure(&notice::ROTATION_FAILED, what, &path, &e));
                    self.failed.push((seq, path));
                }
            }
        }
    }

    /// Starts retention's check of the files older than `LOGFIX_AUDIT_MAX_AGE` that exist only
    /// compressed, off the trail (see [`Retention`]); [`Trail::settle`] carries out its plan.
    fn retain(&mut self) {
        let due = self.retention.due && !self.retention.checking;
        let Some(max_age) = self.max_age.filter(|_| due) else { return };
        self.retention.due = false;
        let expired = self.rotated.expired_compressed(max_age, self.time.wall());
        let gz = |seq| rotate::gz(&self.dir.join(&rotate::rotated_name(&self.name, seq)));
        let candidates: Vec<(u64, PathBuf)> =
            expired.into_iter().map(|seq| (seq, gz(seq))).collect();
        if candidates.is_empty() {
            return;
        }
        let (dir, name, chain) = (&self.dir.path, &self.name, &self.chain);
        if let Some(plan) = self.retention.check(dir, name, chain, candidates) {
            self.settle(plan);
        }
    }

    /// Carries out retention's plan: first a record naming the new start of the trail is
    /// committed, so that `verify` can tell retention from removal, then the files are deleted.
    /// A plan whose files changed since they were listed or checked (another process's
    /// retention deleted them, someone wrote to one) is dropped, and the files are listed and
    /// checked again.
    fn settle(&mut self, plan: Plan) {
        self.retention.checking = false;
        let Some(max_age) = self.max_age.filter(|_| !self.stopped) else { return };
        if !plan.holds() {
            if let Ok(rotated) = RotatedSet::scan(&self.dir.path, &self.name) {
                self.rotated = rotated;
            }
            self.retention.due = true;
            return;
        }
        self.notices.extend(plan.refused);
        let Some((last_seq, last_chain)) = plan.last else {
            self.delete(plan.doomed);
            return;
        };
        let first_seq = last_seq.saturating_add(1);
        let names: Vec<String> = plan.doomed.iter().map(|d| d.path.display().to_string()).collect();
        let deleted = Notice::new(
            &notice::AUDIT_FILES_DELETED,
            format!(
                "{} audit files older than {} s deleted; the trail now starts at record {}",
                plan.doomed.len(),
                max_age.as_secs(),
                first_seq
            ),
        )
        .field("first_seq", first_seq)
        .field("first_prev", chain::hex(&last_chain))
        .field("files", names.join(" "));
        let mut out = Output::new(Format::Json, false);
        render::render(&mut out, &Derived(&deleted), None, clock::now());
        if let Err(e) = self.commit_and_wait(&[out.buf]) {
            let what = "the audit retention record could not be written: no file was deleted";
            self.notices.push(
                Notice::new(&notice::AUDIT_FAILED, format!("{what}: {e}"))
                    .field("path", self.path.display().to_string())
                    .field("error", e.to_string()),
            );
            return;
        }
        self.retention.start = Some((first_seq, last_chain));
        self.delete(plan.doomed);
        self.notices.push(deleted);
    }

    /// Deletes the files retention chose, oldest first, under the exclusive lock.
    fn delete(&mut self, doomed: Vec<Doomed>) {
        if doomed.is_empty() {
            return;
        }
        let _exclusive = self.lock_exclusive();
        for Doomed { seq, path, .. } in doomed {
            match self.rotated.delete(&self.dir.path, &self.name, seq) {
                Ok(removed) => Metrics::add(&self.metrics.files_deleted, u64::from(removed)),
                Err(e) => {
                    let what = "deleting an expired audit file failed";
                    self.notices.push(Notice::failure(&notice::ROTATION_FAILED, what, &path, &e));
                    break;
                }
            }
        }
    }

    /// Waits for compressions in progress (at most [`FINISH_TIMEOUT`]).
    fn finish(&mut self) {
        if let Some(compressor) = self.compressor.take() {
            compressor.finish(FINISH_TIMEOUT);
        }
        self.collect_outcomes();
    }
}

/// The length of `path` up to its last line end, and its last whole line; read from the end.
fn last_line(path: &Path) -> io::Result<(u64, Option<Vec<u8>>)> {
    let mut file = dir::open_read_regular(path)?;
    let len = file.metadata()?.len();
    let mut window: u64 = 64 * 1024;
    loop {
        let start = len.saturating_sub(window);
        file.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::new();
        Read::by_ref(&mut file).take(len - start).read_to_end(&mut buf)?;
        let end = buf.iter().rposition(|b| *b == b'\n');
        let line_start = end.and_then(|end| {
            let before = buf.get(..end)?;
            Some(before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1))
        });
        match (end, line_start) {
            (Some(end), Some(from)) if from > 0 || start == 0 => {
                let line = buf.get(from..end).map(<[u8]>::to_vec);
                return Ok((start + end as u64 + 1, line));
            }
            (None, _) if start == 0 => return Ok((0, None)),
            _ => window = window.saturating_mul(2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{self, BreakKind};
    use crate::config::Config;
    use crate::sink::FakeTime;
    use std::time::SystemTime;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("logfix-audit-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn open(settings: &Settings, metrics: &Arc<Metrics>, time: Arc<dyn TimeSource>) -> Trail {
        let sync: SyncFn = Arc::new(File::sync_data);
        Trail::open(settings, metrics, time, Arc::default(), sync).unwrap()
    }

    impl Trail {
        /// Retention as the writer runs it: the check on its thread, then its plan.
        fn retain_now(&mut self) {
            self.retain();
            if self.retention.checking {
                let plan = self.retention.plans.recv().unwrap();
                self.settle(plan);
            }
        }
    }

    fn line(n: u64) -> Vec<u8> {
        format!("{{\"timestamp\":\"2026-12-06T00:00:00.000000Z\",\"level\":\"info\",\"component\":\"t\",\"event\":\"e\",\"message\":\"{n}\",\"pad\":\"{}\"}}\n", "x".repeat(200)).into_bytes()
    }

    /// A trail in a new directory `name`, rotated at 1 KiB, not compressed, with one record.
    fn small_trail(name: &str) -> (PathBuf, Arc<Metrics>, Trail) {
        let dir = scratch(name);
        let (settings, _) = Config::new()
            .dir(dir.clone())
            .max_file_size(1024)
            .compression(Compression::None)
            .resolve();
        let metrics = Arc::new(Metrics::default());
        let mut trail = open(&settings, &metrics, Arc::new(OsTime));
        trail.commit_and_wait(&[line(0)]).unwrap();
        (dir, metrics, trail)
    }

    /// A sync that has started: the thread running it, and where the test sends its result.
    type Started = (String, Sender<io::Result<()>>);

    /// A sync function that tells the test which thread runs it and waits for the test's word.
    fn announced_syncs() -> (SyncFn, Receiver<Started>) {
        let (started, syncs) = crossbeam_channel::unbounded();
        let sync: SyncFn = Arc::new(move |file: &File| {
            let name = thread::current().name().unwrap_or_default().to_owned();
            let (answer, result) = crossbeam_channel::bounded(1);
            started.send((name, answer)).map_err(io::Error::other)?;
            result.recv().map_err(io::Error::other)??;
            file.sync_data()
        });
        (sync, syncs)
    }

    /// A lone caller writes and syncs its own record on its own thread (no hand-off to the
    /// writer or a sync thread); a caller arriving while that sync is in flight is synced by a
    /// sync thread, whose sync also covers the first record.
    #[test]
    fn a_lone_caller_syncs_its_own_record_and_the_next_one_joins_the_pipeline() {
        let dir = scratch("caller-sync");
        let (settings, _) = Config::new().dir(dir.clone()).resolve();
        let metrics = Arc::new(Metrics::default());
        let (sync, syncs) = announced_syncs();
        let writer = Arc::new(AuditWriter::start_with(&settings, &metrics, 0, sync).unwrap());
        let commit = |name: &str, n| {
            let writer = Arc::clone(&writer);
            thread::Builder::new().name(name.into()).spawn(move || writer.commit(line(n))).unwrap()
        };

        let first = commit("caller-a", 0);
        let (a_thread, a_sync) = syncs.recv().unwrap();
        assert_eq!(a_thread, "caller-a");
        let second = commit("caller-b", 1);
        let (b_thread, b_sync) = syncs.recv().unwrap();
        assert_eq!(b_thread, audit::sync_pool::THREAD_NAME);

        b_sync.send(Ok(())).unwrap();
        assert_eq!(second.join().unwrap(), Ok(()));
        assert!(!first.is_finished(), "the first caller is in its own sync");
        a_sync.send(Ok(())).unwrap();
        assert_eq!(first.join().unwrap(), Ok(()));
        writer.stop(STOP_TIMEOUT);
        let counted = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
        assert_eq!((counted(&metrics.audit_records), counted(&metrics.audit_commits)), (2, 1));
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        assert!(report.is_intact(), "{report}");
        assert_eq!((report.records, report.seal), (2, Some(2)));
        fs::remove_dir_all(dir).unwrap();
    }

    /// An `audit()` that started the writer while `shutdown()` ran: shutdown has begun (calls
    /// are refused) while the caller opens the trail. Whatever the caller gets, no writer or
    /// sync thread may run once shutdown has returned, and an `Ok` means the record is on disk.
    #[test]
    fn a_writer_started_while_shutdown_runs_does_not_outlive_it() {
        let dir = scratch("start-vs-shutdown");
        let (settings, _) = Config::new().dir(dir.clone()).resolve();
        let metrics = Arc::new(Metrics::default());
        let slot = Arc::new(AuditSlot::default());
        let (starting, in_start) = crossbeam_channel::bounded(0);
        let (go, gone) = crossbeam_channel::bounded(0);
        let caller = {
            let slot = Arc::clone(&slot);
            thread::spawn(move || {
                let writer = slot.writer_with(|| {
                    starting.send(()).unwrap();
                    gone.recv().unwrap();
                    AuditWriter::start(&settings, &metrics, fork::generation())
                });
                match writer {
                    Ok(writer) => (writer.commit(line(0)), Some(writer)),
                    Err(e) => (Err(e), None),
                }
            })
        };
        in_start.recv().unwrap();
        let (closing, closed) = crossbeam_channel::bounded(1);
        let shutdown = {
            let slot = Arc::clone(&slot);
            thread::spawn(move || slot.shutdown_with(|| closing.send(()).unwrap()))
        };
        closed.recv().unwrap();
        go.send(()).unwrap();
        let (result, writer) = caller.join().unwrap();
        shutdown.join().unwrap();
        if let Some(writer) = &writer {
            assert!(writer.thread.lock().unwrap().is_none(), "the writer thread outlived shutdown");
        }
        match result {
            Ok(()) => {
                let report = verify::verify_with(&dir, &Config::new()).unwrap();
                assert!(report.is_intact() && report.records == 1, "{report}");
            }
            Err(e) => assert_eq!(e, AuditError::ShutDown),
        }
        assert_eq!(slot.writer_with(|| unreachable!()).err(), Some(AuditError::ShutDown));
        fs::remove_dir_all(dir).unwrap();
    }

    /// A caller that took the writer's channel before shutdown, and whose record arrives behind
    /// the writer's stop: once the writer thread has stopped, the record is answered (it was
    /// not written: `ShutDown`), never left waiting for a thread that is gone.
    #[test]
    fn a_record_sent_behind_the_stop_is_answered_once_the_writer_stops() {
        let dir = scratch("record-after-stop");
        let (settings, _) = Config::new().dir(dir.clone()).resolve();
        let metrics = Arc::new(Metrics::default());
        let writer = AuditWriter::start(&settings, &metrics, 0).unwrap();
        // Held, so that the writer thread cannot finish before the record is queued.
        let trail = writer.trail.lock().unwrap();
        let caller = writer.sender.load_full().unwrap();
        let done = writer.begin_stop(STOP_TIMEOUT).unwrap();
        let (reply, answer) = reply();
        let queued = caller.send(Request::Record(line(0), reply));
        drop(caller);
        drop(trail);
        writer.end_stop(done, STOP_TIMEOUT);
        assert!(queued.is_ok(), "the record went in behind the stop");
        assert!(writer.thread.lock().unwrap().is_none(), "the writer thread stopped");
        assert_eq!(answer.try_take(), Some(Err(AuditError::ShutDown)));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_last_line_is_found_from_the_end_and_a_torn_tail_is_left_out() {
        let dir = scratch("last-line");
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f");
        fs::write(&path, b"").unwrap();
        assert_eq!(last_line(&path).unwrap(), (0, None));
        fs::write(&path, b"torn").unwrap();
        assert_eq!(last_line(&path).unwrap(), (0, None));
        fs::write(&path, b"one\n").unwrap();
        assert_eq!(last_line(&path).unwrap(), (4, Some(b"one".to_vec())));
        let long = "y".repeat(200_000);
        fs::write(&path, format!("one\n{long}\ntwo")).unwrap();
        assert_eq!(last_line(&path).unwrap(), (200_005, Some(long.into_bytes())));
        fs::remove_dir_all(dir).unwrap();
    }

    /// A writer that finds the active file empty continues from the newest rotated file, also
    /// when that one is compressed (a crash right after a rotation).
    #[test]
    fn a_restart_continues_from_the_last_record_of_a_compressed_file() {
        let dir = scratch("restart-gz");
        let (settings, _) = Config::new().dir(dir.clone()).resolve();
        let metrics = Arc::new(Metrics::default());
        let time: Arc<dyn TimeSource> = Arc::new(OsTime);
        let mut trail = open(&settings, &metrics, Arc::clone(&time));
        trail.commit_and_wait(&[line(0), line(1), line(2)]).unwrap();
        let last = (trail.seq, trail.prev);
        trail.finish();
        drop(trail);
        let rotated = dir.join(rotate::rotated_name("audit.log", 1));
        fs::rename(dir.join("audit.log"), &rotated).unwrap();
        compress::compress(&rotated, 0o640, &dir.join(".audit.log.lock")).unwrap().unwrap();
        assert!(!rotated.exists() && rotate::gz(&rotated).exists());

        let mut trail = open(&settings, &metrics, time);
        assert_eq!((trail.seq, trail.prev), last);
        trail.commit_and_wait(&[line(3)]).unwrap();
        trail.finish();
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        assert!(report.is_intact(), "{report}");
        assert_eq!((report.records, report.files.len()), (4, 2));
        fs::remove_dir_all(dir).unwrap();
    }

    /// A trail that cannot be rotated (`chattr +i` on the directory: renames refused, the
    /// open file still writable) takes the records past the size limit, says so once, and
    /// rotates once it can.
    #[test]
    fn a_trail_that_cannot_be_rotated_takes_the_records_all_the_same() {
        use std::process::Command;
        let (dir, metrics, mut trail) = small_trail("stuck");
        let immutable = Command::new("chattr").arg("+i").arg(&dir).status();
        if !immutable.is_ok_and(|s| s.success()) {
            println!("skipped: chattr +i is not available");
            return fs::remove_dir_all(dir).unwrap();
        }
        let stuck: Vec<_> = (1..10).map(|n| trail.commit_and_wait(&[line(n)])).collect();
        let _ = Command::new("chattr").arg("-i").arg(&dir).status();
        assert!(stuck.iter().all(Result::is_ok), "{stuck:?}");
        assert!(trail.len > 2 * 1024, "past the limit: {}", trail.len);
        let failed: Vec<_> =
            trail.notices.iter().filter(|n| n.meta.event() == "rotation_failed").collect();
        assert_eq!(failed.len(), 1, "said once");
        trail.commit_and_wait(&[line(10)]).unwrap();
        assert_eq!(metrics.rotations.load(Ordering::Relaxed), 1);
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        assert!(report.is_intact() && report.records == 11, "{report}");
        fs::remove_dir_all(dir).unwrap();
    }

    /// A failed sync fails its records; the writer reopens the file, starts again from what is
    /// on disk (the failed record, written, stays) and the trail goes on, its chain intact.
    #[test]
    fn after_a_failed_sync_the_writer_starts_again_from_the_disk() {
        let dir = scratch("sync-failed");
        let (settings, _) = Config::new().dir(dir.clone()).resolve();
        let metrics = Arc::new(Metrics::default());
        let failing = AtomicBool::new(true);
        let sync: SyncFn = Arc::new(move |file: &File| {
            if failing.swap(false, Ordering::Relaxed) {
                return Err(io::Error::from_raw_os_error(5));
            }
            file.sync_data()
        });
        let mut trail =
            Trail::open(&settings, &metrics, Arc::new(OsTime), Arc::default(), sync).unwrap();
        assert!(matches!(trail.commit_and_wait(&[line(0)]), Err(AuditError::Io { .. })));
        trail.commit_and_wait(&[line(1), line(2)]).unwrap();
        assert_eq!(metrics.audit_records.load(Ordering::Relaxed), 2);
        drop(trail);
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        assert!(report.is_intact(), "{report}");
        assert_eq!((report.records, report.seal), (3, Some(3)));
        fs::remove_dir_all(dir).unwrap();
    }

    /// The directory removed under an open trail: commits fail while it is gone; once it is
    /// made again the trail goes on in a new file, with a new seal beside it (the old seal's
    /// descriptor names a removed file that `verify` never reads).
    #[test]
    fn a_trail_whose_directory_was_removed_goes_on_with_a_new_seal() {
        let dir = scratch("dir-removed");
        let (settings, _) = Config::new().dir(dir.clone()).resolve();
        let metrics = Arc::new(Metrics::default());
        let mut trail = open(&settings, &metrics, Arc::new(OsTime));
        trail.commit_and_wait(&[line(0), line(1)]).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(trail.commit_and_wait(&[line(2)]), Err(AuditError::Io { .. })));
        fs::create_dir_all(&dir).unwrap();
        trail.commit_and_wait(&[line(3)]).unwrap();
        drop(trail);
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        assert_eq!((report.first_seq, report.last_seq), (Some(3), Some(3)), "{report}");
        assert_eq!(report.seal, Some(3), "{report}");
        fs::remove_dir_all(dir).unwrap();
    }

    /// The log directory removed and made again under an open trail: the lock a group is
    /// written under must be the lock file now in the directory. A lock kept on the removed
    /// file excludes no one: another process opening the trail would take the new file's lock
    /// and write the same records' numbers at the same time.
    #[test]
    fn the_lock_is_the_lock_file_of_the_directory_made_again() {
        let dir = scratch("lock-dir-removed");
        let (settings, _) = Config::new().dir(dir.clone()).resolve();
        let metrics = Arc::new(Metrics::default());
        let mut trail = open(&settings, &metrics, Arc::new(OsTime));
        trail.commit_and_wait(&[line(0)]).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        fs::create_dir_all(&dir).unwrap();
        trail.commit_and_wait(&[line(1)]).unwrap();
        // What another process opening the trail now would lock.
        let other = dir::open_read_write(&dir.join(".audit.log.lock"), 0o640).unwrap();
        let held = trail.lock_exclusive().unwrap();
        assert!(
            matches!(other.try_lock(), Err(fs::TryLockError::WouldBlock)),
            "another process takes the trail's lock while this one holds it"
        );
        drop(held);
        other.try_lock().unwrap();
        drop(trail);
        fs::remove_dir_all(dir).unwrap();
    }

    /// A new active file (here the old one was removed under the writer) is made durable in its
    /// directory before a record in it is acknowledged: an `fdatasync` of the file alone does
    /// not make its directory entry survive a power cut.
    #[test]
    fn a_new_active_file_is_synced_in_its_directory_before_records_go_into_it() {
        let dir = scratch("dir-sync");
        let (settings, _) = Config::new().dir(dir.clone()).resolve();
        let metrics = Arc::new(Metrics::default());
        let syncs = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&syncs);
        let sync: SyncFn = Arc::new(move |file: &File| {
            seen.lock().unwrap().push("file");
            file.sync_data()
        });
        let mut trail =
            Trail::open(&settings, &metrics, Arc::new(OsTime), Arc::default(), sync).unwrap();
        let seen = Arc::clone(&syncs);
        trail.sync_dir = Arc::new(move |dir: &File| {
            seen.lock().unwrap().push("dir");
            dir.sync_all()
        });
        trail.commit_and_wait(&[line(0)]).unwrap();
        syncs.lock().unwrap().clear();
        fs::remove_file(dir.join("audit.log")).unwrap();
        trail.commit_and_wait(&[line(1)]).unwrap();
        assert_eq!(*syncs.lock().unwrap(), ["dir", "file"]);
        drop(trail);
        fs::remove_dir_all(dir).unwrap();
    }

    /// A seal removed while the trail is written is made again at the next rotation, naming the
    /// trail's last record.
    #[test]
    fn a_removed_seal_is_made_again_at_the_next_rotation() {
        let (dir, metrics, mut trail) = small_trail("seal-removed");
        fs::remove_file(dir.join(seal::seal_name("audit.log"))).unwrap();
        for n in 1..6 {
            trail.commit_and_wait(&[line(n)]).unwrap();
        }
        assert!(metrics.rotations.load(Ordering::Relaxed) >= 1);
        drop(trail);
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        assert!(report.is_intact(), "{report}");
        assert_eq!((report.records, report.seal), (6, Some(6)));
        fs::remove_dir_all(dir).unwrap();
    }

    /// Retention deletes a compressed file past the age only after the record that vouches for
    /// the new start is committed; the trail still verifies.
    #[test]
    fn retention_deletes_old_compressed_files_after_recording_it() {
        let (dir, time, mut trail) = expiring_trail("retain");
        let rotated = trail.rotated.newest().unwrap();
        // Not old yet: nothing goes.
        trail.retention.due = true;
        trail.retain_now();
        assert_eq!(verify::trail_files(&dir, "audit.log").unwrap().len() as u64, rotated + 1);
        time.advance(Duration::from_secs(7200));
        trail.retention.due = true;
        trail.retain_now();
        // Every compressed file went (the retention record may have rotated the active file).
        let files = verify::trail_files(&dir, "audit.log").unwrap();
        assert!(files.iter().all(|f| f.extension().is_none_or(|e| e != "gz")), "{files:?}");
        let deleted: Vec<_> =
            trail.notices.iter().filter(|n| n.meta.event() == "audit_files_deleted").collect();
        assert_eq!(deleted.len(), 1);
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        assert!(report.is_intact(), "{report}");
        assert!(report.first_seq.unwrap() > 1);
        fs::remove_dir_all(dir).unwrap();
    }

    /// Retention's check reads the expired files away from the trail: records go on being
    /// committed while it runs, and its plan is carried out afterwards.
    #[test]
    fn records_are_committed_while_retention_checks_the_files() {
        let (dir, time, mut trail) = expiring_trail("retain-off-trail");
        time.advance(Duration::from_secs(7200));
        let (go, hold) = crossbeam_channel::bounded(0);
        trail.retention.hold = Some(hold);
        trail.retention.due = true;
        trail.tend();
        assert!(trail.retention.checking, "a check was started");
        // The check waits for the word: committing now would hang if it ran here.
        trail.commit_and_wait(&[line(12), line(13)]).unwrap();
        go.send(()).unwrap();
        let plan = trail.retention.plans.recv().unwrap();
        trail.settle(plan);
        assert!(!gz_of(&dir, 1).exists(), "{:?}", trail.notices);
        assert_eq!(events(&trail), ["audit_files_deleted"]);
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        assert!(report.is_intact(), "{report}");
        fs::remove_dir_all(dir).unwrap();
    }

    /// A file changed between the check and the plan's turn (edited here; another process's
    /// retention could have deleted it) is not deleted on the strength of the old check: the
    /// plan is dropped and the files are checked again, and the edited file no longer checks
    /// out.
    #[test]
    fn a_file_changed_after_retention_checked_it_is_checked_again() {
        let (dir, time, mut trail) = expiring_trail("retain-changed");
        time.advance(Duration::from_secs(7200));
        trail.retention.due = true;
        trail.retain();
        let plan = trail.retention.plans.recv().unwrap();
        assert!(plan.doomed.iter().any(|d| d.seq == 1), "file 1 checked out");
        rewrite_gz(&dir, 1, |lines| lines[1..].iter().map(|l| (*l).to_owned()).collect());
        trail.settle(plan);
        assert!(gz_of(&dir, 1).exists(), "not deleted on the old check");
        assert!(events(&trail).is_empty(), "{:?}", events(&trail));
        assert!(trail.retention.due, "checked again");
        trail.retain_now();
        assert!(gz_of(&dir, 1).exists());
        assert_eq!(events(&trail), ["rotation_failed"]);
        fs::remove_dir_all(dir).unwrap();
    }

    /// Another process's retention deleted the expired files this one still lists: the check
    /// finds them gone, and the files are listed again, with no false alarm that a file does
    /// not check out.
    #[test]
    fn files_another_process_deleted_are_no_refusal() {
        let (dir, time, mut trail) = expiring_trail("retain-other-process");
        let (settings, _) = Config::new()
            .dir(dir.clone())
            .max_file_size(1024)
            .compression(Compression::None)
            .audit_max_age(Duration::from_secs(3600))
            .resolve();
        time.advance(Duration::from_secs(7200));
        let metrics = Arc::new(Metrics::default());
        let mut other = open(&settings, &metrics, Arc::clone(&time) as Arc<dyn TimeSource>);
        other.retain_now();
        assert_eq!(events(&other), ["audit_files_deleted"]);
        assert!(!gz_of(&dir, 1).exists());

        trail.retention.due = true;
        trail.retain_now();
        assert!(trail.retention.due, "listed and checked again");
        trail.retain_now();
        assert!(events(&trail).is_empty(), "{:?}", events(&trail));
        drop(other);
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        assert!(report.is_intact(), "{report}");
        fs::remove_dir_all(dir).unwrap();
    }

    /// The writer thread carries out a plan as it arrives, with no record to commit: here the
    /// check started when the writer did.
    #[test]
    fn the_writer_carries_out_retention_without_waiting_for_a_record() {
        let (dir, time, mut trail) = expiring_trail("retain-writer");
        time.advance(Duration::from_secs(7200));
        trail.retention.due = true;
        let (settled, plan_done) = crossbeam_channel::unbounded();
        trail.settled = Some(settled);
        let writer = AuditWriter::launch(trail, 0).unwrap();
        plan_done.recv().unwrap();
        let notices = writer.take_notices();
        let events: Vec<_> = notices.iter().map(|n| n.meta.event()).collect();
        assert_eq!(events, ["audit_files_deleted"]);
        assert!(!gz_of(&dir, 1).exists());
        writer.stop(STOP_TIMEOUT);
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        assert!(report.is_intact(), "{report}");
        fs::remove_dir_all(dir).unwrap();
    }

    /// A trail of twelve records whose rotated files are all compressed, with audit retention
    /// at an hour; the clock is the test's.
    fn expiring_trail(name: &str) -> (PathBuf, Arc<FakeTime>, Trail) {
        let dir = scratch(name);
        let time = Arc::new(FakeTime::new(SystemTime::now()));
        let (settings, _) = Config::new()
            .dir(dir.clone())
            .max_file_size(1024)
            .compression(Compression::Gzip)
            .audit_max_age(Duration::from_secs(3600))
            .resolve();
        let metrics = Arc::new(Metrics::default());
        let mut trail = open(&settings, &metrics, Arc::clone(&time) as Arc<dyn TimeSource>);
        for n in 0..12 {
            trail.commit_and_wait(&[line(n)]).unwrap();
        }
        trail.finish();
        assert!(trail.rotated.newest().unwrap() >= 3, "at least three rotated files");
        assert!(trail.rotated.uncompressed().next().is_none(), "all compressed");
        (dir, time, trail)
    }

    /// Rewrites the records of compressed rotated file `seq` as `edit` makes them.
    fn rewrite_gz(dir: &Path, seq: u64, edit: impl FnOnce(Vec<&str>) -> Vec<String>) {
        let path = rotate::gz(&dir.join(rotate::rotated_name("audit.log", seq)));
        let mut text = String::new();
        flate2::read::GzDecoder::new(File::open(&path).unwrap()).read_to_string(&mut text).unwrap();
        let lines = edit(text.lines().collect());
        let mut gz = flate2::write::GzEncoder::new(
            File::create(&path).unwrap(),
            flate2::Compression::default(),
        );
        gz.write_all(format!("{}\n", lines.join("\n")).as_bytes()).unwrap();
        gz.finish().unwrap();
    }

    fn events(trail: &Trail) -> Vec<&str> {
        trail.notices.iter().map(|n| n.meta.event()).collect()
    }

    /// An expired file whose records do not chain (one edited after its first) is evidence,
    /// not history: retention deletes nothing from it on and says why.
    #[test]
    fn retention_keeps_an_expired_file_whose_records_do_not_check_out() {
        let (dir, time, mut trail) = expiring_trail("retain-edited");
        rewrite_gz(&dir, 1, |lines| {
            assert!(lines.len() >= 2, "{lines:?}");
            let last = lines.len() - 1;
            let edited = |(i, l): (usize, &&str)| {
                if i == last {
                    l.replacen("xxx", "xxy", 1)
                } else {
                    (*l).to_owned()
                }
            };
            lines.iter().enumerate().map(edited).collect()
        });
        let before = verify::trail_files(&dir, "audit.log").unwrap();
        time.advance(Duration::from_secs(7200));
        trail.retention.due = true;
        trail.retain_now();
        assert_eq!(verify::trail_files(&dir, "audit.log").unwrap(), before, "nothing deleted");
        assert_eq!(events(&trail), ["rotation_failed"]);
        fs::remove_dir_all(dir).unwrap();
    }

    /// The `.gz` of rotated file `seq` of the trail in `dir`.
    fn gz_of(dir: &Path, seq: u64) -> PathBuf {
        rotate::gz(&dir.join(rotate::rotated_name("audit.log", seq)))
    }

    /// Gives the compressed files `seqs` the modification time `when`, and lets the trail find
    /// the files on disk again (as a restart does).
    fn age(dir: &Path, trail: &mut Trail, seqs: &[u64], when: SystemTime) {
        for seq in seqs {
            File::options()
                .append(true)
                .open(gz_of(dir, *seq))
                .unwrap()
                .set_modified(when)
                .unwrap();
        }
        trail.rotated = RotatedSet::scan(dir, "audit.log").unwrap();
    }

    /// The oldest file removed by hand before retention runs: the next file does not start the
    /// trail (record 1) and no retention record accounts for the records before it. Retention
    /// deletes nothing, rather than write a retention record that would hide the removal, and
    /// `verify` reports it where the trail now starts.
    #[test]
    fn retention_does_not_account_for_the_first_file_removed_by_hand() {
        let (dir, time, mut trail) = expiring_trail("retain-removed-first");
        fs::remove_file(gz_of(&dir, 1)).unwrap();
        let newest = trail.rotated.newest().unwrap();
        trail.rotated = RotatedSet::scan(&dir, "audit.log").unwrap();
        time.advance(Duration::from_secs(7200));
        trail.retention.due = true;
        trail.retain_now();
        assert!((2..=newest).all(|seq| gz_of(&dir, seq).exists()), "nothing deleted");
        assert!(!events(&trail).contains(&"audit_files_deleted"), "{:?}", events(&trail));
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        let found = report.first_break.as_ref().map(|b| (b.kind, b.file.clone(), b.line));
        assert_eq!(found, Some((BreakKind::FileRemoved, gz_of(&dir, 2), 1)), "{report}");
        fs::remove_dir_all(dir).unwrap();
    }

    /// The file a retention record says the trail starts with, removed by hand before the next
    /// retention: that retention deletes nothing (its record would name a later start and
    /// hide the removal), and `verify` reports the removal where the trail now starts.
    #[test]
    fn retention_does_not_account_for_a_file_removed_after_the_last_retention() {
        let (dir, time, mut trail) = expiring_trail("retain-removed-next");
        let newest = trail.rotated.newest().unwrap();
        let old = time.wall() - Duration::from_secs(7200);
        age(&dir, &mut trail, &[1], old);
        trail.retention.due = true;
        trail.retain_now();
        assert!(!gz_of(&dir, 1).exists() && gz_of(&dir, 2).exists(), "file 1 alone went");
        assert!(verify::verify_with(&dir, &Config::new()).unwrap().is_intact());

        fs::remove_file(gz_of(&dir, 2)).unwrap();
        age(&dir, &mut trail, &(3..=newest).collect::<Vec<_>>(), old);
        trail.notices.clear();
        trail.retention.due = true;
        trail.retain_now();
        assert!((3..=newest).all(|seq| gz_of(&dir, seq).exists()), "nothing deleted");
        assert_eq!(events(&trail), ["rotation_failed"]);
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        let found = report.first_break.as_ref().map(|b| (b.kind, b.file.clone(), b.line));
        assert_eq!(found, Some((BreakKind::FileRemoved, gz_of(&dir, 3), 1)), "{report}");
        fs::remove_dir_all(dir).unwrap();
    }

    /// A retention that stopped after its record and its first delete (a crash, a failed
    /// delete) leaves a file the record accounts for: the trail verifies, and the next
    /// retention deletes the file, and the files after it as usual.
    #[test]
    fn retention_finishes_what_an_interrupted_one_left() {
        let (dir, time, mut trail) = expiring_trail("retain-interrupted");
        let newest = trail.rotated.newest().unwrap();
        let old = time.wall() - Duration::from_secs(7200);
        let second = fs::read(gz_of(&dir, 2)).unwrap();
        age(&dir, &mut trail, &[1, 2], old);
        trail.retention.due = true;
        trail.retain_now();
        assert!(!gz_of(&dir, 1).exists() && !gz_of(&dir, 2).exists());
        // As if the process had died after deleting file 1, then started again: the
        // retention record accounts for the file left, and the trail verifies.
        fs::write(gz_of(&dir, 2), second).unwrap();
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        assert!(report.is_intact(), "{report}");
        trail.retention.start = None;
        age(&dir, &mut trail, &[2, 3], old);
        trail.notices.clear();
        trail.retention.due = true;
        trail.retain_now();
        assert!(!gz_of(&dir, 2).exists() && !gz_of(&dir, 3).exists(), "{:?}", events(&trail));
        assert!((4..=newest).all(|seq| gz_of(&dir, seq).exists()));
        assert_eq!(events(&trail), ["audit_files_deleted"]);
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        assert!(report.is_intact(), "{report}");
        fs::remove_dir_all(dir).unwrap();
    }

    /// Expired files are deleted only while each follows the one before: a file whose first
    /// record is gone is kept, with every file after it.
    #[test]
    fn retention_stops_at_an_expired_file_that_does_not_follow_the_one_before() {
        let (dir, time, mut trail) = expiring_trail("retain-gap");
        rewrite_gz(&dir, 2, |lines| lines[1..].iter().map(|l| (*l).to_owned()).collect());
        time.advance(Duration::from_secs(7200));
        trail.retention.due = true;
        trail.retain_now();
        let gz = |seq| rotate::gz(&dir.join(rotate::rotated_name("audit.log", seq)));
        assert!(!gz(1).exists(), "file 1 checks out and goes");
        assert!(gz(2).exists() && gz(3).exists(), "file 2 does not follow file 1: it stays");
        assert_eq!(events(&trail), ["rotation_failed", "audit_files_deleted"]);
        fs::remove_dir_all(dir).unwrap();
    }

    /// Every file of the trail in `dir` and its seal, as bytes: to show that nothing changed.
    fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = verify::trail_files(dir, "audit.log").unwrap();
        files.push(dir.join("audit.log.seal"));
        files.into_iter().map(|f| (f.clone(), fs::read(f).unwrap())).collect()
    }

    fn first_break(dir: &Path) -> Option<(BreakKind, PathBuf, u64)> {
        let report = verify::verify_with(dir, &Config::new()).unwrap();
        report.first_break.map(|b| (b.kind, b.file, b.line))
    }

    /// The oldest file removed by hand, and its loss accepted: `verify` lists the gap where
    /// the trail resumes, and retention, which refused to delete past the removal, deletes the
    /// expired files after it; the trail verifies all along.
    #[test]
    fn an_accepted_loss_of_the_oldest_file_lets_retention_go_on() {
        let (dir, time, mut trail) = expiring_trail("accept-oldest");
        let newest = trail.rotated.newest().unwrap();
        let lost = verify::last_seq(&gz_of(&dir, 1)).unwrap();
        fs::remove_file(gz_of(&dir, 1)).unwrap();
        assert_eq!(first_break(&dir), Some((BreakKind::FileRemoved, gz_of(&dir, 2), 1)));

        let accepted = audit::accept_gap(&dir, &Config::new(), "disk lost").unwrap();
        assert_eq!(
            (accepted.first_missing, accepted.last_missing, accepted.file.clone(), accepted.line),
            (1, lost, gz_of(&dir, 2), 1)
        );
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        assert!(report.is_intact(), "{report}");
        assert_eq!(report.accepted_gaps, [accepted]);
        let missing = if lost == 1 {
            "record 1 is missing".to_owned()
        } else {
            format!("records 1 to {lost} are missing")
        };
        assert!(
            report.to_string().contains(&format!("; {missing}, accepted: disk lost)")),
            "{report}"
        );

        trail.rotated = RotatedSet::scan(&dir, "audit.log").unwrap();
        time.advance(Duration::from_secs(7200));
        trail.retention.due = true;
        trail.retain_now();
        assert!((2..=newest).all(|seq| !gz_of(&dir, seq).exists()), "{:?}", events(&trail));
        assert_eq!(events(&trail), ["audit_files_deleted"]);
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        assert!(report.is_intact(), "{report}");
        fs::remove_dir_all(dir).unwrap();
    }

    /// A file removed from the middle, and its loss accepted: the walk goes on from the first
    /// record after it, and retention deletes across the gap.
    #[test]
    fn an_accepted_loss_of_a_middle_file_is_listed_and_retention_deletes_across_it() {
        let (dir, time, mut trail) = expiring_trail("accept-middle");
        let newest = trail.rotated.newest().unwrap();
        let first = verify::last_seq(&gz_of(&dir, 1)).unwrap() + 1;
        let last = verify::last_seq(&gz_of(&dir, 2)).unwrap();
        fs::remove_file(gz_of(&dir, 2)).unwrap();
        assert_eq!(first_break(&dir), Some((BreakKind::FileRemoved, gz_of(&dir, 3), 1)));

        // Free text, redacted as any: the secret it quotes is not written.
        let reason = "\"ops\" lost it, password=hunter2";
        let accepted = audit::accept_gap(&dir, &Config::new(), reason).unwrap();
        assert_eq!((accepted.first_missing, accepted.last_missing), (first, last));
        assert_eq!(accepted.reason, "\"ops\" lost it, password=[REDACTED]");
        assert!(!fs::read_to_string(dir.join("audit.log")).unwrap().contains("hunter2"));
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        assert!(report.is_intact(), "{report}");
        assert_eq!(report.accepted_gaps, [accepted]);
        assert_eq!(report.first_seq, Some(1));

        trail.rotated = RotatedSet::scan(&dir, "audit.log").unwrap();
        time.advance(Duration::from_secs(7200));
        trail.retention.due = true;
        trail.retain_now();
        let kept: Vec<u64> = (1..=newest).filter(|seq| gz_of(&dir, *seq).exists()).collect();
        assert!(kept.is_empty(), "{kept:?} {:?}", events(&trail));
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        assert!(report.is_intact(), "{report}");
        fs::remove_dir_all(dir).unwrap();
    }

    /// A retention that deleted the files before an accepted gap names the first missing record
    /// as the trail's start: the gap is then the trail's head, still accepted, and the next
    /// retention deletes past it.
    #[test]
    fn retention_up_to_an_accepted_gap_and_then_past_it() {
        let (dir, time, mut trail) = expiring_trail("accept-head-after-retention");
        let newest = trail.rotated.newest().unwrap();
        fs::remove_file(gz_of(&dir, 2)).unwrap();
        audit::accept_gap(&dir, &Config::new(), "gone").unwrap();
        trail.rotated = RotatedSet::scan(&dir, "audit.log").unwrap();
        let old = time.wall() - Duration::from_secs(7200);
        age(&dir, &mut trail, &[1], old);
        trail.retention.due = true;
        trail.retain_now();
        assert!(!gz_of(&dir, 1).exists(), "{:?}", trail.notices);
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        assert!(report.is_intact() && report.accepted_gaps.len() == 1, "{report}");

        trail.retention.start = None;
        age(&dir, &mut trail, &(3..=newest).collect::<Vec<_>>(), old);
        trail.notices.clear();
        trail.retention.due = true;
        trail.retain_now();
        assert!((3..=newest).all(|seq| !gz_of(&dir, seq).exists()), "{:?}", events(&trail));
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        assert!(report.is_intact(), "{report}");
        fs::remove_dir_all(dir).unwrap();
    }

    /// Two files lost: the oldest and one in the middle. Each acceptance accepts the first
    /// break only (the middle one: a lost start is reported when nothing breaks after it), and
    /// once both are accepted the trail verifies with both listed, in the order of the trail.
    #[test]
    fn each_lost_file_is_accepted_in_turn() {
        let (dir, _time, trail) = expiring_trail("accept-two");
        drop(trail);
        fs::remove_file(gz_of(&dir, 1)).unwrap();
        fs::remove_file(gz_of(&dir, 3)).unwrap();
        assert_eq!(first_break(&dir), Some((BreakKind::FileRemoved, gz_of(&dir, 4), 1)));
        let middle = audit::accept_gap(&dir, &Config::new(), "second").unwrap();
        assert_eq!(first_break(&dir), Some((BreakKind::FileRemoved, gz_of(&dir, 2), 1)));
        let oldest = audit::accept_gap(&dir, &Config::new(), "first").unwrap();
        assert_eq!(oldest.first_missing, 1);
        let report = verify::verify_with(&dir, &Config::new()).unwrap();
        assert!(report.is_intact(), "{report}");
        assert_eq!(report.accepted_gaps, [oldest, middle]);
        fs::remove_dir_all(dir).unwrap();
    }

    /// Only the oldest files lost, and a single record left: nothing shows that the key is the
    /// trail's, and a record chained with a wrong one would break it. Refused until the
    /// trail holds more.
    #[test]
    fn a_loss_is_not_accepted_while_the_key_cannot_be_checked() {
        let (dir, _time, mut trail) = expiring_trail("accept-unchecked-key");
        let newest = trail.rotated.newest().unwrap();
        for seq in 1..=newest {
            fs::remove_file(gz_of(&dir, seq)).unwrap();
        }
        fs::write(dir.join("audit.log"), "").unwrap();
        trail.rotated = RotatedSet::scan(&dir, "audit.log").unwrap();
        trail.commit_and_wait(&[line(12)]).unwrap();
        let keyed = Config::new().audit_key(crate::AuditKey::new("wrong"));
        let before = snapshot(&dir);
        match audit::accept_gap(&dir, &keyed, "r") {
            Err(AuditError::NothingToAccept { reason }) => {
                assert!(reason.contains("the key cannot be checked"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(snapshot(&dir), before);
        trail.commit_and_wait(&[line(13)]).unwrap();
        audit::accept_gap(&dir, &Config::new(), "r").unwrap();
        assert!(verify::verify_with(&dir, &Config::new()).unwrap().is_intact());
        fs::remove_dir_all(dir).unwrap();
    }

    /// Only a removed file can be accepted: an intact trail, an edited record, a wrong key are
    /// refused, and the trail is left as it was, byte for byte.
    #[test]
    fn what_is_not_a_removed_file_is_refused_and_nothing_is_written() {
        let (dir, _time, trail) = expiring_trail("accept-refused");
        drop(trail);
        let before = snapshot(&dir);
        let refused = |config: &Config| match audit::accept_gap(&dir, config, "r") {
            Err(AuditError::NothingToAccept { reason }) => reason,
            other => panic!("{other:?}"),
        };
        assert!(refused(&Config::new()).starts_with("intact: "));
        let keyed = Config::new().audit_key(crate::AuditKey::new("k"));
        assert!(refused(&keyed).contains("record edited"));
        assert_eq!(snapshot(&dir), before);

        rewrite_gz(&dir, 2, |lines| lines.iter().map(|l| l.replacen("xxx", "xxy", 1)).collect());
        let before = snapshot(&dir);
        assert!(refused(&Config::new()).contains("record edited"));
        assert_eq!(snapshot(&dir), before);
        fs::remove_dir_all(dir).unwrap();
    }

    /// `path`'s records from line `from` (counted from one) chained again without a key, as an informed
    /// forger would after editing one; the seal is left alone.
    fn rechain(path: &Path, from: usize) {
        let text = fs::read_to_string(path).unwrap();
        let mut prev = GENESIS;
        let mut out = String::new();
        for (i, line) in text.lines().enumerate() {
            let body = &line[..line.rfind(",\"audit_chain\":\"").unwrap()];
            if i + 1 >= from {
                let value = Chain::Plain.next(&prev, body.as_bytes());
                out.push_str(body);
                out.push_str(",\"audit_chain\":\"");
                out.push_str(&chain::hex(&value));
                out.push_str("\"}\n");
                prev = value;
            } else {
                out.push_str(line);
                out.push('\n');
                prev = chain::parse(line.as_bytes()).unwrap().chain;
            }
        }
        fs::write(path, out).unwrap();
    }

    /// An acceptance whose numbers were changed is no acceptance: the removal stays the first
    /// break, also when the forger chains the trail again after the edit. One for a gap that
    /// is not there (the file restored) is a break of its own.
    #[test]
    fn a_forged_or_false_acceptance_is_a_break() {
        let (dir, _time, trail) = expiring_trail("accept-forged");
        drop(trail);
        let removed = fs::read(gz_of(&dir, 2)).unwrap();
        fs::remove_file(gz_of(&dir, 2)).unwrap();
        let accepted = audit::accept_gap(&dir, &Config::new(), "r").unwrap();
        let active = dir.join("audit.log");
        let text = fs::read_to_string(&active).unwrap();
        let (at, line) =
            text.lines().enumerate().find(|(_, l)| l.contains("audit_gap_accepted")).unwrap();
        let resume = accepted.last_missing + 1;
        for (from, to) in [
            (format!("\"resume_seq\":{resume}"), format!("\"resume_seq\":{}", resume + 1)),
            (
                format!("\"last_missing\":{}", resume - 1),
                format!("\"last_missing\":{}", resume - 2),
            ),
            (
                format!("\"first_missing\":{}", accepted.first_missing),
                format!("\"first_missing\":{}", accepted.first_missing + 1),
            ),
        ] {
            assert!(line.contains(&from), "{line}");
            fs::write(&active, text.replacen(&from, &to, 1)).unwrap();
            assert_eq!(first_break(&dir), Some((BreakKind::FileRemoved, gz_of(&dir, 3), 1)));
            rechain(&active, at + 1);
            assert_eq!(first_break(&dir), Some((BreakKind::FileRemoved, gz_of(&dir, 3), 1)));
        }
        fs::write(&active, &text).unwrap();
        assert!(verify::verify_with(&dir, &Config::new()).unwrap().is_intact());

        fs::write(gz_of(&dir, 2), removed).unwrap();
        assert_eq!(first_break(&dir), Some((BreakKind::Inserted, active, at as u64 + 1)));
        fs::remove_dir_all(dir).unwrap();
    }
}
