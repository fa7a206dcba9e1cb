//! A `tracing_subscriber` layer that renders every `tracing` event in the logfix schema.
//!
//! [`init`](crate::init) installs it as the global subscriber. If the program installs its own
//! subscriber, add the layer to it:
//!
//! ```
//! use tracing_subscriber::layer::SubscriberExt;
//!
//! let subscriber = tracing_subscriber::registry().with(logfix_runtime::bridge::tracing::layer());
//! tracing::subscriber::with_default(subscriber, || {
//!     let events = logfix_testkit::capture(|| tracing::info!(target: "db::pool", size = 4, "pool ready"));
//!     assert_eq!(events[0]["component"], "db::pool");
//!     assert_eq!(events[0]["message"], "pool ready");
//!     assert_eq!(events[0]["size"], 4);
//! });
//! ```
//!
//! Next to other layers that each have a per-layer filter (an OpenTelemetry exporter at `info`,
//! say), give logfix's layer its directives as its own, `layer().with_filter(filter())` (see
//! [`filter`]): `tracing` then turns off the call sites no layer wants.

use core::fmt;

use tracing_core::field::{Field, Visit};
use tracing_core::span::{Attributes, Id, Record as SpanRecord};
use tracing_core::{Event, Interest, LevelFilter, Metadata, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use super::{FieldValue, Fields, ForeignEvent};
use crate::event::Level;
use crate::{dispatch, interest};

pub use crate::relay::LogfixLayer;

/// A new [`LogfixLayer`], for a subscriber the program composes: it writes what logfix's
/// filter lets through and leaves every other layer to see all it would see without logfix.
/// (In the subscriber `init()` installs, where it is the only layer, it also turns disabled
/// call sites off for `tracing` itself, so that they cost nothing; in a composed one, give it
/// [`filter`] as its per-layer filter for the same.)
#[must_use]
pub fn layer() -> LogfixLayer {
    LogfixLayer::default()
}

/// The layer of logfix's own subscriber.
fn governing() -> LogfixLayer {
    LogfixLayer { governs: true }
}

/// Installs a registry with the layer as the global `tracing` subscriber.
///
/// # Errors
/// When a global subscriber is already installed: `tracing`'s own error, the one
/// `tracing::subscriber::set_global_default` returns.
pub fn install() -> Result<(), tracing_core::dispatcher::SetGlobalDefaultError> {
    use tracing_subscriber::layer::SubscriberExt;
    let subscriber = tracing_subscriber::registry().with(governing());
    tracing_core::dispatcher::set_global_default(tracing_core::Dispatch::new(subscriber))
}

/// Makes a registry with the layer this thread's `tracing` subscriber until the guard is
/// dropped (for a test's capture).
pub(crate) fn set_default() -> tracing_core::dispatcher::DefaultGuard {
    use tracing_subscriber::layer::SubscriberExt;
    let subscriber = tracing_subscriber::registry().with(governing());
    tracing_core::dispatcher::set_default(&tracing_core::Dispatch::new(subscriber))
}

/// Whether the global subscriber holds logfix's layer (a program that composed it itself).
pub(crate) fn in_global_subscriber() -> bool {
    tracing_core::dispatcher::get_default(tracing_core::Dispatch::is::<LogfixLayer>)
}

fn level(level: tracing_core::Level) -> Level {
    match level {
        tracing_core::Level::ERROR => Level::Error,
        tracing_core::Level::WARN => Level::Warn,
        tracing_core::Level::INFO => Level::Info,
        tracing_core::Level::DEBUG => Level::Debug,
        _ => Level::Trace,
    }
}

/// Whether logfix writes what `metadata` describes (an event, or a span whose fields events
/// inside it would carry).
fn wanted(metadata: &Metadata<'_>) -> bool {
    dispatch::enabled(metadata.target(), level(*metadata.level()))
}

/// logfix's level directives as the interest of a call site: decided once per call site (a
/// change of the filter or a test's capture asks `tracing` to ask again), so that a disabled
/// call site costs `tracing` a load and a branch.
fn callsite_interest(metadata: &'static Metadata<'static>) -> Interest {
    if is_log_record(metadata) {
        // The record's own target, which the directives apply to, is one of its fields.
        return if interest::could_enable(level(*metadata.level())) {
            Interest::sometimes()
        } else {
            Interest::never()
        };
    }
    if wanted(metadata) {
        Interest::always()
    } else {
        Interest::never()
    }
}

/// Whether logfix's level directives let `metadata` through (a forwarded `log` record: could
/// they, before its own target is known).
fn directives_enable(metadata: &Metadata<'_>) -> bool {
    if is_log_record(metadata) {
        return interest::could_enable(level(*metadata.level()));
    }
    wanted(metadata)
}

/// The most verbose level logfix's directives let through.
fn directives_hint() -> LevelFilter {
    match interest::max_level() {
        None => LevelFilter::OFF,
        Some(Level::Error) => LevelFilter::ERROR,
        Some(Level::Warn) => LevelFilter::WARN,
        Some(Level::Info) => LevelFilter::INFO,
        Some(Level::Debug) => LevelFilter::DEBUG,
        Some(Level::Trace) => LevelFilter::TRACE,
    }
}

/// logfix's level directives (`LOGFIX_LEVEL`, `set_filter`) as a per-layer filter, for a
/// subscriber the program composes: `layer().with_filter(filter())`. When every layer of the
/// subscriber has a per-layer filter, `tracing` combines their answers, and a call site none of
/// them wants costs nothing, as with `init()`'s own subscriber. Without it, [`layer`] answers
/// "always" so as not to veto the other layers, and a disabled call site is dispatched and
/// dropped by logfix on each event.
///
/// ```
/// use tracing_subscriber::layer::{Layer as _, SubscriberExt as _};
/// use tracing_subscriber::filter::LevelFilter;
/// use logfix_runtime::bridge::tracing::{filter, layer};
///
/// # let dir = std::env::temp_dir().join(format!("logfix-filter-doc-{}", std::process::id()));
/// let _guard = logfix_runtime::Config::new()
///     .dir(dir.clone())
///     .level(logfix_runtime::Level::Info)
///     .install_bridges(false)
///     .init();
/// # struct Otel;
/// # impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Otel {}
/// let subscriber = tracing_subscriber::registry()
///     .with(layer().with_filter(filter()))
///     .with(Otel.with_filter(LevelFilter::INFO));
/// tracing::subscriber::with_default(subscriber, || {
///     assert!(!tracing::enabled!(tracing::Level::DEBUG), "no layer wants debug");
/// });
/// # drop(_guard);
/// # let _ = std::fs::remove_dir_all(dir);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct LogfixFilter;

/// A new [`LogfixFilter`].
#[must_use]
pub fn filter() -> LogfixFilter {
    LogfixFilter
}

impl<S> tracing_subscriber::layer::Filter<S> for LogfixFilter {
    fn enabled(&self, metadata: &Metadata<'_>, _cx: &Context<'_, S>) -> bool {
        directives_enable(metadata)
    }

    fn callsite_enabled(&self, metadata: &'static Metadata<'static>) -> Interest {
        callsite_interest(metadata)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(directives_hint())
    }
}

impl<S> Layer<S> for LogfixLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    /// logfix's own subscriber decides from the filter (`callsite_interest`): a span nobody
    /// writes is not recorded at all. A composed one's layer vetoes nothing.
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if self.governs {
            callsite_interest(metadata)
        } else {
            // No veto: the other layers decide; `on_event` applies logfix's filter.
            Interest::always()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        !self.governs || directives_enable(metadata)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        self.governs.then(directives_hint)
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if !self.governs && !wanted(attrs.metadata()) {
            return;
        }
        if let Some(span) = ctx.span(id) {
            let mut fields = Fields::default();
            attrs.record(&mut Visitor::new(&mut fields, attrs.metadata()));
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &SpanRecord<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(fields) = span.extensions_mut().get_mut::<Fields>() {
                values.record(&mut Visitor::new(fields, span.metadata()));
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        // Without an explicit `name:`, tracing names events `event file.rs:42`, which changes
        // with every edit: not a stable event name.
        let name = if meta.name().starts_with("event ") { "tracing" } else { meta.name() };
        let site = core::ptr::from_ref(meta) as usize;
        if !is_log_record(meta)
            && (!self.governs && !wanted(meta)
                || !dispatch::rate_limited(|| site, meta.target(), name))
        {
            return;
        }
        super::with_fields(|fields| {
            event.record(&mut Visitor::for_event(fields, meta));
            if let Some(scope) = ctx.event_scope(event) {
                for span in scope {
                    if let Some(span_fields) = span.extensions().get::<Fields>() {
                        fields.span_fields(span.name(), span_fields);
                    }
                }
            }
            fields.yield_to_context();
            let level = level(*meta.level());
            // A `log` record forwarded by tracing-log: its own target, and the directives for it.
            let (component, static_component, event) = match fields.log_target() {
                Some(target) => (target, None, "log"),
                None => (meta.target(), Some(meta.target()), name),
            };
            if is_log_record(meta)
                && (!dispatch::enabled(component, level)
                    || !dispatch::rate_limited(
                        || site ^ super::text_site(component),
                        component,
                        event,
                    ))
            {
                return;
            }
            dispatch::emit_record(&ForeignEvent {
                level,
                component,
                static_component,
                event,
                fields,
            });
        });
    }
}

/// Whether `metadata` is that of a `log` record forwarded by tracing-log (`log::info!` in a
/// program whose `log` logger is tracing-log's `LogTracer`).
fn is_log_record(metadata: &Metadata<'_>) -> bool {
    metadata.target() == "log" && metadata.fields().field("log.target").is_some()
}

/// Collects an event's or a span's fields; `message` is the event's message. The `log.*` fields
/// of a record forwarded by tracing-log describe the record (its target becomes the component)
/// and are not written.
struct Visitor<'a> {
    fields: &'a mut Fields,
    log_record: bool,
    /// Which fields of the call site have sensitive names, by index (see [`site`]).
    sensitive: u64,
    /// Whether the fields go in as plain keys (see [`Site::plain`]).
    plain: bool,
}

impl<'a> Visitor<'a> {
    /// For a span's fields, which may be recorded again later (`Span::record`).
    fn new(fields: &'a mut Fields, metadata: &'static Metadata<'static>) -> Self {
        let sensitive = site(metadata).sensitive;
        Self { fields, log_record: is_log_record(metadata), sensitive, plain: false }
    }

    /// For an event's fields, each recorded once: when the call site's names are plain, they
    /// go in without a check per event.
    fn for_event(fields: &'a mut Fields, metadata: &'static Metadata<'static>) -> Self {
        let Site { sensitive, plain } = site(metadata);
        Self { fields, log_record: is_log_record(metadata), sensitive, plain }
    }

    /// Adds the field.
    #[inline]
    fn put(&mut self, field: &Field, value: FieldValue) {
        if self.plain {
            self.fields.plain_field(field.name(), value);
        } else {
            self.fields.event_field(field.name(), value);
        }
    }

    fn is_log_field(&self, field: &Field) -> bool {
        self.log_record && field.name().starts_with("log.")
    }

    fn is_sensitive(&self, field: &Field) -> bool {
        match u32::try_from(field.index()).ok().and_then(|i| self.sensitive.checked_shr(i)) {
            Some(bits) if field.index() < 64 => bits & 1 == 1,
            _ => crate::redact::global().is_sensitive(field.name()),
        }
    }

    /// A number or a boolean: no text to scrub, but a sensitive name still hides it (`pin = 1234`).
    fn number(&mut self, field: &Field, value: FieldValue) {
        let value = if self.is_sensitive(field) { self.fields.redacted() } else { value };
        self.put(field, value);
    }
}

/// What a call site's field names say, decided once per call site and thread, not once per
/// field and event (the name policy's answer costs hundreds of instructions; this, a look-up in
/// a small table).
#[derive(Clone, Copy)]
struct Site {
    /// Which of the first 64 fields have sensitive names, one bit per field index.
    sensitive: u64,
    /// Whether every field an event writes (not the message, nor a forwarded `log` record's
    /// `log.*`) has a plain key: among the first 64, unique, and [`super::plain_key`].
    plain: bool,
}

fn site(metadata: &'static Metadata<'static>) -> Site {
    /// Call sites remembered per thread; one with the same slot as another replaces it.
    const SLOTS: usize = 64;
    thread_local! {
        /// (the call site's metadata, the policy, the answer), by the metadata's address.
        static KNOWN: core::cell::RefCell<[(usize, usize, Site); SLOTS]> =
            const { core::cell::RefCell::new([(0, 0, Site { sensitive: 0, plain: false }); SLOTS]) };
    }
    let redaction = crate::redact::global();
    let key = (core::ptr::from_ref(metadata) as usize, core::ptr::from_ref(redaction) as usize);
    let slot = (key.0 >> 4) % SLOTS;
    let ask = || {
        let (fields, log_record) = (metadata.fields(), is_log_record(metadata));
        let mut site = Site { sensitive: 0, plain: true };
        for field in fields {
            let (name, index) = (field.name(), field.index());
            let bit = u64::from(redaction.is_sensitive(name));
            site.sensitive |= bit.checked_shl(u32::try_from(index).unwrap_or(64)).unwrap_or(0);
            if name == "message" || log_record && name.starts_with("log.") {
                continue;
            }
            let unique = fields.iter().filter(|other| other.name() == name).count() == 1;
            site.plain &= index < 64 && unique && super::plain_key(name);
        }
        site
    };
    KNOWN
        .try_with(|known| {
            let Ok(mut table) = known.try_borrow_mut() else { return Some(ask()) };
            let entry = table.get_mut(slot)?;
            if (entry.0, entry.1) != key {
                *entry = (key.0, key.1, ask());
            }
            Some(entry.2)
        })
        .ok()
        .flatten()
        .unwrap_or_else(ask)
}

impl Visit for Visitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.fields.message(format_args!("{value}"));
        } else if self.is_log_field(field) {
            if field.name() == "log.target" {
                self.fields.set_log_target(value);
            }
        } else {
            let value = if self.is_sensitive(field) {
                self.fields.redacted()
            } else {
                self.fields.str(value)
            };
            self.put(field, value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.fields.message(format_args!("{value:?}"));
        } else if !self.is_log_field(field) {
            let value = if self.is_sensitive(field) {
                self.fields.redacted()
            } else {
                self.fields.fmt(format_args!("{value:?}"))
            };
            self.put(field, value);
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.number(field, FieldValue::I64(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if !self.is_log_field(field) {
            self.number(field, FieldValue::U64(value));
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.number(field, FieldValue::F64(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.number(field, FieldValue::Bool(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let value = if self.is_sensitive(field) {
            self.fields.redacted()
        } else {
            self.fields.fmt(format_args!("{}", ErrorChain(value)))
        };
        self.put(field, value);
    }
}

/// `outer: inner: root cause`, following `source()`.
pub(crate) struct ErrorChain<'a>(pub(crate) &'a (dyn std::error::Error + 'static));

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}
