//! The audit trail: records that are never dropped, durable when acknowledged, chained so that
//! edits, insertions, deletions, reordering and removed files show, and verifiable.
//!
//! [`audit`](crate::audit()) (or [`Logger::audit`](crate::Logger::audit)) renders an ordinary
//! derived event like any other (same schema, context and redaction) and hands it to the audit
//! writer thread, which appends it to its own file (`LOGFIX_AUDIT_FILE`, default `audit.log`, in
//! the log directory) with two more keys, `audit_seq` and `audit_chain`, syncs it and only then
//! returns `Ok`. Concurrent callers share an `fdatasync` (group commit), and the next records
//! are written while it runs, their own sync starting meanwhile; a caller that finds the trail
//! idle writes and syncs its own record, without waking a thread. [`verify`] reads the
//! trail back and reports the first break. What each mode (with or without `LOGFIX_AUDIT_KEY`,
//! with or without the seal) can and cannot detect is in `docs/AUDIT.md`.
//!
//! The trail is always in the logfix schema, whatever `LOGFIX_SCHEMA` says: the chain is a hash
//! over each line as written, so its lines are never converted (see `crate::schema`).
//!
//! # Examples
//! ```
//! use logfix_runtime::{Config, LogEvent};
//!
//! #[derive(LogEvent)]
//! #[log(component = "admin", message = "{admin} exported {rows} customer rows")]
//! struct CustomersExported<'a> {
//!     admin: &'a str,
//!     rows: u64,
//! }
//!
//! let dir = std::env::temp_dir().join(format!("logfix-doc-audit-{}", std::process::id()));
//! let logger = Config::new().dir(dir.clone()).build();
//! // `Ok` means the record is on disk: the export may go ahead.
//! logger.audit(&CustomersExported { admin: "ann", rows: 1200 })?;
//! logger.shutdown();
//!
//! let trail = std::fs::read_to_string(dir.join("audit.log")).unwrap();
//! assert!(trail.contains(r#""message":"ann exported 1200 customer rows","admin":"ann","rows":1200,"audit_seq":1,"audit_chain":""#));
//! assert!(logfix_runtime::audit::verify_with(&dir, &Config::new())?.is_intact());
//! # std::fs::remove_dir_all(dir).unwrap();
//! # Ok::<(), logfix_runtime::AuditError>(())
//! ```

mod chain;
mod gap;
mod reply;
mod retention;
mod seal;
mod sync_pool;
mod verify;
mod writer;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

pub use gap::{accept_gap, AcceptedGap};
pub use verify::{verify, verify_with, Break, BreakKind, Report};
pub(crate) use writer::{failed, AuditSlot};

/// Why an audit record was not acknowledged, or a trail could not be read.
///
/// An `Err` from [`audit`](crate::audit()) means the record may not be on disk: the caller
/// decides whether to refuse the action it records (fail closed). It never means the record is
/// absent: a record written but not synced before a failure may still be in the trail.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuditError {
    /// No logger is installed: `init()` was not called.
    NoLogger,
    /// The logger was shut down.
    ShutDown,
    /// The event's `Display` or `Debug` impl panicked: nothing was written.
    Render,
    /// A file could not be written, synced or read: a full disk, a read-only file system, a
    /// directory that cannot be created.
    #[non_exhaustive]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What kind of error the OS reported.
        kind: io::ErrorKind,
        /// The OS's message.
        message: String,
    },
    /// [`accept_gap`] found no loss to accept: the trail is intact, or its first break is not
    /// a removed file, or the trail breaks again after it. Nothing was written.
    #[non_exhaustive]
    NothingToAccept {
        /// Why, with what `verify` found.
        reason: String,
    },
}

impl AuditError {
    pub(crate) fn io(path: impl AsRef<Path>, error: &io::Error) -> Self {
        AuditError::Io {
            path: path.as_ref().to_owned(),
            kind: error.kind(),
            message: error.to_string(),
        }
    }
}

impl fmt::Display for AuditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditError::NoLogger => {
                f.write_str("no logger is installed: call logfix_runtime::init() first")
            }
            AuditError::ShutDown => f.write_str("the logger was shut down"),
            AuditError::Render => {
                f.write_str("the event could not be rendered: a Display or Debug impl panicked")
            }
            AuditError::Io { path, message, .. } => write!(f, "{}: {message}", path.display()),
            AuditError::NothingToAccept { reason } => write!(f, "nothing to accept: {reason}"),
        }
    }
}

impl std::error::Error for AuditError {}
