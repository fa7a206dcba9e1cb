//! `logfix stats`: the volume of a log by level, component and event, errors per minute, and
//! the largest lines.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;

use logfix_runtime::Level;
use memchr::memmem::Finder;

use crate::error::{warn, Error, ERROR, SUCCESS};
use crate::filter::{Filter, Selected};
use crate::output::bytes;
use crate::scan::{scan, Progress};
use crate::schema::Record;
use crate::source::{self, FileName, LogFile};
use crate::time::Timestamp;

/// Summarise a log: lines and bytes by level, component and event, errors per minute, and the
/// largest lines; the log-volume view without a metrics system.
///
/// The filter options narrow what is counted (e.g. --since 1h). Exit code 0, or 2 on bad usage
/// or a file that cannot be read (the other files are still counted).
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  logfix stats logs/                     the whole log, rotated files included
  logfix stats logs/ --since 1h          the last hour
  logfix stats logs/ --component db --top 20")]
pub(crate) struct Args {
    /// A log directory (the active file and its rotated files), or a single file.
    #[arg(value_name = "DIR|FILE")]
    path: PathBuf,

    #[command(flatten)]
    file: FileName,

    /// How many rows each table shows.
    #[arg(long, value_name = "N", default_value_t = 10)]
    top: usize,

    #[command(flatten)]
    filter: Filter,
}

/// Lines and bytes (newlines included).
#[derive(Debug, Default, Clone, Copy)]
struct Volume {
    lines: u64,
    bytes: u64,
}

impl Volume {
    fn add(&mut self, bytes: u64) {
        self.lines += 1;
        self.bytes += bytes;
    }

    fn merge(&mut self, other: Volume) {
        self.lines += other.lines;
        self.bytes += other.bytes;
    }
}

/// One of the largest lines.
#[derive(Debug)]
struct Largest {
    bytes: u64,
    timestamp: Timestamp,
    name: String,
    path: PathBuf,
    line: u64,
}

/// What the lines of some files add up to.
#[derive(Debug, Default)]
struct Tally {
    total: Volume,
    skipped: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    levels: [Volume; 5],
    components: HashMap<String, Volume>,
    /// By `component.event`.
    events: HashMap<String, Volume>,
    errors_per_minute: HashMap<Timestamp, u64>,
    /// The largest lines, largest first, at most `--top`.
    largest: Vec<Largest>,
    /// Where each line's `component.event` is written, to look it up without allocating.
    name: String,
}

impl Tally {
    /// Counts a line of `size` bytes (newline included), line `line` of `path`.
    fn count(&mut self, record: &Record<'_>, size: u64, top: usize, (path, line): (&Path, u64)) {
        self.total.add(size);
        self.first = Some(self.first.map_or(record.timestamp, |t| t.min(record.timestamp)));
        self.last = Some(self.last.map_or(record.timestamp, |t| t.max(record.timestamp)));
        if let Some(level) = self.levels.get_mut(record.level as usize) {
            level.add(size);
        }
        add(&mut self.components, &record.component, size);
        self.name.clear();
        let _ = write!(self.name, "{}.{}", record.component, record.event);
        add(&mut self.events, &self.name, size);
        if record.level == Level::Error {
            *self.errors_per_minute.entry(record.timestamp.minute()).or_default() += 1;
        }
        if self.largest.len() < top || self.largest.last().is_some_and(|l| l.bytes < size) {
            let largest = Largest {
                bytes: size,
                timestamp: record.timestamp,
                name: self.name.clone(),
                path: path.to_owned(),
                line,
            };
            self.keep_largest(largest, top);
        }
    }

    fn keep_largest(&mut self, largest: Largest, top: usize) {
        let at = self.largest.partition_point(|l| l.bytes >= largest.bytes);
        self.largest.insert(at, largest);
        self.largest.truncate(top);
    }

    fn merge(&mut self, other: Tally, top: usize) {
        self.total.merge(other.total);
        self.skipped += other.skipped;
        self.first = match (self.first, other.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // `None` is less than any `Some`.
        self.last = self.last.max(other.last);
        for (sum, v) in self.levels.iter_mut().zip(other.levels) {
            sum.merge(v);
        }
        for (k, v) in other.components {
            self.components.entry(k).or_default().merge(v);
        }
        for (k, v) in other.events {
            self.events.entry(k).or_default().merge(v);
        }
        for (k, v) in other.errors_per_minute {
            *self.errors_per_minute.entry(k).or_default() += v;
        }
        for largest in other.largest {
            self.keep_largest(largest, top);
        }
    }
}

/// Adds a line of `size` bytes to the volume of `key`, copying the key only the first time.
fn add(map: &mut HashMap<String, Volume>, key: &str, size: u64) {
    match map.get_mut(key) {
        Some(volume) => volume.add(size),
        None => {
            map.insert(key.to_owned(), Volume { lines: 1, bytes: size });
        }
    }
}

pub(crate) fn run(args: &Args) -> Result<u8, Error> {
    args.filter.check()?;
    let files = source::expand(core::slice::from_ref(&args.path), &args.file.resolve())?;
    let needle = args.filter.needle();
    let progress = Progress::new(&files, true);
    let mut tally = Tally::default();
    let mut failed = 0;
    scan(
        &files,
        &progress,
        |file, read| count(file, read, args, needle.as_ref()),
        |_, (part, error)| {
            if let Some(e) = error {
                warn(e);
                failed += 1;
            }
            tally.merge(part, args.top);
            Ok(())
        },
    )?;
    io::stdout().lock().write_all(report(&tally, files.len(), args.top).as_bytes())?;
    if tally.skipped > 0 {
        warn(format_args!(
            "skipped {} lines that are not valid logfix lines (`logfix check` lists them)",
            tally.skipped
        ));
    }
    Ok(if failed > 0 { ERROR } else { SUCCESS })
}

fn count(
    file: &LogFile,
    read: &AtomicU64,
    args: &Args,
    needle: Option<&Finder<'_>>,
) -> (Tally, Option<Error>) {
    let mut tally = Tally::default();
    let result =
        source::each_line(&file.path, read, |line| match args.filter.select(line.bytes, needle) {
            Selected::Yes(record) => {
                let size = u64::try_from(line.bytes.len()).unwrap_or(u64::MAX) + 1;
                tally.count(&record, size, args.top, (&file.path, line.number));
            }
            Selected::No => {}
            Selected::Invalid => tally.skipped += 1,
        });
    (tally, result.err())
}

/// The report, as text.
fn report(tally: &Tally, files: usize, top: usize) -> String {
    let mut out = String::new();
    let total = tally.total;
    let _ = write!(out, "{} lines, {} in {files} files", total.lines, bytes(total.bytes));
    if let (Some(first), Some(last)) = (tally.first, tally.last) {
        let _ = write!(out, ", from {first} to {last}");
    }
    out.push('\n');
    if total.lines == 0 {
        return out;
    }

    let levels = Level::ALL
        .iter()
        .rev()
        .zip(tally.levels.iter().rev())
        .map(|(l, v)| (l.as_str().to_owned(), *v));
    table(&mut out, "level", levels.collect(), total, usize::MAX);
    table(&mut out, "component", sorted(&tally.components), total, top);
    table(&mut out, "event", sorted(&tally.events), total, top);

    let errors: u64 = tally.errors_per_minute.values().sum();
    let minutes = match (tally.first, tally.last) {
        (Some(first), Some(last)) => last.minutes_since(first),
        _ => 1,
    };
    let _ = write!(out, "\nerrors per minute: {errors} error lines over {minutes} min");
    if errors > 0 {
        let mut busiest: Vec<(&Timestamp, &u64)> = tally.errors_per_minute.iter().collect();
        busiest.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        busiest.truncate(top);
        busiest.sort();
        let _ = writeln!(out, "; the busiest minutes:");
        for (minute, n) in busiest {
            let _ = writeln!(out, "  {}  {n:>8}", minute.minute_label());
        }
    } else {
        out.push('\n');
    }

    let _ = writeln!(out, "\nlargest lines:");
    for l in &tally.largest {
        let _ = writeln!(
            out,
            "  {:>9}  {}  {}  {}:{}",
            bytes(l.bytes),
            l.timestamp,
            l.name,
            l.path.display(),
            l.line
        );
    }
    out
}

/// The rows of `map`, most lines first.
fn sorted(map: &HashMap<String, Volume>) -> Vec<(String, Volume)> {
    let mut rows: Vec<(String, Volume)> = map.iter().map(|(k, v)| (k.clone(), *v)).collect();
    rows.sort_by(|a, b| b.1.lines.cmp(&a.1.lines).then_with(|| a.0.cmp(&b.0)));
    rows
}

/// A table of volumes: name, lines, share of the lines, bytes. Beyond `top` rows, the rest is
/// one `(N others)` row.
fn table(out: &mut String, title: &str, rows: Vec<(String, Volume)>, total: Volume, top: usize) {
    let shown = rows.len().min(top);
    let hidden = rows.len() - shown;
    let mut others = Volume::default();
    for (_, v) in rows.iter().skip(shown) {
        others.merge(*v);
    }
    let mut rows: Vec<(String, Volume)> = rows.into_iter().take(shown).collect();
    if hidden > 0 {
        rows.push((format!("({hidden} others)"), others));
    }
    let width =
        rows.iter().map(|(name, _)| name.chars().count()).max().unwrap_or(0).clamp(title.len(), 60);
    let _ = writeln!(out, "\n{title:<width$}  {:>12}  {:>6}  {:>10}", "lines", "share", "bytes");
    for (name, v) in rows {
        let share = v.lines.saturating_mul(1000) / total.lines.max(1);
        let _ = writeln!(
            out,
            "{name:<width$}  {:>12}  {:>3}.{}%  {:>10}",
            v.lines,
            share / 10,
            share % 10,
            bytes(v.bytes)
        );
    }
}
