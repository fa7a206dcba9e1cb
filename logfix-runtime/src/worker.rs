//! The writer thread `logfix-writer`: owns every file and console handle, batches lines, and
//! reports drops and failures as logfix events.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError};

use crate::config::{Console, Settings};
use crate::dispatch::{now_micros, write_stderr_lines};
use crate::event::notice::{self, Notice};
use crate::metrics::Metrics;
use crate::render::{self, Derived, Format, Output};
use crate::sink::{FileSink, Placement};

/// The name of the writer thread.
pub(crate) const THREAD_NAME: &str = "logfix-writer";

/// How long the writer sleeps between two drains while lines keep coming. The queue must hold
/// what arrives meanwhile: 16 384 events (the default capacity) last 5 ms at 3 M events/s.
const POLL: Duration = Duration::from_micros(500);

/// Bytes buffered before the writer writes them out without waiting for the flush interval.
const BATCH: usize = 64 * 1024;

/// Lines up to this many bytes travel inside the queue's slot; longer ones in an allocation.
/// Most JSON lines fit, which spares the caller a `malloc` and the writer a cross-thread `free`
/// (measured: the two cost more than rendering; see docs/BENCHMARKS.md).
const INLINE: usize = 256;

/// One rendered event: the JSON line for the file, followed by the console's copy when the
/// console's format differs.
pub(crate) struct Line {
    bytes: Bytes,
    /// Where the console's copy starts; `0` or the length when both are the same bytes.
    split: usize,
}

#[allow(clippy::large_enum_variant, reason = "inline on purpose: see `INLINE`")]
enum Bytes {
    Inline { len: u16, data: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl Line {
    pub(crate) fn new(bytes: &[u8], split: usize) -> Self {
        let bytes = match (u16::try_from(bytes.len()), bytes.len() <= INLINE) {
            (Ok(len), true) => {
                let mut data = [0u8; INLINE];
                if let Some(prefix) = data.get_mut(..bytes.len()) {
                    prefix.copy_from_slice(bytes);
                }
                Bytes::Inline { len, data }
            }
            _ => Bytes::Heap(bytes.into()),
        };
        Self { bytes, split }
    }

    fn all(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Inline { len, data } => data.get(..usize::from(*len)).unwrap_or(data),
            Bytes::Heap(bytes) => bytes,
        }
    }

    fn file(&self) -> &[u8] {
        let all = self.all();
        all.get(..self.split).unwrap_or(all)
    }

    pub(crate) fn console(&self) -> &[u8] {
        let all = self.all();
        match all.get(self.split..) {
            Some(rest) if !rest.is_empty() => rest,
            _ => all,
        }
    }
}

#[allow(clippy::large_enum_variant, reason = "lines travel inline on purpose: see `INLINE`")]
pub(crate) enum Message {
    Line(Line),
    /// Write out everything before this message, then answer.
    Flush(Sender<()>),
    /// Write out everything, hand the queue back, answer and stop.
    Shutdown(Sender<()>),
}

/// Opens the file sink and starts the writer thread. Returns the thread (`None` if the OS
/// refuses one: `receiver` is then dropped and every send fails over to stderr) and the path of
/// the log file in use.
pub(crate) fn spawn(
    settings: &Settings,
    metrics: &Arc<Metrics>,
    receiver: Receiver<Message>,
    orphan: Arc<Mutex<Option<Receiver<Message>>>>,
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
    let mut writer = Writer::new(settings, metrics, file);
    writer.started(placement.as_ref());
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
}

impl Writer {
    fn new(settings: Settings, metrics: Arc<Metrics>, file: Option<FileSink>) -> Self {
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
        // While lines keep coming the writer polls: it sleeps `POLL` between drains instead of
        // parking on the queue, because waking a parked writer costs the caller a futex call
        // (measured: it made the caller's median 60 % slower; see docs/BENCHMARKS.md). A poll
        // that finds nothing puts it back to parking until the next line or the flush deadline.
        let mut busy = false;
        // Whether the last drain emptied the queue (else there is no reason to sleep).
        let mut emptied = true;
        loop {
            let next = if busy {
                if emptied {
                    thread::sleep(POLL);
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
            let mut message = match next {
                Ok(message) => message,
                Err(RecvTimeoutError::Timeout) => {
                    busy = false;
                    if self.flush_due() {
                        self.write_out();
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            };
            busy = true;
            // Take what is already queued without waiting: under load, lines are written in
            // large batches.
            loop {
                if let Some(ack) = self.handle(message) {
                    self.shutdown(&ack, receiver, orphan);
                    return;
                }
                if self.file_buf.len() >= BATCH {
                    emptied = false;
                    break;
                }
                if let Ok(next) = receiver.try_recv() {
                    message = next;
                } else {
                    emptied = true;
                    break;
                }
            }
            self.report_drops();
            if self.file_buf.len() >= BATCH || self.console_buf.len() >= BATCH || self.flush_due() {
                self.write_out();
            }
        }
        self.stop();
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
        // The last drain and the hand-over of the queue happen under the slot's lock: a sender
        // that saw `closed` too late either had its line drained here, or takes the lock after
        // the hand-over and drains the queue itself (see `Logger::send`). The long part, waiting
        // for compression in `stop`, stays outside the lock.
        let mut slot = orphan.lock().ok();
        self.drain(receiver);
        self.write_out();
        if let Some(slot) = slot.as_deref_mut() {
            *slot = Some(receiver.clone());
        }
        drop(slot);
        let _ = ack.send(());
    }

    /// Takes everything queued now; a second shutdown request is answered at once.
    fn drain(&mut self, receiver: &Receiver<Message>) {
        for message in receiver.try_iter() {
            if let Some(other) = self.handle(message) {
                let _ = other.send(());
            }
        }
    }

    /// Handles one message; returns the acknowledgement channel of a shutdown.
    fn handle(&mut self, message: Message) -> Option<Sender<()>> {
        match message {
            Message::Line(line) => {
                self.push(&line);
                None
            }
            Message::Flush(ack) => {
                self.write_out();
                let _ = ack.send(());
                None
            }
            Message::Shutdown(ack) => Some(ack),
        }
    }

    fn push(&mut self, line: &Line) {
        if self.file.is_some() || self.file_to_stderr {
            self.file_buf.extend_from_slice(line.file());
            self.file_lines += 1;
        }
        if self.settings.console != Console::Off {
            self.console_buf.extend_from_slice(line.console());
            self.console_lines += 1;
        }
        self.dirty_since.get_or_insert_with(Instant::now);
    }

    /// Renders one of logfix's own events into the buffers.
    fn notice(&mut self, notice: &Notice) {
        let time = render::clock::now();
        let mut bytes = Vec::new();
        let mut split = 0;
        if self.settings.file_enabled || self.settings.format == Format::Json {
            self.notice_out.format = Format::Json;
            render::render(&mut self.notice_out, &Derived(notice), None, time);
            bytes.extend_from_slice(&self.notice_out.buf);
            split = bytes.len();
        }
        if self.settings.format == Format::Pretty {
            self.notice_out.format = Format::Pretty;
            self.notice_out.color = self.settings.color;
            render::render(&mut self.notice_out, &Derived(notice), None, time);
            bytes.extend_from_slice(&self.notice_out.buf);
        }
        self.push(&Line::new(&bytes, split));
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
        self.report_drops();
        self.write_out();
        if let Some(file) = &mut self.file {
            file.finish();
        }
        // Compression and retention may have had something to say.
        self.write_out();
    }
}
