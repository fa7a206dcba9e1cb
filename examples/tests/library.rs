//! A library that logs with logfix (`examples/library`), in three applications: where each of
//! its events lands, and which levels do.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

/// Every event of the applications' scenario, as `(level, event)`, most verbose first: two
/// reservations, the second refused.
const ALL: [(&str, &str); 5] = [
    ("debug", "looked_up"),
    ("info", "reserved"),
    ("warn", "stock_low"),
    ("debug", "looked_up"),
    ("error", "reservation_refused"),
];

/// The e-mail addresses the scenario passes: redacted everywhere.
const EMAILS: [&str; 2] = ["ann@example.com", "bob@example.com"];

fn expected(levels: &[&str]) -> Vec<(String, String)> {
    ALL.iter()
        .filter(|(level, _)| levels.contains(level))
        .map(|(level, event)| ((*level).to_owned(), (*event).to_owned()))
        .collect()
}

/// Runs an application binary with `vars` (and no other `LOGFIX_` variable).
fn run(binary: &str, vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(binary);
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("LOGFIX_")) {
        command.env_remove(name);
    }
    let out = command.envs(vars.iter().copied()).output().unwrap();
    assert!(out.status.success(), "{binary}: {out:?}");
    let all = [out.stdout.as_slice(), out.stderr.as_slice()].concat();
    let text = String::from_utf8(all).unwrap();
    for email in EMAILS {
        assert!(!text.contains(email), "{email} in the output of {binary}:\n{text}");
    }
    out
}

/// The JSON lines of `bytes`.
fn json_lines(bytes: &[u8]) -> Vec<Value> {
    let text = std::str::from_utf8(bytes).unwrap();
    text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

/// The library's events (component `inventory`) in logfix lines, as `(level, event)`.
fn logfix_events(lines: &[Value]) -> Vec<(String, String)> {
    lines
        .iter()
        .filter(|l| l["component"] == "inventory")
        .map(|l| (l["level"].as_str().unwrap().to_owned(), l["event"].as_str().unwrap().to_owned()))
        .collect()
}

struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// (a) The application calls `init()`: the library's lines are in its file, at `LOGFIX_LEVEL`,
/// and nowhere else.
#[test]
fn with_logfix_the_library_logs_into_the_application_s_file() {
    for (level, levels) in [
        (None, &["info", "warn", "error"][..]),
        (Some("debug"), &["debug", "info", "warn", "error"][..]),
        (Some("info,inventory=error"), &["error"][..]),
    ] {
        let dir = Dir(std::env::temp_dir().join(format!(
            "logfix-example-app-{}-{}",
            std::process::id(),
            level.unwrap_or("")
        )));
        let dir_text = dir.0.to_str().unwrap();
        let mut vars = vec![("LOGFIX_DIR", dir_text)];
        vars.extend(level.map(|l| ("LOGFIX_LEVEL", l)));
        let out = run(env!("CARGO_BIN_EXE_app_with_logfix"), &vars);
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
        let file = dir.0.join("app.log");
        logfix_testkit::validate_file(&file).unwrap();
        let lines = json_lines(&std::fs::read(&file).unwrap());
        assert_eq!(lines[0]["event"], "logging_started");
        assert_eq!(logfix_events(&lines), expected(levels), "LOGFIX_LEVEL={level:?}");
        if levels.contains(&"info") {
            let reserved = lines.iter().find(|l| l["event"] == "reserved").unwrap();
            assert_eq!(reserved["email"], "[REDACTED]");
        }
    }
}

/// (b) The application has only tracing-subscriber's JSON formatter: the library's events are
/// `tracing` events there, at the subscriber's levels; `LOGFIX_LEVEL` plays no part, and
/// nothing goes to stderr.
#[test]
fn with_tracing_the_library_logs_through_the_application_s_subscriber() {
    for (vars, levels) in [
        (&[][..], &["info", "warn", "error"][..]),
        (
            &[("APP_LOG_LEVEL", "debug"), ("LOGFIX_LEVEL", "off")][..],
            &["debug", "info", "warn", "error"][..],
        ),
        (&[("APP_LOG_LEVEL", "warn"), ("LOGFIX_LEVEL", "trace")][..], &["warn", "error"][..]),
    ] {
        let out = run(env!("CARGO_BIN_EXE_app_with_tracing"), vars);
        assert!(out.stderr.is_empty(), "{out:?}");
        let lines = json_lines(&out.stdout);
        let events: Vec<(String, String)> = lines
            .iter()
            .map(|l| {
                assert_eq!(l["target"], "inventory", "{l}");
                (l["level"].as_str().unwrap().to_lowercase(), event_of(l))
            })
            .collect();
        assert_eq!(events, expected(levels), "{vars:?}");
        if levels.contains(&"info") {
            let fields = &lines.iter().find(|l| l["level"] == "INFO").unwrap()["fields"];
            assert_eq!(fields["message"], "reserved 2 of teapot");
            assert_eq!(fields["sku"], "teapot");
            assert_eq!(fields["quantity"], 2, "numbers stay numbers");
            assert_eq!(fields["left"], 1);
            assert_eq!(fields["email"], "[REDACTED]");
        }
    }
}

/// The JSON formatter does not write the event's name: tell the events apart by message.
fn event_of(line: &Value) -> String {
    let message = line["fields"]["message"].as_str().unwrap();
    let event = if message.starts_with("looked up") {
        "looked_up"
    } else if message.starts_with("reserved") {
        "reserved"
    } else if message.starts_with("stock of") {
        "stock_low"
    } else if message.starts_with("cannot reserve") {
        "reservation_refused"
    } else {
        panic!("unexpected message {message:?}")
    };
    event.to_owned()
}

/// (c) The application has no logger: the library's lines go to stderr as logfix JSON, at
/// `LOGFIX_LEVEL` (`info` by default, `off` for none).
#[test]
fn with_nothing_the_library_logs_to_stderr_at_logfix_level() {
    for (level, levels) in [
        (None, &["info", "warn", "error"][..]),
        (Some("off"), &[][..]),
        (Some("debug"), &["debug", "info", "warn", "error"][..]),
        (Some("error"), &["error"][..]),
    ] {
        let vars: Vec<_> = level.map(|l| ("LOGFIX_LEVEL", l)).into_iter().collect();
        let out = run(env!("CARGO_BIN_EXE_app_with_nothing"), &vars);
        assert!(out.stdout.is_empty(), "{out:?}");
        let text = String::from_utf8(out.stderr).unwrap();
        for line in text.lines() {
            logfix_testkit::validate_line(line).unwrap();
        }
        assert_eq!(logfix_events(&json_lines(text.as_bytes())), expected(levels), "{level:?}");
    }
}
