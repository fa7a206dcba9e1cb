//! What can stop a command, each said in one sentence, and the exit codes.

use core::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit code: every line is valid, nothing would degrade.
pub(crate) const SUCCESS: u8 = 0;
/// Exit code: the command ran and found a problem (invalid lines, a degraded configuration).
pub(crate) const PROBLEM: u8 = 1;
/// Exit code: bad usage (clap's code for usage errors), or input that could not be read.
pub(crate) const ERROR: u8 = 2;

/// Why a command could not do its work, or part of it.
#[derive(Debug)]
pub(crate) enum Error {
    /// A file or directory that cannot be opened or read.
    Path { path: PathBuf, source: io::Error },
    /// A directory without the log that was asked for.
    NoLog { dir: PathBuf, file: String, others: Vec<String> },
    /// Gzip data that is corrupt or truncated, after `line` lines (0: from the start).
    Gzip { path: PathBuf, line: u64, source: io::Error },
    /// A file with a NUL byte near its start: not a log.
    Binary { path: PathBuf, offset: usize },
    /// Writing the output failed (other than the reader going away).
    Output(io::Error),
    /// Options that each parse but do not make sense together.
    Usage(String),
}

impl Error {
    pub(crate) fn path(path: &Path, source: io::Error) -> Error {
        Error::Path { path: path.to_owned(), source }
    }

    /// Whether this is the reader of the output going away (`logfix query ... | head`): the
    /// command stops quietly, as `grep` does.
    pub(crate) fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }

    /// Prints the error on stderr and returns the exit code.
    pub(crate) fn report(&self) -> ExitCode {
        if self.is_broken_pipe() {
            return ExitCode::from(SUCCESS);
        }
        warn(self);
        ExitCode::from(ERROR)
    }
}

/// Writes `logfix: {message}` on stderr. A failure to write there is ignored: there is nowhere
/// left to report it.
pub(crate) fn warn(message: impl fmt::Display) {
    let _ = writeln!(io::stderr(), "logfix: {message}");
}

impl From<io::Error> for Error {
    /// An error writing the output: the only I/O without a path.
    fn from(e: io::Error) -> Self {
        Error::Output(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Path { path, source } if source.kind() == io::ErrorKind::NotFound => {
                write!(f, "{} does not exist", path.display())
            }
            Error::Path { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Error::NoLog { dir, file, others } if others.is_empty() => {
                write!(f, "{} holds no {file} and no rotated {file}.* file", dir.display())
            }
            Error::NoLog { dir, file, others } => write!(
                f,
                "{} holds no {file} and no rotated {file}.* file, but {}: choose one with --file",
                dir.display(),
                others.join(", ")
            ),
            Error::Gzip { path, line: 0, source } => {
                write!(f, "{} is not valid gzip data ({source})", path.display())
            }
            Error::Gzip { path, line, source } => {
                write!(f, "{} is corrupt gzip after line {line} ({source})", path.display())
            }
            Error::Binary { path, offset } => write!(
                f,
                "{} is a binary file, not a log (a NUL byte at offset {offset})",
                path.display()
            ),
            Error::Output(e) => write!(f, "cannot write the output: {e}"),
            Error::Usage(sentence) => f.write_str(sentence),
        }
    }
}
