//! logfix's own events (`"component":"logfix"`): configuration problems, start-up, drops,
//! failures and recoveries of the writer.

use super::{Level, LogEvent, Metadata};
use crate::context::ContextValue;
use crate::render::line::Line;
use crate::render::parts::{self, FieldWriter, MessageWriter, Parts, Pretty};

/// A logfix event built at run time.
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    pub(crate) meta: &'static Metadata,
    pub(crate) message: String,
    pub(crate) fields: Vec<(&'static str, ContextValue)>,
}

impl Notice {
    pub(crate) fn new(meta: &'static Metadata, message: impl Into<String>) -> Self {
        Self { meta, message: message.into(), fields: Vec::new() }
    }

    /// A failure of file handling: `<what>: <error>`, with the path and the error as fields.
    pub(crate) fn failure(
        meta: &'static Metadata,
        what: &str,
        path: &std::path::Path,
        error: &std::io::Error,
    ) -> Self {
        Notice::new(meta, format!("{what}: {error}"))
            .field("path", path.display().to_string())
            .field("error", error.to_string())
    }

    #[must_use]
    pub(crate) fn field(mut self, key: &'static str, value: impl Into<ContextValue>) -> Self {
        self.fields.push((key, value.into()));
        self
    }
}

impl LogEvent for Notice {
    fn metadata(&self) -> &'static Metadata {
        self.meta
    }

    fn __write_json(&self, line: &mut Line<'_>) {
        parts::json_parts(line, self);
    }

    fn __write_pretty(&self, w: &mut Pretty<'_>) {
        parts::pretty_parts(w, self);
    }
}

impl Parts for Notice {
    /// The notice's own fields: a context field of the same name is left out, so that no key
    /// is written twice.
    fn has_field(&self, key: &str) -> bool {
        self.fields.iter().any(|(k, _)| *k == key)
    }

    fn write_message(&self, w: &mut MessageWriter<'_>) {
        w.literal(&self.message);
    }

    fn write_fields(&self, w: &mut FieldWriter<'_>) {
        for (key, value) in &self.fields {
            w.context_value(key, value);
        }
    }
}

macro_rules! notices {
    ($($(#[$doc:meta])* $name:ident = $event:literal at $level:ident;)*) => {$(
        $(#[$doc])*
        pub(crate) static $name: Metadata = Metadata::new("logfix", $event, Level::$level, &[]);
    )*};
}

notices! {
    /// A `LOGFIX_*` value was rejected.
    CONFIG_INVALID = "config_invalid" at Warn;
    /// The first line of every run: where lines go and the configuration in force.
    LOGGING_STARTED = "logging_started" at Info;
    /// `init()` was called while a logger was already installed.
    ALREADY_INITIALIZED = "already_initialized" at Warn;
    /// Events were dropped because the queue was full (`LOGFIX_OVERFLOW=drop`).
    EVENTS_DROPPED = "events_dropped" at Warn;
    /// An event's `Display` or `Debug` impl panicked while it was rendered.
    RENDER_FAILED = "render_failed" at Error;
    /// A thread panicked.
    PANIC = "panic" at Error;
    /// The log file could not be written; lines go to stderr until it can.
    FILE_WRITE_FAILED = "file_write_failed" at Error;
    /// The log file is written again after a failure.
    FILE_WRITE_RESUMED = "file_write_resumed" at Info;
    /// A rotation or a compression failed.
    ROTATION_FAILED = "rotation_failed" at Error;
    /// A call site's events were suppressed by a rate limit (`LOGFIX_RATE_LIMIT`).
    #[cfg_attr(not(any(feature = "tracing", feature = "log")), allow(dead_code))]
    SUPPRESSED = "suppressed" at Warn;
    /// The level directives were changed at run time (`set_filter`).
    FILTER_CHANGED = "filter_changed" at Info;
    /// A global `tracing` subscriber or `log` logger was already installed.
    BRIDGE_NOT_INSTALLED = "bridge_not_installed" at Warn;
    /// An audit record was not acknowledged: `audit()` returned an error.
    AUDIT_FAILED = "audit_failed" at Error;
    /// Audit files past `LOGFIX_AUDIT_MAX_AGE` were deleted (also a record of the trail).
    AUDIT_FILES_DELETED = "audit_files_deleted" at Info;
    /// An operator accepted the loss of a removed audit file (a record of the trail).
    AUDIT_GAP_ACCEPTED = "audit_gap_accepted" at Warn;
    /// Lines could not be converted to `LOGFIX_SCHEMA`'s form and were written in logfix's.
    SCHEMA_CONVERSION_FAILED = "schema_conversion_failed" at Error;
    /// The audit trail ends before the record its seal names.
    AUDIT_TRAIL_TRUNCATED = "audit_trail_truncated" at Error;
}
