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

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crossbeam_channel::{SendError, SendTimeoutError, Sender};

/// How long a caller waits for room before it counts as starving.
const STARVING_AFTER: Duration = Duration::from_micros(300);

/// The pause of a caller about to take room while another is starving.
const GIVE_WAY: Duration = Duration::from_micros(20);

/// The callers of one queue that have waited for room longer than [`STARVING_AFTER`].
#[derive(Debug, Default)]
pub(crate) struct Room {
    starving: AtomicU32,
}

impl Room {
    /// Sends `message`, waiting for room as long as it takes; gives it back if the receiver is
    /// gone.
    pub(crate) fn send<T>(&self, sender: &Sender<T>, message: T) -> Result<(), T> {
        // Relaxed: the count only tells callers to give way, it orders nothing.
        if self.starving.load(Ordering::Relaxed) > 0 {
            std::thread::sleep(GIVE_WAY);
        }
        let message = match sender.send_timeout(message, STARVING_AFTER) {
            Ok(()) => return Ok(()),
            Err(SendTimeoutError::Disconnected(message)) => return Err(message),
            Err(SendTimeoutError::Timeout(message)) => message,
        };
        self.starving.fetch_add(1, Ordering::Relaxed);
        let sent = sender.send(message).map_err(SendError::into_inner);
        self.starving.fetch_sub(1, Ordering::Relaxed);
        sent
    }

    #[cfg(test)]
    fn starving(&self) -> u32 {
        self.starving.load(Ordering::Relaxed)
    }
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
