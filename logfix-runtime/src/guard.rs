//! The guard that flushes and stops a logger when it goes out of scope.

use crate::dispatch::Logger;

/// Returned by [`init`](crate::init): keep it alive for as long as the program logs (bind it
/// in `main` as `let _guard = ...`, not `let _ = ...`). Dropping it writes out every queued
/// event and stops the writer thread, waiting at most a few seconds.
#[must_use = "dropping the guard stops the logger: bind it with `let _guard = ...`"]
#[derive(Debug)]
pub struct Guard {
    logger: Option<Logger>,
}

impl Guard {
    pub(crate) fn new(logger: Logger) -> Self {
        Self { logger: Some(logger) }
    }

    /// A guard that stops nothing: returned by a second `init()`.
    pub(crate) fn inactive() -> Self {
        Self { logger: None }
    }

    /// Whether dropping this guard stops a logger.
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.logger.is_some()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(logger) = self.logger.take() {
            logger.shutdown();
        }
    }
}
