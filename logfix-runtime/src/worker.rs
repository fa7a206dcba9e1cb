//! The writer thread `logfix-writer`: owns every file and console handle, batches lines, and
//! reports drops and failures as logfix events.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError, TrySendError};

use crate::batch::{Batch, Slot, Slots, SPARE_BATCHES};
use crate::config::{Console, Settings};
use crate::dispatch::{now_micros, parts, write_stderr_lines};
use crate::event::notice::{self, Notice};
use crate::metrics::Metrics;
use crate::order::{write_in_order, Taken};
use crate::render::{self, Derived, Format, Output};
use crate::sink::{FileSink, Placement};

/// The name of the writer thread.
pub(crate) const THREAD_NAME: &str = "logfix-writer";

/// How long the writer sleeps between two drains while lines keep coming. The queue must hold
/// what arrives meanwhile: 16 384 events (the default capacity) last 5 ms at 3 M events/s.
const POLL: Duration = Duration::from_micros(500);

/// Bytes buffered before the writer writes them out without waiting for the flush interval.
const BATCH: usize = 64 * 1024;

/// The longest the writer works without a pause. Where the callers' threads keep every core
/// busy, the scheduler would otherwise let a writer with a backlog run for a whole time slice
/// (3 ms on Linux) while a caller waits for its core (measured: calls over 1 ms went from 109 to
/// about 45; see docs/BENCHMARKS.md).
const ROUND: Duration = Duration::from_micros(200);

/// The most lines a round takes before they are written.
const ROUND_LINES: u64 = 2048;

/// Rounds that left lines behind kept at most before being written (see `Writer::run`).
const DEFER_ROUNDS: u32 = 4;

/// The pause after a round that left lines in the queue.
const BREATHER: Duration = Duration::from_micros(50);

pub(crate) enum Message {
    /// A full batch, and the slot it comes from (`None` for a thread without one).
    Batch(Batch, Option<Arc<Slot>>),
    /// A line was added to an empty slot: come and take it.
    Wake,
    /// Write out everything emitted before this message, then answer.
    Flush(Sender<()>),
    /// Write out everything, hand the queue back, answer and stop.
    Shutdown(Sender<()>),
}

/// The writer's ends of a logger's queues.
pub(crate) struct Queues {
    pub(crate) receiver: Receiver<Message>,
    /// Where emptied batches go back to the callers.
    pub(crate) spare: Sender<Batch>,
    pub(crate) slots: Arc<Slots>,
    /// Receives `receiver` when the writer stops (see `Logger::shutdown`).
    pub(crate) orphan: Arc<Mutex<Option<Receiver<Message>>>>,
}

/// Opens the file sink and starts the writer thread. Returns the thread (`None` if the OS
/// refuses one: `receiver` is then dropped and every send fails over to stderr) and the path of
/// the log file in use.
pub(crate) fn spawn(
    settings: &Settings,
    metrics: &Arc<Metrics>,
    queues: Queues,
) -> (Option<JoinHandle<()>>, Option<PathBuf>) {
    let settings = settings.clone();
    let metrics = Arc::clone(metrics);
    // The directory is created here, at start-up, not on the first event.
    let (file, placement) = if settings.file_enabled {
        let (sink, placement) = FileSink::open(&settings, &metrics);
        (sink, Some(placement))
    } else {
        (None, None)
    };
    let path = file.as_ref().map(|f| f.path().to_path_buf());
    let mut writer = Writer::new(settings, metrics, file, queues.slots, queues.spare);
    writer.started(placement.as_ref());
    let (receiver, orphan) = (queues.receiver, queues.orphan);
    let handle = thread::Builder::new()
        .name(THREAD_NAME.into())
        .spawn(move || writer.run(&receiver, &orphan))
        .ok();
    (handle, path)
}

struct Writer {
    settings: Settings,
    metrics: Arc<Metrics>,
    file: Option<FileSink>,
    /// Whether file lines go to stderr because no directory was usable.
    file_to_stderr: bool,
    file_buf: Vec<u8>,
    /// Lines in `file_buf`.
    file_lines: u64,
    console_buf: Vec<u8>,
    /// Lines in `console_buf`, counted as written when there is no file.
    console_lines: u64,
    /// When the oldest unwritten line arrived.
    dirty_since: Option<Instant>,
    notice_out: Output,
    slots: Arc<Slots>,
    spare: Sender<Batch>,
    /// The batches taken this round, to be written in order (see [`Writer::finish_round`]).
    round: Vec<Taken>,
    /// Emptied batches to put in the slots the writer takes lines from.
    free: Vec<Batch>,
    /// The lines in `round`.
    round_lines: u64,
    /// Rounds in a row that left lines behind and were kept for the next.
    deferred: u32,
    /// Flush requests, with the slots they wait for: those that had a batch in flight when
    /// the request came (`None` until the slots are first visited).
    flushes: Vec<(Sender<()>, Option<Vec<usize>>)>,
}

impl Writer {
    fn new(
        settings: Settings,
        metrics: Arc<Metrics>,
        file: Option<FileSink>,
        slots: Arc<Slots>,
        spare: Sender<Batch>,
    ) -> Self {
        let file_to_stderr =
            settings.file_enabled && file.is_none() && settings.console != Console::Stderr;
        Self {
            notice_out: Output::new(Format::Json, false),
            settings,
            metrics,
            file,
            file_to_stderr,
            file_buf: Vec::with_capacity(BATCH),
            file_lines: 0,
            console_buf: Vec::new(),
            console_lines: 0,
            dirty_since: None,
            slots,
            spare,
            round: Vec::new(),
            free: Vec::new(),
            round_lines: 0,
            deferred: 0,
            flushes: Vec::new(),
        }
    }

    /// Writes the `logging_started` event: always the first line of a run.
    fn started(&mut self, placement: Option<&Placement>) {
        let path = self.file.as_ref().map(|f| f.path().display().to_string());
        let message = match (&path, placement) {
            (Some(path), _) => format!("logging to {path}"),
            (None, Some(_)) => "logging to stderr: no usable log directory".to_owned(),
            (None, None) => "logging to the console only (file disabled)".to_owned(),
        };
        let mut started = Notice::new(&notice::LOGGING_STARTED, message)
            .field("file", path.unwrap_or_default())
            .field("config", self.settings.to_string())
            .field("pid", std::process::id())
            .field("logfix_version", env!("CARGO_PKG_VERSION"));
        if let Some(placement) = placement.filter(|p| !p.fallbacks.is_empty()) {
            started = started.field("fallback_reason", placement.fallbacks.join("; "));
        }
        self.notice(&started);
    }

    fn run(mut self, receiver: &Receiver<Message>, orphan: &Mutex<Option<Receiver<Message>>>) {
        // While lines keep coming the writer works in rounds `POLL` apart, instead of parking on
        // the queue, because waking a parked writer costs the caller a futex call (measured: it
        // made the caller's median 60 % slower; see docs/BENCHMARKS.md). A round that finds
        // nothing puts it back to parking until the next message or the flush deadline.
        let mut busy = false;
        // Whether the last round emptied the queue (else a short pause will do).
        let mut emptied = true;
        // Whether the queue was full after the last round: callers are then waiting for room,
        // not for a CPU, and a pause would only keep them waiting (measured: calls over 1 ms,
        // median of 22 alternating runs, 10 -> 5; skipping it whenever the queue is not empty
        // made it 117: see docs/BENCHMARKS.md).
        let mut full = false;
        let mut collected = Instant::now();
        loop {
            let first = if busy {
                if !full {
                    thread::sleep(if emptied { POLL } else { BREATHER });
                }
                receiver.try_recv().map_err(|e| match e {
                    TryRecvError::Empty => RecvTimeoutError::Timeout,
                    TryRecvError::Disconnected => RecvTimeoutError::Disconnected,
                })
            } else if let Some(since) = self.dirty_since {
                receiver.recv_deadline(since + self.settings.flush_interval)
            } else {
                receiver.recv().map_err(|_| RecvTimeoutError::Disconnected)
            };
            let mut next = match first {
                Ok(message) => Some(message),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            let mut got = next.is_some();
            // Take what is already queued without waiting, for one round at most.
            // Writing a round's lines costs far more than taking them off the queue: a round
            // also ends at `ROUND_LINES`, so that writing it stays short too.
            let round = Instant::now();
            emptied = true;
            while round.elapsed() < ROUND && self.round_lines < ROUND_LINES {
                let Some(message) = next.take().or_else(|| receiver.try_recv().ok()) else {
                    break;
                };
                got = true;
                if let Some(ack) = self.handle(message) {
                    self.shutdown(&ack, receiver, orphan);
                    return;
                }
                emptied = receiver.is_empty();
            }
            // Lines still in the slots are newer than the batches still queued: they are taken
            // once the queue is empty, or after a while if it never is.
            let mut complete = false;
            if emptied || collected.elapsed() >= self.settings.flush_interval / 2 {
                let (taken, left) = self.collect(false);
                // With batches still queued, the lines taken may be newer than those.
                (got, complete) = (got || taken || left, !left && emptied);
                collected = Instant::now();
            } else {
                got = true;
            }
            // A round is written once it holds every line handed over so far: a slot skipped
            // (in use, or with a batch still on its way) may hold older lines than those taken.
            // Under load, after a few rounds or once large, it is written anyway.
            if complete || self.deferred >= DEFER_ROUNDS || self.round_lines >= ROUND_LINES {
                self.finish_round();
                self.deferred = 0;
            } else if !self.round.is_empty() {
                self.deferred += 1;
            }
            full = receiver.is_full();
            busy = got || !self.flushes.is_empty() || !self.round.is_empty();
            self.report_drops();
            if self.file_buf.len() >= BATCH || self.console_buf.len() >= BATCH || self.flush_due() {
                self.write_out();
            }
        }
        // Every `Logger` is gone (dropped without `shutdown`). Lines in the slots have normally
        // been taken already (each first line after a visit wakes the writer); this is the last
        // chance if one was not.
        self.collect(true);
        self.stop();
    }

    /// Takes the pending lines of every slot (see [`Slots::collect`]); answers the flush
    /// requests whose slots have all been visited. Returns whether any lines were taken, and
    /// whether some were left for the next round.
    fn collect(&mut self, wait: bool) -> (bool, bool) {
        self.slots.disarm();
        let mut taken = false;
        let (round, round_lines) = (&mut self.round, &mut self.round_lines);
        let left = self.slots.collect(wait, &mut self.free, |batch, slot| {
            taken = true;
            *round_lines += batch.lines();
            round.push((batch, Some(Arc::clone(slot))));
        });
        if !self.flushes.is_empty() {
            for (_, waiting) in &mut self.flushes {
                match waiting {
                    Some(waiting) => waiting.retain(|slot| left.contains(slot)),
                    None => *waiting = Some(left.clone()),
                }
            }
            let done = |waiting: &Option<Vec<usize>>| waiting.as_ref().is_some_and(Vec::is_empty);
            if self.flushes.iter().any(|(_, waiting)| done(waiting)) {
                self.finish_round();
                self.write_out();
                self.flushes.retain(|(ack, waiting)| {
                    if done(waiting) {
                        let _ = ack.send(());
                    }
                    !done(waiting)
                });
            }
        }
        (taken, !left.is_empty())
    }

    /// Whether the oldest unwritten line has waited the flush interval.
    fn flush_due(&self) -> bool {
        self.dirty_since.is_some_and(|since| since.elapsed() >= self.settings.flush_interval)
    }

    fn shutdown(
        mut self,
        ack: &Sender<()>,
        receiver: &Receiver<Message>,
        orphan: &Mutex<Option<Receiver<Message>>>,
    ) {
        self.drain(receiver);
        self.stop();
        // The last drain and the hand-over of the queue happen under the slot's lock: a caller
        // that saw `closed` too late either had its lines taken here, or takes the lock after
        // the hand-over and writes them out itself (see `Logger::rescue`). The long part,
        // waiting for compression in `stop`, stays outside the lock.
        let mut slot = orphan.lock().ok();
        self.drain(receiver);
        self.write_out();
        if let Some(slot) = slot.as_deref_mut() {
            *slot = Some(receiver.clone());
        }
        drop(slot);
        for (ack, _) in self.flushes.drain(..) {
            let _ = ack.send(());
        }
        let _ = ack.send(());
    }

    /// Takes everything queued now and every pending line; a second shutdown request is
    /// answered at once.
    fn drain(&mut self, receiver: &Receiver<Message>) {
        // Callers that race with the shutdown may keep a batch in flight for a moment; they
        // write out what is left once they see the logger closed.
        for _ in 0..3 {
            for message in receiver.try_iter() {
                if let Some(other) = self.handle(message) {
                    let _ = other.send(());
                }
            }
            if self.collect(true) == (false, false) {
                break;
            }
        }
        self.finish_round();
    }

    /// Handles one message; returns the acknowledgement channel of a shutdown.
    fn handle(&mut self, message: Message) -> Option<Sender<()>> {
        match message {
            Message::Batch(batch, slot) => {
                if let Some(slot) = &slot {
                    slot.landed();
                }
                self.round_lines += batch.lines();
                self.round.push((batch, slot));
                None
            }
            Message::Wake => None,
            Message::Flush(ack) => {
                // Batches sent before the request are in the buffers already; the lines in the
                // slots are taken now, except where a batch is in flight (in the next rounds).
                self.flushes.push((ack, None));
                self.collect(true);
                None
            }
            Message::Shutdown(ack) => Some(ack),
        }
    }

    /// Writes the batches of this round into the buffers, in order (see [`crate::order`]).
    fn finish_round(&mut self) {
        let mut round = std::mem::take(&mut self.round);
        write_in_order(&mut round, |file, console, lines| {
            self.push_lines(file, console, lines);
            if self.file_buf.len() >= BATCH || self.console_buf.len() >= BATCH {
                self.write_out();
            }
        });
        for (mut batch, _) in round.drain(..) {
            batch.clear();
            // Callers get emptied batches back first; the writer keeps a few for the slots.
            if let Err(TrySendError::Full(batch)) = self.spare.try_send(batch) {
                if self.free.len() < SPARE_BATCHES {
                    self.free.push(batch);
                }
            }
        }
        self.round = round;
        self.round_lines = 0;
    }

    fn push(&mut self, batch: &Batch) {
        self.push_lines(&batch.file, &batch.console, batch.lines());
    }

    /// Adds whole lines to the buffers: their bytes for the file and for the console.
    fn push_lines(&mut self, file: &[u8], console: &[u8], lines: u64) {
        if self.file.is_some() || self.file_to_stderr {
            self.file_buf.extend_from_slice(file);
            self.file_lines += lines;
        }
        if self.settings.console != Console::Off {
            self.console_buf.extend_from_slice(console);
            self.console_lines += lines;
        }
        self.dirty_since.get_or_insert_with(Instant::now);
    }

    /// Renders one of logfix's own events into the buffers.
    fn notice(&mut self, notice: &Notice) {
        let (time, key) = render::clock::now_and_key();
        let mut bytes = Vec::new();
        let mut split = 0;
        if self.settings.file_enabled || self.settings.format == Format::Json {
            self.notice_out.format = Format::Json;
            self.notice_out.clear();
            render::render(&mut self.notice_out, &Derived(notice), None, time);
            bytes.extend_from_slice(&self.notice_out.buf);
            split = bytes.len();
        }
        if self.settings.format == Format::Pretty {
            self.notice_out.format = Format::Pretty;
            self.notice_out.color = self.settings.color;
            self.notice_out.clear();
            render::render(&mut self.notice_out, &Derived(notice), None, time);
            bytes.extend_from_slice(&self.notice_out.buf);
        }
        let (file, console) = parts(&self.settings, &bytes, split);
        let mut batch = Batch::default();
        batch.push(file, console, key);
        self.push(&batch);
    }

    /// Reports events dropped since the last report (`LOGFIX_OVERFLOW=drop`).
    fn report_drops(&mut self) {
        let dropped = self.metrics.dropped.load(Ordering::Relaxed);
        let reported = self.metrics.reported_drops.load(Ordering::Relaxed);
        if dropped == reported {
            return;
        }
        self.metrics.reported_drops.store(dropped, Ordering::Relaxed);
        let first_us = self.metrics.first_drop_us.swap(0, Ordering::Relaxed);
        let count = dropped - reported;
        let notice = Notice::new(
            &notice::EVENTS_DROPPED,
            format!("{count} events were dropped because the queue was full"),
        )
        .field("count", count)
        .field("first_drop_us", first_us)
        .field("span_ms", now_micros().saturating_sub(first_us) / 1000);
        self.notice(&notice);
    }

    /// Writes the buffers out: lines reach the file (and tailers) at the latest here.
    /// Writes the buffers out, then the notices that writing produced (a failure, a recovery),
    /// so that operators see them at once. Notices of that second write wait for the next turn:
    /// a failing file cannot make this recurse.
    fn write_out(&mut self) {
        self.write_buffers();
        let notices = self.file.as_mut().map(FileSink::take_notices).unwrap_or_default();
        if !notices.is_empty() {
            for notice in &notices {
                self.notice(notice);
            }
            self.write_buffers();
        }
    }

    fn write_buffers(&mut self) {
        if !self.file_buf.is_empty() {
            if let Some(file) = &mut self.file {
                file.write(&self.file_buf, self.file_lines);
            } else if self.file_to_stderr {
                write_stderr_lines(&self.file_buf, self.file_lines, &self.metrics);
            }
            self.file_buf.clear();
            self.file_lines = 0;
        }
        if !self.console_buf.is_empty() {
            let written = match self.settings.console {
                Console::Stdout => io::stdout().lock().write_all(&self.console_buf),
                Console::Stderr => io::stderr().lock().write_all(&self.console_buf),
                Console::Off => Ok(()),
            };
            let primary = self.file.is_none() && !self.file_to_stderr;
            match written {
                Ok(()) if primary => {
                    Metrics::add(&self.metrics.lines_written, self.console_lines);
                    Metrics::add(&self.metrics.bytes_written, self.console_buf.len() as u64);
                }
                Ok(()) => {}
                Err(_) if primary => Metrics::add(&self.metrics.lost_lines, self.console_lines),
                Err(_) => Metrics::add(&self.metrics.write_errors, 1),
            }
            self.console_buf.clear();
            self.console_lines = 0;
        }
        self.dirty_since = None;
    }

    fn stop(&mut self) {
        self.finish_round();
        self.report_drops();
        self.write_out();
        if let Some(file) = &mut self.file {
            file.finish();
        }
        // Compression and retention may have had something to say.
        self.write_out();
    }
}
