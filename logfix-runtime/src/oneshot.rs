//! A one-shot answer: one value handed by one thread to another, which sleeps until it comes.
//!
//! The threads that wait for logfix's own threads (`flush()`, `shutdown()`, `audit()`) park at
//! once. A channel's `recv` spins and yields the CPU several times before it parks
//! (crossbeam's backoff): the application's threads gave up the CPU on logfix's initiative, and
//! with many of them waiting on few cores, those yields took it from the threads doing the
//! work (docs/BENCHMARKS.md, "Callers park at once").

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// A new pair: the sender goes with the request, the receiver stays with the thread that waits.
pub(crate) fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared { state: Mutex::new(State::Waiting), ready: Condvar::new() });
    (Sender(Some(Arc::clone(&shared))), Receiver(shared))
}

/// Answers once. Dropped without answering (its request was never handled), it tells the
/// receiver that no answer will come.
pub(crate) struct Sender<T>(Option<Arc<Shared<T>>>);

/// The waiting end of a [`Sender`].
pub(crate) struct Receiver<T>(Arc<Shared<T>>);

struct Shared<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
}

enum State<T> {
    Waiting,
    Sent(T),
    /// The sender was dropped without answering.
    Gone,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> Sender<T> {
    pub(crate) fn send(mut self, value: T) {
        self.settle(State::Sent(value));
    }

    /// Sets the outcome, once, and wakes the receiver.
    fn settle(&mut self, outcome: State<T>) {
        if let Some(shared) = self.0.take() {
            *shared.lock() = outcome;
            shared.ready.notify_one();
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.settle(State::Gone);
    }
}

impl<T> Receiver<T> {
    /// Sleeps until the answer comes; `None` if the sender was dropped without answering.
    pub(crate) fn wait(self) -> Option<T> {
        self.wait_until(None)
    }

    /// [`Receiver::wait`] for at most `timeout`: `None` also when it passes first.
    pub(crate) fn wait_timeout(self, timeout: Duration) -> Option<T> {
        // A timeout too long to add to now is as good as none.
        self.wait_until(Instant::now().checked_add(timeout))
    }

    fn wait_until(self, deadline: Option<Instant>) -> Option<T> {
        let mut state = self.0.lock();
        loop {
            match std::mem::replace(&mut *state, State::Waiting) {
                State::Waiting => {}
                State::Sent(value) => return Some(value),
                State::Gone => return None,
            }
            let ready = &self.0.ready;
            state = match deadline {
                None => ready.wait(state).unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return None;
                    }
                    ready.wait_timeout(state, left).unwrap_or_else(PoisonError::into_inner).0
                }
            };
        }
    }

    /// Whether the sender was dropped without answering.
    #[cfg(test)]
    pub(crate) fn is_gone(&self) -> bool {
        matches!(*self.0.lock(), State::Gone)
    }

    /// The answer, if it has come (and not `Gone`).
    #[cfg(test)]
    pub(crate) fn try_take(&self) -> Option<T> {
        let mut state = self.0.lock();
        match std::mem::replace(&mut *state, State::Waiting) {
            State::Sent(value) => Some(value),
            other => {
                *state = other;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_sent_from_another_thread_wakes_the_receiver() {
        let (sender, receiver) = channel();
        let thread = std::thread::spawn(move || sender.send(7));
        assert_eq!(receiver.wait(), Some(7));
        thread.join().unwrap();

        let (sender, receiver) = channel();
        let thread = std::thread::spawn(move || sender.send("done"));
        // A minute only keeps a broken build from hanging: the answer wakes the receiver.
        assert_eq!(receiver.wait_timeout(Duration::from_secs(60)), Some("done"));
        thread.join().unwrap();
    }

    #[test]
    fn a_sender_dropped_unanswered_ends_the_wait_with_none() {
        let (sender, receiver) = channel::<()>();
        let thread = std::thread::spawn(move || drop(sender));
        assert_eq!(receiver.wait(), None);
        thread.join().unwrap();

        let (sender, receiver) = channel::<()>();
        drop(sender);
        assert_eq!(receiver.wait_timeout(Duration::from_secs(60)), None);
    }

    #[test]
    fn an_answer_sent_before_the_wait_is_kept_and_a_pending_one_is_not_invented() {
        let (sender, receiver) = channel();
        assert_eq!(receiver.try_take(), None);
        sender.send(3);
        assert_eq!(receiver.wait_timeout(Duration::ZERO), Some(3));
    }

    #[test]
    fn the_wait_ends_when_the_timeout_passes_without_an_answer() {
        let (sender, receiver) = channel::<()>();
        assert_eq!(receiver.wait_timeout(Duration::ZERO), None);
        drop(sender);
    }
}
