//! Size-based rotation: naming rotated files and enforcing retention.
//!
//! The active file is `DIR/app.log`. When it is full it is *renamed* to
//! `DIR/app.log.20261128T043913.123456Z` (the UTC time of the rotation; `-1`, `-2`, ... is
//! appended in the rare case the name is taken), and a fresh `app.log` is created. Renaming
//! never copies, so tailers that follow the file by inode read the old file to its end. Rotated
//! names sort chronologically, so nothing is ever renamed twice, and compression (which adds
//! `.gz`) can proceed while the next rotation happens.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::render::time::{nanos_since_epoch, write_timestamp};

/// The retention policy for rotated files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::struct_field_names, reason = "named like the settings they come from")]
pub(crate) struct Retention {
    pub(crate) max_files: u32,
    pub(crate) max_age: Option<Duration>,
    pub(crate) max_total_size: Option<u64>,
}

/// The suffix of a rotated file for a rotation at `time`: `20261128T043913.123456Z`.
pub(crate) fn stamp(time: SystemTime) -> String {
    let mut rfc3339 = Vec::with_capacity(27);
    write_timestamp(&mut rfc3339, nanos_since_epoch(time));
    rfc3339.retain(|b| *b != b'-' && *b != b':');
    String::from_utf8_lossy(&rfc3339).into_owned()
}

/// A free name for the file rotated at `time`.
pub(crate) fn rotated_path(dir: &Path, file: &str, time: SystemTime) -> PathBuf {
    let base = format!("{file}.{}", stamp(time));
    let mut candidate = dir.join(&base);
    let mut n = 1;
    while candidate.exists() || gz(&candidate).exists() {
        candidate = dir.join(format!("{base}-{n}"));
        n += 1;
    }
    candidate
}

/// `path` with `.gz` appended.
pub(crate) fn gz(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".gz");
    PathBuf::from(name)
}

/// If `name` is a rotated file of `file` (compressed or not), its stem: the name without `.gz`.
pub(crate) fn rotated_stem<'a>(file: &str, name: &'a str) -> Option<&'a str> {
    let stem = name.strip_suffix(".gz").unwrap_or(name);
    let suffix = stem.strip_prefix(file)?.strip_prefix('.')?;
    let (stamp, counter) = suffix.split_once('-').unwrap_or((suffix, ""));
    let bytes = stamp.as_bytes();
    let shape_ok = bytes.len() == 23
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 => *b == b'T',
            15 => *b == b'.',
            22 => *b == b'Z',
            _ => b.is_ascii_digit(),
        });
    (shape_ok && counter.bytes().all(|b| b.is_ascii_digit())).then_some(stem)
}

/// One rotated file, with its compressed and uncompressed forms (both exist while it is being
/// compressed). Its stem is the key it is listed under.
#[derive(Debug)]
struct Rotated {
    paths: Vec<PathBuf>,
    size: u64,
    modified: Option<SystemTime>,
}

/// The rotated files of `file`, oldest first. Sizes and times are read only with `stat`, since
/// this runs after every rotation over what may be thousands of files.
fn list_rotated(dir: &Path, file: &str, stat: bool) -> io::Result<Vec<Rotated>> {
    // Keyed by (name, counter), so that `...Z-10` sorts after `...Z-9`.
    let mut groups: BTreeMap<(String, u32), Rotated> = BTreeMap::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(stem) = rotated_stem(file, name) else {
            continue;
        };
        let (size, modified) = if stat {
            match entry.metadata() {
                Ok(meta) => (meta.len(), meta.modified().ok()),
                // Gone since `read_dir` listed it: another process sharing the directory
                // compressed (`X` -> `X.gz`) or deleted it.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            }
        } else {
            (0, None)
        };
        let key = match stem.rsplit_once('-').map(|(base, n)| (base, n.parse::<u32>())) {
            Some((base, Ok(n))) => (base.to_owned(), n),
            _ => (stem.to_owned(), 0),
        };
        let group = groups.entry(key).or_insert_with(|| Rotated {
            paths: Vec::new(),
            size: 0,
            modified: None,
        });
        group.paths.push(entry.path());
        group.size += size;
        group.modified = group.modified.max(modified);
    }
    // Names carry the rotation time, so the map's order is the age order.
    Ok(groups.into_values().collect())
}

/// Deletes rotated files beyond the policy, oldest first, and returns how many were deleted.
/// The active file is never deleted; it counts towards `max_total_size`.
pub(crate) fn enforce(
    dir: &Path,
    file: &str,
    policy: Retention,
    now: SystemTime,
) -> io::Result<u64> {
    let groups =
        list_rotated(dir, file, policy.max_age.is_some() || policy.max_total_size.is_some())?;
    let keep_from =
        groups.len().saturating_sub(usize::try_from(policy.max_files).unwrap_or(usize::MAX));
    let mut total: u64 = fs::metadata(dir.join(file)).map_or(0, |m| m.len())
        + groups.iter().map(|g| g.size).sum::<u64>();
    let mut deleted = 0;
    for (i, group) in groups.iter().enumerate() {
        let too_many = i < keep_from;
        let too_old = match (policy.max_age, group.modified) {
            (Some(max_age), Some(modified)) => {
                now.duration_since(modified).is_ok_and(|age| age > max_age)
            }
            _ => false,
        };
        let too_big = policy.max_total_size.is_some_and(|max| total > max);
        if !(too_many || too_old || too_big) {
            continue;
        }
        for path in &group.paths {
            match fs::remove_file(path) {
                Ok(()) => {}
                // Another process's retention got there first.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        total = total.saturating_sub(group.size);
        deleted += 1;
    }
    Ok(deleted)
}

/// Rotated files of `file` that were never compressed (a crash, or a shutdown that did not wait
/// for compression), oldest first.
pub(crate) fn uncompressed(dir: &Path, file: &str) -> io::Result<Vec<PathBuf>> {
    Ok(list_rotated(dir, file, false)?
        .into_iter()
        .filter_map(|g| g.paths.into_iter().find(|p| p.extension().is_none_or(|e| e != "gz")))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
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

    #[test]
    fn names_sort_chronologically_and_are_recognised() {
        assert_eq!(stamp(at(1_795_840_753)), "20261128T043913.000000Z");
        assert_eq!(
            rotated_stem("app.log", "app.log.20261128T043913.000000Z"),
            Some("app.log.20261128T043913.000000Z")
        );
        assert_eq!(
            rotated_stem("app.log", "app.log.20261128T043913.000000Z-2.gz"),
            Some("app.log.20261128T043913.000000Z-2")
        );
        for other in [
            "app.log",
            "app.log.1",
            "app.log.lock",
            "app.log.20261128T043913.000000Z.gz.7.tmp",
            "x.log.20261128T043913.000000Z",
        ] {
            assert_eq!(rotated_stem("app.log", other), None, "{other}");
        }
    }

    #[test]
    fn a_taken_name_gets_a_counter() {
        let dir = scratch("taken");
        let first = rotated_path(&dir, "app.log", at(100));
        fs::write(gz(&first), b"").unwrap();
        let second = rotated_path(&dir, "app.log", at(100));
        assert_ne!(first, second);
        assert!(second.to_string_lossy().ends_with("Z-1"));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn keeps_the_newest_max_files_and_never_the_active_file() {
        let dir = scratch("count");
        fs::write(dir.join("app.log"), b"active\n").unwrap();
        fs::write(dir.join("other.txt"), b"not ours\n").unwrap();
        for i in 0..5 {
            let path = dir.join(format!("app.log.{}", stamp(at(1000 + i))));
            fs::write(if i % 2 == 0 { gz(&path) } else { path }, b"x\n").unwrap();
        }
        let policy = Retention { max_files: 2, max_age: None, max_total_size: None };
        assert_eq!(enforce(&dir, "app.log", policy, at(2000)).unwrap(), 3);
        let mut left: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "app.log",
                "app.log.19700101T001643.000000Z",
                "app.log.19700101T001644.000000Z.gz",
                "other.txt"
            ]
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn total_size_counts_the_active_file() {
        let dir = scratch("total");
        fs::write(dir.join("app.log"), vec![b'a'; 100]).unwrap();
        for i in 0..3 {
            fs::write(dir.join(format!("app.log.{}", stamp(at(i)))), vec![b'x'; 100]).unwrap();
        }
        let policy = Retention { max_files: 10, max_age: None, max_total_size: Some(250) };
        assert_eq!(enforce(&dir, "app.log", policy, at(10)).unwrap(), 2);
        assert_eq!(list_rotated(&dir, "app.log", true).unwrap().len(), 1);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn age_limit_deletes_files_not_modified_within_it() {
        let dir = scratch("age");
        let old = dir.join(format!("app.log.{}", stamp(at(1))));
        let recent = dir.join(format!("app.log.{}", stamp(at(2))));
        for (path, modified) in [(&old, at(1_000)), (&recent, at(90_000))] {
            fs::write(path, b"x").unwrap();
            fs::File::options().write(true).open(path).unwrap().set_modified(modified).unwrap();
        }
        let policy = Retention {
            max_files: 10,
            max_age: Some(Duration::from_secs(86_400)),
            max_total_size: None,
        };
        assert_eq!(enforce(&dir, "app.log", policy, at(100_000)).unwrap(), 1);
        assert!(!old.exists() && recent.exists());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn zero_max_files_keeps_none() {
        let dir = scratch("zero");
        fs::write(dir.join(format!("app.log.{}", stamp(at(5)))), b"x").unwrap();
        let policy = Retention { max_files: 0, max_age: None, max_total_size: None };
        assert_eq!(enforce(&dir, "app.log", policy, at(10)).unwrap(), 1);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn finds_uncompressed_leftovers() {
        let dir = scratch("left");
        let a = dir.join(format!("app.log.{}", stamp(at(1))));
        let b = dir.join(format!("app.log.{}", stamp(at(2))));
        fs::write(&a, b"x").unwrap();
        fs::write(gz(&b), b"x").unwrap();
        assert_eq!(uncompressed(&dir, "app.log").unwrap(), [a]);
        fs::remove_dir_all(dir).unwrap();
    }
}
