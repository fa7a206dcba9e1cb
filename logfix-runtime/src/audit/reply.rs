//! An `audit()` caller's answer: one result, handed by whichever thread makes its record durable
//! (or fails to) to the caller, who sleeps until it comes ([`crate::oneshot`]).

use super::AuditError;
use crate::oneshot;

/// Where a caller's answer goes: `Ok` once its record is durable. Dropped without an answer (the
/// writer stopped without taking the record), it answers [`AuditError::ShutDown`].
pub(super) type Reply = oneshot::Sender<Result<(), AuditError>>;

/// The caller's end of a [`Reply`].
pub(super) struct Answer(oneshot::Receiver<Result<(), AuditError>>);

/// A new pair: the reply goes with the record, the answer stays with the caller.
pub(super) fn reply() -> (Reply, Answer) {
    let (reply, answer) = oneshot::channel();
    (reply, Answer(answer))
}

impl Answer {
    /// Sleeps until the answer comes.
    pub(super) fn wait(self) -> Result<(), AuditError> {
        self.0.wait().unwrap_or(Err(AuditError::ShutDown))
    }

    /// The answer, if it has come: `ShutDown` if the reply was dropped unanswered.
    #[cfg(test)]
    pub(super) fn try_take(&self) -> Option<Result<(), AuditError>> {
        self.0.try_take().or_else(|| self.0.is_gone().then_some(Err(AuditError::ShutDown)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_dropped_unanswered_answers_shut_down_and_a_sent_one_keeps_its_answer() {
        let (unanswered, answer) = reply();
        assert_eq!(answer.try_take(), None);
        drop(unanswered);
        assert_eq!(answer.try_take(), Some(Err(AuditError::ShutDown)));
        assert_eq!(answer.wait(), Err(AuditError::ShutDown));

        let (reply, answer) = reply();
        let error = AuditError::Render;
        reply.send(Err(error.clone()));
        assert_eq!(answer.wait(), Err(error));
    }
}
