//! Where lines end up: the log file with its rotation, compression and retention, and stderr.

pub(crate) mod compress;
pub(crate) mod dir;
pub(crate) mod file;
pub(crate) mod rotate;
pub(crate) mod stderr;

use std::time::{Instant, SystemTime};

pub(crate) use dir::Placement;
pub(crate) use file::FileSink;

/// The time as the file sink sees it: tests step the wall clock and let backoff periods pass
/// without waiting.
pub(crate) trait TimeSource: Send + Sync {
    /// The wall clock, which file times are compared with for `LOGFIX_MAX_AGE`.
    fn wall(&self) -> SystemTime;
    /// For retries and periodic work.
    fn monotonic(&self) -> Instant;
}

/// The operating system's clocks.
pub(crate) struct OsTime;

impl TimeSource for OsTime {
    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }

    fn monotonic(&self) -> Instant {
        Instant::now()
    }
}

#[cfg(test)]
pub(crate) use fake::FakeTime;

#[cfg(test)]
mod fake {
    use std::sync::Mutex;
    use std::time::{Duration, Instant, SystemTime};

    /// Clocks that move only when a test moves them.
    pub(crate) struct FakeTime(Mutex<(SystemTime, Instant)>);

    impl FakeTime {
        pub(crate) fn new(wall: SystemTime) -> Self {
            Self(Mutex::new((wall, Instant::now())))
        }

        /// Time passes: both clocks move on.
        pub(crate) fn advance(&self, by: Duration) {
            let mut now = self.0.lock().unwrap();
            now.0 += by;
            now.1 += by;
        }

        /// The wall clock is set to `wall` (an NTP step, a restored VM); monotonic time does
        /// not move.
        pub(crate) fn set_wall(&self, wall: SystemTime) {
            self.0.lock().unwrap().0 = wall;
        }
    }

    impl super::TimeSource for FakeTime {
        fn wall(&self) -> SystemTime {
            self.0.lock().unwrap().0
        }

        fn monotonic(&self) -> Instant {
            self.0.lock().unwrap().1
        }
    }
}
