//! Size-based rotation: naming rotated files and enforcing retention.
//!
//! The active file is `DIR/app.log`. When it is full it is *renamed* to `DIR/app.log.00000042`,
//! and a fresh `app.log` is created. The number comes from a counter that the processes sharing
//! the file keep in its lock file, so it orders rotated files by when they were rotated whatever
//! the wall clock does: a clock stepped back or forward cannot make a new file look old. Renaming
//! never copies, so tailers that follow the file by inode read the old file to its end; nothing
//! is ever renamed twice, and compression (which adds `.gz`) can proceed while the next rotation
//! happens.
//!
//! Retention works on a [`RotatedSet`] kept in memory, so that a rotation costs the same with
//! ten or ten thousand files in the directory; the directory is read at start-up and on the
//! periodic pass only.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// The retention policy for rotated files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::struct_field_names, reason = "named like the settings they come from")]
pub(crate) struct Retention {
    pub(crate) max_files: u32,
    pub(crate) max_age: Option<Duration>,
    pub(crate) max_total_size: Option<u64>,
}

pub(crate) use crate::file_names::{gz, parse_rotated, rotated_name};

/// The number the next rotation takes, as the processes sharing the file keep it in the lock
/// file; `None` when the lock file holds none (new, or damaged).
pub(crate) fn read_counter(lock: &File) -> Option<u64> {
    let mut buf = [0u8; 32];
    let n = read_at(lock, &mut buf).ok()?;
    std::str::from_utf8(buf.get(..n)?).ok()?.trim_end().parse().ok()
}

/// Stores the number the next rotation takes.
pub(crate) fn write_counter(lock: &File, next: u64) -> io::Result<()> {
    // Fixed width, so that a smaller number never leaves digits of a larger one behind.
    write_at(lock, format!("{next:020}\n").as_bytes())
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8]) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, 0)
}

#[cfg(unix)]
fn write_at(file: &File, bytes: &[u8]) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, 0)
}

// Elsewhere each process numbers from what it knows; `FileSink::next_seq` never reuses a name.
#[cfg(not(unix))]
fn read_at(_file: &File, _buf: &mut [u8]) -> io::Result<usize> {
    Ok(0)
}

#[cfg(not(unix))]
fn write_at(_file: &File, _bytes: &[u8]) -> io::Result<()> {
    Ok(())
}

/// One rotated file: both forms exist while it is being compressed.
#[derive(Debug, Clone, Copy)]
struct Rotated {
    size: u64,
    modified: Option<SystemTime>,
    plain: bool,
    compressed: bool,
}

/// The rotated files of one log file, by number.
#[derive(Debug, Default)]
pub(crate) struct RotatedSet {
    files: BTreeMap<u64, Rotated>,
    /// The sum of their sizes.
    bytes: u64,
}

impl RotatedSet {
    /// Reads the directory.
    pub(crate) fn scan(dir: &Path, file: &str) -> io::Result<Self> {
        let mut set = Self::default();
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let Some((seq, compressed)) = name.to_str().and_then(|n| parse_rotated(file, n)) else {
                continue;
            };
            match entry.metadata() {
                Ok(meta) => set.add(seq, meta.len(), meta.modified().ok(), compressed),
                // Gone since `read_dir` listed it: compressed (`X` -> `X.gz`) or deleted by
                // another process sharing the directory.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(set)
    }

    /// Records one form of rotated file `seq`.
    pub(crate) fn add(
        &mut self,
        seq: u64,
        size: u64,
        modified: Option<SystemTime>,
        compressed: bool,
    ) {
        let entry = self.files.entry(seq).or_insert(Rotated {
            size: 0,
            modified: None,
            plain: false,
            compressed: false,
        });
        entry.size += size;
        entry.modified = entry.modified.max(modified);
        if compressed {
            entry.compressed = true;
        } else {
            entry.plain = true;
        }
        self.bytes += size;
    }

    /// Looks for rotated file `seq` on disk (another process's rotation) and records what it
    /// finds; returns whether there was one.
    pub(crate) fn learn(&mut self, dir: &Path, file: &str, seq: u64) -> bool {
        let plain = dir.join(rotated_name(file, seq));
        let mut found = false;
        for (path, compressed) in [(gz(&plain), true), (plain, false)] {
            if let Ok(meta) = fs::symlink_metadata(&path) {
                self.add(seq, meta.len(), meta.modified().ok(), compressed);
                found = true;
            }
        }
        found
    }

    /// Rotated file `seq` is now compressed, `size` bytes.
    pub(crate) fn compressed(&mut self, seq: u64, size: u64) {
        if let Some(entry) = self.files.get_mut(&seq) {
            self.bytes = self.bytes.saturating_sub(entry.size) + size;
            *entry = Rotated { size, plain: false, compressed: true, ..*entry };
        }
    }

    pub(crate) fn newest(&self) -> Option<u64> {
        self.files.last_key_value().map(|(seq, _)| *seq)
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether `seq` is known and has no compressed form yet.
    pub(crate) fn is_uncompressed(&self, seq: u64) -> bool {
        self.files.get(&seq).is_some_and(|f| f.plain && !f.compressed)
    }

    /// The files without a compressed form, oldest first. A file with both forms is the
    /// leftover of a crash between the two steps of a compression: its `.gz` is complete.
    pub(crate) fn uncompressed(&self) -> impl Iterator<Item = u64> + '_ {
        self.files.iter().filter(|(_, f)| f.plain && !f.compressed).map(|(seq, _)| *seq)
    }

    /// Deletes rotated files beyond `policy`, oldest first, and returns how many it deleted.
    /// `active` is the size of the active file, which counts towards `max_total_size` and is
    /// never deleted.
    ///
    /// It stops at the first file the policy keeps, so what it deletes is always older than
    /// what it keeps: a clock step can delay or hasten deletions by age, never reorder them.
    pub(crate) fn enforce(
        &mut self,
        dir: &Path,
        file: &str,
        policy: Retention,
        active: u64,
        now: SystemTime,
    ) -> io::Result<u64> {
        let max_files = usize::try_from(policy.max_files).unwrap_or(usize::MAX);
        let mut deleted = 0;
        while let Some((&seq, &oldest)) = self.files.first_key_value() {
            let too_many = self.files.len() > max_files;
            let too_old = match (policy.max_age, oldest.modified) {
                (Some(max_age), Some(modified)) => {
                    now.duration_since(modified).is_ok_and(|age| age > max_age)
                }
                _ => false,
            };
            let too_big = policy.max_total_size.is_some_and(|max| active + self.bytes > max);
            if !(too_many || too_old || too_big) {
                break;
            }
            let plain = dir.join(rotated_name(file, seq));
            // The uncompressed form first: a compression ending meanwhile then finds its source
            // gone and deletes the `.gz` it made (see `compress`).
            let removed = remove(&plain)? | remove(&gz(&plain))?;
            self.files.remove(&seq);
            self.bytes = self.bytes.saturating_sub(oldest.size);
            deleted += u64::from(removed);
        }
        Ok(deleted)
    }
}

impl RotatedSet {
    /// The audit trail's retention: the oldest rotated files, oldest first, while each is older
    /// than `max_age` and exists only compressed. Stops at the first that is not: a file not yet
    /// compressed is never a candidate, nor is anything newer than it. Deletes nothing (the
    /// caller checks each candidate's content first, then calls [`RotatedSet::delete`]).
    pub(crate) fn expired_compressed(&self, max_age: Duration, now: SystemTime) -> Vec<u64> {
        self.files
            .iter()
            .take_while(|(_, f)| {
                let old = f.modified.and_then(|m| now.duration_since(m).ok());
                f.compressed && !f.plain && old.is_some_and(|age| age > max_age)
            })
            .map(|(seq, _)| *seq)
            .collect()
    }

    /// Deletes rotated file `seq` in both forms; returns whether one was there.
    pub(crate) fn delete(&mut self, dir: &Path, file: &str, seq: u64) -> io::Result<bool> {
        let plain = dir.join(rotated_name(file, seq));
        let removed = remove(&plain)? | remove(&gz(&plain))?;
        if let Some(gone) = self.files.remove(&seq) {
            self.bytes = self.bytes.saturating_sub(gone.size);
        }
        Ok(removed)
    }
}

/// Removes `path`; `false` if it was not there (another process's retention got there first).
fn remove(path: &Path) -> io::Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::time::UNIX_EPOCH;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("logfix-rotate-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    /// Writes rotated file `seq` (compressed if `gz`), last modified at `modified`.
    fn rotated(dir: &Path, seq: u64, gz: bool, bytes: usize, modified: SystemTime) {
        let mut name = rotated_name("app.log", seq);
        if gz {
            name.push_str(".gz");
        }
        let path = dir.join(name);
        fs::write(&path, vec![b'x'; bytes]).unwrap();
        File::options().write(true).open(&path).unwrap().set_modified(modified).unwrap();
    }

    fn policy(max_files: u32) -> Retention {
        Retention { max_files, max_age: None, max_total_size: None }
    }

    #[test]
    fn names_are_numbered_and_recognised_in_their_exact_form_only() {
        assert_eq!(rotated_name("app.log", 42), "app.log.00000042");
        assert_eq!(rotated_name("app.log", 123_456_789), "app.log.123456789");
        assert_eq!(parse_rotated("app.log", "app.log.00000042"), Some((42, false)));
        assert_eq!(parse_rotated("app.log", "app.log.00000042.gz"), Some((42, true)));
        assert_eq!(parse_rotated("app.log", "app.log.123456789"), Some((123_456_789, false)));
        for other in [
            "app.log",
            "app.log.1",
            "app.log.0000000042",
            "app.log.+0000042",
            "app.log.lock",
            "app.log.00000042.gz.7.tmp",
            "x.log.00000042",
            "app.log.20261128T043913.000000Z",
        ] {
            assert_eq!(parse_rotated("app.log", other), None, "{other}");
        }
    }

    #[test]
    fn the_counter_survives_a_smaller_number_and_a_damaged_file() {
        let dir = scratch("counter");
        let path = dir.join(".app.log.lock");
        let lock = File::options().read(true).write(true).create_new(true).open(&path).unwrap();
        assert_eq!(read_counter(&lock), None, "a new lock file holds no number");
        write_counter(&lock, 12_345).unwrap();
        write_counter(&lock, 7).unwrap();
        assert_eq!(read_counter(&lock), Some(7));
        fs::write(&path, b"garbage").unwrap();
        assert_eq!(read_counter(&lock), None);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn keeps_the_newest_max_files_and_never_the_active_file() {
        let dir = scratch("count");
        fs::write(dir.join("app.log"), b"active\n").unwrap();
        fs::write(dir.join("other.txt"), b"not ours\n").unwrap();
        fs::write(dir.join("app.log.1"), b"logrotate's\n").unwrap();
        for seq in 1..=5 {
            rotated(&dir, seq, seq % 2 == 1, 2, at(1000 + seq));
        }
        let mut set = RotatedSet::scan(&dir, "app.log").unwrap();
        assert_eq!(set.enforce(&dir, "app.log", policy(2), 7, at(2000)).unwrap(), 3);
        assert_eq!(
            names(&dir),
            ["app.log", "app.log.00000004", "app.log.00000005.gz", "app.log.1", "other.txt"]
        );
        assert_eq!(set.len(), 2);
        fs::remove_dir_all(dir).unwrap();
    }

    /// The clock stepped back a day before file 3 was rotated, so file 3 looks older than files
    /// 1 and 2 by their times. The number decides: an age limit deletes 1 and 2 first, never 3
    /// while it keeps an older one.
    #[test]
    fn age_deletes_the_oldest_by_number_whatever_the_clock_said() {
        const DAY: u64 = 86_400;
        let dir = scratch("age-step");
        rotated(&dir, 1, true, 1, at(10 * DAY));
        rotated(&dir, 2, false, 1, at(10 * DAY + 60));
        rotated(&dir, 3, false, 1, at(9 * DAY + 120));
        rotated(&dir, 4, false, 1, at(9 * DAY + 180));
        let mut set = RotatedSet::scan(&dir, "app.log").unwrap();
        let policy = Retention {
            max_files: 10,
            max_age: Some(Duration::from_secs(DAY)),
            max_total_size: None,
        };
        // File 3 is older than a day, 1 and 2 are not: nothing may go.
        assert_eq!(set.enforce(&dir, "app.log", policy, 0, at(10 * DAY + 170)).unwrap(), 0);
        assert_eq!(set.len(), 4);
        // Later 1 and 2 are past the limit too: all four go, oldest first.
        assert_eq!(set.enforce(&dir, "app.log", policy, 0, at(11 * DAY + 100)).unwrap(), 4);
        assert_eq!(names(&dir), Vec::<String>::new());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn total_size_counts_the_active_file_and_follows_compression() {
        let dir = scratch("total");
        for seq in 1..=3 {
            rotated(&dir, seq, false, 100, at(seq));
        }
        let mut set = RotatedSet::scan(&dir, "app.log").unwrap();
        let policy = Retention { max_files: 10, max_age: None, max_total_size: Some(250) };
        assert_eq!(set.enforce(&dir, "app.log", policy, 100, at(10)).unwrap(), 2);
        assert_eq!(names(&dir), ["app.log.00000003"]);
        rotated(&dir, 4, false, 100, at(11));
        set.add(4, 100, Some(at(11)), false);
        set.compressed(4, 10);
        assert_eq!(set.enforce(&dir, "app.log", policy, 100, at(12)).unwrap(), 0, "210 bytes");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn zero_max_files_keeps_none() {
        let dir = scratch("zero");
        rotated(&dir, 5, false, 1, at(5));
        let mut set = RotatedSet::scan(&dir, "app.log").unwrap();
        assert_eq!(set.enforce(&dir, "app.log", policy(0), 0, at(10)).unwrap(), 1);
        assert_eq!(set.len(), 0);
        fs::remove_dir_all(dir).unwrap();
    }

    /// Audit retention offers the oldest files past the age that exist only compressed, and
    /// stops at the first file still uncompressed, however old the files after it are.
    #[test]
    fn audit_retention_offers_only_old_compressed_files_oldest_first() {
        const DAY: u64 = 86_400;
        let dir = scratch("audit-age");
        rotated(&dir, 1, true, 1, at(DAY));
        rotated(&dir, 2, true, 1, at(2 * DAY));
        rotated(&dir, 3, false, 1, at(3 * DAY));
        rotated(&dir, 4, true, 1, at(3 * DAY));
        rotated(&dir, 5, true, 1, at(3 * DAY));
        rotated(&dir, 6, false, 1, at(10 * DAY));
        let mut set = RotatedSet::scan(&dir, "app.log").unwrap();
        let week = Duration::from_secs(7 * DAY);
        assert_eq!(set.expired_compressed(week, at(8 * DAY + 1)), [1]);
        assert_eq!(set.expired_compressed(week, at(100 * DAY)), [1, 2], "3 is not compressed yet");
        assert!(set.delete(&dir, "app.log", 1).unwrap());
        assert!(!set.delete(&dir, "app.log", 1).unwrap(), "already gone");
        set.add(3, 1, Some(at(3 * DAY)), true);
        fs::remove_file(dir.join(rotated_name("app.log", 3))).unwrap();
        set.compressed(3, 1);
        assert_eq!(set.expired_compressed(week, at(100 * DAY)), [2, 3, 4, 5]);
        assert_eq!(set.len(), 5);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn learns_files_of_other_processes_and_knows_which_need_compressing() {
        let dir = scratch("learn");
        rotated(&dir, 1, false, 1, at(1));
        rotated(&dir, 2, true, 1, at(2));
        rotated(&dir, 3, false, 1, at(3));
        rotated(&dir, 3, true, 1, at(3));
        let mut set = RotatedSet::default();
        assert!(!set.learn(&dir, "app.log", 4));
        for seq in 1..=3 {
            assert!(set.learn(&dir, "app.log", seq));
        }
        assert_eq!(set.newest(), Some(3));
        assert_eq!(set.uncompressed().collect::<Vec<_>>(), [1], "3 has a complete .gz");
        assert!(set.is_uncompressed(1) && !set.is_uncompressed(2));
        // A file deleted by another process meanwhile is no error, and counts as not deleted.
        fs::remove_file(dir.join(rotated_name("app.log", 1))).unwrap();
        assert_eq!(set.enforce(&dir, "app.log", policy(2), 0, at(10)).unwrap(), 0);
        assert_eq!(set.len(), 2);
        fs::remove_dir_all(dir).unwrap();
    }
}
