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

/// Captures the events emitted on this thread until the guard is dropped.
pub fn capture_thread(sink: CaptureSink) -> CaptureGuard {
    let _ = LOCAL.try_with(|l| l.borrow_mut().push(Arc::clone(&sink)));
    crate::interest::capture(true);
    CaptureGuard { sink, global: false }
}

/// Captures the events emitted on every thread (that no thread capture takes) until the guard
/// is dropped.
pub fn capture_all(sink: CaptureSink) -> CaptureGuard {
    let mut global = GLOBAL.lock().unwrap_or_else(PoisonError::into_inner);
    global.push(Arc::clone(&sink));
    GLOBAL_ACTIVE.store(true, Ordering::Relaxed);
    drop(global);
    crate::interest::capture(true);
    CaptureGuard { sink, global: true }
}

/// Ends a capture when dropped.
#[must_use = "the capture ends when the guard is dropped"]
pub struct CaptureGuard {
    sink: CaptureSink,
    global: bool,
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
