//! The hot path: filter, render on the caller, hand the line to the writer.

use core::cell::RefCell;
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossbeam_channel::{Receiver, SendTimeoutError, Sender, TrySendError};

use crate::batch::{Batch, Slot, Slots, BATCH_LINES};
use crate::config::{Config, ConfigIssue, Console, Overflow, Settings};
use crate::context::Context;
use crate::event::notice::{self, Notice};
use crate::event::{Level, LogEvent};
use crate::filter::Filter;
use crate::guard::Guard;
use crate::metrics::{Metrics, MetricsSnapshot};
use crate::render::{self, Derived, Format, Output, Record};
use crate::room::Room;
use crate::sink::compress::FINISH_TIMEOUT;
use crate::worker::{self, Message};

/// How long [`Logger::flush`] waits for the writer, and [`Logger::shutdown`] for room in a full
/// queue.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long [`Logger::shutdown`] waits for the writer to stop: the queue, then compressions in
/// progress (which get [`FINISH_TIMEOUT`] for the queue and as much again for the file in hand).
pub(crate) const SHUTDOWN_TIMEOUT: Duration =
    Duration::from_secs(HANDSHAKE_TIMEOUT.as_secs() + 2 * FINISH_TIMEOUT.as_secs());

/// A logging pipeline: a filter, a queue and a background writer thread that owns all I/O.
///
/// Most programs use the global one through [`init`](crate::init) and [`emit`](crate::emit); a
/// `Logger` of your own (from [`Config::build`]) suits a separate audit log, or a test. Clones
/// share the pipeline.
///
/// # Examples
/// ```
/// use logfix_runtime::{Config, LogEvent};
///
/// #[derive(LogEvent)]
/// #[log(component = "audit", message = "exported {rows} rows")]
/// struct Exported {
///     rows: u32,
/// }
///
/// let dir = std::env::temp_dir().join(format!("logfix-doc-logger-{}", std::process::id()));
/// let logger = Config::new().dir(dir.clone()).file("audit.log".into()).build();
/// logger.emit(&Exported { rows: 3 });
/// logger.shutdown();
/// let text = std::fs::read_to_string(dir.join("audit.log")).unwrap();
/// assert!(text.lines().last().unwrap().contains(r#""message":"exported 3 rows""#));
/// # std::fs::remove_dir_all(dir).unwrap();
/// ```
#[derive(Clone)]
pub struct Logger {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) settings: Settings,
    pub(crate) metrics: Arc<Metrics>,
    sender: Sender<Message>,
    /// Emptied batches handed back by the writer, to be filled again.
    spare: Receiver<Batch>,
    slots: Arc<Slots>,
    /// Callers waiting for room in the queue, and whether others must give way to them.
    room: Room,
    /// Set once by `shutdown`; from then on events go straight to stderr.
    closed: AtomicBool,
    /// The queue's receiver, handed back by the writer when it stops, so that a line sent in
    /// the instant of shutdown is still written (see `Logger::send`).
    orphan: Arc<Mutex<Option<Receiver<Message>>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
    /// The log file in use, `None` when lines go to the console or stderr.
    file: Option<PathBuf>,
}

impl Logger {
    pub(crate) fn start(settings: Settings, issues: Vec<ConfigIssue>) -> Logger {
        let metrics = Arc::new(Metrics::default());
        // The capacity is set in events; the queue holds batches of up to `BATCH_LINES`.
        let batches = settings.queue_capacity.div_ceil(BATCH_LINES as usize).max(2);
        let (sender, receiver) = crossbeam_channel::bounded(batches);
        let (spare_sender, spare) = crossbeam_channel::bounded(batches);
        let slots = Arc::new(Slots::new());
        let orphan = Arc::new(Mutex::new(None));
        let (handle, file) = worker::spawn(
            &settings,
            &metrics,
            worker::Queues {
                receiver,
                spare: spare_sender,
                slots: Arc::clone(&slots),
                orphan: Arc::clone(&orphan),
            },
        );
        let shared = Arc::new(Shared {
            settings,
            metrics,
            sender,
            spare,
            slots,
            room: Room::default(),
            // Without a writer, every line goes straight to stderr.
            closed: AtomicBool::new(handle.is_none()),
            orphan,
            worker: Mutex::new(handle),
            file,
        });
        let logger = Logger { shared };
        for issue in issues {
            logger.emit(&config_invalid(&issue));
        }
        logger
    }

    /// Renders `event` on this thread and queues it for the writer, if the filter lets it
    /// through. Never does I/O; waits only when the queue is full and the overflow policy is
    /// `block`.
    pub fn emit<E: LogEvent + ?Sized>(&self, event: &E) {
        self.emit_record(&Derived(event));
    }

    pub(crate) fn emit_record<R: Record + ?Sized>(&self, record: &R) {
        let settings = &self.shared.settings;
        if !settings.filter.enabled(record.component(), record.level()) {
            return;
        }
        let metrics = &self.shared.metrics;
        let done = LOCAL.try_with(|local| {
            let Ok(mut local) = local.try_borrow_mut() else { return false };
            let Local { out, slots } = &mut *local;
            let slot = slot_in(slots, &self.shared.slots);
            if let (Some(slot), Some(target)) = (slot, self.direct_target()) {
                self.render_in_batch(out, record, slot, target);
            } else {
                let (split, key) = render_into(out, record, settings, metrics);
                self.hand_over(&out.buf, split, key, slot);
            }
            true
        });
        if done != Ok(true) {
            // An event emitted while this thread renders another (from a `Display` impl), or
            // while the thread exits: a fresh buffer, and a batch of its own.
            let mut out = Output::default();
            let (split, key) = render_into(&mut out, record, settings, metrics);
            self.hand_over(&out.buf, split, key, None);
        }
    }

    /// Whether an event at `level` from `component` would be written.
    #[must_use]
    pub fn enabled(&self, component: &str, level: Level) -> bool {
        self.shared.settings.filter.enabled(component, level)
    }

    /// Where a line goes when there is only one output, which the line can then be rendered
    /// into directly: the file's buffer (JSON), or the console's (in its format).
    fn direct_target(&self) -> Option<Target> {
        let settings = &self.shared.settings;
        match (settings.file_enabled, settings.console != Console::Off) {
            (true, false) => Some(Target::File),
            (false, true) => Some(Target::Console),
            _ => None,
        }
    }

    /// Renders `record` straight into this thread's batch in `slot`, which saves copying the
    /// line (measured: see docs/BENCHMARKS.md). The slot stays locked while the event's
    /// `Display` impls run; the writer never waits for a slot in use, and an event emitted from
    /// inside one of them goes its own way (see `emit_record`).
    fn render_in_batch<R: Record + ?Sized>(
        &self,
        out: &mut Output,
        record: &R,
        slot: &Arc<Slot>,
        target: Target,
    ) {
        let shared = &*self.shared;
        let (settings, metrics) = (&shared.settings, &shared.metrics);
        if shared.closed.load(Ordering::SeqCst) {
            let (split, key) = render_into(out, record, settings, metrics);
            self.hand_over(&out.buf, split, key, Some(slot));
            return;
        }
        let (time, key) = render::clock::now_and_key();
        self.append(slot, |batch| {
            let (buf, format) = match target {
                Target::File => (&mut batch.file, Format::Json),
                Target::Console => (&mut batch.console, settings.format),
            };
            // `out` renders into the batch's buffer and gets its own back.
            std::mem::swap(&mut out.buf, buf);
            if !render_line(out, record, settings, metrics, format, time) {
                render_failed(out, record, metrics, time);
            }
            std::mem::swap(&mut out.buf, buf);
            batch.mark(key);
        });
    }

    /// Appends a rendered line (see [`render_into`] for `split`) to this thread's batch in
    /// `slot`, and sends the batch when it is full; without a slot, sends the line alone.
    fn hand_over(&self, bytes: &[u8], split: usize, key: u64, slot: Option<&Arc<Slot>>) {
        let shared = &*self.shared;
        let (file, console) = parts(&shared.settings, bytes, split);
        // SeqCst pairs with the store in `shutdown`: a line added after the writer's last visit
        // must see `closed` below and be written out by this thread.
        if shared.closed.load(Ordering::SeqCst) {
            write_stderr(console.or(file).unwrap_or(bytes), &shared.metrics);
            return;
        }
        if let Some(slot) = slot {
            self.append(slot, |batch| batch.push(file, console, key));
        } else {
            let mut batch = Batch::default();
            batch.push(file, console, key);
            self.send(batch, None);
            if shared.closed.load(Ordering::SeqCst) {
                self.rescue(None);
            }
        }
    }

    /// Adds a line to this thread's batch in `slot` with `add`, then sends the batch if it is
    /// full, or wakes the writer if it was empty.
    fn append(&self, slot: &Arc<Slot>, add: impl FnOnce(&mut Batch)) {
        let shared = &*self.shared;
        let mut pending = slot.lock();
        if pending.is_unallocated() {
            *pending = self.spare();
        }
        let was_empty = pending.is_empty();
        add(&mut pending);
        let full = pending.is_full().then(|| slot.take_full(&mut pending, self.spare()));
        drop(pending);
        match full {
            Some(batch) => self.send(batch, Some(Arc::clone(slot))),
            // The writer may be asleep: the first line since its last visit wakes it (a full
            // queue means it is awake anyway).
            None if was_empty && shared.slots.arm() => {
                let _ = shared.sender.try_send(Message::Wake);
            }
            None => {}
        }
        if shared.closed.load(Ordering::SeqCst) {
            self.rescue(Some(slot));
        }
    }

    fn spare(&self) -> Batch {
        self.shared.spare.try_recv().unwrap_or_else(|_| Batch::with_capacity())
    }

    fn send(&self, batch: Batch, slot: Option<Arc<Slot>>) {
        let shared = &*self.shared;
        let message = Message::Batch(batch, slot);
        let result = match shared.settings.overflow {
            Overflow::Block => shared.room.send(&shared.sender, message),
            Overflow::Drop => match shared.sender.try_send(message) {
                Ok(()) => Ok(()),
                Err(TrySendError::Full(message)) => {
                    if let Message::Batch(batch, slot) = message {
                        self.record_drop(batch.lines());
                        slot.inspect(|s| s.landed());
                    }
                    Ok(())
                }
                Err(TrySendError::Disconnected(message)) => Err(message),
            },
        };
        if let Err(message) = result {
            // The writer is gone (it can only stop at shutdown): write the lines ourselves.
            write_message_to_stderr(message, &shared.metrics);
        }
    }

    /// After shutdown: writes what the writer left in the queue, then the pending lines of
    /// `slot` (this thread's), to stderr: in that order, which is the order they were emitted in.
    fn rescue(&self, slot: Option<&Arc<Slot>>) {
        let shared = &*self.shared;
        let orphan = shared.orphan.lock();
        if let Some(receiver) = orphan.as_ref().ok().and_then(|o| o.as_ref()) {
            for message in receiver.try_iter() {
                write_message_to_stderr(message, &shared.metrics);
            }
        }
        if let Some(slot) = slot {
            let mut pending = slot.lock();
            if !pending.is_empty() {
                write_batch_to_stderr(&pending, &shared.metrics);
                pending.clear();
            }
        }
        drop(orphan);
    }

    fn record_drop(&self, lines: u64) {
        Metrics::add(&self.shared.metrics.dropped, lines);
        let now = now_micros();
        // Relaxed: only the value matters, and the writer reads it after the counter.
        let _ = self.shared.metrics.first_drop_us.compare_exchange(
            0,
            now,
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
    }

    /// Waits until every event emitted before the call (by any thread) is written out (at most
    /// 5 s).
    pub fn flush(&self) {
        if self.shared.closed.load(Ordering::SeqCst) {
            return;
        }
        let (ack, done) = crossbeam_channel::bounded(1);
        if self.shared.sender.send_timeout(Message::Flush(ack), HANDSHAKE_TIMEOUT).is_ok() {
            let _ = done.recv_timeout(HANDSHAKE_TIMEOUT);
        }
    }

    /// Writes out everything queued, stops the writer and waits for it: at most 25 s, of which
    /// up to 20 s go to compressions in progress (files still uncompressed then are compressed
    /// at the next start). When it returns in time, no logfix thread touches the files any more.
    /// Events emitted afterwards go straight to stderr. Calling it again does nothing.
    pub fn shutdown(&self) {
        if self.shared.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        let (ack, done) = crossbeam_channel::bounded(1);
        let sent = self.shared.sender.send_timeout(Message::Shutdown(ack), HANDSHAKE_TIMEOUT);
        let stopped = match sent {
            Ok(()) => done.recv_timeout(SHUTDOWN_TIMEOUT).is_ok(),
            Err(SendTimeoutError::Disconnected(_)) => true,
            Err(SendTimeoutError::Timeout(_)) => false,
        };
        let handle = self.shared.worker.lock().ok().and_then(|mut slot| slot.take());
        if let (true, Some(handle)) = (stopped, handle) {
            let _ = handle.join();
        }
        // The writer has taken every slot's lines; what is left in the queue was sent too late.
        self.rescue(None);
        self.shared.slots.retire();
    }

    /// The log file this logger writes (after any fallback), or `None` when lines go to the
    /// console or stderr.
    #[must_use]
    pub fn file_path(&self) -> Option<&Path> {
        self.shared.file.as_deref()
    }

    /// The configuration in force.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.shared.settings
    }

    /// The logger's counters.
    #[must_use]
    pub fn metrics(&self) -> MetricsSnapshot {
        self.shared.metrics.snapshot()
    }
}

impl core::fmt::Debug for Logger {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Logger").field("settings", &self.shared.settings).finish_non_exhaustive()
    }
}

fn config_invalid(issue: &ConfigIssue) -> Notice {
    Notice::new(
        &notice::CONFIG_INVALID,
        format!("{} is invalid ({}); using {}", issue.variable, issue.reason, issue.used),
    )
    .field("variable", issue.variable)
    .field("value", issue.value.as_str())
    .field("used", issue.used.as_str())
}

/// The parts of a rendered line (see [`render_into`]) for the file and for the console, each
/// `None` when that output is off.
pub(crate) fn parts<'a>(
    settings: &Settings,
    bytes: &'a [u8],
    split: usize,
) -> (Option<&'a [u8]>, Option<&'a [u8]>) {
    let (file, rest) = bytes.split_at_checked(split).unwrap_or((bytes, &[]));
    let console = if rest.is_empty() { file } else { rest };
    (settings.file_enabled.then_some(file), (settings.console != Console::Off).then_some(console))
}

fn write_message_to_stderr(message: Message, metrics: &Metrics) {
    if let Message::Batch(batch, slot) = message {
        write_batch_to_stderr(&batch, metrics);
        slot.inspect(|s| s.landed());
    }
}

/// Writes a batch to stderr: the console's copy when there is one, else the file's lines.
pub(crate) fn write_batch_to_stderr(batch: &Batch, metrics: &Metrics) {
    let bytes = if batch.console.is_empty() { &batch.file } else { &batch.console };
    write_stderr_lines(bytes, batch.lines(), metrics);
}

pub(crate) fn write_stderr(bytes: &[u8], metrics: &Metrics) {
    write_stderr_lines(bytes, 1, metrics);
}

/// Writes `lines` whole lines to stderr, counting them as written there or as lost.
pub(crate) fn write_stderr_lines(bytes: &[u8], lines: u64, metrics: &Metrics) {
    if std::io::stderr().lock().write_all(bytes).is_ok() {
        Metrics::add(&metrics.stderr_lines, lines);
    } else {
        Metrics::add(&metrics.lost_lines, lines);
    }
}

pub(crate) fn now_micros() -> u64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since.as_micros()).unwrap_or(u64::MAX)
}

/// The one output a line can be rendered straight into (see `Logger::render_in_batch`).
#[derive(Clone, Copy)]
enum Target {
    File,
    Console,
}

/// What a thread keeps from one event to the next.
#[derive(Default)]
struct Local {
    out: Output,
    /// This thread's slot in each logger it has logged to, by the logger's id.
    slots: Vec<(u64, Arc<Slot>)>,
}

thread_local! {
    static LOCAL: RefCell<Local> = RefCell::new(Local::default());
}

/// Whether this thread is rendering an event (its batch may be locked).
fn rendering() -> bool {
    LOCAL.try_with(|local| local.try_borrow_mut().is_err()).unwrap_or(false)
}

/// This thread's slot in `slots`, registered on first use.
#[inline]
fn slot_in<'a>(list: &'a mut Vec<(u64, Arc<Slot>)>, slots: &Slots) -> Option<&'a Arc<Slot>> {
    let id = slots.id();
    let index = match list.iter().position(|(owner, _)| *owner == id) {
        Some(index) => index,
        None => new_slot(list, slots),
    };
    list.get(index).map(|(_, slot)| slot)
}

/// Registers a slot for this thread with `slots`; returns its index in `list`.
#[cold]
fn new_slot(list: &mut Vec<(u64, Arc<Slot>)>, slots: &Slots) -> usize {
    // Loggers that have shut down no longer need this thread's slot.
    list.retain(|(_, slot)| !slot.is_retired());
    let slot = Arc::new(Slot::default());
    slots.register(&slot);
    list.push((slots.id(), slot));
    list.len() - 1
}

/// Renders `record` with the context of this thread into `out`: the JSON line for the file,
/// followed by a pretty copy when that is the console's format. Returns where the console's
/// copy starts (see [`parts`]), and the clock's order key for the line. A panicking `Display` or
/// `Debug` impl is counted and the event replaced by a `render_failed` line.
fn render_into<R: Record + ?Sized>(
    out: &mut Output,
    record: &R,
    settings: &Settings,
    metrics: &Metrics,
) -> (usize, u64) {
    let (time, key) = render::clock::now_and_key();
    out.clear();
    let pretty = settings.format == Format::Pretty && settings.console != Console::Off;
    let json = settings.file_enabled || !pretty;
    let rendered = match (json, pretty) {
        // Development mode with a file: JSON first, then the pretty copy.
        (true, true) => render_line(out, record, settings, metrics, Format::Json, time)
            .then_some(out.buf.len())
            .filter(|_| render_line(out, record, settings, metrics, Format::Pretty, time)),
        (true, false) => {
            render_line(out, record, settings, metrics, Format::Json, time).then_some(out.buf.len())
        }
        (false, _) => {
            render_line(out, record, settings, metrics, Format::Pretty, time).then_some(0)
        }
    };
    let split = rendered.unwrap_or_else(|| {
        out.clear();
        render_failed(out, record, metrics, time);
        out.buf.len()
    });
    (split, key)
}

/// Appends `record` as one line in `format` to `out`; returns false (with nothing appended)
/// when a `Display` or `Debug` impl panicked.
fn render_line<R: Record + ?Sized>(
    out: &mut Output,
    record: &R,
    settings: &Settings,
    metrics: &Metrics,
    format: Format,
    time: u64,
) -> bool {
    let start = out.buf.len();
    out.format = format;
    out.color = settings.color;
    out.format_errors = 0;
    let ok = catch_unwind(AssertUnwindSafe(|| {
        Context::with_current(|ctx| render::render(out, record, ctx, time));
    }))
    .is_ok();
    if out.format_errors > 0 {
        Metrics::add(&metrics.format_errors, u64::from(out.format_errors));
    }
    if !ok {
        out.buf.truncate(start);
    }
    ok
}

/// Appends the `render_failed` line that replaces an event that could not be rendered.
fn render_failed<R: Record + ?Sized>(out: &mut Output, record: &R, metrics: &Metrics, time: u64) {
    Metrics::add(&metrics.render_failures, 1);
    let failed = Notice::new(
        &notice::RENDER_FAILED,
        "an event could not be rendered: a Display or Debug impl panicked",
    )
    .field("failed_component", record.component())
    .field("failed_event", record.event());
    out.format = Format::Json;
    render::render(out, &Derived(&failed), None, time);
}

/// Runs `f` on this thread's reusable output buffer, or on a fresh one when the buffer is
/// already in use (an event emitted from inside a `Display` impl of another event) or gone
/// (thread exit).
fn with_output<R>(f: impl FnOnce(&mut Output) -> R) -> Option<R> {
    let mut f = Some(f);
    let done = LOCAL
        .try_with(|cell| {
            let mut local = cell.try_borrow_mut().ok()?;
            f.take().map(|f| f(&mut local.out))
        })
        .ok()
        .flatten();
    done.or_else(|| f.take().map(|f| f(&mut Output::default())))
}

// ---- the global logger ----

static GLOBAL: OnceLock<Logger> = OnceLock::new();

/// Configures the global logger from the environment and starts its writer. Same as
/// `Config::from_env().init()`; see [`Config::init`].
///
/// # Examples
/// ```
/// let _guard = logfix_runtime::init(); // flushes and stops the writer when dropped
/// ```
pub fn init() -> Guard {
    Config::from_env().init()
}

impl Config {
    /// Starts a logger with this configuration without installing it globally.
    #[must_use]
    pub fn build(self) -> Logger {
        let (settings, issues) = self.resolve();
        Logger::start(settings, issues)
    }

    /// Starts the global logger with this configuration and returns the guard that flushes and
    /// stops it when dropped.
    ///
    /// Never panics and never fails: the first call installs the logger; later calls (also
    /// concurrent ones) return an inactive guard and write one `already_initialized` warning.
    /// Without any call, events go synchronously to stderr as JSON at `info` and above.
    pub fn init(self) -> Guard {
        let mut installed = false;
        let logger = GLOBAL.get_or_init(|| {
            installed = true;
            self.build()
        });
        if installed {
            install_panic_hook();
            install_bridges(logger);
            Guard::new(logger.clone())
        } else {
            logger.emit(&Notice::new(
                &notice::ALREADY_INITIALIZED,
                "init() was called again; the logger installed first stays in force",
            ));
            Guard::inactive()
        }
    }
}

/// Routes `tracing` and `log` into this pipeline; a framework whose global slot is taken is
/// reported, and logfix's own events are unaffected.
fn install_bridges(logger: &Logger) {
    let mut refused: Vec<(&str, String)> = Vec::new();
    #[cfg(feature = "tracing")]
    if let Err(e) = crate::bridge::tracing::install() {
        refused.push(("tracing", e));
    }
    #[cfg(feature = "log")]
    if let Err(e) = crate::bridge::log::install() {
        refused.push(("log", e.to_string()));
    }
    for (framework, error) in refused {
        let hint = if framework == "tracing" {
            "add logfix_runtime::bridge::tracing::layer() to the installed subscriber"
        } else {
            "remove the other logger to get these records in the logfix format"
        };
        logger.emit(
            &Notice::new(
                &notice::BRIDGE_NOT_INSTALLED,
                format!("the {framework} bridge was not installed: {error}; {hint}"),
            )
            .field("framework", framework)
            .field("error", error),
        );
    }
}

/// Chains a panic hook that writes an `error` event (`"event":"panic"`) and flushes it before
/// the previous hook runs (which usually prints the panic and may abort).
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(a panic payload that is not a string)");
        let thread = std::thread::current();
        let thread_name = thread.name().unwrap_or("<unnamed>");
        let location = info.location().map(ToString::to_string).unwrap_or_default();
        emit(
            &Notice::new(&notice::PANIC, format!("thread '{thread_name}' panicked: {message}"))
                .field("panic_message", message)
                .field("location", location)
                .field("thread", thread_name),
        );
        // The writer cannot wait for itself, nor a thread for its own batch: a panic in a
        // `Display` impl of an event being rendered (the event is then written as
        // `render_failed`).
        if thread_name != worker::THREAD_NAME && !rendering() {
            flush();
        }
        previous(info);
    }));
}

/// The global logger, if [`init`](crate::init) was called.
#[must_use]
pub fn global() -> Option<&'static Logger> {
    GLOBAL.get()
}

/// Emits `event` through the global logger (see [`Logger::emit`]).
///
/// Inside a capture of `logfix-testkit`, the event goes to the capture instead.
pub fn emit<E: LogEvent + ?Sized>(event: &E) {
    emit_record(&Derived(event));
}

/// Emits through the capture of a test, else the global logger, else stderr.
pub(crate) fn emit_record<R: Record + ?Sized>(record: &R) {
    if crate::capture::is_active() {
        crate::capture::emit(record);
        return;
    }
    match GLOBAL.get() {
        Some(logger) => logger.emit_record(record),
        None => emit_uninitialized(record),
    }
}

/// Whether an event at `level` from `component` would be written by [`emit`] (always, inside a
/// capture).
pub(crate) fn enabled(component: &str, level: Level) -> bool {
    if crate::capture::is_active() {
        return true;
    }
    match GLOBAL.get() {
        Some(logger) => logger.enabled(component, level),
        None => level >= Level::Info,
    }
}

/// Without `init()`: JSON on stderr at `info` and above, written synchronously because there is
/// no guard to flush a queue at exit.
fn emit_uninitialized<R: Record + ?Sized>(record: &R) {
    static FALLBACK: OnceLock<(Settings, Metrics)> = OnceLock::new();
    if record.level() < Level::Info {
        return;
    }
    let (settings, metrics) = FALLBACK.get_or_init(|| {
        let (mut settings, _) =
            Config::new().console(Console::Stderr).file_enabled(false).resolve();
        settings.filter = Filter::new(Level::Info);
        settings.format = Format::Json;
        (settings, Metrics::default())
    });
    with_output(|out| {
        render_into(out, record, settings, metrics);
        write_stderr(&out.buf, metrics);
    });
}

/// Waits until every event emitted so far through the global logger is written (at most 5 s).
pub fn flush() {
    if let Some(logger) = GLOBAL.get() {
        logger.flush();
    }
}

/// Stops the global logger's writer after writing out everything queued; later events go to
/// stderr. For code that cannot hold a [`Guard`].
pub fn shutdown() {
    if let Some(logger) = GLOBAL.get() {
        logger.shutdown();
    }
}

/// The global logger's counters (all zero before `init()`).
#[must_use]
pub fn metrics() -> MetricsSnapshot {
    GLOBAL.get().map(Logger::metrics).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use core::cell::Cell;
    use core::fmt;

    use super::*;

    thread_local! {
        static SEEN: Cell<Option<bool>> = const { Cell::new(None) };
    }

    /// Records, when formatted, whether the thread is rendering an event.
    struct Probe;

    impl fmt::Display for Probe {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            SEEN.with(|seen| seen.set(Some(rendering())));
            f.write_str("probe")
        }
    }

    #[derive(crate::LogEvent)]
    #[log(crate = "crate", component = "test", message = "{value}")]
    struct Probed {
        #[log(display)]
        value: Probe,
    }

    /// The panic hook skips its flush while the panicking thread renders an event (it may hold
    /// its own batch, which the flush would wait for): `rendering` must say so, and only then.
    #[test]
    fn rendering_is_true_only_inside_an_event_being_rendered() {
        let dir = std::env::temp_dir().join(format!("logfix-rendering-{}", std::process::id()));
        let logger = Config::new().dir(dir.clone()).build();
        assert!(!rendering());
        logger.emit(&Probed { value: Probe });
        assert_eq!(SEEN.with(Cell::get), Some(true));
        assert!(!rendering());
        logger.shutdown();
        let _ = std::fs::remove_dir_all(dir);
    }
}
