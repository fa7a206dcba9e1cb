//! The wall clock for event timestamps.
//!
//! Reading `SystemTime::now()` costs 22–57 ns on the reference machine (a VM; it depends on the
//! host of the day), reading the CPU's time-stamp counter about 10 ns, and this module's whole
//! reading 16 ns (a loop of 20 million calls; see `docs/BENCHMARKS.md`). So on x86-64,
//! when the kernel itself keeps time with the TSC (which it only does once it has checked that
//! the counter is invariant and synchronised across CPUs), each thread reads the wall clock
//! once per [`RECALIBRATE`] and extrapolates from the TSC in between. Elsewhere, and until the
//! counter's rate is known, timestamps come from `SystemTime::now()`.
//!
//! The extrapolation error is the TSC's drift against the wall clock over one window (parts per
//! million: well under a microsecond). A step of the wall clock (NTP, an operator) shows up at
//! the next recalibration of each thread.

use std::time::{Duration, SystemTime};

/// How often each thread reads the wall clock again.
pub(crate) const RECALIBRATE: Duration = Duration::from_millis(50);

/// Now, as nanoseconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    now_and_key().0
}

/// Now, as nanoseconds since the Unix epoch, and a key that orders the readings of all threads
/// as they happened: the TSC tick where the TSC is used (each thread's extrapolated wall clock
/// may be off from another's by microseconds), else the nanoseconds.
pub(crate) fn now_and_key() -> (u64, u64) {
    #[cfg(target_arch = "x86_64")]
    if let Some(now) = tsc::now_nanos() {
        return now;
    }
    let nanos = system_nanos();
    (nanos, nanos)
}

pub(crate) fn system_nanos() -> u64 {
    super::time::nanos_since_epoch(SystemTime::now())
}

#[cfg(target_arch = "x86_64")]
mod tsc {
    use core::cell::Cell;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;

    use super::{system_nanos, RECALIBRATE};

    /// Whether the kernel's clocksource is the TSC, read once.
    static USABLE: OnceLock<bool> = OnceLock::new();
    /// Nanoseconds per tick as `f64` bits, 0 until measured. Relaxed: it is a plain number that
    /// every thread may measure again; no other memory is published through it.
    static NANOS_PER_TICK: AtomicU64 = AtomicU64::new(0);
    /// Fixed-point scale of `Anchor::scale`: nanoseconds per tick times 2^32.
    const SCALE_BITS: u32 = 32;
    /// The first (tick, wall-clock nanoseconds) pair any thread took, to measure the rate from.
    static FIRST: OnceLock<(u64, u64)> = OnceLock::new();

    #[derive(Clone, Copy)]
    struct Anchor {
        tick: u64,
        nanos: u64,
        nanos_per_tick: f64,
        /// `nanos_per_tick` in fixed point (see `SCALE_BITS`): an integer multiply is cheaper
        /// than converting to and from floating point on every call.
        scale: u64,
        /// Ticks after which this thread reads the wall clock again.
        valid_ticks: u64,
    }

    thread_local! {
        static ANCHOR: Cell<Option<Anchor>> = const { Cell::new(None) };
    }

    #[cfg(test)]
    thread_local! {
        pub(super) static RECALIBRATIONS: Cell<u64> = const { Cell::new(0) };
    }

    fn read_tsc() -> u64 {
        // SAFETY: RDTSC has no preconditions: every x86_64 CPU has it, it takes no arguments and
        // it touches no memory. It only reads the time-stamp counter.
        #[allow(unsafe_code, reason = "RDTSC: 10 ns instead of 22-57 ns for the wall clock")]
        unsafe {
            core::arch::x86_64::_rdtsc()
        }
    }

    pub(super) fn usable() -> bool {
        *USABLE.get_or_init(|| {
            std::fs::read_to_string(
                "/sys/devices/system/clocksource/clocksource0/current_clocksource",
            )
            .is_ok_and(|s| s.trim() == "tsc")
        })
    }

    /// Now in nanoseconds since the epoch and the tick it was read at, or `None` where the TSC
    /// cannot be used.
    pub(super) fn now_nanos() -> Option<(u64, u64)> {
        if !usable() {
            return None;
        }
        let tick = read_tsc();
        let anchor = ANCHOR.try_with(Cell::get).ok()?;
        if let Some(a) = anchor {
            let elapsed = tick.wrapping_sub(a.tick);
            if elapsed < a.valid_ticks {
                // Within one window `elapsed * scale` is below 2^32 times the window in
                // nanoseconds (2^58), so the product cannot overflow.
                return Some((a.nanos + (elapsed.wrapping_mul(a.scale) >> SCALE_BITS), tick));
            }
        }
        Some((recalibrate(tick, anchor), tick))
    }

    /// Reads the wall clock, measures the TSC's rate against the previous anchor, and anchors
    /// this thread at (`tick`, now).
    #[cold]
    fn recalibrate(tick: u64, previous: Option<Anchor>) -> u64 {
        #[cfg(test)]
        RECALIBRATIONS.with(|c| c.set(c.get() + 1));
        let nanos = system_nanos();
        // Measure over this thread's last window; while no rate is known yet, over the time
        // since the first reading of the process (consecutive readings are too close).
        let (from_tick, from_nanos) = match previous {
            Some(a) if a.nanos_per_tick > 0.0 => (a.tick, a.nanos),
            _ => *FIRST.get_or_init(|| (tick, nanos)),
        };
        let (ticks, span) = (tick.wrapping_sub(from_tick), nanos.saturating_sub(from_nanos));
        #[allow(clippy::cast_precision_loss, reason = "a ratio; 52 bits of precision are plenty")]
        if ticks > 0 && span >= 1_000_000 {
            let rate = span as f64 / ticks as f64;
            NANOS_PER_TICK.store(rate.to_bits(), Ordering::Relaxed);
        }
        let nanos_per_tick = f64::from_bits(NANOS_PER_TICK.load(Ordering::Relaxed));
        let anchor = if nanos_per_tick > 0.0 {
            #[allow(
                clippy::cast_precision_loss,
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss
            )]
            let (valid_ticks, scale) = (
                (RECALIBRATE.as_nanos() as f64 / nanos_per_tick) as u64,
                (nanos_per_tick * (1u64 << SCALE_BITS) as f64) as u64,
            );
            Anchor { tick, nanos, nanos_per_tick, scale, valid_ticks }
        } else {
            // The rate is not known yet: read the wall clock every time until it is (the first
            // millisecond of the process).
            Anchor { tick, nanos, nanos_per_tick: 0.0, scale: 0, valid_ticks: 0 }
        };
        let _ = ANCHOR.try_with(|c| c.set(Some(anchor)));
        nanos
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    /// Exercises the TSC path (where the machine has it): across more than one recalibration
    /// window, every timestamp lies between two wall-clock readings taken around it, give or
    /// take the extrapolation error allowed (1 ms, far above the expected microsecond).
    /// Once the rate is known, a thread reads the wall clock about once per window, not on
    /// every call.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn reads_the_wall_clock_once_per_window() {
        if !tsc::usable() {
            return;
        }
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_millis(5) {
            let _ = now();
        }
        let before = tsc::RECALIBRATIONS.with(std::cell::Cell::get);
        let start = std::time::Instant::now();
        let mut calls = 0u64;
        while start.elapsed() < RECALIBRATE {
            let _ = now();
            calls += 1;
        }
        let recalibrations = tsc::RECALIBRATIONS.with(std::cell::Cell::get) - before;
        // At most one reading per window (plus the one that crosses into the next), however
        // many calls a slow machine manages meanwhile.
        assert!(recalibrations <= 3, "{recalibrations} wall-clock readings for {calls} calls");
        assert!(calls > 10 * recalibrations, "{calls} calls");
    }

    #[test]
    fn agrees_with_the_wall_clock() {
        let slack = Duration::from_millis(1);
        let start = SystemTime::now();
        let mut checked = 0u64;
        while start.elapsed().unwrap_or_default() < RECALIBRATE * 3 {
            let before = SystemTime::now();
            let ours = UNIX_EPOCH + Duration::from_nanos(now());
            let after = SystemTime::now();
            assert!(
                ours + slack >= before && ours <= after + slack,
                "{ours:?} not within {before:?}..{after:?}"
            );
            checked += 1;
        }
        assert!(checked > 1000);
    }
}
