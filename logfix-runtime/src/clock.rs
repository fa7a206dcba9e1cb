//! The wall clock: the one source of every timestamp logfix writes.
//!
//! Each line's timestamp is the system's wall clock read during the call that emits it:
//! `clock_gettime(CLOCK_REALTIME)` through the vDSO on Linux (no system call), which is what
//! `SystemTime::now()` reads, and `SystemTime::now()` elsewhere. Nothing is cached or
//! extrapolated, so a timestamp always lies between readings of the wall clock taken just before
//! and just after the call, under any load, on any clocksource and architecture, and a step of
//! the system clock shows from the next line on.
//! (An earlier design extrapolated from the CPU's time-stamp counter; re-anchoring it could be
//! preempted and wrote timestamps milliseconds ahead of the wall clock under load: see
//! docs/BENCHMARKS.md for what reading the system clock costs instead.)

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Now, as nanoseconds since the Unix epoch (0 before 1970, saturating in 2554).
#[inline]
pub(crate) fn now() -> u64 {
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    return realtime();
    #[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
    return nanos_since_epoch(SystemTime::now());
}

/// `clock_gettime(CLOCK_REALTIME)`, the call `SystemTime::now()` makes on Linux, without the
/// conversions around it (a `SystemTime`, then the `Duration` since the epoch, each checked):
/// the same reading of the same clock for about a fifth of the instructions, on every line
/// (docs/BENCHMARKS.md, "The clock read directly"). Where `timespec` is two 64-bit fields.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
#[inline]
fn realtime() -> u64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    #[allow(unsafe_code, reason = "a measured gain: see docs/BENCHMARKS.md")]
    // SAFETY: `now` is a valid, writable `timespec` for the whole call, which writes nothing
    // else; CLOCK_REALTIME always exists on Linux.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &raw mut now) };
    match (status, u64::try_from(now.tv_sec), u64::try_from(now.tv_nsec)) {
        (0, Ok(secs), Ok(nanos)) => secs.saturating_mul(1_000_000_000).saturating_add(nanos),
        // Before 1970 (or a failure the kernel never reports for this clock: the slow way,
        // which says the same).
        (0, Err(_), _) => 0,
        _ => nanos_since_epoch(SystemTime::now()),
    }
}

/// Now, as microseconds since the Unix epoch.
pub(crate) fn now_micros() -> u64 {
    now() / 1000
}

/// Nanoseconds since the Unix epoch of `time`; times before 1970 become 0.
pub(crate) fn nanos_since_epoch(time: SystemTime) -> u64 {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    // u64 arithmetic, not `as_nanos`'s u128: this runs for every line.
    since.as_secs().saturating_mul(1_000_000_000).saturating_add(u64::from(since.subsec_nanos()))
}

/// `now + wait`, or the latest instant this platform can represent before that: a wait given
/// in a setting (`Duration::MAX` for "never") must not overflow the deadline and panic.
pub(crate) fn later(now: Instant, wait: Duration) -> Instant {
    let mut wait = wait;
    loop {
        match now.checked_add(wait) {
            Some(at) => return at,
            // Halving reaches zero, which always adds, within 94 turns.
            None => wait /= 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_saturates_instead_of_overflowing() {
        let now = Instant::now();
        assert_eq!(later(now, Duration::from_secs(5)), now + Duration::from_secs(5));
        let never = later(now, Duration::MAX);
        assert!(never > now + Duration::from_secs(100 * 365 * 86_400), "far in the future");
        assert!(later(never, Duration::MAX) >= never, "no panic, and never earlier");
    }

    /// Each reading lies between the system clock's readings around it, to the nanosecond: no
    /// slack, because nothing is extrapolated.
    #[test]
    fn lies_between_the_system_clocks_readings_around_it() {
        // Under Miri (`.ci/run`), which checks the `clock_gettime` call, fewer: it is slow.
        for _ in 0..if cfg!(miri) { 100 } else { 10_000 } {
            let before = nanos_since_epoch(SystemTime::now());
            let ours = now();
            let after = nanos_since_epoch(SystemTime::now());
            assert!(before <= ours && ours <= after, "{before} <= {ours} <= {after}");
        }
    }

    #[test]
    fn times_before_the_epoch_are_zero() {
        assert_eq!(nanos_since_epoch(UNIX_EPOCH - Duration::from_secs(5)), 0);
        assert_eq!(nanos_since_epoch(UNIX_EPOCH + Duration::from_micros(3)), 3000);
    }
}
