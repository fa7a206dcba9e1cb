//! Rendering: whatever goes into an event, out comes exactly one valid line.

// Helpers outside `#[test]` functions are not covered by clippy.toml's `allow-*-in-tests`: in
// test code a broken expectation must panic with its message.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

use std::fmt;

use logfix_runtime::__private::{render_json, render_pretty};
use logfix_runtime::{Context, LogEvent};
use logfix_testkit::{capture, validate_line};
use proptest::prelude::*;

#[derive(LogEvent)]
#[log(component = "prop", message = "text={text} n={n} x={x} shown={shown}")]
struct Anything {
    text: String,
    n: i64,
    x: f64,
    #[log(display)]
    shown: String,
    #[log(debug)]
    debugged: String,
    list: Vec<String>,
    maybe: Option<u32>,
    #[log(redact)]
    secret: String,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_input_renders_as_one_valid_line_without_the_secret(
        text in any::<String>(),
        n in any::<i64>(),
        x in any::<f64>(),
        shown in any::<String>(),
        debugged in any::<String>(),
        list in proptest::collection::vec(any::<String>(), 0..4),
        maybe in any::<Option<u32>>(),
        secret_id in any::<u64>(),
    ) {
        let secret = format!("s3cr3t-{secret_id:x}-s3cr3t");
        let event = Anything { text: text.clone(), n, x, shown, debugged, list, maybe, secret: secret.clone() };

        let json = render_json(&event);
        prop_assert!(!json.contains('\n'), "a raw newline in {json:?}");
        prop_assert!(!json.contains(&secret));
        let fields = validate_line(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(fields["text"].as_str(), Some(text.as_str()));
        prop_assert_eq!(fields["n"].as_i64(), Some(n));
        prop_assert_eq!(fields["secret"].as_str(), Some("[REDACTED]"));
        if x.is_finite() {
            prop_assert_eq!(fields["x"].as_f64(), Some(x));
        } else {
            prop_assert!(fields["x"].is_null());
        }

        let pretty = render_pretty(&event);
        prop_assert!(!pretty.contains('\n') && !pretty.contains('\r'), "a raw line break in {pretty:?}");
        prop_assert!(!pretty.contains('\u{1b}'), "an escape sequence reached the terminal line");
        prop_assert!(!pretty.contains(&secret));
    }
}

#[derive(LogEvent)]
#[log(component = "auth", message = "user {user} said {said}")]
struct Said<'a> {
    user: &'a str,
    said: &'a str,
}

#[test]
fn a_forged_line_stays_inside_its_string() {
    let forged = "hi\"}\n{\"timestamp\":\"2026-01-01T00:00:00.000000Z\",\"level\":\"error\",\"component\":\"auth\",\"event\":\"admin_granted\",\"message\":\"x";
    let line = render_json(&Said { user: "mallory\u{2028}", said: forged });
    assert_eq!(line.lines().count(), 1);
    let fields = validate_line(&line).unwrap();
    assert_eq!(fields["said"], forged);
    assert_eq!(fields["event"], "said");
}

#[derive(LogEvent)]
#[log(component = "auth", message = "user {user_id} acted")]
struct Acted {
    #[log(display)]
    user_id: u64,
    request_id: &'static str,
}

#[test]
fn an_event_field_wins_over_the_context_and_appears_once() {
    let ctx = Context::new().request_id("from-context").user_id("u-ctx").correlation_id("c-1");
    let events = capture(|| {
        ctx.scope(|| {
            logfix_runtime::emit(&Acted { user_id: 7, request_id: "from-event" });
        });
    });
    let line = &events.lines()[0];
    assert_eq!(line.matches("\"user_id\"").count(), 1, "{line}");
    assert_eq!(line.matches("\"request_id\"").count(), 1, "{line}");
    assert_eq!(events[0]["user_id"], "7");
    assert_eq!(events[0]["request_id"], "from-event");
    assert_eq!(events[0]["correlation_id"], "c-1");
    let order: Vec<_> = ["message", "correlation_id", "user_id"]
        .iter()
        .map(|k| line.find(&format!("\"{k}\"")).unwrap())
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "context keys come after message, event fields after them: {line}"
    );
}

#[derive(LogEvent)]
#[log(component = "billing", message = "invoiced")]
struct Invoiced {
    tenant: &'static str,
}

/// A custom context key that the event sets too is written once, with the event's value: a
/// line never holds a key twice (JSON readers keep one of the two, each its own choice).
#[test]
fn an_event_field_wins_over_a_custom_context_key_and_appears_once() {
    let ctx = Context::new().field("tenant", "from-context").field("region", "eu");
    let events = capture(|| ctx.scope(|| logfix_runtime::emit(&Invoiced { tenant: "from-event" })));
    let line = &events.lines()[0];
    assert_eq!(line.matches("\"tenant\"").count(), 1, "{line}");
    assert_eq!(events[0]["tenant"], "from-event");
    assert_eq!(events[0]["region"], "eu", "the context's other keys are written");
}

struct Panics;

impl fmt::Display for Panics {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        panic!("Display impl exploded")
    }
}

struct Fails;

impl fmt::Display for Fails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("partial")?;
        Err(fmt::Error)
    }
}

#[derive(LogEvent)]
#[log(component = "render", message = "rendering {value}")]
struct Shows<T: fmt::Display> {
    #[log(display)]
    value: T,
}

#[test]
fn a_failing_display_impl_keeps_the_line_valid() {
    let line = render_json(&Shows { value: Fails });
    let fields = validate_line(&line).unwrap();
    assert_eq!(fields["value"], "partial");
}

#[test]
fn a_panicking_display_impl_is_replaced_by_a_render_failed_event() {
    let dir = std::env::temp_dir().join(format!("logfix-render-panic-{}", std::process::id()));
    let logger = logfix_runtime::Config::new().dir(dir.clone()).build();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        logger.emit(&Shows { value: Panics });
    }));
    assert!(caught.is_ok(), "emit must not propagate the panic");
    logger.shutdown();
    assert_eq!(logger.metrics().render_failures, 1);
    let text = std::fs::read_to_string(dir.join("app.log")).unwrap();
    let failed = text
        .lines()
        .find(|l| l.contains("\"event\":\"render_failed\""))
        .expect("a render_failed line");
    let fields = validate_line(failed).unwrap();
    assert_eq!(fields["failed_event"], "shows");
    assert_eq!(fields["level"], "error");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A test's capture gets the line the logger would write: a panicking `Display` becomes a
/// `render_failed` line there too, and a value longer than the line cap is cut.
#[test]
fn a_capture_renders_as_the_logger_does() {
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        capture(|| logfix_runtime::emit(&Shows { value: Panics }))
    }));
    let events = caught.expect("emit must not propagate the panic inside a capture either");
    assert_eq!(events[0]["event"], "render_failed");
    assert_eq!(events[0]["failed_event"], "shows");
    let long = "x".repeat(2 * logfix_runtime::DEFAULT_MAX_LINE);
    let events = capture(|| logfix_runtime::emit(&Shows { value: &long }));
    let value = events[0]["value"].as_str().unwrap();
    assert!(value.len() < logfix_runtime::DEFAULT_MAX_LINE, "cut to the line cap");
    assert!(value.ends_with("...[truncated]"), "{}", &value[value.len() - 20..]);
}

#[derive(LogEvent)]
#[log(component = "auth", message = "user {account_id} logged in from {origin}")]
struct Login<'a> {
    account_id: u64,
    #[log(display)]
    origin: std::net::Ipv4Addr,
    path: &'a str,
    #[log(debug)]
    roles: Vec<&'a str>,
    #[log(redact)]
    password: &'a str,
    #[log(skip)]
    #[allow(dead_code, reason = "a skipped field is never written")]
    cache: u8,
}

/// The same event in both formats: the pretty line carries what the JSON line does, in the same
/// order, each field as `key=value` (a plain string quoted only where it must be, a `Display` or
/// `Debug` value always).
#[test]
fn a_derived_event_reads_the_same_in_both_formats() {
    let event = Login {
        account_id: 42,
        origin: std::net::Ipv4Addr::new(10, 0, 0, 7),
        path: "/api/items",
        roles: vec!["admin", "ops"],
        password: "hunter2",
        cache: 3,
    };
    let json = render_json(&event);
    let (_, after_timestamp) = json.split_once(r#"","level""#).unwrap();
    assert_eq!(
        after_timestamp,
        r#":"info","component":"auth","event":"login","message":"user 42 logged in from 10.0.0.7","account_id":42,"origin":"10.0.0.7","path":"/api/items","roles":"[\"admin\", \"ops\"]","password":"[REDACTED]"}"#
    );
    let pretty = render_pretty(&event);
    let (_, after_timestamp) = pretty.split_once(' ').unwrap();
    assert_eq!(
        after_timestamp,
        r#" INFO auth.login: user 42 logged in from 10.0.0.7 account_id=42 origin="10.0.0.7" path=/api/items roles="[\"admin\", \"ops\"]" password=[REDACTED]"#
    );
}

#[derive(LogEvent)]
#[log(component = "upload", message = "body of {size} bytes")]
struct Upload {
    size: usize,
    body: String,
}

/// A value far longer than `LOGFIX_MAX_LINE` is cut so that the line fits and stays one valid
/// line of the schema, and the cut is counted.
#[test]
fn lines_longer_than_the_cap_are_cut_and_counted() {
    let dir = std::env::temp_dir().join(format!("logfix-test-cap-{}", std::process::id()));
    let logger = logfix_runtime::Config::from_env_vars([("LOGFIX_MAX_LINE", "4KiB")])
        .dir(dir.clone())
        .build();
    let body = "x".repeat(10_000_000);
    logger.emit(&Upload { size: body.len(), body });
    logger.flush();
    assert_eq!(logger.metrics().truncated_lines, 1);
    logger.shutdown();
    let text = std::fs::read_to_string(dir.join("app.log")).unwrap();
    let line = text.lines().find(|l| l.contains(r#""event":"upload""#)).unwrap();
    assert!(line.len() < 4096, "{} bytes", line.len());
    let parsed = validate_line(line).unwrap();
    assert_eq!(parsed["size"], 10_000_000);
    assert!(parsed["body"].as_str().unwrap().ends_with("...[truncated]"));
    let _ = std::fs::remove_dir_all(dir);
}
