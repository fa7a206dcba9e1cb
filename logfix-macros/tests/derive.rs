//! What derived events render: key order, values, field modes, generics and escaping.
//!
//! `cargo clippy --all-targets` runs over this file, so the denied lints below also check that the
//! generated code is clean in a strict user crate.
#![deny(clippy::pedantic, unused_qualifications, missing_docs)]
// Tests assert by panicking; the workspace denies these lints for library code only.
#![allow(clippy::panic, clippy::indexing_slicing)]

use std::fmt;

use logfix_runtime::__private::render_json;
use logfix_runtime::{Level, LogEvent, Value, ValueWriter, Written};
use serde_json::{json, Value as Json};

/// Renders `event` and returns the parsed line and the raw line from `"level"` on (as `{...}`),
/// which is all of it but the timestamp, so that key order can be compared exactly.
fn render(event: &impl LogEvent) -> (Json, String) {
    let line = render_json(event);
    assert!(!line.contains('\n'), "one line: {line:?}");
    let json: Json = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert!(json["timestamp"].is_string(), "{line}");
    let (_, rest) = line.split_once(r#"Z","#).unwrap_or_else(|| panic!("no timestamp: {line}"));
    (json, format!("{{{rest}"))
}

#[derive(LogEvent)]
#[log(component = "auth", message = "user {account_id} logged in")]
struct UserLogin<'a> {
    account_id: u64,
    #[log(redact)]
    email: &'a str,
}

#[test]
fn keys_come_in_schema_order_with_fields_in_declaration_order() {
    let (_, line) = render(&UserLogin { account_id: 42, email: "ann@example.com" });
    assert_eq!(
        line,
        r#"{"level":"info","component":"auth","event":"user_login","message":"user 42 logged in","account_id":42,"email":"[REDACTED]"}"#
    );
}

struct Card {
    number: String,
}

#[derive(LogEvent)]
#[log(
    component = "payments",
    event = "charge_failed",
    level = "error",
    message = "charge failed for order {order_id}"
)]
struct ChargeFailed {
    order_id: String,
    amount_cents: i64,
    #[log(skip)]
    card: Card,
}

#[test]
fn explicit_event_and_level_and_skipped_fields() {
    let event = ChargeFailed {
        order_id: "o-17".to_owned(),
        amount_cents: -1250,
        card: Card { number: "4111 1111 1111 1111".to_owned() },
    };
    let (json, line) = render(&event);
    assert_eq!(
        line,
        r#"{"level":"error","component":"payments","event":"charge_failed","message":"charge failed for order o-17","order_id":"o-17","amount_cents":-1250}"#
    );
    assert!(json.get("card").is_none());
    assert!(!line.contains(&event.card.number));
    let meta = event.metadata();
    assert_eq!(
        (meta.component(), meta.event(), meta.level()),
        ("payments", "charge_failed", Level::Error)
    );
    assert_eq!(meta.fields(), ["order_id", "amount_cents"]);
}

struct Money(i64);

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02} EUR", self.0 / 100, self.0 % 100)
    }
}

#[derive(LogEvent)]
#[log(component = "payments", level = "debug", message = "paid {amount} by {method} for {order}")]
struct Paid {
    #[log(rename = "order_id")]
    order: u64,
    #[log(display)]
    amount: Money,
    #[log(debug, rename = "payment.method")]
    method: Option<&'static str>,
    #[log(redact, rename = "cardHolder")]
    holder: String,
}

#[test]
fn display_debug_rename_and_redact() {
    let event = Paid {
        order: 7,
        amount: Money(1250),
        method: Some("card"),
        holder: "Ann Example".to_owned(),
    };
    let (_, line) = render(&event);
    assert_eq!(
        line,
        r#"{"level":"debug","component":"payments","event":"paid","message":"paid 12.50 EUR by Some(\"card\") for 7","order_id":7,"amount":"12.50 EUR","payment.method":"Some(\"card\")","cardHolder":"[REDACTED]"}"#
    );
    assert!(!line.contains(&event.holder));
}

/// A form whose derived `Debug` shows everything, its password included.
#[derive(Debug)]
#[allow(dead_code, reason = "read through Debug")]
struct Form {
    user: &'static str,
    password: &'static str,
}

#[derive(LogEvent)]
#[log(component = "auth", message = "sign-in refused: {reason}")]
struct SignInRefused {
    #[log(display)]
    reason: String,
    #[log(debug)]
    form: Form,
    #[log(redact)]
    pin: u32,
    #[log(redact = "email")]
    email: &'static str,
}

#[test]
fn display_and_debug_values_lose_secrets_and_the_redacted_fields_they_quote() {
    let event = SignInRefused {
        reason: "pin 73915406 wrong for ann@example.com, sent Authorization: Bearer abc.def".into(),
        form: Form { user: "ann", password: "hunter2" },
        pin: 73_915_406,
        email: "ann@example.com",
    };
    let (json, line) = render(&event);
    let reason = "pin [REDACTED] wrong for [REDACTED], sent Authorization: Bearer [REDACTED]";
    assert_eq!(json["reason"], reason);
    assert_eq!(json["message"], format!("sign-in refused: {reason}"));
    assert_eq!(json["form"], r#"Form { user: "ann", password: "[REDACTED]" }"#);
    assert_eq!(json["email"], "***@example.com");
    for secret in ["73915406", "ann@example.com", "abc.def", "hunter2"] {
        assert!(!line.contains(secret), "{line}");
    }
}

/// Panics if read: a redacted field's value must never be touched.
struct Tripwire;

impl Value for Tripwire {
    fn record<'w>(&self, _: ValueWriter<'w>) -> Written<'w> {
        panic!("a redacted value was read");
    }
}

#[derive(LogEvent)]
#[log(component = "auth", message = "token refreshed")]
struct TokenRefreshed {
    #[log(redact)]
    token: Tripwire,
    #[log(skip)]
    refresh_token: Tripwire,
}

#[test]
fn redacted_and_skipped_values_are_never_read() {
    let event = TokenRefreshed { token: Tripwire, refresh_token: Tripwire };
    let (json, _) = render(&event);
    assert_eq!(json["token"], "[REDACTED]");
    assert!(json.get("refresh_token").is_none());
    let TokenRefreshed { refresh_token: Tripwire, .. } = event;
}

#[derive(LogEvent)]
#[log(component = "jobs", message = "{name}: {done}/{total} {{{unit}}}")]
struct Progress<'a, T, U: fmt::Display>
where
    T: Copy,
{
    name: &'a str,
    done: T,
    total: T,
    #[log(display)]
    unit: U,
    #[log(skip)]
    started: std::time::Instant,
}

#[test]
fn generic_structs_and_literal_braces() {
    let event = Progress {
        name: "import",
        done: 3_u32,
        total: 10,
        unit: 'B',
        started: std::time::Instant::now(),
    };
    let _ = event.started;
    let (_, line) = render(&event);
    assert_eq!(
        line,
        r#"{"level":"info","component":"jobs","event":"progress","message":"import: 3/10 {B}","name":"import","done":3,"total":10,"unit":"B"}"#
    );
    // The same type with other parameters is another event of the same kind.
    let (json, _) = render(&Progress {
        name: "x",
        done: 0.5_f64,
        total: 1.0,
        unit: "%",
        started: event.started,
    });
    assert_eq!(json["done"], 0.5);
    assert_eq!(json["message"], "x: 0.5/1.0 {%}");
}

#[derive(LogEvent)]
#[log(component = "http", message = "{method} {path} -> {status}")]
struct Handled<'r> {
    method: &'r str,
    path: &'r std::path::Path,
    status: Option<u16>,
    headers: &'r [&'r str],
    latency_ms: f64,
    cached: bool,
    peer: Option<std::net::IpAddr>,
}

#[test]
fn borrowed_optional_and_sequence_fields() {
    let event = Handled {
        method: "GET",
        path: std::path::Path::new("/a b"),
        status: None,
        headers: &["accept", "host"],
        latency_ms: f64::NAN,
        cached: true,
        peer: Some(std::net::Ipv4Addr::LOCALHOST.into()),
    };
    let (json, _) = render(&event);
    assert_eq!(
        json,
        json!({
            "timestamp": json["timestamp"],
            "level": "info",
            "component": "http",
            "event": "handled",
            "message": "GET /a b -> null",
            "method": "GET",
            "path": "/a b",
            "status": null,
            "headers": ["accept", "host"],
            "latency_ms": null,
            "cached": true,
            "peer": "127.0.0.1",
        })
    );
}

/// Writes what could break a line or forge a second one.
struct Hostile;

impl fmt::Display for Hostile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a\"b\\c\nd\r\u{0}\u{2028}\"}\n{\"level\":\"error\"")
    }
}

#[derive(LogEvent)]
#[log(component = "input", message = "got {shown} and {text}")]
struct Received<'a> {
    #[log(display)]
    shown: Hostile,
    text: &'a str,
}

#[test]
fn hostile_display_output_stays_inside_one_valid_line() {
    let hostile = Hostile.to_string();
    let (json, _) = render(&Received { shown: Hostile, text: &hostile });
    assert_eq!(json["shown"], hostile.as_str());
    assert_eq!(json["text"], hostile.as_str());
    assert_eq!(json["message"], format!("got {hostile} and {hostile}"));
    assert_eq!(json["level"], "info");
}

#[derive(LogEvent)]
#[log(component = "server", level = "warn", message = "shutting down")]
struct ShuttingDown;

#[derive(LogEvent)]
#[log(component = "server", message = "started")]
struct HTTPServerStarted {}

#[test]
fn unit_and_empty_structs_and_default_event_names() {
    let (_, line) = render(&ShuttingDown);
    assert_eq!(
        line,
        r#"{"level":"warn","component":"server","event":"shutting_down","message":"shutting down"}"#
    );
    assert_eq!(HTTPServerStarted {}.metadata().event(), "http_server_started");
    assert!(ShuttingDown.metadata().fields().is_empty());
}

#[derive(LogEvent)]
#[log(component = "auth", message = "{token_count} tokens issued")]
struct TokensIssued {
    #[log(not_sensitive)]
    token_count: u32,
}

#[test]
fn not_sensitive_fields_are_logged() {
    let (json, _) = render(&TokensIssued { token_count: 3 });
    assert_eq!(json["token_count"], 3);
    assert_eq!(json["message"], "3 tokens issued");
}

/// Public events in a crate that denies `missing_docs` and `clippy::pedantic`.
pub mod public {
    use logfix_runtime::LogEvent;

    /// A documented public event.
    #[derive(Debug, LogEvent)]
    #[log(component = "auth", level = "trace", message = "user {account_id} as {role}")]
    pub struct RoleChecked<'a, T: std::fmt::Debug> {
        /// Plain.
        pub account_id: u64,
        /// Borrowed.
        pub role: &'a str,
        /// Debug.
        #[log(debug)]
        pub detail: T,
        /// Redacted.
        #[log(redact)]
        pub password: &'a str,
    }
}

#[test]
fn public_generic_event_renders() {
    let event =
        public::RoleChecked { account_id: 1, role: "admin", detail: [1, 2], password: "hunter2" };
    let (json, line) = render(&event);
    assert_eq!(json["detail"], "[1, 2]");
    assert!(!line.contains("hunter2"));
}

/// A `&dyn LogEvent` works like the concrete type: the trait stays object safe.
#[test]
fn events_work_through_dyn() {
    let event: &dyn LogEvent = &UserLogin { account_id: 1, email: "a@b" };
    assert_eq!(event.metadata().event(), "user_login");
    assert!(render_json(event).contains(r#""account_id":1"#));
}

/// The derive escapes the message's literal text at compile time: quotes, backslashes and line
/// breaks in it cannot break the line.
#[test]
fn message_literals_are_escaped() {
    const TEXT: &str = "q\" b\\ t\t n\n r\r bel\u{7} del\u{7f} ls\u{2028} ps\u{2029} é";

    #[derive(LogEvent)]
    #[log(
        component = "escape",
        message = "q\" b\\ t\t n\n r\r bel\u{7} del\u{7f} ls\u{2028} ps\u{2029} é"
    )]
    struct Literal {
        #[log(rename = "k.e-y@1")]
        same: String,
    }

    let line = render_json(&Literal { same: TEXT.to_owned() });
    let parsed: Json = serde_json::from_str(&line).unwrap();
    assert_eq!(parsed["message"], TEXT);
    assert_eq!(parsed["k.e-y@1"], TEXT);
    assert!(!line.contains('\n') && !line.contains('\u{2028}'));
}

/// Durations in microseconds, bytes in hex or base64, structured values as nested JSON with
/// their sensitive keys redacted.
#[test]
fn durations_bytes_and_structured_values() {
    /// A request body, logged as it is.
    #[derive(serde::Serialize)]
    struct Body {
        user: &'static str,
        password: &'static str,
        items: Vec<u32>,
    }

    #[derive(LogEvent)]
    #[log(component = "api", message = "{digest} in {elapsed_us} us: {body}")]
    struct Handled {
        elapsed_us: std::time::Duration,
        #[log(hex)]
        digest: [u8; 3],
        #[log(base64)]
        raw: Vec<u8>,
        #[log(serde)]
        body: Body,
    }

    let body = Body { user: "ann", password: "hunter2", items: vec![1, 2] };
    let event = Handled {
        elapsed_us: std::time::Duration::from_micros(1_500),
        digest: [0x0a, 0xbc, 0xff],
        raw: b"ok".to_vec(),
        body,
    };
    let (json, line) = render(&event);
    assert_eq!(json["elapsed_us"], 1_500);
    assert_eq!(json["digest"], "0abcff");
    assert_eq!(json["raw"], "b2s=");
    assert_eq!(json["body"], json!({"user": "ann", "password": "[REDACTED]", "items": [1, 2]}));
    assert_eq!(
        json["message"],
        r#"0abcff in 1500 us: {"user":"ann","password":"[REDACTED]","items":[1,2]}"#
    );
    assert!(!line.contains("hunter2"), "{line}");
}

/// `level = dynamic`: each event's `level` field is the line's level (and not a field), and
/// the filter sees it.
#[test]
fn a_level_chosen_at_run_time() {
    #[derive(LogEvent)]
    #[log(component = "jobs", level = dynamic, message = "job {id} done")]
    struct JobDone {
        level: Level,
        id: u64,
    }

    for level in Level::ALL {
        let (json, line) = render(&JobDone { level, id: 7 });
        assert_eq!(json["level"], level.as_str(), "{line}");
        assert_eq!(line.matches(r#""level""#).count(), 1, "{line}");
    }
    let event = JobDone { level: Level::Warn, id: 1 };
    assert_eq!(event.metadata().level(), Level::Trace);
    assert_eq!(event.metadata().fields(), ["id"]);
    let events = logfix_testkit::capture(|| {
        logfix_runtime::emit(&JobDone { level: Level::Error, id: 2 });
    });
    assert_eq!(events[0]["level"], "error");
}
