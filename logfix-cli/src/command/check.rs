//! `logfix check`: every line against its schema.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;

use crate::error::{warn, Error, ERROR, PROBLEM, SUCCESS};
use crate::scan::{scan, Progress};
use crate::schema::{Invalid, Schema};
use crate::source::{self, FileName, LogFile};

/// Check that every line follows the logfix schema (rotated and .gz files included).
///
/// Prints each invalid line as `FILE:LINE: reason` (the first --show of them), then the counts.
/// Exit code 0 when every line is valid, 1 when some are not, 2 on bad usage or a file that
/// cannot be read (missing, corrupt .gz, binary).
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  logfix check logs/                              the app.log of logs/ and its rotated files
  logfix check logs/ --file worker.log            another log in the same directory
  logfix check app.log app.log.20261128T043913.123456Z.gz
  logfix check logs/ --show 100                   show more invalid lines")]
pub(crate) struct Args {
    /// Log directories (the active file and its rotated files) or single files.
    #[arg(required = true, value_name = "DIR|FILE")]
    paths: Vec<PathBuf>,

    #[command(flatten)]
    file: FileName,

    /// How many invalid lines to show.
    #[arg(long, value_name = "N", default_value_t = 10)]
    show: usize,
}

/// What one file holds.
#[derive(Default)]
struct Report {
    lines: u64,
    /// Valid lines, by schema (in the order of [`Schema::ALL`]).
    valid: [u64; Schema::ALL.len()],
    invalid: u64,
    /// The first invalid lines: number and reason.
    examples: Vec<(u64, Invalid)>,
    /// Why the file could not be read to its end.
    error: Option<Error>,
}

pub(crate) fn run(args: &Args) -> Result<u8, Error> {
    let files = source::expand(&args.paths, &args.file.resolve())?;
    let progress = Progress::new(&files, true);
    let mut total = Report::default();
    let mut failed = 0;
    let mut out = io::stdout().lock();
    scan(
        &files,
        &progress,
        |file, read| check(file, read, args.show),
        |file, report| {
            for (line, reason) in &report.examples {
                if total.examples.len() < args.show {
                    writeln!(out, "{}:{line}: {reason}", file.path.display())?;
                    total.examples.push((*line, reason.clone()));
                }
            }
            if let Some(e) = &report.error {
                warn(e);
                failed += 1;
            }
            total.lines += report.lines;
            total.invalid += report.invalid;
            for (sum, n) in total.valid.iter_mut().zip(report.valid) {
                *sum += n;
            }
            Ok(())
        },
    )?;

    let valid: u64 = total.valid.iter().sum();
    let schemas: Vec<String> = Schema::ALL
        .iter()
        .zip(total.valid)
        .filter(|&(_, n)| n > 0)
        .map(|(schema, n)| format!("{n} {}", schema.name()))
        .collect();
    let schemas =
        if schemas.is_empty() { String::new() } else { format!(" ({})", schemas.join(", ")) };
    writeln!(
        out,
        "{} lines in {} files: {valid} valid{schemas}, {} invalid",
        total.lines,
        files.len(),
        total.invalid
    )?;
    if total.invalid > u64::try_from(total.examples.len()).unwrap_or(u64::MAX) {
        writeln!(
            out,
            "({} of the {} invalid lines shown: --show N shows more)",
            total.examples.len(),
            total.invalid
        )?;
    }
    if failed > 0 {
        warn(format_args!("{failed} of {} files could not be read to the end", files.len()));
        Ok(ERROR)
    } else if total.invalid > 0 {
        Ok(PROBLEM)
    } else {
        Ok(SUCCESS)
    }
}

/// Checks every line of `file`, keeping the first `keep` invalid ones.
fn check(file: &LogFile, read: &AtomicU64, keep: usize) -> Report {
    let mut report = Report::default();
    let result = source::each_line(&file.path, read, |line| {
        report.lines += 1;
        let verdict = if line.terminated {
            match core::str::from_utf8(line.bytes) {
                Ok(text) => {
                    let schema = Schema::detect(line.bytes);
                    schema.validate(text).map(|()| schema)
                }
                Err(e) => Err(Invalid::NotUtf8 { valid_up_to: e.valid_up_to() }),
            }
        } else {
            Err(Invalid::Unterminated)
        };
        match verdict {
            Ok(schema) => {
                let i = Schema::ALL.iter().position(|s| *s == schema).unwrap_or(0);
                if let Some(n) = report.valid.get_mut(i) {
                    *n += 1;
                }
            }
            Err(reason) => {
                report.invalid += 1;
                if report.examples.len() < keep {
                    report.examples.push((line.number, reason));
                }
            }
        }
    });
    report.error = result.err();
    report
}
