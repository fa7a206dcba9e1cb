//! The hot path: filter, render on the caller, hand the line to the writer.

use core::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use arc_swap::ArcSwap;

use crate::audit::{self, AuditError, AuditSlot};
use crate::config::{Config, ConfigIssue, Console, Schema, Settings};
use crate::context::Context;
use crate::event::notice::{self, Notice};
use crate::event::{self, Derived, Level, LogEvent};
use crate::filter::{Filter, FilterError};
use crate::handoff::{parts, Batch, Component, Handoff, Message, Slot, HANDSHAKE_TIMEOUT};
use crate::metrics::{Metrics, MetricsSnapshot};
use crate::rate::Limiter;
use crate::redact::{self, Redaction};
use crate::render::{self, Format, Output, Record};
use crate::schema::Converter;
use crate::sink::compress::FINISH_TIMEOUT;
use crate::sink::stderr;
use crate::{clock, fork, interest, oneshot, worker};

/// How long [`Logger::shutdown`] waits for the writer to stop: the queue, then compressions in
/// progress (which get [`FINISH_TIMEOUT`] for the queue and as much again for the file in hand).
pub(crate) const SHUTDOWN_TIMEOUT: Duration =
    Duration::from_secs(HANDSHAKE_TIMEOUT.as_secs() + 2 * FINISH_TIMEOUT.as_secs());

/// A logging pipeline: a filter, a queue and a background writer thread that owns all I/O.
///
/// Most programs use the global one through [`init`](crate::init) and [`emit`](crate::emit); a
/// `Logger` of your own (from [`Config::build`]) suits a separate log, or a test. Clones share
/// the pipeline; when the last one is dropped, the writer writes out what is queued and stops.
///
/// # Examples
/// ```
/// use logfix_runtime::{Config, LogEvent};
///
/// #[derive(LogEvent)]
/// #[log(component = "export", message = "exported {rows} rows")]
/// struct Exported {
///     rows: u32,
/// }
///
/// let dir = std::env::temp_dir().join(format!("logfix-doc-logger-{}", std::process::id()));
/// let logger = Config::new().dir(dir.clone()).file("export.log").build();
/// logger.emit(&Exported { rows: 3 });
/// logger.shutdown();
/// let text = std::fs::read_to_string(dir.join("export.log")).unwrap();
/// assert!(text.lines().last().unwrap().contains(r#""message":"exported 3 rows""#));
/// # std::fs::remove_dir_all(dir).unwrap();
/// ```
#[derive(Clone)]
pub struct Logger {
    shared: Arc<Shared>,
}

struct Shared {
    /// Tells loggers apart in a thread's slots (an address could be reused by a later logger).
    id: u64,
    settings: Settings,
    /// The filter in force: `settings.filter` until [`Logger::set_filter`] replaces it.
    filter: ArcSwap<Filter>,
    /// The filter's most verbose level (`Level as u8`), with [`HAS_DIRECTIVES`] set when the
    /// level alone does not decide: the first check of every event, without touching `filter`.
    floor: AtomicU8,
    /// Held while the filter changes: its three copies (`filter`, `floor`, the bridges'
    /// interest) must come from the same call when two change it at once.
    changing: Mutex<()>,
    metrics: Arc<Metrics>,
    /// Its redaction when it is not the global path's (see [`redact::own`]).
    redaction: Option<Arc<Redaction>>,
    /// The hand-off and writer of this process (a forked child starts its own: see [`fork`]).
    pipeline: ArcSwap<Pipeline>,
    /// The log file in use, `None` when lines go to the console or stderr.
    file: Option<PathBuf>,
    /// The audit writer, started by the first `audit()`.
    audit: AuditSlot,
}

/// One process's hand-off and writer thread for a logger.
#[derive(Debug)]
pub(crate) struct Pipeline {
    handoff: Handoff,
    /// The [`fork::generation`] it was started in.
    generation: u64,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl Pipeline {
    fn start(
        settings: &Settings,
        metrics: &Arc<Metrics>,
        generation: u64,
    ) -> (Pipeline, Option<PathBuf>) {
        let (handoff, writer_end) =
            Handoff::new(settings.queue_capacity, settings.overflow, Arc::clone(metrics));
        let (handle, file) = worker::spawn(settings, metrics, writer_end);
        if handle.is_none() {
            // Without a writer, every line goes straight to stderr.
            handoff.hub().close();
        }
        (Pipeline { handoff, generation, worker: Mutex::new(handle) }, file)
    }

    /// Whether this is the pipeline of this process (not one inherited through `fork()`).
    fn is_current(&self) -> bool {
        self.generation == fork::generation()
    }

    /// Sends a shutdown request; with `wait`, waits for the writer to stop.
    fn shutdown(&self, wait: bool) {
        let hub = self.handoff.hub();
        if hub.is_closed() {
            return;
        }
        hub.close();
        let (ack, done) = oneshot::channel();
        if !self.handoff.request(Message::Shutdown(ack), HANDSHAKE_TIMEOUT) || !wait {
            return;
        }
        if done.wait_timeout(SHUTDOWN_TIMEOUT).is_some() {
            let handle = self.worker.lock().ok().and_then(|mut slot| slot.take());
            if let Some(handle) = handle {
                let _ = handle.join();
            }
        }
    }
}

impl Logger {
    pub(crate) fn start(settings: Settings, issues: Vec<ConfigIssue>) -> Logger {
        fork::watch();
        let metrics = Arc::new(Metrics::default());
        let (pipeline, file) = Pipeline::start(&settings, &metrics, fork::generation());
        let shared = Shared {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            floor: AtomicU8::new(floor_of(&settings.filter)),
            changing: Mutex::new(()),
            filter: ArcSwap::from_pointee(settings.filter.clone()),
            redaction: redact::own(&settings),
            settings,
            metrics,
            pipeline: ArcSwap::from_pointee(pipeline),
            file,
            audit: AuditSlot::default(),
        };
        let logger = Logger { shared: Arc::new(shared) };
        for issue in issues {
            logger.notice(&config_invalid(&issue));
        }
        logger
    }

    /// Writes one of logfix's own events whatever the filter says: a warning about the
    /// configuration or a rate limit must not be lost to `LOGFIX_LEVEL=error`.
    pub(crate) fn notice(&self, notice: &Notice) {
        self.write(&Derived(notice));
    }

    /// Renders `event` on this thread and queues it for the writer, if the filter lets it
    /// through. Never does I/O; waits only when the queue is full and the overflow policy is
    /// `block`.
    pub fn emit<E: LogEvent + ?Sized>(&self, event: &E) {
        let level = event.__level();
        if !event::compiled_in(level) {
            return;
        }
        // The filter first: a disabled event must not use up the rate.
        let meta = event.metadata();
        if !self.enabled(meta.component(), level) {
            return;
        }
        let admitted = event
            .__rate_limiter()
            .is_none_or(|limiter| admitted(limiter, meta.component(), meta.event(), Some(self)));
        if admitted {
            // What the line is counted under, known here without asking the record.
            self.write_as(&Derived(event), level, Component::Static(meta.component()));
        }
    }

    /// Writes `event` to the audit trail and returns once it is on disk (written and synced),
    /// sharing the sync with concurrent callers. The one logfix call that waits for I/O, by
    /// design: `Ok` means the record is durable, so the action it records may go ahead.
    ///
    /// The event is rendered like any other (the same JSON schema, the thread's context,
    /// `#[log(redact)]`), whatever the level directives say, and goes to the audit file only,
    /// with `audit_seq` and `audit_chain` added. It is never dropped: when the audit writer
    /// falls behind the caller waits, whatever `LOGFIX_OVERFLOW` says. The first call opens the
    /// trail and starts the `logfix-audit` thread. See the [`audit`](mod@crate::audit) module and
    /// `docs/AUDIT.md`.
    ///
    /// # Errors
    /// An [`AuditError`] when the record cannot be made durable (disk full, directory unusable,
    /// read-only file system), the event cannot be rendered, or the logger was shut down. The
    /// failure is counted (`audit_failures`) and written to the application log as an
    /// `audit_failed` event.
    ///
    /// # Examples
    /// See the [`audit`](mod@crate::audit) module.
    pub fn audit<E: LogEvent + ?Sized>(&self, event: &E) -> Result<(), AuditError> {
        let shared = &*self.shared;
        let result = shared.audit.writer(&shared.settings, &shared.metrics).and_then(|writer| {
            let line = self.render_record(&Derived(event)).ok_or(AuditError::Render)?;
            let result = writer.commit(line);
            for notice in writer.take_notices() {
                self.write(&Derived(&notice));
            }
            result
        });
        if let Err(error) = &result {
            Metrics::add(&shared.metrics.audit_failures, 1);
            self.write(&Derived(&audit::failed(event.metadata(), error)));
        }
        result
    }

    /// `record` as one JSON line for the audit trail, rendered with this thread's context and
    /// never cut (`LOGFIX_MAX_LINE` is for shippers; a record is kept whole); `None` when a
    /// `Display` or `Debug` impl panicked.
    fn render_record(&self, record: &dyn Record) -> Option<Vec<u8>> {
        let (settings, metrics) = (&self.shared.settings, &*self.shared.metrics);
        let mut line = None;
        with_output(|out| {
            out.clear();
            out.own_redaction.clone_from(&self.shared.redaction);
            let (format, whole) = (Format::Json, usize::MAX);
            if render_line(out, record, settings.color, metrics, format, whole, clock::now()) {
                line = Some(out.buf.clone());
            }
        });
        line
    }

    /// Whether an event at `level` from `component` would be written.
    #[must_use]
    #[inline]
    pub fn enabled(&self, component: &str, level: Level) -> bool {
        // Relaxed: a new filter is seen by the next events of each thread; it publishes
        // nothing else.
        if !event::compiled_in(level) {
            return false;
        }
        let floor = self.shared.floor.load(Ordering::Relaxed);
        if (level as u8) < floor & !HAS_DIRECTIVES {
            return false;
        }
        floor & HAS_DIRECTIVES == 0 || self.shared.filter.load().enabled(component, level)
    }

    /// The level directives in force.
    #[must_use]
    pub fn filter(&self) -> Filter {
        Filter::clone(&self.shared.filter.load())
    }

    /// Replaces the level directives (`"info,db=debug"`, the syntax of `LOGFIX_LEVEL`): from
    /// the next event on, on every thread, and for the `tracing` and `log` call sites too when
    /// this is the global logger. Writes a `"component":"logfix","event":"filter_changed"` line
    /// naming the old and the new directives, whatever they let through.
    ///
    /// # Errors
    /// A [`FilterError`] when `directives` cannot be read; nothing changes then.
    ///
    /// # Examples
    /// ```
    /// use logfix_runtime::{Config, Level};
    ///
    /// let dir = std::env::temp_dir().join(format!("logfix-doc-filter-{}", std::process::id()));
    /// let logger = Config::new().dir(dir.clone()).build();
    /// assert!(!logger.enabled("db", Level::Debug));
    /// logger.set_filter("info,db=debug").unwrap();
    /// assert!(logger.enabled("db", Level::Debug));
    /// assert!(logger.set_filter("info,db=loud").is_err());
    /// assert_eq!(logger.filter().to_string(), "info,db=debug");
    /// # logger.shutdown();
    /// # std::fs::remove_dir_all(dir).unwrap();
    /// ```
    pub fn set_filter(&self, directives: &str) -> Result<(), FilterError> {
        let new: Filter = directives.parse()?;
        let shared = &*self.shared;
        let changing = shared.changing.lock().unwrap_or_else(PoisonError::into_inner);
        let old = shared.filter.swap(Arc::new(new.clone()));
        shared.floor.store(floor_of(&new), Ordering::Relaxed);
        if GLOBAL.get().is_some_and(|g| Arc::ptr_eq(&g.shared, &self.shared)) {
            interest::global_filter(&new);
        }
        let changed = Notice::new(
            &notice::FILTER_CHANGED,
            format!("the level directives changed from `{old}` to `{new}`"),
        )
        .field("old", old.to_string())
        .field("new", new.to_string());
        // Written whatever the new directives let through: it says why lines appear or stop.
        // Still under the lock, so that the lines' timestamps order the changes as they were
        // made (a full queue under `block` makes the next change wait, not reorder).
        self.notice(&changed);
        drop(changing);
        Ok(())
    }

    /// Writes `record` if the filter lets an event of its level and component through.
    fn emit_as(&self, record: &dyn Record, level: Level, component: Component<'_>) {
        if self.enabled(component.text(), level) {
            self.write_as(record, level, component);
        }
    }

    /// Renders `record` and hands it over, without asking the filter.
    fn write(&self, record: &dyn Record) {
        let (level, component) = facts(record);
        self.write_as(record, level, component);
    }

    /// [`Logger::write`], with the record's level and component given: a caller that knows
    /// them (a derived event's are constants) saves the record's virtual calls.
    fn write_as(&self, record: &dyn Record, level: Level, component: Component<'_>) {
        let (settings, metrics) = (&self.shared.settings, &*self.shared.metrics);
        // One access to this thread's state for the line and the slot: the common case.
        let done = LOCAL.try_with(|local| {
            let Ok(mut out) = local.out.try_borrow_mut() else { return false };
            out.own_redaction.clone_from(&self.shared.redaction);
            let split = render_into(&mut out, record, settings, metrics);
            let (file, console) = parts(settings, &out.buf, split);
            let pushed = self.push_line(&local.slots, (file, console), level, component);
            self.pushed(pushed, file, console);
            true
        });
        if done != Ok(true) {
            // An event emitted from inside a `Display` impl of another (the buffer is in use),
            // or while the thread exits: a fresh buffer.
            let mut out = Output::default();
            out.own_redaction.clone_from(&self.shared.redaction);
            let split = render_into(&mut out, record, settings, metrics);
            let (file, console) = parts(settings, &out.buf, split);
            let pushed = LOCAL
                .try_with(|local| self.push_line(&local.slots, (file, console), level, component))
                .ok()
                .flatten();
            self.pushed(pushed, file, console);
        }
    }

    /// Appends a rendered line to this thread's slot; `None` when the thread has none (it is
    /// exiting).
    #[inline]
    fn push_line(
        &self,
        slots: &RefCell<Slots>,
        line: (Option<&[u8]>, Option<&[u8]>),
        level: Level,
        component: Component<'_>,
    ) -> Option<bool> {
        // Never borrowed across the application's code: only while a line is copied in.
        let mut slots = slots.try_borrow_mut().ok()?;
        let entry = slots.entry(self)?;
        Some(entry.pipeline.handoff.push(&entry.slot, line, level, component))
    }

    /// What becomes of a line after its hand-over: `Some(true)` it is in the slot.
    #[inline]
    fn pushed(&self, pushed: Option<bool>, file: Option<&[u8]>, console: Option<&[u8]>) {
        match pushed {
            Some(true) => {}
            // Shut down: the line goes to stderr.
            Some(false) => self.to_stderr(file, console),
            // The thread is exiting: its slot is gone.
            None => self.send_alone(file, console),
        }
    }

    #[cold]
    fn send_alone(&self, file: Option<&[u8]>, console: Option<&[u8]>) {
        let pipeline = self.pipeline();
        let mut batch = Batch::default();
        batch.push(file, console);
        if let Err(batch) = pipeline.handoff.send_lines(batch) {
            // The console's copy when there is one, else the file's lines.
            let console = (!batch.console.is_empty()).then_some(batch.console.as_slice());
            let file = (!batch.file.is_empty()).then_some(batch.file.as_slice());
            self.to_stderr(file, console);
        }
    }

    #[cold]
    fn to_stderr(&self, file: Option<&[u8]>, console: Option<&[u8]>) {
        let settings = &self.shared.settings;
        if let Some(bytes) = console.or(file) {
            let json = console.is_none() || settings.format == Format::Json;
            write_stderr(settings, bytes, json, &self.shared.metrics);
        }
    }

    /// This process's pipeline; in a forked child, a new one, started on first use.
    fn pipeline(&self) -> Arc<Pipeline> {
        let current = self.shared.pipeline.load_full();
        if current.is_current() {
            return current;
        }
        self.restart(&current)
    }

    /// Starts the pipeline of a forked child, in place of `inherited`.
    #[cold]
    fn restart(&self, inherited: &Arc<Pipeline>) -> Arc<Pipeline> {
        let shared = &*self.shared;
        let (pipeline, _) = Pipeline::start(&shared.settings, &shared.metrics, fork::generation());
        let pipeline = Arc::new(pipeline);
        let previous = shared.pipeline.compare_and_swap(inherited, Arc::clone(&pipeline));
        if Arc::ptr_eq(&previous, inherited) {
            shared.metrics.reset();
            // The parent's pipeline must not be dropped here: its locks may be held by threads
            // that do not exist in this process. It stays allocated for the life of the child.
            std::mem::forget(arc_swap::Guard::into_inner(previous));
            pipeline
        } else {
            // Another thread of the child started one first.
            pipeline.shutdown(false);
            arc_swap::Guard::into_inner(previous)
        }
    }

    /// Waits until every event emitted before the call (by any thread) is written out (at most
    /// 5 s).
    pub fn flush(&self) {
        let pipeline = self.shared.pipeline.load();
        // Asked even while a shutdown is writing out (the logger is closed, the writer still
        // runs): the writer answers once everything is written. A writer that is gone has
        // written everything, and the request fails at once.
        if !pipeline.is_current() {
            return;
        }
        let (ack, done) = oneshot::channel();
        if pipeline.handoff.request(Message::Flush(ack), HANDSHAKE_TIMEOUT) {
            let _ = done.wait_timeout(HANDSHAKE_TIMEOUT);
        }
    }

    /// Writes out everything queued, stops the writer and waits for it: at most 25 s, of which
    /// up to 20 s go to compressions in progress (files still uncompressed then are compressed
    /// at the next start). When it returns in time, no logfix thread touches the files any more.
    /// Events emitted afterwards go straight to stderr. Calling it again does nothing.
    pub fn shutdown(&self) {
        // What the audit writer had to say last (compression, retention) goes in the log.
        for notice in self.shared.audit.shutdown() {
            self.write(&Derived(&notice));
        }
        let pipeline = self.shared.pipeline.load();
        if pipeline.is_current() {
            pipeline.shutdown(true);
        }
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

    /// The logger's counters (in a forked child, the child's own, from the fork on).
    #[must_use]
    pub fn metrics(&self) -> MetricsSnapshot {
        let volume = self.shared.pipeline.load().handoff.hub().volume();
        self.shared.metrics.snapshot(&volume)
    }
}

impl Drop for Shared {
    /// The last `Logger` is gone: the writer writes out what is queued and stops, without
    /// anyone waiting for it.
    fn drop(&mut self) {
        let pipeline = self.pipeline.load();
        if pipeline.is_current() {
            pipeline.shutdown(false);
        }
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
    .field("variable", issue.variable.as_ref())
    .field("value", issue.value.as_str())
    .field("used", issue.used.as_str())
}

/// The next logger's id.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// Set in [`Shared::floor`] when the filter has per-component directives.
const HAS_DIRECTIVES: u8 = 0x80;

fn floor_of(filter: &Filter) -> u8 {
    filter.floor_u8() | if filter.has_directives() { HAS_DIRECTIVES } else { 0 }
}

// ---- this thread's slots ----

/// This thread's slot in one logger's pipeline.
struct Entry {
    /// The logger's id.
    logger: u64,
    pipeline: Arc<Pipeline>,
    slot: Arc<Slot>,
}

/// This thread's slots, one per logger it has logged to.
#[derive(Default)]
struct Slots(Vec<Entry>);

impl Slots {
    /// The slot for `logger`, registered on first use (and anew in a forked child).
    #[inline]
    fn entry(&mut self, logger: &Logger) -> Option<&Entry> {
        let id = logger.shared.id;
        let generation = fork::generation();
        let index =
            match self.0.iter().position(|e| e.logger == id && e.pipeline.generation == generation)
            {
                Some(index) => index,
                None => self.register(logger),
            };
        self.0.get(index)
    }

    #[cold]
    fn register(&mut self, logger: &Logger) -> usize {
        let pipeline = logger.pipeline();
        // Slots of loggers that have shut down, or of the parent process, are of no more use.
        self.0.retain(|e| e.pipeline.is_current() && !e.pipeline.handoff.hub().is_closed());
        let slot = pipeline.handoff.register();
        self.0.push(Entry { logger: logger.shared.id, pipeline, slot });
        self.0.len() - 1
    }
}

impl Drop for Slots {
    /// The thread is exiting: its lines are handed over now, so that they come before any line
    /// it emits later from another thread-local's destructor (sent without a slot).
    fn drop(&mut self) {
        for entry in self.0.iter().filter(|e| e.pipeline.is_current()) {
            entry.pipeline.handoff.hand_over_pending(&entry.slot);
        }
    }
}

/// What a thread keeps from one event to the next.
#[derive(Default)]
struct Local {
    /// The line being rendered. Borrowed while the event's `Display` impls run: an event they
    /// emit gets a fresh one.
    out: RefCell<Output>,
    slots: RefCell<Slots>,
}

thread_local! {
    static LOCAL: Local = Local::default();
}

/// Runs `f` on this thread's reusable output buffer, or on a fresh one when the buffer is
/// already in use (an event emitted from inside a `Display` impl of another event) or gone
/// (thread exit). The buffer comes with the global path's redaction: a built logger's, left by
/// its last line, is not for `f`.
fn with_output(f: impl FnOnce(&mut Output)) {
    let mut f = Some(f);
    let _ = LOCAL.try_with(|local| {
        if let (Ok(mut out), Some(f)) = (local.out.try_borrow_mut(), f.take()) {
            out.own_redaction = None;
            f(&mut out);
        }
    });
    if let Some(f) = f {
        f(&mut Output::default());
    }
}

/// Whether this thread is rendering an event (a `Display` impl of it is running).
pub(crate) fn rendering() -> bool {
    LOCAL.try_with(|local| local.out.try_borrow_mut().is_err()).unwrap_or(false)
}

// ---- rendering ----

/// Renders `record` with the context of this thread into `out`: the JSON line for the file,
/// followed by a pretty copy when that is the console's format. Returns where the console's
/// copy starts (see [`parts`]). A panicking `Display` or `Debug` impl is counted and the event
/// replaced by a `render_failed` line.
fn render_into(
    out: &mut Output,
    record: &dyn Record,
    settings: &Settings,
    metrics: &Metrics,
) -> usize {
    let time = clock::now();
    out.clear();
    let pretty = settings.format == Format::Pretty && settings.console != Console::Off;
    let json = settings.file_enabled || !pretty;
    let line = |out: &mut Output, format| {
        render_line(out, record, settings.color, metrics, format, settings.max_line, time)
    };
    let rendered = match (json, pretty) {
        // Development mode with a file: JSON first, then the pretty copy.
        (true, true) => {
            line(out, Format::Json).then_some(out.buf.len()).filter(|_| line(out, Format::Pretty))
        }
        (true, false) => line(out, Format::Json).then_some(out.buf.len()),
        (false, _) => line(out, Format::Pretty).then_some(0),
    };
    rendered.unwrap_or_else(|| {
        out.clear();
        render_failed(out, record, metrics, time);
        out.buf.len()
    })
}

/// Appends `record` as one line in `format` to `out`, cut to `max_line` bytes; returns false
/// (with nothing appended) when a `Display` or `Debug` impl panicked.
fn render_line(
    out: &mut Output,
    record: &dyn Record,
    color: bool,
    metrics: &Metrics,
    format: Format,
    max_line: usize,
    time: u64,
) -> bool {
    let start = out.buf.len();
    out.format = format;
    out.color = color;
    out.format_errors = 0;
    // Each format's render names the event's known values again.
    out.known.clear();
    let ok = catch_unwind(AssertUnwindSafe(|| {
        Context::with_current(|ctx| render::render(out, record, ctx, time));
    }))
    .is_ok();
    if out.format_errors > 0 {
        Metrics::add(&metrics.format_errors, u64::from(out.format_errors));
    }
    if !ok {
        out.buf.truncate(start);
    } else if out.buf.len() - start > max_line {
        cap_line(&mut out.buf, start, max_line, format);
        Metrics::add(&metrics.truncated_lines, 1);
    }
    ok
}

/// The byte that starts a terminal's colour code (`ESC [ ... m`).
const ESC: u8 = 0x1b;

/// Cuts the line from `start` on to at most `max` bytes (see [`render::cap`]).
#[cold]
fn cap_line(buf: &mut Vec<u8>, start: usize, max: usize, format: Format) {
    let mut line = buf.split_off(start);
    match format {
        Format::Json => {
            render::cap::shorten_json(&mut line, max);
        }
        // A line for a person's eyes: its end goes, between characters and outside colour
        // codes, and a coloured line gets a reset (room for both: 19 bytes).
        Format::Pretty => {
            let mut cut = max.saturating_sub(20);
            while cut > 0 && line.get(cut).is_some_and(|b| b & 0xC0 == 0x80) {
                cut -= 1;
            }
            let kept = line.get(..cut).unwrap_or_default();
            if let Some(esc) = kept.iter().rposition(|&b| b == ESC) {
                if !kept.get(esc..).unwrap_or_default().contains(&b'm') {
                    cut = esc;
                }
            }
            let coloured = line.get(..cut).unwrap_or_default().contains(&ESC);
            line.truncate(cut);
            if coloured {
                line.extend_from_slice(b"\x1b[0m");
            }
            line.extend_from_slice(b"...[truncated]\n");
        }
    }
    buf.append(&mut line);
}

/// Appends the `render_failed` line that replaces an event that could not be rendered.
fn render_failed(out: &mut Output, record: &dyn Record, metrics: &Metrics, time: u64) {
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

// ---- the global logger ----

static GLOBAL: OnceLock<Logger> = OnceLock::new();

impl Config {
    /// Starts a logger with this configuration without installing it globally.
    ///
    /// Its `emit` and `audit` lines are redacted with this configuration's redaction settings
    /// (`redact_keys`, `redact_patterns`, `redact_key`); what goes through the global path
    /// (the bridges, the `Context`'s fields, `#[logged]` calls) uses those of the logger
    /// [`init`](Config::init) installed.
    #[must_use]
    pub fn build(self) -> Logger {
        let (settings, issues) = self.resolve();
        Logger::start(settings, issues)
    }
}

/// Installs the logger `make` builds as the global one, unless one is installed already; returns
/// the one in force, and whether it was installed by this call.
pub(crate) fn install_global(make: impl FnOnce() -> Logger) -> (&'static Logger, bool) {
    let mut installed = false;
    let logger = GLOBAL.get_or_init(|| {
        installed = true;
        make()
    });
    if installed {
        interest::global_filter(&logger.filter());
    }
    (logger, installed)
}

/// The global logger, if [`init`](crate::init) was called.
#[must_use]
pub fn global() -> Option<&'static Logger> {
    GLOBAL.get()
}

/// Emits `event` through the global logger (see [`Logger::emit`]).
///
/// Inside a capture of `logfix-testkit`, the event goes to the capture instead.
#[inline]
pub fn emit<E: LogEvent + ?Sized>(event: &E) {
    // A constant for a derived event: above the compile-time ceiling, nothing is left.
    let level = event.__level();
    if event::compiled_in(level) && interest::could_enable(level) {
        let meta = event.metadata();
        if let Some(limiter) = event.__rate_limiter() {
            // The filter first: a disabled event must not use up the rate.
            if !enabled(meta.component(), level)
                || !admitted(limiter, meta.component(), meta.event(), None)
            {
                return;
            }
        }
        emit_as(&Derived(event), level, Component::Static(meta.component()));
    }
}

/// Writes `event` to the global logger's audit trail and returns once it is on disk; see
/// [`Logger::audit`].
///
/// # Errors
/// [`AuditError::NoLogger`] before `init()`; otherwise see [`Logger::audit`].
pub fn audit<E: LogEvent + ?Sized>(event: &E) -> Result<(), AuditError> {
    GLOBAL.get().ok_or(AuditError::NoLogger)?.audit(event)
}

/// Applies the global path's rate limit for the call site `site` of `component` (see
/// [`crate::rate`]); returns whether the event goes on. An event let through after suppressed
/// ones is preceded by a `suppressed` line with their count.
#[cfg_attr(not(any(feature = "tracing", feature = "log")), allow(dead_code))]
pub(crate) fn rate_limited(site: impl FnOnce() -> usize, component: &str, event: &str) -> bool {
    let Some(limiter) = crate::rate::limiter(site, component) else { return true };
    admitted(&limiter, component, event, None)
}

/// Whether `limiter` lets an event of `component` and `event` through now. A suppressed event is
/// counted, and one let through after suppressed ones is preceded by a `suppressed` line with
/// their count, on the path the event takes: `logger`, or the global path when it is `None`.
fn admitted(limiter: &Limiter, component: &str, event: &str, logger: Option<&Logger>) -> bool {
    let now = crate::rate::now();
    match limiter.admit(now) {
        crate::rate::Admission::Pass => true,
        crate::rate::Admission::Suppress => {
            if let Some(logger) = logger.or_else(|| GLOBAL.get()) {
                Metrics::add(&logger.shared.metrics.suppressed, 1);
            }
            false
        }
        crate::rate::Admission::PassAfter { count, since_ns } => {
            let span_ms = now.saturating_sub(since_ns) / 1_000_000;
            let notice = Notice::new(
                &notice::SUPPRESSED,
                format!("{count} events of {component} ({event}) were suppressed by a rate limit over {span_ms} ms"),
            )
            .field("suppressed_component", component)
            .field("suppressed_event", event)
            .field("count", count)
            .field("span_ms", span_ms);
            match logger {
                Some(logger) => logger.notice(&notice),
                None => notice_global(&notice),
            }
            true
        }
    }
}

/// Replaces the global logger's level directives; see [`Logger::set_filter`].
///
/// # Errors
/// A [`FilterError`] when `directives` cannot be read or no logger is installed; nothing
/// changes then.
pub fn set_filter(directives: &str) -> Result<(), FilterError> {
    GLOBAL.get().ok_or_else(FilterError::no_logger)?.set_filter(directives)
}

/// Emits through the capture of a test, else the global logger, else stderr.
pub(crate) fn emit_record(record: &dyn Record) {
    let (level, component) = facts(record);
    if interest::could_enable(level) {
        emit_as(record, level, component);
    }
}

/// [`Logger::notice`] on the global path.
fn notice_global(notice: &Notice) {
    route(&Derived(notice), |logger| logger.notice(notice));
}

/// Sends `record` where an event goes without a logger named: to a test's capture, else to the
/// global logger through `write`, else to stderr.
#[inline]
fn route(record: &dyn Record, write: impl FnOnce(&Logger)) {
    if crate::capture::is_active() {
        capture(record);
    } else if let Some(logger) = GLOBAL.get() {
        write(logger);
    } else {
        emit_uninitialized(record);
    }
}

/// Renders `record` for a test's capture as the global logger (else a default one) writes it:
/// one JSON line with this thread's context, cut to the line cap, a `render_failed` line in its
/// place when a `Display` or `Debug` impl panics.
fn capture(record: &dyn Record) {
    let unlogged;
    let (max_line, metrics) = if let Some(logger) = GLOBAL.get() {
        (logger.shared.settings.max_line, &*logger.shared.metrics)
    } else {
        unlogged = Metrics::default();
        (crate::config::DEFAULT_MAX_LINE, &unlogged)
    };
    let mut out = Output::new(Format::Json, false);
    let time = clock::now();
    if !render_line(&mut out, record, false, metrics, Format::Json, max_line, time) {
        out.clear();
        render_failed(&mut out, record, metrics, time);
    }
    crate::capture::deliver(&out.buf);
}

/// [`emit_record`], with the record's level and component given.
fn emit_as(record: &dyn Record, level: Level, component: Component<'_>) {
    route(record, |logger| logger.emit_as(record, level, component));
}

/// The level of `record` and the component its line is counted under.
fn facts(record: &dyn Record) -> (Level, Component<'_>) {
    let component = match record.static_component() {
        Some(c) => Component::Static(c),
        None => Component::Transient(record.component()),
    };
    (record.level(), component)
}

/// Whether an event at `level` from `component` would be written by [`emit`] (always, inside a
/// capture).
pub(crate) fn enabled(component: &str, level: Level) -> bool {
    if !event::compiled_in(level) || !interest::could_enable(level) {
        return false;
    }
    if crate::capture::is_active() {
        return true;
    }
    match GLOBAL.get() {
        Some(logger) => logger.enabled(component, level),
        None => Uninitialized::get().route(component, level) != Route::Nowhere,
    }
}

/// Without `init()`: to the application's `tracing` subscriber when one is in force (it
/// decides which events it wants; see [`relay`](crate::relay)), else to stderr as JSON at the
/// level `init()` would use, written synchronously because there is no writer to flush at exit.
fn emit_uninitialized(record: &dyn Record) {
    let uninitialized = Uninitialized::get();
    let route = uninitialized.route(record.component(), record.level());
    if route == Route::Nowhere {
        return;
    }
    if route == Route::Stderr {
        uninitialized.report_issues();
    }
    let (settings, metrics) = (&uninitialized.settings, &uninitialized.metrics);
    with_output(|out| {
        render_into(out, record, settings, metrics);
        #[cfg(feature = "tracing")]
        if route == Route::Tracing && crate::relay::dispatch(&out.buf) {
            return;
        }
        write_stderr(settings, &out.buf, true, metrics);
    });
}

/// Writes one line to stderr where no writer thread converts it (before `init()`, after
/// shutdown), in `LOGFIX_SCHEMA`'s form when it is JSON. Off the hot path, so the converter is
/// made for the line.
#[cold]
fn write_stderr(settings: &Settings, line: &[u8], json: bool, metrics: &Metrics) {
    if !json || settings.schema == Schema::Logfix {
        stderr::write_lines(line, 1, metrics);
        return;
    }
    let mut converted = Vec::with_capacity(line.len() + 256);
    let counts = Converter::new(settings).convert(line, &mut converted);
    Metrics::add(&metrics.schema_failures, counts.failed);
    Metrics::add(&metrics.truncated_lines, counts.shortened);
    stderr::write_lines(&converted, 1, metrics);
}

/// What events use until `init()` is called.
struct Uninitialized {
    /// JSON, stderr only, and the level directives `init()` would use (`LOGFIX_LEVEL`, else
    /// the `LOGFIX_ENV` preset's).
    settings: Settings,
    metrics: Metrics,
    /// The problems with `LOGFIX_LEVEL` and `LOGFIX_ENV`, reported before the first line.
    issues: Vec<ConfigIssue>,
}

/// Where an event goes without `init()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    #[cfg(feature = "tracing")]
    Tracing,
    Stderr,
    Nowhere,
}

impl Uninitialized {
    fn get() -> &'static Self {
        static UNINITIALIZED: OnceLock<Uninitialized> = OnceLock::new();
        UNINITIALIZED.get_or_init(Self::from_env)
    }

    fn from_env() -> Self {
        let (mut settings, issues) = Config::from_env().resolve();
        settings.format = Format::Json;
        settings.console = Console::Stderr;
        settings.file_enabled = false;
        let issues = issues
            .into_iter()
            .filter(|i| matches!(i.variable.as_ref(), "LOGFIX_LEVEL" | "LOGFIX_ENV"));
        Self { settings, metrics: Metrics::default(), issues: issues.collect() }
    }

    fn route(&self, component: &str, level: Level) -> Route {
        #[cfg(feature = "tracing")]
        if let Some(wanted) = crate::relay::subscriber_wants(level) {
            return if wanted { Route::Tracing } else { Route::Nowhere };
        }
        if self.settings.filter.enabled(component, level) {
            Route::Stderr
        } else {
            Route::Nowhere
        }
    }

    /// Writes the `config_invalid` lines, once.
    fn report_issues(&self) {
        static REPORTED: std::sync::Once = std::sync::Once::new();
        REPORTED.call_once(|| {
            for issue in &self.issues {
                with_output(|out| {
                    render_into(
                        out,
                        &Derived(&config_invalid(issue)),
                        &self.settings,
                        &self.metrics,
                    );
                    write_stderr(&self.settings, &out.buf, true, &self.metrics);
                });
            }
        });
    }
}

/// Waits until every event emitted so far through the global logger is written (at most 5 s).
pub fn flush() {
    if let Some(logger) = GLOBAL.get() {
        logger.flush();
    }
}

/// Stops the global logger's writer after writing out everything queued (see
/// [`Logger::shutdown`]); later events go to stderr. Programs rarely need it: the global logger
/// writes out its lines when the process exits normally.
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

    /// A built logger's redaction, left in this thread's buffer by its last line, does not
    /// redact what the global path renders in the same buffer next.
    #[test]
    fn the_reused_buffer_comes_with_the_global_path_s_redaction() {
        LOCAL.with(|local| {
            local.out.borrow_mut().own_redaction = Some(Arc::new(Redaction::default()));
        });
        let mut own = None;
        with_output(|out| own = Some(out.own_redaction.is_some()));
        assert_eq!(own, Some(false));
    }

    /// A pretty line over the cap loses its end between characters, never inside one: what
    /// stays is valid UTF-8 (a console or journald shows no broken character), fits the cap
    /// and ends with the marker. The line before it in the buffer is left alone.
    #[test]
    fn a_pretty_line_over_the_cap_is_cut_between_characters() {
        for max in 1024..1030 {
            let mut buf = b"before\n".to_vec();
            buf.extend_from_slice(format!("{}\n", "\u{20ac}".repeat(2_000)).as_bytes());
            cap_line(&mut buf, 7, max, Format::Pretty);
            let text = String::from_utf8(buf).unwrap_or_else(|e| panic!("cap {max}: {e}"));
            let line = text.strip_prefix("before\n").unwrap();
            assert!(line.len() <= max, "cap {max}: {} bytes", line.len());
            assert!(line.ends_with("\u{20ac}...[truncated]\n"), "cap {max}: {line}");
        }
    }

    /// A coloured pretty line over the cap is not cut inside a colour code, and ends with a
    /// reset: a terminal after it is not left red.
    #[test]
    fn a_coloured_pretty_line_over_the_cap_ends_outside_colour() {
        let coloured = "\x1b[31mred\x1b[0m \x1b[1;36mkey\x1b[0m=value ".repeat(100);
        for max in 1024..1060 {
            let mut buf = format!("{coloured}\n").into_bytes();
            cap_line(&mut buf, 0, max, Format::Pretty);
            let line = String::from_utf8(buf).unwrap();
            assert!(line.len() <= max, "cap {max}: {} bytes", line.len());
            let kept = line.strip_suffix("\x1b[0m...[truncated]\n").unwrap_or_else(|| {
                panic!("cap {max}: no reset before the marker: {line:?}");
            });
            assert!(coloured.starts_with(kept), "cap {max}: {kept:?}");
            // Every colour code kept is whole.
            for code in kept.split('\x1b').skip(1) {
                let end = code.find('m').unwrap_or_else(|| panic!("cap {max}: {code:?} cut"));
                assert!(code[..end].starts_with('['), "cap {max}: {code:?}");
            }
        }
    }

    /// The panic hook skips its flush while the panicking thread renders an event: `rendering`
    /// must say so, and only then.
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
