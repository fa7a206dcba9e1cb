//! Accepting a lost file: the `audit_gap_accepted` record an operator appends when a rotated
//! audit file is gone for good, and what `verify` and retention read back from it. Without it a
//! removed file is a break forever, and retention, which never deletes past a break, stops for
//! good while the disk fills.

use std::path::{Path, PathBuf};

use super::chain::{self, Digest, Parsed};
use super::verify::{self, Removed};
use super::{writer, AuditError};
use crate::clock;
use crate::config::{Compression, Config};
use crate::event::notice::{self, Notice};
use crate::event::Derived;
use crate::redact::Redaction;
use crate::render::{self, Format, Output};

/// The acceptance record's component and event, as its line holds them.
const GAP_HEAD: &[u8] = b"\"component\":\"logfix\",\"event\":\"audit_gap_accepted\"";

/// A gap in the trail (the records of a removed file) that an `audit_gap_accepted` record
/// accounts for: [`verify`](super::verify()) lists it and goes on from the record after it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AcceptedGap {
    /// The file holding the first record after the gap, where the trail resumes.
    pub file: PathBuf,
    /// That record's line in the file (in the decompressed text, for a `.gz`).
    pub line: u64,
    /// The number of the first missing record.
    pub first_missing: u64,
    /// The number of the last missing record; the trail resumes at the next one.
    pub last_missing: u64,
    /// Why the operator accepted the loss, as the record holds it (redacted).
    pub reason: String,
}

/// What an acceptance record says: the records missing, and the chain value of the record
/// after them (the value before that record is lost with the gap, its own is what is known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Claim {
    /// The acceptance record's own number: it must come after the gap it names.
    pub(crate) seq: u64,
    pub(crate) first_missing: u64,
    pub(crate) last_missing: u64,
    pub(crate) resume_chain: Digest,
    pub(crate) reason: String,
}

impl Claim {
    /// Whether this names records `first..=last` missing, resuming at a record with `chain`.
    pub(crate) fn names(&self, first: u64, last: u64, chain: &Digest) -> bool {
        (self.first_missing, self.last_missing) == (first, last)
            && self.resume_chain == *chain
            && self.seq > last.saturating_add(1)
    }
}

/// The claim of `record` if it is an acceptance record whose keys all read back; `resume_seq`
/// must be the record after the last missing one.
pub(crate) fn claim(record: &Parsed<'_>) -> Option<Claim> {
    let body = record.body;
    chain::find(body, GAP_HEAD)?;
    let first_missing = chain::number(body, b"\"first_missing\":")?;
    let last_missing = chain::number(body, b"\"last_missing\":")?;
    let resume_seq = chain::number(body, b"\"resume_seq\":")?;
    if first_missing > last_missing || last_missing.checked_add(1) != Some(resume_seq) {
        return None;
    }
    Some(Claim {
        seq: record.seq,
        first_missing,
        last_missing,
        resume_chain: chain::digest(body, b"\"resume_chain\":\"")?,
        reason: chain::string(body, b"\"reason\":\"")?,
    })
}

/// Records that the first break of the audit trail in `dir`, a removed file, is a known and
/// accepted loss: appends an `audit_gap_accepted` record naming the missing records, the
/// record the trail resumes at (with its chain value) and `reason`. From then on
/// [`verify`](super::verify()) lists the gap instead of reporting it, and retention
/// (`LOGFIX_AUDIT_MAX_AGE`) deletes past it.
///
/// The trail is verified first, with the file name and key `config` resolves to (as
/// [`verify_with`](super::verify_with)); `config`'s directory is `dir`. The record goes
/// through the audit writer like any other: chained (with the key, when one is set), under
/// the lock that processes sharing the trail take, and synced before `Ok` is returned, so it
/// may be written while the application runs. `reason` is scrubbed of secrets as any free
/// text in a line is.
///
/// Anyone who can write the trail can write this record when it is not keyed, as any record;
/// with `LOGFIX_AUDIT_KEY`, only the key holder can.
///
/// # Errors
/// [`AuditError::NothingToAccept`], and nothing is written, when the trail is intact or its
/// first break is not a removed file (an edit, a truncation, a missing seal, a wrong key), or
/// when the trail breaks again after the gap. [`AuditError::Io`] when the trail cannot be read
/// or the record cannot be made durable.
///
/// # Examples
/// ```
/// use logfix_runtime::audit::{accept_gap, verify_with, BreakKind};
/// use logfix_runtime::{AuditError, Compression, Config, LogEvent};
///
/// #[derive(LogEvent)]
/// #[log(component = "admin", message = "{admin} logged in")]
/// struct LoggedIn<'a> {
///     admin: &'a str,
/// }
///
/// let dir = std::env::temp_dir().join(format!("logfix-doc-accept-gap-{}", std::process::id()));
/// let logger =
///     Config::new().dir(dir.clone()).max_file_size(1024).compression(Compression::None).build();
/// for _ in 0..12 {
///     logger.audit(&LoggedIn { admin: "ann" })?;
/// }
/// logger.shutdown();
///
/// // Intact: there is nothing to accept, and nothing is written.
/// let refused = accept_gap(&dir, &Config::new(), "disk replaced");
/// assert!(matches!(refused, Err(AuditError::NothingToAccept { .. })));
///
/// // The oldest rotated file is lost for good: a break until the loss is accepted.
/// std::fs::remove_file(dir.join("audit.log.00000001")).unwrap();
/// let report = verify_with(&dir, &Config::new())?;
/// assert_eq!(report.first_break.map(|b| b.kind), Some(BreakKind::FileRemoved));
/// let gap = accept_gap(&dir, &Config::new(), "disk replaced, the file was in no backup")?;
/// assert_eq!(gap.first_missing, 1);
/// let report = verify_with(&dir, &Config::new())?;
/// assert!(report.is_intact(), "{report}");
/// assert_eq!(report.accepted_gaps, [gap]);
/// # std::fs::remove_dir_all(dir).unwrap();
/// # Ok::<(), logfix_runtime::AuditError>(())
/// ```
pub fn accept_gap(
    dir: impl AsRef<Path>,
    config: &Config,
    reason: &str,
) -> Result<AcceptedGap, AuditError> {
    let dir = dir.as_ref();
    let (report, removed) = verify::check(dir, config)?;
    let gap = match removed {
        Some(Ok(gap)) => gap,
        Some(Err(why)) => return Err(AuditError::NothingToAccept { reason: why }),
        None => return Err(AuditError::NothingToAccept { reason: report.to_string() }),
    };
    let (mut settings, _) = config.clone().dir(dir.to_owned()).resolve();
    // One record, and nothing else: compressing and deleting files is the application's
    // business (its retention goes on past the gap once it reads this record), and a
    // configuration that differs from the application's must not change its files.
    settings.audit_max_age = None;
    settings.compression = Compression::None;
    let reason = Redaction::of(&settings).scrub(reason).into_owned();
    let Removed { first_missing, last_missing, resume_chain, file, line } = gap;
    let resume_seq = last_missing.saturating_add(1);
    let accepted = Notice::new(
        &notice::AUDIT_GAP_ACCEPTED,
        format!(
            "{} (a removed audit file), accepted as lost; the trail resumes at record {resume_seq}: {reason}",
            verify::missing(first_missing, last_missing)
        ),
    )
    .field("first_missing", first_missing)
    .field("last_missing", last_missing)
    .field("resume_seq", resume_seq)
    .field("resume_chain", chain::hex(&resume_chain))
    .field("reason", reason.clone());
    let mut out = Output::new(Format::Json, false);
    render::render(&mut out, &Derived(&accepted), None, clock::now());
    writer::commit_one(&settings, out.buf)?;
    Ok(AcceptedGap { file, line, first_missing, last_missing, reason })
}
