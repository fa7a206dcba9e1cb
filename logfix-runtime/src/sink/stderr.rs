//! stderr: where lines go when no file can be written, and after a logger has shut down.

use std::io::Write;

use crate::handoff::Batch;
use crate::metrics::Metrics;

/// Writes `lines` whole lines to stderr, counting them as written there or as lost.
pub(crate) fn write_lines(bytes: &[u8], lines: u64, metrics: &Metrics) {
    if std::io::stderr().lock().write_all(bytes).is_ok() {
        Metrics::add(&metrics.stderr_lines, lines);
    } else {
        Metrics::add(&metrics.lost_lines, lines);
    }
}

/// Writes a batch to stderr: the console's copy when there is one, else the file's lines.
pub(crate) fn write_batch(batch: &Batch, metrics: &Metrics) {
    let bytes = if batch.console.is_empty() { &batch.file } else { &batch.console };
    write_lines(bytes, batch.lines, metrics);
}
