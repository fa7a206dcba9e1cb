//! Request context: identifiers and key/values attached to every event emitted inside a scope.
//!
//! This module holds the data only; `render` writes it into each line.

use core::cell::{Cell, RefCell};
use core::fmt;
use std::sync::{Arc, OnceLock};

use logfix_core::{AUDIT_KEYS, CONTEXT_KEYS, RESERVED_KEYS};

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
    ids: [Option<Box<str>>; 5],
    /// Which identifiers were set by their name with [`Context::field`]: those, and only those,
    /// are judged by the name policy, as a custom field is.
    named_ids: [bool; 5],
    fields: Vec<Field>,
}

/// A custom key/value of a [`Context`], with what is known of its redaction.
#[derive(Clone)]
pub(crate) struct Field {
    key: Box<str>,
    value: ContextValue,
    /// Set by [`Context::field_masked`]: the value is already what may be written, whatever the
    /// key is named.
    masked: bool,
    /// Whether the global logger's redaction hides the value: asked at most once per field.
    ///
    /// The answer cannot be taken when the field is added: the logger that writes the line may
    /// not exist yet (a context made before `init()`) or may be a `Config::build()` logger with
    /// names of its own. Asking the name policy on every line would cost tens to hundreds of
    /// instructions per field, and the global logger's redaction never changes once set; its
    /// answer is kept here, and copied with the field when scopes are merged.
    hidden_globally: OnceLock<bool>,
}

impl Field {
    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    pub(crate) fn value(&self) -> &ContextValue {
        &self.value
    }

    /// Whether a line redacted with `redaction` must write `[REDACTED]` instead of the value.
    #[inline]
    pub(crate) fn is_hidden_by(&self, redaction: &Redaction) -> bool {
        if self.masked {
            false
        } else if redaction.is_global() {
            *self.hidden_globally.get_or_init(|| redaction.is_sensitive(&self.key))
        } else {
            redaction.is_sensitive(&self.key)
        }
    }
}

impl PartialEq for Field {
    /// The cache is not part of the value.
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key && self.value == other.value && self.masked == other.masked
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
        self.with_id(0, id.into(), false)
    }

    /// Sets `correlation_id`.
    #[must_use]
    pub fn correlation_id(self, id: impl Into<String>) -> Self {
        self.with_id(1, id.into(), false)
    }

    /// Sets `user_id`.
    #[must_use]
    pub fn user_id(self, id: impl Into<String>) -> Self {
        self.with_id(2, id.into(), false)
    }

    /// Sets `trace_id`.
    #[must_use]
    pub fn trace_id(self, id: impl Into<String>) -> Self {
        self.with_id(3, id.into(), false)
    }

    /// Sets `span_id`.
    #[must_use]
    pub fn span_id(self, id: impl Into<String>) -> Self {
        self.with_id(4, id.into(), false)
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
        self.with_field(key, value.into(), false)
    }

    /// Sets `key` to `value`; `masked`: `value` is already what may be written, and the key is
    /// not judged by the name policy.
    fn with_field(mut self, key: &str, value: ContextValue, masked: bool) -> Self {
        if let Some(slot) = CONTEXT_KEYS.iter().position(|k| *k == key) {
            if let ContextValue::Str(s) = value {
                return self.with_id(slot, s.into_string(), !masked);
            }
        }
        let taken =
            [&RESERVED_KEYS[..], &CONTEXT_KEYS, &AUDIT_KEYS].iter().any(|k| k.contains(&key));
        let key: Box<str> =
            if taken { format!("{RESERVED_PREFIX}{key}").into_boxed_str() } else { key.into() };
        let inner = Arc::make_mut(&mut self.inner);
        match inner.fields.iter_mut().find(|f| f.key == key) {
            Some(field) => {
                // Same key, same answer: the cache stays.
                field.value = value;
                field.masked = masked;
            }
            None => {
                inner.fields.push(Field { key, value, masked, hidden_globally: OnceLock::new() });
            }
        }
        self
    }

    /// The value of one of the five identifiers, by key (`"request_id"`, ...), as it was set:
    /// an identifier set with [`Context::field`] under a sensitive name is hidden in lines, not
    /// here.
    #[must_use]
    pub fn id(&self, key: &str) -> Option<&str> {
        let slot = CONTEXT_KEYS.iter().position(|k| *k == key)?;
        self.inner.ids.get(slot)?.as_deref()
    }

    /// The five identifiers, indexed like [`CONTEXT_KEYS`].
    pub(crate) fn ids(&self) -> &[Option<Box<str>>; 5] {
        &self.inner.ids
    }

    /// Whether a line redacted with `redaction` must write `[REDACTED]` instead of the
    /// identifier in `slot` (indexed like [`CONTEXT_KEYS`]).
    pub(crate) fn is_id_hidden_by(&self, slot: usize, redaction: &Redaction) -> bool {
        self.inner.named_ids.get(slot).copied().unwrap_or(false) && redaction.hides_id(slot)
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
    /// Unlike a [`Context::field`]'s name, the mask is applied here, once, with the global
    /// logger's pseudonym key (`LOGFIX_REDACT_KEY`) as it is at this call: before `init()`
    /// there is none, so [`Mask::Hash`] writes `[REDACTED]` and the writer reports the key
    /// missing, once, as `config_invalid` (even when `init()` then sets one); a logger from
    /// [`Config::build()`](crate::Config::build) with a key of its own still writes the global
    /// key's pseudonym (or `[REDACTED]` without one). Make contexts with `Mask::Hash` after
    /// `init()`. The other masks do not depend on the logger.
    #[must_use]
    pub fn user_id_masked(self, id: &str, mask: Mask) -> Self {
        let masked = crate::redact::global().mask(id, mask);
        self.with_id(2, masked, false)
    }

    /// Adds a custom key/value with the value as `mask` writes it (see [`Context::field`]); the
    /// key is not judged by the name policy (`field_masked("card_number", ..., Mask::Last4)`
    /// writes `****1111`). When the mask is applied, and with which key, is as for
    /// [`Context::user_id_masked`].
    #[must_use]
    pub fn field_masked(self, key: &str, value: &str, mask: Mask) -> Self {
        let masked = crate::redact::global().mask(value, mask);
        self.with_field(key, ContextValue::from(masked), true)
    }

    /// Sets the identifier in `slot`; `named`: set by its name with [`Context::field`].
    fn with_id(mut self, slot: usize, id: String, named: bool) -> Self {
        let inner = Arc::make_mut(&mut self.inner);
        if let (Some(entry), Some(by_name)) =
            (inner.ids.get_mut(slot), inner.named_ids.get_mut(slot))
        {
            *entry = Some(id.into_boxed_str());
            *by_name = named;
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
        let ids = inner.ids.iter_mut().zip(&mut inner.named_ids);
        for ((slot, named), (id, by_name)) in
            ids.zip(self.inner.ids.iter().zip(self.inner.named_ids))
        {
            if id.is_some() {
                slot.clone_from(id);
                *named = by_name;
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
/// before `init()`).
impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redaction = crate::redact::global();
        let hidden = ContextValue::from(logfix_core::REDACTED);
        let mut map = f.debug_map();
        for (slot, (key, id)) in CONTEXT_KEYS.iter().zip(&self.inner.ids).enumerate() {
            if let Some(id) = id {
                if self.is_id_hidden_by(slot, redaction) {
                    map.entry(key, &logfix_core::REDACTED);
                } else {
                    map.entry(key, id);
                }
            }
        }
        for field in &self.inner.fields {
            let value = if field.is_hidden_by(redaction) { &hidden } else { &field.value };
            map.entry(&field.key, value);
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
        let hidden = |ctx: &Context, r: &Redaction| {
            let mut hidden: Vec<_> =
                ctx.fields().iter().map(|f| (f.key().to_owned(), f.is_hidden_by(r))).collect();
            hidden.sort();
            hidden
        };
        for ctx in [&ctx, &merged] {
            let expected = |tenant_key| {
                [("api_key", true), ("card_number", false), ("tenant", false)]
                    .into_iter()
                    .chain([("tenant_key", tenant_key)])
                    .map(|(k, h)| (k.to_owned(), h))
                    .collect::<Vec<_>>()
            };
            assert_eq!(hidden(ctx, &own), expected(true));
            assert_eq!(hidden(ctx, &defaults), expected(false));
        }
        assert_eq!(merged.fields().first().map(Field::value), Some(&ContextValue::from("acme")));
        let (by_name, by_setter) =
            (Context::new().field("user_id", "u"), Context::new().user_id("u"));
        assert!(by_name.is_id_hidden_by(2, &own) && !by_name.is_id_hidden_by(2, &defaults));
        assert!(!by_setter.is_id_hidden_by(2, &own));
        assert!(by_name.over(&Context::new().request_id("r")).is_id_hidden_by(2, &own));
        assert!(!by_setter.over(&by_name).is_id_hidden_by(2, &own));
    }

    /// `Debug` does not show what a line would not (the defaults: no `init()` in unit tests).
    #[test]
    fn debug_hides_sensitive_values() {
        let ctx = Context::new().field("api_key", "k").field_masked(
            "card_number",
            "4111 1111 1111 1111",
            Mask::Last4,
        );
        assert_eq!(
            format!("{ctx:?}"),
            r#"{"api_key": Str("[REDACTED]"), "card_number": Str("****1111")}"#
        );
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
