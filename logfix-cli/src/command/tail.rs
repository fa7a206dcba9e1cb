//! `logfix tail`: the last lines of the active file and, with `-f`, new lines as they are
//! written, across rotations.

use std::collections::VecDeque;
use std::fs;
use std::io;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::error::{warn, Error, SUCCESS};
use crate::filter::{Filter, Selected};
use crate::follow::{Follower, Missed, Rotation};
use crate::merge::Reorder;
use crate::output::{Output, OutputArgs};
use crate::source::{self, FileName};
use crate::time::Timestamp;

/// Print the last lines of a log's active file; with -f, then every new line as it is written,
/// following the file across rotations (rename and reopen), until interrupted.
///
/// Lines are printed in timestamp order: with -f, each line is held for half a second for lines
/// written after it with an earlier timestamp (threads' lines interleave by up to a flush
/// interval). Lines that are not valid logfix lines are skipped.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  logfix tail logs/                            the last 10 lines
  logfix tail -f logs/                         then every new line, across rotations
  logfix tail -f logs/ --level warn..          only warnings and errors
  logfix tail -f logs/ --request-id req-7f3a --format json
  logfix tail -n 100 logs/ --component db")]
pub(crate) struct Args {
    /// A log directory (its active file is read), or a single file.
    #[arg(value_name = "DIR|FILE")]
    path: PathBuf,

    #[command(flatten)]
    file: FileName,

    /// Keep reading: print lines as they are written, across rotations, until interrupted.
    #[arg(short, long)]
    follow: bool,

    /// How many of the last matching lines to print first.
    #[arg(short = 'n', long, value_name = "N", default_value_t = 10)]
    lines: usize,

    #[command(flatten)]
    filter: Filter,

    #[command(flatten)]
    output: OutputArgs,
}

/// How often `-f` looks for new lines and rotations.
const POLL: Duration = Duration::from_millis(100);

pub(crate) fn run(args: &Args) -> Result<u8, Error> {
    args.filter.check()?;
    let dir = fs::metadata(&args.path).map_err(|e| Error::path(&args.path, e))?.is_dir();
    let name = args.file.resolve();
    let path = if dir { args.path.join(&name) } else { args.path.clone() };
    let mut output = Output::new(args.output);
    let mut follower = Follower::new(path);
    if !follower.start()? {
        // In a directory, the hint `query` gives: the logs it holds under other names.
        let missing = if dir {
            source::missing(&args.path, &name)
        } else {
            Error::path(follower.path(), io::ErrorKind::NotFound.into())
        };
        if !args.follow {
            return Err(missing);
        }
        warn(format_args!("{missing}; waiting for {} to appear", follower.path().display()));
    }
    let keep = |line: &[u8]| match args.filter.select(line, None) {
        Selected::Yes(record) => Some(record.timestamp),
        Selected::No | Selected::Invalid => None,
    };

    // Grown as lines come: `-n` may ask for more lines than memory could hold in advance.
    let mut last: VecDeque<(Timestamp, Box<[u8]>)> = VecDeque::new();
    follower.read(|line| {
        if let Some(ts) = keep(line) {
            if last.len() == args.lines {
                last.pop_front();
            }
            if args.lines > 0 {
                last.push_back((ts, line.into()));
            }
        }
    })?;
    let mut last = Vec::from(last);
    last.sort_by_key(|(ts, _)| *ts);
    for (_, line) in &last {
        output.line(line)?;
    }
    output.flush()?;
    if !args.follow {
        return Ok(SUCCESS);
    }

    let mut reorder = Reorder::default();
    loop {
        let mut hold = |line: &[u8]| {
            if let Some(ts) = keep(line) {
                reorder.push(ts, line.into(), Instant::now());
            }
        };
        let read = follower.read(&mut hold)?
            || match follower.follow_rotation(&mut hold)? {
                Rotation::Same => false,
                Rotation::Switched { missed } => {
                    report(&missed, &follower);
                    true
                }
            };
        reorder.release(Timestamp::now(), Instant::now(), false, |line| Ok(output.line(line)?))?;
        output.flush()?;
        if !read {
            std::thread::sleep(POLL);
        }
    }
}

/// Says on stderr that rotated files were deleted before they could be read: lines are missing
/// from the output, and the reader must not think it saw them all.
fn report(missed: &Missed, follower: &Follower) {
    let name = follower.path().display();
    match missed {
        Missed::Nothing => {}
        Missed::Files(n) => warn(format_args!(
            "skipped {n} rotated file{} of {name}: deleted (by retention) before they could be \
             read, their lines are missing here (`logfix query` reads what is left)",
            if *n == 1 { "" } else { "s" }
        )),
        Missed::Unknown => warn(format_args!(
            "skipped rotated files of {name}: deleted (by retention) before they could be read, \
             their lines are missing here (`logfix query` reads what is left)"
        )),
    }
}
