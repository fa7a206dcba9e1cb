//! What the global path could write at all: the most verbose level, kept where every call site
//! reads it first, and told to `tracing` and `log` so that their disabled call sites cost what
//! they cost with no logger.
//!
//! The global logger's filter sets it; while a test captures events (`logfix-testkit`), every
//! level is wanted. A change is pushed to `tracing` (its callsites' cached interest and its
//! global level hint are rebuilt) and, when logfix's `log` bridge is the installed logger, to
//! `log::set_max_level`.

#![cfg_attr(
    not(all(feature = "tracing", feature = "log")),
    allow(dead_code, reason = "parts serve only the bridges")
)]

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::event::Level;
use crate::filter::Filter;

/// The least level any destination of the global path wants (`Level as u8`; 5: none). Before
/// `init()`, every level: where an event goes then (the application's `tracing` subscriber,
/// whose levels can change at any time, or stderr at `LOGFIX_LEVEL`) is decided per event.
static FLOOR: AtomicU8 = AtomicU8::new(Level::Trace as u8);
/// The global logger's part of `FLOOR` (every level before `init()`, as above).
static LOGGER: AtomicU8 = AtomicU8::new(Level::Trace as u8);
/// Captures in force, on any thread.
static CAPTURES: AtomicUsize = AtomicUsize::new(0);
/// Whether logfix's `log` bridge is the `log` crate's logger.
static LOG_BRIDGE: AtomicBool = AtomicBool::new(false);
/// Held while `FLOOR` is worked out and passed on. Without it, a filter change that read "no
/// capture" could store its floor after a capture that started meanwhile stored "every level",
/// and the capture would miss the events its test emits.
static UPDATING: Mutex<()> = Mutex::new(());

/// Whether an event at `level` could be written through the global path: the first check of
/// every call site. Relaxed: a change made on another thread is seen by the next events there.
#[inline]
pub(crate) fn could_enable(level: Level) -> bool {
    level as u8 >= FLOOR.load(Ordering::Relaxed)
}

/// The most verbose level the global path wants, `None` for nothing.
pub(crate) fn max_level() -> Option<Level> {
    Level::ALL.iter().copied().find(|l| *l as u8 == FLOOR.load(Ordering::Relaxed))
}

/// Whether a capture is in force on some thread (every level is then wanted).
pub(crate) fn capturing() -> bool {
    CAPTURES.load(Ordering::Relaxed) > 0
}

/// The global logger's filter is now `filter`.
pub(crate) fn global_filter(filter: &Filter) {
    LOGGER.store(filter.floor_u8(), Ordering::Relaxed);
    update();
}

/// A capture starts (`true`) or ends.
pub(crate) fn capture(starts: bool) {
    if starts {
        CAPTURES.fetch_add(1, Ordering::Relaxed);
    } else {
        CAPTURES.fetch_sub(1, Ordering::Relaxed);
    }
    update();
}

/// logfix's `log` bridge was installed as the `log` crate's logger.
pub(crate) fn log_bridge_installed() {
    LOG_BRIDGE.store(true, Ordering::Relaxed);
    update();
}

fn update() {
    let _updating = UPDATING.lock().unwrap_or_else(PoisonError::into_inner);
    let floor = if capturing() { Level::Trace as u8 } else { LOGGER.load(Ordering::Relaxed) };
    FLOOR.store(floor, Ordering::Relaxed);
    #[cfg(feature = "log")]
    if LOG_BRIDGE.load(Ordering::Relaxed) {
        log::set_max_level(match max_level() {
            None => log::LevelFilter::Off,
            Some(Level::Error) => log::LevelFilter::Error,
            Some(Level::Warn) => log::LevelFilter::Warn,
            Some(Level::Info) => log::LevelFilter::Info,
            Some(Level::Debug) => log::LevelFilter::Debug,
            Some(Level::Trace) => log::LevelFilter::Trace,
        });
    }
    // The callsites' cached `Interest` and the global level hint depend on the floor and on the
    // filter's directives.
    #[cfg(feature = "tracing")]
    tracing_core::callsite::rebuild_interest_cache();
}
