//! Matchers on captured events and the assertion macros built on them.

use core::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use crate::capture::Captured;

impl Captured {
    /// The first event with this `component` and `event` name.
    ///
    /// # Examples
    /// ```
    /// #[derive(logfix_runtime::LogEvent)]
    /// #[log(component = "auth", message = "user {account_id} logged in")]
    /// struct UserLogin {
    ///     account_id: u64,
    /// }
    ///
    /// let events = logfix_testkit::capture(|| logfix_runtime::emit(&UserLogin { account_id: 42 }));
    /// assert_eq!(events.find("auth", "user_login").unwrap()["account_id"], 42);
    /// assert!(events.find("auth", "user_logout").is_none());
    /// ```
    #[must_use]
    pub fn find(&self, component: &str, event: &str) -> Option<&Value> {
        self.iter().find(|e| e["component"] == component && e["event"] == event)
    }

    /// The events for which `keep` returns true, with their lines.
    ///
    /// # Examples
    /// ```
    /// use logfix_runtime::Context;
    ///
    /// #[derive(logfix_runtime::LogEvent)]
    /// #[log(component = "api", message = "handled")]
    /// struct Handled;
    ///
    /// let events = logfix_testkit::capture(|| {
    ///     Context::new().request_id("r-1").scope(|| logfix_runtime::emit(&Handled));
    ///     Context::new().request_id("r-2").scope(|| logfix_runtime::emit(&Handled));
    /// });
    /// let first = events.filter(|e| e["request_id"] == "r-1");
    /// assert_eq!(first.len(), 1);
    /// ```
    #[must_use]
    pub fn filter(&self, keep: impl FnMut(&Value) -> bool) -> Captured {
        self.retain_by(keep)
    }

    /// The events whose `event` key is `event`, from any component.
    ///
    /// # Examples
    /// ```
    /// #[derive(logfix_runtime::LogEvent)]
    /// #[log(component = "cache", message = "miss on {key}")]
    /// struct CacheMiss<'a> {
    ///     key: &'a str,
    /// }
    ///
    /// let events = logfix_testkit::capture(|| {
    ///     for key in ["a", "b"] {
    ///         logfix_runtime::emit(&CacheMiss { key });
    ///     }
    /// });
    /// assert_eq!(events.events_named("cache_miss").len(), 2);
    /// ```
    #[must_use]
    pub fn events_named(&self, event: &str) -> Captured {
        self.retain_by(|e| e["event"] == event)
    }

    /// The events whose `component` key is `component`.
    ///
    /// # Examples
    /// ```
    /// #[derive(logfix_runtime::LogEvent)]
    /// #[log(component = "cache", message = "cleared")]
    /// struct Cleared;
    ///
    /// let events = logfix_testkit::capture(|| logfix_runtime::emit(&Cleared));
    /// assert_eq!(events.from_component("cache").len(), 1);
    /// assert!(events.from_component("auth").is_empty());
    /// ```
    #[must_use]
    pub fn from_component(&self, component: &str) -> Captured {
        self.retain_by(|e| e["component"] == component)
    }
}

/// Asserts that at least one captured event has all the given keys with the given values, and
/// evaluates to the first such event (a `&serde_json::Value`).
///
/// `assert_logged!(events, key = value, ...)`: `events` is a [`Captured`]; each key is an
/// identifier or a string literal (`"http.status" = 200`); each value is any expression that
/// serialises with serde, compared as `serde_json::json!(value)` would build it (so `42` equals
/// a logged `42`, and `"auth"` a logged `"auth"`). Keys not named are not checked.
///
/// # Panics
///
/// If no event matches. The message lists the captured lines and, for the event that came
/// closest, the keys that differ.
///
/// # Examples
/// ```
/// use logfix_testkit::assert_logged;
///
/// #[derive(logfix_runtime::LogEvent)]
/// #[log(component = "auth", message = "user {account_id} logged in")]
/// struct UserLogin {
///     account_id: u64,
/// }
///
/// let events = logfix_testkit::capture(|| logfix_runtime::emit(&UserLogin { account_id: 42 }));
/// let login = assert_logged!(events, component = "auth", event = "user_login", account_id = 42);
/// assert_eq!(login["message"], "user 42 logged in");
/// ```
#[macro_export]
macro_rules! assert_logged {
    ($events:expr, $($key:tt = $value:expr),+ $(,)?) => {
        $crate::__private::assert_logged(
            &$events,
            &[$(($crate::__logfix_key!($key), $crate::__private::to_json(&$value))),+],
        )
    };
}

/// Asserts that no captured event has all the given keys with the given values.
///
/// Takes the same arguments as [`assert_logged!`].
///
/// # Panics
///
/// If an event matches. The message lists the matching lines and all captured lines.
///
/// # Examples
/// ```
/// use logfix_testkit::assert_not_logged;
///
/// #[derive(logfix_runtime::LogEvent)]
/// #[log(component = "auth", message = "user {account_id} logged in")]
/// struct UserLogin {
///     account_id: u64,
/// }
///
/// let events = logfix_testkit::capture(|| logfix_runtime::emit(&UserLogin { account_id: 42 }));
/// assert_not_logged!(events, event = "user_login", account_id = 7);
/// assert_not_logged!(events, level = "error");
/// ```
#[macro_export]
macro_rules! assert_not_logged {
    ($events:expr, $($key:tt = $value:expr),+ $(,)?) => {
        $crate::__private::assert_not_logged(
            &$events,
            &[$(($crate::__logfix_key!($key), $crate::__private::to_json(&$value))),+],
        )
    };
}

/// A key of the assertion macros: an identifier or a string literal. Not a stable API.
#[doc(hidden)]
#[macro_export]
macro_rules! __logfix_key {
    ($key:ident) => {
        ::core::stringify!($key)
    };
    ($key:literal) => {
        $key
    };
}

/// Serialises an expected value. Not a stable API: called by the assertion macros.
///
/// # Panics
///
/// If the value cannot be represented in JSON (e.g. a map with non-string keys).
#[doc(hidden)]
#[track_caller]
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Value {
    match serde_json::to_value(value) {
        Ok(value) => value,
        Err(e) => panic!("logfix-testkit: the expected value cannot be compared as JSON: {e}"),
    }
}

/// Not a stable API: the body of [`assert_logged!`].
#[doc(hidden)]
#[track_caller]
#[allow(
    clippy::must_use_candidate,
    reason = "`assert_logged!` is mostly a statement; the event it returns is a convenience"
)]
pub fn assert_logged<'a>(events: &'a Captured, expected: &[(&str, Value)]) -> &'a Value {
    if let Some(event) = events.iter().find(|e| matches(e, expected)) {
        return event;
    }
    let mut message = format!("no captured event matches {}", describe(expected));
    if let Some((index, event)) = closest(events, expected) {
        let _ = write!(message, "\nclosest: event #{} differs in", index + 1);
        for (key, want) in expected {
            match event.get(*key) {
                Some(got) if got == want => {}
                Some(got) => {
                    let _ = write!(message, "\n  {key}: expected {want}, found {got}");
                }
                None => {
                    let _ = write!(message, "\n  {key}: expected {want}, found no such key");
                }
            }
        }
    }
    panic!("{message}\n{events}");
}

/// Not a stable API: the body of [`assert_not_logged!`].
#[doc(hidden)]
#[track_caller]
pub fn assert_not_logged(events: &Captured, expected: &[(&str, Value)]) {
    let mut hits = events
        .iter()
        .zip(events.lines())
        .enumerate()
        .filter(|(_, (e, _))| matches(e, expected))
        .peekable();
    if hits.peek().is_none() {
        return;
    }
    let mut message = format!("expected no event matching {}, but found:", describe(expected));
    for (index, (_, line)) in hits {
        let _ = write!(message, "\n  #{} {line}", index + 1);
    }
    panic!("{message}\n{events}");
}

fn matches(event: &Value, expected: &[(&str, Value)]) -> bool {
    expected.iter().all(|(key, want)| event.get(*key) == Some(want))
}

/// The event that matches the most expected keys (the first one on a tie), if any matches one.
fn closest<'a>(events: &'a Captured, expected: &[(&str, Value)]) -> Option<(usize, &'a Value)> {
    let score = |e: &Value| expected.iter().filter(|(key, want)| e.get(*key) == Some(want)).count();
    events
        .iter()
        .enumerate()
        .map(|(i, e)| (score(e), i, e))
        .filter(|(score, _, _)| *score > 0)
        // `max_by_key` keeps the last maximum; reversing makes it the first.
        .rev()
        .max_by_key(|(score, _, _)| *score)
        .map(|(_, i, e)| (i, e))
}

/// `{component = "auth", account_id = 42}`
fn describe(expected: &[(&str, Value)]) -> String {
    let pairs: Vec<String> =
        expected.iter().map(|(key, value)| format!("{key} = {value}")).collect();
    format!("{{{}}}", pairs.join(", "))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn line(event: &str, fields: &str) -> String {
        format!(
            r#"{{"timestamp":"2026-11-28T04:39:13.123456Z","level":"info","component":"auth","event":"{event}","message":"m"{fields}}}"#
        )
    }

    fn sample() -> Captured {
        Captured::from_lines(vec![
            line("user_login", r#","account_id":41"#),
            line("user_login", r#","account_id":42,"http.status":200"#),
            line("user_logout", ""),
        ])
    }

    #[test]
    fn matchers_select_by_component_and_event() {
        let events = sample();
        assert_eq!(events.find("auth", "user_login").unwrap()["account_id"], 41);
        assert!(events.find("billing", "user_login").is_none());
        assert_eq!(events.events_named("user_login").len(), 2);
        assert_eq!(events.from_component("auth").len(), 3);
        let filtered = events.filter(|e| e["account_id"] == 42);
        assert_eq!(filtered.len(), 1);
        assert_eq!(filtered.lines(), &events.lines()[1..2]);
    }

    #[test]
    fn assert_logged_returns_the_first_match() {
        let events = sample();
        let hit =
            assert_logged!(events, event = "user_login", account_id = 42, "http.status" = 200);
        assert_eq!(hit["account_id"], 42);
        assert_logged!(events, event = "user_logout",);
    }

    #[test]
    fn values_compare_as_json() {
        let events = sample();
        let id: u8 = 42;
        assert_logged!(events, account_id = id);
        assert_logged!(events, account_id = json!(42));
        assert_not_logged!(events, account_id = "42");
        assert_not_logged!(events, account_id = 42.0);
    }

    #[test]
    fn a_failed_assert_logged_shows_the_closest_event_and_the_lines() {
        let events = sample();
        let err = std::panic::catch_unwind(|| {
            assert_logged!(events, event = "user_login", account_id = 43);
        })
        .unwrap_err();
        let message = err.downcast_ref::<String>().unwrap();
        assert!(
            message.starts_with(
                r#"no captured event matches {event = "user_login", account_id = 43}"#
            ),
            "{message}"
        );
        assert!(
            message.contains("closest: event #1 differs in\n  account_id: expected 43, found 41"),
            "{message}"
        );
        assert!(
            message.contains(&format!("3 events captured:\n  #1 {}", events.lines()[0])),
            "{message}"
        );
    }

    #[test]
    fn a_failed_assert_logged_names_missing_keys() {
        let events = sample();
        let err = std::panic::catch_unwind(|| {
            assert_logged!(events, event = "user_logout", account_id = 1);
        })
        .unwrap_err();
        let message = err.downcast_ref::<String>().unwrap();
        assert!(
            message.contains(
                "closest: event #3 differs in\n  account_id: expected 1, found no such key"
            ),
            "{message}"
        );
    }

    #[test]
    fn a_failed_assert_not_logged_lists_the_matches() {
        let events = sample();
        let err = std::panic::catch_unwind(|| assert_not_logged!(events, event = "user_login"))
            .unwrap_err();
        let message = err.downcast_ref::<String>().unwrap();
        let expected = format!(
            "expected no event matching {{event = \"user_login\"}}, but found:\n  #1 {}\n  #2 {}\n3 events captured:",
            events.lines()[0],
            events.lines()[1]
        );
        assert!(message.starts_with(&expected), "{message}");
    }

    #[test]
    fn assert_logged_on_nothing_says_so() {
        let err = std::panic::catch_unwind(|| {
            assert_logged!(Captured::default(), event = "x");
        })
        .unwrap_err();
        let message = err.downcast_ref::<String>().unwrap();
        assert_eq!(message, "no captured event matches {event = \"x\"}\nno events captured");
    }
}
