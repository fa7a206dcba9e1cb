//! Items used by the code that `#[derive(LogEvent)]` and `#[logged]` generate, and by
//! `logfix-testkit`.
//!
//! **Not a stable API.** Everything here may change in any release without notice; it is public
//! only because macro-generated code in your crate must be able to name it.

pub use crate::call::{ArgWriter, Call, CallSite, ErrorRef, ViaDisplay, ViaError};
pub use crate::capture::{capture_all, capture_thread, CaptureGuard, CaptureSink};
pub use crate::event::{Level, LogEvent, Metadata, Value};
pub use crate::render::line::Line;
pub use crate::render::sink::{Pretty, Sink};

use crate::render::{self, Derived, Format, Output};

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
