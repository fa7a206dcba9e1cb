//! What one logger redacts at run time, built once from its settings, and the one the global
//! path (bridges, `#[logged]` calls, the panic hook) uses.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use logfix_core::{CONTEXT_KEYS, REDACTED};

use super::pseudonym::{email, last4, PseudonymKey};
use super::scrub::{NamePolicy, Patterns, Scrubber};
use super::Policy;
use crate::config::Settings;

impl NamePolicy for Policy {
    fn is_sensitive(&self, name: &str) -> bool {
        Policy::is_sensitive(self, name)
    }
}

/// How a value that must stay followable or recognisable is written instead of itself.
///
/// # Examples
/// ```
/// use logfix_runtime::{redact::Mask, Context, LogEvent};
///
/// #[derive(LogEvent)]
/// #[log(component = "billing", message = "charged")]
/// struct Charged;
///
/// let events = logfix_testkit::capture(|| {
///     Context::new()
///         .user_id_masked("ann@example.com", Mask::Email)
///         .field_masked("card", "4111 1111 1111 1111", Mask::Last4)
///         .scope(|| logfix_runtime::emit(&Charged));
/// });
/// assert_eq!(events[0]["user_id"], "***@example.com");
/// assert_eq!(events[0]["card"], "****1111");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mask {
    /// `[REDACTED]`.
    Redact,
    /// A keyed pseudonym (`hmac:` and 16 hex digits) under the key of the logger that writes the
    /// line (`LOGFIX_REDACT_KEY`, `Config::redact_key`): the same value gives the same
    /// pseudonym, so it can be followed across lines. Without a key, `[REDACTED]` and one
    /// `config_invalid` line.
    Hash,
    /// The last four digits of a card-like number: `****1111`.
    Last4,
    /// An e-mail address without its local part: `***@example.com`.
    Email,
}

/// The sensitive-name policy (with `LOGFIX_REDACT_KEYS`), the operator's patterns
/// (`LOGFIX_REDACT_PATTERNS`) and the pseudonym key (`LOGFIX_REDACT_KEY`) of one logger.
#[derive(Debug)]
pub(crate) struct Redaction {
    policy: Policy,
    /// The operator's words the policy was built with.
    keys: Vec<String>,
    patterns: Patterns,
    key: Option<PseudonymKey>,
    /// Whether the policy finds each of the context's identifier keys sensitive, indexed like
    /// [`CONTEXT_KEYS`] (see [`Redaction::hides_id`]).
    hidden_ids: [bool; 5],
    /// Tells redactions apart for what is kept of their answers (an address could be reused by
    /// a later one, with another key).
    id: u64,
}

impl Default for Redaction {
    fn default() -> Self {
        Self::with(Vec::new(), Patterns::new(), None)
    }
}

/// Set when a pseudonym was asked for without a key, until the writer reports it.
static MISSING_KEY: AtomicBool = AtomicBool::new(false);

impl Redaction {
    /// The redaction `settings` ask for: the policy with the operator's words
    /// (`LOGFIX_REDACT_KEYS`), the patterns and the pseudonym key.
    pub(crate) fn of(settings: &Settings) -> Self {
        Self::with(
            settings.redact_keys.clone(),
            settings.redact_patterns.clone(),
            settings.redact_key.clone(),
        )
    }

    fn with(keys: Vec<String>, patterns: Patterns, key: Option<PseudonymKey>) -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        let policy = Policy::with_extra(&keys);
        let hidden_ids = CONTEXT_KEYS.map(|id| policy.is_sensitive(id));
        // Relaxed: the ids only need to differ.
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        Self { policy, keys, patterns, key, hidden_ids, id }
    }

    /// What tells this redaction apart from every other of the process.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Whether this is the global logger's redaction, the one `init()` installed (not the
    /// defaults before it): it stays the same for the life of the process.
    #[inline]
    pub(crate) fn is_global(&self) -> bool {
        GLOBAL.get().is_some_and(|global| core::ptr::eq(global, self))
    }

    /// Whether the identifier in `slot` of a context (indexed like [`CONTEXT_KEYS`]), when it
    /// was set by its name (`Context::field("user_id", ...)`), must not be written.
    pub(crate) fn hides_id(&self, slot: usize) -> bool {
        self.hidden_ids.get(slot).copied().unwrap_or(false)
    }

    /// Whether this is the redaction `settings` ask for.
    pub(crate) fn is_of(&self, settings: &Settings) -> bool {
        self.keys == settings.redact_keys
            && self.patterns.same_as(&settings.redact_patterns)
            && self.key == settings.redact_key
    }

    /// `value` as `mask` writes it: `[REDACTED]` for a pseudonym without a key, which the
    /// writer then reports.
    pub(crate) fn mask(&self, value: &str, mask: Mask) -> String {
        self.masked(value, mask).unwrap_or_else(|| missing_key().to_owned())
    }

    /// `value` as `mask` writes it; `None` for a pseudonym without a key, left for the caller
    /// to report when it writes the line (see [`missing_key`]).
    pub(crate) fn masked(&self, value: &str, mask: Mask) -> Option<String> {
        match mask {
            Mask::Redact => Some(REDACTED.to_owned()),
            Mask::Hash => self.key.as_ref().map(|key| key.pseudonym(value).as_str().to_owned()),
            Mask::Last4 => Some(last4(value).to_string()),
            Mask::Email => Some(email(value).to_string()),
        }
    }

    /// Whether values under `name` must not be written.
    pub(crate) fn is_sensitive(&self, name: &str) -> bool {
        self.policy.is_sensitive(name)
    }

    /// `text` without the secrets the content scrubber finds; borrowed when there are none.
    #[inline]
    pub(crate) fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.scrubber().scrub(text)
    }

    /// `text` without the secrets the content scrubber finds and without the known `values`
    /// (see [`Scrubber::scrub_with_known`]).
    pub(crate) fn scrub_with_known<'t, V: AsRef<str>>(
        &self,
        text: &'t str,
        values: &[V],
    ) -> Cow<'t, str> {
        self.scrubber().scrub_with_known(text, values)
    }

    pub(crate) fn scrubber(&self) -> Scrubber<'_> {
        Scrubber::with_policy(&self.policy, &self.patterns)
    }
}

static GLOBAL: OnceLock<Redaction> = OnceLock::new();

/// The redaction of the global logger (`init()`), or the defaults before it.
pub(crate) fn global() -> &'static Redaction {
    static DEFAULT: OnceLock<Redaction> = OnceLock::new();
    GLOBAL.get().unwrap_or_else(|| DEFAULT.get_or_init(Redaction::default))
}

/// Makes the redaction of `settings` the global path's, once (the first `init()` wins, as the
/// logger does).
pub(crate) fn set_global(settings: &Settings) {
    let _ = GLOBAL.set(Redaction::of(settings));
}

/// The redaction a logger with `settings` renders with when it is not the global path's
/// (`None`: the global path's, the common case; a line then costs only the reset of
/// `Output::own_redaction`).
pub(crate) fn own(settings: &Settings) -> Option<Arc<Redaction>> {
    own_beside(GLOBAL.get(), settings)
}

/// [`own`], with `global` the redaction `init()` installed, if it has run. Only that one is
/// shared: before it, the global path's are the defaults, which `init()` then replaces, and a
/// logger built meanwhile would render with the replacement.
fn own_beside(global: Option<&Redaction>, settings: &Settings) -> Option<Arc<Redaction>> {
    let shared = global.is_some_and(|global| global.is_of(settings));
    (!shared).then(|| Arc::new(Redaction::of(settings)))
}

/// What a line writes for a pseudonym asked for without a key, `[REDACTED]`; the writer then
/// reports the key missing, once.
pub(crate) fn missing_key() -> &'static str {
    MISSING_KEY.store(true, Ordering::Relaxed);
    REDACTED
}

/// Whether a pseudonym was asked for without a key since the last call (and never reported):
/// the writer then writes one `config_invalid` line.
pub(crate) fn take_missing_key() -> bool {
    static REPORTED: AtomicBool = AtomicBool::new(false);
    // Relaxed: two flags that only say "report it once".
    MISSING_KEY.load(Ordering::Relaxed) && !REPORTED.swap(true, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A logger shares the global path's redaction only with the one `init()` installed, and
    /// only when its settings ask for the same.
    #[test]
    fn only_the_installed_global_redaction_is_shared() {
        let (defaults, _) = crate::Config::new().resolve();
        let (named, _) = crate::Config::new().redact_keys(vec!["tenant_key".to_owned()]).resolve();
        assert!(own_beside(None, &defaults).is_some(), "before init()");
        assert!(own_beside(Some(&Redaction::of(&defaults)), &defaults).is_none());
        assert!(own_beside(Some(&Redaction::of(&named)), &defaults).is_some());
        assert!(own_beside(Some(&Redaction::of(&defaults)), &named).is_some());
    }
}
