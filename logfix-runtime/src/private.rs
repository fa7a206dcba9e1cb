//! Items used by the code that `#[derive(LogEvent)]` and `#[logged]` generate.
//!
//! **Not a stable API.** Everything here may change in any release without notice; it is public
//! only because macro-generated code in your crate must be able to name it.

pub use crate::event::{FieldWriter, Level, LogEvent, MessageWriter, Metadata, Value};

/// Renders `event` as one JSON line (with its trailing newline removed), outside any pipeline and
/// without context. For tests of generated code.
#[must_use]
pub fn render_json<E: LogEvent + ?Sized>(event: &E) -> String {
    let mut out = crate::render::Output::new(crate::render::Format::Json, false);
    crate::render::render(
        &mut out,
        &crate::render::Derived(event),
        None,
        crate::render::clock::now(),
    );
    let line = String::from_utf8_lossy(&out.buf);
    line.strip_suffix('\n').unwrap_or(&line).to_owned()
}

pub use crate::capture::{capture_all, capture_thread, CaptureGuard, CaptureSink};

pub use crate::call::{ArgWriter, Call, CallSite, ErrorRef, ViaDisplay, ViaError};

/// Renders `event` in the pretty format without colour (trailing newline removed). For tests.
#[must_use]
pub fn render_pretty<E: LogEvent + ?Sized>(event: &E) -> String {
    let mut out = crate::render::Output::new(crate::render::Format::Pretty, false);
    crate::render::render(
        &mut out,
        &crate::render::Derived(event),
        None,
        crate::render::clock::now(),
    );
    let line = String::from_utf8_lossy(&out.buf);
    line.strip_suffix('\n').unwrap_or(&line).to_owned()
}
