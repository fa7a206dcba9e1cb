//! Counters for everything that can go wrong, so that nothing is lost silently.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::event::Level;

/// Components counted by name; the lines of later ones are counted as [`OTHER_COMPONENTS`], so
/// that a service whose components (or bridged targets) are many cannot make the metrics grow
/// without bound.
pub const MAX_COMPONENTS: usize = 100;

/// The name the components beyond the first [`MAX_COMPONENTS`] are counted under.
pub const OTHER_COMPONENTS: &str = "other";

/// Counters of one logger. Every counter only grows.
///
/// Updates are `Relaxed`, the counters being independent statistics, except `dropped`, which
/// publishes the time of the drop it counts (`record_drop`).
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
    /// The `first_drop_us` of the last report of drops.
    last_first_drop_us: AtomicU64,
    /// The most batches waiting in the queue at once (counted when a batch is sent).
    pub(crate) queue_high_water: AtomicU64,
    /// Lines cut to `LOGFIX_MAX_LINE`.
    pub(crate) truncated_lines: AtomicU64,
    /// Events suppressed by a rate limit.
    pub(crate) suppressed: AtomicU64,
    /// Lines written in the logfix schema because they could not be converted to
    /// `LOGFIX_SCHEMA`'s.
    pub(crate) schema_failures: AtomicU64,
    /// The part of `schema_failures` already reported in a `schema_conversion_failed` line.
    pub(crate) reported_schema_failures: AtomicU64,
}

impl Metrics {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts `lines` dropped because the queue was full; the writer reports them.
    pub(crate) fn record_drop(&self, lines: u64) {
        // The time before the count, which publishes it (Release): a report that sees the count
        // sees a time with it, or one that an earlier report took (see `take_drops`).
        let _ = self.first_drop_us.compare_exchange(
            0,
            crate::clock::now_micros(),
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
        self.dropped.fetch_add(lines, Ordering::Release);
    }

    /// The drops not reported yet and when the first of them happened (µs since the epoch), for
    /// the writer's `events_dropped` line; `None` when there are none. Called by the writer only.
    pub(crate) fn take_drops(&self) -> Option<(u64, u64)> {
        let dropped = self.dropped.load(Ordering::Acquire);
        let reported = self.reported_drops.swap(dropped, Ordering::Relaxed);
        if dropped == reported {
            return None;
        }
        // No time: the drop's time went in before the report before this one read the count,
        // and its count after, so that report took the time. It is the best known here.
        let first = match self.first_drop_us.swap(0, Ordering::Relaxed) {
            0 => self.last_first_drop_us.load(Ordering::Relaxed),
            first => {
                self.last_first_drop_us.store(first, Ordering::Relaxed);
                first
            }
        };
        Some((dropped.saturating_sub(reported), first))
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
            &self.last_first_drop_us,
            &self.queue_high_water,
            &self.truncated_lines,
            &self.suppressed,
            &self.schema_failures,
            &self.reported_schema_failures,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
    }

    /// The counters, with `volume` (counted by the threads: see `Hub::volume`).
    pub(crate) fn snapshot(&self, volume: &Volume) -> MetricsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        MetricsSnapshot {
            lines_by_level: volume.by_level(),
            lines_by_component: volume.by_component(),
            queue_high_water: get(&self.queue_high_water),
            truncated_lines: get(&self.truncated_lines),
            suppressed: get(&self.suppressed),
            schema_failures: get(&self.schema_failures),
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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetricsSnapshot {
    /// Events accepted by the filter and handed to the writer, by level: the log volume, and
    /// with `error` the error rate.
    pub lines_by_level: LevelCounts,
    /// The same events by component (the first [`MAX_COMPONENTS`] components by name, then
    /// [`OTHER_COMPONENTS`]), most first.
    pub lines_by_component: Vec<(String, u64)>,
    /// The most batches waiting in the queue at once, each of up to 64 lines (or 16 KiB): the
    /// queue holds `LOGFIX_QUEUE_CAPACITY / 64` batches, so a high-water mark near that number
    /// means the writer fell behind the callers at times. A count of batches, not of events.
    pub queue_high_water: u64,
    /// Lines longer than `LOGFIX_MAX_LINE` whose longest values were cut to fit.
    pub truncated_lines: u64,
    /// Events suppressed by a rate limit (`LOGFIX_RATE_LIMIT`).
    pub suppressed: u64,
    /// Lines written in the logfix schema because they could not be converted to the one of
    /// `LOGFIX_SCHEMA` (`ecs`); each is still written, and a `schema_conversion_failed` line
    /// reports them. Expected to stay 0.
    pub schema_failures: u64,
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
    /// Group commits of the audit trail: one `fdatasync` each, for every record written before
    /// it started and not yet acknowledged (several may be in flight).
    pub audit_commits: u64,
    /// `audit()` calls that returned an error: the record was not acknowledged.
    pub audit_failures: u64,
}

/// Events by level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LevelCounts {
    /// `trace` events.
    pub trace: u64,
    /// `debug` events.
    pub debug: u64,
    /// `info` events.
    pub info: u64,
    /// `warn` events.
    pub warn: u64,
    /// `error` events.
    pub error: u64,
}

impl LevelCounts {
    /// The count of `level`.
    #[must_use]
    pub fn get(&self, level: Level) -> u64 {
        match level {
            Level::Trace => self.trace,
            Level::Debug => self.debug,
            Level::Info => self.info,
            Level::Warn => self.warn,
            Level::Error => self.error,
        }
    }

    /// Every event, whatever its level.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.trace + self.debug + self.info + self.warn + self.error
    }
}

/// Events counted by one thread (in its slot, under the lock it holds anyway) or summed over
/// threads: by level, and by component index (see [`Components`]).
#[derive(Debug, Default, Clone)]
pub(crate) struct Volume {
    levels: [u64; 5],
    components: Vec<u64>,
    /// The names of the indices of `components` (filled in when summed).
    names: Vec<Box<str>>,
}

impl Volume {
    #[inline]
    pub(crate) fn count(&mut self, level: Level, component: usize) {
        if let Some(n) = self.levels.get_mut(level as usize) {
            *n += 1;
        }
        match self.components.get_mut(component) {
            Some(n) => *n += 1,
            None => self.grow(component),
        }
    }

    #[cold]
    fn grow(&mut self, component: usize) {
        self.components.resize(component + 1, 0);
        if let Some(n) = self.components.get_mut(component) {
            *n += 1;
        }
    }

    /// Adds `other`'s counts.
    pub(crate) fn add(&mut self, other: &Volume) {
        for (a, b) in self.levels.iter_mut().zip(other.levels) {
            *a += b;
        }
        if self.components.len() < other.components.len() {
            self.components.resize(other.components.len(), 0);
        }
        for (a, b) in self.components.iter_mut().zip(&other.components) {
            *a += b;
        }
    }

    pub(crate) fn named(mut self, names: Vec<Box<str>>) -> Self {
        self.names = names;
        self
    }

    fn by_level(&self) -> LevelCounts {
        let [trace, debug, info, warn, error] = self.levels;
        LevelCounts { trace, debug, info, warn, error }
    }

    fn by_component(&self) -> Vec<(String, u64)> {
        let name = |i: usize| self.names.get(i).map_or(OTHER_COMPONENTS, |n| &**n);
        let mut counts: Vec<(String, u64)> = self
            .components
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| (name(i).to_owned(), *n))
            .collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        counts
    }
}

/// The component names a logger counts by, in the order first seen, at most
/// [`MAX_COMPONENTS`].
#[derive(Debug, Default)]
pub(crate) struct Components {
    names: std::sync::Mutex<Vec<Box<str>>>,
}

impl Components {
    /// The index `component` is counted under ([`MAX_COMPONENTS`] for the others).
    pub(crate) fn index(&self, component: &str) -> usize {
        let mut names = self.names.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(i) = names.iter().position(|n| &**n == component) {
            return i;
        }
        if names.len() < MAX_COMPONENTS {
            names.push(component.into());
            names.len() - 1
        } else {
            MAX_COMPONENTS
        }
    }

    pub(crate) fn names(&self) -> Vec<Box<str>> {
        self.names.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_of_drops_says_when_the_first_happened() {
        let metrics = Metrics::default();
        assert_eq!(metrics.take_drops(), None);
        let before = crate::clock::now_micros();
        metrics.record_drop(3);
        metrics.record_drop(2);
        let (count, first) = metrics.take_drops().unwrap();
        assert_eq!(count, 5);
        assert!((before..=crate::clock::now_micros()).contains(&first), "{first}");
        assert_eq!(metrics.take_drops(), None, "reported once");
    }

    #[test]
    fn drops_whose_time_an_earlier_report_took_are_given_that_time_not_zero() {
        // `record_drop` on two threads, interleaved with a report: one drop's time goes in and
        // the other's count; the report takes both; the first drop's count comes after it.
        let metrics = Metrics::default();
        metrics.first_drop_us.store(7_000, Ordering::Relaxed);
        metrics.dropped.fetch_add(1, Ordering::Release);
        assert_eq!(metrics.take_drops(), Some((1, 7_000)));
        metrics.dropped.fetch_add(2, Ordering::Release);
        assert_eq!(metrics.take_drops(), Some((2, 7_000)), "not 0, which read as 1970");
    }
}
