//! Per-thread batches: how rendered lines travel from the callers to the writer.
//!
//! Each thread that logs appends its lines to its own [`Slot`] (one per thread and logger). A
//! batch that fills up is sent over the logger's bounded crossbeam channel; the writer takes the
//! lines of batches that are not full from the slots themselves on each of its rounds. So the
//! caller pays for a channel operation once per batch instead of once per event, and the writer
//! handles thousands of lines per message (measured: see docs/BENCHMARKS.md).
//!
//! A slot's lock is held by its thread while it renders one line into the batch (or copies it
//! there), and by the writer while it copies the pending lines out: never across I/O, never
//! while waiting for anything. Rendering runs the event's `Display` impls, so the writer never
//! waits long for a slot in use: it skips it and comes back. The lock is a spin lock (from the
//! `spin` crate) because its release is a plain store: `std::sync::Mutex` releases with an
//! atomic swap, which waits until every store of the line just written has reached the cache
//! (measured: 124 ns against 106 ns at the caller's median; see docs/BENCHMARKS.md). Whoever
//! waits for it yields after a few spins, in case the holder was preempted.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use spin::mutex::{SpinMutex, SpinMutexGuard};

/// A batch is sent once it holds this many lines...
pub(crate) const BATCH_LINES: u32 = 64;
/// ...or this many bytes in either of its buffers.
const BATCH_BYTES: usize = 16 * 1024;

/// The most emptied batches the writer keeps ready for the slots it takes lines from: it does
/// not keep one for every thread that ever logged.
pub(crate) const SPARE_BATCHES: usize = 64;

/// Lines since the writer's last visit from which a thread counts as busy, and gets a batch
/// with room for a full one in exchange for its lines. A quieter thread gets an unallocated
/// batch, and takes an emptied one when it next logs: a thread that has gone quiet keeps no
/// buffer (measured: 1 000 threads that logged one line each held 13 MiB before).
const BUSY_LINES: u64 = BATCH_LINES as u64 / 4;

/// Attempts at a slot's lock before yielding the CPU.
const SPINS: u32 = 64;

/// Yields before a caller waiting for its slot's lock sleeps instead.
const YIELDS: u32 = 8;

/// Rendered lines: the bytes for the file and, when the console is on, the console's copy.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub(crate) file: Vec<u8>,
    pub(crate) console: Vec<u8>,
    /// Where each line ends, and when it was emitted: the writer orders the lines of different
    /// threads by it.
    pub(crate) marks: Vec<Mark>,
}

/// The end of one line in a [`Batch`], and its clock's order key (see
/// [`crate::render::clock::now_and_key`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mark {
    pub(crate) key: u64,
    pub(crate) file_end: usize,
    pub(crate) console_end: usize,
}

impl Batch {
    pub(crate) fn with_capacity() -> Self {
        Self {
            file: Vec::with_capacity(BATCH_BYTES),
            marks: Vec::with_capacity(BATCH_LINES as usize),
            console: Vec::new(),
        }
    }

    /// Adds one line, read from the clock at `key`.
    pub(crate) fn push(&mut self, file: Option<&[u8]>, console: Option<&[u8]>, key: u64) {
        if let Some(bytes) = file {
            self.file.extend_from_slice(bytes);
        }
        if let Some(bytes) = console {
            self.console.extend_from_slice(bytes);
        }
        self.mark(key);
    }

    /// Ends the line written into the buffers since the last mark.
    #[inline]
    pub(crate) fn mark(&mut self, key: u64) {
        self.marks.push(Mark { key, file_end: self.file.len(), console_end: self.console.len() });
    }

    pub(crate) fn lines(&self) -> u64 {
        self.marks.len() as u64
    }

    /// The order key of the first line (0 when empty).
    pub(crate) fn first(&self) -> u64 {
        self.marks.first().map_or(0, |mark| mark.key)
    }

    pub(crate) fn is_full(&self) -> bool {
        self.marks.len() >= BATCH_LINES as usize
            || self.file.len() >= BATCH_BYTES
            || self.console.len() >= BATCH_BYTES
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.marks.is_empty()
    }

    /// Whether this is a placeholder without buffers (see [`BUSY_LINES`]).
    pub(crate) fn is_unallocated(&self) -> bool {
        self.marks.capacity() == 0
    }

    /// Empties the batch for reuse; a buffer grown far beyond a batch (one huge line) is
    /// released rather than kept.
    pub(crate) fn clear(&mut self) {
        for buf in [&mut self.file, &mut self.console] {
            buf.clear();
            if buf.capacity() > 4 * BATCH_BYTES {
                *buf = Vec::new();
            }
        }
        self.marks.clear();
    }
}

/// The lines one thread has rendered for one logger and not yet handed over.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    pending: SpinMutex<Batch>,
    /// Batches of this slot sent but not yet taken by the writer. While there are any, the
    /// writer leaves the pending lines alone: they are newer and must be written after them.
    in_flight: AtomicU32,
    /// Set when the logger has shut down: the thread forgets the slot.
    retired: AtomicBool,
}

impl Slot {
    /// Locks the pending batch.
    pub(crate) fn lock(&self) -> SpinMutexGuard<'_, Batch> {
        let mut yields = 0;
        loop {
            for _ in 0..SPINS {
                if let Some(pending) = self.pending.try_lock() {
                    return pending;
                }
                core::hint::spin_loop();
            }
            // The holder may have been preempted: a yield does not always give it the CPU (it
            // may wait on another CPU's queue), a short sleep does.
            if yields < YIELDS {
                yields += 1;
                std::thread::yield_now();
            } else {
                std::thread::sleep(std::time::Duration::from_micros(20));
            }
        }
    }

    /// Locks the pending batch unless its thread keeps it for more than a few hundred
    /// attempts (it may be running a slow `Display` impl, or be the thread waiting for the
    /// writer).
    fn lock_soon(&self) -> Option<SpinMutexGuard<'_, Batch>> {
        for _ in 0..SPINS * 4 {
            if let Some(pending) = self.pending.try_lock() {
                return Some(pending);
            }
            std::thread::yield_now();
        }
        None
    }

    /// Takes the full batch out for sending, leaving `fresh` in its place.
    pub(crate) fn take_full(&self, pending: &mut Batch, fresh: Batch) -> Batch {
        // Relaxed: the count is read by the writer under this slot's lock, which orders it.
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        std::mem::replace(pending, fresh)
    }

    /// The writer has taken (or the caller has given up on) one batch of this slot.
    pub(crate) fn landed(&self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
    }

    pub(crate) fn is_retired(&self) -> bool {
        self.retired.load(Ordering::Relaxed)
    }
}

/// Every slot of one logger, for the writer to visit, and the flag that tells callers whether
/// the writer will come by without being woken.
#[derive(Debug, Default)]
pub(crate) struct Slots {
    /// Set by the caller that appends to an empty slot; cleared by the writer before it visits
    /// the slots. Whoever sets it wakes the writer, so a line never waits for a writer that is
    /// asleep.
    armed: AtomicBool,
    all: Mutex<Vec<Arc<Slot>>>,
    /// Tells this logger's slots apart from other loggers' in a thread's list.
    id: u64,
}

impl Slots {
    pub(crate) fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self { id: NEXT.fetch_add(1, Ordering::Relaxed), ..Self::default() }
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    pub(crate) fn register(&self, slot: &Arc<Slot>) {
        self.all.lock().unwrap_or_else(PoisonError::into_inner).push(Arc::clone(slot));
    }

    /// Whether the caller must wake the writer: true for the first caller after the writer's
    /// last visit. `SeqCst`, with [`Slots::disarm`]: a line appended after the writer visited its
    /// slot is seen by the writer's next visit, and that visit is guaranteed by this call.
    pub(crate) fn arm(&self) -> bool {
        !self.armed.swap(true, Ordering::SeqCst)
    }

    /// Called by the writer before it visits the slots.
    pub(crate) fn disarm(&self) {
        self.armed.swap(false, Ordering::SeqCst);
    }

    /// Takes the pending batch of every slot that has lines and no batch in flight, replacing it
    /// with one from `spares` (filled up first to [`SPARE_BATCHES`]) if the slot is busy, or
    /// with an unallocated one, and passes it to `take`. All the slots are locked first and
    /// released together, so what is taken is exactly what was added before one moment: a line
    /// added after another, on any thread, is never taken while the earlier one is left. `wait`
    /// waits a little for slots in use before skipping them. Returns the slots skipped (by
    /// address), whose lines wait for the writer's next round. Forgets the slots of threads that
    /// have ended once they are empty.
    pub(crate) fn collect(
        &self,
        wait: bool,
        spares: &mut Vec<Batch>,
        mut take: impl FnMut(Batch, &Arc<Slot>),
    ) -> Vec<usize> {
        let mut all = self.all.lock().unwrap_or_else(PoisonError::into_inner);
        let mut left = Vec::new();
        // Allocated before any slot is locked: callers wait while the slots are.
        let wanted = all.len().min(SPARE_BATCHES);
        if spares.len() < wanted {
            spares.resize_with(wanted, Batch::with_capacity);
        }
        let mut locked: Vec<_> = all
            .iter()
            .map(|slot| {
                let pending = if wait { slot.lock_soon() } else { slot.pending.try_lock() };
                // Read under the lock, which the caller holds when it takes a batch to send.
                if pending.is_none() || slot.in_flight.load(Ordering::Relaxed) > 0 {
                    left.push(Arc::as_ptr(slot) as usize);
                    return None;
                }
                pending
            })
            .collect();
        let batches: Vec<_> = locked
            .iter_mut()
            .map(|pending| {
                pending.as_mut().filter(|pending| !pending.is_empty()).map(|pending| {
                    let fresh = if pending.lines() >= BUSY_LINES {
                        spares.pop().unwrap_or_default()
                    } else {
                        Batch::default()
                    };
                    std::mem::replace(&mut **pending, fresh)
                })
            })
            .collect();
        drop(locked);
        for (slot, batch) in all.iter().zip(batches) {
            if let Some(batch) = batch {
                take(batch, slot);
            }
        }
        // The thread-local list holds the other reference while the thread lives; an ended
        // thread's slot is forgotten once emptied.
        all.retain(|slot| {
            Arc::strong_count(slot) > 1
                || left.contains(&(Arc::as_ptr(slot) as usize))
                || !slot.lock().is_empty()
        });
        left
    }

    /// Marks every slot retired so that threads let go of them.
    pub(crate) fn retire(&self) {
        for slot in self.all.lock().unwrap_or_else(PoisonError::into_inner).iter() {
            slot.retired.store(true, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_slot() -> (Slots, Arc<Slot>) {
        let slots = Slots::new();
        let slot = Arc::new(Slot::default());
        slots.register(&slot);
        (slots, slot)
    }

    fn line(slot: &Slot, text: &str) {
        slot.lock().push(Some(text.as_bytes()), None, 0);
    }

    fn collected(slots: &Slots) -> (String, Vec<usize>) {
        let mut text = String::new();
        let left = slots.collect(false, &mut Vec::new(), |batch, _| {
            text.push_str(&String::from_utf8_lossy(&batch.file));
        });
        (text, left)
    }

    /// Lines added after a full batch was sent wait until that batch has landed, so the writer
    /// never writes them first.
    #[test]
    fn pending_lines_wait_for_the_batch_in_flight() {
        let (slots, slot) = one_slot();
        line(&slot, "a\n");
        let sent = {
            let mut pending = slot.lock();
            slot.take_full(&mut pending, Batch::default())
        };
        line(&slot, "b\n");
        assert_eq!(collected(&slots), (String::new(), vec![Arc::as_ptr(&slot) as usize]));
        assert_eq!(sent.file, b"a\n");
        slot.landed();
        assert_eq!(collected(&slots), ("b\n".to_owned(), vec![]));
        assert!(slot.lock().is_empty());
    }

    /// The slot of a thread that has ended (only the list holds it) is collected one last time,
    /// then forgotten.
    #[test]
    fn the_slot_of_an_ended_thread_is_forgotten_once_empty() {
        let (slots, slot) = one_slot();
        line(&slot, "last\n");
        drop(slot);
        assert_eq!(collected(&slots).0, "last\n");
        assert!(slots.all.lock().unwrap().is_empty());
    }

    /// A slot in use is skipped, not waited for, unless the writer asks to wait.
    #[test]
    fn a_slot_in_use_is_skipped() {
        let (slots, slot) = one_slot();
        line(&slot, "x\n");
        let held = slot.lock();
        assert_eq!(collected(&slots), (String::new(), vec![Arc::as_ptr(&slot) as usize]));
        drop(held);
        assert_eq!(collected(&slots).0, "x\n");
    }

    /// A thread that wrote a few lines since the writer's last visit is left without buffers
    /// (it takes an emptied batch when it next logs); a busy one gets a batch with room for a
    /// full one, from at most `SPARE_BATCHES` kept ready whatever the number of threads.
    #[test]
    fn only_busy_slots_get_a_batch_in_exchange_for_their_lines() {
        let slots = Slots::new();
        let quiet: Vec<_> = (0..2 * SPARE_BATCHES)
            .map(|_| {
                let slot = Arc::new(Slot::default());
                slots.register(&slot);
                line(&slot, "q\n");
                slot
            })
            .collect();
        let busy = Arc::new(Slot::default());
        slots.register(&busy);
        for _ in 0..BUSY_LINES {
            line(&busy, "b\n");
        }
        let mut spares = Vec::new();
        let mut taken = 0;
        slots.collect(false, &mut spares, |_, _| taken += 1);
        assert_eq!(taken, quiet.len() + 1);
        assert!(quiet.iter().all(|slot| slot.lock().is_unallocated()));
        let busy = busy.lock();
        assert!(busy.is_empty() && busy.file.capacity() >= BATCH_BYTES);
        assert_eq!(spares.len(), SPARE_BATCHES - 1);
    }

    #[test]
    fn a_batch_is_full_at_its_line_or_byte_limit_and_sheds_huge_buffers() {
        let mut batch = Batch::default();
        for _ in 0..BATCH_LINES - 1 {
            batch.push(Some(b"x\n"), None, 0);
        }
        assert!(!batch.is_full());
        batch.push(Some(b"x\n"), None, 0);
        assert!(batch.is_full());
        batch.clear();
        batch.push(None, Some(&vec![b'y'; BATCH_BYTES]), 0);
        assert!(batch.is_full());
        batch.push(None, Some(&vec![b'y'; 4 * BATCH_BYTES]), 0);
        batch.clear();
        assert_eq!((batch.lines(), batch.console.capacity()), (0, 0));
    }

    /// Only the first caller after the writer's visit has to wake it.
    #[test]
    fn one_wake_per_visit() {
        let slots = Slots::new();
        assert!(slots.arm());
        assert!(!slots.arm());
        slots.disarm();
        assert!(slots.arm());
    }
}
