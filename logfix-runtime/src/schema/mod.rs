//! The schema of the JSON lines that leave the process (`LOGFIX_SCHEMA`): callers always render
//! logfix lines, and with `ecs` each one is converted here, just before it is written.
//!
//! Converting on the way out rather than rendering twice keeps the callers' hot path as it is,
//! and maps every kind of line in one place: derived events, `#[logged]` calls, bridged
//! `tracing` and `log` events, logfix's notices, access events and the context, all already
//! redacted and capped. The writer thread converts what goes to the file, to stderr in its
//! place and to a JSON console; the cold paths without a writer (before `init()`, after
//! shutdown) convert what they write to stderr. The pretty console is for people and stays as it
//! is; the audit trail keeps the logfix schema, because its hash chain is over its own lines.

pub(crate) mod ecs;

use crate::config::{Schema, Settings};

/// What converting a buffer of whole lines did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Converted {
    /// Lines written in the logfix schema because they could not be converted.
    pub(crate) failed: u64,
    /// Lines whose converted form was over `LOGFIX_MAX_LINE` and had values cut.
    pub(crate) shortened: u64,
}

/// Converts logfix lines to the configured schema; the identity for `LOGFIX_SCHEMA=logfix`.
/// Holds the buffers each conversion reuses.
#[derive(Debug)]
pub(crate) struct Converter {
    ecs: Option<ecs::EcsWriter>,
}

impl Converter {
    pub(crate) fn new(settings: &Settings) -> Self {
        let ecs = (settings.schema == Schema::Ecs).then(|| ecs::EcsWriter::new(settings));
        Self { ecs }
    }

    /// Whether lines are written as they were rendered.
    pub(crate) fn is_identity(&self) -> bool {
        self.ecs.is_none()
    }

    /// Appends the whole logfix lines of `lines`, converted, to `out`. A line that cannot be
    /// converted is appended as it is and counted, never lost.
    pub(crate) fn convert(&mut self, lines: &[u8], out: &mut Vec<u8>) -> Converted {
        if let Some(ecs) = &mut self.ecs {
            ecs.convert_lines(lines, out)
        } else {
            out.extend_from_slice(lines);
            Converted::default()
        }
    }
}
