//! What the public types promise at compile time: the captured events can go to another
//! thread, and a schema error fits `Box<dyn Error + Send + Sync>`. (`Capture` and `RateClock`
//! are tied to the thread that made them, on purpose: they act on its thread-locals.)

#![allow(dead_code, reason = "the functions are only instantiated, never called")]

use logfix_testkit::{Capture, Captured, LineSchema, RateClock, SchemaError, SchemaErrorKind};

fn send_sync<T: Send + Sync>() {}
fn debug<T: std::fmt::Debug>() {}
fn error<E: std::error::Error + Send + Sync + 'static>() {}

/// Compiles only for a type that is not `Send`: for a `Send` type both impls apply and the
/// `_` below is ambiguous (the `static_assertions::assert_not_impl_any!` technique).
trait AmbiguousIfSend<A> {
    fn check() {}
}
impl<T: ?Sized> AmbiguousIfSend<()> for T {}
impl<T: ?Sized + Send> AmbiguousIfSend<u8> for T {}

#[test]
fn guards_stay_on_their_thread() {
    // Both act on the thread-locals of the thread that made them.
    <Capture as AmbiguousIfSend<_>>::check();
    <RateClock as AmbiguousIfSend<_>>::check();
}

#[test]
fn results_cross_threads() {
    send_sync::<Captured>();
    send_sync::<LineSchema>();
    send_sync::<SchemaError>();
    send_sync::<SchemaErrorKind>();
    error::<SchemaError>();
}

#[test]
fn public_types_implement_debug() {
    debug::<Capture>();
    debug::<Captured>();
    debug::<RateClock>();
    debug::<SchemaError>();
}
