//! Rate limits (`LOGFIX_RATE_LIMIT=hyper=50/s,sqlx=10/m`): at most so many events per second
//! (or minute) from one call site of the components a directive covers; the others are
//! suppressed and counted, and when the call site's next window lets an event through, a
//! `"event":"suppressed"` line says how many were suppressed over what time. Off by default.
//!
//! A directive covers its component and those below it (`hyper` covers `hyper::proto::h1`), the
//! longest one matching wins, as level directives do. Each call site (a `tracing` macro, a `log`
//! call) counts on its own, in fixed windows of the period: so one chatty line of a library does
//! not silence the others.

use core::cell::Cell;
use core::fmt;
use core::str::FromStr;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use crate::error::ParseError;

/// So many events per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    events: u32,
    period: Duration,
}

impl FromStr for Rate {
    type Err = ParseError;

    /// `50/s`, `600/m`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (events, seconds) = logfix_core::rate::parse(s).map_err(ParseError::new)?;
        Ok(Rate { events, period: Duration::from_secs(seconds) })
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = if self.period.as_secs() == 60 { "m" } else { "s" };
        write!(f, "{}/{unit}", self.events)
    }
}

/// Rate limit directives: `hyper=50/s,sqlx=10/m`.
///
/// # Examples
/// ```
/// use logfix_runtime::RateLimits;
///
/// let limits: RateLimits = "hyper=50/s, sqlx=10/m".parse().unwrap();
/// assert_eq!(limits.to_string(), "hyper=50/s,sqlx=10/m");
/// assert!("hyper=fast".parse::<RateLimits>().is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimits {
    /// Longest component first, so that the first match is the most specific one.
    directives: Vec<(Box<str>, Rate)>,
}

impl RateLimits {
    /// Whether no directive is set (the default: nothing is limited).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.directives.is_empty()
    }

    /// The rate of the most specific directive covering `component`.
    pub(crate) fn rate(&self, component: &str) -> Option<Rate> {
        self.directives.iter().find(|(target, _)| covers(target, component)).map(|(_, r)| *r)
    }
}

fn covers(target: &str, component: &str) -> bool {
    match component.strip_prefix(target) {
        Some("") => true,
        Some(rest) => rest.starts_with('.') || rest.starts_with("::"),
        None => false,
    }
}

impl FromStr for RateLimits {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut directives: Vec<(Box<str>, Rate)> = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (target, rate) = part.split_once('=').ok_or_else(|| {
                ParseError::new(format!(
                    "directive `{part}` is not COMPONENT=RATE, e.g. hyper=50/s"
                ))
            })?;
            let target = target.trim();
            if target.is_empty() {
                return Err(ParseError::new(format!("directive `{part}` names no component")));
            }
            let rate: Rate = rate.parse()?;
            directives.retain(|(t, _)| &**t != target);
            directives.push((target.into(), rate));
        }
        directives.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Ok(Self { directives })
    }
}

impl fmt::Display for RateLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sorted: Vec<_> = self.directives.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        for (i, (target, rate)) in sorted.into_iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{target}={rate}")?;
        }
        Ok(())
    }
}

/// What a limiter says of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Written.
    Pass,
    /// Written, after `count` suppressed ones since `since_ns` (nanoseconds since the epoch).
    PassAfter { count: u64, since_ns: u64 },
    /// Suppressed.
    Suppress,
}

/// One call site's (or one event type's) count in its current window. Lock-free: the window's
/// number and the count share one atomic word. Not a stable API: `#[log(rate = "...")]`
/// declares one per event type.
#[doc(hidden)]
#[derive(Debug)]
pub struct Limiter {
    rate: Rate,
    /// The window's number (high 32 bits) and the events let through in it (low 32 bits).
    window: AtomicU64,
    suppressed: AtomicU64,
    /// When the first event of `suppressed` was suppressed (ns since the epoch), or 0.
    since_ns: AtomicU64,
    /// The `since_ns` of the last report of suppressed events.
    reported_since_ns: AtomicU64,
}

impl Limiter {
    pub(crate) const fn new(rate: Rate) -> Self {
        Self {
            rate,
            window: AtomicU64::new(0),
            suppressed: AtomicU64::new(0),
            since_ns: AtomicU64::new(0),
            reported_since_ns: AtomicU64::new(0),
        }
    }

    /// `events` per window of `seconds` (1 or 60, as `logfix_core::rate::parse` reads them;
    /// the macro checked the rate). Not a stable API.
    #[doc(hidden)]
    #[must_use]
    pub const fn per(events: u32, seconds: u64) -> Self {
        Self::new(Rate { events, period: Duration::from_secs(seconds) })
    }

    /// Whether an event at `now_ns` (ns since the epoch) is let through.
    pub(crate) fn admit(&self, now_ns: u64) -> Admission {
        let period = u64::try_from(self.rate.period.as_nanos()).unwrap_or(u64::MAX).max(1);
        // Truncated to 32 bits: only whether it changed matters.
        #[allow(clippy::cast_possible_truncation)]
        let window = (now_ns / period) as u32;
        // Relaxed but for `suppressed`: the counts are statistics.
        let mut current = self.window.load(Ordering::Relaxed);
        loop {
            #[allow(clippy::cast_possible_truncation)]
            let (seen, count) = ((current >> 32) as u32, current as u32);
            let next = if seen == window {
                if count >= self.rate.events {
                    // The time before the count, which publishes it (Release): the event let
                    // through that takes the count finds a time with it, or one that the
                    // event before it took (see below).
                    let _ = self.since_ns.compare_exchange(
                        0,
                        now_ns,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    );
                    self.suppressed.fetch_add(1, Ordering::Release);
                    return Admission::Suppress;
                }
                (u64::from(window) << 32) | u64::from(count + 1)
            } else {
                (u64::from(window) << 32) | 1
            };
            match self.window.compare_exchange_weak(
                current,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
        match self.suppressed.swap(0, Ordering::Acquire) {
            0 => Admission::Pass,
            count => {
                // No time: the suppression's time went in before the last report read the
                // count, and its count after, so that report took the time.
                let since_ns = match self.since_ns.swap(0, Ordering::Relaxed) {
                    0 => self.reported_since_ns.load(Ordering::Relaxed),
                    since => {
                        self.reported_since_ns.store(since, Ordering::Relaxed);
                        since
                    }
                };
                Admission::PassAfter { count, since_ns }
            }
        }
    }
}

thread_local! {
    /// A test's time for the limiters on this thread, in ns since the epoch (see
    /// `logfix_testkit::RateClock`).
    static FAKE_NOW: Cell<Option<u64>> = const { Cell::new(None) };
}

/// The time the limiters go by, in ns since the epoch: the wall clock, or the test's.
pub(crate) fn now() -> u64 {
    FAKE_NOW.try_with(Cell::get).ok().flatten().unwrap_or_else(crate::clock::now)
}

/// Makes the limiters on this thread go by `now` (ns since the epoch), or by the wall clock
/// again with `None`.
pub(crate) fn set_fake_now(now: Option<u64>) {
    let _ = FAKE_NOW.try_with(|fake| fake.set(now));
}

/// The limits in force on the global path, and the limiter of each call site seen.
struct Registry {
    limits: RateLimits,
    sites: RwLock<HashMap<usize, Arc<Limiter>>>,
}

static REGISTRY: OnceLock<Registry> = OnceLock::new();

/// Sets the global path's limits, once (the first `init()` wins). Nothing is limited before.
pub(crate) fn set_global(limits: &RateLimits) {
    if !limits.is_empty() {
        let _ = REGISTRY.set(Registry { limits: limits.clone(), sites: RwLock::default() });
    }
}

/// The limiter of the call site `site` names (an address or a hash that names it for the life of
/// the program) of `component`, if a directive covers it. `site` is only asked then.
pub(crate) fn limiter(site: impl FnOnce() -> usize, component: &str) -> Option<Arc<Limiter>> {
    let registry = REGISTRY.get()?;
    let rate = registry.limits.rate(component)?;
    let site = site();
    if let Some(limiter) = registry.sites.read().unwrap_or_else(PoisonError::into_inner).get(&site)
    {
        return Some(Arc::clone(limiter));
    }
    let mut sites = registry.sites.write().unwrap_or_else(PoisonError::into_inner);
    Some(Arc::clone(sites.entry(site).or_insert_with(|| Arc::new(Limiter::new(rate)))))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000_000;

    #[test]
    fn directives_read_and_match_like_level_directives() {
        let limits: RateLimits = "hyper=50/s,hyper::proto=5/m".parse().unwrap();
        assert_eq!(limits.rate("hyper::client").map(|r| r.to_string()), Some("50/s".to_owned()));
        assert_eq!(limits.rate("hyper::proto::h1").map(|r| r.to_string()), Some("5/m".to_owned()));
        assert_eq!(limits.rate("hyperx"), None);
        for bad in ["hyper", "=5/s", "hyper=5", "hyper=0/s", "hyper=5/h", "hyper=x/s"] {
            assert!(bad.parse::<RateLimits>().is_err(), "{bad}");
        }
        assert!("".parse::<RateLimits>().unwrap().is_empty());
    }

    /// Within a window, the first N pass; the rest are suppressed; the first event of a later
    /// window passes and carries the count and the time of the first suppressed one.
    #[test]
    fn a_window_lets_n_through_and_the_next_reports_the_rest() {
        let limiter = Limiter::new("3/s".parse().unwrap());
        let t = 1_700_000_000 * SECOND;
        let admitted: Vec<_> = (0..5).map(|i| limiter.admit(t + i)).collect();
        assert_eq!(&admitted[..3], &[Admission::Pass; 3]);
        assert_eq!(&admitted[3..], &[Admission::Suppress; 2]);
        assert_eq!(limiter.admit(t + SECOND), Admission::PassAfter { count: 2, since_ns: t + 3 });
        assert_eq!(limiter.admit(t + SECOND + 1), Admission::Pass);
    }

    /// A suppression on another thread whose time went in before a report and its count after:
    /// the next report says the time the one before took, never 0 (1970, and a span of decades).
    #[test]
    fn a_late_count_is_reported_with_the_time_taken_before_it() {
        let limiter = Limiter::new("1/s".parse().unwrap());
        let t = 1_700_000_000 * SECOND;
        assert_eq!(limiter.admit(t), Admission::Pass);
        assert_eq!(limiter.admit(t + 1), Admission::Suppress);
        assert_eq!(limiter.admit(t + SECOND), Admission::PassAfter { count: 1, since_ns: t + 1 });
        // The count of a suppression whose time the report above took (a thread preempted
        // between the two) lands now.
        limiter.suppressed.fetch_add(1, Ordering::Release);
        assert_eq!(
            limiter.admit(t + 2 * SECOND),
            Admission::PassAfter { count: 1, since_ns: t + 1 }
        );
    }

    /// Threads racing for one window let exactly N through.
    #[test]
    fn racing_threads_let_exactly_n_through() {
        let limiter = Limiter::new("100/s".parse().unwrap());
        let t = 1_700_000_000 * SECOND;
        let passed: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        (0..1_000).filter(|_| limiter.admit(t) != Admission::Suppress).count()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(passed, 100);
        assert_eq!(limiter.admit(t + SECOND), Admission::PassAfter { count: 3_900, since_ns: t });
    }
}
