//! The Elastic Common Schema form of a line (`LOGFIX_SCHEMA=ecs`), `schema/ecs-event.schema.json`,
//! checked by hand from the tables it is made of (`logfix_runtime::ecs`).
//!
//! [`validate`] gives the verdict of the JSON Schema plus the rules
//! `logfix_testkit::validate_line_as` adds (one object per line, no duplicate keys at any depth,
//! `@timestamp`, `log.level`, `message` first and in order, a day that exists);
//! `tests/schema_agreement.rs` compares the two.

use std::borrow::Cow;

use logfix_runtime::ecs::{self, Kind, APP_FIELDS, ECS_VERSION, NAMESPACE};
use logfix_runtime::Level;
use serde_json::value::RawValue;

use super::logfix::{check_object, parse_level};
use super::{string, Fields, Invalid, Record, Schema};
use crate::time::Timestamp;

/// The keys every ECS line starts with, in this order.
pub(super) const FIRST_KEYS: [&str; 3] = ["@timestamp", "log.level", "message"];

/// The keys every ECS line of logfix has: the schema's `required`.
const REQUIRED_KEYS: [&str; 8] = [
    "@timestamp",
    "log.level",
    "message",
    "ecs.version",
    "service.name",
    "event.dataset",
    "log.logger",
    "event.action",
];

/// The keys the pretty format does not show as `key=value`: the header's, and those that are the
/// same on every line of a service.
pub(super) const HEADER_KEYS: [&str; 9] = [
    "@timestamp",
    "log.level",
    "message",
    "log.logger",
    "event.action",
    "ecs.version",
    "service.name",
    "service.version",
    "service.environment",
];

/// Checks `line` (without its newline) against the schema and the line rules.
pub(super) fn validate(line: &str) -> Result<(), Invalid> {
    check_object(line)?;
    let Fields(fields) = Fields::parse(line)?;
    for key in REQUIRED_KEYS {
        if !fields.iter().any(|(k, _)| k == key) {
            return Err(Invalid::Missing { key });
        }
    }
    for (key, value) in &fields {
        if key == NAMESPACE {
            check_own(value)?;
            continue;
        }
        let Some((key, kind)) = ecs::FIELDS.iter().find(|(k, _)| k == key) else {
            return Err(Invalid::UnknownKey { key: key.clone().into_owned() });
        };
        check_value(key, *kind, value)?;
    }
    for (position, (expected, (found, _))) in FIRST_KEYS.into_iter().zip(&fields).enumerate() {
        if expected != found {
            let found = found.clone().into_owned();
            return Err(Invalid::KeyOrder { position: position + 1, expected, found });
        }
    }
    Ok(())
}

/// The `logfix` object: logfix's own fields with their types, and the application's under
/// `fields`.
fn check_own(value: &RawValue) -> Result<(), Invalid> {
    let wrong = |found| Invalid::WrongType { key: NAMESPACE, expected: "an object", found };
    if !value.get().starts_with('{') {
        return Err(wrong(kind_of(value)));
    }
    let Fields(own) = Fields::parse(value.get())?;
    if own.is_empty() {
        return Err(Invalid::Value {
            key: NAMESPACE.to_owned(),
            value: "empty".to_owned(),
            expected: "at least one key",
        });
    }
    for (key, value) in &own {
        if key == APP_FIELDS {
            if !value.get().starts_with('{') {
                return Err(Invalid::WrongType {
                    key: "logfix.fields",
                    expected: "an object",
                    found: kind_of(value),
                });
            }
            continue;
        }
        match ecs::OWN_FIELDS.iter().find(|(k, _)| k == key) {
            Some((key, kind)) => check_value(key, *kind, value)?,
            None => return Err(Invalid::UnknownKey { key: format!("{NAMESPACE}.{key}") }),
        }
    }
    Ok(())
}

/// Checks that `value` has the JSON type of `kind` and what the schema adds for `key`.
fn check_value(key: &'static str, kind: Kind, value: &RawValue) -> Result<(), Invalid> {
    let json = value.get();
    let found = kind_of(value);
    let expected = match kind.json_type() {
        "integer" => "an integer",
        "boolean" => "a boolean",
        _ => "a string",
    };
    let fits = match kind.json_type() {
        "integer" => found == "a number" && integer(json).is_some(),
        "boolean" => found == "a boolean",
        _ => found == "a string",
    };
    if !fits {
        return Err(Invalid::WrongType { key, expected, found });
    }
    let invalid =
        |expected| Invalid::Value { key: key.to_owned(), value: json.to_owned(), expected };
    match key {
        "@timestamp" => {
            let text = string(value).unwrap_or_default();
            if Timestamp::parse_line_format(&text).is_none() {
                return Err(Invalid::Timestamp { key, value: text.into_owned() });
            }
        }
        "log.level" => {
            let text = string(value).unwrap_or_default();
            if parse_level(&text).is_none() {
                return Err(Invalid::Level { key, value: text.into_owned() });
            }
        }
        "ecs.version" if string(value).as_deref() != Some(ECS_VERSION) => {
            return Err(invalid("the ECS version logfix writes"));
        }
        "event.outcome"
            if !matches!(string(value).as_deref(), Some("success" | "failure" | "unknown")) =>
        {
            return Err(invalid("one of success, failure, unknown"));
        }
        "service.name" | "log.logger" | "event.action" | "event.dataset"
            if string(value).is_some_and(|s| s.is_empty()) =>
        {
            return Err(Invalid::EmptyString { key });
        }
        "http.response.status_code" if !integer(json).is_some_and(|n| (100..=999).contains(&n)) => {
            return Err(invalid("an HTTP status from 100 to 999"));
        }
        _ if kind == Kind::Long && integer(json).is_some_and(|n| n < 0) => {
            return Err(invalid("a number from 0"));
        }
        _ => {}
    }
    Ok(())
}

/// A JSON number that is an integer, as JSON Schema counts them (`1.0` is one); `None` for a
/// fraction, or one too large to tell.
fn integer(json: &str) -> Option<i128> {
    if let Ok(n) = json.parse::<i128>() {
        return Some(n);
    }
    let n: f64 = json.parse().ok()?;
    // Within ±2^53 every integer is exact; beyond, an f64 is always a whole number.
    #[allow(clippy::cast_possible_truncation, reason = "checked to be whole and in range")]
    (n.fract() == 0.0 && n.abs() < 1e30).then_some(n as i128)
}

fn kind_of(value: &RawValue) -> &'static str {
    match value.get().as_bytes().first() {
        Some(b'"') => "a string",
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// Reads the header fields wherever they are in the line, and keeps every field as written, with
/// the members of `logfix` and `logfix.fields` in place of the object: a record's fields are
/// found by their own names (`order_id`), whichever schema wrote them.
pub(super) fn record(line: &str) -> Result<Record<'_>, Invalid> {
    let Fields(mut fields) = Fields::parse(line)?;
    let timestamp = text(&fields, "@timestamp")?;
    let timestamp = Timestamp::parse_line_format(&timestamp)
        .ok_or_else(|| Invalid::Timestamp { key: "@timestamp", value: timestamp.into_owned() })?;
    let level = text(&fields, "log.level")?;
    let level: Level = parse_level(&level)
        .ok_or_else(|| Invalid::Level { key: "log.level", value: level.into_owned() })?;
    let component = text(&fields, "log.logger")?;
    let event = text(&fields, "event.action")?;
    let message = text(&fields, "message")?;
    for (key, value) in [("log.logger", &component), ("event.action", &event)] {
        if value.is_empty() {
            return Err(Invalid::EmptyString { key });
        }
    }
    if let Some(at) = fields.iter().position(|(k, _)| k == NAMESPACE) {
        let (_, own) = fields.remove(at);
        if let Ok(Fields(own)) = Fields::parse(own.get()) {
            for (key, value) in own {
                match Fields::parse(value.get()) {
                    Ok(Fields(app)) if key == APP_FIELDS => fields.extend(app),
                    _ => fields.push((key, value)),
                }
            }
        }
    }
    Ok(Record { schema: Schema::Ecs, timestamp, level, component, event, message, fields })
}

/// The text of the string `key` of `fields`, borrowed unless it has escapes.
fn text<'a>(
    fields: &[(Cow<'a, str>, &'a RawValue)],
    key: &'static str,
) -> Result<Cow<'a, str>, Invalid> {
    let value = fields.iter().find(|(k, _)| k == key).map(|&(_, v)| v);
    let value = value.ok_or(Invalid::Missing { key })?;
    string(value).ok_or_else(|| Invalid::WrongType {
        key,
        expected: "a string",
        found: kind_of(value),
    })
}

/// The timestamp and level from the start of a line as logfix writes it:
/// `{"@timestamp":"2026-11-28T04:39:13.123456Z","log.level":"info",`.
pub(super) fn header(line: &[u8]) -> Option<(Timestamp, Level)> {
    let rest = line.strip_prefix(br#"{"@timestamp":""#)?;
    let (timestamp, rest) = rest.split_at_checked(27)?;
    let timestamp = Timestamp::parse_line_format(core::str::from_utf8(timestamp).ok()?)?;
    let rest = rest.strip_prefix(br#"","log.level":""#)?;
    let level = rest.get(..memchr::memchr(b'"', rest)?)?;
    Some((timestamp, parse_level(core::str::from_utf8(level).ok()?)?))
}

/// The ECS spelling of a logfix line's key (`user_id` is `user.id`), or a field under `logfix`
/// named by its path (`logfix.fields.order_id` is `order_id` in a record).
pub(super) fn alias(key: &str) -> Option<&str> {
    ecs::ecs_key(key)
        .or_else(|| key.strip_prefix("logfix.fields."))
        .or_else(|| key.strip_prefix("logfix."))
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"{"@timestamp":"2026-11-28T04:39:13.123456Z","log.level":"warn","message":"took \"long\"","ecs.version":"8.11.0","service.name":"shop","event.dataset":"shop.log","log.logger":"db.pool","event.action":"slow","http.request.id":"r-1","event.duration":1500,"logfix":{"outcome":"ok","fields":{"n":42,"user":"ann"}}}"#;

    #[test]
    fn accepts_a_valid_line_and_reads_its_record() {
        validate(VALID).unwrap();
        let record = record(VALID).unwrap();
        assert_eq!(record.level, Level::Warn);
        assert_eq!((&*record.component, &*record.event), ("db.pool", "slow"));
        assert_eq!(record.message, "took \"long\"");
        assert_eq!(record.request_id().map(RawValue::get), Some(r#""r-1""#));
        assert_eq!(record.field("n").map(RawValue::get), Some("42"));
        assert_eq!(record.field("logfix.fields.user").map(RawValue::get), Some(r#""ann""#));
        assert_eq!(record.field("outcome").map(RawValue::get), Some(r#""ok""#));
        assert_eq!(record.field("request_id").map(RawValue::get), Some(r#""r-1""#));
        assert!(record.field("logfix").is_none());
        assert_eq!(header(VALID.as_bytes()), Some((record.timestamp, record.level)));
    }

    #[test]
    fn names_what_is_wrong() {
        let with = |from: &str, to: &str| {
            assert!(VALID.contains(from), "{from}");
            VALID.replacen(from, to, 1)
        };
        let cases = [
            (with(r#""ecs.version":"8.11.0","#, ""), Invalid::Missing { key: "ecs.version" }),
            (
                with(r#""http.request.id":"r-1""#, r#""host":"web-1""#),
                Invalid::UnknownKey { key: "host".into() },
            ),
            (
                with(r#""event.duration":1500"#, r#""event.duration":"1500""#),
                Invalid::WrongType {
                    key: "event.duration",
                    expected: "an integer",
                    found: "a string",
                },
            ),
            (
                with(r#""outcome":"ok""#, r#""outcome":1"#),
                Invalid::WrongType { key: "outcome", expected: "a string", found: "a number" },
            ),
            (
                with(r#""outcome":"ok""#, r#""stranger":1"#),
                Invalid::UnknownKey { key: "logfix.stranger".into() },
            ),
            (
                with(r#""log.level":"warn""#, r#""log.level":"WARN""#),
                Invalid::Level { key: "log.level", value: "WARN".into() },
            ),
            (
                with(
                    r#""log.level":"warn","message":"took \"long\"""#,
                    r#""message":"took \"long\"","log.level":"warn""#,
                ),
                Invalid::KeyOrder { position: 2, expected: "log.level", found: "message".into() },
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(validate(&line).unwrap_err(), expected, "{line}");
        }
        let line = with("2026-11-28", "2026-02-29");
        assert!(matches!(validate(&line).unwrap_err(), Invalid::Timestamp { .. }));
        let line = with(r#""event.duration":1500"#, r#""event.duration":-1"#);
        assert!(matches!(validate(&line).unwrap_err(), Invalid::Value { .. }));
    }
}
