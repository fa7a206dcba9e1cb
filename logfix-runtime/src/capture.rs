//! The hook `logfix-testkit` captures events through: where captured events go instead of the
//! logger. (`__private` adds the routing of `tracing` and `log` to it.)

use core::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

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

/// Hands a rendered JSON line to the innermost capture of this thread, else to the innermost
/// global capture. Every level is captured; the line is rendered by the dispatcher, as the
/// logger would write it.
pub(crate) fn deliver(line: &[u8]) {
    let sink = LOCAL
        .try_with(|l| l.borrow().last().cloned())
        .ok()
        .flatten()
        .or_else(|| GLOBAL.lock().unwrap_or_else(PoisonError::into_inner).last().cloned());
    let Some(sink) = sink else { return };
    let line = String::from_utf8_lossy(line);
    sink(line.trim_end_matches('\n'));
}

/// Sends the events emitted on this thread (`global`: on every thread, that no thread capture
/// takes) to `sink` until the registration is dropped.
pub(crate) fn register(sink: CaptureSink, global: bool) -> Registration {
    if global {
        let mut sinks = GLOBAL.lock().unwrap_or_else(PoisonError::into_inner);
        sinks.push(Arc::clone(&sink));
        GLOBAL_ACTIVE.store(true, Ordering::Relaxed);
    } else {
        let _ = LOCAL.try_with(|l| l.borrow_mut().push(Arc::clone(&sink)));
    }
    crate::interest::capture(true);
    Registration { sink, global }
}

/// Ends a capture when dropped.
pub(crate) struct Registration {
    sink: CaptureSink,
    global: bool,
}

impl Drop for Registration {
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

impl Registration {
    pub(crate) fn is_global(&self) -> bool {
        self.global
    }
}
