//! Without `init()`, events go to the application's `tracing` subscriber when it has one: a
//! library that logs with logfix then logs wherever its application does.
//!
//! An event is rendered as always — the one renderer, with the derive's redaction and skipped
//! fields — and its JSON line is read back into a `tracing` event: the component as `target`,
//! the event as `name`, its level, then `message`, the event's fields and the request context's
//! keys as fields. Strings, integers, floats and booleans keep their type; arrays and objects
//! are given as their JSON text; a `null` is left out.
//!
//! `tracing` wants `'static` metadata for each call site, registered once so that subscribers
//! can cache their [`Interest`] in it (and rebuild it, which `rebuild_interest_cache` does for
//! these call sites too). They are made at run time, one for each shape of event (level,
//! component, event and field names: one per event type), leaked, and kept in a map; after
//! [`MAX_CALLSITES`] shapes, events of new shapes go to stderr as they would without a
//! subscriber.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{OnceLock, PoisonError, RwLock};

use tracing_core::callsite::Callsite;
use tracing_core::field::{FieldSet, Value};
use tracing_core::metadata::Kind;
use tracing_core::subscriber::{Interest, NoSubscriber};
use tracing_core::{Event, LevelFilter, Metadata};

use crate::event::{Level, CONTEXT_KEYS};

/// The most event shapes given a call site of their own (see the [module docs](self)).
const MAX_CALLSITES: usize = 1024;

/// Whether the application's `tracing` subscriber wants an event at `level`: `None` when it has
/// none in force on this thread. A subscriber holding logfix's own layer counts as none: the
/// layer would hand the event back here.
pub(crate) fn subscriber_wants(level: Level) -> Option<bool> {
    let in_force = tracing_core::dispatcher::get_default(|dispatch| {
        !dispatch.is::<NoSubscriber>() && !dispatch.is::<LogfixLayer>()
    });
    in_force.then(|| tracing_level(level) <= LevelFilter::current())
}

/// Hands the rendered JSON `line` to the subscriber in force as a `tracing` event. Returns
/// false, having handed nothing, when the line cannot be read back or no call site can be made
/// for its shape any more: the caller writes it elsewhere.
pub(crate) fn dispatch(line: &[u8]) -> bool {
    let Some(line) = std::str::from_utf8(line).ok().and_then(Line::read) else {
        return false;
    };
    let keys: Vec<&str> = line.fields.iter().map(|(key, _)| &**key).collect();
    let Some(callsite) = callsite(line.level, &line.component, &line.event, &keys) else {
        return false;
    };
    let metadata = callsite.metadata();
    let interest = callsite.interest.load(Ordering::Relaxed);
    if interest == NEVER
        || interest == SOMETIMES
            && !tracing_core::dispatcher::get_default(|dispatch| dispatch.enabled(metadata))
    {
        return true;
    }
    let message: &str = &line.message;
    let message: &dyn Value = &message;
    let values: Vec<Option<&dyn Value>> = core::iter::once(Some(message))
        .chain(line.fields.iter().map(|(_, value)| value.as_value()))
        .chain(line.context.iter().map(|value| value.as_ref().and_then(Json::as_value)))
        .collect();
    Event::dispatch(metadata, &metadata.fields().value_set_all(&values));
    true
}

fn tracing_level(level: Level) -> tracing_core::Level {
    match level {
        Level::Trace => tracing_core::Level::TRACE,
        Level::Debug => tracing_core::Level::DEBUG,
        Level::Info => tracing_core::Level::INFO,
        Level::Warn => tracing_core::Level::WARN,
        Level::Error => tracing_core::Level::ERROR,
    }
}

// ---- call sites ----

/// [`Interest`] as stored in a call site.
const NEVER: u8 = 0;
const SOMETIMES: u8 = 1;
const ALWAYS: u8 = 2;

/// The call site of one shape of event. Its metadata is set once, right after it is allocated
/// (it names the call site, so the two cannot be made together).
struct RelayCallsite {
    interest: AtomicU8,
    metadata: OnceLock<Metadata<'static>>,
}

impl Callsite for RelayCallsite {
    fn set_interest(&self, interest: Interest) {
        let interest = if interest.is_never() {
            NEVER
        } else if interest.is_always() {
            ALWAYS
        } else {
            SOMETIMES
        };
        // Relaxed: a stand-alone value, read by the next events; it publishes nothing else.
        self.interest.store(interest, Ordering::Relaxed);
    }

    fn metadata(&self) -> &Metadata<'_> {
        self.metadata.get().unwrap_or(&UNSET)
    }
}

/// What a call site whose metadata is not set yet would answer (it never is asked: a call site
/// is registered after its metadata is set).
static UNSET: Metadata<'static> = Metadata::new(
    "unset",
    "logfix",
    tracing_core::Level::INFO,
    None,
    None,
    None,
    FieldSet::new(&[], tracing_core::identify_callsite!(&UNSET_CALLSITE)),
    Kind::EVENT,
);

struct UnsetCallsite;

static UNSET_CALLSITE: UnsetCallsite = UnsetCallsite;

impl Callsite for UnsetCallsite {
    fn set_interest(&self, _: Interest) {}

    fn metadata(&self) -> &Metadata<'_> {
        &UNSET
    }
}

/// The call sites made so far, by the hash of their shape.
struct Callsites {
    by_shape: HashMap<u64, Vec<&'static RelayCallsite>, Hasher>,
    count: usize,
}

type Hasher = BuildHasherDefault<DefaultHasher>;

static CALLSITES: RwLock<Callsites> =
    RwLock::new(Callsites { by_shape: HashMap::with_hasher(BuildHasherDefault::new()), count: 0 });

/// The call site of events of this shape, made and registered with `tracing` on first use;
/// `None` once [`MAX_CALLSITES`] are made.
fn callsite(
    level: Level,
    component: &str,
    event: &str,
    keys: &[&str],
) -> Option<&'static RelayCallsite> {
    let hash = Hasher::new().hash_one((level as u8, component, event, keys));
    let find = |callsites: &Callsites| {
        let candidates = callsites.by_shape.get(&hash)?;
        candidates.iter().copied().find(|c| is_shape(c.metadata(), level, component, event, keys))
    };
    if let Some(found) = find(&CALLSITES.read().unwrap_or_else(PoisonError::into_inner)) {
        return Some(found);
    }
    let mut callsites = CALLSITES.write().unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = find(&callsites) {
        return Some(found);
    }
    if callsites.count >= MAX_CALLSITES {
        return None;
    }
    let made = make(level, component, event, keys);
    callsites.by_shape.entry(hash).or_default().push(made);
    callsites.count += 1;
    drop(callsites);
    // Outside the lock: registering asks every subscriber, which may log. Until it is done,
    // the call site's interest is `sometimes`: each event asks the subscriber.
    tracing_core::callsite::register(made);
    Some(made)
}

/// Allocates, for good, the call site and metadata of events of this shape.
fn make(level: Level, component: &str, event: &str, keys: &[&str]) -> &'static RelayCallsite {
    let leak = |s: &str| -> &'static str { Box::leak(Box::from(s)) };
    let names: Vec<&'static str> = core::iter::once("message")
        .chain(keys.iter().map(|key| leak(key)))
        .chain(CONTEXT_KEYS)
        .collect();
    let names: &'static [&'static str] = Box::leak(names.into_boxed_slice());
    let callsite: &'static RelayCallsite = Box::leak(Box::new(RelayCallsite {
        interest: AtomicU8::new(SOMETIMES),
        metadata: OnceLock::new(),
    }));
    let _ = callsite.metadata.set(Metadata::new(
        leak(event),
        leak(component),
        tracing_level(level),
        None,
        None,
        None,
        FieldSet::new(names, tracing_core::identify_callsite!(callsite)),
        Kind::EVENT,
    ));
    callsite
}

/// Whether `metadata` is that of events of this shape (see [`make`] for its field names).
fn is_shape(
    metadata: &Metadata<'_>,
    level: Level,
    component: &str,
    event: &str,
    keys: &[&str],
) -> bool {
    *metadata.level() == tracing_level(level)
        && metadata.target() == component
        && metadata.name() == event
        && metadata.fields().len() == 1 + keys.len() + CONTEXT_KEYS.len()
        && metadata.fields().iter().skip(1).zip(keys).all(|(field, key)| field.name() == *key)
}

// ---- reading a line back ----

/// A rendered line, read back.
struct Line<'a> {
    level: Level,
    component: Cow<'a, str>,
    event: Cow<'a, str>,
    message: Cow<'a, str>,
    /// The event's own fields (the context's keys excluded), in the order of the line.
    fields: Vec<(Cow<'a, str>, Json<'a>)>,
    /// The values of [`CONTEXT_KEYS`], in that order.
    context: [Option<Json<'a>>; CONTEXT_KEYS.len()],
}

impl<'a> Line<'a> {
    fn read(text: &'a str) -> Option<Self> {
        let mut line = Line {
            level: Level::Info,
            component: Cow::Borrowed(""),
            event: Cow::Borrowed(""),
            message: Cow::Borrowed(""),
            fields: Vec::new(),
            context: Default::default(),
        };
        let mut level = None;
        let mut scanner = Scanner { text, at: 0 };
        scanner.expect(b'{')?;
        loop {
            let key = scanner.string()?;
            scanner.expect(b':')?;
            let value = scanner.value()?;
            match (key.as_ref(), value) {
                ("timestamp", _) => {}
                ("level", Json::Str(s)) => level = s.parse().ok(),
                ("component", Json::Str(s)) => line.component = s,
                ("event", Json::Str(s)) => line.event = s,
                ("message", Json::Str(s)) => line.message = s,
                (_, value) => match CONTEXT_KEYS.iter().position(|k| *k == key) {
                    Some(i) => *line.context.get_mut(i)? = Some(value),
                    None => line.fields.push((key, value)),
                },
            }
            if !scanner.next_member()? {
                break;
            }
        }
        line.level = level?;
        (!line.component.is_empty() && !line.event.is_empty()).then_some(line)
    }
}

/// A JSON value of a line.
#[derive(Debug, PartialEq)]
enum Json<'a> {
    Str(Cow<'a, str>),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    Null,
    /// An array, an object, or a number no Rust number holds: its JSON text.
    Raw(&'a str),
}

impl Json<'_> {
    fn as_value(&self) -> Option<&dyn Value> {
        match self {
            Json::Str(Cow::Borrowed(s)) | Json::Raw(s) => Some(s),
            Json::Str(Cow::Owned(s)) => Some(s),
            Json::I64(v) => Some(v),
            Json::U64(v) => Some(v),
            Json::F64(v) => Some(v),
            Json::Bool(v) => Some(v),
            Json::Null => None,
        }
    }
}

/// Reads the JSON the renderer writes: one object, no whitespace.
struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// After a member: `true` after a comma, `false` at the end of the object.
    fn next_member(&mut self) -> Option<bool> {
        let more = match self.peek()? {
            b',' => true,
            b'}' => false,
            _ => return None,
        };
        self.at += 1;
        Some(more)
    }

    fn value(&mut self) -> Option<Json<'a>> {
        match self.peek()? {
            b'"' => self.string().map(Json::Str),
            b't' => self.literal("true", Json::Bool(true)),
            b'f' => self.literal("false", Json::Bool(false)),
            b'n' => self.literal("null", Json::Null),
            b'[' | b'{' => self.nested().map(Json::Raw),
            _ => self.number(),
        }
    }

    fn literal(&mut self, word: &str, value: Json<'a>) -> Option<Json<'a>> {
        self.text.get(self.at..)?.starts_with(word).then(|| {
            self.at += word.len();
            value
        })
    }

    fn number(&mut self) -> Option<Json<'a>> {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')) {
            self.at += 1;
        }
        let text = self.text.get(start..self.at).filter(|t| !t.is_empty())?;
        if text.contains(['.', 'e', 'E']) {
            return text.parse().ok().map(Json::F64);
        }
        Some(match (text.parse::<u64>(), text.parse::<i64>()) {
            (Ok(v), _) => Json::U64(v),
            (_, Ok(v)) => Json::I64(v),
            _ => Json::Raw(text),
        })
    }

    /// An array or an object, skipped over: its text.
    fn nested(&mut self) -> Option<&'a str> {
        let start = self.at;
        let mut depth = 0_usize;
        loop {
            match self.peek()? {
                b'"' => {
                    self.string()?;
                    continue;
                }
                b'[' | b'{' => depth += 1,
                b']' | b'}' => depth = depth.checked_sub(1)?,
                _ => {}
            }
            self.at += 1;
            if depth == 0 {
                return self.text.get(start..self.at);
            }
        }
    }

    /// A string, borrowed from the line unless it has escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.expect(b'"')?;
        let rest = self.text.get(self.at..)?;
        let end = rest.find(['"', '\\'])?;
        if rest.as_bytes().get(end) == Some(&b'"') {
            self.at += end + 1;
            return rest.get(..end).map(Cow::Borrowed);
        }
        let mut out = String::with_capacity(end + 16);
        let mut chars = rest.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.at += i + 1;
                    return Some(Cow::Owned(out));
                }
                '\\' => match chars.next()?.1 {
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => {
                        let unit = hex4(&mut chars)?;
                        let c = if (0xd800..0xdc00).contains(&unit) {
                            // A surrogate pair: `\ud83d\ude00`.
                            let low = (chars.next()?.1 == '\\' && chars.next()?.1 == 'u')
                                .then(|| hex4(&mut chars))??;
                            char::decode_utf16([unit, low]).next()?.ok()
                        } else {
                            char::from_u32(u32::from(unit))
                        };
                        out.push(c.unwrap_or(char::REPLACEMENT_CHARACTER));
                    }
                    other => out.push(other),
                },
                c => out.push(c),
            }
        }
        None
    }
}

fn hex4(chars: &mut core::str::CharIndices<'_>) -> Option<u16> {
    let mut unit = 0_u16;
    for _ in 0..4 {
        let digit = chars.next()?.1.to_digit(16)?;
        unit = unit * 16 + u16::try_from(digit).ok()?;
    }
    Some(unit)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn read(text: &str) -> Line<'_> {
        Line::read(text).unwrap()
    }

    #[test]
    fn a_line_is_read_back_with_its_types() {
        let text = r#"{"timestamp":"2026-01-01T00:00:00.000000Z","level":"warn","component":"db","event":"slow","message":"took \"long\"","request_id":"r-1","n":-3,"big":18446744073709551615,"huge":340282366920938463463374607431768211455,"ratio":0.5,"ok":true,"gone":null,"tags":["a","]"],"obj":{"k":{"v":[1]}},"user_id":42}"#;
        let line = read(text);
        assert_eq!((line.level, &*line.component, &*line.event), (Level::Warn, "db", "slow"));
        assert_eq!(line.message, "took \"long\"");
        let fields: Vec<(&str, &Json<'_>)> = line.fields.iter().map(|(k, v)| (&**k, v)).collect();
        assert_eq!(
            fields,
            [
                ("n", &Json::I64(-3)),
                ("big", &Json::U64(u64::MAX)),
                ("huge", &Json::Raw("340282366920938463463374607431768211455")),
                ("ratio", &Json::F64(0.5)),
                ("ok", &Json::Bool(true)),
                ("gone", &Json::Null),
                ("tags", &Json::Raw(r#"["a","]"]"#)),
                ("obj", &Json::Raw(r#"{"k":{"v":[1]}}"#)),
            ]
        );
        assert_eq!(line.context[0], Some(Json::Str(Cow::Borrowed("r-1"))));
        assert_eq!(line.context[2], Some(Json::U64(42)), "user_id, whoever set it");
    }

    #[test]
    fn broken_lines_are_refused() {
        for text in [
            "",
            "{}",
            r#"{"level":"info","component":"a","event":"b""#,
            r#"{"level":"loud","component":"a","event":"b","message":""}"#,
            r#"{"level":"info","component":"a","event":"b","message":"x}"#,
            r#"{"level":"info","component":"a","event":"b","message":"","n":]}"#,
            r#"{"level":"info","component":"a","event":"b","message":"","n":"\u12"}"#,
        ] {
            assert!(Line::read(text).is_none(), "{text}");
        }
    }

    proptest! {
        /// Whatever the renderer's escaping writes, reading it back gives the text.
        #[test]
        fn escaped_text_reads_back(s in any::<String>(), key in "k[a-z_.]{0,7}") {
            let mut json = br#"{"level":"info","component":"c","event":"e","message":""#.to_vec();
            logfix_core::escape::escape_into(&mut json, &s);
            json.extend_from_slice(b"\",\"");
            json.extend_from_slice(key.as_bytes());
            json.extend_from_slice(b"\":\"");
            logfix_core::escape::escape_into(&mut json, &s);
            json.extend_from_slice(b"\"}");
            let text = String::from_utf8(json).unwrap();
            let line = read(&text);
            prop_assert_eq!(&line.message, &s);
            prop_assert_eq!(&line.fields[0].1, &Json::Str(Cow::Borrowed(s.as_str())));
        }

        #[test]
        fn numbers_read_back(i in any::<i64>(), f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
            let text = format!(
                r#"{{"level":"info","component":"c","event":"e","message":"","i":{i},"f":{}}}"#,
                ryu::Buffer::new().format_finite(f),
            );
            let line = read(&text);
            let expected_i = u64::try_from(i).map_or(Json::I64(i), Json::U64);
            prop_assert_eq!(&line.fields[0].1, &expected_i);
            prop_assert_eq!(&line.fields[1].1, &Json::F64(f));
        }
    }
}

/// The layer that renders every `tracing` event in the logfix schema; see
/// [`bridge::tracing`](crate::bridge::tracing), which implements it. Defined here so that the
/// relay can recognise it in a subscriber (and not hand logfix's events back to logfix) without
/// depending on the bridge, which depends on the global path.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogfixLayer {
    /// Whether the layer decides, for the whole subscriber, which call sites are enabled: in
    /// logfix's own subscriber (`init()`, a test's capture), not in one the program composed,
    /// whose other layers must see what logfix's filter leaves out.
    pub(crate) governs: bool,
}
