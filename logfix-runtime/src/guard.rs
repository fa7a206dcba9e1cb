//! The guard that writes out the global logger's queued lines when it goes out of scope.

use crate::dispatch::Logger;

/// Returned by [`init`](crate::init). Dropping it writes out every queued line (waiting at most
/// a few seconds); the logger itself stays in force until the process ends, so discarding the
/// guard (`let _ = init();`) loses nothing. Bind it in `main` (`let _guard = init();`) so that
/// the lines are written out at a point you choose, even if the process later ends abnormally.
#[must_use = "dropping the guard writes out queued lines at once: bind it with `let _guard = ...`"]
#[derive(Debug)]
pub struct Guard {
    logger: Option<Logger>,
}

impl Guard {
    pub(crate) fn new(logger: Logger) -> Self {
        Self { logger: Some(logger) }
    }

    /// A guard that writes out nothing: returned by a second `init()`.
    pub(crate) fn inactive() -> Self {
        Self { logger: None }
    }

    /// Whether this guard belongs to the `init()` that installed the logger.
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.logger.is_some()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(logger) = &self.logger {
            logger.flush();
        }
    }
}
