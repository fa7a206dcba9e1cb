//! The hook `logfix-testkit` captures events through. Not a stable API.

use core::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::context::Context;
use crate::render::{self, Format, Output, Record};

/// Receives each captured line: one JSON object, without the trailing newline.
pub type CaptureSink = Arc<dyn Fn(&str) + Send + Sync>;

thread_local! {
    static LOCAL: RefCell<Vec<CaptureSink>> = const { RefCell::new(Vec::new()) };
}

static GLOBAL: Mutex<Vec<CaptureSink>> = Mutex::new(Vec::new());
/// Whether `GLOBAL` is non-empty, so that `emit` does not take the lock when no test captures.
/// Relaxed is enough: a capture installed on another thread becomes visible through the
/// synchronisation that handed the work to this thread (a spawn or a channel).
static GLOBAL_ACTIVE: AtomicBool = AtomicBool::new(false);

pub(crate) fn is_active() -> bool {
    GLOBAL_ACTIVE.load(Ordering::Relaxed)
        || LOCAL.try_with(|l| !l.borrow().is_empty()).unwrap_or(false)
}

/// Renders `event` as JSON with this thread's context and hands it to the innermost capture of
/// this thread, else to the innermost global capture. Every level is captured.
pub(crate) fn emit<R: Record + ?Sized>(record: &R) {
    let sink = LOCAL
        .try_with(|l| l.borrow().last().cloned())
        .ok()
        .flatten()
        .or_else(|| GLOBAL.lock().unwrap_or_else(PoisonError::into_inner).last().cloned());
    let Some(sink) = sink else { return };
    let mut out = Output::new(Format::Json, false);
    Context::with_current(|ctx| render::render(&mut out, record, ctx, crate::clock::now()));
    let line = String::from_utf8_lossy(&out.buf);
    sink(line.trim_end_matches('\n'));
}

/// Captures the events emitted on this thread until the guard is dropped, also those of
/// `tracing` and `log` when the program installed no subscriber or logger of its own.
pub fn capture_thread(sink: CaptureSink) -> CaptureGuard {
    let _ = LOCAL.try_with(|l| l.borrow_mut().push(Arc::clone(&sink)));
    crate::interest::capture(true);
    let bridges = Bridges::route(false);
    CaptureGuard { sink, global: false, _bridges: bridges }
}

/// Captures the events emitted on every thread (that no thread capture takes) until the guard
/// is dropped.
pub fn capture_all(sink: CaptureSink) -> CaptureGuard {
    let mut global = GLOBAL.lock().unwrap_or_else(PoisonError::into_inner);
    global.push(Arc::clone(&sink));
    GLOBAL_ACTIVE.store(true, Ordering::Relaxed);
    drop(global);
    crate::interest::capture(true);
    let bridges = Bridges::route(true);
    CaptureGuard { sink, global: true, _bridges: bridges }
}

/// What a capture does so that `tracing` and `log` events reach it without `init()`.
struct Bridges {
    /// The bridge as this thread's `tracing` subscriber while the capture lasts.
    #[cfg(feature = "tracing")]
    _tracing: Option<tracing_core::dispatcher::DefaultGuard>,
}

impl Bridges {
    /// Where no `tracing` subscriber is in force, makes the bridge this thread's (`global`:
    /// the process's, for good, since a global subscriber cannot be removed); where no `log`
    /// logger is installed, installs the bridge (for good, likewise). A subscriber or logger
    /// the program installed is left alone: it decides where its events go.
    fn route(global: bool) -> Self {
        #[cfg(feature = "log")]
        let _ = crate::bridge::log::install();
        #[cfg(feature = "tracing")]
        {
            let none = tracing_core::dispatcher::get_default(|d| {
                d.is::<tracing_core::subscriber::NoSubscriber>()
            });
            let tracing = if !none {
                None
            } else if global {
                let _ = crate::bridge::tracing::install();
                None
            } else {
                Some(crate::bridge::tracing::set_default())
            };
            Self { _tracing: tracing }
        }
        #[cfg(not(feature = "tracing"))]
        {
            let _ = global;
            Self {}
        }
    }
}

/// Ends a capture when dropped.
#[must_use = "the capture ends when the guard is dropped"]
pub struct CaptureGuard {
    sink: CaptureSink,
    global: bool,
    _bridges: Bridges,
}

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        let remove = |sinks: &mut Vec<CaptureSink>| {
            if let Some(i) = sinks.iter().rposition(|s| Arc::ptr_eq(s, &self.sink)) {
                sinks.remove(i);
            }
        };
        if self.global {
            let mut global = GLOBAL.lock().unwrap_or_else(PoisonError::into_inner);
            remove(&mut global);
            GLOBAL_ACTIVE.store(!global.is_empty(), Ordering::Relaxed);
        } else {
            let _ = LOCAL.try_with(|l| remove(&mut l.borrow_mut()));
        }
        crate::interest::capture(false);
    }
}

impl core::fmt::Debug for CaptureGuard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CaptureGuard").field("global", &self.global).finish_non_exhaustive()
    }
}
