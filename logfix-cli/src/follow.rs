//! Following a log as it is written (`logfix tail -f`): the active file as it grows, and across
//! rotations every file rotated since, in the order they were rotated.
//!
//! The runtime renames the active file to `app.log.00000042` when it is full (a number counting
//! rotations) and compresses it to `app.log.00000042.gz` later; retention deletes the oldest.
//! Between two looks the file may rotate several times: the file that was open is read to its
//! end through the open handle, then every rotated file numbered after it (plain or `.gz`), then
//! the new active file. The open file is recognised among the rotated ones by its inode while it
//! is not compressed, and by its first bytes once it is.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;

use crate::error::{warn, Error};
use crate::source;

/// How many of a file's first bytes recognise it once it is compressed: its first line or more,
/// which starts with a timestamp to the microsecond.
const HEAD: usize = 256;

/// What a look for a rotation found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rotation {
    /// The same file: read on.
    Same,
    /// Another file is open (or the same one, truncated, from its start).
    Switched {
        /// Rotated files deleted (by retention) before they could be read: their lines are
        /// missing.
        missed: Missed,
    },
}

/// Rotated files that could not be read because they were already deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missed {
    /// None.
    Nothing,
    /// This many.
    Files(u64),
    /// Some, how many cannot be told (the numbers before them were never seen).
    Unknown,
}

/// Reads a file as it grows, and after a rotation the files rotated since and the new file.
pub(crate) struct Follower {
    path: PathBuf,
    dir: PathBuf,
    name: String,
    file: Option<File>,
    /// The identity of the open file, to tell when `path` names another one.
    identity: Option<Identity>,
    /// The first bytes of the open file (up to [`HEAD`]), to recognise it once compressed.
    head: Vec<u8>,
    /// The highest number of the rotated files known to come before the open file (or, while
    /// waiting for the file to appear, seen so far): those after it are still to read.
    before: Option<u64>,
    /// Bytes read from the open file.
    offset: u64,
    /// The start of a line whose end is not written yet.
    partial: Vec<u8>,
    buf: Vec<u8>,
}

impl Follower {
    pub(crate) fn new(path: PathBuf) -> Follower {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        Follower {
            path,
            dir,
            name,
            file: None,
            identity: None,
            head: Vec::new(),
            before: None,
            offset: 0,
            partial: Vec::new(),
            buf: vec![0; 64 * 1024],
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Opens `path` from its start, and notes the rotated files already there (they come before
    /// it); `false` if it does not exist.
    ///
    /// # Errors
    ///
    /// Opening the file or listing its directory fails.
    pub(crate) fn start(&mut self) -> Result<bool, Error> {
        let opened = self.open()?;
        // Listed after the open: a file rotated in between is the one open, and is not read twice.
        self.before = rotated(&self.dir, &self.name)?.keys().next_back().copied();
        Ok(opened)
    }

    /// Opens `path` from its start; `false` (and nothing open) if it does not exist.
    fn open(&mut self) -> Result<bool, Error> {
        self.file = None;
        self.identity = None;
        self.offset = 0;
        self.partial.clear();
        self.head.clear();
        let file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(Error::path(&self.path, e)),
        };
        self.identity = file.metadata().ok().map(|m| identity(&m));
        self.file = Some(file);
        Ok(true)
    }

    /// Reads what was appended since the last call and hands over each complete line, without
    /// its newline. Returns whether anything was read.
    ///
    /// # Errors
    ///
    /// Reading fails, or the file is binary (a NUL byte in its first block).
    pub(crate) fn read(&mut self, mut line: impl FnMut(&[u8])) -> Result<bool, Error> {
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
            let wanted = HEAD.saturating_sub(self.head.len()).min(chunk.len());
            self.head.extend_from_slice(chunk.get(..wanted).unwrap_or_default());
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
    /// created), reads the rest of the open file, then the files rotated after it, and switches
    /// to the new one; if the open file shrank (truncated), starts it again; if no file was
    /// open, opens it once it exists (after the files rotated meanwhile).
    ///
    /// # Errors
    ///
    /// Reading, opening or listing the directory fails. A rotated file that cannot be read is
    /// reported on stderr and skipped: the following goes on.
    pub(crate) fn follow_rotation(
        &mut self,
        mut line: impl FnMut(&[u8]),
    ) -> Result<Rotation, Error> {
        let metadata = match fs::metadata(&self.path) {
            Ok(metadata) => metadata,
            // Renamed away, and the new file not created yet: keep reading the old one.
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Rotation::Same),
            Err(e) => return Err(Error::path(&self.path, e)),
        };
        let Some(open) = self.identity.filter(|_| self.file.is_some()) else {
            return self.switch(None, &mut line);
        };
        if identity(&metadata) != open {
            self.read(&mut line)?;
            let deleted =
                self.file.as_ref().is_some_and(|f| f.metadata().is_ok_and(|m| unlinked(&m)));
            let old = Previous { identity: open, head: std::mem::take(&mut self.head), deleted };
            return self.switch(Some(&old), &mut line);
        }
        if metadata.len() < self.offset {
            if let Some(file) = &mut self.file {
                file.seek(SeekFrom::Start(0)).map_err(|e| Error::path(&self.path, e))?;
            }
            self.offset = 0;
            self.partial.clear();
            self.head.clear();
            return Ok(Rotation::Switched { missed: Missed::Nothing });
        }
        Ok(Rotation::Same)
    }

    /// Opens the file now at `path` and reads the files rotated between `old` (the file that was
    /// open, read to its end; `None` while waiting for the file) and it.
    fn switch(
        &mut self,
        old: Option<&Previous>,
        line: &mut impl FnMut(&[u8]),
    ) -> Result<Rotation, Error> {
        let opened = self.open()?;
        if !opened && old.is_none() {
            return Ok(Rotation::Same);
        }
        // Listed after the open, for the same reason as in `start`.
        let all = rotated(&self.dir, &self.name)?;
        let after_before = |seq: &u64| self.before.is_none_or(|b| *seq > b);
        let mut candidates: Vec<(u64, &RotatedFile)> =
            all.iter().filter(|(seq, _)| after_before(seq)).map(|(s, f)| (*s, f)).collect();
        // The new file, if it was rotated already: it is read from its handle, and what was
        // rotated after it is read at the next switch.
        let new = self.identity.filter(|_| INODES).and_then(|id| {
            candidates.iter().find(|(_, f)| f.identity == Some(id)).map(|(seq, _)| *seq)
        });
        if let Some(new) = new {
            candidates.retain(|(seq, _)| *seq < new);
        }
        // The file that was open: by its inode, else (compressed) by its first bytes.
        let mut gone = false;
        let mut expected = self.before.map(|b| b.saturating_add(1));
        if let Some(old) = old {
            let by_identity =
                candidates.iter().position(|(_, f)| INODES && f.identity == Some(old.identity));
            // An empty head would match any file.
            let by_head = || {
                candidates
                    .first()
                    .filter(|(_, f)| !old.head.is_empty() && f.starts_with(&old.head))
                    .map(|_| 0_usize)
            };
            match by_identity.or_else(by_head) {
                Some(at) => {
                    expected = candidates.get(at).map(|(seq, _)| seq.saturating_add(1));
                    candidates.drain(..=at);
                }
                // Deleted by retention (the lines were read through the handle): it was the
                // file after `before`.
                None if old.deleted => {
                    gone = true;
                    expected = expected.map(|e| e.saturating_add(1));
                }
                // Renamed to a name that is not the runtime's (another tool rotated it).
                None => {}
            }
        }
        let mut missed = 0_u64;
        let end = new.or_else(|| candidates.last().map(|(seq, _)| seq.saturating_add(1)));
        if let (Some(from), Some(end)) = (expected, end) {
            let present = u64::try_from(candidates.len()).unwrap_or(u64::MAX);
            missed = end.saturating_sub(from).saturating_sub(present);
        }
        // Without any file named by the runtime's numbering, the log is rotated by another tool
        // (`app.log.1.gz`), whose files this does not know: no claim either way.
        let numbered = self.before.is_some() || !all.is_empty();
        let unknown = gone && numbered && (expected.is_none() || end.is_none());
        let progress = AtomicU64::new(0);
        for (_, file) in &candidates {
            match source::each_line(file.path(), &progress, |l| line(l.bytes)) {
                Ok(()) => {}
                // Deleted since it was listed.
                Err(Error::Path { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                    missed += 1;
                }
                Err(e) => warn(format_args!("{e}; following on")),
            }
        }
        let handled = all.keys().copied().filter(|seq| new.is_none_or(|n| *seq < n)).max();
        self.before = self.before.max(handled);
        let missed = match (missed, unknown) {
            (0, false) => Missed::Nothing,
            (0, true) => Missed::Unknown,
            (n, _) => Missed::Files(n),
        };
        Ok(Rotation::Switched { missed })
    }
}

/// The file that was open before a rotation.
struct Previous {
    identity: Identity,
    head: Vec<u8>,
    /// No name links to it any more: it was deleted (after its compression, or by retention).
    deleted: bool,
}

/// One rotated file, in either form or both (while it is being compressed).
struct RotatedFile {
    plain: Option<PathBuf>,
    gz: Option<PathBuf>,
    /// The plain form's identity.
    identity: Option<Identity>,
}

impl RotatedFile {
    /// The form to read: the plain one if listed (if the compressor removes it meanwhile,
    /// [`source::each_line`] reads the `.gz`).
    fn path(&self) -> &Path {
        self.plain.as_deref().or(self.gz.as_deref()).unwrap_or(Path::new(""))
    }

    /// Whether its content starts with `head`.
    fn starts_with(&self, head: &[u8]) -> bool {
        source::head(self.path(), head.len()).is_ok_and(|found| found == head)
    }
}

/// The rotated files of the log `name` in `dir`, by number: the runtime's own names
/// (`app.log.00000042[.gz]`, see [`logfix_runtime::parse_rotated_name`]), nothing else.
fn rotated(dir: &Path, name: &str) -> Result<BTreeMap<u64, RotatedFile>, Error> {
    let mut files: BTreeMap<u64, RotatedFile> = BTreeMap::new();
    for entry in fs::read_dir(dir).map_err(|e| Error::path(dir, e))? {
        let entry = entry.map_err(|e| Error::path(dir, e))?;
        let Ok(file_name) = entry.file_name().into_string() else { continue };
        let Some((seq, compressed)) = logfix_runtime::parse_rotated_name(name, &file_name) else {
            continue;
        };
        let file =
            files.entry(seq).or_insert(RotatedFile { plain: None, gz: None, identity: None });
        if compressed {
            file.gz = Some(entry.path());
        } else {
            file.identity = entry.metadata().ok().map(|m| identity(&m));
            file.plain = Some(entry.path());
        }
    }
    Ok(files)
}

/// Whether [`identity`] tells files apart here.
const INODES: bool = cfg!(unix);

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

/// Whether the file of an open handle has no name left.
#[cfg(unix)]
fn unlinked(metadata: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    metadata.nlink() == 0
}

#[cfg(not(unix))]
fn unlinked(_: &fs::Metadata) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    /// A directory of its own for one test, removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir = std::env::temp_dir()
                .join(format!("logfix-cli-follow-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }

        fn join(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }

        fn append(&self, name: &str, text: &str) {
            let mut file =
                fs::OpenOptions::new().append(true).create(true).open(self.join(name)).unwrap();
            file.write_all(text.as_bytes()).unwrap();
        }

        /// A rotation as the runtime does it: `app.log` renamed to rotated file `seq`, and a
        /// new `app.log` holding `next`.
        fn rotate(&self, seq: u64, next: &str) {
            fs::rename(self.join("app.log"), self.join(&format!("app.log.{seq:08}"))).unwrap();
            fs::write(self.join("app.log"), next).unwrap();
        }

        /// Rotated file `seq` compressed as the runtime does it: the `.gz`, then the plain
        /// file removed.
        fn compress(&self, seq: u64) {
            let plain = self.join(&format!("app.log.{seq:08}"));
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&fs::read(&plain).unwrap()).unwrap();
            fs::write(self.join(&format!("app.log.{seq:08}.gz")), gz.finish().unwrap()).unwrap();
            fs::remove_file(plain).unwrap();
        }

        fn delete(&self, seq: u64) {
            fs::remove_file(self.join(&format!("app.log.{seq:08}"))).unwrap();
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// Looks for a rotation, then reads the open file: one poll of `tail -f`.
    fn poll(follower: &mut Follower) -> (Rotation, Vec<String>) {
        let mut lines = Vec::new();
        let mut collect = |l: &[u8]| lines.push(String::from_utf8(l.to_vec()).unwrap());
        let rotation = follower.follow_rotation(&mut collect).unwrap();
        follower.read(&mut collect).unwrap();
        (rotation, lines)
    }

    #[test]
    fn joins_lines_split_across_reads_and_follows_a_rename() {
        let dir = Scratch::new("rename");
        let path = dir.join("app.log");
        fs::write(&path, "a\nb").unwrap();
        let mut follower = Follower::new(path.clone());
        assert!(follower.start().unwrap());
        let mut lines = Vec::new();
        let mut collect = |l: &[u8]| lines.push(String::from_utf8(l.to_vec()).unwrap());
        assert!(follower.read(&mut collect).unwrap());
        assert_eq!(follower.follow_rotation(&mut collect).unwrap(), Rotation::Same);

        dir.append("app.log", "c\nd\n");
        fs::rename(&path, dir.join("app.log.1")).unwrap();
        assert_eq!(follower.follow_rotation(&mut collect).unwrap(), Rotation::Same, "no new file");
        fs::write(&path, "e\n").unwrap();
        let switched = Rotation::Switched { missed: Missed::Nothing };
        assert_eq!(follower.follow_rotation(&mut collect).unwrap(), switched);
        follower.read(&mut collect).unwrap();
        assert_eq!(lines, ["a", "bc", "d", "e"]);

        // Same inode, shorter than what was read: truncated, read again from the start.
        fs::write(&path, "").unwrap();
        assert_eq!(poll(&mut follower), (switched, Vec::new()));
        fs::write(&path, "f\n").unwrap();
        assert_eq!(poll(&mut follower), (Rotation::Same, vec!["f".to_owned()]));
    }

    /// The review's case: the file rotated several times between two looks. Every rotated
    /// file after the one open is read, in number order, compressed or not, before the new one.
    #[test]
    fn reads_every_file_rotated_between_two_looks() {
        let dir = Scratch::new("several");
        fs::write(dir.join("app.log.00000007.gz"), b"older, never read").unwrap();
        dir.append("app.log", "1\n2\n");
        let mut follower = Follower::new(dir.join("app.log"));
        assert!(follower.start().unwrap());
        assert_eq!(poll(&mut follower).1, ["1", "2"]);

        dir.append("app.log", "3\n");
        dir.rotate(8, "4\n");
        dir.rotate(9, "5\n");
        dir.compress(9);
        dir.rotate(10, "6\n");
        dir.append("app.log", "7\n");
        let switched = Rotation::Switched { missed: Missed::Nothing };
        assert_eq!(
            poll(&mut follower),
            (switched, ["3", "4", "5", "6", "7"].map(String::from).into())
        );

        // Again, the file that was open compressed before the look: known by its first bytes,
        // not read twice.
        dir.append("app.log", "8\n");
        dir.rotate(11, "9\n");
        dir.compress(11);
        dir.rotate(12, "10\n");
        assert_eq!(poll(&mut follower), (switched, ["8", "9", "10"].map(String::from).into()));
        assert_eq!(poll(&mut follower), (Rotation::Same, Vec::new()));
    }

    #[test]
    fn says_how_many_rotated_files_were_deleted_before_they_could_be_read() {
        let dir = Scratch::new("deleted");
        dir.append("app.log.00000001", "0\n");
        dir.append("app.log", "1\n");
        let mut follower = Follower::new(dir.join("app.log"));
        assert!(follower.start().unwrap());
        assert_eq!(poll(&mut follower).1, ["1"]);

        // Retention deleted file 3 but kept the one that was open.
        dir.rotate(2, "2\n");
        dir.rotate(3, "3\n");
        dir.rotate(4, "4\n");
        dir.delete(3);
        let (rotation, lines) = poll(&mut follower);
        assert_eq!(rotation, Rotation::Switched { missed: Missed::Files(1) });
        assert_eq!(lines, ["3", "4"]);

        // Retention deleted the one that was open too: its lines were read through the open
        // file, the two after it are missing.
        dir.rotate(5, "5\n");
        dir.rotate(6, "6\n");
        dir.rotate(7, "7\n");
        dir.rotate(8, "8\n");
        for seq in [5, 6, 7] {
            dir.delete(seq);
        }
        let (rotation, lines) = poll(&mut follower);
        assert_eq!(rotation, Rotation::Switched { missed: Missed::Files(2) });
        assert_eq!(lines, ["7", "8"]);
    }
}
