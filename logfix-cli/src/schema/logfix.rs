//! logfix's own schema, `schema/logfix-event.schema.json`, checked by hand.
//!
//! [`validate`] gives the verdict of the JSON Schema plus the rules `logfix_testkit::validate_line`
//! adds (one object per line, no duplicate keys at any depth, the five keys first and in order, a
//! day that exists); `tests/schema_agreement.rs` compares the two on a corpus of valid and
//! invalid lines. By hand because a generic validator builds a `serde_json::Value` per line and
//! walks the schema over it, which costs several times the parse itself.

use core::cell::{Cell, RefCell};
use core::fmt;
use std::borrow::Cow;
use std::collections::HashSet;

use logfix_runtime::{Level, CONTEXT_KEYS};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::{Fields, Invalid, Key, Record, Schema};
use crate::time::Timestamp;

/// The keys every line starts with, in this order: the schema's `required`.
pub(super) const MANDATORY_KEYS: [&str; 5] =
    ["timestamp", "level", "component", "event", "message"];

/// Checks `line` (without its newline) against the schema and the line rules.
pub(super) fn validate(line: &str) -> Result<(), Invalid> {
    if let Some(column) = line.chars().position(|c| c == '\n' || c == '\r') {
        return Err(Invalid::LineBreak { column: column + 1 });
    }
    if line.is_empty() {
        return Err(Invalid::Empty);
    }
    let duplicate = Cell::new(None);
    let top = RefCell::new(TopLevel::default());
    let mut de = serde_json::Deserializer::from_str(line);
    let shape = Strict { duplicate: &duplicate, top: Some(&top) }.deserialize(&mut de);
    if let Some(key) = duplicate.take() {
        return Err(Invalid::DuplicateKey { key });
    }
    let shape = shape.map_err(|e| Invalid::Json(e.to_string()))?;
    de.end().map_err(|e| Invalid::Json(e.to_string()))?;
    let TopLevel { object, first_keys, values, not_a_string } = top.into_inner();
    if !object {
        return Err(Invalid::NotAnObject { found: shape.kind() });
    }
    Header::check(values)?;
    if let Some((key, found)) = not_a_string {
        return Err(Invalid::WrongType { key, expected: "a string or null", found });
    }
    for (position, (expected, found)) in MANDATORY_KEYS.into_iter().zip(first_keys).enumerate() {
        if expected != found {
            let found = found.into_owned();
            return Err(Invalid::KeyOrder { position: position + 1, expected, found });
        }
    }
    Ok(())
}

/// The line rules every schema shares: one JSON object and nothing else, no raw line break, no
/// key twice in any object, strings and numbers as `serde_json` reads them.
pub(super) fn check_object(line: &str) -> Result<(), Invalid> {
    if let Some(column) = line.chars().position(|c| c == '\n' || c == '\r') {
        return Err(Invalid::LineBreak { column: column + 1 });
    }
    if line.is_empty() {
        return Err(Invalid::Empty);
    }
    let duplicate = Cell::new(None);
    let mut de = serde_json::Deserializer::from_str(line);
    let shape = Strict { duplicate: &duplicate, top: None }.deserialize(&mut de);
    if let Some(key) = duplicate.take() {
        return Err(Invalid::DuplicateKey { key });
    }
    let shape = shape.map_err(|e| Invalid::Json(e.to_string()))?;
    de.end().map_err(|e| Invalid::Json(e.to_string()))?;
    match shape.kind() {
        "an object" => Ok(()),
        found => Err(Invalid::NotAnObject { found }),
    }
}

/// Reads the five fields, wherever they are in the line, and keeps every field as written.
pub(super) fn record(line: &str) -> Result<Record<'_>, Invalid> {
    let Fields(fields) = Fields::parse(line)?;
    let values = MANDATORY_KEYS
        .map(|key| fields.iter().find(|(k, _)| k == key).map(|&(_, value)| Shape::of(value)));
    let Header { timestamp, level, component, event, message } = Header::check(values)?;
    Ok(Record { schema: Schema::Logfix, timestamp, level, component, event, message, fields })
}

/// The timestamp and level from the start of a line as logfix writes it:
/// `{"timestamp":"2026-11-28T04:39:13.123456Z","level":"info",`.
pub(super) fn header(line: &[u8]) -> Option<(Timestamp, Level)> {
    let rest = line.strip_prefix(br#"{"timestamp":""#)?;
    let (timestamp, rest) = rest.split_at_checked(27)?;
    let timestamp = Timestamp::parse_line_format(core::str::from_utf8(timestamp).ok()?)?;
    let rest = rest.strip_prefix(br#"","level":""#)?;
    let level = rest.get(..memchr::memchr(b'"', rest)?)?;
    Some((timestamp, parse_level(core::str::from_utf8(level).ok()?)?))
}

/// The five mandatory fields, checked.
struct Header<'a> {
    timestamp: Timestamp,
    level: Level,
    component: Cow<'a, str>,
    event: Cow<'a, str>,
    message: Cow<'a, str>,
}

impl<'a> Header<'a> {
    /// Checks the values of [`MANDATORY_KEYS`], in that order (`None` when a key is missing).
    fn check(values: [Option<Shape<'a>>; 5]) -> Result<Header<'a>, Invalid> {
        let mut strings = MANDATORY_KEYS.into_iter().zip(values).map(|(key, value)| match value {
            None => Err(Invalid::Missing { key }),
            Some(Shape::Str(s)) => Ok((key, s)),
            Some(Shape::Other(found)) => {
                Err(Invalid::WrongType { key, expected: "a string", found })
            }
        });
        let mut next = || strings.next().unwrap_or(Err(Invalid::Missing { key: "message" }));
        let (_, timestamp) = next()?;
        let timestamp = Timestamp::parse_line_format(&timestamp).ok_or_else(|| {
            Invalid::Timestamp { key: "timestamp", value: timestamp.into_owned() }
        })?;
        let (_, level) = next()?;
        let level = parse_level(&level)
            .ok_or_else(|| Invalid::Level { key: "level", value: level.into_owned() })?;
        let non_empty = |(key, s): (&'static str, Cow<'a, str>)| {
            if s.is_empty() {
                Err(Invalid::EmptyString { key })
            } else {
                Ok(s)
            }
        };
        let component = non_empty(next()?)?;
        let event = non_empty(next()?)?;
        let (_, message) = next()?;
        Ok(Header { timestamp, level, component, event, message })
    }
}

/// The level names of the schema's `enum`, exactly.
pub(super) fn parse_level(text: &str) -> Option<Level> {
    Level::ALL.into_iter().find(|level| level.as_str() == text)
}

/// What the schema looks at in a value: a string's content, or the kind of anything else.
enum Shape<'a> {
    Str(Cow<'a, str>),
    Other(&'static str),
}

impl<'a> Shape<'a> {
    fn of(value: &'a RawValue) -> Shape<'a> {
        if let Some(s) = super::string(value) {
            return Shape::Str(s);
        }
        Shape::Other(match value.get().as_bytes().first() {
            Some(b'"') => "a string with an invalid escape",
            Some(b'{') => "an object",
            Some(b'[') => "an array",
            Some(b't' | b'f') => "a boolean",
            Some(b'n') => "null",
            _ => "a number",
        })
    }
}

impl Shape<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Shape::Str(_) => "a string",
            Shape::Other(kind) => kind,
        }
    }
}

/// What [`validate`] gathers at the top level of a line.
#[derive(Default)]
struct TopLevel<'de> {
    /// Whether it is an object.
    object: bool,
    /// Its first five keys.
    first_keys: Vec<Cow<'de, str>>,
    /// The values of [`MANDATORY_KEYS`].
    values: [Option<Shape<'de>>; 5],
    /// The first context id (`request_id`, ...) that is neither a string nor `null`, and what
    /// it is instead.
    not_a_string: Option<(&'static str, &'static str)>,
}

/// Visits any value to its end, as `serde_json::Value` would be built from it (numbers in range,
/// strings with valid escapes), and fails on the first object that repeats a key. At the top
/// level (`top`), it also gathers what the schema checks.
struct Strict<'s, 'de> {
    duplicate: &'s Cell<Option<String>>,
    top: Option<&'s RefCell<TopLevel<'de>>>,
}

impl<'s, 'de> Strict<'s, 'de> {
    fn nested(&self) -> Strict<'s, 'de> {
        Strict { duplicate: self.duplicate, top: None }
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_, 'de> {
    type Value = Shape<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Shape<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_, 'de> {
    type Value = Shape<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Shape<'de>, E> {
        Ok(Shape::Other("a boolean"))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Shape<'de>, E> {
        Ok(Shape::Other("a number"))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Shape<'de>, E> {
        Ok(Shape::Other("a number"))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Shape<'de>, E> {
        Ok(Shape::Other("a number"))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Shape<'de>, E> {
        Ok(Shape::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Shape<'de>, E> {
        Ok(Shape::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_unit<E>(self) -> Result<Shape<'de>, E> {
        Ok(Shape::Other("null"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape<'de>, A::Error> {
        while seq.next_element_seed(self.nested())?.is_some() {}
        Ok(Shape::Other("an array"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape<'de>, A::Error> {
        let mut keys = KeySet::default();
        while let Some(Key(key)) = map.next_key()? {
            keys.check(&key, self.duplicate)?;
            let shape = map.next_value_seed(self.nested())?;
            if let Some(top) = self.top {
                let mut top = top.borrow_mut();
                let id = CONTEXT_KEYS.iter().find(|k| **k == key);
                if let (Some(id), Shape::Other(found), None) = (id, &shape, &top.not_a_string) {
                    if *found != "null" {
                        top.not_a_string = Some((id, found));
                    }
                }
                if let Some(i) = MANDATORY_KEYS.iter().position(|k| *k == key) {
                    if let Some(slot) = top.values.get_mut(i) {
                        *slot = Some(shape);
                    }
                }
                if top.first_keys.len() < MANDATORY_KEYS.len() {
                    top.first_keys.push(key.clone());
                }
            }
            keys.push(key);
        }
        if let Some(top) = self.top {
            top.borrow_mut().object = true;
        }
        Ok(Shape::Other("an object"))
    }
}

/// The keys of one object seen so far: a list while it is short (most objects), a hash set
/// beyond, so that an object with thousands of keys is not checked in quadratic time.
#[derive(Default)]
struct KeySet<'de> {
    few: Vec<Cow<'de, str>>,
    many: HashSet<Cow<'de, str>>,
}

impl<'de> KeySet<'de> {
    const FEW: usize = 32;

    /// Fails, recording the key in `duplicate`, if `key` was seen already.
    fn check<E: de::Error>(&self, key: &str, duplicate: &Cell<Option<String>>) -> Result<(), E> {
        if self.few.iter().any(|k| k == key) || self.many.contains(key) {
            duplicate.set(Some(key.to_owned()));
            return Err(E::custom(format!("duplicate key `{key}`")));
        }
        Ok(())
    }

    /// Remembers `key`, which [`KeySet::check`] accepted.
    fn push(&mut self, key: Cow<'de, str>) {
        if self.few.len() < Self::FEW {
            self.few.push(key);
        } else {
            self.many.insert(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"{"timestamp":"2026-11-28T04:39:13.123456Z","level":"info","component":"auth","event":"user_login","message":"user 42 logged in","request_id":"req-1","user_id":"u-42","n":42}"#;

    #[test]
    fn accepts_a_valid_line() {
        validate(VALID).unwrap();
    }

    #[test]
    fn names_what_is_wrong() {
        let cases: &[(&str, Invalid)] = &[
            ("", Invalid::Empty),
            ("[1,2]", Invalid::NotAnObject { found: "an array" }),
            (r#"{"a":{"b":[{"c":1,"c":2}]}}"#, Invalid::DuplicateKey { key: "c".into() }),
            (r#"{"a":1,"\u0061":2}"#, Invalid::DuplicateKey { key: "a".into() }),
            ("1", Invalid::NotAnObject { found: "a number" }),
            ("{}", Invalid::Missing { key: "timestamp" }),
        ];
        for (line, expected) in cases {
            assert_eq!(&validate(line).unwrap_err(), expected, "{line}");
        }
        let swapped = VALID.replace(
            r#""component":"auth","event":"user_login""#,
            r#""event":"user_login","component":"auth""#,
        );
        assert_eq!(
            validate(&swapped).unwrap_err(),
            Invalid::KeyOrder { position: 3, expected: "component", found: "event".into() }
        );
        let line = VALID.replace("\"info\"", "\"INFO\"");
        assert_eq!(
            validate(&line).unwrap_err(),
            Invalid::Level { key: "level", value: "INFO".into() }
        );
        let line = VALID.replace("2026-11-28", "2026-02-29");
        assert!(matches!(validate(&line).unwrap_err(), Invalid::Timestamp { .. }));
        let line = VALID.replace("\"auth\"", "\"\"");
        assert_eq!(validate(&line).unwrap_err(), Invalid::EmptyString { key: "component" });
        assert!(matches!(validate(&format!("{VALID}{{}}")).unwrap_err(), Invalid::Json(_)));
        assert!(matches!(validate(&VALID.replace("42}", "1e400}")).unwrap_err(), Invalid::Json(_)));
        assert_eq!(
            validate(&format!("{VALID}\r")).unwrap_err(),
            Invalid::LineBreak { column: VALID.len() + 1 }
        );
    }

    #[test]
    fn reads_the_header_where_logfix_writes_it() {
        let record = record(VALID).unwrap();
        assert_eq!(header(VALID.as_bytes()), Some((record.timestamp, record.level)));
        for other in [
            VALID.replace("\"info\"", "\"\\u0069nfo\""),
            VALID.replace("{\"timestamp\"", "{ \"timestamp\""),
            VALID.replace(
                "\"level\":\"info\",\"component\":\"auth\"",
                "\"component\":\"auth\",\"level\":\"info\"",
            ),
            VALID.replace(".123456Z", ".123456"),
        ] {
            assert_eq!(header(other.as_bytes()), None, "{other}");
        }
    }

    #[test]
    fn many_keys_are_checked_for_duplicates_too() {
        let keys: Vec<String> = (0..100).map(|i| format!(r#""k{i}":{i}"#)).collect();
        let line = VALID.replace('}', &format!(",{},\"k99\":0}}", keys.join(",")));
        assert_eq!(validate(&line).unwrap_err(), Invalid::DuplicateKey { key: "k99".into() });
    }
}
