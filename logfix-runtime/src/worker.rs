//! The writer thread `logfix-writer`: owns every file and console handle, takes the callers'
//! batches, and reports drops and failures as logfix events.
//!
//! Like tracing-appender's worker it waits on the channel and drains it; what it adds is
//! visiting the callers' slots (see [`crate::handoff`]): the slot a [`Message::Ready`] names,
//! every slot one flush interval after the first line of a batch woke it, and every slot at a
//! flush or shutdown. It writes out what it holds each time the channel is empty, so lines never
//! wait in its buffers while it sleeps.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Instant;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::clock;
use crate::config::{Console, Settings};
use crate::event::notice::{self, Notice};
use crate::event::Derived;
use crate::handoff::{parts, Batch, Hub, Message, WriterEnd, HANDSHAKE_TIMEOUT};
use crate::metrics::Metrics;
use crate::oneshot;
use crate::render::{self, Format, Output};
use crate::schema::{Converted, Converter};
use crate::sink::{stderr, FileSink, Placement};

/// The name of the writer thread.
pub(crate) const THREAD_NAME: &str = "logfix-writer";

/// Bytes held before they are written out: few enough system calls under load.
const WRITE_AT: usize = 64 * 1024;

/// Opens the file sink and starts the writer thread. Returns the thread (`None` if the OS
/// refuses one: the caller then closes the hand-off, and every line goes to stderr) and the path
/// of the log file in use.
pub(crate) fn spawn(
    settings: &Settings,
    metrics: &Arc<Metrics>,
    end: WriterEnd,
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
    let WriterEnd { receiver, spare, hub } = end;
    let mut writer = Writer::new(settings, metrics, file, hub, spare);
    writer.started(placement.as_ref());
    let handle =
        thread::Builder::new().name(THREAD_NAME.into()).spawn(move || writer.run(&receiver)).ok();
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
    hub: Arc<Hub>,
    /// Where emptied batches go back to the callers.
    spare: Sender<Batch>,
    /// Batches taken from the slots, reused from one visit to the next.
    taken: Vec<Batch>,
    /// When the slots are next visited, if a line is waiting in one.
    visit_at: Option<Instant>,
    /// When the buffers are next written out, if they hold a line.
    write_at: Option<Instant>,
    notice_out: Output,
    /// Lines to `LOGFIX_SCHEMA`'s form, on their way into the buffers.
    converter: Converter,
}

impl Writer {
    fn new(
        settings: Settings,
        metrics: Arc<Metrics>,
        file: Option<FileSink>,
        hub: Arc<Hub>,
        spare: Sender<Batch>,
    ) -> Self {
        let file_to_stderr =
            settings.file_enabled && file.is_none() && settings.console != Console::Stderr;
        Self {
            notice_out: Output::new(Format::Json, false),
            converter: Converter::new(&settings),
            settings,
            metrics,
            file,
            file_to_stderr,
            file_buf: Vec::with_capacity(WRITE_AT),
            file_lines: 0,
            console_buf: Vec::new(),
            console_lines: 0,
            hub,
            spare,
            taken: Vec::new(),
            visit_at: None,
            write_at: None,
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

    fn run(mut self, receiver: &Receiver<Message>) {
        loop {
            // The file's periodic work (rescans, retries of failed compressions) also wakes it.
            let tick_at = self.file.as_ref().map(FileSink::next_tick);
            let deadline = [self.visit_at, self.write_at, tick_at].into_iter().flatten().min();
            let first = match deadline {
                Some(at) => receiver.recv_deadline(at),
                None => receiver.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match first {
                Ok(message) => {
                    if let Some(ack) = self.handle(message) {
                        return self.shutdown(ack, receiver);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                // Cannot happen while a `Logger` holds the hand-off, which sends `Shutdown`
                // when the last one is dropped; stop cleanly all the same.
                Err(RecvTimeoutError::Disconnected) => break,
            }
            // Take what else is queued without waiting.
            while let Ok(message) = receiver.try_recv() {
                if let Some(ack) = self.handle(message) {
                    return self.shutdown(ack, receiver);
                }
            }
            let now = Instant::now();
            // The lines taken from the slots have waited a flush interval already.
            let visited = self.visit_at.is_some_and(|at| at <= now);
            if visited {
                self.visit(false);
            }
            self.report_drops();
            if visited || self.write_at.is_some_and(|at| at <= now) {
                self.write_out();
            }
            if tick_at.is_some_and(|at| at <= now) {
                if let Some(file) = &mut self.file {
                    file.tick();
                }
                self.write_out();
            }
        }
        self.visit(true);
        self.stop();
    }

    /// Handles one message; returns the acknowledgement channel of a shutdown.
    fn handle(&mut self, message: Message) -> Option<oneshot::Sender<()>> {
        match message {
            Message::Ready(slot) => {
                let mut taken = std::mem::take(&mut self.taken);
                slot.take_full(&mut taken);
                self.take(&mut taken);
                self.taken = taken;
                if self.hub.is_armed() {
                    // Maybe a wake that found the channel full of these: a visit is due all
                    // the same, or a line could wait until the next flush.
                    self.schedule_visit();
                }
            }
            Message::Lines(batch) => self.take(&mut vec![batch]),
            Message::Wake => self.schedule_visit(),
            Message::Flush(ack) => {
                // Messages sent before the request are handled; the slots hold the rest.
                self.visit(false);
                self.report_drops();
                self.write_out();
                ack.send(());
            }
            Message::Shutdown(ack) => return Some(ack),
        }
        None
    }

    /// Visits the slots a flush interval from now, unless a visit is due already.
    fn schedule_visit(&mut self) {
        let interval = self.settings.flush_interval;
        self.visit_at.get_or_insert_with(|| clock::later(Instant::now(), interval));
    }

    /// Takes the lines of every slot; with `close`, the slots refuse lines from then on.
    fn visit(&mut self, close: bool) {
        self.visit_at = None;
        self.hub.disarm();
        let mut taken = std::mem::take(&mut self.taken);
        self.hub.collect(close, &mut taken);
        self.take(&mut taken);
        self.taken = taken;
    }

    /// Adds the lines of `batches` to the buffers and hands the emptied batches back.
    fn take(&mut self, batches: &mut Vec<Batch>) {
        for mut batch in batches.drain(..) {
            self.push_lines(&batch.file, &batch.console, batch.lines);
            if self.file_buf.len() >= WRITE_AT || self.console_buf.len() >= WRITE_AT {
                self.write_out();
            }
            if batch.file.capacity() > 0 || batch.console.capacity() > 0 {
                batch.clear();
                let _ = self.spare.try_send(batch);
            }
        }
    }

    /// Stops after taking every line: `closed` was set before the request was sent, so callers
    /// that find the logger open are counted until their message is in the channel (see
    /// `Handoff::send`), and the slots are closed by the last visit.
    /// Flush and shutdown requests that arrive meanwhile are answered once everything is
    /// written, like this one.
    fn shutdown(mut self, ack: oneshot::Sender<()>, receiver: &Receiver<Message>) {
        let mut acks = vec![ack];
        self.visit(true);
        let deadline = Instant::now() + HANDSHAKE_TIMEOUT;
        loop {
            while let Ok(message) = receiver.try_recv() {
                self.late(message, &mut acks);
            }
            if !self.hub.has_senders() {
                break;
            }
            // The last sender sends a wake when it is done.
            match receiver.recv_deadline(deadline) {
                Ok(message) => self.late(message, &mut acks),
                Err(_) => break,
            }
        }
        for message in receiver.try_iter() {
            self.late(message, &mut acks);
        }
        self.stop();
        for ack in acks {
            ack.send(());
        }
    }

    /// Handles a message that arrives during shutdown; a request's answer waits in `acks`.
    fn late(&mut self, message: Message, acks: &mut Vec<oneshot::Sender<()>>) {
        match message {
            Message::Flush(ack) | Message::Shutdown(ack) => acks.push(ack),
            other => {
                let _ = self.handle(other);
            }
        }
    }

    /// Adds whole lines to the buffers: their bytes for the file and for the console, the JSON
    /// ones in `LOGFIX_SCHEMA`'s form.
    fn push_lines(&mut self, file: &[u8], console: &[u8], lines: u64) {
        if self.write_at.is_none() {
            self.write_at = Some(clock::later(Instant::now(), self.settings.flush_interval));
        }
        let start = self.file_buf.len();
        let to_file = self.file.is_some() || self.file_to_stderr;
        if to_file {
            let converted = self.converter.convert(file, &mut self.file_buf);
            self.count(converted);
            self.file_lines += lines;
        }
        if self.settings.console != Console::Off {
            if self.converter.is_identity() || self.settings.format == Format::Pretty {
                self.console_buf.extend_from_slice(console);
            } else if to_file && file == console {
                // The JSON console shows the file's lines: converted once.
                let converted = self.file_buf.get(start..).unwrap_or_default();
                self.console_buf.extend_from_slice(converted);
            } else {
                let converted = self.converter.convert(console, &mut self.console_buf);
                self.count(converted);
            }
            self.console_lines += lines;
        }
    }

    /// Counts what a conversion did; the first lines that failed it are reported (see
    /// [`Writer::report_drops`]).
    fn count(&self, converted: Converted) {
        Metrics::add(&self.metrics.truncated_lines, converted.shortened);
        Metrics::add(&self.metrics.schema_failures, converted.failed);
    }

    /// Renders one of logfix's own events into the buffers.
    fn notice(&mut self, notice: &Notice) {
        let time = clock::now();
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
        self.push_lines(file.unwrap_or_default(), console.unwrap_or_default(), 1);
    }

    /// Reports events dropped since the last report (`LOGFIX_OVERFLOW=drop`), and once a
    /// pseudonym asked for without `LOGFIX_REDACT_KEY`.
    fn report_drops(&mut self) {
        if crate::redact::take_missing_key() {
            self.notice(
                &Notice::new(
                    &notice::CONFIG_INVALID,
                    "LOGFIX_REDACT_KEY is not set: values to be written as pseudonyms are written as [REDACTED]",
                )
                .field("variable", "LOGFIX_REDACT_KEY")
                .field("value", "")
                .field("used", logfix_core::REDACTED),
            );
        }
        let failed = self.metrics.schema_failures.load(Ordering::Relaxed);
        // Once: a line that cannot be converted is a bug in logfix, not news at every write.
        if failed > 0 && self.metrics.reported_schema_failures.swap(failed, Ordering::Relaxed) == 0
        {
            self.notice(
                &Notice::new(
                    &notice::SCHEMA_CONVERSION_FAILED,
                    format!(
                        "{failed} lines could not be converted to LOGFIX_SCHEMA={} and were written in the logfix schema (metrics().schema_failures counts them)",
                        self.settings.schema
                    ),
                )
                .field("count", failed),
            );
        }
        let Some((count, first_us)) = self.metrics.take_drops() else { return };
        let notice = Notice::new(
            &notice::EVENTS_DROPPED,
            format!("{count} events were dropped because the queue was full"),
        )
        .field("count", count)
        .field("first_drop_us", first_us)
        .field("span_ms", clock::now_micros().saturating_sub(first_us) / 1000);
        self.notice(&notice);
    }

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
        self.write_at = None;
        if !self.file_buf.is_empty() {
            if let Some(file) = &mut self.file {
                file.write(&self.file_buf, self.file_lines);
            } else if self.file_to_stderr {
                stderr::write_lines(&self.file_buf, self.file_lines, &self.metrics);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Overflow;
    use crate::event::Level;
    use crate::handoff::{Component, Handoff};

    /// A first line whose wake found the channel full (here: taken out of it) still gets its
    /// visit: the writer takes the announced batch that filled the channel for the wake.
    #[test]
    fn an_announced_batch_stands_for_a_lost_wake() {
        let metrics = Arc::new(Metrics::default());
        let (handoff, end) = Handoff::new(128, Overflow::Block, Arc::clone(&metrics));
        let (settings, _) =
            crate::Config::new().file_enabled(false).console(Console::Stdout).resolve();
        let WriterEnd { receiver, spare, hub } = end;
        let mut writer = Writer::new(settings, metrics, None, hub, spare);
        let slot = handoff.register();
        for _ in 0..crate::handoff::BATCH_LINES {
            handoff.push(&slot, (Some(b"x\n"), None), Level::Info, Component::Static("t"));
        }
        assert!(matches!(receiver.try_recv(), Ok(Message::Wake)), "the first line's wake");
        let Ok(ready) = receiver.try_recv() else { panic!("the full batch is announced") };
        assert!(writer.handle(ready).is_none());
        assert!(writer.visit_at.is_some(), "the lost wake's visit is due");
    }
}
