//! Noticing that the process is a child of `fork()`.
//!
//! A forked child inherits a copy of the parent's memory but only the thread that called
//! `fork()`: no writer thread, and locks that other threads of the parent held at that instant
//! stay locked forever. So a logger must not touch its inherited hand-off in a child. An at-fork
//! handler counts the forks this process descends from; a logger whose pipeline was started in
//! another generation leaves it alone (its lines are the parent's to write) and starts a new one
//! for the child (see `dispatch`).

use std::sync::atomic::{AtomicU64, Ordering};

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The number of `fork()`s between the process that started and this one.
#[inline]
pub(crate) fn generation() -> u64 {
    // Relaxed: the handler runs in the child's only thread before `fork()` returns there, so
    // that thread sees it; threads the child starts later are ordered after it by the spawn.
    GENERATION.load(Ordering::Relaxed)
}

/// Installs the at-fork handler, once per process (a child inherits it).
pub(crate) fn watch() {
    #[cfg(unix)]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: `pthread_atfork` only registers function pointers; `in_child` is an
            // `extern "C"` function with the expected signature that performs one atomic
            // increment, which is async-signal-safe as a handler run after `fork()` must be.
            // A failure (ENOMEM) leaves forked children without their own pipeline, as before.
            #[allow(unsafe_code, reason = "no safe API registers an at-fork handler")]
            let _ = unsafe { libc::pthread_atfork(None, None, Some(in_child)) };
        });
    }
}

#[cfg(unix)]
extern "C" fn in_child() {
    GENERATION.fetch_add(1, Ordering::Relaxed);
}
