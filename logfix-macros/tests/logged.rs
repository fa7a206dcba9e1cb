//! What `#[logged]` functions log, through the testkit's capture: one event per call, arguments,
//! outcome, errors and their sources, early returns, the entry event, async functions, and
//! signatures left as written.
//!
//! `cargo clippy --all-targets` runs over this file, so the denied lints below also check that the
//! generated code is clean in a strict user crate.
#![deny(clippy::pedantic, unused_qualifications, missing_docs)]
// Tests assert by panicking; the workspace denies these lints for library code only.
#![allow(clippy::panic, clippy::indexing_slicing, clippy::unwrap_used)]

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use logfix_runtime::logged;
use logfix_testkit::{assert_logged, assert_not_logged, capture, Capture, Captured};

/// The lowest layer of a failure.
#[derive(Debug)]
struct DiskFull;

impl fmt::Display for DiskFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("disk full")
    }
}

impl Error for DiskFull {}

/// A failure with a source chain of two.
#[derive(Debug)]
enum SaveError {
    Io(IoError),
    Invalid(String),
}

/// The middle layer.
#[derive(Debug)]
struct IoError(DiskFull);

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("write failed")
    }
}

impl Error for IoError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

impl fmt::Display for SaveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SaveError::Io(_) => f.write_str("could not save"),
            SaveError::Invalid(why) => write!(f, "invalid document: {why}"),
        }
    }
}

impl Error for SaveError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            SaveError::Io(error) => Some(error),
            SaveError::Invalid(_) => None,
        }
    }
}

impl From<IoError> for SaveError {
    fn from(error: IoError) -> Self {
        SaveError::Io(error)
    }
}

fn write(size: usize) -> Result<usize, IoError> {
    if size > 100 {
        Err(IoError(DiskFull))
    } else {
        Ok(size)
    }
}

/// Early `return`, `?` with a conversion, and the tail: each path gives one event.
#[logged(component = "docs", redact(owner))]
fn save(
    name: &str,
    size: usize,
    owner: &str,
    #[log(skip)] api_token: &str,
) -> Result<usize, SaveError> {
    assert!(!api_token.is_empty());
    if name.is_empty() {
        return Err(SaveError::Invalid("no name".to_owned()));
    }
    let written = write(size)?;
    Ok(written + owner.len())
}

fn only(events: &Captured) -> &serde_json::Value {
    assert_eq!(events.len(), 1, "{:#?}", events.lines());
    &events[0]
}

#[test]
fn ok_is_one_event_with_the_arguments_and_duration() {
    let events = capture(|| save("a.txt", 10, "ann@example.com", "t0k3n"));
    let event = only(&events);
    assert_logged!(
        events,
        level = "info",
        component = "docs",
        event = "save",
        message = "save succeeded",
        name = "a.txt",
        size = 10,
        owner = "[REDACTED]",
        outcome = "ok",
    );
    assert!(event["duration_us"].is_u64(), "{event}");
    assert!(event.get("api_token").is_none(), "{event}");
    assert!(event.get("error").is_none(), "{event}");
    let line = &events.lines()[0];
    assert!(!line.contains("t0k3n"), "{line}");
    assert!(!line.contains("ann@example.com"), "{line}");
}

#[test]
fn arguments_keep_their_order_and_the_call_keys_come_last() {
    let events = capture(|| save("a.txt", 10, "ann", "t"));
    let line = &events.lines()[0];
    let keys: Vec<&str> = ["\"name\"", "\"size\"", "\"owner\"", "\"duration_us\"", "\"outcome\""]
        .into_iter()
        .collect();
    let positions: Vec<usize> = keys.iter().map(|key| line.find(key).unwrap()).collect();
    assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "{line}");
}

#[test]
fn err_through_question_mark_logs_the_error_and_its_sources_at_error() {
    let events = capture(|| save("big.bin", 1000, "ann", "t"));
    only(&events);
    assert_logged!(
        events,
        level = "error",
        event = "save",
        message = "save failed: could not save",
        outcome = "error",
        error = "could not save",
        error_type = "logged::SaveError",
        error_sources = ["write failed", "disk full"],
        size = 1000,
    );
    // The call keys in their order: `error_type` between `error` and `error_sources`.
    let line = &events.lines()[0];
    let at = |key: &str| line.find(&format!("\"{key}\":")).unwrap();
    assert!(at("error") < at("error_type") && at("error_type") < at("error_sources"), "{line}");
}

#[test]
fn early_return_logs_one_event_without_sources_when_there_are_none() {
    let events = capture(|| save("", 1, "ann", "t"));
    let event = only(&events);
    assert_logged!(events, level = "error", outcome = "error", error = "invalid document: no name",);
    assert!(event.get("error_sources").is_none(), "{event}");
}

/// An error that quotes the arguments it was given, caused by one that quotes a credential.
#[derive(Debug)]
struct Rejected(String, Option<Box<Rejected>>);

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for Rejected {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.1.as_deref().map(|e| e as &(dyn Error + 'static))
    }
}

#[logged(component = "auth", redact(account))]
fn unlock(account: &str, #[log(skip)] pin: &str, #[log(skip)] key: &[u8]) -> Result<(), Rejected> {
    let cause = Rejected(format!("for {account}, sent Authorization: Bearer abc.def"), None);
    Err(Rejected(
        format!("pin {pin} refused for {account} ({} key bytes)", key.len()),
        Some(Box::new(cause)),
    ))
}

#[test]
fn errors_lose_the_skipped_and_redacted_arguments_they_quote_and_any_credential() {
    let events = capture(|| unlock("acct-991", "4912", b"k"));
    let line = &events.lines()[0];
    assert_logged!(
        events,
        outcome = "error",
        error = "pin [REDACTED] refused for [REDACTED] (1 key bytes)",
        error_sources = ["for [REDACTED], sent Authorization: Bearer [REDACTED]"],
    );
    for secret in ["4912", "acct-991", "abc.def"] {
        assert!(!line.contains(secret), "{line}");
    }
}

#[test]
fn a_short_known_value_is_only_removed_as_a_whole_word() {
    // "91" is not inside "1 key bytes"; "1" is, as a word of its own; "e" is only inside words.
    let events = capture(|| unlock("a", "91", b"k"));
    assert_logged!(events, error = "pin [REDACTED] refused for [REDACTED] (1 key bytes)");
    let events = capture(|| unlock("acct", "1", b"k"));
    assert_logged!(events, error = "pin [REDACTED] refused for [REDACTED] ([REDACTED] key bytes)");
    let events = capture(|| unlock("acct", "e", b"k"));
    assert_logged!(events, error = "pin [REDACTED] refused for [REDACTED] (1 key bytes)");
}

/// An error type that is `Display` only: no `source()` chain to follow.
#[logged(
    component = "docs",
    level = "debug",
    err_level = "warn",
    message = "parsed",
    err_message = "parse rejected"
)]
fn parse(text: &str) -> Result<u32, String> {
    text.parse().map_err(|_| format!("`{text}` is not a number"))
}

#[test]
fn levels_and_messages_can_be_overridden() {
    let events = capture(|| {
        let _ = parse("7");
        let _ = parse("x");
    });
    assert_eq!(events.len(), 2);
    assert_logged!(events, level = "debug", message = "parsed", outcome = "ok", text = "7");
    assert_logged!(
        events,
        level = "warn",
        message = "parse rejected: `x` is not a number",
        error = "`x` is not a number",
    );
    assert!(events[1].get("error_sources").is_none());
}

/// Not a `Result`: always `ok`, whatever the value.
#[logged(component = "math", event = "math.divide", enter, display(divisor), debug(dividend))]
fn divide(dividend: i64, divisor: i64) -> Option<i64> {
    if divisor == 0 {
        return None;
    }
    dividend.checked_div(divisor)
}

#[test]
fn enter_event_comes_first_and_other_returns_are_ok() {
    let events = capture(|| divide(7, 0));
    assert_eq!(events.len(), 2, "{:#?}", events.lines());
    assert_logged!(
        events,
        event = "math.divide_started",
        message = "divide called",
        dividend = "7",
        divisor = "0",
    );
    assert!(events[0].get("duration_us").is_none());
    assert!(events[0].get("outcome").is_none());
    assert_eq!(events[1]["event"], "math.divide");
    assert_eq!(events[1]["outcome"], "ok");
    assert_eq!(events[1]["message"], "divide succeeded");
}

/// A store, for methods.
struct Store {
    items: Vec<String>,
}

impl Store {
    #[logged(component = "store")]
    fn len(&self) -> usize {
        self.items.len()
    }

    /// Returns a borrow of `self`: the body is an `FnOnce`, so it may.
    #[logged(component = "store")]
    fn push(&mut self, item: String) -> &mut String {
        self.items.push(item);
        self.items.last_mut().unwrap()
    }

    #[logged(component = "store")]
    fn into_items(self, #[log(not_sensitive)] token_count: usize) -> Vec<String> {
        assert_eq!(token_count, self.items.len());
        self.items
    }
}

#[test]
fn methods_never_log_self_and_may_return_borrows() {
    let events = capture(|| {
        let mut store = Store { items: Vec::new() };
        store.push("a".to_owned()).push('!');
        assert_eq!(store.len(), 1);
        assert_eq!(store.into_items(1), ["a!"]);
    });
    assert_eq!(events.len(), 3, "{:#?}", events.lines());
    assert_logged!(events, event = "push", item = "a");
    assert_logged!(events, event = "len", outcome = "ok");
    assert_logged!(events, event = "into_items", token_count = 1);
    assert_not_logged!(events, self = "a");
}

/// The signature is unchanged: the function still has exactly the type written.
#[logged(component = "docs", skip(api_token))]
fn signature<'a>(name: &'a str, api_token: &str) -> Result<&'a str, SaveError> {
    let _ = api_token;
    Ok(name)
}

#[test]
fn signatures_are_left_as_written() {
    let pointer: for<'a, 'b> fn(&'a str, &'b str) -> Result<&'a str, SaveError> = signature;
    let method: fn(&mut Store, String) -> &mut String = Store::push;
    let events = capture(|| {
        assert_eq!(pointer("x", "t").unwrap(), "x");
        let mut store = Store { items: Vec::new() };
        method(&mut store, "y".to_owned());
    });
    assert_eq!(events.len(), 2);
}

/// Generics, a where clause and `impl Trait` both ways.
#[logged(component = "gen")]
fn describe<T, const N: usize>(
    items: [T; N],
    #[log(display)] label: impl fmt::Display,
) -> impl Iterator<Item = T>
where
    T: logfix_runtime::Value + Clone,
{
    let _ = label;
    items.into_iter()
}

#[test]
fn generics_and_impl_trait() {
    let events = capture(|| assert_eq!(describe([1_u8, 2], 'x').count(), 2));
    assert_logged!(events, event = "describe", items = [1, 2], label = "x", outcome = "ok");
}

/// A unit function with an early return.
#[logged(component = "jobs")]
fn tick(n: u32) {
    if n == 0 {
        return;
    }
    std::hint::black_box(n);
}

#[test]
fn unit_functions_log_once_per_call_whatever_the_path() {
    let events = capture(|| {
        tick(0);
        tick(1);
    });
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|event| event["outcome"] == "ok"));
}

/// `Box<dyn Error>`: a `return` of a concrete error still coerces.
#[logged(component = "jobs")]
fn boxed(fail: bool) -> Result<u8, Box<dyn Error + Send + Sync>> {
    if fail {
        return Err(Box::new(IoError(DiskFull)));
    }
    let n: u8 = "3".parse()?;
    Ok(n)
}

/// A `Box<dyn Error>` that is neither `Send` nor `Sync`.
#[logged(component = "jobs")]
fn boxed_local(n: u8) -> Result<u8, Box<dyn Error>> {
    Err(Box::new(SaveError::from(IoError(DiskFull))))?;
    Ok(n)
}

#[test]
fn boxed_errors_keep_their_sources() {
    let events = capture(|| {
        let _ = boxed(true);
        let _ = boxed(false);
        let _ = boxed_local(1);
    });
    assert_logged!(events, event = "boxed", error = "write failed", error_sources = ["disk full"]);
    assert_logged!(events, event = "boxed", outcome = "ok", fail = false);
    assert_logged!(
        events,
        event = "boxed_local",
        error = "could not save",
        error_sources = ["write failed", "disk full"],
    );
}

/// A generic error type: its chain is followed when its bounds say `Error`.
#[logged(component = "jobs")]
fn generic_error<E: Error + From<IoError>>(fail: bool) -> Result<u8, E> {
    if fail {
        return Err(IoError(DiskFull).into());
    }
    Ok(1)
}

/// A generic error type that is only `Display`: its text, no chain.
#[logged(component = "jobs")]
fn generic_display<E: fmt::Display + From<&'static str>>(fail: bool) -> Result<u8, E> {
    if fail {
        return Err("no slot".into());
    }
    Ok(1)
}

/// An `impl Error` error type: its hidden type's chain is followed.
#[logged(component = "jobs")]
fn opaque_error(fail: bool) -> Result<u8, impl Error> {
    if fail {
        return Err(SaveError::from(IoError(DiskFull)));
    }
    Ok(1)
}

#[test]
fn generic_and_opaque_errors_keep_their_sources_when_they_have_them() {
    let events = capture(|| {
        let _ = generic_error::<SaveError>(true);
        let _ = generic_display::<String>(true);
        let _ = opaque_error(true);
    });
    assert_logged!(
        events,
        event = "generic_error",
        error = "could not save",
        error_sources = ["write failed", "disk full"],
    );
    assert_logged!(
        events,
        event = "generic_display",
        error = "no slot",
        error_type = "alloc::string::String"
    );
    assert!(events[1].get("error_sources").is_none(), "{}", events[1]);
    assert_logged!(
        events,
        event = "opaque_error",
        error = "could not save",
        error_sources = ["write failed", "disk full"],
    );
}

/// `std::io::Result` is a `Result` too.
#[logged(component = "fs")]
fn open(path: &str) -> std::io::Result<u64> {
    Err(std::io::Error::new(std::io::ErrorKind::NotFound, format!("{path} not found")))
}

#[test]
fn io_result_is_inspected() {
    let events = capture(|| open("/nope"));
    assert_logged!(events, outcome = "error", error = "/nope not found", level = "error");
}

// ---- async ----

/// Wakes nothing: `block_on` polls in a loop.
struct NoopWake;

impl Wake for NoopWake {
    fn wake(self: Arc<Self>) {}
}

/// Drives `future` to completion on this thread.
fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(NoopWake));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

/// Returns `Pending` once, so that the body really is suspended.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// An async function with `?`, an early return and a sensitive argument skipped.
#[logged(component = "api", enter)]
async fn login(user: &str, #[log(skip)] password: String) -> Result<u64, SaveError> {
    YieldOnce(false).await;
    if password.is_empty() {
        return Err(SaveError::Invalid("empty password".to_owned()));
    }
    let id = write(user.len() * 30)?;
    Ok(id as u64)
}

#[test]
fn async_functions_log_when_the_future_completes() {
    let capture = Capture::start();
    let ok = block_on(login("ann", "hunter2".to_owned()));
    let err = block_on(login("bob", String::new()));
    let sources = block_on(login("carol", "pw".to_owned()));
    let events = capture.finish();
    assert_eq!(ok.unwrap(), 90);
    assert!(err.is_err());
    assert!(sources.is_err());
    assert_eq!(events.len(), 6, "{:#?}", events.lines());
    assert_eq!(events.events_named("login_started").len(), 3);
    assert_logged!(events, event = "login", user = "ann", outcome = "ok");
    assert_logged!(
        events,
        event = "login",
        user = "bob",
        error = "invalid document: empty password"
    );
    assert_logged!(
        events,
        event = "login",
        user = "carol",
        error_sources = ["write failed", "disk full"],
    );
    for line in events.lines() {
        assert!(!line.contains("hunter2"), "{line}");
    }
}

/// Async methods, and the future stays `Send` when the arguments are.
struct Service {
    name: String,
}

impl Service {
    #[logged(component = "api")]
    async fn rename(&mut self, to: &str) -> &str {
        YieldOnce(false).await;
        to.clone_into(&mut self.name);
        &self.name
    }
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[test]
fn async_methods_may_return_borrows_and_stay_send() {
    let mut service = Service { name: "a".to_owned() };
    let capture = Capture::start();
    let name = block_on(assert_send(service.rename("b"))).to_owned();
    let events = capture.finish();
    assert_eq!(name, "b");
    assert_logged!(events, event = "rename", to = "b", outcome = "ok");
}

// ---- calls that do not return ----

/// Waits once before it returns, so that a test can drop it while it is suspended.
#[logged(component = "api", level = "debug", err_level = "warn")]
async fn fetch_page(page: u32) -> Result<u32, SaveError> {
    YieldOnce(false).await;
    Ok(page)
}

#[test]
fn a_future_dropped_while_suspended_writes_one_cancelled_event() {
    let waker = Waker::from(Arc::new(NoopWake));
    let events = capture(|| {
        let mut future = Box::pin(fetch_page(2));
        assert!(future.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
        drop(future);
    });
    assert_eq!(events.len(), 1, "{events}");
    let event = assert_logged!(
        events,
        event = "fetch_page",
        level = "debug",
        message = "fetch_page cancelled",
        page = 2,
        outcome = "cancelled",
    );
    assert!(event["duration_us"].is_u64());
    assert!(event.get("error").is_none());
}

#[test]
fn a_future_dropped_before_it_starts_writes_nothing() {
    let events = capture(|| drop(fetch_page(2)));
    assert!(events.is_empty(), "{events}");
}

#[logged(component = "jobs")]
fn explode(n: u32) -> u32 {
    assert!(n == 0, "boom {n}");
    n
}

#[test]
fn a_panic_writes_one_panicked_event_and_goes_on() {
    let mut unwound = None;
    let events = capture(|| unwound = std::panic::catch_unwind(|| explode(7)).err());
    let payload = unwound.expect("the panic reached the caller");
    assert_eq!(payload.downcast_ref::<String>().map(String::as_str), Some("boom 7"));
    assert_eq!(events.len(), 1, "{events}");
    assert_logged!(
        events,
        event = "explode",
        level = "error",
        message = "explode panicked",
        n = 7,
        outcome = "panicked",
    );
}

#[logged(component = "jobs", enter)]
async fn explode_later(n: u32) -> u32 {
    YieldOnce(false).await;
    assert!(n == 0, "late boom");
    n
}

#[test]
fn a_panic_in_an_async_call_writes_one_panicked_event() {
    let waker = Waker::from(Arc::new(NoopWake));
    let mut cx = Context::from_waker(&waker);
    let events = capture(|| {
        let mut future = Box::pin(explode_later(1));
        assert!(future.as_mut().poll(&mut cx).is_pending());
        let polled = std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx)));
        assert!(polled.is_err(), "the panic reached the poller");
        // The future is done for: dropping it now writes nothing more.
        drop(future);
    });
    assert_eq!(events.len(), 2, "{events}");
    let started = assert_logged!(events, event = "explode_later_started", n = 1);
    assert!(started.get("outcome").is_none());
    assert_logged!(events, event = "explode_later", level = "error", outcome = "panicked");
}

#[test]
fn the_crate_can_be_renamed() {
    mod renamed {
        extern crate logfix_runtime as lf;

        #[lf::logged(component = "jobs", crate = "lf")]
        pub fn run(id: u32) -> u32 {
            id
        }
    }
    let events = capture(|| renamed::run(3));
    assert_logged!(events, event = "run", id = 3);
}
