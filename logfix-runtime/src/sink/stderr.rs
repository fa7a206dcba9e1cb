//! stderr: where lines go when no file can be written, and after a logger has shut down.

use std::io::Write;

use crate::metrics::Metrics;

/// Writes `lines` whole lines to stderr, counting them as written there or as lost.
pub(crate) fn write_lines(bytes: &[u8], lines: u64, metrics: &Metrics) {
    if std::io::stderr().lock().write_all(bytes).is_ok() {
        Metrics::add(&metrics.stderr_lines, lines);
    } else {
        Metrics::add(&metrics.lost_lines, lines);
    }
}
