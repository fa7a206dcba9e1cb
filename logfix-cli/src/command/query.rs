//! `logfix query`: every matching line of every file, in timestamp order.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;

use memchr::memmem::Finder;

use crate::error::{warn, Error, ERROR, SUCCESS};
use crate::filter::{Filter, Selected};
use crate::merge::{Merge, Stamped, QUERY_WINDOW};
use crate::output::{Output, OutputArgs};
use crate::scan::{scan, Progress};
use crate::schema::Record;
use crate::source::{self, FileName, Lines, LogFile};
use crate::time::Timestamp;

/// Print every matching line of a log, rotated and .gz files included, in timestamp order.
///
/// A line matches when it matches every option given. Lines that are not valid logfix lines are
/// skipped and counted on stderr (`logfix check` lists them). Exit code 0, or 2 on bad usage
/// or a file that cannot be read (the other files are still searched).
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  logfix query logs/ --request-id req-7f3a              one request, across rotations
  logfix query logs/ --level warn.. --since 1h          warnings and errors of the last hour
  logfix query logs/ --component db --until 2026-11-28T05:00Z
  logfix query logs/ user_id=42 status=500 --format json | jq .message
  logfix query logs/ --event charge_failed --format pretty")]
pub(crate) struct Args {
    /// A log directory (the active file and its rotated files), or a single file.
    #[arg(value_name = "DIR|FILE")]
    path: PathBuf,

    #[command(flatten)]
    file: FileName,

    #[command(flatten)]
    filter: Filter,

    #[command(flatten)]
    output: OutputArgs,
}

/// How many lines at the start of a file give its first timestamp: the least of them, in case
/// the first line was written a little late.
const FIRST_LINES: usize = 256;

/// One file's matching lines, sorted by timestamp.
struct Matches {
    lines: Vec<Stamped>,
    /// Lines that contain what the filter looks for but are not valid lines.
    skipped: u64,
    error: Option<Error>,
}

pub(crate) fn run(args: &Args) -> Result<u8, Error> {
    args.filter.check()?;
    let files = source::expand(core::slice::from_ref(&args.path), &args.file.resolve())?;
    let mut output = Output::new(args.output);
    let mut failed = 0;
    let mut ordered = Vec::with_capacity(files.len());
    for file in files {
        match first_timestamp(&file) {
            Ok(first) => ordered.push((first, file)),
            Err(e) => {
                warn(e);
                failed += 1;
            }
        }
    }
    ordered.sort_by_key(|(first, _)| *first);
    let (firsts, files): (Vec<Timestamp>, Vec<LogFile>) = ordered.into_iter().unzip();

    let needle = args.filter.needle();
    let progress = Progress::new(&files, !std::io::stdout().is_terminal());
    let mut merge = Merge::default();
    let mut skipped = 0;
    let mut index = 0;
    scan(
        &files,
        &progress,
        |file, read| matches(file, read, &args.filter, needle.as_ref()),
        |_, found| {
            index += 1;
            if let Some(e) = &found.error {
                warn(e);
                failed += 1;
            }
            skipped += found.skipped;
            let watermark = firsts.get(index).map(|first| first.minus(QUERY_WINDOW));
            merge.add(found.lines, watermark, |line| Ok(output.line(line)?))
        },
    )?;
    output.flush()?;

    if skipped > 0 {
        warn(format_args!(
            "skipped {skipped} lines that are not valid logfix lines \
             (`logfix check` lists them)"
        ));
    }
    if merge.late() > 0 {
        warn(format_args!(
            "{} lines came more than {}s before the first line of their file and are \
             printed after later lines",
            merge.late(),
            QUERY_WINDOW.as_secs()
        ));
    }
    Ok(if failed > 0 { ERROR } else { SUCCESS })
}

/// The earliest timestamp among the first lines of `file` ([`Timestamp::MIN`] if none has one).
fn first_timestamp(file: &LogFile) -> Result<Timestamp, Error> {
    let read = AtomicU64::new(0);
    let mut lines = Lines::open(&file.path, &read)?;
    let mut first = None;
    for _ in 0..FIRST_LINES {
        let Some(line) = lines.next_line()? else { break };
        let text = core::str::from_utf8(line.bytes).unwrap_or_default();
        if let Ok(record) = Record::parse(text) {
            first = Some(first.map_or(record.timestamp, |t: Timestamp| t.min(record.timestamp)));
        }
    }
    Ok(first.unwrap_or(Timestamp::MIN))
}

/// The lines of `file` that `filter` keeps, sorted by timestamp.
fn matches(
    file: &LogFile,
    read: &AtomicU64,
    filter: &Filter,
    needle: Option<&Finder<'_>>,
) -> Matches {
    let mut found = Matches { lines: Vec::new(), skipped: 0, error: None };
    let result =
        source::each_line(&file.path, read, |line| match filter.select(line.bytes, needle) {
            Selected::Yes(record) => found.lines.push((record.timestamp, line.bytes.into())),
            Selected::No => {}
            Selected::Invalid => found.skipped += 1,
        });
    found.error = result.err();
    // Stable: lines with the same timestamp keep the file's order.
    found.lines.sort_by_key(|(ts, _)| *ts);
    found
}
