//! Which lines a command keeps: the options `query`, `tail` and `stats` share.

use logfix_runtime::Level;
use memchr::memmem::Finder;

use crate::error::Error;
use crate::schema::{text, Record, Schema};
use crate::time::{parse_moment, Timestamp};

/// The filter options. A line is kept when it matches every option given.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct Filter {
    /// Lines of this request: `request_id` (in ECS lines `http.request.id`) equal to ID.
    #[arg(long, value_name = "ID")]
    pub(crate) request_id: Option<String>,

    /// Levels: `warn` (only warn), `warn..` (warn and above), `..info`, `debug..warn`.
    #[arg(long, value_name = "RANGE", value_parser = parse_levels)]
    pub(crate) level: Option<LevelRange>,

    /// Lines of this component and those below it: `db` also matches `db.pool` and `db::pool`.
    #[arg(long, value_name = "NAME")]
    pub(crate) component: Option<String>,

    /// Lines of this event, e.g. `charge_failed`.
    #[arg(long, value_name = "NAME")]
    pub(crate) event: Option<String>,

    /// Lines at or after this time: `2026-11-28T04:39:13Z`, `2026-11-28`, or a duration ago
    /// (`15m`, `2h`, `7d`). Times are UTC.
    #[arg(long, value_name = "WHEN", value_parser = parse_when)]
    pub(crate) since: Option<Timestamp>,

    /// Lines before this time (same forms as --since).
    #[arg(long, value_name = "WHEN", value_parser = parse_when)]
    pub(crate) until: Option<Timestamp>,

    /// Lines where the key FIELD holds VALUE: a string equal to VALUE, or another value written
    /// as VALUE (`status=500`, `ok=true`). Either schema's name works on both (`user_id` and
    /// `user.id`); in ECS lines, fields under `logfix` and `logfix.fields` by their own names.
    #[arg(value_name = "FIELD=VALUE", value_parser = parse_field)]
    pub(crate) fields: Vec<FieldMatch>,
}

/// What a filter makes of a line.
pub(crate) enum Selected<'a> {
    /// It matches.
    Yes(Record<'a>),
    /// It does not.
    No,
    /// It is not a valid line (only said of lines that could have matched).
    Invalid,
}

/// An inclusive range of levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LevelRange {
    pub(crate) min: Level,
    pub(crate) max: Level,
}

/// `FIELD=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldMatch {
    pub(crate) key: String,
    pub(crate) value: String,
}

impl Filter {
    /// Checks what the options say together: a time range that is empty is a mistake, not a
    /// question with no answer.
    pub(crate) fn check(&self) -> Result<(), Error> {
        match (self.since, self.until) {
            (Some(since), Some(until)) if until <= since => Err(Error::Usage(
                "--until must come after --since (a duration ago is counted back from now: --since 2h --until 1h)".to_owned(),
            )),
            _ => Ok(()),
        }
    }

    /// Whether `record` matches every option.
    pub(crate) fn matches(&self, record: &Record<'_>) -> bool {
        self.may_match(record.timestamp, record.level)
            && self.event.as_ref().is_none_or(|e| *e == record.event)
            && self.component.as_ref().is_none_or(|c| covers(c, &record.component))
            && self
                .request_id
                .as_ref()
                .is_none_or(|id| record.request_id().is_some_and(|v| text(v) == id.as_str()))
            && self
                .fields
                .iter()
                .all(|f| record.field(&f.key).is_some_and(|v| text(v) == f.value.as_str()))
    }

    /// Whether `line` matches, parsing it only if [`Filter::rules_out`] cannot tell.
    pub(crate) fn select<'a>(&self, line: &'a [u8], needle: Option<&Finder<'_>>) -> Selected<'a> {
        if self.rules_out(line, needle) {
            return Selected::No;
        }
        match core::str::from_utf8(line).ok().and_then(|text| Record::parse(text).ok()) {
            Some(record) if self.matches(&record) => Selected::Yes(record),
            Some(_) => Selected::No,
            None => Selected::Invalid,
        }
    }

    /// Whether a line of this timestamp and level can match: the options that need no more.
    pub(crate) fn may_match(&self, timestamp: Timestamp, level: Level) -> bool {
        self.since.is_none_or(|since| timestamp >= since)
            && self.until.is_none_or(|until| timestamp < until)
            && self.level.is_none_or(|r| (r.min..=r.max).contains(&level))
    }

    /// Whether `line` cannot match, from what can be seen without parsing it: the value the
    /// options look for is not in it, or its timestamp or level do not match.
    pub(crate) fn rules_out(&self, line: &[u8], needle: Option<&Finder<'_>>) -> bool {
        needle.is_some_and(|n| n.find(line).is_none())
            || Schema::detect(line)
                .header(line)
                .is_some_and(|(ts, level)| !self.may_match(ts, level))
    }

    /// A byte string that every matching line contains as written, to skip the other lines
    /// without parsing them: the longest of the values the options look for, among those that
    /// are written as they are in a JSON line (no character that JSON escapes).
    pub(crate) fn needle(&self) -> Option<Finder<'static>> {
        let values = [&self.request_id, &self.component, &self.event];
        let values = values.into_iter().flatten().chain(self.fields.iter().map(|f| &f.value));
        let longest = values.filter(|v| written_as_is(v)).max_by_key(|v| v.len())?;
        Some(Finder::new(longest.as_bytes()).into_owned())
    }
}

/// Whether the component filter `filter` covers `component`: the same name, or one below it
/// (`db` covers `db.pool` and `db::pool`), as the runtime's `LOGFIX_LEVEL` directives do.
fn covers(filter: &str, component: &str) -> bool {
    component
        .strip_prefix(filter)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with("::"))
}

/// Whether `value` appears unchanged inside a JSON string: not empty, and no character that a
/// JSON writer escapes (quotes, backslashes, control characters, DEL, U+2028, U+2029).
fn written_as_is(value: &str) -> bool {
    !value.is_empty()
        && !value
            .chars()
            .any(|c| c.is_control() || c == '"' || c == '\\' || c == '\u{2028}' || c == '\u{2029}')
}

fn parse_levels(text: &str) -> Result<LevelRange, String> {
    let level = |s: &str, default: Level| -> Result<Level, String> {
        if s.is_empty() {
            return Ok(default);
        }
        s.parse().map_err(|_| {
            format!("`{s}` is not a level: expected trace, debug, info, warn or error")
        })
    };
    let range = if let Some((min, max)) = text.split_once("..") {
        LevelRange { min: level(min, Level::Trace)?, max: level(max, Level::Error)? }
    } else {
        let only = level(text, Level::Trace)?;
        LevelRange { min: only, max: only }
    };
    if text.is_empty() || text == ".." || range.min > range.max {
        return Err(format!(
            "`{text}` is not a range of levels: expected e.g. `warn`, `warn..`, `..info` or `debug..warn`"
        ));
    }
    Ok(range)
}

fn parse_when(text: &str) -> Result<Timestamp, String> {
    parse_moment(text, Timestamp::now())
}

fn parse_field(text: &str) -> Result<FieldMatch, String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => {
            Ok(FieldMatch { key: key.to_owned(), value: value.to_owned() })
        }
        _ => Err(format!("`{text}` is not FIELD=VALUE, e.g. `user_id=42`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"timestamp":"2026-11-28T04:39:13.123456Z","level":"warn","component":"db::pool","event":"slow_query","message":"m","request_id":"req-1","status":500,"ok":true,"who":"a\"b"}"#;

    fn keeps(filter: &Filter) -> bool {
        let record = Record::parse(LINE).unwrap();
        let kept = filter.matches(&record);
        let needle = filter.needle();
        assert!(
            !kept || !filter.rules_out(LINE.as_bytes(), needle.as_ref()),
            "a line that matches is never ruled out"
        );
        kept
    }

    fn with(f: impl FnOnce(&mut Filter)) -> Filter {
        let mut filter = Filter::default();
        f(&mut filter);
        filter
    }

    #[test]
    fn each_option_keeps_and_drops() {
        assert!(keeps(&Filter::default()));
        assert!(keeps(&with(|f| f.request_id = Some("req-1".into()))));
        assert!(!keeps(&with(|f| f.request_id = Some("req-2".into()))));
        assert!(keeps(&with(|f| f.level = Some(parse_levels("warn..").unwrap()))));
        assert!(keeps(&with(|f| f.level = Some(parse_levels("debug..warn").unwrap()))));
        assert!(!keeps(&with(|f| f.level = Some(parse_levels("error").unwrap()))));
        assert!(!keeps(&with(|f| f.level = Some(parse_levels("..info").unwrap()))));
        assert!(keeps(&with(|f| f.component = Some("db".into()))));
        assert!(keeps(&with(|f| f.component = Some("db::pool".into()))));
        assert!(!keeps(&with(|f| f.component = Some("d".into()))));
        assert!(keeps(&with(|f| f.event = Some("slow_query".into()))));
        assert!(!keeps(&with(|f| f.event = Some("slow".into()))));
        let at = |s| Some(parse_moment(s, Timestamp::now()).unwrap());
        assert!(keeps(&with(|f| f.since = at("2026-11-28T04:39:13.123456Z"))));
        assert!(!keeps(&with(|f| f.until = at("2026-11-28T04:39:13.123456Z"))));
        assert!(keeps(&with(|f| f.until = at("2026-11-28T04:40Z"))));
        let field = |s| vec![parse_field(s).unwrap()];
        assert!(keeps(&with(|f| f.fields = field("status=500"))));
        assert!(keeps(&with(|f| f.fields = field("ok=true"))));
        assert!(keeps(&with(|f| f.fields = field("who=a\"b"))));
        assert!(!keeps(&with(|f| f.fields = field("status=404"))));
        assert!(!keeps(&with(|f| f.fields = field("missing=1"))));
    }

    #[test]
    fn the_needle_is_the_longest_value_written_as_is() {
        let filter = with(|f| {
            f.request_id = Some("req-1".into());
            f.fields = vec![parse_field("who=a\"bbbbbbbb").unwrap()];
        });
        assert_eq!(filter.needle().unwrap().needle(), b"req-1");
        assert!(Filter::default().needle().is_none());
    }

    #[test]
    fn rejects_bad_values() {
        assert_eq!(
            parse_levels("warn..").unwrap(),
            LevelRange { min: Level::Warn, max: Level::Error }
        );
        for bad in ["", "..", "loud", "error..debug", "warn...error"] {
            assert!(parse_levels(bad).is_err(), "{bad}");
        }
        assert!(parse_field("=1").is_err());
        assert!(parse_field("novalue").is_err());
        assert_eq!(
            parse_field("a=b=c").unwrap(),
            FieldMatch { key: "a".into(), value: "b=c".into() }
        );
    }
}
