//! What one logger redacts at run time, built once from its settings, and the one the global
//! path (bridges, `Context`, the panic hook) uses.

use std::borrow::Cow;
use std::sync::OnceLock;

use super::scrub::{NamePolicy, Patterns, Scrubber};
use super::Policy;
use crate::config::Settings;

impl NamePolicy for Policy {
    fn is_sensitive(&self, name: &str) -> bool {
        Policy::is_sensitive(self, name)
    }
}

/// The sensitive-name policy (with `LOGFIX_REDACT_KEYS`) and the operator's patterns
/// (`LOGFIX_REDACT_PATTERNS`) of one logger.
#[derive(Debug, Default)]
pub(crate) struct Redaction {
    policy: Policy,
    patterns: Patterns,
}

impl Redaction {
    pub(crate) fn from_settings(settings: &Settings) -> Self {
        Self {
            policy: Policy::with_extra(&settings.redact_keys),
            patterns: settings.redact_patterns.clone(),
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

    pub(crate) fn scrubber(&self) -> Scrubber<'_> {
        Scrubber::new(&self.policy, &self.patterns)
    }
}

static GLOBAL: OnceLock<Redaction> = OnceLock::new();

/// The redaction of the global logger (`init()`), or the defaults before it.
pub(crate) fn global() -> &'static Redaction {
    static DEFAULT: OnceLock<Redaction> = OnceLock::new();
    GLOBAL.get().unwrap_or_else(|| DEFAULT.get_or_init(Redaction::default))
}

/// Makes `settings`' redaction the global path's, once (the first `init()` wins, as the
/// logger does).
pub(crate) fn set_global(settings: &Settings) {
    let _ = GLOBAL.set(Redaction::from_settings(settings));
}
