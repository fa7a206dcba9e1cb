//! What the public types promise at compile time: which can cross threads or be shared, and
//! that the errors fit `Box<dyn Error + Send + Sync>` (and so `anyhow`, `?` in `main`). A type
//! that loses one of these breaks its users' code: this test fails first.

#![allow(dead_code, reason = "the functions are only instantiated, never called")]

use std::error::Error;

use logfix_runtime::audit::{Break, BreakKind, Report};
use logfix_runtime::bridge::log::LogBridge;
use logfix_runtime::bridge::tracing::{LogfixFilter, LogfixLayer};
use logfix_runtime::redact::pseudonym::{KeyTooShort, Masked, MissingKey, Pseudonym, PseudonymKey};
use logfix_runtime::redact::scrub::{PatternError, Patterns, Scrubber};
use logfix_runtime::redact::{Mask, Policy};
use logfix_runtime::{
    AuditError, AuditKey, Compression, Config, ConfigIssue, Console, Context, ContextValue,
    Environment, Filter, FilterError, Format, Guard, Level, LevelCounts, Logger, Metadata,
    MetricsSnapshot, Overflow, ParseError, ParseLevelError, Rate, RateLimits, Schema, Settings,
    WithContext,
};

fn send_sync<T: Send + Sync>() {}
fn debug<T: std::fmt::Debug>() {}
fn error<E: Error + Send + Sync + 'static>() {}
fn fallible<E: Error + Send + Sync + 'static>(_: fn() -> Result<(), E>) {}

/// Compiles only for a type that is not `Send`: for a `Send` type both impls apply and the
/// `_` below is ambiguous (the `static_assertions::assert_not_impl_any!` technique).
trait AmbiguousIfSend<A> {
    fn check() {}
}
impl<T: ?Sized> AmbiguousIfSend<()> for T {}
impl<T: ?Sized + Send> AmbiguousIfSend<u8> for T {}

#[test]
fn handles_and_values_can_be_moved_to_and_shared_between_threads() {
    // A logger in an `Arc`, a guard kept in a struct that moves to another thread, settings in
    // an application's shared state.
    send_sync::<Logger>();
    send_sync::<Guard>();
    send_sync::<Config>();
    send_sync::<Settings>();
    send_sync::<ConfigIssue>();
    send_sync::<AuditKey>();
    send_sync::<Context>();
    send_sync::<ContextValue>();
    send_sync::<Filter>();
    send_sync::<RateLimits>();
    send_sync::<Rate>();
    send_sync::<Level>();
    send_sync::<Format>();
    send_sync::<Console>();
    send_sync::<Environment>();
    send_sync::<Overflow>();
    send_sync::<Schema>();
    send_sync::<Compression>();
    send_sync::<Metadata>();
    send_sync::<MetricsSnapshot>();
    send_sync::<LevelCounts>();
    send_sync::<Report>();
    send_sync::<Break>();
    send_sync::<BreakKind>();
    send_sync::<Policy>();
    send_sync::<Mask>();
    send_sync::<Patterns>();
    send_sync::<Scrubber<'static>>();
    send_sync::<PseudonymKey>();
    send_sync::<Pseudonym>();
    send_sync::<Masked<'static>>();
    send_sync::<LogfixLayer>();
    send_sync::<LogfixFilter>();
    send_sync::<LogBridge>();
    // A future wrapped in a context stays `Send` (tokio::spawn) when the future is.
    send_sync::<WithContext<std::future::Ready<()>>>();
}

#[test]
fn the_context_guard_stays_on_its_thread() {
    // `Entered` restores a thread-local when dropped: dropped on another thread, it would
    // restore that thread's context instead.
    <logfix_runtime::Entered as AmbiguousIfSend<_>>::check();
}

#[test]
fn errors_are_errors_that_cross_threads() {
    error::<AuditError>();
    error::<FilterError>();
    error::<ParseLevelError>();
    error::<ParseError>();
    error::<PatternError>();
    error::<KeyTooShort>();
    error::<MissingKey>();
    fallible(logfix_runtime::bridge::tracing::install);
    fallible(logfix_runtime::bridge::log::install);
}

#[test]
fn public_types_implement_debug() {
    debug::<Logger>();
    debug::<Guard>();
    debug::<Config>();
    debug::<Context>();
    debug::<Patterns>();
    debug::<Scrubber<'static>>();
    debug::<PseudonymKey>();
    debug::<Pseudonym>();
    debug::<AuditKey>();
    debug::<logfix_runtime::Entered>();
    debug::<logfix_runtime::ValueWriter<'static>>();
}

#[cfg(feature = "tower")]
#[test]
fn the_tower_layer_and_its_service_can_be_shared() {
    use logfix_runtime::web::{AccessLog, AccessLogFuture, AccessLogLayer};

    send_sync::<AccessLogLayer>();
    send_sync::<AccessLog<()>>();
    send_sync::<AccessLogFuture<std::future::Ready<()>>>();
}

#[cfg(feature = "signal")]
#[test]
fn the_shutdown_signal_can_be_awaited_in_a_spawned_task() {
    fn spawnable<F: std::future::Future + Send + 'static>(_: F) {}
    // Only made, never polled: no runtime is needed.
    spawnable(logfix_runtime::shutdown_signal());
}
