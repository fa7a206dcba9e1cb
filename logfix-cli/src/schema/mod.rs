//! The line schemas the CLI reads, detected line by line in one place ([`Schema::detect`]), and
//! what every command needs from a line whatever its schema: a [`Record`].
//!
//! There are two: logfix's own (`schema/logfix-event.schema.json`) and its Elastic Common Schema
//! form (`schema/ecs-event.schema.json`, `LOGFIX_SCHEMA=ecs`). Another one is a variant of
//! [`Schema`], a module beside `logfix.rs` with its `validate` and `record`, and an arm in
//! `detect`.
//!
//! A `FIELD=VALUE` filter names a key in either schema's spelling: `user_id` finds `user.id` in an
//! ECS line and `user.id` finds `user_id` in a logfix line (the names of
//! `logfix_runtime::ecs::LINE_KEYS`); in an ECS line, logfix's own fields and the application's
//! (under `logfix` and `logfix.fields`) are found by their own names (`order_id`) as well as by
//! their full path (`logfix.fields.order_id`).

mod ecs;
mod logfix;

use core::fmt;
use std::borrow::Cow;

use logfix_runtime::Level;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::time::Timestamp;

/// A line format the CLI knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Schema {
    /// `schema/logfix-event.schema.json`: `timestamp`, `level`, `component`, `event`, `message`
    /// first.
    Logfix,
    /// `schema/ecs-event.schema.json`: `@timestamp`, `log.level`, `message` first.
    Ecs,
}

impl Schema {
    /// Every schema, in the order `check` reports them.
    pub(crate) const ALL: [Schema; 2] = [Schema::Logfix, Schema::Ecs];

    /// The schema `line` is written in: ECS when its first key is `@timestamp` (the ECS logging
    /// specification's first key), as `logfix_testkit::LineSchema::detect` decides. A line that
    /// follows none is read as a logfix line, so that it gets the logfix schema's account of
    /// what is wrong with it.
    pub(crate) fn detect(line: &[u8]) -> Schema {
        if line.trim_ascii_start().starts_with(br#"{"@timestamp""#) {
            Schema::Ecs
        } else {
            Schema::Logfix
        }
    }

    /// Its name, as `check` reports it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Schema::Logfix => "logfix",
            Schema::Ecs => "ecs",
        }
    }

    /// Checks `line` (without its newline) against every rule of the schema, including those
    /// a JSON Schema cannot express (no duplicate keys, key order, a day that exists).
    pub(crate) fn validate(self, line: &str) -> Result<(), Invalid> {
        match self {
            Schema::Logfix => logfix::validate(line),
            Schema::Ecs => ecs::validate(line),
        }
    }

    /// Reads what the commands need from `line`. Lenient where `validate` is strict: it needs
    /// the five fields to be there with the right types, nothing more.
    pub(crate) fn record(self, line: &str) -> Result<Record<'_>, Invalid> {
        match self {
            Schema::Logfix => logfix::record(line),
            Schema::Ecs => ecs::record(line),
        }
    }

    /// The timestamp and level of `line`, read from where the schema's writer puts them without
    /// parsing the rest: for skipping lines that cannot match. `None` when the line does not
    /// start that way; [`Schema::record`] then decides.
    pub(crate) fn header(self, line: &[u8]) -> Option<(Timestamp, Level)> {
        match self {
            Schema::Logfix => logfix::header(line),
            Schema::Ecs => ecs::header(line),
        }
    }

    /// The key of the request id, for `--request-id`.
    pub(crate) fn request_id_key(self) -> &'static str {
        match self {
            Schema::Logfix => "request_id",
            Schema::Ecs => "http.request.id",
        }
    }

    /// The keys the pretty format does not show as `key=value`: those it shows at the start of
    /// the line, and for ECS those that are the same on every line of a service.
    pub(crate) fn header_keys(self) -> &'static [&'static str] {
        match self {
            Schema::Logfix => &logfix::MANDATORY_KEYS,
            Schema::Ecs => &ecs::HEADER_KEYS,
        }
    }

    /// The other schema's spelling of `key`, for `FIELD=VALUE` filters (see the module's
    /// documentation).
    fn alias(self, key: &str) -> Option<&str> {
        match self {
            Schema::Logfix => logfix_runtime::ecs::LINE_KEYS
                .iter()
                .find(|(_, ecs)| *ecs == key)
                .map(|(logfix, _)| *logfix),
            Schema::Ecs => ecs::alias(key),
        }
    }
}

/// What the commands need from a line, whatever its schema.
#[derive(Debug)]
pub(crate) struct Record<'a> {
    pub(crate) schema: Schema,
    pub(crate) timestamp: Timestamp,
    pub(crate) level: Level,
    pub(crate) component: Cow<'a, str>,
    pub(crate) event: Cow<'a, str>,
    pub(crate) message: Cow<'a, str>,
    /// Every key of the line in the order written, with its value as written.
    pub(crate) fields: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> Record<'a> {
    /// Reads `line` in the schema it is written in.
    pub(crate) fn parse(line: &'a str) -> Result<Record<'a>, Invalid> {
        Schema::detect(line.as_bytes()).record(line)
    }

    /// The first value of `key`, as written, or else of its other spelling (see the module's
    /// documentation).
    pub(crate) fn field(&self, key: &str) -> Option<&'a RawValue> {
        let find = |key: &str| self.fields.iter().find(|(k, _)| k == key).map(|&(_, v)| v);
        find(key).or_else(|| self.schema.alias(key).and_then(find))
    }

    /// The request id, when the line has one.
    pub(crate) fn request_id(&self) -> Option<&'a RawValue> {
        self.field(self.schema.request_id_key())
    }
}

/// The text of a value for comparing it with what the user typed: a string's content, or the
/// JSON text of any other value (`42`, `true`, `null`, `[1,2]`).
pub(crate) fn text(value: &RawValue) -> Cow<'_, str> {
    string(value).unwrap_or(Cow::Borrowed(value.get()))
}

/// A JSON string value's content, borrowed unless it has escapes; `None` for other values.
pub(crate) fn string(value: &RawValue) -> Option<Cow<'_, str>> {
    let json = value.get();
    let inner = json.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains('\\') {
        serde_json::from_str::<String>(json).ok().map(Cow::Owned)
    } else {
        Some(Cow::Borrowed(inner))
    }
}

/// Why a line does not follow its schema. Each reads as one sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Invalid {
    /// Not UTF-8 from this byte on.
    NotUtf8 {
        valid_up_to: usize,
    },
    /// The file's last line has no newline: a torn or truncated write.
    Unterminated,
    Empty,
    /// A raw carriage return (column in characters, 1-based).
    LineBreak {
        column: usize,
    },
    /// `serde_json`'s account, with its column.
    Json(String),
    NotAnObject {
        found: &'static str,
    },
    /// The repeated key, at any depth.
    DuplicateKey {
        key: String,
    },
    Missing {
        key: &'static str,
    },
    /// A mandatory key whose value is of the wrong type.
    WrongType {
        key: &'static str,
        expected: &'static str,
        found: &'static str,
    },
    EmptyString {
        key: &'static str,
    },
    Timestamp {
        key: &'static str,
        value: String,
    },
    Level {
        key: &'static str,
        value: String,
    },
    /// A top-level key the schema does not have (`logfix` or `logfix.fields` is where it goes).
    UnknownKey {
        key: String,
    },
    /// A value of the right type that the schema does not accept.
    Value {
        key: String,
        value: String,
        expected: &'static str,
    },
    /// A mandatory key out of place (1-based position).
    KeyOrder {
        position: usize,
        expected: &'static str,
        found: String,
    },
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::NotUtf8 { valid_up_to } => {
                write!(f, "the line is not valid UTF-8 after byte {valid_up_to}")
            }
            Invalid::Unterminated => f.write_str(
                "the last line does not end with a newline (a torn or truncated write?)",
            ),
            Invalid::Empty => f.write_str("empty line: every line must hold one JSON object"),
            Invalid::LineBreak { column } => {
                write!(f, "raw line break at column {column}: an event must be exactly one line")
            }
            Invalid::Json(e) => write!(f, "not valid JSON: {e}"),
            Invalid::NotAnObject { found } => write!(f, "expected a JSON object, found {found}"),
            Invalid::DuplicateKey { key } => {
                write!(f, "duplicate key `{key}`: no key may appear twice in an object")
            }
            Invalid::Missing { key } => write!(f, "`{key}` is missing"),
            Invalid::WrongType { key, expected, found } => {
                write!(f, "`{key}` is {found}, expected {expected}")
            }
            Invalid::EmptyString { key } => write!(f, "`{key}` is an empty string"),
            Invalid::Timestamp { key, value } => write!(
                f,
                "`{key}` {value:?} is not a UTC time of the form 2026-11-28T04:39:13.123456Z \
                 naming a real day"
            ),
            Invalid::Level { key, value } => {
                write!(f, "`{key}` {value:?} is not one of trace, debug, info, warn, error")
            }
            Invalid::UnknownKey { key } => write!(
                f,
                "`{key}` is not a field of an ECS line of logfix: an application's field belongs \
                 under `logfix.fields`"
            ),
            Invalid::Value { key, value, expected } => {
                write!(f, "`{key}` is {value}, expected {expected}")
            }
            Invalid::KeyOrder { position, expected, found } => {
                let first = if ecs::FIRST_KEYS.contains(expected) {
                    "an ECS line starts with `@timestamp`, `log.level`, `message`"
                } else {
                    "a line starts with `timestamp`, `level`, `component`, `event`, `message`"
                };
                write!(
                    f,
                    "key {position} is `{found}`, expected `{expected}`: {first} in this order"
                )
            }
        }
    }
}

/// A line's top-level keys, in the order written, each with its value as written. Parsing this
/// checks that the line is one JSON object and nothing else, but not what is inside the values.
struct Fields<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'a> Fields<'a> {
    fn parse(line: &'a str) -> Result<Self, Invalid> {
        serde_json::from_str(line).map_err(|e| Invalid::Json(e.to_string()))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Fields<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldsVisitor;
        impl<'de> Visitor<'de> for FieldsVisitor {
            type Value = Fields<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
                let mut fields = Vec::with_capacity(16);
                while let Some(Key(key)) = map.next_key()? {
                    fields.push((key, map.next_value()?));
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(FieldsVisitor)
    }
}

/// An object key, borrowed from the line unless it has escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"timestamp":"2026-11-28T04:39:13.123456Z","level":"warn","component":"db\u002epool","event":"slow","message":"took \"long\"","request_id":"r-1","n":42,"nested":{"a":[1,2]}}"#;

    #[test]
    fn reads_a_record_borrowing_what_has_no_escapes() {
        let record = Record::parse(LINE).unwrap();
        assert_eq!(record.timestamp.to_string(), "2026-11-28T04:39:13.123456Z");
        assert_eq!(record.level, Level::Warn);
        assert_eq!(record.component, "db.pool");
        assert!(matches!(record.event, Cow::Borrowed("slow")));
        assert_eq!(record.message, "took \"long\"");
        assert_eq!(record.request_id().map(RawValue::get), Some(r#""r-1""#));
        assert_eq!(text(record.field("n").unwrap()), "42");
        assert_eq!(text(record.field("nested").unwrap()), r#"{"a":[1,2]}"#);
        assert_eq!(record.fields.len(), 8);
    }

    #[test]
    fn a_record_needs_the_five_fields_with_their_types() {
        let without = |key: &str| {
            let fields: Vec<_> = LINE.split(",\"").filter(|f| !f.starts_with(key)).collect();
            fields.join(",\"")
        };
        assert_eq!(
            Record::parse(&without("level")).unwrap_err(),
            Invalid::Missing { key: "level" }
        );
        let line = LINE.replace(r#""warn""#, r#""fatal""#);
        assert_eq!(
            Record::parse(&line).unwrap_err(),
            Invalid::Level { key: "level", value: "fatal".into() }
        );
        let line = LINE.replace(r#""slow""#, "7");
        assert!(matches!(
            Record::parse(&line).unwrap_err(),
            Invalid::WrongType { key: "event", .. }
        ));
        assert!(matches!(Record::parse("[1]").unwrap_err(), Invalid::Json(_)));
        assert!(matches!(Record::parse(&format!("{LINE} {{}}")).unwrap_err(), Invalid::Json(_)));
    }
}
