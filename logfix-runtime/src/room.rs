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
//! its batch: a system call once per batch, which returns at once when no other thread wants
//! the CPU. A thread that logs alone never yields. Measured the same way, calls over 1 ms: a
//! median of 6.5 without against 2.5 with, over 12 alternating runs of each; 3 against the
//! baseline's 8.5 over 30 rounds (see docs/BENCHMARKS.md).

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

/// A queue holds a backlog from this fraction of its capacity on (1/16: about 200 µs of the
/// writer's work with the default capacity).
const BACKLOG_SHARE: usize = 16;

/// Who is waiting for room in one queue, and who has lately been handing batches over.
#[derive(Debug, Default)]
pub(crate) struct Room {
    /// The callers that have waited for room longer than [`STARVING_AFTER`].
    starving: AtomicU32,
    /// The caller that handed over the last batch (see [`Room::send`]; 0 before the first).
    last_caller: AtomicUsize,
    /// When a batch last came from another caller than the one before (clock nanoseconds).
    shared_at: AtomicU64,
}

impl Room {
    /// Sends `message` for `caller` (an address that tells the threads apart, or 0 when
    /// unknown), waiting for room as long as it takes; gives it back if the receiver is gone.
    pub(crate) fn send<T>(&self, sender: &Sender<T>, message: T, caller: usize) -> Result<(), T> {
        // Relaxed: these only tell callers to give way or take turns, they order nothing.
        if self.starving.load(Ordering::Relaxed) > 0 {
            std::thread::sleep(GIVE_WAY);
        }
        let message = match sender.send_timeout(message, STARVING_AFTER) {
            Ok(()) => {
                if self.shared(caller) && backlogged(sender) {
                    std::thread::yield_now();
                }
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

    /// Records that `caller` handed over a batch; returns whether another caller did too
    /// within [`SHARED_WINDOW_NS`].
    fn shared(&self, caller: usize) -> bool {
        if caller == 0 {
            return false;
        }
        let now = clock::now();
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
        room.send(&sender, 1, 1).unwrap();
        assert_eq!(room.starving(), 0, "a message that finds room does not wait");
        let waiting = {
            let (room, sender) = (Arc::clone(&room), sender.clone());
            std::thread::spawn(move || room.send(&sender, 2, 1))
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
        room.send(&sender, 1, 1).unwrap();
        let waited = start.elapsed();
        assert!(waited >= GIVE_WAY, "gave way for {waited:?}");
        assert_eq!((receiver.try_recv(), room.starving()), (Ok(1), 1));
    }

    /// A thread that hands batches over alone never takes turns; once another does, both do
    /// until the other has been quiet for the window. Unknown callers never do.
    #[test]
    fn callers_take_turns_only_while_another_thread_hands_batches_over() {
        let room = Room::default();
        assert!(!room.shared(1), "the first caller is alone");
        assert!(!room.shared(1), "still alone");
        assert!(room.shared(2), "a second caller shares the queue");
        assert!(room.shared(1), "and so does the first, again");
        assert!(room.shared(1), "within the window, even without another switch");
        assert!(!room.shared(0), "an unknown caller does not take turns");
        room.shared_at.store(1, Ordering::Relaxed);
        assert!(!room.shared(1), "the other caller has been quiet for longer than the window");
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
        room.send(&sender, 1, 1).unwrap();
        let waiting = {
            let (room, sender) = (Arc::clone(&room), sender.clone());
            std::thread::spawn(move || room.send(&sender, 2, 1))
        };
        assert!(eventually(|| room.starving() == 1));
        drop(receiver);
        assert_eq!(waiting.join().unwrap(), Err(2));
        assert_eq!(room.starving(), 0);
    }
}
