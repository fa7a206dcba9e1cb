//! Rendering an event into one line: JSON (the schema in `schema/logfix-event.schema.json`) or a
//! readable, optionally coloured line for a developer's terminal.
//!
//! Rendering is the lowest layer of an event's way out: it knows records, values and the context
//! (data it writes), never where they come from (`event`, the bridges, `call`) nor where lines go.

#![allow(
    clippy::inline_always,
    reason = "the line stays in registers only if the event's code is inlined into its render (measured: see docs/BENCHMARKS.md)"
)]

pub(crate) mod cap;
pub(crate) mod context;
pub(crate) mod digits;
pub(crate) mod escape;
pub(crate) mod event_writer;
pub(crate) mod line;
#[cfg(feature = "serde")]
mod nested;
pub(crate) mod parts;
pub(crate) mod time;
pub(crate) mod value;

use core::fmt;
use core::str::FromStr;

use logfix_core::Level;

pub use value::{Value, ValueWriter, Written};

use std::sync::Arc;

use crate::context::Context;
use crate::error::ParseError;
use crate::redact::Redaction;
use line::Line;
use parts::Pretty;

/// How lines are written.
///
/// # Examples
/// ```
/// use logfix_runtime::Format;
///
/// assert_eq!("pretty".parse::<Format>(), Ok(Format::Pretty));
/// assert!("xml".parse::<Format>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Format {
    /// One JSON object per line: for files, containers and log shippers.
    #[default]
    Json,
    /// One readable line per event, coloured on a terminal: for development.
    Pretty,
}

impl FromStr for Format {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "pretty" => Ok(Format::Pretty),
            _ => Err(ParseError::new("expected `json` or `pretty`")),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Json => "json",
            Format::Pretty => "pretty",
        })
    }
}

/// The line being built, reused from one event to the next on each thread.
#[derive(Debug, Default)]
pub(crate) struct Output {
    pub(crate) buf: Vec<u8>,
    pub(crate) format: Format,
    /// Colour escapes in the pretty format.
    pub(crate) color: bool,
    /// `Display`/`Debug` impls that returned an error while rendering this line.
    pub(crate) format_errors: u32,
    /// A `Display`/`Debug` value's text before it is scrubbed: reused.
    pub(crate) text: String,
    /// The text of the event's redacted fields: removed from its `Display`/`Debug` values.
    pub(crate) known: Vec<String>,
    /// The redaction of the logger rendering the line when it is not the global path's (a
    /// logger from `Config::build()` with settings of its own); see [`Output::redaction`].
    pub(crate) own_redaction: Option<Arc<Redaction>>,
    stamp: time::Stamp,
}

impl Output {
    pub(crate) fn new(format: Format, color: bool) -> Self {
        Self {
            buf: Vec::with_capacity(256),
            format,
            color,
            format_errors: 0,
            text: String::new(),
            known: Vec::new(),
            own_redaction: None,
            stamp: time::Stamp::default(),
        }
    }

    /// What this line is redacted with: its logger's, or the global path's.
    pub(crate) fn redaction(&self) -> &Redaction {
        match self.own_redaction.as_deref() {
            Some(own) => own,
            None => crate::redact::global(),
        }
    }

    pub(crate) fn clear(&mut self) {
        self.buf.clear();
        self.format_errors = 0;
        self.known.clear();
    }
}

/// Anything that renders as a line: a derived event (through `event::Derived`), an event bridged
/// from `tracing` or `log`, a `#[logged]` call.
pub(crate) trait Record {
    fn level(&self) -> Level;
    fn component(&self) -> &str;

    /// The component, when it lives as long as the program (a derived event's, a `tracing`
    /// target): the hand-off then recognises it by its address.
    fn static_component(&self) -> Option<&'static str> {
        None
    }
    fn event(&self) -> &str;
    /// The constant JSON between the timestamp and the message text, when it is cached.
    fn json_head(&self) -> Option<&[u8]> {
        None
    }
    /// Writes the JSON line from the message text to the last field.
    fn write_json(&self, line: &mut Line<'_>);
    /// Writes the pretty line from the message text to the last field.
    fn write_pretty(&self, w: &mut Pretty<'_>);

    /// Renders the whole JSON line after what `out` holds. Not meant to be overridden: a
    /// default method, so that each kind of record gets its own copy of [`json_line`], with its
    /// `json_head` and `write_json` inlined into it, behind the one virtual call the rest of the
    /// pipeline (which takes `&dyn Record`, once for every kind of record) makes. Optimised
    /// builds only: debug builds share one copy, so that each event adds little code.
    #[cfg(not(debug_assertions))]
    #[inline]
    fn render_json(&self, out: &mut Output, context: Option<&Context>, time: u64) {
        json_line(out, self, context, time);
    }
}

/// Renders `record` as one complete line, ending in `\n`, after what `out` holds.
pub(crate) fn render(out: &mut Output, record: &dyn Record, context: Option<&Context>, time: u64) {
    match out.format {
        #[cfg(not(debug_assertions))]
        Format::Json => record.render_json(out, context, time),
        #[cfg(debug_assertions)]
        Format::Json => json_line(out, record, context, time),
        Format::Pretty => {
            let color = out.color;
            paint(out, color, DIM, |out| {
                let (date, micros) = out.stamp.parts(time);
                out.buf.extend_from_slice(&date);
                out.buf.extend_from_slice(&micros);
            });
            out.buf.push(b' ');
            paint(out, color, level_color(record.level()), |out| {
                out.buf.extend_from_slice(level_label(record.level()).as_bytes());
            });
            out.buf.push(b' ');
            paint(out, color, BOLD, |out| {
                escape::escape_into(&mut out.buf, record.component());
                out.buf.push(b'.');
                escape::escape_into(&mut out.buf, record.event());
            });
            out.buf.extend_from_slice(b": ");
            record.write_pretty(&mut Pretty::new(out, context));
            out.buf.push(b'\n');
        }
    }
}

/// The JSON line of `record`, ending in `\n`, after what `out` holds.
#[cfg_attr(not(debug_assertions), inline(always))]
#[cfg_attr(debug_assertions, inline)]
fn json_line<R: Record + ?Sized>(
    out: &mut Output,
    record: &R,
    context: Option<&Context>,
    time: u64,
) {
    let (date, micros) = out.stamp.parts(time);
    let mut line = Line::new(out, context);
    line.put(b"{\"timestamp\":\"");
    line.put(&date);
    line.put(&micros);
    if let Some(head) = record.json_head() {
        line.put(head);
    } else {
        line.put(b"\",\"level\":\"");
        line.put(record.level().as_str().as_bytes());
        line.put(b"\",\"component\":\"");
        line.str(record.component(), true);
        line.put(b"\",\"event\":\"");
        line.str(record.event(), true);
        line.put(b"\",\"message\":\"");
    }
    record.write_json(&mut line);
    line.put(b"}\n");
}

/// Writes the separator and key before a field value.
pub(crate) fn write_key(out: &mut Output, key: &str) {
    match out.format {
        Format::Json => {
            out.buf.extend_from_slice(b",\"");
            escape::escape_into(&mut out.buf, key);
            out.buf.extend_from_slice(b"\":");
        }
        Format::Pretty => {
            out.buf.push(b' ');
            let color = out.color;
            paint(out, color, DIM, |out| {
                if escape::needs_quotes(key) {
                    out.buf.push(b'"');
                    escape::escape_into(&mut out.buf, key);
                    out.buf.push(b'"');
                } else {
                    escape::escape_into(&mut out.buf, key);
                }
                out.buf.push(b'=');
            });
        }
    }
}

const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

fn level_label(level: Level) -> &'static str {
    match level {
        Level::Trace => "TRACE",
        Level::Debug => "DEBUG",
        Level::Info => " INFO",
        Level::Warn => " WARN",
        Level::Error => "ERROR",
    }
}

fn level_color(level: Level) -> &'static str {
    match level {
        Level::Trace => "\x1b[35m",
        Level::Debug => "\x1b[34m",
        Level::Info => "\x1b[32m",
        Level::Warn => "\x1b[33m",
        Level::Error => "\x1b[31m",
    }
}

fn paint(out: &mut Output, color: bool, code: &str, body: impl FnOnce(&mut Output)) {
    if color {
        out.buf.extend_from_slice(code.as_bytes());
    }
    body(out);
    if color {
        out.buf.extend_from_slice(RESET.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dynamic key (a context field's, a bridged field's) cannot pass for two fields on the
    /// console: `a b=c=1` would read as `a` and `b=c=1`.
    #[test]
    fn pretty_keys_that_could_read_as_more_fields_are_quoted() {
        let mut out = Output::new(Format::Pretty, false);
        for key in ["plain", "a b=c", "", "x\u{2028}y", "caf\u{e9}"] {
            write_key(&mut out, key);
        }
        let text = String::from_utf8(out.buf).unwrap();
        assert_eq!(text, r#" plain= "a b=c"= ""= "x\u2028y"= café="#);
    }
}
