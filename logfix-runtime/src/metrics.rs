//! Counters for everything that can go wrong, so that nothing is lost silently.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of one logger. Every counter only grows.
///
/// All updates are `Relaxed`: the counters are independent statistics; no other memory is
/// published through them.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    pub(crate) lines_written: AtomicU64,
    pub(crate) bytes_written: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) render_failures: AtomicU64,
    pub(crate) format_errors: AtomicU64,
    pub(crate) write_errors: AtomicU64,
    pub(crate) stderr_lines: AtomicU64,
    pub(crate) lost_lines: AtomicU64,
    pub(crate) rotations: AtomicU64,
    pub(crate) compressions: AtomicU64,
    pub(crate) compression_failures: AtomicU64,
    pub(crate) files_deleted: AtomicU64,
    pub(crate) audit_records: AtomicU64,
    pub(crate) audit_commits: AtomicU64,
    pub(crate) audit_failures: AtomicU64,
    /// The part of `dropped` already reported in an `events_dropped` line.
    pub(crate) reported_drops: AtomicU64,
    /// Microseconds since the epoch of the first drop not yet reported, or 0.
    pub(crate) first_drop_us: AtomicU64,
}

impl Metrics {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts `lines` dropped because the queue was full; the writer reports them.
    pub(crate) fn record_drop(&self, lines: u64) {
        Self::add(&self.dropped, lines);
        // Relaxed: only the value matters, and the writer reads it after the counter.
        let _ = self.first_drop_us.compare_exchange(
            0,
            crate::clock::now_micros(),
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
    }

    /// Sets every counter back to zero: a forked child starts counting its own lines.
    pub(crate) fn reset(&self) {
        for counter in [
            &self.lines_written,
            &self.bytes_written,
            &self.dropped,
            &self.render_failures,
            &self.format_errors,
            &self.write_errors,
            &self.stderr_lines,
            &self.lost_lines,
            &self.rotations,
            &self.compressions,
            &self.compression_failures,
            &self.files_deleted,
            &self.audit_records,
            &self.audit_commits,
            &self.audit_failures,
            &self.reported_drops,
            &self.first_drop_us,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
    }

    pub(crate) fn snapshot(&self) -> MetricsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        MetricsSnapshot {
            lines_written: get(&self.lines_written),
            bytes_written: get(&self.bytes_written),
            dropped: get(&self.dropped),
            render_failures: get(&self.render_failures),
            format_errors: get(&self.format_errors),
            write_errors: get(&self.write_errors),
            stderr_lines: get(&self.stderr_lines),
            lost_lines: get(&self.lost_lines),
            rotations: get(&self.rotations),
            compressions: get(&self.compressions),
            compression_failures: get(&self.compression_failures),
            files_deleted: get(&self.files_deleted),
            audit_records: get(&self.audit_records),
            audit_commits: get(&self.audit_commits),
            audit_failures: get(&self.audit_failures),
        }
    }
}

/// A copy of a logger's counters, for a metrics endpoint or a health check.
///
/// # Examples
/// ```
/// let m = logfix_runtime::metrics();
/// assert_eq!(m.dropped, 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetricsSnapshot {
    /// Lines written to the file, or to the console when there is no file.
    pub lines_written: u64,
    /// Bytes of those lines.
    pub bytes_written: u64,
    /// Events dropped because the queue was full (`LOGFIX_OVERFLOW=drop`) or the logger was
    /// shut down.
    pub dropped: u64,
    /// Events whose `Display` or `Debug` impl panicked; each is replaced by a `render_failed` line.
    pub render_failures: u64,
    /// `Display` or `Debug` impls that returned an error; the line is written with what they
    /// wrote before.
    pub format_errors: u64,
    /// Failed writes to the log file.
    pub write_errors: u64,
    /// Lines written to stderr because the file could not be written.
    pub stderr_lines: u64,
    /// Lines that reached neither the file nor stderr.
    pub lost_lines: u64,
    /// Rotations of the active file.
    pub rotations: u64,
    /// Rotated files compressed.
    pub compressions: u64,
    /// Compressions that failed (the rotated file is kept uncompressed).
    pub compression_failures: u64,
    /// Rotated files deleted by retention (audit files included).
    pub files_deleted: u64,
    /// Audit records written, synced and acknowledged (`audit()` returned `Ok`).
    pub audit_records: u64,
    /// Group commits of the audit trail: one `fsync` each, for every record that had arrived.
    pub audit_commits: u64,
    /// `audit()` calls that returned an error: the record was not acknowledged.
    pub audit_failures: u64,
}
