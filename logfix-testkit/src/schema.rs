//! Validating lines and files against the published JSON schemas, logfix's own
//! (`schema/logfix-event.schema.json`) and its Elastic Common Schema form
//! (`schema/ecs-event.schema.json`, `LOGFIX_SCHEMA=ecs`), plus the rules a JSON Schema cannot
//! express: one object per line, no duplicate keys, the mandatory keys first and in order, and a
//! timestamp that names a real day.

use core::cell::RefCell;
use core::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use boon::{Compiler, SchemaIndex, Schemas, ValidationError};
use flate2::read::MultiGzDecoder;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// The published JSON schema of a logfix line (draft 2020-12), as text.
///
/// It is `schema/logfix-event.schema.json` at the root of the logfix repository. The crate embeds
/// its own copy, `logfix-testkit/schema/logfix-event.schema.json`, so that it still builds once
/// packaged; a test checks that the copy is identical to the published file.
///
/// # Examples
/// ```
/// let schema: serde_json::Value = serde_json::from_str(logfix_testkit::SCHEMA).unwrap();
/// assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
/// ```
pub const SCHEMA: &str = include_str!("../schema/logfix-event.schema.json");

/// The published JSON schema of a line in the Elastic Common Schema form (`LOGFIX_SCHEMA=ecs`,
/// draft 2020-12), as text: `schema/ecs-event.schema.json`, embedded like [`SCHEMA`].
///
/// # Examples
/// ```
/// let schema: serde_json::Value = serde_json::from_str(logfix_testkit::ECS_SCHEMA).unwrap();
/// assert_eq!(schema["required"][0], "@timestamp");
/// ```
pub const ECS_SCHEMA: &str = include_str!("../schema/ecs-event.schema.json");

/// The keys every line starts with, in this order.
const MANDATORY_KEYS: [&str; 5] = ["timestamp", "level", "component", "event", "message"];

/// The keys every ECS line starts with, in this order (the ECS logging specification's).
const ECS_FIRST_KEYS: [&str; 3] = ["@timestamp", "log.level", "message"];

/// The schema a line is checked against.
///
/// # Examples
/// ```
/// use logfix_testkit::LineSchema;
///
/// assert_eq!(LineSchema::detect(r#"{"@timestamp":"2026-11-28T04:39:13.123456Z"}"#), LineSchema::Ecs);
/// assert_eq!(LineSchema::detect(r#"{"timestamp":"2026-11-28T04:39:13.123456Z"}"#), LineSchema::Logfix);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LineSchema {
    /// logfix's own schema, [`SCHEMA`] (`LOGFIX_SCHEMA=logfix`, the default).
    Logfix,
    /// The Elastic Common Schema form, [`ECS_SCHEMA`] (`LOGFIX_SCHEMA=ecs`).
    Ecs,
}

impl LineSchema {
    /// The schema a line was written in, from its first key: `@timestamp` for ECS, anything
    /// else for logfix (whose checks then say what is wrong).
    #[must_use]
    pub fn detect(line: &str) -> Self {
        if line.trim_start().starts_with(r#"{"@timestamp""#) {
            Self::Ecs
        } else {
            Self::Logfix
        }
    }

    fn text(self) -> &'static str {
        match self {
            Self::Logfix => SCHEMA,
            Self::Ecs => ECS_SCHEMA,
        }
    }

    fn first_keys(self) -> &'static [&'static str] {
        match self {
            Self::Logfix => &MANDATORY_KEYS,
            Self::Ecs => &ECS_FIRST_KEYS,
        }
    }

    fn timestamp_key(self) -> &'static str {
        match self {
            Self::Logfix => "timestamp",
            Self::Ecs => "@timestamp",
        }
    }
}

/// The keys an audit record ends with, in this order.
const AUDIT_KEYS: [&str; 2] = ["audit_seq", "audit_chain"];

/// Why a line or a file does not follow the logfix line format, and where.
///
/// Its `Display` reads `path:line: reason` for a file, `reason` for a single line; the reason
/// includes the text of the I/O or JSON error behind it, if any.
#[derive(Debug)]
pub struct SchemaError {
    path: Option<PathBuf>,
    line: Option<usize>,
    kind: SchemaErrorKind,
}

/// What is wrong with a line (or with reading a file).
#[derive(Debug)]
#[non_exhaustive]
pub enum SchemaErrorKind {
    /// The file could not be opened or read (including a corrupt `.gz` stream).
    Io(io::Error),
    /// The line is not valid UTF-8; its first `valid_up_to` bytes are.
    #[non_exhaustive]
    NotUtf8 {
        /// How many bytes at the start of the line are valid UTF-8.
        valid_up_to: usize,
    },
    /// The last line of a file does not end with `\n`: a torn or truncated write.
    Unterminated,
    /// The line is empty.
    Empty,
    /// A raw `\n` or `\r` inside the line: one event must be exactly one line.
    #[non_exhaustive]
    LineBreak {
        /// The 1-based column (in characters) of the line break.
        column: usize,
    },
    /// The line is not valid JSON.
    Json(serde_json::Error),
    /// More text follows the JSON object, e.g. two objects on one line.
    #[non_exhaustive]
    TrailingCharacters {
        /// The 1-based column (in bytes) where the extra text starts.
        column: usize,
    },
    /// The line is valid JSON but not an object.
    #[non_exhaustive]
    NotAnObject {
        /// What it is instead: `"an array"`, `"a string"`, ...
        found: &'static str,
    },
    /// An object has the same key twice.
    #[non_exhaustive]
    DuplicateKey {
        /// A JSON pointer to the repeated key, e.g. `/user_id` or `/payload/id`.
        pointer: String,
    },
    /// The object does not satisfy the published JSON schema.
    #[non_exhaustive]
    Schema {
        /// One message per failed constraint, each naming the offending key.
        errors: Vec<String>,
    },
    /// The mandatory keys are all present but not first and in order.
    #[non_exhaustive]
    KeyOrder {
        /// The 1-based position in the object.
        position: usize,
        /// The key that belongs there.
        expected: &'static str,
        /// The key found there.
        found: String,
    },
    /// The timestamp has the right shape but names a day that does not exist (`2026-02-30`).
    #[non_exhaustive]
    NoSuchDay {
        /// The timestamp as written.
        timestamp: String,
    },
    /// A line has one of the audit keys (`audit_seq`, `audit_chain`) but not both as its last
    /// two keys, in this order.
    #[non_exhaustive]
    AuditKeys {
        /// The keys the line ends with.
        found: Vec<String>,
    },
    /// The embedded schema itself failed to compile: a bug in logfix-testkit.
    InvalidSchema(String),
}

impl SchemaError {
    fn new(kind: SchemaErrorKind) -> Self {
        Self { path: None, line: None, kind }
    }

    /// The file the error is in, for errors of [`validate_file`].
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The 1-based number of the offending line, for errors of [`validate_file`] (other than
    /// failing to open the file).
    #[must_use]
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// What is wrong.
    #[must_use]
    pub fn kind(&self) -> &SchemaErrorKind {
        &self.kind
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.path {
            write!(f, "{}:", path.display())?;
        }
        if let Some(line) = self.line {
            if self.path.is_some() {
                write!(f, "{line}:")?;
            } else {
                write!(f, "line {line}:")?;
            }
        }
        if self.path.is_some() || self.line.is_some() {
            f.write_str(" ")?;
        }
        fmt::Display::fmt(&self.kind, f)
    }
}

impl fmt::Display for SchemaErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "cannot read the file: {e}"),
            Self::NotUtf8 { valid_up_to } => {
                write!(f, "the line is not valid UTF-8 after byte {valid_up_to}")
            }
            Self::Unterminated => f.write_str(
                "the last line does not end with a newline (a torn or truncated write?)",
            ),
            Self::Empty => f.write_str("empty line: every line must hold one JSON object"),
            Self::LineBreak { column } => write!(
                f,
                "raw line break at column {column}: an event must be exactly one line \
                 (line breaks inside strings must be escaped as `\\n`)"
            ),
            Self::Json(e) => write!(f, "not valid JSON: {e}"),
            Self::TrailingCharacters { column } => write!(
                f,
                "unexpected text after the JSON object at column {column}: \
                 exactly one object per line (two objects on one line?)"
            ),
            Self::NotAnObject { found } => {
                write!(f, "expected a JSON object, found {found}")
            }
            Self::DuplicateKey { pointer } => {
                write!(f, "duplicate key `{pointer}`: no key may appear twice in an object")
            }
            Self::Schema { errors } => {
                write!(f, "does not match the schema: {}", errors.join("; "))
            }
            Self::KeyOrder { position, expected, found } => {
                let first = if ECS_FIRST_KEYS.contains(expected) {
                    "an ECS line starts with `@timestamp`, `log.level`, `message`"
                } else {
                    "a line starts with `timestamp`, `level`, `component`, `event`, `message`"
                };
                write!(
                    f,
                    "key {position} is `{found}`, expected `{expected}`: {first} in this order"
                )
            }
            Self::NoSuchDay { timestamp } => {
                write!(f, "`timestamp` {timestamp:?} names a day that does not exist")
            }
            Self::AuditKeys { found } => write!(
                f,
                "an audit record ends with `audit_seq`, `audit_chain` in this order; this line \
                 ends with {found:?}"
            ),
            Self::InvalidSchema(e) => {
                write!(f, "an embedded schema does not compile (a logfix-testkit bug): {e}")
            }
        }
    }
}

/// No `source()`: the `Display` already ends with the I/O or JSON error's own text, and a
/// reporter that prints the chain would print it twice. [`SchemaError::kind`] gives the error
/// itself.
impl std::error::Error for SchemaError {}

impl From<SchemaErrorKind> for SchemaError {
    fn from(kind: SchemaErrorKind) -> Self {
        Self::new(kind)
    }
}

/// Checks one line against the logfix line format and returns its keys and values.
///
/// The line is checked against the published JSON schema ([`SCHEMA`]) and against the rules a
/// schema cannot express: the line holds exactly one JSON object and nothing else (one trailing
/// `\n` is accepted as its terminator, any other raw `\n` or `\r` is not), no object in it has a
/// duplicate key (at any depth), the mandatory keys `timestamp`, `level`, `component`, `event`,
/// `message` come first and in that order, the timestamp names a day that exists, and an audit
/// record's `audit_seq` and `audit_chain` are its last two keys, in that order.
///
/// The returned map is a `serde_json::Map`, which iterates in its own order (sorted by key unless
/// `serde_json`'s `preserve_order` feature is on), not in the order of the line.
///
/// # Errors
///
/// A [`SchemaError`] saying what is wrong; its [`kind`](SchemaError::kind) tells which rule broke.
///
/// # Examples
/// ```
/// let line = r#"{"timestamp":"2026-11-28T04:39:13.123456Z","level":"info","component":"auth","event":"user_login","message":"user 42 logged in","account_id":42}"#;
/// let event = logfix_testkit::validate_line(line).unwrap();
/// assert_eq!(event["account_id"], 42);
///
/// let err = logfix_testkit::validate_line(r#"{"level":"info"}"#).unwrap_err();
/// assert!(err.to_string().contains("timestamp"));
/// ```
pub fn validate_line(line: &str) -> Result<Map<String, Value>, SchemaError> {
    validate_line_as(line, LineSchema::Logfix)
}

/// Checks one line against `schema`, as [`validate_line`] does for logfix's: for
/// [`LineSchema::Ecs`], against [`ECS_SCHEMA`], with `@timestamp`, `log.level` and `message` as
/// the first keys in this order, no duplicate key and a `@timestamp` that names a day that
/// exists. Use [`LineSchema::detect`] when either schema may be in use.
///
/// # Errors
///
/// A [`SchemaError`] saying what is wrong, as for [`validate_line`].
///
/// # Examples
/// ```
/// use logfix_testkit::{validate_line_as, LineSchema};
///
/// let line = r#"{"@timestamp":"2026-11-28T04:39:13.123456Z","log.level":"info","message":"hi","ecs.version":"8.11.0","service.name":"shop","event.dataset":"shop.log","log.logger":"auth","event.action":"user_login","logfix":{"fields":{"user":"ann"}}}"#;
/// let event = validate_line_as(line, LineSchema::detect(line)).unwrap();
/// assert_eq!(event["logfix"]["fields"]["user"], "ann");
///
/// // An application field at the top level could conflict with an ECS field: refused.
/// let bad = line.replace(r#""logfix":{"fields":{"user":"ann"}}"#, r#""user":"ann""#);
/// assert!(validate_line_as(&bad, LineSchema::Ecs).is_err());
/// ```
pub fn validate_line_as(line: &str, schema: LineSchema) -> Result<Map<String, Value>, SchemaError> {
    let text = line.strip_suffix('\n').unwrap_or(line);
    if let Some(column) = text.chars().position(|c| c == '\n' || c == '\r') {
        return Err(SchemaErrorKind::LineBreak { column: column + 1 }.into());
    }
    if text.is_empty() {
        return Err(SchemaErrorKind::Empty.into());
    }

    let (value, top_keys) = parse_strict(text)?;
    if !value.is_object() {
        return Err(SchemaErrorKind::NotAnObject { found: describe(&value) }.into());
    }

    let (schemas, index) =
        compiled(schema).map_err(|e| SchemaErrorKind::InvalidSchema(e.clone()))?;
    if let Err(e) = schemas.validate(&value, *index) {
        return Err(SchemaErrorKind::Schema { errors: schema_messages(&e) }.into());
    }

    for (position, (expected, found)) in schema.first_keys().iter().zip(&top_keys).enumerate() {
        if expected != found {
            let found = found.clone();
            return Err(
                SchemaErrorKind::KeyOrder { position: position + 1, expected, found }.into()
            );
        }
    }

    if schema == LineSchema::Logfix && AUDIT_KEYS.iter().any(|k| top_keys.iter().any(|t| t == k)) {
        let tail = top_keys.get(top_keys.len().saturating_sub(2)..).unwrap_or_default();
        if tail != AUDIT_KEYS {
            return Err(SchemaErrorKind::AuditKeys { found: tail.to_vec() }.into());
        }
    }

    if let Some(Value::String(timestamp)) = value.get(schema.timestamp_key()) {
        if !day_exists(timestamp) {
            return Err(SchemaErrorKind::NoSuchDay { timestamp: timestamp.clone() }.into());
        }
    }

    match value {
        Value::Object(map) => Ok(map),
        other => Err(SchemaErrorKind::NotAnObject { found: describe(&other) }.into()),
    }
}

/// Checks every line of a file with [`validate_line`] and returns how many lines it has.
///
/// A file whose name ends in `.gz` is decompressed first (several concatenated gzip members, as
/// appending writers produce, are read one after the other). An empty file has zero lines and is
/// valid; every line, the last one included, must end with `\n`.
///
/// # Errors
///
/// The first problem found: the file cannot be opened or read (or is not valid gzip), a line is
/// not UTF-8, the last line is unterminated, or a line breaks a rule of [`validate_line`]. The
/// error carries the path and, except for opening failures, the 1-based line number.
///
/// # Examples
/// ```
/// let path = std::env::temp_dir().join(format!("logfix-testkit-doc-{}.log", std::process::id()));
/// std::fs::write(&path, concat!(
///     r#"{"timestamp":"2026-11-28T04:39:13.123456Z","level":"info","component":"auth","event":"user_login","message":"hi"}"#,
///     "\n",
/// )).unwrap();
/// assert_eq!(logfix_testkit::validate_file(&path).unwrap(), 1);
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub fn validate_file(path: impl AsRef<Path>) -> Result<usize, SchemaError> {
    validate_file_as(path, LineSchema::Logfix)
}

/// Checks every line of a file with [`validate_line_as`] and `schema`, as [`validate_file`]
/// does for logfix's schema.
///
/// # Errors
///
/// The first problem found, as for [`validate_file`].
pub fn validate_file_as(path: impl AsRef<Path>, schema: LineSchema) -> Result<usize, SchemaError> {
    let path = path.as_ref();
    let at = |line: Option<usize>, kind: SchemaErrorKind| SchemaError {
        path: Some(path.to_owned()),
        line,
        kind,
    };
    let file = File::open(path).map_err(|e| at(None, SchemaErrorKind::Io(e)))?;
    let mut reader: Box<dyn BufRead> = if path.extension().is_some_and(|ext| ext == "gz") {
        Box::new(BufReader::new(MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };

    let mut buf = Vec::with_capacity(512);
    let mut count = 0;
    loop {
        buf.clear();
        let number = count + 1;
        let read = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| at(Some(number), SchemaErrorKind::Io(e)))?;
        if read == 0 {
            return Ok(count);
        }
        count = number;
        if !buf.ends_with(b"\n") {
            return Err(at(Some(number), SchemaErrorKind::Unterminated));
        }
        let line = core::str::from_utf8(&buf).map_err(|e| {
            at(Some(number), SchemaErrorKind::NotUtf8 { valid_up_to: e.valid_up_to() })
        })?;
        validate_line_as(line, schema).map_err(|e| at(Some(number), e.kind))?;
    }
}

/// An embedded schema, compiled once per process.
fn compiled(schema: LineSchema) -> Result<&'static (Schemas, SchemaIndex), &'static String> {
    type Compiled = OnceLock<Result<(Schemas, SchemaIndex), String>>;
    static LOGFIX: Compiled = OnceLock::new();
    static ECS: Compiled = OnceLock::new();
    let cell = match schema {
        LineSchema::Logfix => &LOGFIX,
        LineSchema::Ecs => &ECS,
    };
    cell.get_or_init(|| compile(schema.text())).as_ref()
}

fn compile(text: &str) -> Result<(Schemas, SchemaIndex), String> {
    let schema: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let id = schema.get("$id").and_then(Value::as_str).ok_or("the schema has no `$id`")?.to_owned();
    let mut compiler = Compiler::new();
    compiler.add_resource(&id, schema).map_err(|e| format!("{e:#}"))?;
    let mut schemas = Schemas::new();
    let index = compiler.compile(&id, &mut schemas).map_err(|e| format!("{e:#}"))?;
    Ok((schemas, index))
}

/// One message per leaf of boon's error tree: `` `/level`: value must be one of ... ``.
fn schema_messages(error: &ValidationError<'_, '_>) -> Vec<String> {
    fn walk(error: &ValidationError<'_, '_>, out: &mut Vec<String>) {
        if error.causes.is_empty() {
            let at = error.instance_location.to_string();
            if at.is_empty() {
                out.push(error.kind.to_string());
            } else {
                out.push(format!("`{at}`: {}", error.kind));
            }
        }
        for cause in &error.causes {
            walk(cause, out);
        }
    }
    let mut out = Vec::new();
    walk(error, &mut out);
    out
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Whether the date of a timestamp that matched the schema's pattern exists in the calendar.
fn day_exists(timestamp: &str) -> bool {
    let number = |range: core::ops::Range<usize>| {
        timestamp.get(range).and_then(|s| s.parse::<u32>().ok()).unwrap_or(0)
    };
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    (1..=days_in_month).contains(&day)
}

// ---- strict parsing: serde_json keeps the last of two duplicate keys, we reject them ----

/// Parses `text` as exactly one JSON value, rejecting duplicate keys at any depth. Returns the
/// value and the keys of the top-level object in the order written.
fn parse_strict(text: &str) -> Result<(Value, Vec<String>), SchemaError> {
    let state = ParseState::default();
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = Strict { state: &state, pointer: Pointer::Root }.deserialize(&mut de);
    if let Some(pointer) = state.duplicate.into_inner() {
        return Err(SchemaErrorKind::DuplicateKey { pointer }.into());
    }
    let value = parsed.map_err(SchemaErrorKind::Json)?;
    de.end().map_err(|e| SchemaErrorKind::TrailingCharacters { column: e.column() })?;
    Ok((value, state.top_keys.into_inner()))
}

#[derive(Default)]
struct ParseState {
    /// The first duplicate key found, as a JSON pointer.
    duplicate: RefCell<Option<String>>,
    top_keys: RefCell<Vec<String>>,
}

/// Where a value sits in the document, as a chain of parents, rendered only on error.
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
            Pointer::Key(parent, key) => {
                // RFC 6901 escapes.
                write!(f, "{parent}/{}", key.replace('~', "~0").replace('/', "~1"))
            }
            Pointer::Index(parent, index) => write!(f, "{parent}/{index}"),
        }
    }
}

struct Strict<'s, 'p> {
    state: &'s ParseState,
    pointer: Pointer<'p>,
}

impl<'de> DeserializeSeed<'de> for Strict<'_, '_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // JSON text cannot spell NaN or infinities, so `from_f64` only fails on input that
        // serde_json already rejected.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let seed =
                Strict { state: self.state, pointer: Pointer::Index(&self.pointer, items.len()) };
            match seq.next_element_seed(seed)? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let top = matches!(self.pointer, Pointer::Root);
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if map.contains_key(&key) {
                let pointer = Pointer::Key(&self.pointer, &key).to_string();
                let message = format!("duplicate key `{pointer}`");
                *self.state.duplicate.borrow_mut() = Some(pointer);
                return Err(de::Error::custom(message));
            }
            if top {
                self.state.top_keys.borrow_mut().push(key.clone());
            }
            let value = access.next_value_seed(Strict {
                state: self.state,
                pointer: Pointer::Key(&self.pointer, &key),
            })?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"{"timestamp":"2026-11-28T04:39:13.123456Z","level":"info","component":"auth","event":"user_login","message":"user 42 logged in","request_id":"req-1","user_id":"u-42","n":42,"email":"[REDACTED]"}"#;

    fn kind(line: &str) -> SchemaErrorKind {
        validate_line(line).unwrap_err().kind
    }

    #[test]
    fn the_embedded_schemas_compile() {
        compiled(LineSchema::Logfix).unwrap();
        compiled(LineSchema::Ecs).unwrap();
    }

    /// The crate embeds a copy of the published schema so that it builds once packaged; the copy
    /// must not drift from the published file. Skipped outside the logfix repository (e.g. in the
    /// packaged crate, which has no `../schema`).
    #[test]
    fn the_embedded_schema_is_the_published_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let in_repository = std::fs::read_to_string(root.join("Cargo.toml"))
            .is_ok_and(|manifest| manifest.contains("\"logfix-testkit\""));
        if !in_repository {
            return;
        }
        for (name, embedded) in
            [("logfix-event.schema.json", SCHEMA), ("ecs-event.schema.json", ECS_SCHEMA)]
        {
            let published = std::fs::read_to_string(root.join("schema").join(name))
                .unwrap_or_else(|e| panic!("schema/{name} is missing from the repository: {e}"));
            assert!(
                published == embedded,
                "logfix-testkit/schema/{name} differs from the published schema/{name}: copy \
                 the published file over it"
            );
        }
    }

    /// A reporter that prints an error and its `source()` chain (anyhow, eyre) prints the JSON
    /// parser's message once.
    #[test]
    fn an_error_chain_holds_the_parser_s_message_once() {
        let error = validate_line("{\"timestamp\":").unwrap_err();
        let mut chain = Vec::new();
        let mut next: Option<&dyn std::error::Error> = Some(&error);
        while let Some(e) = next {
            chain.push(e.to_string());
            next = e.source();
        }
        let text = chain.join(": ");
        assert_eq!(text.matches("EOF while parsing").count(), 1, "{text}");
    }

    #[test]
    fn the_mandatory_keys_are_the_schemas_required_keys() {
        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        assert_eq!(schema["required"], serde_json::json!(MANDATORY_KEYS));
    }

    #[test]
    fn accepts_a_valid_line_with_or_without_its_newline() {
        let map = validate_line(VALID).unwrap();
        assert_eq!(map["user_id"], "u-42");
        assert_eq!(map.len(), 9);
        validate_line(&format!("{VALID}\n")).unwrap();
    }

    #[test]
    fn finds_duplicates_at_any_depth_and_names_them_by_pointer() {
        let nested = VALID.replace(r#""email""#, r#""payload":{"a/b":[{"x":1,"x":2}]},"email""#);
        match kind(&nested) {
            SchemaErrorKind::DuplicateKey { pointer } => assert_eq!(pointer, "/payload/a~1b/0/x"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reports_trailing_text_with_its_column() {
        match kind(&format!("{VALID}{{}}")) {
            SchemaErrorKind::TrailingCharacters { column } => assert_eq!(column, VALID.len() + 1),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn audit_keys_are_checked_and_come_last_in_order() {
        let chain = "0123456789abcdef".repeat(4);
        let record = VALID.replace('}', &format!(",\"audit_seq\":7,\"audit_chain\":\"{chain}\"}}"));
        validate_line(&record).unwrap();
        let swapped =
            VALID.replace('}', &format!(",\"audit_chain\":\"{chain}\",\"audit_seq\":7}}"));
        assert!(matches!(kind(&swapped), SchemaErrorKind::AuditKeys { .. }));
        let alone = VALID.replace('}', ",\"audit_seq\":7}");
        assert!(matches!(kind(&alone), SchemaErrorKind::AuditKeys { .. }));
        for bad in [record.replace(":7,", ":0,"), record.replace(&chain, &chain.to_uppercase())] {
            assert!(matches!(kind(&bad), SchemaErrorKind::Schema { .. }), "{bad}");
        }
    }

    #[test]
    fn knows_the_calendar() {
        assert!(day_exists("2024-02-29T00:00:00.000000Z"));
        assert!(day_exists("2000-02-29T00:00:00.000000Z"));
        assert!(!day_exists("1900-02-29T00:00:00.000000Z"));
        assert!(!day_exists("2026-02-29T00:00:00.000000Z"));
        assert!(!day_exists("2026-04-31T00:00:00.000000Z"));
        assert!(day_exists("2026-12-31T23:59:59.999999Z"));
    }

    #[test]
    fn displays_path_and_line() {
        let err =
            SchemaError { path: Some("a.log".into()), line: Some(3), kind: SchemaErrorKind::Empty };
        assert!(err.to_string().starts_with("a.log:3: empty line"), "{err}");
        let err = SchemaError { path: None, line: Some(3), kind: SchemaErrorKind::Empty };
        assert!(err.to_string().starts_with("line 3: empty line"), "{err}");
        assert!(SchemaError::new(SchemaErrorKind::Empty).to_string().starts_with("empty line"));
    }
}
