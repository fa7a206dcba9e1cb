//! The Elastic Common Schema form of a line (`LOGFIX_SCHEMA=ecs`), defined once for the runtime
//! that writes it and the tools that read and check it: the ECS version written, what each key
//! of a logfix line is called there, and the Elasticsearch type of every key an ECS line of
//! logfix can hold.
//!
//! An ECS line holds the ECS fields logfix knows the meaning of, as dotted keys at the top level
//! ([`FIELDS`]), and one object of logfix's own, [`NAMESPACE`]: logfix's own fields that ECS
//! has no name for ([`OWN_FIELDS`]) and, under [`APP_FIELDS`], the application's fields (an
//! event's fields, a `#[logged]` function's arguments, a bridged event's fields, the context's
//! custom fields). No application field is ever written at the top level, so none can take the
//! name of an ECS field with another type (a string `host`, `error` or `user`, which ECS maps as
//! objects) and make Elasticsearch reject the line.
//!
//! The types are those of the ECS field reference for [`ECS_VERSION`]; `schema/ecs-event.schema.json`
//! states them as JSON types, and a test of `logfix-testkit` checks that it agrees with these
//! tables.
//!
//! # Examples
//! ```
//! use logfix_core::ecs::{self, Kind};
//!
//! assert_eq!(ecs::ecs_key("component"), Some("log.logger"));
//! assert_eq!(ecs::kind("event.duration"), Some(Kind::Long));
//! assert_eq!(ecs::own_kind("outcome"), Some(Kind::Keyword));
//! ```

/// The ECS version an ECS line says it follows (`ecs.version`). The fields written are the same
/// in every ECS 8 release since 8.0; 8.11 is the release whose field reference this module
/// follows.
pub const ECS_VERSION: &str = "8.11.0";

/// The one top-level object that is logfix's own: every key under it is either one of
/// [`OWN_FIELDS`] or [`APP_FIELDS`]. ECS names its field sets after generic concepts, never
/// after a product, so this name will not become an ECS field.
pub const NAMESPACE: &str = "logfix";

/// The object under [`NAMESPACE`] that holds the application's fields: `logfix.fields.user_id`.
pub const APP_FIELDS: &str = "fields";

/// How Elasticsearch maps a field (ECS's `type`), reduced to what a JSON line can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `keyword` (also ECS's `constant_keyword`): a string, matched exactly.
    Keyword,
    /// `match_only_text` or `wildcard`: a string, searched in.
    Text,
    /// `long`: an integer.
    Long,
    /// `date`: a string, RFC 3339 (logfix writes `2026-11-28T04:39:13.123456Z`).
    Date,
    /// `ip`: an IPv4 or IPv6 address as a string.
    Ip,
    /// `boolean`.
    Boolean,
}

impl Kind {
    /// The JSON type of the value: `"string"`, `"integer"` or `"boolean"`, as a JSON Schema
    /// writes it.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(logfix_core::ecs::Kind::Ip.json_type(), "string");
    /// ```
    #[must_use]
    pub const fn json_type(self) -> &'static str {
        match self {
            Kind::Keyword | Kind::Text | Kind::Date | Kind::Ip => "string",
            Kind::Long => "integer",
            Kind::Boolean => "boolean",
        }
    }
}

/// What the keys of a logfix line are called in an ECS line: the five mandatory keys and the
/// context's five identifiers. ECS has no correlation id: it goes to `labels`, ECS's object of
/// keyword values for exactly such ids.
pub const LINE_KEYS: &[(&str, &str)] = &[
    ("timestamp", "@timestamp"),
    ("level", "log.level"),
    ("component", "log.logger"),
    ("event", "event.action"),
    ("message", "message"),
    ("request_id", "http.request.id"),
    ("correlation_id", "labels.correlation_id"),
    ("user_id", "user.id"),
    ("trace_id", "trace.id"),
    ("span_id", "span.id"),
];

/// The ECS name of a key of a logfix line (see [`LINE_KEYS`]); `None` for any other key.
#[must_use]
pub fn ecs_key(logfix_key: &str) -> Option<&'static str> {
    LINE_KEYS.iter().find(|(key, _)| *key == logfix_key).map(|(_, ecs)| *ecs)
}

/// Every top-level key an ECS line of logfix may hold besides [`NAMESPACE`], with its type, in
/// the order a line writes them. The first three start every line, in this order; `ecs.version`
/// is on every line too.
pub const FIELDS: &[(&str, Kind)] = &[
    ("@timestamp", Kind::Date),
    ("log.level", Kind::Keyword),
    ("message", Kind::Text),
    ("ecs.version", Kind::Keyword),
    ("service.name", Kind::Keyword),
    ("service.version", Kind::Keyword),
    ("service.environment", Kind::Keyword),
    ("event.dataset", Kind::Keyword),
    ("log.logger", Kind::Keyword),
    ("event.action", Kind::Keyword),
    ("http.request.id", Kind::Keyword),
    ("labels.correlation_id", Kind::Keyword),
    ("user.id", Kind::Keyword),
    ("trace.id", Kind::Keyword),
    ("span.id", Kind::Keyword),
    ("event.duration", Kind::Long),
    ("event.outcome", Kind::Keyword),
    ("error.message", Kind::Text),
    ("error.type", Kind::Keyword),
    ("error.stack_trace", Kind::Text),
    ("http.request.method", Kind::Keyword),
    ("url.path", Kind::Text),
    ("url.query", Kind::Keyword),
    ("http.response.status_code", Kind::Long),
    ("http.response.body.bytes", Kind::Long),
    ("client.address", Kind::Keyword),
    ("client.ip", Kind::Ip),
    ("client.port", Kind::Long),
    ("user_agent.original", Kind::Keyword),
    ("process.pid", Kind::Long),
    ("process.thread.name", Kind::Keyword),
    ("file.path", Kind::Keyword),
    ("log.origin.file.name", Kind::Keyword),
    ("log.origin.file.line", Kind::Long),
];

/// The type of a top-level ECS key of [`FIELDS`]; `None` for any other key.
#[must_use]
pub fn kind(key: &str) -> Option<Kind> {
    FIELDS.iter().find(|(k, _)| *k == key).map(|(_, kind)| *kind)
}

/// The keys under [`NAMESPACE`] besides [`APP_FIELDS`]: the fields of logfix's own events that
/// ECS has no field for (a `#[logged]` call's precise outcome, the access event's route and
/// flags, the fields of logfix's notices), each with the one type it always has.
pub const OWN_FIELDS: &[(&str, Kind)] = &[
    // A `#[logged]` call: `ok`, `error`, `cancelled`, `panicked`.
    ("outcome", Kind::Keyword),
    // A line written whole to stderr after part of it reached the file.
    ("retry", Kind::Boolean),
    // The access event of `web::AccessLogLayer`.
    ("route", Kind::Keyword),
    ("request_id_rejected", Kind::Boolean),
    ("correlation_id_rejected", Kind::Boolean),
    ("traceparent_rejected", Kind::Boolean),
    ("panicked", Kind::Boolean),
    // logfix's notices (`"log.logger":"logfix"`).
    ("config", Kind::Keyword),
    ("count", Kind::Long),
    ("expected_seq", Kind::Long),
    ("failed_component", Kind::Keyword),
    ("failed_event", Kind::Keyword),
    ("fallback_reason", Kind::Keyword),
    ("file", Kind::Keyword),
    ("files", Kind::Keyword),
    ("first_drop_us", Kind::Long),
    ("first_prev", Kind::Keyword),
    ("first_seq", Kind::Long),
    ("framework", Kind::Keyword),
    ("last_seq", Kind::Long),
    ("lines_to_stderr", Kind::Long),
    ("logfix_version", Kind::Keyword),
    ("new", Kind::Keyword),
    ("old", Kind::Keyword),
    ("outage_ms", Kind::Long),
    ("retry_ms", Kind::Long),
    ("signal", Kind::Keyword),
    ("span_ms", Kind::Long),
    ("suppressed_component", Kind::Keyword),
    ("suppressed_event", Kind::Keyword),
    ("used", Kind::Keyword),
    ("value", Kind::Keyword),
    ("variable", Kind::Keyword),
];

/// The type of a key of [`OWN_FIELDS`]; `None` for any other key.
#[must_use]
pub fn own_kind(key: &str) -> Option<Kind> {
    OWN_FIELDS.iter().find(|(k, _)| *k == key).map(|(_, kind)| *kind)
}

/// Whether `key` can name a field of Elasticsearch: not empty, and no empty part between its
/// dots (`a..b`, `.a` and `a.` are refused, or read as paths nobody meant).
///
/// # Examples
/// ```
/// use logfix_core::ecs::is_field_name;
///
/// assert!(is_field_name("http.method"));
/// assert!(!is_field_name("") && !is_field_name("a..b") && !is_field_name("a."));
/// ```
#[must_use]
pub fn is_field_name(key: &str) -> bool {
    !key.is_empty() && key.split('.').all(|part| !part.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_listed_once() {
        let mut keys: Vec<&str> = FIELDS.iter().map(|(k, _)| *k).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), FIELDS.len());
        let mut own: Vec<&str> = OWN_FIELDS.iter().map(|(k, _)| *k).collect();
        own.sort_unstable();
        own.dedup();
        assert_eq!(own.len(), OWN_FIELDS.len());
        assert!(!own.contains(&APP_FIELDS));
    }

    /// Every ECS name of a line key is a top-level field, and none of the top-level keys is a
    /// dotted prefix of another (`a` and `a.b` cannot both be written).
    #[test]
    fn the_top_level_keys_are_consistent() {
        for &(_, ecs) in LINE_KEYS {
            assert!(kind(ecs).is_some(), "{ecs}");
        }
        for &(a, _) in FIELDS {
            assert!(is_field_name(a), "{a}");
            assert!(!a.starts_with(NAMESPACE), "{a}");
            for &(b, _) in FIELDS {
                assert!(a == b || !b.starts_with(&format!("{a}.")), "{a} is a prefix of {b}");
            }
        }
        let first: Vec<&str> = FIELDS.iter().take(3).map(|(k, _)| *k).collect();
        assert_eq!(first, ["@timestamp", "log.level", "message"]);
    }
}
