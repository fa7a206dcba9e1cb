//! Request context: identifiers and key/values attached to every event emitted inside a scope.
//!
//! This module holds the data only; `render` writes it into each line.

use core::cell::{Cell, RefCell};
use core::fmt;
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use logfix_core::{AUDIT_KEYS, CONTEXT_KEYS, REDACTED, RESERVED_KEYS};

use crate::redact::{Mask, Redaction};

/// Identifiers and key/values that every event emitted inside [`Context::scope`] or
/// [`Context::enter`] carries, written after `message` and before the event's own fields.
///
/// Cloning is cheap (a reference count). Scopes nest: an inner scope sees the outer values and
/// overrides those it sets again. When an event has a field with the same key as the context,
/// the event's value wins and the key is written once.
///
/// # Examples
/// ```
/// use logfix_runtime::{Context, LogEvent};
///
/// #[derive(LogEvent)]
/// #[log(component = "api", message = "handled")]
/// struct Handled;
///
/// let ctx = Context::new().request_id("req-1").user_id("u-42").field("tenant", "acme");
/// let events = logfix_testkit::capture(|| ctx.scope(|| logfix_runtime::emit(&Handled)));
/// assert_eq!(events[0]["request_id"], "req-1");
/// assert_eq!(events[0]["user_id"], "u-42");
/// assert_eq!(events[0]["tenant"], "acme");
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct Context {
    inner: Arc<Inner>,
}

#[derive(Clone, Default, PartialEq)]
struct Inner {
    /// Indexed like [`CONTEXT_KEYS`].
    ids: [Option<Id>; 5],
    fields: Vec<Field>,
}

/// One of the identifiers of a [`Context`], as it was set, which says how a line writes it.
#[derive(Clone, PartialEq)]
pub(crate) enum Id {
    /// By its setter (`Context::user_id`, ...): written as it is.
    Set(Box<str>),
    /// By its name with [`Context::field`]: judged by the name policy, as a custom field is.
    Named(Box<str>),
    /// With a mask ([`Context::user_id_masked`], or [`Context::field_masked`] by its name).
    Masked(MaskedValue),
}

impl Id {
    /// What a line redacted with `redaction` writes for the identifier in `slot` (indexed like
    /// [`CONTEXT_KEYS`]).
    #[inline]
    pub(crate) fn written_by<'a>(&'a self, slot: usize, redaction: &Redaction) -> Cow<'a, str> {
        match self {
            Id::Set(id) => Cow::Borrowed(id),
            Id::Named(id) if !redaction.hides_id(slot) => Cow::Borrowed(id),
            Id::Named(_) => Cow::Borrowed(REDACTED),
            Id::Masked(masked) => masked.written_by(redaction),
        }
    }
}

/// A value a [`Context`] keeps as it was given and never writes as it is: each line writes it as
/// the mask makes it with the redaction of that line's logger, whose key a pseudonym needs.
///
/// The mask cannot be applied when the value is given: the logger that writes the line may not
/// exist yet (a context made before `init()`) or may be a `Config::build()` logger with a key of
/// its own.
#[derive(Clone)]
pub(crate) struct MaskedValue {
    /// No `Debug` on this type, nor on the ones holding it, so that no format can show it.
    clear: Box<str>,
    mask: Mask,
    /// The global logger's mask of the value (`None`: that logger has no pseudonym key), taken
    /// at most once: its redaction never changes once set, and a pseudonym (an HMAC) on every
    /// line would cost several times the rest of the line. Copied with the value when scopes
    /// are merged.
    globally: OnceLock<Option<Box<str>>>,
    /// The same, for the first other redaction that writes the value, by its id: the one of a
    /// program that builds its logger with `Config::build()` instead of `init()`.
    elsewhere: OnceLock<(u64, Option<Box<str>>)>,
}

impl MaskedValue {
    fn new(clear: &str, mask: Mask) -> Self {
        Self { clear: clear.into(), mask, globally: OnceLock::new(), elsewhere: OnceLock::new() }
    }

    /// What a line redacted with `redaction` writes: `[REDACTED]` for a pseudonym when its
    /// logger has no key, which the writer then reports.
    #[inline]
    pub(crate) fn written_by<'a>(&'a self, redaction: &Redaction) -> Cow<'a, str> {
        self.masked_by(redaction).unwrap_or_else(|| Cow::Borrowed(crate::redact::missing_key()))
    }

    /// As `redaction` masks it; `None` for a pseudonym when it has no key, reported by no one.
    #[inline]
    fn masked_by<'a>(&'a self, redaction: &Redaction) -> Option<Cow<'a, str>> {
        if redaction.is_global() {
            let masked = self.globally.get_or_init(|| self.mask_with(redaction));
            return masked.as_deref().map(Cow::Borrowed);
        }
        self.masked_elsewhere(redaction)
    }

    /// [`MaskedValue::masked_by`] a redaction other than the global logger's.
    fn masked_elsewhere<'a>(&'a self, redaction: &Redaction) -> Option<Cow<'a, str>> {
        match self.elsewhere.get_or_init(|| (redaction.id(), self.mask_with(redaction))) {
            (id, masked) if *id == redaction.id() => masked.as_deref().map(Cow::Borrowed),
            _ => redaction.masked(&self.clear, self.mask).map(Cow::Owned),
        }
    }

    fn mask_with(&self, redaction: &Redaction) -> Option<Box<str>> {
        redaction.masked(&self.clear, self.mask).map(String::into_boxed_str)
    }

    /// As the global logger's lines write it once `init()` has run, `[REDACTED]` before, with
    /// no report of a missing key: what the context shows of it outside lines.
    fn as_installed(&self) -> &str {
        let global = crate::redact::global();
        if !global.is_global() {
            return REDACTED;
        }
        match self.masked_by(global) {
            Some(Cow::Borrowed(masked)) => masked,
            _ => REDACTED,
        }
    }
}

impl PartialEq for MaskedValue {
    /// The cache is not part of the value.
    fn eq(&self, other: &Self) -> bool {
        self.clear == other.clear && self.mask == other.mask
    }
}

/// A custom key/value of a [`Context`], with what is known of its redaction.
#[derive(Clone)]
pub(crate) struct Field {
    key: Box<str>,
    value: FieldValue,
    /// Whether the global logger's redaction hides the value: asked at most once per field.
    ///
    /// The answer cannot be taken when the field is added: the logger that writes the line may
    /// not exist yet (a context made before `init()`) or may be a `Config::build()` logger with
    /// names of its own. Asking the name policy on every line would cost tens to hundreds of
    /// instructions per field, and the global logger's redaction never changes once set; its
    /// answer is kept here, and copied with the field when scopes are merged.
    hidden_globally: OnceLock<bool>,
}

/// The value of a custom key, as it was set.
#[derive(Clone, PartialEq)]
enum FieldValue {
    /// By [`Context::field`]: hidden when its key's name is sensitive.
    Judged(ContextValue),
    /// By [`Context::field_masked`]: masked whatever the key is named.
    Masked(MaskedValue),
}

/// What a line writes for a custom key.
pub(crate) enum Shown<'a> {
    Value(&'a ContextValue),
    Text(Cow<'a, str>),
}

impl Field {
    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    /// What a line redacted with `redaction` writes for the value.
    #[inline]
    pub(crate) fn written_by<'a>(&'a self, redaction: &Redaction) -> Shown<'a> {
        match &self.value {
            FieldValue::Judged(_) if self.is_hidden_by(redaction) => {
                Shown::Text(Cow::Borrowed(REDACTED))
            }
            FieldValue::Judged(value) => Shown::Value(value),
            FieldValue::Masked(masked) => Shown::Text(masked.written_by(redaction)),
        }
    }

    /// Whether the name policy of `redaction` hides the value (of a field set unmasked).
    #[inline]
    fn is_hidden_by(&self, redaction: &Redaction) -> bool {
        if redaction.is_global() {
            *self.hidden_globally.get_or_init(|| redaction.is_sensitive(&self.key))
        } else {
            redaction.is_sensitive(&self.key)
        }
    }
}

impl PartialEq for Field {
    /// The cache is not part of the value.
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key && self.value == other.value
    }
}

/// A custom context value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ContextValue {
    /// A string.
    Str(Box<str>),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A float.
    F64(f64),
    /// A boolean.
    Bool(bool),
}

macro_rules! context_value_from {
    ($($variant:ident($wide:ty): $($ty:ty),*;)*) => {$($(
        impl From<$ty> for ContextValue {
            fn from(v: $ty) -> Self {
                ContextValue::$variant(<$wide>::from(v))
            }
        }
    )*)*};
}
context_value_from! {
    I64(i64): i8, i16, i32, i64;
    U64(u64): u8, u16, u32, u64;
    F64(f64): f32, f64;
    Bool(bool): bool;
}

impl From<&str> for ContextValue {
    fn from(v: &str) -> Self {
        ContextValue::Str(v.into())
    }
}

impl From<String> for ContextValue {
    fn from(v: String) -> Self {
        ContextValue::Str(v.into_boxed_str())
    }
}

/// Where a custom field whose key is reserved ends up: `ctx.<key>`, so it can neither replace
/// nor duplicate a mandatory key, an identifier or an audit record's chain.
const RESERVED_PREFIX: &str = "ctx.";

impl Context {
    /// An empty context.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `request_id`.
    #[must_use]
    pub fn request_id(self, id: impl Into<String>) -> Self {
        self.with_id(0, Id::Set(id.into().into_boxed_str()))
    }

    /// Sets `correlation_id`.
    #[must_use]
    pub fn correlation_id(self, id: impl Into<String>) -> Self {
        self.with_id(1, Id::Set(id.into().into_boxed_str()))
    }

    /// Sets `user_id`.
    #[must_use]
    pub fn user_id(self, id: impl Into<String>) -> Self {
        self.with_id(2, Id::Set(id.into().into_boxed_str()))
    }

    /// Sets `trace_id`.
    #[must_use]
    pub fn trace_id(self, id: impl Into<String>) -> Self {
        self.with_id(3, Id::Set(id.into().into_boxed_str()))
    }

    /// Sets `span_id`.
    #[must_use]
    pub fn span_id(self, id: impl Into<String>) -> Self {
        self.with_id(4, Id::Set(id.into().into_boxed_str()))
    }

    /// Adds a custom key/value, replacing an earlier one with the same key.
    ///
    /// A key naming one of the five identifiers sets that identifier (string values only); a key
    /// naming a mandatory key (`timestamp`, `level`, ...) or one of the audit trail's
    /// (`audit_seq`, `audit_chain`) is written as `ctx.<key>` instead. A
    /// sensitive key (`password`, `api_key`, ... and `LOGFIX_REDACT_KEYS`: see
    /// [`redact`](crate::redact)) is written with `[REDACTED]` instead of its value; to keep
    /// something followable, use [`Context::field_masked`].
    ///
    /// Whether a key is sensitive is decided for each line by the logger that writes it: the
    /// one `init()` installs, with the operator's names, also for a context made before
    /// `init()`; a logger from [`Config::build()`](crate::Config::build) with names of its own
    /// uses its own. The context's `Debug` writes `[REDACTED]` for the keys the global logger's
    /// redaction (the defaults before `init()`) finds sensitive.
    ///
    /// # Examples
    /// ```
    /// use logfix_runtime::{Context, LogEvent};
    ///
    /// #[derive(LogEvent)]
    /// #[log(component = "api", message = "handled")]
    /// struct Handled;
    ///
    /// let ctx = Context::new().field("api_key", "k-123").field("tenant", "acme");
    /// let events = logfix_testkit::capture(|| ctx.scope(|| logfix_runtime::emit(&Handled)));
    /// assert_eq!(events[0]["api_key"], "[REDACTED]");
    /// assert_eq!(events[0]["tenant"], "acme");
    /// ```
    #[must_use]
    pub fn field(self, key: &str, value: impl Into<ContextValue>) -> Self {
        self.with_field(key, FieldValue::Judged(value.into()))
    }

    /// Sets `key` to `value`.
    fn with_field(mut self, key: &str, value: FieldValue) -> Self {
        let value = match (CONTEXT_KEYS.iter().position(|k| *k == key), value) {
            (Some(slot), FieldValue::Judged(ContextValue::Str(id))) => {
                return self.with_id(slot, Id::Named(id));
            }
            (Some(slot), FieldValue::Masked(id)) => return self.with_id(slot, Id::Masked(id)),
            (_, value) => value,
        };
        let taken =
            [&RESERVED_KEYS[..], &CONTEXT_KEYS, &AUDIT_KEYS].iter().any(|k| k.contains(&key));
        let key: Box<str> =
            if taken { format!("{RESERVED_PREFIX}{key}").into_boxed_str() } else { key.into() };
        let inner = Arc::make_mut(&mut self.inner);
        match inner.fields.iter_mut().find(|f| f.key == key) {
            // Same key, same answer: the cache stays.
            Some(field) => field.value = value,
            None => inner.fields.push(Field { key, value, hidden_globally: OnceLock::new() }),
        }
        self
    }

    /// The value of one of the five identifiers, by key (`"request_id"`, ...), as it was set:
    /// an identifier set with [`Context::field`] under a sensitive name is hidden in lines, not
    /// here. One set with a mask ([`Context::user_id_masked`], [`Context::field_masked`]) is
    /// never given as it was set: it is what the global logger's lines write once `init()` has
    /// run (its pseudonym), `[REDACTED]` before.
    #[must_use]
    pub fn id(&self, key: &str) -> Option<&str> {
        let slot = CONTEXT_KEYS.iter().position(|k| *k == key)?;
        match self.inner.ids.get(slot)?.as_ref()? {
            Id::Set(id) | Id::Named(id) => Some(id),
            Id::Masked(masked) => Some(masked.as_installed()),
        }
    }

    /// The five identifiers, indexed like [`CONTEXT_KEYS`].
    pub(crate) fn ids(&self) -> &[Option<Id>; 5] {
        &self.inner.ids
    }

    /// The custom key/values, in the order they were first set.
    pub(crate) fn fields(&self) -> &[Field] {
        &self.inner.fields
    }

    /// Whether nothing is set.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.inner.ids.iter().all(Option::is_none) && self.inner.fields.is_empty()
    }

    /// Sets `user_id` to `id` as `mask` writes it: a pseudonym to follow one user without
    /// writing who, or the domain of an e-mail address.
    ///
    /// The context keeps `id` and writes it only masked, never as it is (nor in its `Debug` or
    /// [`Context::id`]). As a [`Context::field`]'s name, the mask is applied when a line is
    /// written, by that line's logger: [`Mask::Hash`] gives the pseudonym under the key
    /// (`LOGFIX_REDACT_KEY`) of the logger `init()` installs, also for a context made before
    /// `init()`, and a logger from [`Config::build()`](crate::Config::build) with a key of its
    /// own gives its own. A line whose logger has no key writes `[REDACTED]`, and the writer
    /// reports the key missing, once, as `config_invalid`.
    ///
    /// # Examples
    /// ```
    /// use logfix_runtime::redact::{pseudonym::PseudonymKey, Mask};
    /// use logfix_runtime::{Config, Context, LogEvent};
    ///
    /// #[derive(LogEvent)]
    /// #[log(component = "api", message = "handled")]
    /// struct Handled;
    ///
    /// let ctx = Context::new().user_id_masked("ann@example.com", Mask::Hash);
    /// # let dir = std::env::temp_dir().join(format!("logfix-doc-masked-{}", std::process::id()));
    /// let key = PseudonymKey::new(b"0123456789abcdef0123456789abcdef").unwrap();
    /// let logger = Config::new().dir(&dir).redact_key(key).build();
    /// ctx.scope(|| logger.emit(&Handled));
    /// logger.shutdown();
    /// let log = std::fs::read_to_string(dir.join("app.log")).unwrap();
    /// assert!(log.contains(r#""user_id":"hmac:093e3dd9df951c50""#));
    /// assert!(!log.contains("ann@example.com"));
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    #[must_use]
    pub fn user_id_masked(self, id: &str, mask: Mask) -> Self {
        self.with_id(2, Id::Masked(MaskedValue::new(id, mask)))
    }

    /// Adds a custom key/value with the value as `mask` writes it (see [`Context::field`]); the
    /// key is not judged by the name policy (`field_masked("card_number", ..., Mask::Last4)`
    /// writes `****1111`). The value is kept, and masked by the logger of each line, as for
    /// [`Context::user_id_masked`].
    #[must_use]
    pub fn field_masked(self, key: &str, value: &str, mask: Mask) -> Self {
        self.with_field(key, FieldValue::Masked(MaskedValue::new(value, mask)))
    }

    /// Sets the identifier in `slot`.
    fn with_id(mut self, slot: usize, id: Id) -> Self {
        if let Some(entry) = Arc::make_mut(&mut self.inner).ids.get_mut(slot) {
            *entry = Some(id);
        }
        self
    }

    /// This context laid over `outer`: values set here win.
    fn over(&self, outer: &Context) -> Context {
        if outer.is_empty() {
            return self.clone();
        }
        let mut merged = outer.clone();
        let inner = Arc::make_mut(&mut merged.inner);
        for (slot, id) in inner.ids.iter_mut().zip(&self.inner.ids) {
            if id.is_some() {
                slot.clone_from(id);
            }
        }
        for field in &self.inner.fields {
            match inner.fields.iter_mut().find(|f| f.key == field.key) {
                Some(entry) => entry.clone_from(field),
                None => inner.fields.push(field.clone()),
            }
        }
        merged
    }

    /// The context in force on this thread (empty outside any scope).
    #[must_use]
    pub fn current() -> Context {
        CURRENT
            .try_with(|current| current.try_borrow().map(|c| c.clone()).unwrap_or_default())
            .unwrap_or_default()
    }

    /// Runs `f` with this context (laid over the current one) in force on this thread.
    pub fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let _entered = self.clone().enter();
        f()
    }

    /// Puts this context (laid over the current one) in force on this thread until the guard
    /// is dropped, which restores the previous one. Guards must be dropped in reverse order of
    /// creation, which is what scoping them in blocks does.
    #[must_use = "the context is left as soon as the guard is dropped"]
    pub fn enter(self) -> Entered {
        let previous = CURRENT
            .try_with(|current| {
                let mut current = current.try_borrow_mut().ok()?;
                let merged = self.over(&current);
                IN_FORCE.set(!merged.is_empty());
                Some(core::mem::replace(&mut *current, merged))
            })
            .ok()
            .flatten();
        Entered { previous, _not_send: core::marker::PhantomData }
    }

    /// Calls `f` with the context in force on this thread (`None` when empty), without cloning it.
    pub(crate) fn with_current(f: impl FnOnce(Option<&Context>)) {
        if !IN_FORCE.get() {
            return f(None);
        }
        // `IN_FORCE` says the context is not empty.
        let mut f = Some(f);
        let _ = CURRENT.try_with(|current| {
            if let Ok(ctx) = current.try_borrow() {
                if let Some(f) = f.take() {
                    f(Some(&ctx));
                }
            }
        });
        if let Some(f) = f {
            f(None);
        }
    }
}

/// The ids of the current OpenTelemetry span, for the lines of a thread whose logfix context has
/// no trace id of its own.
#[cfg(feature = "opentelemetry")]
pub(crate) mod otel {
    use opentelemetry::trace::{SpanId, TraceContextExt, TraceId};

    /// The ids of the current OpenTelemetry span, if there is a valid one.
    pub(crate) fn current_ids() -> Option<(TraceId, SpanId)> {
        let context = opentelemetry::Context::current();
        let span = context.span();
        let span_context = span.span_context();
        span_context.is_valid().then(|| (span_context.trace_id(), span_context.span_id()))
    }
}

/// Sensitive values as `[REDACTED]`, judged by the global logger's redaction (the defaults
/// before `init()`); masked values as [`Context::id`] gives them, never as they were set.
impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redaction = crate::redact::global();
        let mut map = f.debug_map();
        for (slot, (key, id)) in CONTEXT_KEYS.iter().zip(&self.inner.ids).enumerate() {
            match id {
                Some(Id::Masked(masked)) => map.entry(key, &masked.as_installed()),
                // Only a masked identifier reports a missing key, and it is not this one.
                Some(id) => map.entry(key, &id.written_by(slot, redaction)),
                None => &mut map,
            };
        }
        for field in &self.inner.fields {
            let shown = match &field.value {
                FieldValue::Masked(masked) => ContextValue::from(masked.as_installed()),
                FieldValue::Judged(_) if field.is_hidden_by(redaction) => {
                    ContextValue::from(REDACTED)
                }
                FieldValue::Judged(value) => value.clone(),
            };
            map.entry(&field.key, &shown);
        }
        map.finish()
    }
}

thread_local! {
    static CURRENT: RefCell<Context> = RefCell::new(Context::default());
    /// Whether `CURRENT` holds anything. Every event asks, and most are emitted outside any
    /// scope: a constant-initialized flag answers without the `RefCell` and its checks.
    static IN_FORCE: Cell<bool> = const { Cell::new(false) };
}

/// Restores the previous context when dropped. Returned by [`Context::enter`].
#[must_use = "the context is left as soon as the guard is dropped"]
pub struct Entered {
    previous: Option<Context>,
    /// The context lives in a thread-local: the guard must be dropped on the thread it entered.
    _not_send: core::marker::PhantomData<*const ()>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            let _ = CURRENT.try_with(|current| {
                if let Ok(mut current) = current.try_borrow_mut() {
                    IN_FORCE.set(!previous.is_empty());
                    *current = previous;
                }
            });
        }
    }
}

impl fmt::Debug for Entered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entered").finish_non_exhaustive()
    }
}

impl Context {
    /// Sets `trace_id` and `span_id` from a W3C `traceparent` header
    /// (`00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`), and returns the context unchanged
    /// if the header is malformed: an untrusted header never reaches the log unchecked.
    ///
    /// # Examples
    /// ```
    /// use logfix_runtime::Context;
    ///
    /// let ctx = Context::new().traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    /// assert_eq!(ctx.id("trace_id"), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
    /// assert_eq!(ctx.id("span_id"), Some("00f067aa0ba902b7"));
    /// assert!(Context::new().traceparent("00-xyz").is_empty());
    /// ```
    #[must_use]
    pub fn traceparent(self, header: &str) -> Self {
        match parse_traceparent(header) {
            Some((trace_id, span_id)) => self.trace_id(trace_id).span_id(span_id),
            None => self,
        }
    }
}

/// The trace and parent ids of a valid `traceparent` header.
fn parse_traceparent(header: &str) -> Option<(&str, &str)> {
    let mut parts = header.trim().split('-');
    let (version, trace_id, span_id, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, len: usize| {
        s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    let nonzero = |s: &str| s.bytes().any(|b| b != b'0');
    // Version 00 has exactly four parts; later versions may append more; `ff` is invalid.
    let valid = hex(version, 2)
        && version != "ff"
        && (version != "00" || parts.next().is_none())
        && hex(trace_id, 32)
        && nonzero(trace_id)
        && hex(span_id, 16)
        && nonzero(span_id)
        && hex(flags, 2);
    valid.then_some((trace_id, span_id))
}

pin_project_lite::pin_project! {
    /// A future that runs with a [`Context`] in force each time it is polled, on whatever
    /// thread polls it. Returned by [`WithLogContext::with_log_context`].
    #[must_use = "futures do nothing unless polled"]
    #[derive(Debug)]
    pub struct WithContext<F> {
        #[pin]
        inner: F,
        context: Context,
    }
}

impl<F: core::future::Future> core::future::Future for WithContext<F> {
    type Output = F::Output;

    fn poll(
        self: core::pin::Pin<&mut Self>,
        cx: &mut core::task::Context<'_>,
    ) -> core::task::Poll<F::Output> {
        let this = self.project();
        let _entered = this.context.clone().enter();
        this.inner.poll(cx)
    }
}

/// Attaches a [`Context`] to a future, so that every event it emits carries it, across `.await`
/// points and worker threads.
///
/// # Examples
/// ```
/// use logfix_runtime::{Context, LogEvent, WithLogContext};
///
/// #[derive(LogEvent)]
/// #[log(component = "api", message = "step")]
/// struct Step;
///
/// async fn handle() {
///     logfix_runtime::emit(&Step);
/// }
///
/// let ctx = Context::new().request_id("req-1");
/// let fut = handle().with_log_context(ctx);
/// // Carry the current context into a spawned task the same way:
/// // tokio::spawn(job().with_log_context(Context::current()));
/// # let _ = fut;
/// ```
pub trait WithLogContext: core::future::Future + Sized {
    /// Runs this future with `context` (laid over the context of the polling thread).
    fn with_log_context(self, context: Context) -> WithContext<Self> {
        WithContext { inner: self, context }
    }
}

impl<F: core::future::Future> WithLogContext for F {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::pseudonym::PseudonymKey;

    #[test]
    fn scopes_nest_and_restore() {
        let outer = Context::new().request_id("r1").field("tenant", "acme");
        outer.scope(|| {
            assert_eq!(Context::current().id("request_id"), Some("r1"));
            Context::new().request_id("r2").user_id("u").scope(|| {
                let now = Context::current();
                assert_eq!(now.id("request_id"), Some("r2"));
                assert_eq!(now.id("user_id"), Some("u"));
                assert_eq!(
                    format!("{now:?}"),
                    r#"{"request_id": "r2", "user_id": "u", "tenant": Str("acme")}"#
                );
            });
            assert_eq!(Context::current().id("user_id"), None);
        });
        assert!(Context::current().is_empty());
    }

    /// What rendering sees (`with_current`), which skips the `RefCell` while no context is in
    /// force: through nesting, restoring, and an empty scope.
    #[test]
    fn rendering_sees_the_context_in_force_and_none_outside() {
        let seen = || {
            let mut id = None;
            Context::with_current(|ctx| id = ctx.map(|c| c.id("request_id").map(str::to_owned)));
            id
        };
        assert_eq!(seen(), None);
        Context::new().scope(|| assert_eq!(seen(), None));
        Context::new().request_id("r1").scope(|| {
            assert_eq!(seen(), Some(Some("r1".to_owned())));
            Context::new()
                .request_id("r2")
                .scope(|| assert_eq!(seen(), Some(Some("r2".to_owned()))));
            Context::new().scope(|| assert_eq!(seen(), Some(Some("r1".to_owned()))));
            assert_eq!(seen(), Some(Some("r1".to_owned())));
        });
        assert_eq!(seen(), None);
        Context::new().user_id("u").scope(|| assert_eq!(seen(), Some(None)));
        assert_eq!(seen(), None);
    }

    #[test]
    fn reserved_custom_keys_are_moved_aside_and_identifiers_set() {
        let ctx = Context::new().field("level", "x").field("request_id", "r").field("n", 1_u8);
        assert_eq!(ctx.id("request_id"), Some("r"));
        assert_eq!(
            format!("{ctx:?}"),
            r#"{"request_id": "r", "ctx.level": Str("x"), "n": U64(1)}"#
        );
    }

    /// What a line redacted with `redaction` writes for each field and identifier of `ctx`,
    /// sorted by key.
    fn written(ctx: &Context, redaction: &Redaction) -> Vec<(String, String)> {
        let ids = CONTEXT_KEYS.iter().zip(ctx.ids()).enumerate().filter_map(|(slot, (k, id))| {
            id.as_ref().map(|id| ((*k).to_owned(), id.written_by(slot, redaction).into_owned()))
        });
        let fields = ctx.fields().iter().map(|f| {
            let value = match f.written_by(redaction) {
                Shown::Value(ContextValue::Str(s)) => s.to_string(),
                Shown::Value(other) => format!("{other:?}"),
                Shown::Text(text) => text.into_owned(),
            };
            (f.key().to_owned(), value)
        });
        let mut written: Vec<_> = ids.chain(fields).collect();
        written.sort();
        written
    }

    fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    /// A field's name is judged by the redaction of the line, whichever it is, also after
    /// scopes are merged; a masked field's value is written whatever its name; an identifier is
    /// judged only when it was set by its name.
    #[test]
    fn fields_are_judged_by_the_redaction_they_are_written_with() {
        let (settings, _) = crate::Config::new()
            .redact_keys(vec!["tenant_key".to_owned(), "user_id".to_owned()])
            .resolve();
        let (own, defaults) = (Redaction::of(&settings), Redaction::default());
        let ctx = Context::new()
            .field("tenant_key", "t")
            .field("api_key", "k")
            .field_masked("card_number", "4111 1111 1111 1111", Mask::Last4)
            .field("tenant", "acme");
        // Laid over a scope that set `tenant` first: the same fields, `tenant` first.
        let merged = ctx.over(&Context::new().request_id("r").field("tenant", "other"));
        for (ctx, id) in [(&ctx, &[][..]), (&merged, &[("request_id", "r")][..])] {
            let expected = |tenant_key| {
                let mut expected = pairs(&[
                    ("api_key", REDACTED),
                    ("card_number", "****1111"),
                    ("tenant", "acme"),
                    ("tenant_key", tenant_key),
                ]);
                expected.extend(pairs(id));
                expected.sort();
                expected
            };
            assert_eq!(written(ctx, &own), expected(REDACTED));
            assert_eq!(written(ctx, &defaults), expected("t"));
        }
        assert_eq!(merged.fields().first().map(Field::key), Some("tenant"));
        let (by_name, by_setter) =
            (Context::new().field("user_id", "u"), Context::new().user_id("u"));
        let hidden = pairs(&[("user_id", REDACTED)]);
        let shown = pairs(&[("user_id", "u")]);
        assert_eq!(
            (written(&by_name, &own), written(&by_name, &defaults)),
            (hidden.clone(), shown.clone())
        );
        assert_eq!(written(&by_setter, &own), shown);
        let merged = by_name.over(&Context::new().request_id("r"));
        assert_eq!(written(&merged, &own), [pairs(&[("request_id", "r")]), hidden].concat());
        assert_eq!(written(&by_setter.over(&by_name), &own), shown);
    }

    /// A masked value is kept and masked by the redaction of each line, with its pseudonym key;
    /// the same for an identifier set masked by its name.
    #[test]
    fn masks_are_applied_by_the_redaction_they_are_written_with() {
        let keyed = |key: &[u8]| {
            let key = PseudonymKey::new(key).unwrap();
            (Redaction::of(&crate::Config::new().redact_key(key.clone()).resolve().0), key)
        };
        let (first, first_key) = keyed(b"0123456789abcdef0123456789abcdef");
        let (second, second_key) = keyed(b"fedcba9876543210fedcba9876543210");
        let ctx = Context::new()
            .user_id_masked("u-1", Mask::Hash)
            .field_masked("account", "a-1", Mask::Hash)
            .field_masked("trace_id", "t-1", Mask::Hash)
            .field_masked("email", "ann@example.com", Mask::Email);
        for (redaction, key) in [(&first, &first_key), (&second, &second_key)] {
            let pseudonym = |value| key.pseudonym(value).to_string();
            let expected = [
                ("account".to_owned(), pseudonym("a-1")),
                ("email".to_owned(), "***@example.com".to_owned()),
                ("trace_id".to_owned(), pseudonym("t-1")),
                ("user_id".to_owned(), pseudonym("u-1")),
            ];
            assert_eq!(written(&ctx, redaction), expected);
        }
        assert_ne!(written(&ctx, &first), written(&ctx, &second));
        // Without a key, a pseudonym is left to the line to write as `[REDACTED]` and report
        // (not asked here: the report is the process's, and other tests' loggers would get it).
        let without = Redaction::default();
        assert_eq!(MaskedValue::new("u-1", Mask::Hash).masked_by(&without), None);
        let email = Context::new().field_masked("email", "ann@example.com", Mask::Email);
        assert_eq!(written(&email, &without), pairs(&[("email", "***@example.com")]));
    }

    /// Neither `Debug` nor `id` gives a masked value as it was set, nor anything a line would
    /// not write (the defaults: no `init()` in unit tests, so a masked value is `[REDACTED]`).
    #[test]
    fn debug_and_id_hide_sensitive_and_masked_values() {
        let ctx = Context::new()
            .field("api_key", "k")
            .field_masked("card_number", "4111 1111 1111 1111", Mask::Last4)
            .user_id_masked("ann@example.com", Mask::Email)
            .field_masked("request_id", "r-1", Mask::Hash);
        assert_eq!(
            format!("{ctx:?}"),
            r#"{"request_id": "[REDACTED]", "user_id": "[REDACTED]", "api_key": Str("[REDACTED]"), "card_number": Str("[REDACTED]")}"#
        );
        assert_eq!(ctx.id("user_id"), Some(REDACTED));
        assert_eq!(ctx.id("request_id"), Some(REDACTED));
    }

    #[test]
    fn traceparent_is_validated() {
        let ok = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert!(parse_traceparent(ok).is_some());
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e4736\n-00f067aa0ba902b7-01",
        ] {
            assert!(parse_traceparent(bad).is_none(), "{bad:?}");
        }
        assert!(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra")
            .is_some());
    }
}
