//! A caller's answer: one result, handed by whichever thread makes its record durable (or fails
//! to) to the caller, who sleeps until it comes.
//!
//! An `audit()` caller waits for a sync, a fraction of a millisecond or more: it parks at once.
//! A channel's `recv` spins and yields the CPU a few times before it parks (crossbeam's backoff);
//! with many callers on few cores those yields took the CPU from the threads doing the work
//! (docs/BENCHMARKS.md, "Callers park at once").

use std::sync::{Arc, Condvar, Mutex, PoisonError};

use super::AuditError;

/// A new pair: the reply goes with the record, the answer stays with the caller.
pub(super) fn reply() -> (Reply, Answer) {
    let shared = Arc::new(Shared { result: Mutex::new(None), ready: Condvar::new() });
    (Reply(Some(Arc::clone(&shared))), Answer(shared))
}

/// Where a caller's answer goes: `Ok` once its record is durable. Dropped without an answer (the
/// writer stopped without taking the record), it answers [`AuditError::ShutDown`].
pub(super) struct Reply(Option<Arc<Shared>>);

/// The caller's end of a [`Reply`].
pub(super) struct Answer(Arc<Shared>);

struct Shared {
    result: Mutex<Option<Result<(), AuditError>>>,
    ready: Condvar,
}

impl Reply {
    pub(super) fn send(mut self, result: Result<(), AuditError>) {
        self.answer(result);
    }

    /// Sets the result, once, and wakes the caller.
    fn answer(&mut self, result: Result<(), AuditError>) {
        if let Some(shared) = self.0.take() {
            *shared.result.lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
            shared.ready.notify_one();
        }
    }
}

impl Drop for Reply {
    fn drop(&mut self) {
        self.answer(Err(AuditError::ShutDown));
    }
}

impl Answer {
    /// Sleeps until the answer comes.
    pub(super) fn wait(self) -> Result<(), AuditError> {
        let mut slot = self.0.result.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(result) = slot.take() {
                return result;
            }
            slot = self.0.ready.wait(slot).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The answer, if it has come.
    #[cfg(test)]
    pub(super) fn try_take(&self) -> Option<Result<(), AuditError>> {
        self.0.result.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_sent_from_another_thread_wakes_the_caller() {
        let (reply, answer) = reply();
        let sender = std::thread::spawn(move || reply.send(Ok(())));
        assert_eq!(answer.wait(), Ok(()));
        sender.join().unwrap();
    }

    #[test]
    fn a_reply_dropped_unanswered_answers_shut_down_and_a_sent_one_keeps_its_answer() {
        let (unanswered, answer) = reply();
        assert_eq!(answer.try_take(), None);
        drop(unanswered);
        assert_eq!(answer.wait(), Err(AuditError::ShutDown));

        let (reply, answer) = reply();
        let error = AuditError::Render;
        reply.send(Err(error.clone()));
        assert_eq!(answer.wait(), Err(error));
    }
}
