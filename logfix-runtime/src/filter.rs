//! Level directives: `warn,auth=debug,payments=trace`.

use core::fmt;
use core::str::FromStr;

use crate::event::Level;

/// Which events are written: a default level and per-component overrides.
///
/// The syntax is `LEVEL` or `COMPONENT=LEVEL`, separated by commas; `off` is a level too. A
/// directive applies to the component it names and to every component below it, where the name
/// continues with `.` or `::` (so `hyper=warn` covers the `tracing` target `hyper::proto::h1`).
/// The longest matching directive wins.
///
/// # Examples
/// ```
/// use logfix_runtime::{Filter, Level};
///
/// let filter: Filter = "warn,auth=debug,hyper=off".parse().unwrap();
/// assert!(filter.enabled("auth", Level::Debug));
/// assert!(filter.enabled("auth.session", Level::Debug));
/// assert!(!filter.enabled("payments", Level::Info));
/// assert!(!filter.enabled("hyper::proto::h1", Level::Error));
/// assert!(filter.enabled("authz", Level::Warn)); // `auth` does not cover `authz`
/// assert!(!filter.enabled("authz", Level::Info));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    default: Threshold,
    /// Longest target first, so the first match is the most specific one.
    directives: Vec<(Box<str>, Threshold)>,
    /// The most verbose threshold of all: events below it are rejected without a lookup.
    floor: Threshold,
}

/// The lowest level written, or nothing (`off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Threshold(u8);

impl Threshold {
    pub(crate) const OFF: Threshold = Threshold(Level::Error as u8 + 1);

    fn of(level: Level) -> Self {
        Threshold(level as u8)
    }

    fn allows(self, level: Level) -> bool {
        level as u8 >= self.0
    }
}

impl FromStr for Threshold {
    type Err = FilterError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("off") {
            return Ok(Threshold::OFF);
        }
        s.parse::<Level>().map(Threshold::of).map_err(|_| {
            FilterError(format!(
                "unknown level `{}`: expected trace, debug, info, warn, error or off",
                s.trim()
            ))
        })
    }
}

/// Level directives that could not be read: the message names the first directive that is not
/// `LEVEL` or `COMPONENT=LEVEL`, or says that no logger is installed to take them.
///
/// # Examples
/// ```
/// use logfix_runtime::Filter;
///
/// let error = "info,db=loud".parse::<Filter>().unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "unknown level `loud`: expected trace, debug, info, warn, error or off"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError(String);

impl FilterError {
    pub(crate) fn no_logger() -> Self {
        FilterError("no logger is installed: call init() first".to_owned())
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FilterError {}

impl Filter {
    /// Writes events at `level` and above from every component.
    #[must_use]
    pub fn new(level: Level) -> Self {
        let default = Threshold::of(level);
        Self { default, directives: Vec::new(), floor: default }
    }

    /// Whether an event at `level` from `component` is written.
    #[must_use]
    #[inline]
    pub fn enabled(&self, component: &str, level: Level) -> bool {
        if !self.floor.allows(level) {
            return false;
        }
        // Without per-component directives, the floor is the whole answer.
        self.directives.is_empty() || self.threshold(component).allows(level)
    }

    /// Whether anything at `level` could be written, whatever the component: the first check
    /// on the hot path.
    #[must_use]
    pub fn could_enable(&self, level: Level) -> bool {
        self.floor.allows(level)
    }

    /// The most verbose level written by some directive, as `Level as u8` (5: nothing).
    pub(crate) fn floor_u8(&self) -> u8 {
        self.floor.0
    }

    /// Whether some directive names a component (else the level is the whole answer).
    pub(crate) fn has_directives(&self) -> bool {
        !self.directives.is_empty()
    }

    fn threshold(&self, component: &str) -> Threshold {
        self.directives
            .iter()
            .find(|(target, _)| covers(target, component))
            .map_or(self.default, |(_, threshold)| *threshold)
    }
}

fn covers(target: &str, component: &str) -> bool {
    match component.strip_prefix(target) {
        Some("") => true,
        Some(rest) => rest.starts_with('.') || rest.starts_with("::"),
        None => false,
    }
}

impl Default for Filter {
    /// `info` everywhere.
    fn default() -> Self {
        Filter::new(Level::Info)
    }
}

impl FromStr for Filter {
    type Err = FilterError;

    /// # Errors
    /// A [`FilterError`] naming the first directive that is not `LEVEL` or `COMPONENT=LEVEL`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut default = None;
        let mut directives: Vec<(Box<str>, Threshold)> = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                None => default = Some(part.parse::<Threshold>()?),
                Some((target, level)) => {
                    let target = target.trim();
                    if target.is_empty() {
                        return Err(FilterError(format!("directive `{part}` names no component")));
                    }
                    let threshold = level.parse::<Threshold>()?;
                    directives.retain(|(t, _)| &**t != target);
                    directives.push((target.into(), threshold));
                }
            }
        }
        if default.is_none() && directives.is_empty() {
            return Err(FilterError("no level given".to_owned()));
        }
        let default = default.unwrap_or(Threshold::of(Level::Info));
        directives.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        let floor = directives.iter().map(|(_, t)| *t).chain([default]).min().unwrap_or(default);
        Ok(Self { default, directives, floor })
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn name(t: Threshold) -> &'static str {
            Level::ALL.iter().find(|l| Threshold::of(**l) == t).map_or("off", |l| l.as_str())
        }
        f.write_str(name(self.default))?;
        let mut sorted: Vec<_> = self.directives.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        for (target, threshold) in sorted {
            write!(f, ",{target}={}", name(*threshold))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_level_applies_everywhere() {
        let f: Filter = "debug".parse().unwrap();
        assert!(f.enabled("anything", Level::Debug));
        assert!(!f.enabled("anything", Level::Trace));
    }

    #[test]
    fn the_most_specific_directive_wins() {
        let f: Filter = "info,db=warn,db.pool=trace".parse().unwrap();
        assert!(f.enabled("db.pool", Level::Trace));
        assert!(f.enabled("db.pool.conn", Level::Trace));
        assert!(!f.enabled("db.query", Level::Info));
        assert!(f.enabled("web", Level::Info));
        assert!(f.could_enable(Level::Trace));
    }

    #[test]
    fn off_silences_and_the_floor_short_circuits() {
        let f: Filter = "off,payments=error".parse().unwrap();
        assert!(!f.enabled("auth", Level::Error));
        assert!(f.enabled("payments", Level::Error));
        assert!(!f.could_enable(Level::Warn));
    }

    #[test]
    fn later_directives_replace_earlier_ones_for_the_same_component() {
        let f: Filter = "auth=trace,auth=warn".parse().unwrap();
        assert!(!f.enabled("auth", Level::Info));
        assert_eq!(f.to_string(), "info,auth=warn");
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        for bad in ["", "loud", "auth=", "=debug", "auth=loud", ",,"] {
            assert!(bad.parse::<Filter>().is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn display_round_trips() {
        let f: Filter = " WARN , b=debug ,a=off".parse().unwrap();
        assert_eq!(f.to_string(), "warn,a=off,b=debug");
        assert_eq!(f.to_string().parse::<Filter>().unwrap(), f);
    }
}
