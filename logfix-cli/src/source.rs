//! Finding the files of a log, the active file and its rotated files, compressed or not, and
//! reading their lines.
//!
//! A rotated file's name is the active file's name, a dot and a suffix (`app.log.<time>` and, once
//! compressed, `app.log.<time>.gz`); the suffix's form is the runtime's business and may change,
//! so nothing here reads it, and nothing orders lines by file name: the commands order them by
//! their timestamps. (`tail -f` alone needs to know which files were rotated after the one it
//! had open: `follow` asks the runtime, whose names they are.)

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::bufread::MultiGzDecoder;

use crate::error::Error;

/// How much of a file is read at a time, compressed or not.
const BUFFER: usize = 256 * 1024;

/// One file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogFile {
    pub(crate) path: PathBuf,
    /// Its size on disk when it was found, compressed or not: for progress.
    pub(crate) size: u64,
}

/// The `--file` option: which log of a directory to read.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct FileName {
    /// The log's file name in the directory; its rotated files are NAME.* [default:
    /// `LOGFIX_FILE`, else app.log]
    #[arg(long = "file", value_name = "NAME", value_parser = file_name)]
    name: Option<String>,
}

/// A log's file name, by the rule `init()` applies to `LOGFIX_FILE`.
fn file_name(name: &str) -> Result<String, String> {
    let (settings, issues) = logfix_runtime::Config::new().file(name.to_owned()).resolve();
    let refused = issues.into_iter().find(|issue| issue.variable == "Config::file");
    refused.map_or(Ok(settings.file), |issue| Err(issue.reason))
}

impl FileName {
    /// The name given, else the one `init()` would use.
    pub(crate) fn resolve(&self) -> String {
        self.name.clone().unwrap_or_else(|| logfix_runtime::Config::from_env().resolve().0.file)
    }
}

/// The files named on the command line: a directory stands for the files of the log named
/// `file` in it, a file for itself.
///
/// # Errors
///
/// A path that does not exist or cannot be listed, and a directory without the log.
pub(crate) fn expand(paths: &[PathBuf], file: &str) -> Result<Vec<LogFile>, Error> {
    let mut files = Vec::new();
    for path in paths {
        let metadata = fs::metadata(path).map_err(|e| Error::path(path, e))?;
        if metadata.is_dir() {
            files.extend(discover(path, file)?);
        } else {
            files.push(LogFile { path: path.clone(), size: metadata.len() });
        }
    }
    Ok(files)
}

/// The files of the log named `file` in `dir`: `dir/file` itself and every `dir/file.*` (rotated,
/// compressed or not), but not the compressor's temporaries (`*.tmp`). A rotated file that is
/// there both compressed and not (for the moment between the end of its compression and the
/// deletion of the original) is read once, compressed. Dot-files such as `.app.log.lock` do not
/// start with `file.` and are never read.
///
/// # Errors
///
/// The directory cannot be listed, or holds no file of that log.
pub(crate) fn discover(dir: &Path, file: &str) -> Result<Vec<LogFile>, Error> {
    let prefix = format!("{file}.");
    let mut found = Vec::new();
    let mut others = Vec::new();
    let entries = fs::read_dir(dir).map_err(|e| Error::path(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::path(dir, e))?;
        let Ok(name) = entry.file_name().into_string() else { continue };
        let extension = Path::new(&name).extension().and_then(|e| e.to_str()).unwrap_or_default();
        let ours = name == file || (name.starts_with(&prefix) && extension != "tmp");
        let Ok(metadata) = entry.metadata() else { continue };
        if !metadata.is_file() {
            continue;
        }
        if ours {
            found.push((name, metadata.len()));
        } else if extension == "log" && !name.starts_with('.') {
            others.push(name);
        }
    }
    let names: Vec<String> = found.iter().map(|(name, _)| name.clone()).collect();
    found.retain(|(name, _)| !names.contains(&format!("{name}.gz")));
    if found.is_empty() {
        others.sort();
        return Err(Error::NoLog { dir: dir.to_owned(), file: file.to_owned(), others });
    }
    // Any fixed order will do (the commands order lines by timestamp); this one lists the
    // active file last, as people expect.
    found.sort_by(|(a, _), (b, _)| (a == file).cmp(&(b == file)).then(a.cmp(b)));
    Ok(found.into_iter().map(|(name, size)| LogFile { path: dir.join(name), size }).collect())
}

/// Why `dir` has no file `file` to read: what [`discover`] says when the directory holds no file
/// of that log at all (naming the logs it does hold, for `--file`), else that `file` itself
/// does not exist (only rotated files of it do), or why the directory cannot be listed.
pub(crate) fn missing(dir: &Path, file: &str) -> Error {
    match discover(dir, file) {
        Err(e) => e,
        Ok(_) => Error::path(&dir.join(file), io::ErrorKind::NotFound.into()),
    }
}

/// A line as read: its 1-based number and its bytes without the newline.
pub(crate) struct Line<'a> {
    pub(crate) number: u64,
    pub(crate) bytes: &'a [u8],
    /// Whether a newline ended it (only the last line of a file can lack one).
    pub(crate) terminated: bool,
}

/// The lines of one file, decompressed if it is gzip.
pub(crate) struct Lines<'a> {
    path: PathBuf,
    gzip: bool,
    reader: Box<dyn BufRead + Send + 'a>,
    buf: Vec<u8>,
    number: u64,
}

impl<'a> Lines<'a> {
    /// Opens `path`, decompressing it if it starts with the gzip magic number, and counts the
    /// bytes read from the disk into `progress`.
    ///
    /// # Errors
    ///
    /// The file cannot be opened, is named `.gz` but is not gzip, is corrupt gzip, or is binary:
    /// its first block holds a NUL byte, which a log never does.
    pub(crate) fn open(path: &Path, progress: &'a AtomicU64) -> Result<Lines<'a>, Error> {
        let (path, file) = open_rotated(path)?;
        let mut raw = BufReader::with_capacity(BUFFER, Counting { inner: file, count: progress });
        let head = raw.fill_buf().map_err(|e| Error::path(&path, e))?;
        let gzip = head.starts_with(&[0x1f, 0x8b]);
        if !gzip && path.extension().is_some_and(|ext| ext == "gz") && !head.is_empty() {
            return Err(Error::Gzip { path, line: 0, source: io::ErrorKind::InvalidData.into() });
        }
        let mut reader: Box<dyn BufRead + Send + 'a> = if gzip {
            Box::new(BufReader::with_capacity(BUFFER, MultiGzDecoder::new(raw)))
        } else {
            Box::new(raw)
        };
        let head = match reader.fill_buf() {
            Ok(head) => head,
            Err(e) if gzip => return Err(Error::Gzip { path, line: 0, source: e }),
            Err(e) => return Err(Error::path(&path, e)),
        };
        if let Some(offset) = memchr::memchr(0, head) {
            return Err(Error::Binary { path, offset });
        }
        Ok(Lines { path, gzip, reader, buf: Vec::with_capacity(1024), number: 0 })
    }

    /// The next line, or `None` at the end of the file.
    ///
    /// # Errors
    ///
    /// Reading fails, or the gzip data is corrupt or truncated.
    pub(crate) fn next_line(&mut self) -> Result<Option<Line<'_>>, Error> {
        self.buf.clear();
        let read = match self.reader.read_until(b'\n', &mut self.buf) {
            Ok(read) => read,
            Err(source) if self.gzip => {
                return Err(Error::Gzip { path: self.path.clone(), line: self.number, source });
            }
            Err(source) => return Err(Error::path(&self.path, source)),
        };
        if read == 0 {
            return Ok(None);
        }
        self.number += 1;
        let terminated = self.buf.last() == Some(&b'\n');
        let bytes =
            if terminated { self.buf.split_last().map_or(&[][..], |(_, b)| b) } else { &self.buf };
        Ok(Some(Line { number: self.number, bytes, terminated }))
    }
}

/// Calls `line` on every line of `path`, as [`Lines`] reads them.
///
/// # Errors
///
/// Those of [`Lines::open`] and [`Lines::next_line`]: the lines before the error were handed
/// over.
pub(crate) fn each_line(
    path: &Path,
    progress: &AtomicU64,
    mut line: impl FnMut(Line<'_>),
) -> Result<(), Error> {
    let mut lines = Lines::open(path, progress)?;
    while let Some(next) = lines.next_line()? {
        line(next);
    }
    Ok(())
}

/// The first `len` bytes of the content of `path` (fewer if it is shorter), decompressed if it
/// is gzip.
///
/// # Errors
///
/// The file cannot be opened or read, or is corrupt gzip.
pub(crate) fn head(path: &Path, len: usize) -> Result<Vec<u8>, Error> {
    let (path, file) = open_rotated(path)?;
    let mut raw = BufReader::new(file);
    let gzip = raw.fill_buf().map_err(|e| Error::path(&path, e))?.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn Read> =
        if gzip { Box::new(MultiGzDecoder::new(raw)) } else { Box::new(raw) };
    let mut head = Vec::with_capacity(len);
    match reader.take(u64::try_from(len).unwrap_or(u64::MAX)).read_to_end(&mut head) {
        Ok(_) => Ok(head),
        Err(source) if gzip => Err(Error::Gzip { path, line: 0, source }),
        Err(source) => Err(Error::path(&path, source)),
    }
}

/// Opens `path`; if it is gone and `path.gz` exists, the compressor finished with it since it was
/// listed, and `path.gz` is opened instead.
fn open_rotated(path: &Path) -> Result<(PathBuf, File), Error> {
    match File::open(path) {
        Ok(file) => Ok((path.to_owned(), file)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut gz = path.as_os_str().to_owned();
            gz.push(".gz");
            let gz = PathBuf::from(gz);
            File::open(&gz).map(|file| (gz, file)).map_err(|_| Error::path(path, e))
        }
        Err(e) => Err(Error::path(path, e)),
    }
}

/// A reader that adds the bytes it reads to a counter, for progress.
struct Counting<'a, R> {
    inner: R,
    count: &'a AtomicU64,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        // Relaxed: a progress figure, read by another thread only to display it.
        self.count.fetch_add(u64::try_from(n).unwrap_or(0), Ordering::Relaxed);
        Ok(n)
    }
}
