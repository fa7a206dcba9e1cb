//! Choosing and creating the log directory: the configured one, else one under the system temp
//! directory, else none (stderr).

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use crate::config::{Settings, DEFAULT_DIR};

/// Where the file sink writes, and why it is not where it was asked to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placement {
    /// The directory in use, `None` when lines go to stderr.
    pub(crate) dir: Option<PathBuf>,
    /// Each directory that was tried and refused, with the error.
    pub(crate) fallbacks: Vec<String>,
}

/// The directories to try, in order.
pub(crate) fn candidates(settings: &Settings) -> Vec<PathBuf> {
    let configured = settings.dir.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DIR));
    let temp = std::env::temp_dir().join("logfix");
    if configured == temp {
        vec![configured]
    } else {
        vec![configured, temp]
    }
}

/// Creates the first usable directory of `candidates` and opens `file` in it for appending.
///
/// Creation is race-free: `create_dir_all` treats a directory that another process created in
/// the meantime as success, and the file is opened with `O_APPEND | O_CREAT`, which any number
/// of processes may do at once.
pub(crate) fn open_first(
    candidates: &[PathBuf],
    file: &str,
) -> (Option<(PathBuf, File)>, Vec<String>) {
    let mut fallbacks = Vec::new();
    for dir in candidates {
        match create_and_open(dir, file) {
            // Absolute, so that the `logging_started` event names the directory unambiguously
            // and a later change of working directory does not move the log.
            Ok(handle) => {
                return (
                    Some((std::path::absolute(dir).unwrap_or_else(|_| dir.clone()), handle)),
                    fallbacks,
                )
            }
            Err(e) => fallbacks.push(format!("{}: {e}", dir.display())),
        }
    }
    (None, fallbacks)
}

pub(crate) fn create_and_open(dir: &Path, file: &str) -> io::Result<File> {
    fs::create_dir_all(dir)?;
    open_append(&dir.join(file))
}

pub(crate) fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}
