//! logfix's own schema, `schema/logfix-event.schema.json`, checked by hand.
//!
//! [`validate`] gives the verdict of the JSON Schema plus the rules `logfix_testkit::validate_line`
//! adds (one object per line, no duplicate keys at any depth, the five keys first and in order, a
//! day that exists); `tests/schema_agreement.rs` compares the two on a corpus of valid and
//! invalid lines. By hand because a generic validator builds a `serde_json::Value` per line and
//! walks the schema over it, which costs several times the parse itself.

use core::cell::Cell;
use core::fmt;
use std::borrow::Cow;
use std::collections::HashSet;

use logfix_runtime::Level;
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
    let mut de = serde_json::Deserializer::from_str(line);
    let parsed = de.deserialize_any(TopLevel { duplicate: &duplicate });
    if let Some(pointer) = duplicate.take() {
        return Err(Invalid::DuplicateKey { pointer });
    }
    let parsed = parsed.map_err(|e| Invalid::Json(e.to_string()))?;
    de.end().map_err(|e| Invalid::Json(e.to_string()))?;
    let (first_keys, values) = match parsed {
        Parsed::Object { first_keys, values } => (first_keys, values),
        Parsed::Other(found) => return Err(Invalid::NotAnObject { found }),
    };
    Header::check(values)?;
    for (position, (expected, found)) in MANDATORY_KEYS.into_iter().zip(first_keys).enumerate() {
        if expected != found {
            let found = found.into_owned();
            return Err(Invalid::KeyOrder { position: position + 1, expected, found });
        }
    }
    Ok(())
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
        let timestamp = Timestamp::parse_line_format(&timestamp)
            .ok_or_else(|| Invalid::Timestamp { value: timestamp.into_owned() })?;
        let (_, level) = next()?;
        let level =
            parse_level(&level).ok_or_else(|| Invalid::Level { value: level.into_owned() })?;
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
fn parse_level(text: &str) -> Option<Level> {
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

/// The top level of a line as [`validate`] reads it.
enum Parsed<'de> {
    /// An object: its first five keys, and the values of the mandatory keys.
    Object { first_keys: Vec<Cow<'de, str>>, values: [Option<Shape<'de>>; 5] },
    /// Something else, e.g. "an array".
    Other(&'static str),
}

/// The visitor of the top level: like [`Strict`], and keeps what the schema checks.
struct TopLevel<'s> {
    duplicate: &'s Cell<Option<String>>,
}

impl<'de> Visitor<'de> for TopLevel<'_> {
    type Value = Parsed<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parsed<'de>, A::Error> {
        let mut keys = KeySet::default();
        let mut first_keys = Vec::with_capacity(MANDATORY_KEYS.len());
        let mut values = [None, None, None, None, None];
        while let Some(Key(key)) = map.next_key()? {
            keys.insert(&key, Pointer::Root, self.duplicate)?;
            let seed =
                Strict { duplicate: self.duplicate, pointer: Pointer::Key(&Pointer::Root, &key) };
            let shape = map.next_value_seed(seed)?;
            if let Some(i) = MANDATORY_KEYS.iter().position(|k| *k == key) {
                if let Some(slot) = values.get_mut(i) {
                    *slot = Some(shape);
                }
            }
            if first_keys.len() < MANDATORY_KEYS.len() {
                first_keys.push(key.clone());
            }
            keys.push(key);
        }
        Ok(Parsed::Object { first_keys, values })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Parsed<'de>, A::Error> {
        Strict { duplicate: self.duplicate, pointer: Pointer::Root }.visit_seq(seq)?;
        Ok(Parsed::Other("an array"))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Parsed<'de>, E> {
        Ok(Parsed::Other("a boolean"))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Parsed<'de>, E> {
        Ok(Parsed::Other("a number"))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Parsed<'de>, E> {
        Ok(Parsed::Other("a number"))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Parsed<'de>, E> {
        Ok(Parsed::Other("a number"))
    }

    fn visit_str<E>(self, _: &str) -> Result<Parsed<'de>, E> {
        Ok(Parsed::Other("a string"))
    }

    fn visit_unit<E>(self) -> Result<Parsed<'de>, E> {
        Ok(Parsed::Other("null"))
    }
}

/// Visits any value to its end, as `serde_json::Value` would be built from it (numbers in range,
/// strings with valid escapes), and fails on the first object that repeats a key.
struct Strict<'s, 'p> {
    duplicate: &'s Cell<Option<String>>,
    pointer: Pointer<'p>,
}

impl<'de> DeserializeSeed<'de> for Strict<'_, '_> {
    type Value = Shape<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Shape<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_, '_> {
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
        let mut index = 0;
        loop {
            let pointer = Pointer::Index(&self.pointer, index);
            if seq.next_element_seed(Strict { duplicate: self.duplicate, pointer })?.is_none() {
                return Ok(Shape::Other("an array"));
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape<'de>, A::Error> {
        let mut keys = KeySet::default();
        while let Some(Key(key)) = map.next_key()? {
            keys.insert(&key, self.pointer, self.duplicate)?;
            let pointer = Pointer::Key(&self.pointer, &key);
            map.next_value_seed(Strict { duplicate: self.duplicate, pointer })?;
            keys.push(key);
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

    /// Fails, recording where, if `key` was seen already in the object at `parent`.
    fn insert<E: de::Error>(
        &self,
        key: &str,
        parent: Pointer<'_>,
        duplicate: &Cell<Option<String>>,
    ) -> Result<(), E> {
        if self.few.iter().any(|k| k == key) || self.many.contains(key) {
            let pointer = Pointer::Key(&parent, key).to_string();
            let message = format!("duplicate key `{pointer}`");
            duplicate.set(Some(pointer));
            return Err(E::custom(message));
        }
        Ok(())
    }

    /// Remembers `key`, which [`KeySet::insert`] accepted.
    fn push(&mut self, key: Cow<'de, str>) {
        if self.few.len() < Self::FEW {
            self.few.push(key);
        } else {
            self.many.insert(key);
        }
    }
}

/// Where a value sits in the line, as a chain of parents, rendered as a JSON pointer on error.
#[derive(Clone, Copy)]
enum Pointer<'a> {
    Root,
    Key(&'a Pointer<'a>, &'a str),
    Index(&'a Pointer<'a>, usize),
}

impl fmt::Display for Pointer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pointer::Root => Ok(()),
            // RFC 6901 escapes.
            Pointer::Key(parent, key) => {
                write!(f, "{parent}/{}", key.replace('~', "~0").replace('/', "~1"))
            }
            Pointer::Index(parent, index) => write!(f, "{parent}/{index}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"{"timestamp":"2026-11-28T04:39:13.123456Z","level":"info","component":"auth","event":"user_login","message":"user 42 logged in","request_id":"req-1","user_id":42}"#;

    #[test]
    fn accepts_a_valid_line() {
        validate(VALID).unwrap();
    }

    #[test]
    fn names_what_is_wrong() {
        let cases: &[(&str, Invalid)] = &[
            ("", Invalid::Empty),
            ("[1,2]", Invalid::NotAnObject { found: "an array" }),
            (
                r#"{"a":{"b":[{"c":1,"c":2}]}}"#,
                Invalid::DuplicateKey { pointer: "/a/b/0/c".into() },
            ),
            (r#"{"a/b":1,"a/b":2}"#, Invalid::DuplicateKey { pointer: "/a~1b".into() }),
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
        assert_eq!(validate(&line).unwrap_err(), Invalid::Level { value: "INFO".into() });
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
        assert_eq!(validate(&line).unwrap_err(), Invalid::DuplicateKey { pointer: "/k99".into() });
    }
}
