//! Events: the [`LogEvent`] trait that `#[derive(LogEvent)]` implements, their static
//! [`Metadata`] and [`Level`]s. Events are rendered by `render`, through [`Derived`].

#![allow(
    clippy::inline_always,
    reason = "the line stays in registers only if the event's code is inlined into its render (measured: see docs/BENCHMARKS.md)"
)]

pub(crate) mod notice;

use std::sync::OnceLock;

pub use logfix_core::{Level, ParseLevelError, CONTEXT_KEYS, REDACTED, RESERVED_KEYS};

use crate::rate::Limiter;
use crate::render::line::Line;
use crate::render::parts::Pretty;
use crate::render::Record;

/// What is known about an event type at compile time.
///
/// # Examples
/// ```
/// use logfix_runtime::{Level, LogEvent};
///
/// #[derive(LogEvent)]
/// #[log(component = "auth", level = "warn", message = "too many attempts for {account_id}")]
/// struct LoginThrottled {
///     account_id: u64,
/// }
///
/// let meta = LoginThrottled { account_id: 1 }.metadata();
/// assert_eq!(meta.component(), "auth");
/// assert_eq!(meta.event(), "login_throttled");
/// assert_eq!(meta.level(), Level::Warn);
/// assert_eq!(meta.fields(), ["account_id"]);
/// ```
#[derive(Debug)]
pub struct Metadata {
    component: &'static str,
    event: &'static str,
    level: Level,
    fields: &'static [&'static str],
    /// `","level":"info","component":"auth","event":"user_login","message":"`, rendered on first
    /// use: the part of every JSON line of this event that never changes.
    json_head: OnceLock<Box<[u8]>>,
}

impl Metadata {
    /// Not a stable API: called by `#[derive(LogEvent)]`.
    #[doc(hidden)]
    #[must_use]
    pub const fn new(
        component: &'static str,
        event: &'static str,
        level: Level,
        fields: &'static [&'static str],
    ) -> Self {
        Self { component, event, level, fields, json_head: OnceLock::new() }
    }

    /// The `component` key: the part of the service the event comes from.
    #[must_use]
    pub const fn component(&self) -> &'static str {
        self.component
    }

    /// The `event` key: a stable, machine-readable name for what happened.
    #[must_use]
    pub const fn event(&self) -> &'static str {
        self.event
    }

    /// The severity of every event of this type; for a type whose events choose their level at
    /// run time (`level = dynamic`), `Trace`, the least they may have: their own is their `level`
    /// field.
    #[must_use]
    pub const fn level(&self) -> Level {
        self.level
    }

    /// The JSON keys of the event's own fields (skipped fields excluded, redacted included).
    #[must_use]
    pub const fn fields(&self) -> &'static [&'static str] {
        self.fields
    }

    pub(crate) fn json_head(&'static self) -> &'static [u8] {
        self.json_head.get_or_init(|| {
            logfix_core::json_head(self.level, self.component, self.event).into_boxed_slice()
        })
    }
}

/// A structured log event. Derive it; do not implement it by hand.
///
/// `#[derive(LogEvent)]` checks the event at compile time (mandatory `component` and `message`,
/// placeholders that name real, non-secret fields, no reserved keys, loggable field types) and
/// generates code that renders the event without allocating.
///
/// # Examples
/// ```
/// use logfix_runtime::LogEvent;
///
/// #[derive(LogEvent)]
/// #[log(component = "auth", message = "user {account_id} logged in")]
/// struct UserLogin<'a> {
///     account_id: u64,
///     #[log(redact)]
///     email: &'a str,
/// }
///
/// let events = logfix_testkit::capture(|| {
///     logfix_runtime::emit(&UserLogin { account_id: 42, email: "ann@example.com" });
/// });
/// assert_eq!(events[0]["event"], "user_login");
/// assert_eq!(events[0]["message"], "user 42 logged in");
/// assert_eq!(events[0]["email"], "[REDACTED]");
/// ```
pub trait LogEvent {
    /// The event's static description.
    fn metadata(&self) -> &'static Metadata;

    /// Not a stable API: the event's level. The derive writes it out as a constant, so that
    /// where the event's type is known the compiler folds the check against
    /// [`STATIC_MAX_LEVEL`] and an event above it compiles to nothing.
    #[doc(hidden)]
    #[inline]
    fn __level(&self) -> Level {
        self.metadata().level()
    }

    /// Not a stable API: renders the JSON line from the message text to the last field.
    #[doc(hidden)]
    fn __write_json(&self, line: &mut Line<'_>);

    /// Not a stable API: renders the pretty line from the message text to the last field.
    #[doc(hidden)]
    fn __write_pretty(&self, w: &mut Pretty<'_>);

    /// Not a stable API: the constant JSON between the timestamp and the message text, from
    /// `","level":"` to `","message":"`. The derive writes it out at compile time, so that
    /// copying it is a few moves instead of a call.
    #[doc(hidden)]
    fn __json_head(&self) -> &'static [u8] {
        self.metadata().json_head()
    }

    /// Not a stable API: the limiter of `#[log(rate = "...")]`, one per event type.
    #[doc(hidden)]
    #[inline]
    fn __rate_limiter(&self) -> Option<&'static Limiter> {
        None
    }
}

impl<E: LogEvent + ?Sized> LogEvent for &E {
    fn metadata(&self) -> &'static Metadata {
        (**self).metadata()
    }

    #[inline]
    fn __level(&self) -> Level {
        (**self).__level()
    }

    #[inline]
    fn __rate_limiter(&self) -> Option<&'static Limiter> {
        (**self).__rate_limiter()
    }

    fn __write_json(&self, line: &mut Line<'_>) {
        (**self).__write_json(line);
    }

    fn __write_pretty(&self, w: &mut Pretty<'_>) {
        (**self).__write_pretty(w);
    }

    fn __json_head(&self) -> &'static [u8] {
        (**self).__json_head()
    }
}

/// The most verbose level compiled in, from the `max_level_*` and `release_max_level_*` features
/// of `logfix-runtime` (the latter in builds without debug assertions): `None` with
/// `max_level_off`, `Some(Level::Trace)` without any. Derived events and `#[logged]` functions
/// below it compile to nothing: they are neither rendered nor checked against the filter, even
/// inside a test's capture. When several `max_level_*` (or several `release_max_level_*`)
/// features are on, the most restrictive wins; in a build without debug assertions, a
/// `release_max_level_*` feature takes precedence over every `max_level_*` one, as in `log` and
/// `tracing`.
///
/// # Examples
/// ```
/// use logfix_runtime::{Level, STATIC_MAX_LEVEL};
///
/// // With no `max_level_*` feature, every level is compiled in.
/// # if cfg!(not(any(feature = "max_level_off", feature = "max_level_error", feature = "max_level_warn", feature = "max_level_info", feature = "max_level_debug", feature = "release_max_level_off", feature = "release_max_level_error", feature = "release_max_level_warn", feature = "release_max_level_info", feature = "release_max_level_debug"))) {
/// assert_eq!(STATIC_MAX_LEVEL, Some(Level::Trace));
/// # }
/// ```
pub const STATIC_MAX_LEVEL: Option<Level> = static_max_level(cfg!(debug_assertions));

/// The ceiling the features set, in a build with (`debug`) or without debug assertions.
const fn static_max_level(debug: bool) -> Option<Level> {
    let release = if cfg!(feature = "release_max_level_off") {
        Some(None)
    } else if cfg!(feature = "release_max_level_error") {
        Some(Some(Level::Error))
    } else if cfg!(feature = "release_max_level_warn") {
        Some(Some(Level::Warn))
    } else if cfg!(feature = "release_max_level_info") {
        Some(Some(Level::Info))
    } else if cfg!(feature = "release_max_level_debug") {
        Some(Some(Level::Debug))
    } else if cfg!(feature = "release_max_level_trace") {
        Some(Some(Level::Trace))
    } else {
        None
    };
    if let (false, Some(ceiling)) = (debug, release) {
        return ceiling;
    }
    if cfg!(feature = "max_level_off") {
        None
    } else if cfg!(feature = "max_level_error") {
        Some(Level::Error)
    } else if cfg!(feature = "max_level_warn") {
        Some(Level::Warn)
    } else if cfg!(feature = "max_level_info") {
        Some(Level::Info)
    } else if cfg!(feature = "max_level_debug") {
        Some(Level::Debug)
    } else {
        Some(Level::Trace)
    }
}

/// Whether events at `level` are compiled in (see [`STATIC_MAX_LEVEL`]).
#[inline]
pub(crate) const fn compiled_in(level: Level) -> bool {
    within(level, STATIC_MAX_LEVEL)
}

#[inline]
const fn within(level: Level, ceiling: Option<Level>) -> bool {
    match ceiling {
        Some(max) => level as u8 >= max as u8,
        None => false,
    }
}

/// A derived event as a [`Record`].
pub(crate) struct Derived<'a, E: ?Sized>(pub(crate) &'a E);

impl<E: LogEvent + ?Sized> Record for Derived<'_, E> {
    fn level(&self) -> Level {
        self.0.__level()
    }

    fn component(&self) -> &str {
        self.0.metadata().component()
    }

    fn static_component(&self) -> Option<&'static str> {
        Some(self.0.metadata().component())
    }

    fn event(&self) -> &str {
        self.0.metadata().event()
    }

    fn json_head(&self) -> Option<&[u8]> {
        Some(self.0.__json_head())
    }

    // Inlined into this event's copy of `json_line` (see `Record::render_json`), so that the line
    // stays in registers from the timestamp to the last field.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn write_json(&self, line: &mut Line<'_>) {
        self.0.__write_json(line);
    }

    fn write_pretty(&self, w: &mut Pretty<'_>) {
        self.0.__write_pretty(w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ceiling_lets_through_its_level_and_the_more_severe_ones() {
        assert!(within(Level::Info, Some(Level::Info)));
        assert!(within(Level::Error, Some(Level::Info)));
        assert!(!within(Level::Debug, Some(Level::Info)));
        assert!(within(Level::Trace, Some(Level::Trace)));
        assert!(!within(Level::Error, None));
    }

    /// Without the features (as the workspace builds), everything is compiled in, in debug and
    /// release builds alike.
    #[test]
    fn no_feature_no_ceiling() {
        if static_max_level(true) != Some(Level::Trace) {
            return; // A build with a ceiling: `tests/level_ceiling.rs` tests it.
        }
        assert_eq!(static_max_level(true), Some(Level::Trace));
        assert_eq!(static_max_level(false), Some(Level::Trace));
        assert!(compiled_in(Level::Trace));
    }
}
