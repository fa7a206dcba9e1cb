//! Items used by the code that `#[derive(LogEvent)]` and `#[logged]` generate, and by
//! `logfix-testkit`.
//!
//! **Not a stable API.** Everything here may change in any release without notice; it is public
//! only because macro-generated code in your crate must be able to name it.

pub use crate::call::{
    ArgWriter, Call, CallSite, ErrorRef, Known, KnownText, LoggedError, NoText, ViaDisplay,
    ViaError,
};
pub use crate::capture::CaptureSink;
pub use crate::event::{Level, LogEvent, Metadata};
pub use crate::rate::Limiter as RateLimiter;
pub use crate::redact::Mask;
pub use crate::render::event_writer::{
    context_id, ContextId, EventWriter, MaskedValue, SerdeValue,
};
pub use crate::render::line::Line;
pub use crate::render::parts::Pretty;
pub use crate::render::Value;

use crate::event::Derived;
use crate::render::{self, Format, Output};

/// Renders `event` as one JSON line (trailing newline removed), outside any pipeline and
/// without context. For tests of generated code.
#[must_use]
pub fn render_json<E: LogEvent + ?Sized>(event: &E) -> String {
    render_as(event, Format::Json)
}

/// Renders `event` in the pretty format without colour (trailing newline removed). For tests.
#[must_use]
pub fn render_pretty<E: LogEvent + ?Sized>(event: &E) -> String {
    render_as(event, Format::Pretty)
}

fn render_as<E: LogEvent + ?Sized>(event: &E, format: Format) -> String {
    let mut out = Output::new(format, false);
    render::render(&mut out, &Derived(event), None, crate::clock::now());
    let line = String::from_utf8_lossy(&out.buf);
    line.strip_suffix('\n').unwrap_or(&line).to_owned()
}

/// Captures the events emitted on this thread until the guard is dropped, also those of
/// `tracing` and `log` when the program installed no subscriber or logger of its own.
pub fn capture_thread(sink: CaptureSink) -> CaptureGuard {
    let registration = crate::capture::register(sink, false);
    CaptureGuard { registration, _bridges: Bridges::route(false) }
}

/// Captures the events emitted on every thread (that no thread capture takes) until the guard
/// is dropped.
pub fn capture_all(sink: CaptureSink) -> CaptureGuard {
    let registration = crate::capture::register(sink, true);
    CaptureGuard { registration, _bridges: Bridges::route(true) }
}

/// Ends a capture when dropped.
#[must_use = "the capture ends when the guard is dropped"]
pub struct CaptureGuard {
    // Dropped first: the capture ends, then the bridge stops being this thread's subscriber.
    registration: crate::capture::Registration,
    _bridges: Bridges,
}

impl core::fmt::Debug for CaptureGuard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CaptureGuard")
            .field("global", &self.registration.is_global())
            .finish_non_exhaustive()
    }
}

/// Makes the rate limiters on this thread go by `now_ns` (ns since the epoch) instead of the
/// wall clock, or by the wall clock again with `None`. For `logfix_testkit::RateClock`.
pub fn set_rate_clock(now_ns: Option<u64>) {
    crate::rate::set_fake_now(now_ns);
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
