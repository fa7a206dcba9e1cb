//! Moments in time: the line format's `YYYY-MM-DDTHH:MM:SS.ffffffZ`, and what `--since` and
//! `--until` accept.

use core::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_MINUTE: i64 = 60 * MICROS_PER_SECOND;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// A moment in UTC, in microseconds since the Unix epoch: the resolution of a line's timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Timestamp(i64);

impl Timestamp {
    /// Before every moment a line can name.
    pub(crate) const MIN: Timestamp = Timestamp(i64::MIN);

    /// The system clock's current time.
    pub(crate) fn now() -> Timestamp {
        let micros = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_micros()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_micros()).map_or(i64::MIN, |m| -m),
        };
        Timestamp(micros)
    }

    /// Parses a timestamp as logfix writes it, `2026-11-28T04:39:13.123456Z`, and nothing else:
    /// `None` when the text has another shape, a part out of range, or names a day that does not
    /// exist. This is exactly what the schema's pattern and `logfix_testkit::validate_line` accept.
    pub(crate) fn parse_line_format(text: &str) -> Option<Timestamp> {
        let b = text.as_bytes();
        if b.len() != 27 || text.get(19..20) != Some(".") || text.get(26..27) != Some("Z") {
            return None;
        }
        let (date, micros) = (parse_date_time(text.get(..19)?)?, digits(text, 20..26)?);
        Some(Timestamp(date + i64::from(micros)))
    }

    /// `self` minus `duration`, saturating.
    pub(crate) fn minus(self, duration: Duration) -> Timestamp {
        let micros = i64::try_from(duration.as_micros()).unwrap_or(i64::MAX);
        Timestamp(self.0.saturating_sub(micros))
    }

    /// The start of the minute `self` falls in.
    pub(crate) fn minute(self) -> Timestamp {
        Timestamp(self.0 - self.0.rem_euclid(MICROS_PER_MINUTE))
    }

    /// The time from `earlier` to `self` in whole minutes, at least 1.
    pub(crate) fn minutes_since(self, earlier: Timestamp) -> u64 {
        let minutes = (self.0.saturating_sub(earlier.0)) / MICROS_PER_MINUTE;
        u64::try_from(minutes).unwrap_or(0).max(1)
    }

    /// `2026-11-28T04:39Z`: the minute, for tables.
    pub(crate) fn minute_label(self) -> impl fmt::Display {
        struct Minute(Timestamp);
        impl fmt::Display for Minute {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let (date, hour, minute, _, _) = self.0.parts();
                write!(f, "{date}T{hour:02}:{minute:02}Z")
            }
        }
        Minute(self)
    }

    /// The date (`2026-11-28`), hour, minute, second and microsecond.
    fn parts(self) -> (Date, i64, i64, i64, i64) {
        let days = self.0.div_euclid(MICROS_PER_DAY);
        let in_day = self.0.rem_euclid(MICROS_PER_DAY);
        let seconds = in_day / MICROS_PER_SECOND;
        (
            civil_from_days(days),
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60,
            in_day % MICROS_PER_SECOND,
        )
    }
}

impl fmt::Display for Timestamp {
    /// The line format: `2026-11-28T04:39:13.123456Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (date, hour, minute, second, micros) = self.parts();
        write!(f, "{date}T{hour:02}:{minute:02}:{second:02}.{micros:06}Z")
    }
}

/// Parses a `--since`/`--until` value: a UTC date (`2026-11-28`), a UTC time
/// (`2026-11-28T04:39Z`, with optional seconds and fraction, `T` or a space, `Z` optional), or a
/// duration before `now` (`90s`, `15m`, `2h`, `7d`).
pub(crate) fn parse_moment(text: &str, now: Timestamp) -> Result<Timestamp, String> {
    let text = text.trim();
    let moment = parse_duration(text)
        .map(|ago| now.minus(ago))
        .or_else(|| parse_date(text).map(|days| Timestamp(days * MICROS_PER_DAY)))
        .or_else(|| parse_time(text));
    moment.ok_or_else(|| {
        "expected a UTC time such as 2026-11-28T04:39:13Z or 2026-11-28, \
         or a duration before now such as 15m, 2h or 7d"
            .to_owned()
    })
}

/// `90s`, `15m`, `2h`, `7d`, `500ms`.
fn parse_duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let seconds = match unit {
        "ms" => return Some(Duration::from_millis(number)),
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    Some(Duration::from_secs(number.checked_mul(seconds)?))
}

/// `2026-11-28T04:39[:13[.123456]][Z]`, with `T` or a space.
fn parse_time(text: &str) -> Option<Timestamp> {
    let text = text.strip_suffix('Z').unwrap_or(text);
    let (date, time) = text.split_once(['T', ' '])?;
    let days = parse_date(date)?;
    let (hour_minute_second, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut parts = hour_minute_second.split(':');
    let mut next = |max: u32| -> Option<u32> {
        match parts.next() {
            None => Some(0),
            Some(p) if p.len() == 2 => p.parse().ok().filter(|&v| v <= max),
            Some(_) => None,
        }
    };
    let (hour, minute, second) = (next(23)?, next(59)?, next(59)?);
    if parts.next().is_some() || hour_minute_second.len() < 5 {
        return None;
    }
    if fraction.len() > 6 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let micros = format!("{fraction:0<6}").parse::<i64>().ok()?;
    let seconds = i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
    Some(Timestamp(days * MICROS_PER_DAY + seconds * MICROS_PER_SECOND + micros))
}

/// `2026-11-28` as days since the epoch.
fn parse_date(text: &str) -> Option<i64> {
    if text.len() != 10 || text.get(4..5) != Some("-") || text.get(7..8) != Some("-") {
        return None;
    }
    let (year, month, day) = (digits(text, 0..4)?, digits(text, 5..7)?, digits(text, 8..10)?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(i64::from(year), month, day))
}

/// `2026-11-28T04:39:13` as microseconds since the epoch.
fn parse_date_time(text: &str) -> Option<i64> {
    if text.get(10..11) != Some("T") || text.get(13..14) != Some(":") {
        return None;
    }
    if text.get(16..17) != Some(":") {
        return None;
    }
    let days = parse_date(text.get(..10)?)?;
    let (hour, minute, second) =
        (digits(text, 11..13)?, digits(text, 14..16)?, digits(text, 17..19)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let seconds = i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
    Some(days * MICROS_PER_DAY + seconds * MICROS_PER_SECOND)
}

/// The ASCII digits of `text[range]` as a number; `None` if any byte is not a digit.
fn digits(text: &str, range: core::ops::Range<usize>) -> Option<u32> {
    let part = text.get(range)?;
    if !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

fn days_in_month(year: u32, month: u32) -> u32 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a date in the proleptic Gregorian calendar.
///
/// Howard Hinnant's `days_from_civil`, <https://howardhinnant.github.io/date_algorithms.html>.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// A calendar date, displayed as `2026-11-28`.
struct Date {
    year: i64,
    month: i64,
    day: i64,
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The inverse of [`days_from_civil`] (same source).
fn civil_from_days(days: i64) -> Date {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    Date { year, month, day }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_line_format(text).unwrap()
    }

    #[test]
    fn round_trips_the_line_format() {
        for text in [
            "1970-01-01T00:00:00.000000Z",
            "2026-11-28T04:39:13.123456Z",
            "2024-02-29T23:59:59.999999Z",
            "2000-03-01T00:00:00.000001Z",
            "1969-12-31T23:59:59.999999Z",
            "0000-01-01T00:00:00.000000Z",
            "9999-12-31T23:59:59.999999Z",
        ] {
            assert_eq!(at(text).to_string(), text);
        }
        assert_eq!(at("1970-01-01T00:00:01.000002Z"), Timestamp(1_000_002));
        assert_eq!(
            at("2026-11-28T04:39:13.123456Z").minute_label().to_string(),
            "2026-11-28T04:39Z"
        );
    }

    #[test]
    fn accepts_only_the_line_format() {
        for bad in [
            "2026-11-28T04:39:13.123456",
            "2026-11-28T04:39:13.12345Z",
            "2026-11-28T04:39:13.1234567Z",
            "2026-11-28 04:39:13.123456Z",
            "2026-13-28T04:39:13.123456Z",
            "2026-02-29T04:39:13.123456Z",
            "2026-11-00T04:39:13.123456Z",
            "2026-11-28T24:39:13.123456Z",
            "2026-11-28T04:60:13.123456Z",
            "2026-11-28T04:39:60.123456Z",
            "2026-11-28T04:39:13.12345aZ",
            "+026-11-28T04:39:13.123456Z",
            "2026-11-28T04:39:13,123456Z",
            "２026-11-28T04:39:13.12345Z",
        ] {
            assert_eq!(Timestamp::parse_line_format(bad), None, "{bad}");
        }
    }

    #[test]
    fn parses_moments_absolute_and_relative() {
        let now = at("2026-11-28T04:39:13.123456Z");
        let parse = |s: &str| parse_moment(s, now).map(|t| t.to_string());
        assert_eq!(parse("2026-11-28").unwrap(), "2026-11-28T00:00:00.000000Z");
        assert_eq!(parse("2026-11-28T04:39Z").unwrap(), "2026-11-28T04:39:00.000000Z");
        assert_eq!(parse("2026-11-28 04:39:13").unwrap(), "2026-11-28T04:39:13.000000Z");
        assert_eq!(parse("2026-11-28T04:39:13.5Z").unwrap(), "2026-11-28T04:39:13.500000Z");
        assert_eq!(parse("15m").unwrap(), "2026-11-28T04:24:13.123456Z");
        assert_eq!(parse("2h").unwrap(), "2026-11-28T02:39:13.123456Z");
        assert_eq!(parse("1d").unwrap(), "2026-11-27T04:39:13.123456Z");
        assert_eq!(parse("500ms").unwrap(), "2026-11-28T04:39:12.623456Z");
        for bad in ["", "yesterday", "15", "15x", "2026-11-31", "2026-11-28T4:39", "2026-11-28T04"]
        {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn minutes() {
        let t = at("2026-11-28T04:39:13.123456Z");
        assert_eq!(t.minute().to_string(), "2026-11-28T04:39:00.000000Z");
        assert_eq!(at("2026-11-28T05:39:00.000000Z").minutes_since(t), 59);
        assert_eq!(t.minutes_since(t), 1);
    }
}
