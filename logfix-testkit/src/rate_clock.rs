//! A clock for rate limits that the test moves, so that a test of `#[log(rate = "...")]` or
//! `LOGFIX_RATE_LIMIT` does not depend on when the machine runs it.

use core::cell::Cell;
use core::marker::PhantomData;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// While it lives, the rate limiters on the current thread go by this clock instead of the wall
/// clock: a burst always falls in one window, and the next window comes when the test says.
/// Only the limiters' windows follow it; lines keep their real timestamps.
///
/// It starts at the beginning of a window (a whole minute, which also starts a second), so that
/// a window's events are the ones emitted until the next [`advance`](Self::advance) past it.
///
/// # Examples
/// ```
/// use std::time::Duration;
///
/// #[derive(logfix_runtime::LogEvent)]
/// #[log(component = "jobs", message = "tick {n}", rate = "2/s")]
/// struct Tick {
///     n: u64,
/// }
///
/// let clock = logfix_testkit::RateClock::new();
/// let burst = logfix_testkit::capture(|| (0..5).for_each(|n| logfix_runtime::emit(&Tick { n })));
/// assert_eq!(burst.events_named("tick").len(), 2);
///
/// clock.advance(Duration::from_secs(1));
/// let later = logfix_testkit::capture(|| logfix_runtime::emit(&Tick { n: 5 }));
/// assert_eq!(later[0]["event"], "suppressed");
/// assert_eq!(later[0]["count"], 3);
/// assert_eq!(later[1]["n"], 5);
/// ```
#[derive(Debug)]
pub struct RateClock {
    now_ns: Cell<u64>,
    /// The clock is the current thread's.
    _thread: PhantomData<*const ()>,
}

impl RateClock {
    /// A clock at the start of the current minute, in force on this thread until dropped.
    #[must_use]
    pub fn new() -> Self {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        Self::at(now - now % 60)
    }

    /// A clock at `seconds` after the Unix epoch.
    #[must_use]
    pub fn at(seconds: u64) -> Self {
        let clock =
            Self { now_ns: Cell::new(seconds.saturating_mul(1_000_000_000)), _thread: PhantomData };
        logfix_runtime::__private::set_rate_clock(Some(clock.now_ns.get()));
        clock
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.now_ns.set(self.now_ns.get().saturating_add(by));
        logfix_runtime::__private::set_rate_clock(Some(self.now_ns.get()));
    }
}

impl Default for RateClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for RateClock {
    fn drop(&mut self) {
        logfix_runtime::__private::set_rate_clock(None);
    }
}
