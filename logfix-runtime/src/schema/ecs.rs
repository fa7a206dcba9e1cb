//! A logfix line in the Elastic Common Schema, as [`logfix_core::ecs`] defines it.
//!
//! The line is read as logfix wrote it, key by key, and its values are copied as they are: no
//! JSON is parsed into values, nothing is escaped twice, and the key order is the logfix line's.
//! An ECS line starts with `@timestamp`, `log.level` and `message` (what the ECS logging
//! specification asks), then `ecs.version`, the service's fields, `event.dataset`, `log.logger`
//! (the component) and `event.action` (the event); then the fields whose meaning is known, under
//! their ECS names; last one object of logfix's own, [`NAMESPACE`], with logfix's own fields and,
//! under [`APP_FIELDS`], the application's.
//!
//! What has an ECS name depends on what wrote the line: the context's identifiers on every line;
//! the duration, outcome and error of a `#[logged]` call; the request fields of the access event
//! (`"component":"http","event":"request"`); the process, file and error fields of logfix's
//! notices (`"component":"logfix"`). A value goes to its ECS field only if its JSON type is the
//! one [`ecs::FIELDS`] gives that field, and each field is written once; any other value stays
//! an application field. So no line can give an ECS field a value of another type.

use core::fmt::Write as _;
use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;

use logfix_core::ecs::{self, APP_FIELDS, ECS_VERSION, FIELDS, NAMESPACE};
use logfix_core::escape::escape_into;
use logfix_core::RESERVED_KEYS;

use super::Converted;
use crate::config::Settings;
use crate::render::cap::{self, Member};

/// How many times a converted line over `LOGFIX_MAX_LINE` has its logfix form cut further. The
/// ECS form adds about the same bytes to a line whatever its values, so one cut nearly always
/// does it; a line whose mandatory part alone is over the cap is written as it is then.
const MAX_CUTS: usize = 3;

/// What `error_sources` are joined with in `error.stack_trace`, escaped: one cause per line.
const CAUSED_BY: &[u8] = b"caused by: ";

// Which ECS fields a line has is one bit each.
const _: () = assert!(FIELDS.len() <= 64);

/// The logfix line could not be read: written as it is, and counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Malformed;

/// What wrote a line, which decides which of its keys have an ECS name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// The event of a `#[logged]` function's return.
    Call,
    /// The access event of `web::AccessLogLayer`.
    Access,
    /// One of logfix's notices.
    Notice,
    /// Any other event: derived, bridged.
    Other,
}

/// Where a key of a logfix line goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// This top-level ECS field.
    Top(&'static str),
    /// The key of the same name under [`NAMESPACE`] ([`ecs::OWN_FIELDS`]).
    Own,
    /// `duration_us`: `event.duration`, in nanoseconds.
    Duration,
    /// A call's `outcome`: `event.outcome`, and the precise one under [`NAMESPACE`].
    Outcome,
    /// A call's `error_sources`: `error.stack_trace`, one cause per line.
    Sources,
    /// The access event's peer address: `client.address`, `client.ip`, `client.port`.
    Client,
    /// The panic notice's `file:line:column`: `log.origin.file.name` and `.line`.
    Location,
    /// An application field: under `logfix.fields`.
    App,
}

/// Converts logfix lines to ECS lines, reusing its buffers from one line to the next.
#[derive(Debug)]
pub(crate) struct EcsWriter {
    /// `,"ecs.version":...,"event.dataset":"..."`: the part that is the same on every line.
    constant: Vec<u8>,
    max_line: usize,
    members: Vec<Member>,
    /// The fields of [`FIELDS`] the line being written has, by index.
    written: u64,
    /// Those every line has: its head and the constant part (and the service's fields it
    /// leaves out, which no other key may take). Set once: looking them up on every line
    /// cost more than the rest of the conversion.
    head: u64,
    /// The members under [`NAMESPACE`], each after a comma.
    own: Vec<u8>,
    /// The members under [`APP_FIELDS`], each after a comma.
    app: Vec<u8>,
    /// A copy of a line whose ECS form is over the cap, cut.
    cut: Vec<u8>,
}

impl EcsWriter {
    pub(crate) fn new(settings: &Settings) -> Self {
        let name = settings.service_name.clone().unwrap_or_else(executable_name);
        let mut constant = Vec::with_capacity(128);
        let mut put = |key: &str, value: &str| {
            constant.extend_from_slice(b",\"");
            constant.extend_from_slice(key.as_bytes());
            constant.extend_from_slice(b"\":\"");
            escape_into(&mut constant, value);
            constant.push(b'"');
        };
        put("ecs.version", ECS_VERSION);
        put("service.name", &name);
        if let Some(version) = &settings.service_version {
            put("service.version", version);
        }
        if let Some(environment) = &settings.service_environment {
            put("service.environment", environment);
        }
        let dataset = settings.event_dataset.clone().unwrap_or_else(|| format!("{name}.log"));
        put("event.dataset", &dataset);
        let head = [
            "@timestamp",
            "log.level",
            "message",
            "log.logger",
            "event.action",
            "ecs.version",
            "service.name",
            "service.version",
            "service.environment",
            "event.dataset",
        ]
        .into_iter()
        .filter_map(bit)
        .fold(0, |mask, bit| mask | bit);
        Self {
            constant,
            max_line: settings.max_line,
            members: Vec::new(),
            written: head,
            head,
            own: Vec::new(),
            app: Vec::new(),
            cut: Vec::new(),
        }
    }

    /// Appends the lines of `lines`, converted, to `out`; a line that cannot be read is
    /// appended as it is.
    pub(crate) fn convert_lines(&mut self, lines: &[u8], out: &mut Vec<u8>) -> Converted {
        let mut converted = Converted::default();
        let mut rest = lines;
        while !rest.is_empty() {
            let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
            let Some((line, after)) = rest.split_at_checked(end) else { break };
            rest = after;
            match self.convert_line(line, out) {
                Ok(true) => converted.shortened += 1,
                Ok(false) => {}
                Err(Malformed) => {
                    out.extend_from_slice(line);
                    converted.failed += 1;
                }
            }
        }
        converted
    }

    /// Appends the ECS form of `line` to `out`, cut to the cap if it is over; returns whether it
    /// was cut. On an error, `out` is as it was.
    fn convert_line(&mut self, line: &[u8], out: &mut Vec<u8>) -> Result<bool, Malformed> {
        let start = out.len();
        self.write_line(line, out).inspect_err(|_| out.truncate(start))?;
        if out.len() - start <= self.max_line {
            return Ok(false);
        }
        // The logfix line is within the cap; its ECS form adds the ECS names and the
        // service's fields. The logfix form is cut by what was added, with the cap's rules (the
        // longest values first, strings kept valid), and converted again.
        let mut cut = std::mem::take(&mut self.cut);
        cut.clear();
        cut.extend_from_slice(line);
        let mut result = Ok(true);
        for _ in 0..MAX_CUTS {
            let written = out.len() - start;
            if written <= self.max_line {
                break;
            }
            let budget = self.max_line.saturating_sub(written.saturating_sub(cut.len()));
            if !cap::shorten_json(&mut cut, budget) {
                break;
            }
            out.truncate(start);
            if let Err(error) = self.write_line(&cut, out) {
                out.truncate(start);
                result = Err(error);
                break;
            }
        }
        self.cut = cut;
        result
    }

    fn write_line(&mut self, line: &[u8], out: &mut Vec<u8>) -> Result<(), Malformed> {
        if !line.ends_with(b"}\n") {
            return Err(Malformed);
        }
        let mut members = std::mem::take(&mut self.members);
        let result = if cap::top_level_members(line, &mut members) {
            self.write_members(line, &members, out)
        } else {
            Err(Malformed)
        };
        self.members = members;
        result
    }

    fn write_members(
        &mut self,
        line: &[u8],
        members: &[Member],
        out: &mut Vec<u8>,
    ) -> Result<(), Malformed> {
        let [timestamp, level, component, event, message, rest @ ..] = members else {
            return Err(Malformed);
        };
        let raw = |range: &core::ops::Range<usize>| line.get(range.clone()).ok_or(Malformed);
        let head = [timestamp, level, component, event, message];
        for (member, key) in head.iter().zip(RESERVED_KEYS) {
            if raw(&member.key)? != key.as_bytes() || raw(&member.value)?.first() != Some(&b'"') {
                return Err(Malformed);
            }
        }
        self.written = self.head;
        self.own.clear();
        self.app.clear();
        out.extend_from_slice(b"{\"@timestamp\":");
        out.extend_from_slice(raw(&timestamp.value)?);
        out.extend_from_slice(b",\"log.level\":");
        out.extend_from_slice(raw(&level.value)?);
        out.extend_from_slice(b",\"message\":");
        out.extend_from_slice(raw(&message.value)?);
        out.extend_from_slice(&self.constant);
        out.extend_from_slice(b",\"log.logger\":");
        out.extend_from_slice(raw(&component.value)?);
        out.extend_from_slice(b",\"event.action\":");
        out.extend_from_slice(raw(&event.value)?);
        let origin = origin(line, raw(&component.value)?, raw(&event.value)?, rest);
        for member in rest {
            let (key, value) = (raw(&member.key)?, raw(&member.value)?);
            if !self.mapped(origin, key, value, out) {
                put_member(&mut self.app, key, value);
            }
        }
        if !self.own.is_empty() || !self.app.is_empty() {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(NAMESPACE.as_bytes());
            out.extend_from_slice(b"\":{");
            // Each member was written after a comma; the first one's is dropped.
            out.extend_from_slice(self.own.get(1..).unwrap_or_default());
            if !self.app.is_empty() {
                if !self.own.is_empty() {
                    out.push(b',');
                }
                out.push(b'"');
                out.extend_from_slice(APP_FIELDS.as_bytes());
                out.extend_from_slice(b"\":{");
                out.extend_from_slice(self.app.get(1..).unwrap_or_default());
                out.push(b'}');
            }
            out.push(b'}');
        }
        out.extend_from_slice(b"}\n");
        Ok(())
    }

    /// Writes the member `key`: `value` where its target says; false when it is an
    /// application field after all.
    fn mapped(&mut self, origin: Origin, key: &[u8], value: &[u8], out: &mut Vec<u8>) -> bool {
        let target = target(origin, key);
        if target != Target::App && origin != Origin::Other && value == b"null" {
            // An absent value of logfix's own events (no query, no client): ECS fields are
            // simply left out. An ordinary event's `null` is its own field's value: kept.
            return true;
        }
        match target {
            Target::Top(name) => self.top(name, value, out),
            Target::Own => match core::str::from_utf8(key).ok().and_then(ecs::own_kind) {
                Some(kind) if fits(kind, value) => {
                    put_member(&mut self.own, key, value);
                    true
                }
                _ => false,
            },
            Target::Duration => self.duration(value, out),
            Target::Outcome => self.outcome(value, out),
            Target::Sources => self.sources(value, out),
            Target::Client => self.client(value, out),
            Target::Location => self.location(value, out),
            Target::App => false,
        }
    }

    /// Writes `"name":value` if the line has no `name` yet and `value` has its type.
    fn top(&mut self, name: &'static str, value: &[u8], out: &mut Vec<u8>) -> bool {
        match ecs::kind(name) {
            Some(kind) if fits(kind, value) && self.mark(name) => {
                put_member(out, name.as_bytes(), value);
                true
            }
            _ => false,
        }
    }

    fn duration(&mut self, value: &[u8], out: &mut Vec<u8>) -> bool {
        let nanos = core::str::from_utf8(value)
            .ok()
            .and_then(|micros| micros.parse::<u64>().ok())
            .and_then(|micros| micros.checked_mul(1000));
        match nanos {
            Some(nanos) if self.mark("event.duration") => {
                let _ = write!(out, ",\"event.duration\":{nanos}");
                true
            }
            _ => false,
        }
    }

    fn outcome(&mut self, value: &[u8], out: &mut Vec<u8>) -> bool {
        // ECS's `event.outcome` has three values; the precise one stays under `logfix`.
        let ecs_outcome: &[u8] = match value {
            b"\"ok\"" => b"\"success\"",
            b"\"error\"" | b"\"panicked\"" => b"\"failure\"",
            b"\"cancelled\"" => b"\"unknown\"",
            _ => return false,
        };
        if !self.top("event.outcome", ecs_outcome, out) {
            return false;
        }
        put_member(&mut self.own, b"outcome", value);
        true
    }

    /// `["a","b"]` as `"caused by: a\ncaused by: b"`, the escaped texts copied as they are.
    fn sources(&mut self, value: &[u8], out: &mut Vec<u8>) -> bool {
        if value.first() != Some(&b'[') || self.has("error.stack_trace") {
            return false;
        }
        let start = out.len();
        out.extend_from_slice(b",\"error.stack_trace\":\"");
        let mut at = 1;
        let mut first = true;
        while value.get(at) == Some(&b'"') {
            let end = cap::skip_string(value, at);
            let Some(text) = value.get(at + 1..end.saturating_sub(1)) else { break };
            if !first {
                out.extend_from_slice(b"\\n");
            }
            first = false;
            out.extend_from_slice(CAUSED_BY);
            out.extend_from_slice(text);
            at = end + usize::from(value.get(end) == Some(&b','));
        }
        if value.get(at) != Some(&b']') || at + 1 != value.len() {
            // Not an array of strings: left as an application field.
            out.truncate(start);
            return false;
        }
        out.push(b'"');
        self.mark("error.stack_trace");
        true
    }

    /// `"10.0.0.7:51234"` as `client.address`, `client.ip` and `client.port`.
    fn client(&mut self, value: &[u8], out: &mut Vec<u8>) -> bool {
        let Some(addr) = string_content(value).and_then(|text| text.parse::<SocketAddr>().ok())
        else {
            return self.top("client.address", value, out);
        };
        if self.has("client.address") || self.has("client.ip") || self.has("client.port") {
            return false;
        }
        put_member(out, b"client.address", value);
        let mut ip = String::new();
        let _ = write!(ip, "\"{}\"", addr.ip());
        put_member(out, b"client.ip", ip.as_bytes());
        let _ = write!(out, ",\"client.port\":{}", addr.port());
        for name in ["client.address", "client.ip", "client.port"] {
            self.mark(name);
        }
        true
    }

    /// `"src/main.rs:10:5"` as `log.origin.file.name` and `log.origin.file.line`.
    fn location(&mut self, value: &[u8], out: &mut Vec<u8>) -> bool {
        let Some(text) = value.strip_prefix(b"\"").and_then(|v| v.strip_suffix(b"\"")) else {
            return false;
        };
        // `file:line:column`; the file's text stays escaped as it was (a `:` is never escaped).
        let mut parts = text.rsplitn(3, |b| *b == b':');
        let (Some(_column), Some(number), Some(file)) = (parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        let Some(number) = core::str::from_utf8(number).ok().and_then(|n| n.parse::<u32>().ok())
        else {
            return false;
        };
        if file.is_empty() || self.has("log.origin.file.name") || self.has("log.origin.file.line") {
            return false;
        }
        out.extend_from_slice(b",\"log.origin.file.name\":\"");
        out.extend_from_slice(file);
        let _ = write!(out, "\",\"log.origin.file.line\":{number}");
        self.mark("log.origin.file.name");
        self.mark("log.origin.file.line");
        true
    }

    fn has(&self, name: &str) -> bool {
        bit(name).is_some_and(|bit| self.written & bit != 0)
    }

    /// Records that the line has `name`; false if it had it already.
    fn mark(&mut self, name: &str) -> bool {
        match bit(name) {
            Some(bit) if self.written & bit == 0 => {
                self.written |= bit;
                true
            }
            _ => false,
        }
    }
}

/// The bit of `name` in [`EcsWriter::written`]: its index in [`FIELDS`].
fn bit(name: &str) -> Option<u64> {
    FIELDS.iter().position(|(key, _)| *key == name).map(|i| 1 << i)
}

/// What wrote the line, from its component and event and, for a `#[logged]` call, its last
/// keys: `duration_us`, `outcome`, then `error`, `error_type` and `error_sources` on an error
/// (the call keys, which no argument may use).
fn origin(line: &[u8], component: &[u8], event: &[u8], rest: &[Member]) -> Origin {
    match (component, event) {
        (b"\"logfix\"", _) => return Origin::Notice,
        (b"\"http\"", b"\"request\"") => return Origin::Access,
        _ => {}
    }
    let key = |m: &Member| line.get(m.key.clone()).unwrap_or_default();
    let mut keys = rest
        .iter()
        .rev()
        .map(key)
        .skip_while(|k| matches!(*k, b"error" | b"error_type" | b"error_sources"));
    if keys.next() == Some(b"outcome") && keys.next() == Some(b"duration_us") {
        Origin::Call
    } else {
        Origin::Other
    }
}

/// Where the key `key` (as written, escaped) of a line from `origin` goes.
fn target(origin: Origin, key: &[u8]) -> Target {
    // The context's ids: the keys of `LINE_KEYS` after the line's head.
    if let Some((_, name)) =
        ecs::LINE_KEYS.iter().skip(RESERVED_KEYS.len()).find(|(k, _)| k.as_bytes() == key)
    {
        return Target::Top(name);
    }
    match (origin, key) {
        (Origin::Call | Origin::Access, b"duration_us") => Target::Duration,
        (Origin::Call, b"outcome") => Target::Outcome,
        (Origin::Call | Origin::Access | Origin::Notice, b"error")
        | (Origin::Notice, b"panic_message") => Target::Top("error.message"),
        (Origin::Call, b"error_type") => Target::Top("error.type"),
        (Origin::Call, b"error_sources") => Target::Sources,
        (Origin::Access, b"method") => Target::Top("http.request.method"),
        (Origin::Access, b"path") => Target::Top("url.path"),
        (Origin::Access, b"query") => Target::Top("url.query"),
        (Origin::Access, b"status") => Target::Top("http.response.status_code"),
        (Origin::Access, b"bytes") => Target::Top("http.response.body.bytes"),
        (Origin::Access, b"client") => Target::Client,
        (Origin::Access, b"user_agent") => Target::Top("user_agent.original"),
        (
            Origin::Access,
            b"route"
            | b"request_id_rejected"
            | b"correlation_id_rejected"
            | b"traceparent_rejected"
            | b"panicked",
        ) => Target::Own,
        (Origin::Notice, b"pid") => Target::Top("process.pid"),
        (Origin::Notice, b"thread") => Target::Top("process.thread.name"),
        (Origin::Notice, b"path") => Target::Top("file.path"),
        (Origin::Notice, b"location") => Target::Location,
        (Origin::Notice, _) if ecs::OWN_FIELDS.iter().any(|(k, _)| k.as_bytes() == key) => {
            Target::Own
        }
        _ => Target::App,
    }
}

/// Whether the JSON value `value`, as written, has the type of `kind`.
fn fits(kind: ecs::Kind, value: &[u8]) -> bool {
    match kind {
        ecs::Kind::Keyword | ecs::Kind::Text | ecs::Kind::Date => value.first() == Some(&b'"'),
        ecs::Kind::Ip => string_content(value).is_some_and(|ip| ip.parse::<IpAddr>().is_ok()),
        ecs::Kind::Long => {
            let digits = value.strip_prefix(b"-").unwrap_or(value);
            !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
        }
        ecs::Kind::Boolean => value == b"true" || value == b"false",
    }
}

/// The text of a JSON string without escapes; `None` for any other value.
fn string_content(value: &[u8]) -> Option<&str> {
    let text = value.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    if text.contains(&b'\\') {
        return None;
    }
    core::str::from_utf8(text).ok()
}

/// Appends `,"key":value`; `key` is written as it was escaped.
fn put_member(out: &mut Vec<u8>, key: &[u8], value: &[u8]) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(key);
    out.extend_from_slice(b"\":");
    out.extend_from_slice(value);
}

/// `service.name` when `LOGFIX_SERVICE_NAME` is not set: the executable's file name without
/// its extension, as process listings show it.
fn executable_name() -> String {
    // Asked once: the paths without a writer thread make a converter per line.
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        std::env::current_exe()
            .ok()
            .and_then(|path| path.file_stem().map(|stem| stem.to_string_lossy().into_owned()))
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| "unknown".to_owned())
    })
    .clone()
}

/// `line`, an ECS line, with `"retry":true` under [`NAMESPACE`]: the mark of a line written whole
/// to stderr after part of it reached the file. Every value of an ECS line but the last,
/// `logfix`, is a string, a number or a boolean, so a line that ends with `}}` ends with that
/// object.
pub(crate) fn mark_retry(line: &[u8]) -> Vec<u8> {
    if let Some(body) = line.strip_suffix(b"}}\n") {
        [body, b",\"retry\":true}}\n"].concat()
    } else if let Some(body) = line.strip_suffix(b"}\n") {
        [body, b",\"logfix\":{\"retry\":true}}\n"].concat()
    } else {
        line.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Map, Value};

    use super::*;
    use crate::config::{Config, Schema};

    fn writer(vars: &[(&str, &str)]) -> EcsWriter {
        let (settings, issues) = Config::from_env_vars(vars.iter().copied())
            .schema(Schema::Ecs)
            .service_name("shop".to_owned())
            .resolve();
        assert!(issues.is_empty(), "{issues:?}");
        EcsWriter::new(&settings)
    }

    fn line(component: &str, event: &str, rest: &str) -> String {
        format!(
            "{{\"timestamp\":\"2026-12-06T22:15:00.123456Z\",\"level\":\"info\",\"component\":\"{component}\",\"event\":\"{event}\",\"message\":\"m\"{rest}}}\n"
        )
    }

    fn convert(w: &mut EcsWriter, line: &str) -> (String, Map<String, Value>) {
        let mut out = Vec::new();
        let converted = w.convert_lines(line.as_bytes(), &mut out);
        assert_eq!(converted.failed, 0, "{line}");
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with("}\n") && text.matches('\n').count() == 1, "{text}");
        let map = serde_json::from_str(text.trim_end()).unwrap();
        (text, map)
    }

    /// Every top-level key is an ECS field with its type, or `logfix`.
    fn assert_typed(map: &Map<String, Value>) {
        for (key, value) in map {
            if key == NAMESPACE {
                assert!(value.is_object());
                continue;
            }
            let kind = ecs::kind(key).unwrap_or_else(|| panic!("{key} is not an ECS field"));
            let json = match value {
                Value::String(_) => "string",
                Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
                Value::Bool(_) => "boolean",
                other => panic!("{key}: {other}"),
            };
            assert_eq!(json, kind.json_type(), "{key}");
        }
    }

    #[test]
    fn an_event_starts_with_the_ecs_keys_and_keeps_its_fields_under_logfix() {
        let mut w = writer(&[("LOGFIX_SERVICE_VERSION", "1.2.3")]);
        let logfix = line(
            "auth",
            "login",
            r#","request_id":"r-1","user_id":"u-7","user":"ann","host":"h","n":3,"tags":["a"]"#,
        );
        let (text, map) = convert(&mut w, &logfix);
        assert!(
            text.starts_with(
                r#"{"@timestamp":"2026-12-06T22:15:00.123456Z","log.level":"info","message":"m","ecs.version":"8.11.0","service.name":"shop","service.version":"1.2.3","event.dataset":"shop.log","log.logger":"auth","event.action":"login","http.request.id":"r-1","user.id":"u-7","#
            ),
            "{text}"
        );
        assert_eq!(
            map["logfix"],
            json!({"fields": {"user": "ann", "host": "h", "n": 3, "tags": ["a"]}})
        );
        assert_typed(&map);
    }

    #[test]
    fn a_value_of_another_type_than_the_ecs_field_stays_an_application_field() {
        let mut w = writer(&[]);
        let (_, map) = convert(&mut w, &line("billing", "charged", r#","user_id":42"#));
        assert!(!map.contains_key("user.id"));
        assert_eq!(map["logfix"]["fields"]["user_id"], 42);
        let (_, map) = convert(&mut w, &line("billing", "charged", r#","user_id":null"#));
        assert_eq!(map["logfix"]["fields"]["user_id"], Value::Null);
        assert_typed(&map);
    }

    #[test]
    fn a_failed_call_has_its_error_duration_and_outcome() {
        let mut w = writer(&[]);
        let logfix = line(
            "db",
            "query",
            r#","table":"users","duration_us":1500,"outcome":"error","error":"timed out","error_type":"db::Timeout","error_sources":["io: reset","os \"x\""]"#,
        );
        let (_, map) = convert(&mut w, &logfix);
        assert_eq!(map["event.duration"], 1_500_000);
        assert_eq!(map["event.outcome"], "failure");
        assert_eq!(map["error.message"], "timed out");
        assert_eq!(map["error.type"], "db::Timeout");
        assert_eq!(map["error.stack_trace"], "caused by: io: reset\ncaused by: os \"x\"");
        assert_eq!(map["logfix"], json!({"outcome": "error", "fields": {"table": "users"}}));
        assert_typed(&map);
    }

    #[test]
    fn an_error_field_of_any_other_event_is_an_application_field() {
        let mut w = writer(&[]);
        let (_, map) =
            convert(&mut w, &line("app", "tracing", r#","error":"boom","duration_us":5"#));
        assert!(!map.contains_key("error.message") && !map.contains_key("event.duration"));
        assert_eq!(map["logfix"]["fields"], json!({"error": "boom", "duration_us": 5}));
    }

    #[test]
    fn the_access_event_maps_to_http_url_client_and_user_agent() {
        let mut w = writer(&[]);
        let logfix = line(
            "http",
            "request",
            r#","request_id":"r","method":"GET","route":"/items/{id}","path":"/items/3","query":null,"status":200,"duration_us":12,"bytes":5,"client":"[::1]:8080","user_agent":"curl/8","request_id_rejected":false,"correlation_id_rejected":false,"traceparent_rejected":false,"panicked":false,"error":null"#,
        );
        let (_, map) = convert(&mut w, &logfix);
        assert_eq!(map["http.request.method"], "GET");
        assert_eq!(map["url.path"], "/items/3");
        assert!(!map.contains_key("url.query") && !map.contains_key("error.message"));
        assert_eq!(map["http.response.status_code"], 200);
        assert_eq!(map["http.response.body.bytes"], 5);
        assert_eq!(map["event.duration"], 12_000);
        assert_eq!(
            (&map["client.address"], &map["client.ip"], &map["client.port"]),
            (&json!("[::1]:8080"), &json!("::1"), &json!(8080))
        );
        assert_eq!(map["user_agent.original"], "curl/8");
        assert_eq!(map["logfix"]["route"], "/items/{id}");
        assert!(map["logfix"].get("fields").is_none(), "{map:?}");
        assert_typed(&map);
    }

    #[test]
    fn notices_map_process_file_and_origin_fields() {
        let mut w = writer(&[]);
        let started = line("logfix", "logging_started", r#","file":"/l/app.log","pid":7"#);
        let (_, map) = convert(&mut w, &started);
        assert_eq!(map["process.pid"], 7);
        assert_eq!(map["logfix"], json!({"file": "/l/app.log"}));
        let panic = line(
            "logfix",
            "panic",
            r#","panic_message":"oops","location":"src\\main.rs:10:5","thread":"main""#,
        );
        let (_, map) = convert(&mut w, &panic);
        assert_eq!(map["error.message"], "oops");
        assert_eq!(map["log.origin.file.name"], "src\\main.rs");
        assert_eq!(map["log.origin.file.line"], 10);
        assert_eq!(map["process.thread.name"], "main");
        assert_typed(&map);
    }

    #[test]
    fn a_line_that_cannot_be_read_is_written_as_it_is() {
        let mut w = writer(&[]);
        let mut out = b"before\n".to_vec();
        let bad = "{\"level\":\"info\"}\n";
        let converted = w.convert_lines(bad.as_bytes(), &mut out);
        assert_eq!(converted.failed, 1);
        assert_eq!(out, format!("before\n{bad}").as_bytes());
    }

    #[test]
    fn several_lines_are_converted_each() {
        let mut w = writer(&[]);
        let two = [line("a", "b", ""), line("c", "d", r#","x":1"#)].concat();
        let mut out = Vec::new();
        assert_eq!(w.convert_lines(two.as_bytes(), &mut out), Converted::default());
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with(r#""event.action":"d","logfix":{"fields":{"x":1}}}"#));
    }

    #[test]
    fn an_ecs_line_stays_within_the_cap() {
        let mut w = writer(&[("LOGFIX_MAX_LINE", "1KiB")]);
        // A logfix line just within the cap: its ECS form is longer.
        let filler = "y".repeat(1024 - line("a", "b", r#","long":"""#).len());
        let logfix = line("a", "b", &format!(r#","long":"{filler}""#));
        assert_eq!(logfix.len(), 1024);
        let mut out = Vec::new();
        let converted = w.convert_lines(logfix.as_bytes(), &mut out);
        assert_eq!(converted.shortened, 1);
        assert!(out.len() <= 1024, "{}", out.len());
        let map: Map<String, Value> = serde_json::from_slice(&out).unwrap();
        let long = map["logfix"]["fields"]["long"].as_str().unwrap();
        assert!(long.ends_with("...[truncated]"), "{long}");
        assert_typed(&map);
    }

    /// `target` takes the context's ids as the keys of `LINE_KEYS` after the reserved ones.
    #[test]
    fn line_keys_start_with_the_reserved_keys() {
        let head: Vec<&str> =
            ecs::LINE_KEYS.iter().take(RESERVED_KEYS.len()).map(|(k, _)| *k).collect();
        assert_eq!(head, RESERVED_KEYS);
    }

    #[test]
    fn a_retried_line_is_marked_under_logfix() {
        let with = mark_retry(b"{\"a\":\"b\",\"logfix\":{\"fields\":{\"x\":1}}}\n");
        let with: Value = serde_json::from_slice(&with).unwrap();
        assert_eq!(with["logfix"], json!({"fields": {"x": 1}, "retry": true}));
        let without = mark_retry(b"{\"a\":\"b\"}\n");
        let without: Value = serde_json::from_slice(&without).unwrap();
        assert_eq!(without["logfix"], json!({"retry": true}));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    use super::*;
    use crate::config::{Config, Schema};

    fn writer() -> EcsWriter {
        let (settings, _) =
            Config::new().schema(Schema::Ecs).service_name("svc \"q\"".to_owned()).resolve();
        EcsWriter::new(&settings)
    }

    /// A JSON value: strings with escapes and any character, integers, floats, booleans,
    /// null, and arrays and objects of them.
    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            any::<String>().prop_map(Value::from),
            "[a-z\"\\\n\u{e9}\u{1F600}:.\\[\\]{}]{0,20}".prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e9f64..1e9).prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
            Just(Value::Null),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Keys of every kind: ECS field sets, context ids, call and access keys, own fields,
    /// dotted and escaped names.
    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "host",
                "error",
                "user",
                "url",
                "event.x",
                "service",
                "user_id",
                "request_id",
                "trace_id",
                "duration_us",
                "outcome",
                "error_type",
                "error_sources",
                "method",
                "path",
                "status",
                "bytes",
                "client",
                "user_agent",
                "route",
                "panicked",
                "pid",
                "thread",
                "location",
                "panic_message",
                "file",
                "count",
                "logfix",
                "fields",
                "a.b",
                "field.event",
                "q\"uote",
                "back\\slash",
                "\u{e9}t\u{e9}",
            ])
            .prop_map(str::to_owned),
            "[a-z_]{1,8}",
        ]
    }

    /// A logfix line as the runtime writes it, with `fields` after the head.
    fn logfix_line(component: &str, event: &str, fields: &[(String, Value)]) -> String {
        let mut line = format!(
            "{{\"timestamp\":\"2026-12-06T22:15:00.123456Z\",\"level\":\"warn\",\"component\":{},\"event\":{},\"message\":\"m \\\"x\\\"\"",
            Value::from(component),
            Value::from(event)
        );
        for (key, value) in fields {
            line.push(',');
            line.push_str(&Value::from(key.as_str()).to_string());
            line.push(':');
            line.push_str(&value.to_string());
        }
        line.push_str("}\n");
        line
    }

    fn assert_typed(map: &Map<String, Value>) -> Result<(), TestCaseError> {
        for (key, value) in map {
            if key == NAMESPACE {
                prop_assert!(value.as_object().is_some_and(|o| !o.is_empty()), "{value}");
                continue;
            }
            let kind = ecs::kind(key);
            prop_assert!(kind.is_some(), "{key} at the top level");
            let json = match value {
                Value::String(_) => "string",
                Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
                Value::Bool(_) => "boolean",
                _ => "other",
            };
            prop_assert_eq!(Some(json), kind.map(ecs::Kind::json_type), "{}", key);
        }
        Ok(())
    }

    proptest! {
        /// Whatever the keys and values, and whoever wrote the line, its ECS form is one valid
        /// JSON object on one line, starting with the three keys, every top-level key an ECS
        /// field of its type; and a line of an ordinary event keeps every field, unchanged,
        /// under `logfix.fields`.
        #[test]
        fn every_line_converts_to_a_typed_ecs_line(
            fields in prop::collection::btree_map(key(), value(), 0..8),
            origin in prop::sample::select(vec![("app", "e"), ("http", "request"), ("logfix", "panic"), ("db", "query")]),
        ) {
            let fields: Vec<(String, Value)> = fields.into_iter().collect();
            let line = logfix_line(origin.0, origin.1, &fields);
            let mut out = Vec::new();
            let converted = writer().convert_lines(line.as_bytes(), &mut out);
            prop_assert_eq!(converted, Converted::default());
            let text = String::from_utf8(out).unwrap();
            prop_assert!(text.ends_with("}\n") && text.matches('\n').count() == 1, "{}", text);
            prop_assert!(text.starts_with("{\"@timestamp\":\"2026-12-06T22:15:00.123456Z\",\"log.level\":\"warn\",\"message\":\"m \\\"x\\\"\","), "{}", text);
            let map: Map<String, Value> = serde_json::from_str(text.trim_end()).unwrap();
            // serde_json keeps the last of two equal keys: count them as written.
            let mut members = Vec::new();
            prop_assert!(cap::top_level_members(text.as_bytes(), &mut members));
            prop_assert_eq!(members.len(), map.len(), "a key twice: {}", text);
            assert_typed(&map)?;
            prop_assert_eq!(&map["log.logger"], origin.0);
            let context = |k: &str| ecs::LINE_KEYS.iter().any(|(key, _)| *key == k);
            if origin == ("app", "e") {
                let app = map.get(NAMESPACE).and_then(|o| o.get(APP_FIELDS));
                for (key, value) in &fields {
                    let kept = app.and_then(|a| a.get(key));
                    if context(key) && value.is_string() {
                        prop_assert!(kept.is_none(), "{} is an ECS field", key);
                    } else {
                        prop_assert_eq!(kept, Some(value), "{}", key);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod timing {
    /// Not a test: `cargo test --release -p logfix-runtime --lib schema::ecs::timing -- --ignored --nocapture`
    #[test]
    #[ignore = "a measurement"]
    fn conversion_per_line() {
        let (settings, _) = crate::config::Config::new()
            .schema(crate::config::Schema::Ecs)
            .service_name("bench".to_owned())
            .resolve();
        let mut w = super::EcsWriter::new(&settings);
        let line = b"{\"timestamp\":\"2026-12-06T22:15:00.123456Z\",\"level\":\"info\",\"component\":\"auth\",\"event\":\"user_login\",\"message\":\"user 42 logged in\",\"user_id\":42,\"request_id\":\"req-7f3a9c\",\"path\":\"/api/items\",\"ok\":true}\n";
        let lines: Vec<u8> = line.repeat(64);
        let mut out = Vec::with_capacity(64 * 1024);
        let start = std::time::Instant::now();
        for _ in 0..20_000 {
            out.clear();
            w.convert_lines(&lines, &mut out);
        }
        let per = start.elapsed().as_nanos() / (20_000 * 64);
        println!("{per} ns per line; {} bytes -> {} bytes", line.len(), out.len() / 64);
    }
}
