//! `logfix tail`: the last lines of the active file and, with `-f`, new lines as they are
//! written, across rotations.

use std::collections::VecDeque;
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::error::{warn, Error, SUCCESS};
use crate::filter::{Filter, Selected};
use crate::merge::Reorder;
use crate::output::{Output, OutputArgs};
use crate::source::FileName;
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
    let path = if fs::metadata(&args.path).map_err(|e| Error::path(&args.path, e))?.is_dir() {
        args.path.join(args.file.resolve())
    } else {
        args.path.clone()
    };
    let mut output = Output::new(args.output);
    let mut follower = Follower::new(path);
    if !follower.open()? {
        if !args.follow {
            return Err(Error::path(&follower.path, io::ErrorKind::NotFound.into()));
        }
        warn(format_args!("waiting for {} to appear", follower.path.display()));
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
        let read = follower.read(&mut hold)? || follower.follow_rotation(&mut hold)?;
        reorder.release(Timestamp::now(), Instant::now(), false, |line| Ok(output.line(line)?))?;
        output.flush()?;
        if !read {
            std::thread::sleep(POLL);
        }
    }
}

/// Reads a file as it grows, and the file that replaces it when it is rotated.
struct Follower {
    path: PathBuf,
    file: Option<File>,
    /// The identity of the open file, to tell when `path` names another one.
    identity: Option<Identity>,
    /// Bytes read from the open file.
    offset: u64,
    /// The start of a line whose end is not written yet.
    partial: Vec<u8>,
    buf: Vec<u8>,
}

impl Follower {
    fn new(path: PathBuf) -> Follower {
        Follower {
            path,
            file: None,
            identity: None,
            offset: 0,
            partial: Vec::new(),
            buf: vec![0; 64 * 1024],
        }
    }

    /// Opens `path` from its start; `false` if it does not exist.
    fn open(&mut self) -> Result<bool, Error> {
        let file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(Error::path(&self.path, e)),
        };
        self.identity = file.metadata().ok().map(|m| identity(&m));
        self.file = Some(file);
        self.offset = 0;
        self.partial.clear();
        Ok(true)
    }

    /// Reads what was appended since the last call and hands over each complete line, without
    /// its newline. Returns whether anything was read.
    ///
    /// # Errors
    ///
    /// Reading fails, or the file is binary (a NUL byte in its first block).
    fn read(&mut self, mut line: impl FnMut(&[u8])) -> Result<bool, Error> {
        let Some(file) = &mut self.file else { return Ok(false) };
        let mut any = false;
        loop {
            let n = file.read(&mut self.buf).map_err(|e| Error::path(&self.path, e))?;
            let Some(chunk) = self.buf.get(..n).filter(|c| !c.is_empty()) else { return Ok(any) };
            if self.offset == 0 {
                if let Some(offset) = memchr::memchr(0, chunk) {
                    return Err(Error::Binary { path: self.path.clone(), offset });
                }
            }
            any = true;
            self.offset += u64::try_from(n).unwrap_or(0);
            let mut rest = chunk;
            while let Some(end) = memchr::memchr(b'\n', rest) {
                let (head, tail) = rest.split_at(end);
                if self.partial.is_empty() {
                    line(head);
                } else {
                    self.partial.extend_from_slice(head);
                    line(&self.partial);
                    self.partial.clear();
                }
                rest = tail.get(1..).unwrap_or_default();
            }
            self.partial.extend_from_slice(rest);
        }
    }

    /// If `path` now names another file (the open one was rotated: renamed away, and a new one
    /// created), reads the rest of the open file and switches to the new one; if the open file
    /// shrank (truncated), starts it again. Returns whether it switched.
    ///
    /// # Errors
    ///
    /// Reading or opening fails.
    fn follow_rotation(&mut self, line: impl FnMut(&[u8])) -> Result<bool, Error> {
        let metadata = match fs::metadata(&self.path) {
            Ok(metadata) => metadata,
            // Renamed away, and the new file not created yet: keep reading the old one.
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(Error::path(&self.path, e)),
        };
        if self.file.is_none() {
            return self.open();
        }
        if Some(identity(&metadata)) != self.identity {
            self.read(line)?;
            return self.open();
        }
        if metadata.len() < self.offset {
            if let Some(file) = &mut self.file {
                file.seek(SeekFrom::Start(0)).map_err(|e| Error::path(&self.path, e))?;
            }
            self.offset = 0;
            self.partial.clear();
            return Ok(true);
        }
        Ok(false)
    }
}

/// What tells two files apart: the device and inode number.
type Identity = (u64, u64);

#[cfg(unix)]
fn identity(metadata: &fs::Metadata) -> Identity {
    use std::os::unix::fs::MetadataExt;
    (metadata.dev(), metadata.ino())
}

/// Without inode numbers a rotation is seen only as the file getting shorter.
#[cfg(not(unix))]
fn identity(_: &fs::Metadata) -> Identity {
    (0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_lines_split_across_reads_and_follows_a_rename() {
        let dir = std::env::temp_dir().join(format!("logfix-cli-follower-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("app.log");
        fs::write(&path, "a\nb").unwrap();
        let mut follower = Follower::new(path.clone());
        assert!(follower.open().unwrap());
        let mut lines = Vec::new();
        let mut collect = |l: &[u8]| lines.push(String::from_utf8(l.to_vec()).unwrap());
        assert!(follower.read(&mut collect).unwrap());
        assert!(!follower.follow_rotation(&mut collect).unwrap());

        let mut file = fs::OpenOptions::new().append(true).open(&path).unwrap();
        io::Write::write_all(&mut file, b"c\nd\n").unwrap();
        fs::rename(&path, dir.join("app.log.1")).unwrap();
        assert!(!follower.follow_rotation(&mut collect).unwrap(), "no new file yet");
        fs::write(&path, "e\n").unwrap();
        assert!(follower.follow_rotation(&mut collect).unwrap());
        follower.read(&mut collect).unwrap();
        assert_eq!(lines, ["a", "bc", "d", "e"]);

        let mut more = Vec::new();
        // Same inode, shorter than what was read: truncated, read again from the start.
        fs::write(&path, "").unwrap();
        assert!(follower.follow_rotation(|l: &[u8]| more.push(l.to_vec())).unwrap());
        fs::write(&path, "f\n").unwrap();
        follower.read(|l: &[u8]| more.push(l.to_vec())).unwrap();
        assert_eq!(more, [b"f".to_vec()]);
        fs::remove_dir_all(&dir).unwrap();
    }
}
