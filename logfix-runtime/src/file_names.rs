//! The names of the files a log or an audit trail is made of: the active file
//! (`app.log`), its rotated files (`app.log.00000042`, then `app.log.00000042.gz`), its lock
//! file (`.app.log.lock`) and a trail's seal (`audit.log.seal`). One home for them, so that
//! the writers, retention and the configuration's check that two sets never overlap agree.

use std::path::{Path, PathBuf};

/// The width rotated numbers are padded to, so that `ls` lists the files in order.
const DIGITS: usize = 8;

/// The name of rotated file number `seq` of `file`: `app.log.00000042`.
pub(crate) fn rotated_name(file: &str, seq: u64) -> String {
    format!("{file}.{seq:0DIGITS$}")
}

/// `path` with `.gz` appended.
pub(crate) fn gz(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".gz");
    PathBuf::from(name)
}

/// If `name` is a rotated file of `file`, its number and whether it is the compressed form.
/// Only the exact form [`rotated_name`] writes is recognised, so that another tool's
/// `app.log.1` is never taken for ours (and deleted by retention).
pub(crate) fn parse_rotated(file: &str, name: &str) -> Option<(u64, bool)> {
    let (stem, compressed) = match name.strip_suffix(".gz") {
        Some(stem) => (stem, true),
        None => (name, false),
    };
    let digits = stem.strip_prefix(file)?.strip_prefix('.')?;
    let canonical = digits.len() == DIGITS || (digits.len() > DIGITS && !digits.starts_with('0'));
    if !canonical || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((digits.parse().ok()?, compressed))
}

/// The lock file of `file`, which also holds its rotation counter.
pub(crate) fn lock_name(file: &str) -> String {
    format!(".{file}.lock")
}

/// The seal file's name for the trail `file`.
pub(crate) fn seal_name(file: &str) -> String {
    format!("{file}.seal")
}

/// Whether the files of the log `app` and of the audit trail `audit` would overlap: the same
/// name, one a rotated file of the other, or the log named like the trail's seal. The log's
/// retention would then delete audit files, and its lines would break the chain.
pub(crate) fn shares_files(app: &str, audit: &str) -> bool {
    app == audit
        || parse_rotated(app, audit).is_some()
        || parse_rotated(audit, app).is_some()
        || app == seal_name(audit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_and_a_trail_must_not_share_files() {
        for (app, audit) in [
            ("app.log", "app.log"),
            ("app.log", "app.log.00000001"),
            ("app.log", "app.log.00000001.gz"),
            ("audit.log.00000003", "audit.log"),
            ("audit.log.seal", "audit.log"),
        ] {
            assert!(shares_files(app, audit), "{app} {audit}");
        }
        for (app, audit) in [("app.log", "audit.log"), ("app.log", "app.log.audit"), ("a", "b")] {
            assert!(!shares_files(app, audit), "{app} {audit}");
        }
    }
}
