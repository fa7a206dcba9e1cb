//! The matchers and assertion macros, used from outside the crate on real events.

use logfix_runtime::LogEvent;
use logfix_testkit::{assert_logged, assert_not_logged, capture, Captured};
use serde_json::json;

#[derive(LogEvent)]
#[log(component = "auth", message = "user {account_id} logged in")]
struct UserLogin<'a> {
    account_id: u64,
    #[log(redact)]
    email: &'a str,
}

#[derive(LogEvent)]
#[log(component = "auth", level = "warn", message = "login failed for {account_id}")]
struct LoginFailed {
    account_id: u64,
    attempts: u32,
}

#[derive(LogEvent)]
#[log(component = "http", message = "served {path}")]
struct Served<'a> {
    path: &'a str,
    status: u16,
    tags: Vec<&'a str>,
}

fn session() -> Captured {
    capture(|| {
        logfix_runtime::emit(&LoginFailed { account_id: 42, attempts: 1 });
        logfix_runtime::emit(&UserLogin { account_id: 42, email: "ann@example.com" });
        logfix_runtime::emit(&Served { path: "/home", status: 200, tags: vec!["a", "b"] });
    })
}

#[test]
fn matchers() {
    let events = session();
    assert_eq!(events.find("auth", "login_failed").unwrap()["attempts"], 1);
    assert!(events.find("http", "login_failed").is_none());
    assert_eq!(events.from_component("auth").len(), 2);
    assert_eq!(events.events_named("served").len(), 1);
    assert_eq!(events.filter(|e| e["account_id"] == 42).len(), 2);
    assert_eq!(events.filter(|e| e["level"] == "warn")[0]["event"], "login_failed");
}

#[test]
fn assert_logged_matches_any_keys_with_json_semantics() {
    let events = session();
    let login = assert_logged!(events, component = "auth", event = "user_login", account_id = 42);
    assert_eq!(login["message"], "user 42 logged in");
    assert_logged!(events, email = "[REDACTED]");
    assert_logged!(events, level = "warn", attempts = 1u8);
    assert_logged!(events, "status" = 200, tags = ["a", "b"], path = String::from("/home"));
    assert_logged!(events, tags = json!(["a", "b"]));
    assert_logged!(&events, event = "served");
}

#[test]
fn assert_not_logged_passes_when_nothing_matches_every_key() {
    let events = session();
    assert_not_logged!(events, email = "ann@example.com");
    assert_not_logged!(events, event = "user_login", account_id = 7);
    assert_not_logged!(events, level = "error");
    assert_not_logged!(events, status = "200");
}

#[test]
#[should_panic(
    expected = "no captured event matches {component = \"auth\", event = \"user_logout\"}"
)]
fn assert_logged_fails_when_nothing_matches() {
    assert_logged!(session(), component = "auth", event = "user_logout");
}

#[test]
fn a_failure_message_names_the_closest_event_and_prints_the_lines() {
    let events = session();
    let panic = std::panic::catch_unwind(|| {
        assert_logged!(events, event = "login_failed", attempts = 3);
    })
    .unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("closest: event #1 differs in\n  attempts: expected 3, found 1"),
        "{message}"
    );
    assert!(message.contains("3 events captured:"), "{message}");
    for (i, line) in events.lines().iter().enumerate() {
        assert!(message.contains(&format!("  #{} {line}", i + 1)), "{message}");
    }
}

#[test]
#[should_panic(
    expected = "expected no event matching {level = \"warn\"}, but found:\n  #1 {\"timestamp\""
)]
fn assert_not_logged_fails_on_a_match() {
    assert_not_logged!(session(), level = "warn");
}
