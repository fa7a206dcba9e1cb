//! Severity levels.

use core::fmt;
use core::str::FromStr;

/// How severe an event is, from the most verbose (`Trace`) to the most severe (`Error`).
///
/// Rendered lowercase in the `level` key. Ordered by severity: `Trace < Debug < Info < Warn < Error`.
/// This is the reverse of `log::Level` and `tracing::Level`, which order by verbosity
/// (`ERROR < TRACE`): code ported from them that compares levels must flip the comparison.
///
/// # Examples
/// ```
/// use logfix_core::Level;
///
/// assert!(Level::Error > Level::Info);
/// assert_eq!("warn".parse::<Level>(), Ok(Level::Warn));
/// assert_eq!(Level::Debug.as_str(), "debug");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Very detailed diagnostics, usually off in production.
    Trace = 0,
    /// Diagnostics for developers.
    Debug = 1,
    /// Normal operation worth recording.
    Info = 2,
    /// Something unexpected that the service recovered from.
    Warn = 3,
    /// A failure that needs attention.
    Error = 4,
}

impl Level {
    /// Every level, from the most verbose to the most severe.
    pub const ALL: [Level; 5] =
        [Level::Trace, Level::Debug, Level::Info, Level::Warn, Level::Error];

    /// The lowercase name written in the `level` key.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The error returned when a string names no [`Level`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseLevelError(());

impl fmt::Display for ParseLevelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("expected one of `trace`, `debug`, `info`, `warn`, `error`")
    }
}

impl std::error::Error for ParseLevelError {}

impl FromStr for Level {
    type Err = ParseLevelError;

    /// Accepts the five names in any case, and `warning` for `warn`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "trace" => Ok(Level::Trace),
            "debug" => Ok(Level::Debug),
            "info" => Ok(Level::Info),
            "warn" | "warning" => Ok(Level::Warn),
            "error" => Ok(Level::Error),
            _ => Err(ParseLevelError(())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_name_and_round_trips() {
        for level in Level::ALL {
            assert_eq!(level.as_str().parse::<Level>(), Ok(level));
            assert_eq!(level.as_str().to_uppercase().parse::<Level>(), Ok(level));
        }
        assert_eq!("warning".parse::<Level>(), Ok(Level::Warn));
        assert!("verbose".parse::<Level>().is_err());
        assert!("".parse::<Level>().is_err());
    }

    #[test]
    fn orders_by_severity() {
        assert!(Level::ALL.windows(2).all(|w| w[0] < w[1]));
    }
}
