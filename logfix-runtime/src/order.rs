//! The order in which the writer writes the lines of one round.
//!
//! Threads hand their lines over in batches (see [`crate::batch`]), so the batches a writer's
//! round takes cover overlapping stretches of time. The round is written in the order the lines
//! were emitted across threads, by each line's clock key (see
//! [`crate::render::clock::now_and_key`]): line by line while the round is small (at ordinary
//! loads every round is), and batch by batch, by each batch's first line, once it holds more than
//! [`MERGE_LINES`] lines, where interleaving line by line would cost the writer more than the
//! order is worth. The lines of one thread always keep the order they were emitted in, whatever
//! their keys say (a wall clock set back, where the key is the wall clock).

use std::sync::Arc;

use crate::batch::{Batch, Slot};

/// The largest round merged line by line.
pub(crate) const MERGE_LINES: u64 = 4096;

/// A batch taken in this round, and the slot it comes from (`None`: a thread without one).
pub(crate) type Taken = (Batch, Option<Arc<Slot>>);

/// Calls `write(file bytes, console bytes, lines)` for the lines of `round` in the order to
/// write them (see the module's documentation). `round` must hold each slot's batches in the
/// order they came.
pub(crate) fn write_in_order(round: &mut Vec<Taken>, mut write: impl FnMut(&[u8], &[u8], u64)) {
    sort_batches(round);
    let lines: u64 = round.iter().map(|(batch, _)| batch.lines()).sum();
    if lines > MERGE_LINES {
        for (batch, _) in round.iter() {
            write(&batch.file, &batch.console, batch.lines());
        }
        return;
    }
    merge_lines(round, write);
}

/// Sorts the batches by their first line's key, each one under the largest key of its slot so
/// far (so that one slot's batches keep their order), ties in the order they came.
fn sort_batches(round: &mut Vec<Taken>) {
    if round.len() < 2 {
        return;
    }
    let mut latest: Vec<(*const Slot, u64)> = Vec::new();
    let mut keys: Vec<(u64, usize)> = Vec::with_capacity(round.len());
    for (i, (batch, slot)) in round.iter().enumerate() {
        let mut key = batch.first();
        if let Some(slot) = slot {
            let id = Arc::as_ptr(slot);
            match latest.iter_mut().find(|(s, _)| *s == id) {
                Some((_, last)) => {
                    *last = (*last).max(key);
                    key = *last;
                }
                None => latest.push((id, key)),
            }
        }
        keys.push((key, i));
    }
    keys.sort_unstable();
    let mut taken: Vec<_> = round.drain(..).map(Some).collect();
    round.extend(keys.iter().filter_map(|&(_, i)| taken.get_mut(i).and_then(Option::take)));
}

/// The lines of one slot in this round: its batches (indexes into the round) and a cursor.
struct Source {
    slot: Option<*const Slot>,
    batches: Vec<usize>,
    /// The batch (index into `batches`) and the line of the next line to write.
    at: (usize, usize),
}

/// Writes the lines of all slots interleaved by key, each slot's in their order. A run of
/// consecutive lines of one batch is written at once.
fn merge_lines(round: &[Taken], mut write: impl FnMut(&[u8], &[u8], u64)) {
    let mut sources: Vec<Source> = Vec::new();
    for (i, (_, slot)) in round.iter().enumerate() {
        let id = slot.as_ref().map(Arc::as_ptr);
        match sources.iter_mut().find(|source| id.is_some() && source.slot == id) {
            Some(source) => source.batches.push(i),
            None => sources.push(Source { slot: id, batches: vec![i], at: (0, 0) }),
        }
    }
    let batch_of = |source: &Source| {
        source.batches.get(source.at.0).and_then(|&i| round.get(i)).map(|(batch, _)| batch)
    };
    let head = |source: &Source| {
        batch_of(source).and_then(|batch| batch.marks.get(source.at.1)).map(|mark| mark.key)
    };
    loop {
        // The source with the oldest next line, and the oldest next line of the others.
        let mut best: Option<(usize, u64)> = None;
        let mut second = u64::MAX;
        for (i, source) in sources.iter().enumerate() {
            let Some(key) = head(source) else { continue };
            match best {
                Some((_, oldest)) if key >= oldest => second = second.min(key),
                _ => {
                    if let Some((_, oldest)) = best {
                        second = second.min(oldest);
                    }
                    best = Some((i, key));
                }
            }
        }
        let Some(source) = best.and_then(|(i, _)| sources.get_mut(i)) else { break };
        let Some(batch) = batch_of(source) else { break };
        let (from, marks) = (source.at.1, batch.marks.get(source.at.1..).unwrap_or_default());
        // At least the head line; then as long as no other source has an older one.
        let run = 1 + marks.iter().skip(1).take_while(|mark| mark.key <= second).count();
        let start = from.checked_sub(1).and_then(|i| batch.marks.get(i));
        let (file_start, console_start) = start.map_or((0, 0), |m| (m.file_end, m.console_end));
        if let Some(last) = batch.marks.get(from + run - 1) {
            write(
                batch.file.get(file_start..last.file_end).unwrap_or_default(),
                batch.console.get(console_start..last.console_end).unwrap_or_default(),
                run as u64,
            );
        }
        source.at = if from + run >= batch.marks.len() {
            (source.at.0 + 1, 0)
        } else {
            (source.at.0, from + run)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(lines: &[(u64, &str)]) -> Batch {
        let mut batch = Batch::default();
        for (time, text) in lines {
            batch.push(Some(text.as_bytes()), None, *time);
        }
        batch
    }

    fn written(round: &mut Vec<Taken>) -> String {
        let mut out = String::new();
        write_in_order(round, |file, _, _| out.push_str(&String::from_utf8_lossy(file)));
        out
    }

    #[test]
    fn the_lines_of_a_small_round_are_merged_by_timestamp() {
        let (a, b) = (Arc::new(Slot::default()), Arc::new(Slot::default()));
        let mut round = vec![
            (batch(&[(1, "a1 "), (3, "a3 "), (4, "a4 ")]), Some(Arc::clone(&a))),
            (batch(&[(2, "b2 "), (5, "b5 ")]), Some(Arc::clone(&b))),
            (batch(&[(6, "a6 ")]), Some(a)),
            (batch(&[(0, "x0 ")]), None),
        ];
        assert_eq!(written(&mut round), "x0 a1 b2 a3 a4 b5 a6 ");
    }

    /// A slot's later batch with an earlier timestamp (the wall clock was set back) still comes
    /// after its earlier one.
    #[test]
    fn a_slots_lines_keep_their_order_whatever_their_timestamps() {
        let slot = Arc::new(Slot::default());
        let mut round = vec![
            (batch(&[(10, "first ")]), Some(Arc::clone(&slot))),
            (batch(&[(5, "second ")]), Some(slot)),
        ];
        assert_eq!(written(&mut round), "first second ");
    }

    #[test]
    fn a_large_round_is_ordered_batch_by_batch() {
        let (a, b) = (Arc::new(Slot::default()), Arc::new(Slot::default()));
        let lines = |start: u64, name: &str| -> Vec<(u64, String)> {
            (0..MERGE_LINES).map(|i| (start + 2 * i, format!("{name}\n"))).collect()
        };
        let to_batch = |lines: &[(u64, String)]| {
            let mut batch = Batch::default();
            for (time, text) in lines {
                batch.push(Some(text.as_bytes()), None, *time);
            }
            batch
        };
        // b's lines interleave with a's, but b's batch starts later: all of a's come first.
        let mut round =
            vec![(to_batch(&lines(2, "b")), Some(b)), (to_batch(&lines(1, "a")), Some(a))];
        let text = written(&mut round);
        let first_b = text.find('b').unwrap();
        assert_eq!(first_b, text.len() / 2, "a's batch whole, then b's");
    }
}
