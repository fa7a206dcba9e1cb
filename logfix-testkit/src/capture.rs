//! Capturing the events emitted while a test runs, in memory, through the hook in
//! `logfix_runtime::__private`.

use core::cell::Cell;
use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use logfix_runtime::__private::{self as hook, CaptureGuard, CaptureSink};
use serde_json::Value;

use crate::schema::validate_line;

/// Captures the events emitted on this thread while `f` runs, and returns them.
///
/// Captures what goes through the global path, [`logfix_runtime::emit`], instead of writing it;
/// a `Logger` built with `Config::build` and called directly writes to its own sinks as usual.
/// Every level is captured, whatever the logger's filter says. Events of `tracing` and `log` are
/// captured too, with or without `init()`: where the program has installed no `tracing`
/// subscriber, logfix's bridge is this thread's subscriber during the capture, and where no
/// `log` logger is installed, logfix's bridge is installed (a subscriber or logger of the
/// program's own is left alone: its events go where it sends them). Other threads are not captured,
/// so tests running in parallel (cargo's default) each see only their own events. For code that
/// logs from other threads, use [`capture_all`]. The value `f` returns is dropped: to keep it, or
/// in an async test, use [`Capture::start`].
///
/// # Panics
///
/// If a captured line breaks the logfix line format ([`validate_line`]): the message shows the
/// line and what is wrong with it.
///
/// # Examples
/// ```
/// #[derive(logfix_runtime::LogEvent)]
/// #[log(component = "auth", message = "user {account_id} logged in")]
/// struct UserLogin {
///     account_id: u64,
/// }
///
/// let events = logfix_testkit::capture(|| logfix_runtime::emit(&UserLogin { account_id: 42 }));
/// assert_eq!(events.len(), 1);
/// assert_eq!(events[0]["event"], "user_login");
/// assert_eq!(events[0]["account_id"], 42);
/// ```
#[track_caller]
pub fn capture<R>(f: impl FnOnce() -> R) -> Captured {
    let capture = Capture::start();
    drop(f());
    capture.finish()
}

/// Captures the events emitted on every thread while `f` runs, and returns them: for code that
/// logs from spawned threads, thread pools or a multi-threaded async runtime.
///
/// Only one such capture runs at a time in a test binary: a second one, in a test running in
/// parallel, waits for the first to end, so two tests never share their events this way. Events
/// that *other* code running meanwhile emits on threads that are not inside [`capture`] (e.g. a
/// test in parallel that does not capture) are captured too: narrow the result down with
/// [`Captured::find`], [`Captured::filter`], [`Captured::events_named`] or
/// [`Captured::from_component`]. Threads inside a [`capture`] keep their events to themselves.
///
/// # Panics
///
/// If a captured line breaks the logfix line format, or if this thread is already inside a
/// `capture_all` (which would otherwise wait for itself forever).
///
/// # Examples
/// ```
/// #[derive(logfix_runtime::LogEvent)]
/// #[log(component = "jobs", message = "job {id} done")]
/// struct JobDone {
///     id: u32,
/// }
///
/// let events = logfix_testkit::capture_all(|| {
///     std::thread::spawn(|| logfix_runtime::emit(&JobDone { id: 7 })).join().unwrap();
/// });
/// assert_eq!(events.find("jobs", "job_done").unwrap()["id"], 7);
/// ```
#[track_caller]
pub fn capture_all<R>(f: impl FnOnce() -> R) -> Captured {
    let capture = Capture::start_all();
    drop(f());
    capture.finish()
}

/// A capture in progress, ended by [`finish`](Capture::finish) or by dropping it: for async
/// tests and for code whose result the test needs.
///
/// A `Capture` is not `Send`: it must end on the thread that started it. In an async test, hold
/// it in the test's own body (which `#[tokio::test]` runs on one thread), not in a spawned task.
///
/// # Examples
/// ```
/// #[derive(logfix_runtime::LogEvent)]
/// #[log(component = "billing", level = "warn", message = "card {last4} declined")]
/// struct CardDeclined<'a> {
///     last4: &'a str,
/// }
///
/// fn charge() -> Result<(), &'static str> {
///     logfix_runtime::emit(&CardDeclined { last4: "4242" });
///     Err("declined")
/// }
///
/// let capture = logfix_testkit::Capture::start();
/// let result = charge();
/// let events = capture.finish();
/// assert!(result.is_err());
/// logfix_testkit::assert_logged!(events, event = "card_declined", level = "warn", last4 = "4242");
/// ```
#[must_use = "the capture ends as soon as it is dropped"]
pub struct Capture {
    lines: Arc<Mutex<Vec<String>>>,
    /// Dropped before `exclusive`: the hook is removed before another global capture may start.
    hook: Option<CaptureGuard>,
    exclusive: Option<Exclusive>,
    /// The thread capture lives in a thread-local: it must end on the thread that started it.
    _not_send: PhantomData<*const ()>,
}

/// Serialises global captures within a test binary.
static GLOBAL_CAPTURE: Mutex<()> = Mutex::new(());

thread_local! {
    /// Whether this thread holds `GLOBAL_CAPTURE`, to fail loudly instead of deadlocking.
    static HOLDS_GLOBAL: Cell<bool> = const { Cell::new(false) };
}

/// This thread's turn at the global capture.
struct Exclusive {
    _lock: MutexGuard<'static, ()>,
}

impl Exclusive {
    #[track_caller]
    fn acquire() -> Self {
        assert!(
            !HOLDS_GLOBAL.get(),
            "logfix-testkit: `capture_all` (or `Capture::start_all`) inside another one on the \
             same thread: end the outer capture first"
        );
        // A test that panicked while capturing poisons the lock; the capture it guarded is over.
        let lock = GLOBAL_CAPTURE.lock().unwrap_or_else(PoisonError::into_inner);
        HOLDS_GLOBAL.set(true);
        Self { _lock: lock }
    }
}

impl Drop for Exclusive {
    fn drop(&mut self) {
        HOLDS_GLOBAL.set(false);
    }
}

impl Capture {
    /// Starts capturing the events emitted on this thread. See [`capture`].
    pub fn start() -> Self {
        let lines = Arc::default();
        let hook = hook::capture_thread(sink(&lines));
        Self { lines, hook: Some(hook), exclusive: None, _not_send: PhantomData }
    }

    /// Starts capturing the events emitted on every thread, after waiting for any other global
    /// capture in this test binary to end. See [`capture_all`].
    ///
    /// # Panics
    ///
    /// If this thread already holds a global capture.
    #[track_caller]
    pub fn start_all() -> Self {
        let exclusive = Exclusive::acquire();
        let lines = Arc::default();
        let hook = hook::capture_all(sink(&lines));
        Self { lines, hook: Some(hook), exclusive: Some(exclusive), _not_send: PhantomData }
    }

    /// The events captured so far; the capture goes on.
    ///
    /// # Panics
    ///
    /// If a captured line breaks the logfix line format.
    #[must_use]
    #[track_caller]
    pub fn events(&self) -> Captured {
        let lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner).clone();
        Captured::from_lines(lines)
    }

    /// Ends the capture and returns its events.
    ///
    /// # Panics
    ///
    /// If a captured line breaks the logfix line format.
    #[must_use]
    #[track_caller]
    pub fn finish(mut self) -> Captured {
        self.stop();
        let lines =
            core::mem::take(&mut *self.lines.lock().unwrap_or_else(PoisonError::into_inner));
        Captured::from_lines(lines)
    }

    fn stop(&mut self) {
        drop(self.hook.take());
        drop(self.exclusive.take());
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop();
    }
}

impl fmt::Debug for Capture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.lines.lock().map_or(0, |lines| lines.len());
        f.debug_struct("Capture")
            .field("global", &self.exclusive.is_some())
            .field("captured", &count)
            .finish_non_exhaustive()
    }
}

fn sink(lines: &Arc<Mutex<Vec<String>>>) -> CaptureSink {
    let lines = Arc::clone(lines);
    Arc::new(move |line: &str| {
        lines.lock().unwrap_or_else(PoisonError::into_inner).push(line.to_owned());
    })
}

/// The events of a capture, in the order they were emitted, each checked against the logfix line
/// format and parsed.
///
/// Dereferences to a slice of [`serde_json::Value`] objects, so `events[0]["account_id"]`,
/// `events.len()` and `events.iter()` work as on a `Vec`. [`lines`](Captured::lines) gives the
/// lines as rendered, with their keys in order. Matchers are [`find`](Captured::find),
/// [`filter`](Captured::filter), [`events_named`](Captured::events_named) and
/// [`from_component`](Captured::from_component); assertions are
/// [`assert_logged!`](crate::assert_logged) and [`assert_not_logged!`](crate::assert_not_logged).
///
/// Its `Display` lists the lines, numbered from 1, as the assertion macros print them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Captured {
    lines: Vec<String>,
    events: Vec<Value>,
}

impl Captured {
    /// Checks and parses captured lines.
    ///
    /// # Panics
    ///
    /// If a line breaks the logfix line format.
    #[track_caller]
    pub(crate) fn from_lines(lines: Vec<String>) -> Self {
        let mut events = Vec::with_capacity(lines.len());
        for (i, line) in lines.iter().enumerate() {
            match validate_line(line) {
                Ok(map) => events.push(Value::Object(map)),
                Err(e) => panic!(
                    "logfix-testkit: captured event #{} breaks the logfix line format: {e}\n  line: {line}",
                    i + 1
                ),
            }
        }
        Self { lines, events }
    }

    /// Keeps the events (and their lines) for which `keep` is true.
    pub(crate) fn retain_by(&self, mut keep: impl FnMut(&Value) -> bool) -> Self {
        let (lines, events) = self
            .lines
            .iter()
            .zip(&self.events)
            .filter(|(_, event)| keep(event))
            .map(|(line, event)| (line.clone(), event.clone()))
            .unzip();
        Self { lines, events }
    }

    /// The captured lines as rendered (one JSON object each, without the newline), keys in order.
    #[must_use]
    pub fn lines(&self) -> &[String] {
        &self.lines
    }
}

impl Deref for Captured {
    type Target = [Value];

    fn deref(&self) -> &[Value] {
        &self.events
    }
}

impl<'a> IntoIterator for &'a Captured {
    type Item = &'a Value;
    type IntoIter = core::slice::Iter<'a, Value>;

    fn into_iter(self) -> Self::IntoIter {
        self.events.iter()
    }
}

impl IntoIterator for Captured {
    type Item = Value;
    type IntoIter = std::vec::IntoIter<Value>;

    fn into_iter(self) -> Self::IntoIter {
        self.events.into_iter()
    }
}

/// At most this many lines are listed by `Display`, so that a failing assertion over a busy
/// global capture stays readable.
const MAX_LISTED: usize = 100;

impl fmt::Display for Captured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.lines.len() {
            0 => return f.write_str("no events captured"),
            1 => f.write_str("1 event captured:")?,
            n => write!(f, "{n} events captured:")?,
        }
        for (i, line) in self.lines.iter().take(MAX_LISTED).enumerate() {
            write!(f, "\n  #{} {line}", i + 1)?;
        }
        if self.lines.len() > MAX_LISTED {
            write!(f, "\n  ... and {} more", self.lines.len() - MAX_LISTED)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(event: &str) -> String {
        format!(
            r#"{{"timestamp":"2026-11-28T04:39:13.123456Z","level":"info","component":"test","event":"{event}","message":"m"}}"#
        )
    }

    #[test]
    fn parses_valid_lines_and_keeps_them_in_order() {
        let captured = Captured::from_lines(vec![line("a"), line("b")]);
        assert_eq!(captured.len(), 2);
        assert_eq!(captured[1]["event"], "b");
        assert_eq!(captured.lines()[0], line("a"));
        let names: Vec<_> = captured.iter().map(|e| e["event"].as_str().unwrap()).collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    #[should_panic(expected = "captured event #2 breaks the logfix line format")]
    fn panics_on_an_invalid_line() {
        let _ = Captured::from_lines(vec![line("a"), r#"{"level":"info"}"#.to_owned()]);
    }

    #[test]
    fn sink_collects_lines() {
        let lines = Arc::default();
        let sink = sink(&lines);
        sink("one");
        sink("two");
        assert_eq!(*lines.lock().unwrap(), ["one", "two"]);
    }

    #[test]
    fn display_numbers_the_lines_and_caps_the_list() {
        assert_eq!(Captured::default().to_string(), "no events captured");
        let one = Captured::from_lines(vec![line("a")]);
        assert_eq!(one.to_string(), format!("1 event captured:\n  #1 {}", line("a")));
        let many = Captured::from_lines(vec![line("a"); MAX_LISTED + 3]);
        assert!(many.to_string().ends_with("\n  ... and 3 more"), "{many}");
    }

    #[test]
    #[should_panic(expected = "inside another one on the same thread")]
    fn nested_global_captures_fail_instead_of_deadlocking() {
        let _outer = Capture::start_all();
        let _inner = Capture::start_all();
    }
}
