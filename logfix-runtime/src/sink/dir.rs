//! Choosing and creating the log directory: the configured one, else one private to the user
//! under the system temp directory, else none (stderr). Files are created with the configured
//! mode and opened without following a symbolic link.

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

/// A log directory, and how what logfix creates in it is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogDir {
    pub(crate) path: PathBuf,
    /// The fallback under the temp directory, which anyone can write to: it must be this
    /// user's own directory, not a symbolic link someone planted.
    private: bool,
    pub(crate) file_mode: u32,
}

impl LogDir {
    pub(crate) fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Creates the directory (with its parents) unless it exists; checks a private one.
    pub(crate) fn create(&self) -> io::Result<()> {
        if self.private {
            create_private(&self.path)
        } else {
            create_dirs(&self.path, dir_mode(self.file_mode))
        }
    }

    /// Creates the directory if needed and opens `name` in it for appending.
    ///
    /// Creation is race-free: creating a directory that another process created in the
    /// meantime counts as success, and the file is opened with `O_APPEND | O_CREAT`, which any
    /// number of processes may do at once.
    pub(crate) fn open_append(&self, name: &str) -> io::Result<File> {
        self.create()?;
        let mut options = OpenOptions::new();
        options.append(true).create(true);
        open_written(&self.join(name), self.file_mode, options)
    }

    /// Opens (creating it) the lock file `name`, which also holds the rotation counter.
    pub(crate) fn open_lock(&self, name: &str) -> io::Result<File> {
        open_read_write(&self.join(name), self.file_mode)
    }
}

/// A file (created if needed, never emptied) for reading and writing in place, with the
/// configured mode.
pub(crate) fn open_read_write(path: &Path, mode: u32) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    open_written(path, mode, options)
}

/// A new file (or an emptied one), for writing, with the configured mode.
pub(crate) fn create(path: &Path, mode: u32) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    open_written(path, mode, options)
}

/// An existing file, for reading.
pub(crate) fn open_read(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    open(path, 0, options, 0)
}

/// An existing regular file, for reading: opened without blocking and refused unless it is a
/// regular file. For the files of the audit trail, which a named pipe planted under their name
/// (a rotated file, the seal) would otherwise stop for ever: the open waits for a writer.
pub(crate) fn open_read_regular(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    let file = open(path, 0, options, libc::O_NONBLOCK)?;
    #[cfg(not(unix))]
    let file = open(path, 0, options, 0)?;
    regular(file)
}

/// [`open`] for a file logfix writes, without blocking: a named pipe planted under its name
/// with no reader would otherwise hold the open (and the thread) for ever. Changes nothing
/// for a regular file.
fn open_written(path: &Path, mode: u32, options: OpenOptions) -> io::Result<File> {
    #[cfg(unix)]
    return open(path, mode, options, libc::O_NONBLOCK);
    #[cfg(not(unix))]
    return open(path, mode, options, 0);
}

/// `file` if it is a regular file: the audit trail's durability means nothing on a pipe or a
/// device. (The application log may go to a device, e.g. in tests of a full disk.)
pub(crate) fn regular(file: File) -> io::Result<File> {
    if file.metadata()?.is_file() {
        Ok(file)
    } else {
        Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"))
    }
}

/// Opens `path` without following a symbolic link in its last component: a link planted where
/// logfix writes would otherwise make it append to (or, compressing, read) any file the process
/// may write.
#[cfg(unix)]
fn open(path: &Path, mode: u32, mut options: OpenOptions, flags: i32) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    options.mode(mode).custom_flags(libc::O_NOFOLLOW | flags).open(path)
}

#[cfg(not(unix))]
fn open(path: &Path, _mode: u32, options: OpenOptions, _flags: i32) -> io::Result<File> {
    options.open(path)
}

/// The mode of directories for files of `file_mode`: whoever may read the files may list the
/// directory (`0640` gives `0750`, `0600` gives `0700`).
pub(crate) fn dir_mode(file_mode: u32) -> u32 {
    (file_mode | ((file_mode & 0o444) >> 2)) & 0o777
}

#[cfg(unix)]
fn create_dirs(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new().recursive(true).mode(mode).create(path)
}

#[cfg(not(unix))]
fn create_dirs(path: &Path, _mode: u32) -> io::Result<()> {
    fs::create_dir_all(path)
}

/// Creates `path` mode 0700 unless it exists, and refuses it unless it is a directory owned by
/// this user. Nobody else can then replace it: the temp directory is sticky, so only its owner
/// may rename or delete an entry in it.
#[cfg(unix)]
fn create_private(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    match fs::DirBuilder::new().mode(0o700).create(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = fs::symlink_metadata(path)?;
    if !meta.file_type().is_dir() {
        return Err(io::Error::other("refused: not a directory (a symbolic link or a file)"));
    }
    let uid = euid();
    if meta.uid() != uid {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("refused: owned by uid {}, not by this user (uid {uid})", meta.uid()),
        ));
    }
    if meta.mode() & 0o077 != 0 {
        fs::set_permissions(path, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> io::Result<()> {
    fs::create_dir_all(path)
}

#[cfg(unix)]
fn euid() -> u32 {
    // SAFETY: `geteuid` takes no arguments, touches no memory of ours and cannot fail.
    #[allow(unsafe_code, reason = "std has no safe way to ask for the user id")]
    unsafe {
        libc::geteuid()
    }
}

/// The directories to try, in order.
pub(crate) fn candidates(settings: &Settings) -> Vec<LogDir> {
    let configured = settings.dir.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DIR));
    #[cfg(unix)]
    let temp = std::env::temp_dir().join(format!("logfix-{}", euid()));
    #[cfg(not(unix))]
    let temp = std::env::temp_dir().join("logfix");
    let mut dirs = vec![LogDir { path: configured, private: false, file_mode: settings.file_mode }];
    if dirs.iter().all(|d| d.path != temp) {
        dirs.push(LogDir { path: temp, private: true, file_mode: settings.file_mode });
    }
    dirs
}

/// Creates the first usable directory of `candidates` and opens `file` in it for appending.
pub(crate) fn open_first(
    candidates: &[LogDir],
    file: &str,
) -> (Option<(LogDir, File)>, Vec<String>) {
    let mut fallbacks = Vec::new();
    for dir in candidates {
        match dir.open_append(file) {
            // Absolute, so that the `logging_started` event names the directory unambiguously
            // and a later change of working directory does not move the log.
            Ok(handle) => {
                let path = std::path::absolute(&dir.path).unwrap_or_else(|_| dir.path.clone());
                return (Some((LogDir { path, ..dir.clone() }, handle)), fallbacks);
            }
            Err(e) => fallbacks.push(format!("{}: {e}", dir.path.display())),
        }
    }
    (None, fallbacks)
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("logfix-dir-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A device opens, but it is no file for an audit trail.
    #[test]
    fn a_device_is_not_regular() {
        let device = open_read_write(Path::new("/dev/null"), 0o640).unwrap();
        assert_eq!(regular(device).unwrap_err().kind(), io::ErrorKind::InvalidInput);
    }

    fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn directory_modes_follow_the_file_mode() {
        assert_eq!(dir_mode(0o640), 0o750);
        assert_eq!(dir_mode(0o600), 0o700);
        assert_eq!(dir_mode(0o644), 0o755);
        assert_eq!(dir_mode(0o660), 0o770);
    }

    #[test]
    fn files_and_directories_get_their_modes() {
        let scratch = scratch("modes");
        let dir = LogDir { path: scratch.join("a/b"), private: false, file_mode: 0o640 };
        dir.open_append("app.log").unwrap();
        dir.open_lock(".app.log.lock").unwrap();
        // The test process's umask (022 or stricter) could only remove bits.
        assert_eq!(mode(&scratch.join("a")) & 0o750, mode(&scratch.join("a")));
        assert_eq!(mode(&scratch.join("a/b")), 0o750);
        assert_eq!(mode(&scratch.join("a/b/app.log")), 0o640);
        assert_eq!(mode(&scratch.join("a/b/.app.log.lock")), 0o640);
        fs::remove_dir_all(scratch).unwrap();
    }

    #[test]
    fn a_symbolic_link_is_never_followed() {
        let scratch = scratch("nofollow");
        let victim = scratch.join("victim");
        fs::write(&victim, "untouched\n").unwrap();
        std::os::unix::fs::symlink(&victim, scratch.join("app.log")).unwrap();
        let dir = LogDir { path: scratch.clone(), private: false, file_mode: 0o640 };
        assert!(dir.open_append("app.log").is_err());
        std::os::unix::fs::symlink(&victim, scratch.join("x.gz.1.tmp")).unwrap();
        assert!(create(&scratch.join("x.gz.1.tmp"), 0o640).is_err());
        assert!(open_read(&scratch.join("app.log")).is_err());
        assert_eq!(fs::read_to_string(&victim).unwrap(), "untouched\n");
        fs::remove_dir_all(scratch).unwrap();
    }

    #[test]
    fn a_private_directory_is_made_private_and_refused_unless_it_is_ours() {
        let scratch = scratch("private");
        let private = |path: PathBuf| LogDir { path, private: true, file_mode: 0o640 };

        let fresh = scratch.join("tmp/logfix-fresh");
        private(fresh.clone()).create().unwrap();
        assert_eq!(mode(&fresh), 0o700);
        fs::set_permissions(&fresh, fs::Permissions::from_mode(0o777)).unwrap();
        private(fresh.clone()).create().unwrap();
        assert_eq!(mode(&fresh), 0o700, "an existing one of ours is made private again");

        let elsewhere = scratch.join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        let link = scratch.join("tmp/logfix-link");
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
        let err = private(link).open_append("app.log").unwrap_err();
        assert!(err.to_string().contains("not a directory"), "{err}");
        assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 0);

        if euid() != 0 {
            println!("skipped: giving a directory to another user needs root");
            return fs::remove_dir_all(scratch).unwrap();
        }
        let foreign = scratch.join("tmp/logfix-foreign");
        fs::create_dir(&foreign).unwrap();
        std::os::unix::fs::chown(&foreign, Some(euid() + 4242), None).unwrap();
        assert_eq!(fs::metadata(&foreign).unwrap().uid(), euid() + 4242);
        let err = private(foreign.clone()).open_append("app.log").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied, "{err}");
        assert!(!foreign.join("app.log").exists());
        fs::remove_dir_all(scratch).unwrap();
    }
}
