//! Writing lines to stdout: as JSON, exactly as read, or in the runtime's pretty format
//! (`TIMESTAMP LEVEL component.event: message key=value ...`), coloured on a terminal.

use std::io::{self, BufWriter, IsTerminal, StdoutLock, Write};

use logfix_core::escape::needs_quotes;
use logfix_runtime::Level;
use serde_json::value::RawValue;

use crate::schema::{string, Record};

/// The output options of `query` and `tail`.
#[derive(Debug, Clone, Copy, clap::Args)]
pub(crate) struct OutputArgs {
    /// `json` writes each line as read (for jq and shippers); `pretty` is the runtime's
    /// readable format; `auto` is pretty on a terminal, JSON otherwise.
    #[arg(long, value_enum, default_value_t = FormatChoice::Auto)]
    pub(crate) format: FormatChoice,

    /// Colour in the pretty format: `auto` on a terminal. Never when `NO_COLOR` is set.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum FormatChoice {
    Auto,
    Json,
    Pretty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Lines on their way to stdout.
pub(crate) struct Output {
    writer: BufWriter<StdoutLock<'static>>,
    /// `None` for JSON; with colour or not.
    pretty: Option<bool>,
    buf: Vec<u8>,
}

impl Output {
    pub(crate) fn new(args: OutputArgs) -> Output {
        let terminal = io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let pretty = match args.format {
            FormatChoice::Json => false,
            FormatChoice::Pretty => true,
            FormatChoice::Auto => terminal,
        };
        let color = !no_color
            && match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => terminal,
            };
        Output {
            writer: BufWriter::with_capacity(64 * 1024, io::stdout().lock()),
            pretty: pretty.then_some(color),
            buf: Vec::with_capacity(1024),
        }
    }

    /// Writes one line: as it is, or in the pretty format (a line that cannot be read as a
    /// [`Record`] is written as it is in both formats).
    ///
    /// # Errors
    ///
    /// Writing to stdout failed.
    pub(crate) fn line(&mut self, line: &[u8]) -> io::Result<()> {
        let pretty = self.pretty.and_then(|color| {
            let record = Record::parse(core::str::from_utf8(line).ok()?).ok()?;
            self.buf.clear();
            pretty(&mut self.buf, &record, color);
            self.buf.push(b'\n');
            Some(())
        });
        if pretty.is_some() {
            self.writer.write_all(&self.buf)
        } else {
            self.writer.write_all(line)?;
            self.writer.write_all(b"\n")
        }
    }

    /// Writes out what is buffered.
    ///
    /// # Errors
    ///
    /// Writing to stdout failed.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// A size for people: `512 B`, `1.5 KB`, `120.3 MB`, `1.1 GB` (powers of 1000, as the
/// `LOGFIX_*` sizes and docs/OPERATIONS.md count).
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut unit = 0;
    let mut scaled = n;
    while scaled >= 1_000_000 && unit + 1 < UNITS.len() {
        scaled /= 1000;
        unit += 1;
    }
    // One decimal, from integers: `scaled` is below 1 000 000.
    let tenths = scaled / 100;
    format!("{}.{} {}", tenths / 10, tenths % 10, UNITS.get(unit).unwrap_or(&"TB"))
}

const DIM: &[u8] = b"\x1b[2m";
const BOLD: &[u8] = b"\x1b[1m";
const RESET: &[u8] = b"\x1b[0m";

/// Appends `record` in the pretty format, without a newline. The same layout and colours as the
/// runtime's (`render/mod.rs`); a test holds the two together.
pub(crate) fn pretty(out: &mut Vec<u8>, record: &Record<'_>, color: bool) {
    paint(out, color, DIM, |out| out.extend_from_slice(record.timestamp.to_string().as_bytes()));
    out.push(b' ');
    paint(out, color, level_color(record.level), |out| {
        out.extend_from_slice(level_label(record.level));
    });
    out.push(b' ');
    paint(out, color, BOLD, |out| {
        escape_into(out, &record.component);
        out.push(b'.');
        escape_into(out, &record.event);
    });
    out.extend_from_slice(b": ");
    escape_into(out, &record.message);
    let header = record.schema.header_keys();
    for (key, value) in record.fields.iter().filter(|(k, _)| !header.contains(&k.as_ref())) {
        out.push(b' ');
        paint(out, color, DIM, |out| {
            write_string(out, key);
            out.push(b'=');
        });
        write_value(out, value);
    }
}

/// A field's value: a string bare when nothing in it could be mistaken for the layout, else
/// quoted and escaped; any other value as its JSON text.
fn write_value(out: &mut Vec<u8>, value: &RawValue) {
    match string(value) {
        Some(s) => write_string(out, &s),
        None => write_raw(out, value.get()),
    }
}

/// A key or a string value: bare when nothing in it could be mistaken for the layout, else
/// quoted and escaped.
fn write_string(out: &mut Vec<u8>, s: &str) {
    if needs_quotes(s) {
        out.push(b'"');
        escape_into(out, s);
        out.push(b'"');
    } else {
        escape_into(out, s);
    }
}

/// Appends JSON text as it is, but for the control characters JSON allows unescaped (C1,
/// U+2028, U+2029), escaped.
fn write_raw(out: &mut Vec<u8>, json: &str) {
    for c in json.chars() {
        write_char(out, c);
    }
}

/// Appends `s` escaped as inside a JSON string, as the runtime escapes every string it writes
/// (quote, backslash, control characters, DEL, U+2028, U+2029), and the C1 control characters
/// (U+0080 to U+009F) too: some terminals act on them, and this output is for a terminal.
fn escape_into(out: &mut Vec<u8>, s: &str) {
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\r' => out.extend_from_slice(b"\\r"),
            c => write_char(out, c),
        }
    }
}

/// Appends `c`, or its `\uXXXX` escape if it is a control character, U+2028 or U+2029.
fn write_char(out: &mut Vec<u8>, c: char) {
    if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
        out.extend_from_slice(format!("\\u{:04x}", u32::from(c)).as_bytes());
    } else {
        let mut utf8 = [0; 4];
        out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
    }
}

fn level_label(level: Level) -> &'static [u8] {
    match level {
        Level::Trace => b"TRACE",
        Level::Debug => b"DEBUG",
        Level::Info => b" INFO",
        Level::Warn => b" WARN",
        Level::Error => b"ERROR",
    }
}

fn level_color(level: Level) -> &'static [u8] {
    match level {
        Level::Trace => b"\x1b[35m",
        Level::Debug => b"\x1b[34m",
        Level::Info => b"\x1b[32m",
        Level::Warn => b"\x1b[33m",
        Level::Error => b"\x1b[31m",
    }
}

fn paint(out: &mut Vec<u8>, color: bool, code: &[u8], body: impl FnOnce(&mut Vec<u8>)) {
    if color {
        out.extend_from_slice(code);
    }
    body(out);
    if color {
        out.extend_from_slice(RESET);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logfix_runtime::__private::{render_json, render_pretty};
    use logfix_runtime::LogEvent;

    fn pretty_of(line: &str, color: bool) -> String {
        let mut out = Vec::new();
        pretty(&mut out, &Record::parse(line).unwrap(), color);
        String::from_utf8(out).unwrap()
    }

    #[derive(LogEvent)]
    #[log(
        component = "shop.cart",
        level = "warn",
        message = "cart {cart} has \"{items}\" items\tnow"
    )]
    struct CartFull<'a> {
        cart: &'a str,
        items: u32,
        note: &'a str,
        empty: &'a str,
        ratio: f64,
        flag: bool,
    }

    /// The runtime's own pretty line of an event, and this module's pretty line of the same
    /// event's JSON line, are the same text.
    #[test]
    fn writes_what_the_runtime_writes() {
        let event = CartFull {
            cart: "c-1",
            items: 3,
            note: "a b=c\u{1}",
            empty: "",
            ratio: 0.5,
            flag: true,
        };
        let json = render_json(&event);
        let ours = pretty_of(&json, false);
        let theirs = render_pretty(&event);
        // Rendered a moment apart: the same text after the timestamp.
        assert_eq!(ours.split_once(' ').unwrap().1, theirs.split_once(' ').unwrap().1);
    }

    #[test]
    fn sizes_for_people() {
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1000), "1.0 KB");
        assert_eq!(bytes(1_550), "1.5 KB");
        assert_eq!(bytes(120_345_678), "120.3 MB");
        assert_eq!(bytes(1_100_000_000), "1.1 GB");
        assert_eq!(bytes(u64::MAX), "18446744.0 TB");
    }

    #[test]
    fn colours_and_escapes() {
        let line = r#"{"timestamp":"2026-11-28T04:39:13.123456Z","level":"error","component":"a","event":"b","message":"x\u001b[31m\u0085y","k":[1,"\u009b"]}"#;
        assert_eq!(
            pretty_of(line, false),
            r#"2026-11-28T04:39:13.123456Z ERROR a.b: x\u001b[31m\u0085y k=[1,"\u009b"]"#
        );
        let colored = pretty_of(line, true);
        assert!(colored.starts_with(
            "\x1b[2m2026-11-28T04:39:13.123456Z\x1b[0m \x1b[31mERROR\x1b[0m \x1b[1ma.b\x1b[0m: "
        ));
        assert_eq!(colored.matches('\x1b').count(), 8, "{colored:?}");
    }
}
