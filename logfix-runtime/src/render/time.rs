//! RFC 3339 timestamps in UTC with microseconds: `2026-11-28T04:39:13.123456Z`.

use super::digits;

/// Length of the calendar part of a timestamp, up to the dot before the microseconds.
const DATE_LEN: usize = 20;

/// Appends `nanos` (since the Unix epoch) as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
///
/// Times before 1970 are clamped to the epoch and times after 2554 (where nanoseconds since the
/// epoch leave a u64) to 2554: a log line needs a valid timestamp more than a clock that is
/// centuries wrong.
// Only the tests write a whole timestamp at once since rotated files are numbered, not dated.
#[cfg(test)]
pub(crate) fn write_timestamp(out: &mut Vec<u8>, nanos: u64) {
    let (date, micros) = Stamp::default().parts(nanos);
    out.extend_from_slice(&date);
    out.extend_from_slice(&micros);
}

/// The calendar part of the last second rendered: events come many per second, so it is
/// computed once per second per thread and only the microseconds each time.
#[derive(Debug, Clone)]
pub(crate) struct Stamp {
    second: u64,
    date: [u8; DATE_LEN],
}

impl Default for Stamp {
    fn default() -> Self {
        Self { second: u64::MAX, date: [0; DATE_LEN] }
    }
}

impl Stamp {
    /// `nanos` as `write_timestamp` writes it, in two parts: the calendar part up to the dot,
    /// and the microseconds with the `Z`. The second part is returned by value rather than
    /// written into the cached text, so that it never goes through memory on its way into the
    /// line.
    #[inline]
    pub(crate) fn parts(&mut self, nanos: u64) -> ([u8; DATE_LEN], [u8; 7]) {
        let secs = nanos / 1_000_000_000;
        if secs != self.second {
            self.second = secs;
            self.date = format_date(secs);
        }
        // Below 10^6, so the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation)]
        let micros = (nanos % 1_000_000_000 / 1000) as usize;
        // Two digits at a time from a table: half the divisions of `put`.
        let [m0, m1] = digits::pair(micros / 10_000);
        let [m2, m3] = digits::pair(micros / 100 % 100);
        let [m4, m5] = digits::pair(micros % 100);
        (self.date, [m0, m1, m2, m3, m4, m5, b'Z'])
    }
}

/// `YYYY-MM-DDTHH:MM:SS.` for `secs` since the epoch.
fn format_date(secs: u64) -> [u8; DATE_LEN] {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    let mut buf = [0u8; DATE_LEN];
    put(&mut buf, 0, u64::from(year), 4);
    buf[4] = b'-';
    put(&mut buf, 5, u64::from(month), 2);
    buf[7] = b'-';
    put(&mut buf, 8, u64::from(day), 2);
    buf[10] = b'T';
    put(&mut buf, 11, rem / 3600, 2);
    buf[13] = b':';
    put(&mut buf, 14, rem % 3600 / 60, 2);
    buf[16] = b':';
    put(&mut buf, 17, rem % 60, 2);
    buf[19] = b'.';
    buf
}

/// Writes the last `width` decimal digits of `value` at `at`.
#[allow(clippy::indexing_slicing, reason = "callers pass constant offsets inside the buffer")]
fn put(buf: &mut [u8; DATE_LEN], at: usize, mut value: u64, width: usize) {
    for i in (at..at + width).rev() {
        // The remainder is below 10, so the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation)]
        let digit = (value % 10) as u8;
        buf[i] = b'0' + digit;
        value /= 10;
    }
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day).
///
/// Howard Hinnant's `civil_from_days`, <https://howardhinnant.github.io/date_algorithms.html>.
/// `days` comes from a u64 of nanoseconds, so the year stays below 2555 and fits in `u32`.
fn civil_from_days(days: u64) -> (u32, u32, u32) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    // Bounded by the input's range (see above), so they fit in u32.
    #[allow(clippy::cast_possible_truncation)]
    (year as u32, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::clock::nanos_since_epoch;

    fn render(secs: u64, micros: u32) -> String {
        let mut out = Vec::new();
        let t = UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_micros(u64::from(micros));
        write_timestamp(&mut out, nanos_since_epoch(t));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn renders_known_instants() {
        assert_eq!(render(0, 0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(render(951_782_400, 1), "2000-02-29T00:00:00.000001Z");
        assert_eq!(render(1_795_840_753, 123_456), "2026-11-28T04:39:13.123456Z");
        assert_eq!(render(4_102_444_799, 999_999), "2099-12-31T23:59:59.999999Z");
        // Nanoseconds since the epoch fit in a u64 until 2554; later times saturate.
        assert_eq!(render(300_000_000_000, 7), "2554-07-21T23:34:33.709551Z");
    }

    #[test]
    fn agrees_with_a_day_by_day_walk_for_sixty_years() {
        // Walks the calendar independently of Hinnant's arithmetic.
        let (mut y, mut m, mut d) = (1970u32, 1u32, 1u32);
        for days in 0..(60 * 366) {
            assert_eq!(civil_from_days(days), (y, m, d), "day {days}");
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let len = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
            d += 1;
            if d > len[m as usize - 1] {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
    }

    #[test]
    fn clamps_times_before_the_epoch() {
        let mut out = Vec::new();
        write_timestamp(&mut out, nanos_since_epoch(UNIX_EPOCH - Duration::from_secs(5)));
        assert_eq!(out, b"1970-01-01T00:00:00.000000Z");
    }
}
