//! The hand-off from the callers to the writer: per-thread batches and one bounded channel.
//!
//! Each thread that logs has a [`Slot`] per logger: a mutex around the lines it has rendered and
//! not yet handed over. A caller renders its line first (outside any lock: the event's `Display`
//! impls run there), then appends the bytes to its slot's pending batch. A batch that fills up
//! moves to the slot's queue of full batches, and a [`Message::Ready`] on the channel tells the
//! writer to come and take it. The writer takes a slot's batches all at once under its lock, so a
//! thread's lines reach the file in the order it emitted them. Lines of different threads are
//! ordered by their timestamps, as in every log store.
//!
//! The channel is bounded, in full batches: under `LOGFIX_OVERFLOW=block` a caller whose batch
//! fills up while the channel is full waits for room in the channel's own `send`; under `drop` the
//! full batch is dropped and counted. The lines of a batch that is not full yet are taken by the
//! writer within the flush interval: the first line of a batch since the writer's last visit
//! wakes it ([`Message::Wake`]), and it comes by one flush interval later.
//!
//! A slot's lock is held by its thread while it copies one line in, and by the writer while it
//! swaps the batches out: never during the application's code, never across I/O, never over more
//! than one slot.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crossbeam_channel::{Receiver, SendError, Sender, TrySendError};

use crate::config::{Console, Overflow, Settings};
use crate::event::Level;
use crate::metrics::{Components, Metrics, Volume};
use crate::oneshot;

/// How long a flush or shutdown request waits for room in a full queue, and a flush for the
/// writer's answer.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// A batch is handed over once it holds this many lines...
pub(crate) const BATCH_LINES: usize = 64;
/// ...or this many bytes in either of its buffers.
const BATCH_BYTES: usize = 16 * 1024;

/// The parts of a rendered line (the JSON line, then the console's copy from `split` on when it differs) for the file and for the console, each
/// `None` when that output is off.
pub(crate) fn parts<'a>(
    settings: &Settings,
    bytes: &'a [u8],
    split: usize,
) -> (Option<&'a [u8]>, Option<&'a [u8]>) {
    let (file, rest) = bytes.split_at_checked(split).unwrap_or((bytes, &[]));
    let console = if rest.is_empty() { file } else { rest };
    (settings.file_enabled.then_some(file), (settings.console != Console::Off).then_some(console))
}

/// Rendered lines: the bytes for the file and, when the console is on, the console's copy.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub(crate) file: Vec<u8>,
    pub(crate) console: Vec<u8>,
    pub(crate) lines: u64,
}

impl Batch {
    pub(crate) fn with_capacity() -> Self {
        Self { file: Vec::with_capacity(BATCH_BYTES), console: Vec::new(), lines: 0 }
    }

    /// Adds one line.
    pub(crate) fn push(&mut self, file: Option<&[u8]>, console: Option<&[u8]>) {
        if let Some(bytes) = file {
            self.file.extend_from_slice(bytes);
        }
        if let Some(bytes) = console {
            self.console.extend_from_slice(bytes);
        }
        self.lines += 1;
    }

    fn is_full(&self) -> bool {
        self.lines >= BATCH_LINES as u64
            || self.file.len() >= BATCH_BYTES
            || self.console.len() >= BATCH_BYTES
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.lines == 0
    }

    /// Whether this is a placeholder without buffers: the writer leaves one in the slot of a
    /// thread whose lines it took, so that a thread that has gone quiet holds no memory.
    fn is_unallocated(&self) -> bool {
        self.file.capacity() == 0 && self.console.capacity() == 0
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
        self.lines = 0;
    }
}

/// What the callers tell the writer.
pub(crate) enum Message {
    /// This slot has full batches.
    Ready(Arc<Slot>),
    /// Lines from a thread that has no slot (it is exiting).
    Lines(Batch),
    /// A slot got its first line since the writer's last visit.
    Wake,
    /// Write out everything emitted before this message, then answer.
    Flush(oneshot::Sender<()>),
    /// Write out everything, answer and stop.
    Shutdown(oneshot::Sender<()>),
}

/// The lines one thread has rendered for one logger and not yet handed over.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    state: Mutex<SlotState>,
}

#[derive(Debug, Default)]
struct SlotState {
    /// The events this thread handed over, by level and component (see [`Hub::volume`]).
    volume: Volume,
    /// The last component counted, by its text and, when it is static, its address, and its
    /// index: a thread's events mostly repeat their component, so the logger's list is rarely
    /// searched, and a static one is recognised without comparing text.
    last_component: LastComponent,
    pending: Batch,
    /// Full batches, oldest first, each announced by a [`Message::Ready`].
    full: Vec<Batch>,
    /// Set by the writer's last visit at shutdown: lines then go to stderr.
    closed: bool,
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, SlotState> {
        // A panic cannot leave the state half-changed: every change is a push or a swap.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes the full batches, oldest first, into `into`.
    pub(crate) fn take_full(&self, into: &mut Vec<Batch>) {
        into.append(&mut self.lock().full);
    }
}

/// An event's component, as the hand-off counts it.
#[derive(Clone, Copy)]
pub(crate) enum Component<'a> {
    /// Lives as long as the program: known by its address.
    Static(&'static str),
    /// May live in a buffer reused for another text: known by its text.
    Transient(&'a str),
}

impl Component<'_> {
    /// The component's text.
    pub(crate) fn text(&self) -> &str {
        match self {
            Component::Static(c) | Component::Transient(c) => c,
        }
    }
}

/// See [`SlotState::last_component`].
#[derive(Debug, Default)]
struct LastComponent {
    /// The static component's address and length (0 when the last was transient).
    address: (usize, usize),
    text: String,
    index: usize,
}

impl LastComponent {
    #[inline]
    fn index(&mut self, component: Component<'_>, components: &Components) -> usize {
        let (address, text) = match component {
            Component::Static(c) => ((c.as_ptr() as usize, c.len()), c),
            Component::Transient(c) => ((0, 0), c),
        };
        if address.0 != 0 && address == self.address {
            return self.index;
        }
        if self.text != text {
            self.index = components.index(text);
            self.text.clear();
            self.text.push_str(text);
        }
        self.address = address;
        self.index
    }
}

/// What the callers of one logger and its writer share: the slots, and the flags of the
/// hand-over protocol.
#[derive(Debug, Default)]
pub(crate) struct Hub {
    slots: Mutex<Vec<Arc<Slot>>>,
    /// The component names events are counted by.
    components: Components,
    /// The counts of threads that have ended.
    ended: Mutex<Volume>,
    /// Set by a caller that adds the first line to an empty batch, cleared by the writer before
    /// it visits the slots. Whoever sets it wakes the writer, so a line never waits for a writer
    /// that is asleep; when the channel is full, the wake cannot be sent, and the announced
    /// batches that fill it stand for it (see [`Hub::is_armed`]).
    armed: AtomicBool,
    /// Set when the logger shuts down (or has no writer): nothing more is sent.
    closed: AtomicBool,
    /// Callers between their check of `closed` and the end of their send (see
    /// [`Handoff::send`]).
    senders: AtomicUsize,
}

impl Hub {
    /// Called by the writer before it visits the slots (`SeqCst`, with the swap in
    /// [`Handoff::push`]: a line added after the visit re-arms and wakes the writer).
    pub(crate) fn disarm(&self) {
        self.armed.store(false, Ordering::SeqCst);
    }

    /// Whether a line waits for a visit. The writer asks on each announced batch: a caller
    /// that armed the hub while the channel was full of them could not send its wake.
    pub(crate) fn is_armed(&self) -> bool {
        self.armed.load(Ordering::SeqCst)
    }

    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Whether a caller may still be about to send (see [`Handoff::send`]).
    pub(crate) fn has_senders(&self) -> bool {
        self.senders.load(Ordering::SeqCst) > 0
    }

    /// Takes every line of every slot, one slot at a time, oldest first; with `close`, later
    /// lines of these slots go to stderr. Forgets the slots of threads that have ended.
    pub(crate) fn collect(&self, close: bool, into: &mut Vec<Batch>) {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        for slot in slots.iter() {
            let mut state = slot.lock();
            into.append(&mut state.full);
            if !state.pending.is_empty() {
                into.push(std::mem::take(&mut state.pending));
            }
            state.closed |= close;
        }
        // The thread's own list holds the other reference while the thread lives.
        slots.retain(|slot| {
            let alive = Arc::strong_count(slot) > 1;
            if !alive {
                let volume = std::mem::take(&mut slot.lock().volume);
                self.ended.lock().unwrap_or_else(PoisonError::into_inner).add(&volume);
            }
            alive
        });
    }

    /// The events handed over so far, by level and component, over every thread.
    pub(crate) fn volume(&self) -> Volume {
        let slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let mut total = self.ended.lock().unwrap_or_else(PoisonError::into_inner).clone();
        for slot in slots.iter() {
            total.add(&slot.lock().volume);
        }
        total.named(self.components.names())
    }

    fn register(&self) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = Arc::new(Slot::default());
        // Under the list's lock: either the writer's last visit at shutdown sees this slot, or
        // this sees `closed`.
        slot.lock().closed = self.is_closed();
        slots.push(Arc::clone(&slot));
        slot
    }
}

/// The callers' end of one logger's hand-off.
#[derive(Debug)]
pub(crate) struct Handoff {
    sender: Sender<Message>,
    /// Emptied batches handed back by the writer, to be filled again.
    spare: Receiver<Batch>,
    hub: Arc<Hub>,
    overflow: Overflow,
    metrics: Arc<Metrics>,
}

/// The writer's end of one logger's hand-off.
pub(crate) struct WriterEnd {
    pub(crate) receiver: Receiver<Message>,
    pub(crate) spare: Sender<Batch>,
    pub(crate) hub: Arc<Hub>,
}

impl Handoff {
    /// A hand-off whose channel holds `capacity` events (in full batches, at least two).
    pub(crate) fn new(
        capacity: usize,
        overflow: Overflow,
        metrics: Arc<Metrics>,
    ) -> (Handoff, WriterEnd) {
        let batches = capacity.div_ceil(BATCH_LINES).max(2);
        let (sender, receiver) = crossbeam_channel::bounded(batches);
        let (spare_sender, spare) = crossbeam_channel::bounded(batches);
        let hub = Arc::new(Hub::default());
        let writer = WriterEnd { receiver, spare: spare_sender, hub: Arc::clone(&hub) };
        (Handoff { sender, spare, hub, overflow, metrics }, writer)
    }

    pub(crate) fn hub(&self) -> &Hub {
        &self.hub
    }

    /// A new slot for the calling thread.
    pub(crate) fn register(&self) -> Arc<Slot> {
        self.hub.register()
    }

    /// Appends one rendered line, of an event at `level` from `component`, to `slot`, this
    /// thread's. Returns false when the logger is closed: the caller then writes the line to
    /// stderr itself.
    #[inline]
    pub(crate) fn push(
        &self,
        slot: &Arc<Slot>,
        line: (Option<&[u8]>, Option<&[u8]>),
        level: Level,
        component: Component<'_>,
    ) -> bool {
        let (file, console) = line;
        let mut state = slot.lock();
        if state.closed {
            return false;
        }
        let index = state.last_component.index(component, &self.hub.components);
        state.volume.count(level, index);
        if state.pending.is_unallocated() {
            state.pending = self.spare();
        }
        let first = state.pending.is_empty();
        state.pending.push(file, console);
        if state.pending.is_full() {
            let fresh = self.spare();
            self.seal(slot, state, fresh);
        } else {
            drop(state);
            if first && !self.hub.armed.swap(true, Ordering::SeqCst) {
                // The writer may be asleep: wake it (a full channel means it is awake anyway).
                let _ = self.sender.try_send(Message::Wake);
            }
        }
        true
    }

    /// Hands over the pending lines of `slot` now: its thread is exiting.
    pub(crate) fn hand_over_pending(&self, slot: &Arc<Slot>) {
        let state = slot.lock();
        if !state.closed && !state.pending.is_empty() {
            self.seal(slot, state, Batch::default());
        }
    }

    /// Moves the pending batch to the queue of full batches, `fresh` in its place, and
    /// announces it.
    #[cold]
    fn seal(&self, slot: &Arc<Slot>, mut state: MutexGuard<'_, SlotState>, fresh: Batch) {
        let batch = std::mem::replace(&mut state.pending, fresh);
        match self.overflow {
            Overflow::Block => {
                state.full.push(batch);
                // Never wait for room while holding the slot: the writer needs it to make room.
                drop(state);
                let _ = self.send(Message::Ready(Arc::clone(slot)));
            }
            // Trying does not wait, so it may happen under the lock, where it decides whether
            // the batch is queued or dropped.
            Overflow::Drop => match self.send(Message::Ready(Arc::clone(slot))) {
                Ok(()) => state.full.push(batch),
                // Closed, not full: a shutdown is writing out, and its last visit of the slot
                // takes the batch, as under `block`.
                Err(Message::Ready(_)) if self.hub.is_closed() => state.full.push(batch),
                Err(_) => self.dropped(batch.lines),
            },
        }
    }

    /// Hands over the lines of a thread that has no slot (it is exiting). Returns them when the
    /// logger is closed, for the caller to write to stderr.
    pub(crate) fn send_lines(&self, batch: Batch) -> Result<(), Batch> {
        match self.send(Message::Lines(batch)) {
            Err(Message::Lines(batch)) => Err(batch),
            // Sent, or dropped and counted.
            _ => Ok(()),
        }
    }

    /// Sends `message` under the overflow policy: waits for room (`block`), or drops it and
    /// counts its lines (`drop`: `Err` with the message when it was dropped). `Err` when the
    /// logger is closed.
    ///
    /// The count of `senders` around the check of `closed` (both `SeqCst`) is what lets the
    /// writer's shutdown wait for every message of a caller that found the logger open: the
    /// writer sets `closed`, then waits until no caller is counted, so a caller either sees
    /// `closed` or is counted until its message is in.
    fn send(&self, message: Message) -> Result<(), Message> {
        let hub = &*self.hub;
        hub.senders.fetch_add(1, Ordering::SeqCst);
        let result = if hub.is_closed() {
            Err(message)
        } else {
            if matches!(message, Message::Ready(_)) {
                // Relaxed: a statistic.
                self.metrics
                    .queue_high_water
                    .fetch_max(self.sender.len() as u64, Ordering::Relaxed);
            }
            match self.overflow {
                Overflow::Block => self.sender.send(message).map_err(SendError::into_inner),
                Overflow::Drop => self.sender.try_send(message).map_err(|e| match e {
                    TrySendError::Full(message) => {
                        if let Message::Lines(batch) = &message {
                            self.dropped(batch.lines);
                        }
                        // Dropped, counted: not for stderr.
                        Message::Wake
                    }
                    TrySendError::Disconnected(message) => message,
                }),
            }
        };
        if hub.senders.fetch_sub(1, Ordering::SeqCst) == 1 && hub.is_closed() {
            // The writer may be waiting for the last sender.
            let _ = self.sender.try_send(Message::Wake);
        }
        result
    }

    /// Sends a flush or shutdown request, waiting at most `timeout` for room; `false` when the
    /// writer is gone or the queue stayed full.
    pub(crate) fn request(&self, message: Message, timeout: Duration) -> bool {
        self.sender.send_timeout(message, timeout).is_ok()
    }

    fn spare(&self) -> Batch {
        self.spare.try_recv().unwrap_or_else(|_| Batch::with_capacity())
    }

    fn dropped(&self, lines: u64) {
        self.metrics.record_drop(lines);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handoff(capacity: usize, overflow: Overflow) -> (Handoff, WriterEnd) {
        Handoff::new(capacity, overflow, Arc::new(Metrics::default()))
    }

    fn push(handoff: &Handoff, slot: &Arc<Slot>, line: Option<&[u8]>) -> bool {
        handoff.push(slot, (line, None), Level::Info, Component::Static("test"))
    }

    fn text(batches: &[Batch]) -> String {
        batches.iter().map(|b| String::from_utf8_lossy(&b.file)).collect()
    }

    /// A full batch waits in its slot, announced; the lines after it stay pending until the
    /// writer visits the slot.
    #[test]
    fn a_full_batch_is_announced_and_later_lines_wait_in_the_slot() {
        let (handoff, writer) = handoff(1024, Overflow::Block);
        let slot = handoff.register();
        for i in 0..=BATCH_LINES {
            assert!(push(&handoff, &slot, Some(format!("{i}\n").as_bytes())));
        }
        let Ok(Message::Wake) = writer.receiver.try_recv() else { panic!("first line wakes") };
        let Ok(Message::Ready(ready)) = writer.receiver.try_recv() else { panic!("announced") };
        assert!(Arc::ptr_eq(&ready, &slot));
        let mut full = Vec::new();
        ready.take_full(&mut full);
        assert_eq!(full.len(), 1);
        assert_eq!(full[0].lines, BATCH_LINES as u64);
        let mut rest = Vec::new();
        writer.hub.collect(false, &mut rest);
        assert_eq!(text(&rest), format!("{BATCH_LINES}\n"));
    }

    /// The writer's visit takes a slot's full batches before its pending lines: a thread's
    /// lines stay in order.
    #[test]
    fn a_visit_takes_a_slots_lines_in_order() {
        let (handoff, writer) = handoff(1024, Overflow::Block);
        let slot = handoff.register();
        let lines = 2 * BATCH_LINES + 3;
        for i in 0..lines {
            push(&handoff, &slot, Some(format!("{i}\n").as_bytes()));
        }
        let mut taken = Vec::new();
        writer.hub.collect(false, &mut taken);
        let expected: Vec<String> = (0..lines).map(|i| format!("{i}\n")).collect();
        assert_eq!(text(&taken), expected.concat());
    }

    /// Only the first line after a visit wakes the writer.
    #[test]
    fn the_writer_is_woken_once_per_visit() {
        let (handoff, writer) = handoff(1024, Overflow::Block);
        let (a, b) = (handoff.register(), handoff.register());
        push(&handoff, &a, Some(b"a\n"));
        push(&handoff, &b, Some(b"b\n"));
        assert!(matches!(writer.receiver.try_recv(), Ok(Message::Wake)));
        assert!(writer.receiver.try_recv().is_err(), "armed already");
        writer.hub.disarm();
        writer.hub.collect(false, &mut Vec::new());
        push(&handoff, &b, Some(b"b\n"));
        assert!(matches!(writer.receiver.try_recv(), Ok(Message::Wake)));
    }

    /// Under `drop`, a batch that fills up while the channel is full is dropped whole and
    /// counted; the slot goes on.
    #[test]
    fn a_full_batch_is_dropped_and_counted_when_the_channel_is_full() {
        let metrics = Arc::new(Metrics::default());
        let (handoff, writer) = Handoff::new(1, Overflow::Drop, Arc::clone(&metrics));
        let slot = handoff.register();
        // Two messages fill the channel: the first line's wake, then one announced batch.
        for _ in 0..3 * BATCH_LINES {
            push(&handoff, &slot, Some(b"x\n"));
        }
        assert_eq!(metrics.snapshot(&Volume::default()).dropped, 2 * BATCH_LINES as u64);
        let mut taken = Vec::new();
        writer.hub.collect(false, &mut taken);
        assert_eq!(taken.iter().map(|b| b.lines).sum::<u64>(), BATCH_LINES as u64);
    }

    /// Under `drop`, the lines of an exiting thread (handed over without a slot) that find the
    /// channel full are dropped and counted like a full batch: `metrics().dropped` and the
    /// `events_dropped` line must account for every line lost.
    #[test]
    fn an_exiting_threads_lines_that_find_the_channel_full_are_dropped_and_counted() {
        let metrics = Arc::new(Metrics::default());
        let (handoff, writer) = Handoff::new(1, Overflow::Drop, Arc::clone(&metrics));
        let slot = handoff.register();
        // The first line's wake and one announced batch fill the channel.
        for _ in 0..BATCH_LINES {
            push(&handoff, &slot, Some(b"x\n"));
        }
        assert_eq!(metrics.snapshot(&Volume::default()).dropped, 0, "both fitted");
        let mut batch = Batch::default();
        for _ in 0..3 {
            batch.push(Some(b"y\n"), None);
        }
        assert!(handoff.send_lines(batch).is_ok(), "dropped, not handed back for stderr");
        assert_eq!(metrics.snapshot(&Volume::default()).dropped, 3);
        assert!(matches!(writer.receiver.try_recv(), Ok(Message::Wake)));
        assert!(matches!(writer.receiver.try_recv(), Ok(Message::Ready(_))));
        assert!(writer.receiver.try_recv().is_err(), "the lines never reached the channel");
    }

    /// Under `drop`, a batch that fills up while a shutdown writes out (the logger is closed,
    /// the queue empty) is not dropped: the writer's last visit takes it, as under `block`.
    #[test]
    fn a_batch_filled_during_shutdown_is_kept_under_drop() {
        let metrics = Arc::new(Metrics::default());
        let (handoff, writer) = Handoff::new(1024, Overflow::Drop, Arc::clone(&metrics));
        let slot = handoff.register();
        writer.hub.close();
        for _ in 0..=BATCH_LINES {
            assert!(push(&handoff, &slot, Some(b"x\n")));
        }
        assert_eq!(metrics.snapshot(&Volume::default()).dropped, 0);
        let mut taken = Vec::new();
        writer.hub.collect(true, &mut taken);
        assert_eq!(taken.iter().map(|b| b.lines).sum::<u64>(), BATCH_LINES as u64 + 1);
    }

    /// After the writer's last visit at shutdown, a slot refuses lines (they go to stderr), and
    /// so does a slot registered afterwards.
    #[test]
    fn a_closed_slot_refuses_lines() {
        let (handoff, writer) = handoff(1024, Overflow::Block);
        let slot = handoff.register();
        push(&handoff, &slot, Some(b"kept\n"));
        writer.hub.close();
        let mut taken = Vec::new();
        writer.hub.collect(true, &mut taken);
        assert_eq!(text(&taken), "kept\n");
        assert!(!push(&handoff, &slot, Some(b"late\n")));
        assert!(!push(&handoff, &handoff.register(), Some(b"later\n")));
        assert!(handoff.send_lines(Batch::default()).is_err());
    }

    /// The slot of a thread that has ended is visited one last time, then forgotten; a quiet
    /// thread's slot keeps no buffer after a visit.
    #[test]
    fn ended_threads_are_forgotten_and_quiet_ones_hold_no_buffer() {
        let (handoff, writer) = handoff(1024, Overflow::Block);
        let (ended, quiet) = (handoff.register(), handoff.register());
        push(&handoff, &ended, Some(b"last\n"));
        push(&handoff, &quiet, Some(b"one\n"));
        drop(ended);
        let mut taken = Vec::new();
        writer.hub.collect(false, &mut taken);
        assert_eq!(text(&taken), "last\none\n");
        assert_eq!(writer.hub.slots.lock().unwrap().len(), 1);
        assert!(quiet.lock().pending.is_unallocated());
    }

    /// Events are counted by level and component over every thread, those of ended threads
    /// included; components beyond the first hundred are counted together.
    #[test]
    fn events_are_counted_by_level_and_component() {
        let (handoff, writer) = handoff(1 << 20, Overflow::Block);
        let (a, b) = (handoff.register(), handoff.register());
        handoff.push(&a, (Some(b"x\n"), None), Level::Info, Component::Static("auth"));
        handoff.push(&a, (Some(b"x\n"), None), Level::Error, Component::Static("auth"));
        handoff.push(&b, (Some(b"x\n"), None), Level::Error, Component::Static("db"));
        for i in 0..=crate::metrics::MAX_COMPONENTS {
            handoff.push(
                &b,
                (Some(b"x\n"), None),
                Level::Debug,
                Component::Transient(&format!("c{i}")),
            );
        }
        drop(a);
        writer.hub.collect(false, &mut Vec::new());
        let snapshot = Metrics::default().snapshot(&writer.hub.volume());
        let levels = snapshot.lines_by_level;
        assert_eq!((levels.info, levels.error, levels.debug), (1, 2, 101));
        let count = |name: &str| {
            snapshot.lines_by_component.iter().find(|(n, _)| n == name).map(|(_, c)| *c)
        };
        assert_eq!(count("auth"), Some(2), "an ended thread's counts stay");
        assert_eq!(count("db"), Some(1));
        assert_eq!(count("c97"), Some(1));
        assert_eq!(count("c98"), None, "beyond the first hundred components");
        assert_eq!(count(crate::metrics::OTHER_COMPONENTS), Some(3), "c98, c99, c100");
    }
}
