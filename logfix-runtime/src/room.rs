//! Waiting for room in a full queue (`LOGFIX_OVERFLOW=block`), with a guard against starving.
//!
//! When the callers outrun the writer, the queue stays full and each batch waits for the writer
//! to make room. The channel wakes one waiting caller per batch the writer takes, but the caller
//! it wakes must still get a CPU, and a busier thread that is already running often takes the
//! room first: the woken caller goes back to sleep, sometimes several times in a row, and its
//! call takes milliseconds. So a caller that has waited [`STARVING_AFTER`] counts as starving
//! until its batch is in, and meanwhile every other caller pauses [`GIVE_WAY`] before it takes
//! room. Measured with the pipeline benchmark (two producers, 1 MiB rotation and gzip), calls
//! over 1 ms: a median of 20 without against 13 with, over 126 alternating runs of each (the
//! hand-written baseline's: 14); about halved while the machine was fast, no different while it
//! was slow (see docs/BENCHMARKS.md).
//!
//! Threads that outrun the writer together also take turns on the CPU. When two of them share
//! a CPU and the writer keeps up with one, the one running never waits for room, so the
//! scheduler lets it run a whole time slice (milliseconds) while the other waits, preempted in
//! the middle of a call. So while the queue holds a backlog and another thread has handed over
//! a batch in the last 20 ms ([`SHARED_WINDOW_NS`]), a caller yields its CPU after handing over
//! its batch, at most once per 200 µs ([`TURN_EVERY_NS`]): a system call, which returns at once
//! when no other thread wants the CPU. A thread that logs alone never yields. Measured the same
//! way, calls over 1 ms: a median of 6.5 without against 2.5 with, over 12 alternating runs of
//! each, and 2.5 against the baseline's 14 over twenty rounds (docs/BENCHMARKS.md, item 7).

use core::cell::Cell;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use crossbeam_channel::{SendError, SendTimeoutError, Sender};

use crate::render::clock;

/// How long a caller waits for room before it counts as starving.
const STARVING_AFTER: Duration = Duration::from_micros(300);

/// The pause of a caller about to take room while another is starving.
const GIVE_WAY: Duration = Duration::from_micros(20);

/// How long (ns) after another thread handed over a batch a caller still takes turns with it:
/// longer than a time slice, for which a preempted thread may wait.
const SHARED_WINDOW_NS: u64 = 20_000_000;

/// The least time (ns) between two turns a thread gives. It bounds how long another thread
/// waits for the CPU, and how many calls wait for their turn to come back: with a turn every
/// batch, calls over 1 ms had a median of 1 but the p99 was 786 ns (two producers); every
/// 200 µs, 2 and 380 ns; every 500 µs, 13 calls over 1 ms.
const TURN_EVERY_NS: u64 = 200_000;

/// A queue holds a backlog from this fraction of its capacity on (1/16: about 200 µs of the
/// writer's work with the default capacity).
const BACKLOG_SHARE: usize = 16;

thread_local! {
    /// When this thread last gave a turn (clock nanoseconds). Its address tells the threads
    /// apart.
    static TURN: Cell<u64> = const { Cell::new(0) };
}

/// Who is waiting for room in one queue, and who has lately been handing batches over.
#[derive(Debug, Default)]
pub(crate) struct Room {
    /// The callers that have waited for room longer than [`STARVING_AFTER`].
    starving: AtomicU32,
    /// The thread that handed over the last batch (0 before the first).
    last_caller: AtomicUsize,
    /// When a batch last came from another caller than the one before (clock nanoseconds).
    shared_at: AtomicU64,
}

impl Room {
    /// Sends `message`, waiting for room as long as it takes; gives it back if the receiver is
    /// gone.
    pub(crate) fn send<T>(&self, sender: &Sender<T>, message: T) -> Result<(), T> {
        // Relaxed: these only tell callers to give way or take turns, they order nothing.
        if self.starving.load(Ordering::Relaxed) > 0 {
            std::thread::sleep(GIVE_WAY);
        }
        let message = match sender.send_timeout(message, STARVING_AFTER) {
            Ok(()) => {
                self.take_turn(sender);
                return Ok(());
            }
            Err(SendTimeoutError::Disconnected(message)) => return Err(message),
            Err(SendTimeoutError::Timeout(message)) => message,
        };
        self.starving.fetch_add(1, Ordering::Relaxed);
        let sent = sender.send(message).map_err(SendError::into_inner);
        self.starving.fetch_sub(1, Ordering::Relaxed);
        sent
    }

    /// Yields the CPU if this thread's turn is due (see the module's docs); returns whether it
    /// did.
    fn take_turn<T>(&self, sender: &Sender<T>) -> bool {
        let now = clock::now();
        TURN.try_with(|turn| {
            let due = self.shared(core::ptr::from_ref(turn) as usize, now)
                && now.saturating_sub(turn.get()) >= TURN_EVERY_NS
                && backlogged(sender);
            if due {
                turn.set(now);
                std::thread::yield_now();
            }
            due
        })
        .unwrap_or(false)
    }

    /// Records that `caller` handed over a batch at `now`; returns whether another caller did
    /// too within [`SHARED_WINDOW_NS`].
    fn shared(&self, caller: usize, now: u64) -> bool {
        let previous = self.last_caller.swap(caller, Ordering::Relaxed);
        if previous != caller && previous != 0 {
            self.shared_at.store(now, Ordering::Relaxed);
        }
        let at = self.shared_at.load(Ordering::Relaxed);
        at != 0 && now.saturating_sub(at) < SHARED_WINDOW_NS
    }

    #[cfg(test)]
    fn starving(&self) -> u32 {
        self.starving.load(Ordering::Relaxed)
    }
}

/// Whether the queue holds a backlog (see [`BACKLOG_SHARE`]).
fn backlogged<T>(sender: &Sender<T>) -> bool {
    sender.capacity().is_some_and(|capacity| sender.len() * BACKLOG_SHARE >= capacity)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Instant;

    use super::*;

    /// Polls `done` for up to 5 s.
    fn eventually(done: impl Fn() -> bool) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if done() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        false
    }

    /// A caller kept waiting for room counts as starving until its message is in.
    #[test]
    fn a_caller_kept_waiting_counts_as_starving_until_its_message_is_in() {
        let room = Arc::new(Room::default());
        let (sender, receiver) = crossbeam_channel::bounded(1);
        room.send(&sender, 1).unwrap();
        assert_eq!(room.starving(), 0, "a message that finds room does not wait");
        let waiting = {
            let (room, sender) = (Arc::clone(&room), sender.clone());
            std::thread::spawn(move || room.send(&sender, 2))
        };
        assert!(eventually(|| room.starving() == 1), "the waiting caller is starving");
        assert_eq!(receiver.recv(), Ok(1));
        waiting.join().unwrap().unwrap();
        assert_eq!(room.starving(), 0);
        assert_eq!(receiver.try_recv(), Ok(2));
    }

    /// While another caller is starving, a caller pauses before it takes room, even when there
    /// is some.
    #[test]
    fn callers_give_way_to_a_starving_one() {
        let room = Room::default();
        let (sender, receiver) = crossbeam_channel::bounded(4);
        room.starving.store(1, Ordering::Relaxed);
        let start = Instant::now();
        room.send(&sender, 1).unwrap();
        let waited = start.elapsed();
        assert!(waited >= GIVE_WAY, "gave way for {waited:?}");
        assert_eq!((receiver.try_recv(), room.starving()), (Ok(1), 1));
    }

    /// A thread that hands batches over alone shares the queue with no one; once another does,
    /// both do, until the other has been quiet for the window.
    #[test]
    fn the_queue_is_shared_while_another_thread_hands_batches_over() {
        let room = Room::default();
        let t = 1_000_000_000;
        assert!(!room.shared(1, t), "the first caller is alone");
        assert!(!room.shared(1, t + 1), "still alone");
        assert!(room.shared(2, t + 2), "a second caller shares the queue");
        assert!(room.shared(1, t + 3), "and so does the first, again");
        assert!(room.shared(1, t + 3 + SHARED_WINDOW_NS - 1), "until the window ends");
        assert!(!room.shared(1, t + 3 + SHARED_WINDOW_NS), "the other has been quiet since");
    }

    /// A thread yields after handing over a batch only while another thread does too and the
    /// queue holds a backlog, and at most once per period.
    #[test]
    fn a_thread_takes_turns_only_with_another_and_a_backlog() {
        let room = Arc::new(Room::default());
        let (sender, receiver) = crossbeam_channel::bounded(2);
        sender.send(0).unwrap();
        let in_thread = |room: &Arc<Room>, sender: &Sender<i32>| {
            let (room, sender) = (Arc::clone(room), sender.clone());
            std::thread::spawn(move || room.take_turn(&sender)).join().unwrap()
        };
        assert!(!room.take_turn(&sender), "alone");
        assert!(in_thread(&room, &sender), "another thread, with a backlog");
        assert!(room.take_turn(&sender), "this thread too, now that another hands batches over");
        assert!(!room.take_turn(&sender), "not again so soon");
        receiver.recv().unwrap();
        assert!(!in_thread(&room, &sender), "no backlog");
    }

    /// The queue holds a backlog from a sixteenth of its capacity on.
    #[test]
    fn a_backlog_is_a_sixteenth_of_the_queue() {
        let (sender, _receiver) = crossbeam_channel::bounded(32);
        sender.send(1).unwrap();
        assert!(!backlogged(&sender));
        sender.send(2).unwrap();
        assert!(backlogged(&sender));
    }

    /// A caller waiting for room while the receiver goes away gets its message back and no
    /// longer counts as starving.
    #[test]
    fn a_caller_gets_its_message_back_when_the_receiver_is_gone() {
        let room = Arc::new(Room::default());
        let (sender, receiver) = crossbeam_channel::bounded(1);
        room.send(&sender, 1).unwrap();
        let waiting = {
            let (room, sender) = (Arc::clone(&room), sender.clone());
            std::thread::spawn(move || room.send(&sender, 2))
        };
        assert!(eventually(|| room.starving() == 1));
        drop(receiver);
        assert_eq!(waiting.join().unwrap(), Err(2));
        assert_eq!(room.starving(), 0);
    }
}
