//! Putting lines in timestamp order.
//!
//! The lines of one file are only roughly in order: the writer interleaves the batches of
//! several threads (and processes sharing the file), so a line can follow one emitted up to a
//! flush interval (100 ms by default) after it. Files overlap at their edges for the same reason.
//!
//! - `query` sorts each file's matching lines, then merges the files, taken in the order of
//!   their first timestamps ([`Merge`]): a line is written once no file still to come can hold
//!   an earlier one, i.e. once it is earlier than the next file's first timestamp minus
//!   [`QUERY_WINDOW`]. Memory holds a file's matches and the lines near its end, not the result.
//! - `tail -f` holds each new line for [`FOLLOW_WINDOW`] ([`Reorder`]) so that a line written
//!   late still comes out in its place.

use core::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::time::Timestamp;

/// How much earlier than a file's first line another of its lines may be, for `query`. Far more
/// than the writer's disorder (a flush interval): a window only costs the memory of the lines
/// in it, and only near the end of each file.
pub(crate) const QUERY_WINDOW: Duration = Duration::from_secs(60);

/// How long `tail -f` holds a line for lines written after it with an earlier timestamp: five
/// default flush intervals. Also the delay before a line shows.
pub(crate) const FOLLOW_WINDOW: Duration = Duration::from_millis(500);

/// A line and its timestamp.
pub(crate) type Stamped = (Timestamp, Box<[u8]>);

/// The merge of sorted files into one sorted stream (`query`).
#[derive(Default)]
pub(crate) struct Merge {
    /// Lines not yet written, sorted; among equal timestamps, in the order they were added.
    pending: Vec<Stamped>,
    /// The timestamp of the last line written.
    last: Option<Timestamp>,
    /// Lines that arrived after a later line had been written.
    late: u64,
}

impl Merge {
    /// Adds one file's lines, sorted by timestamp, then writes every pending line earlier than
    /// `watermark`: the next file's first timestamp minus [`QUERY_WINDOW`], or `None` after the
    /// last file.
    ///
    /// # Errors
    ///
    /// The first error of `write`.
    pub(crate) fn add(
        &mut self,
        lines: Vec<Stamped>,
        watermark: Option<Timestamp>,
        mut write: impl FnMut(&[u8]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if let Some(last) = self.last {
            self.late += u64::try_from(lines.partition_point(|(ts, _)| *ts < last)).unwrap_or(0);
        }
        self.pending = merge_sorted(core::mem::take(&mut self.pending), lines);
        let ready = watermark
            .map_or(self.pending.len(), |w| self.pending.partition_point(|(ts, _)| *ts < w));
        for (ts, line) in self.pending.drain(..ready) {
            write(&line)?;
            self.last = Some(ts);
        }
        Ok(())
    }

    /// How many lines were written after a line with a later timestamp (0 unless a file held a
    /// line more than [`QUERY_WINDOW`] earlier than its first).
    pub(crate) fn late(&self) -> u64 {
        self.late
    }
}

/// Merges two sorted vectors; on equal timestamps, `a`'s lines first.
fn merge_sorted(a: Vec<Stamped>, b: Vec<Stamped>) -> Vec<Stamped> {
    if a.is_empty() {
        return b;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some((x, _)), Some((y, _))) => x <= y,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return out,
        };
        out.extend(if take_a { a.next() } else { b.next() });
    }
}

/// `tail -f`'s reorder buffer.
#[derive(Default)]
pub(crate) struct Reorder {
    heap: BinaryHeap<Reverse<Held>>,
    /// Lines pushed so far: keeps the file's order among equal timestamps.
    count: u64,
}

struct Held {
    timestamp: Timestamp,
    sequence: u64,
    arrived: Instant,
    line: Box<[u8]>,
}

impl PartialEq for Held {
    fn eq(&self, other: &Self) -> bool {
        (self.timestamp, self.sequence) == (other.timestamp, other.sequence)
    }
}

impl Eq for Held {}

impl PartialOrd for Held {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Held {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        (self.timestamp, self.sequence).cmp(&(other.timestamp, other.sequence))
    }
}

impl Reorder {
    /// Holds `line`, read at `arrived`.
    pub(crate) fn push(&mut self, timestamp: Timestamp, line: Box<[u8]>, arrived: Instant) {
        self.count += 1;
        self.heap.push(Reverse(Held { timestamp, sequence: self.count, arrived, line }));
    }

    /// Writes, earliest first, the lines that have waited long enough: those older than
    /// [`FOLLOW_WINDOW`] by the wall clock (`now`), or read more than that long ago (`instant`),
    /// or all of them if `all`.
    ///
    /// # Errors
    ///
    /// The first error of `write`.
    pub(crate) fn release(
        &mut self,
        now: Timestamp,
        instant: Instant,
        all: bool,
        mut write: impl FnMut(&[u8]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let old = now.minus(FOLLOW_WINDOW);
        while let Some(Reverse(first)) = self.heap.peek() {
            let waited = instant.saturating_duration_since(first.arrived) >= FOLLOW_WINDOW;
            if !(all || waited || first.timestamp <= old) {
                break;
            }
            if let Some(Reverse(held)) = self.heap.pop() {
                write(&held.line)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: u32) -> Timestamp {
        Timestamp::parse_line_format(&format!("2026-11-28T04:39:{second:02}.000000Z")).unwrap()
    }

    fn lines(items: &[(u32, &str)]) -> Vec<Stamped> {
        items.iter().map(|&(s, l)| (at(s), l.as_bytes().into())).collect()
    }

    fn collect(out: &mut Vec<String>) -> impl FnMut(&[u8]) -> Result<(), Error> + '_ {
        |line| {
            out.push(String::from_utf8(line.to_vec()).unwrap());
            Ok(())
        }
    }

    #[test]
    fn merges_overlapping_files_in_timestamp_order() {
        let mut merge = Merge::default();
        let mut out = Vec::new();
        // File 1 ends at :30; file 2 starts at :20 (first timestamp :25, one line 5 s earlier).
        merge
            .add(
                lines(&[(1, "a"), (10, "b"), (30, "c")]),
                Some(at(25).minus(QUERY_WINDOW)),
                collect(&mut out),
            )
            .unwrap();
        assert!(out.is_empty(), "everything is within the window of the next file");
        merge
            .add(lines(&[(20, "d"), (25, "e"), (30, "f")]), Some(at(59)), collect(&mut out))
            .unwrap();
        assert_eq!(out, ["a", "b", "d", "e", "c", "f"]);
        merge.add(lines(&[(59, "g")]), None, collect(&mut out)).unwrap();
        assert_eq!(out.last().map(String::as_str), Some("g"));
        assert_eq!(merge.late(), 0);
    }

    #[test]
    fn counts_lines_beyond_the_window() {
        let mut merge = Merge::default();
        let mut out = Vec::new();
        merge.add(lines(&[(10, "a"), (20, "b")]), Some(at(30)), collect(&mut out)).unwrap();
        merge.add(lines(&[(15, "late"), (40, "c")]), None, collect(&mut out)).unwrap();
        assert_eq!(out, ["a", "b", "late", "c"]);
        assert_eq!(merge.late(), 1);
    }

    #[test]
    fn holds_lines_for_the_window_by_either_clock() {
        let mut reorder = Reorder::default();
        let mut out = Vec::new();
        let start = Instant::now();
        let now = at(30);
        reorder.push(now, b"b".as_slice().into(), start);
        reorder.push(now.minus(Duration::from_millis(100)), b"a".as_slice().into(), start);
        reorder.push(at(1), b"old".as_slice().into(), start);
        reorder.release(now, start, false, collect(&mut out)).unwrap();
        assert_eq!(out, ["old"], "only what the wall clock says is old enough");
        reorder.release(at(31), start, false, collect(&mut out)).unwrap();
        assert_eq!(out, ["old", "a", "b"]);

        // A line from the future (another host's clock): released by the time it was held.
        reorder.push(at(59), b"future".as_slice().into(), start);
        reorder.release(now, start, false, collect(&mut out)).unwrap();
        assert_eq!(out.len(), 3);
        reorder.release(now, start + FOLLOW_WINDOW, false, collect(&mut out)).unwrap();
        assert_eq!(out.len(), 4);
    }
}
