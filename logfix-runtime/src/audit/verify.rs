//! Verifying a trail: every audit file in order, `.gz` included, each record's number and chain
//! value checked against the record before it, and the end of the trail against the seal.
//! The first break is reported with its file, line and kind.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use super::chain::{self, Chain, Digest, Parsed, GENESIS};
use super::gap::{self, AcceptedGap, Claim};
use super::seal::{self, SealState};
use super::AuditError;
use crate::config::Config;
use crate::sink::file::count_lines;
use crate::sink::{dir, rotate};

/// The retention record the writer appends before it deletes files (see `writer`): it vouches
/// for the start of the trail.
pub(crate) const RETENTION_HEAD: &[u8] =
    b"\"component\":\"logfix\",\"event\":\"audit_files_deleted\"";

/// Checks the audit trail in `dir`, with the trail's file name and key from the environment
/// (`LOGFIX_AUDIT_FILE`, `LOGFIX_AUDIT_KEY`): see [`verify_with`].
///
/// # Errors
/// See [`verify_with`].
pub fn verify(dir: impl AsRef<Path>) -> Result<Report, AuditError> {
    verify_with(dir, &Config::from_env())
}

/// Checks the audit trail in `dir`: reads every file of the trail in order (rotated files by
/// number, `.gz` or not, then the active file), checks each record's sequence number and chain
/// value, and the end of the trail against the seal. Uses the trail's file name and key that
/// `config` resolves to; verify with the key the trail was written with.
///
/// # Errors
/// [`AuditError::Io`] when the directory or a file cannot be read, or when the directory holds
/// no trail at all (neither a file of it nor its seal: the wrong directory or file name). A
/// damaged or tampered trail is not an error: it is a [`Report`] whose
/// [`first_break`](Report::first_break) says where.
///
/// # Examples
/// ```
/// use logfix_runtime::{Config, LogEvent};
///
/// #[derive(LogEvent)]
/// #[log(component = "admin", message = "{admin} granted {role} to {user}")]
/// struct RoleGranted<'a> {
///     admin: &'a str,
///     user: &'a str,
///     role: &'a str,
/// }
///
/// let dir = std::env::temp_dir().join(format!("logfix-doc-verify-{}", std::process::id()));
/// let logger = Config::new().dir(dir.clone()).build();
/// logger.audit(&RoleGranted { admin: "ann", user: "bob", role: "billing" })?;
/// logger.shutdown();
///
/// let report = logfix_runtime::audit::verify_with(&dir, &Config::new())?;
/// assert!(report.is_intact(), "{report}");
/// assert_eq!(report.records, 1);
/// # std::fs::remove_dir_all(dir).unwrap();
/// # Ok::<(), logfix_runtime::AuditError>(())
/// ```
pub fn verify_with(dir: impl AsRef<Path>, config: &Config) -> Result<Report, AuditError> {
    check(dir.as_ref(), config).map(|(report, _)| report)
}

/// The first break when it is a removed file that an acceptance record may account for:
/// `Ok` with the gap, `Err` with why accepting it would not make the trail verify.
pub(crate) type Acceptable = Option<Result<Removed, String>>;

/// [`verify_with`], and whether its first break may be accepted ([`gap::accept_gap`]).
pub(crate) fn check(dir: &Path, config: &Config) -> Result<(Report, Acceptable), AuditError> {
    let (settings, _) = config.resolve();
    let chain = Chain::new(settings.audit_key.as_ref());
    let seal_path = dir.join(seal::seal_name(&settings.audit_file));
    let seal = seal::read(&seal_path).map_err(|e| AuditError::io(&seal_path, &e))?;
    let sealed = seal.is_some() || seal_path.exists();
    let files = trail_files(dir, &settings.audit_file).map_err(|e| AuditError::io(dir, &e))?;
    if files.is_empty() && !sealed {
        let mut message = "no audit trail here: no file of it, no seal".to_owned();
        // The seals of trails under other names (`LOGFIX_AUDIT_FILE`): the likely mistake.
        let seals = seals(dir);
        if !seals.is_empty() {
            message = format!("{message}; the seals of other trails here: {}", seals.join(", "));
        }
        let none = io::Error::new(io::ErrorKind::NotFound, message);
        return Err(AuditError::io(dir.join(&settings.audit_file), &none));
    }
    let mut walk = Walk::new(&chain, seal);
    for (index, path) in files.iter().enumerate() {
        let (text, damage) = match read_file(path) {
            Ok(text) => (text, None),
            Err(Damaged { text, error, content: true }) => (text, Some(error)),
            Err(Damaged { error, .. }) => return Err(AuditError::io(path, &error)),
        };
        let last = index + 1 == files.len();
        walk.file(path, index, &text, last);
        walk.file_ends.extend(walk.last);
        if let (None, Some(error)) = (&walk.first_break, damage) {
            let line = count_lines(&text) + 1;
            walk.broke(
                path,
                line,
                BreakKind::Edited,
                format!("the file is not valid gzip: {error}"),
            );
        }
        if walk.first_break.is_none() && !last {
            walk.twin(path, &text)?;
        }
        if walk.first_break.is_some() {
            break;
        }
    }
    let first_break = walk.finish(&files, &seal_path, sealed);
    let report = Report {
        dir: dir.to_owned(),
        records: walk.records,
        first_seq: walk.first_seq,
        last_seq: walk.last.map(|(seq, _)| seq),
        keyed: chain.is_keyed(),
        seal: seal.map(|s| s.seq),
        torn_tail: walk.torn_tail,
        key_hint: walk.key_hint.filter(|_| first_break.is_some()),
        files,
        first_break,
        accepted_gaps: walk.accepted,
    };
    let removed = match walk.removed {
        // An acceptance chained with a wrong key would break the trail it means to mend.
        Some(Ok(_)) if walk.linked == 0 => Some(Err(
            "no record of the trail follows another one, so the key cannot be checked: accept the loss once the trail holds more records".to_owned(),
        )),
        removed => removed,
    };
    Ok((report, removed))
}

/// What [`verify`] found. Its `Display` is one line for an operator: `intact: …` or
/// `TAMPERED: file:line: kind: … (checked with <mode>)`, and after a break at the first record's
/// chain value a second line, the [`key_hint`](Report::key_hint).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// The directory checked.
    pub dir: PathBuf,
    /// The files of the trail, in the order they were read.
    pub files: Vec<PathBuf>,
    /// Records whose number and chain value checked out, up to the first break.
    pub records: u64,
    /// The number of the first record present (1 unless retention deleted older files).
    pub first_seq: Option<u64>,
    /// The number of the last record that checked out.
    pub last_seq: Option<u64>,
    /// Whether the chain was checked with a key (HMAC-SHA256) or without (SHA-256).
    pub keyed: bool,
    /// The record number the seal names; `None` without a seal (truncation of the tail then
    /// goes unnoticed).
    pub seal: Option<u64>,
    /// The active file ends in part of a line: a write cut short by a crash, never acknowledged.
    pub torn_tail: bool,
    /// The first break, `None` when the trail is intact.
    pub first_break: Option<Break>,
    /// When the first break is the first record's chain value: a sentence on the other
    /// explanation, verifying with another key than the trail was written with.
    pub key_hint: Option<&'static str>,
    /// Removed files whose loss an `audit_gap_accepted` record accounts for (see
    /// [`accept_gap`](super::accept_gap)), in the order of the trail: no break, the chain
    /// goes on from the record after each.
    pub accepted_gaps: Vec<AcceptedGap>,
}

/// The hint when the first record does not check out, with or without a key.
const HINT_SET_KEY: &str =
    "hint: if this trail was written with LOGFIX_AUDIT_KEY, set it to the same key and verify again";

/// The hint when the first record does not check out with the key, but does without one.
const HINT_NO_KEY: &str = "hint: the first record checks out with SHA-256 and no key: this \
    trail was written without LOGFIX_AUDIT_KEY, or rewritten by someone who does not hold the key";

impl Report {
    /// Whether the trail is intact: no break was found.
    #[must_use]
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(b) = &self.first_break {
            let mode = if self.keyed { "HMAC-SHA256, keyed" } else { "SHA-256, no key" };
            write!(f, "TAMPERED: {b} (checked with {mode})")?;
            if let Some(hint) = self.key_hint {
                write!(f, "\n{hint}")?;
            }
            return Ok(());
        }
        let algorithm = if self.keyed { "HMAC-SHA256 (keyed)" } else { "SHA-256 (no key)" };
        let files = self.files.len();
        write!(f, "intact: {} records", self.records)?;
        if let (Some(first), Some(last)) = (self.first_seq, self.last_seq) {
            write!(f, " ({first} to {last}")?;
            for gap in &self.accepted_gaps {
                let missing = missing(gap.first_missing, gap.last_missing);
                write!(f, "; {missing}, accepted: {}", gap.reason)?;
            }
            f.write_str(")")?;
        }
        write!(
            f,
            " in {files} file{}, chained with {algorithm}",
            if files == 1 { "" } else { "s" }
        )?;
        match self.seal {
            Some(seq) => write!(f, "; sealed at record {seq}")?,
            None => f.write_str("; no seal: truncation of the tail cannot be detected")?,
        }
        if self.torn_tail {
            f.write_str(
                "; the last line is cut short (a write interrupted by a crash, never acknowledged)",
            )?;
        }
        Ok(())
    }
}

/// Where the chain breaks, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Break {
    /// The file.
    pub file: PathBuf,
    /// The 1-based line in the file (decompressed, for a `.gz`).
    pub line: u64,
    /// What was done to the trail, as far as the chain can tell.
    pub kind: BreakKind,
    /// What was expected and found there.
    pub detail: String,
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}: {}", self.file.display(), self.line, self.kind, self.detail)
    }
}

/// The kinds of break [`verify`] tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BreakKind {
    /// A record's content (or number, or chain value) was changed, or a line is not a record.
    Edited,
    /// A line was added that the chain does not account for.
    Inserted,
    /// Records are missing within a file.
    Deleted,
    /// Records are out of order.
    Reordered,
    /// A whole file is missing: the records that should open a file (or the trail) are not there.
    FileRemoved,
    /// Records at the end of the trail are missing: the seal names a later record.
    Truncated,
    /// The seal is missing or damaged: truncation of the tail cannot be ruled out.
    SealMissing,
}

impl fmt::Display for BreakKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BreakKind::Edited => "record edited",
            BreakKind::Inserted => "record inserted",
            BreakKind::Deleted => "records deleted",
            BreakKind::Reordered => "records reordered",
            BreakKind::FileRemoved => "file removed",
            BreakKind::Truncated => "tail truncated",
            BreakKind::SealMissing => "seal missing",
        })
    }
}

/// The first record present when it is not record 1: only a retention record can vouch for it.
struct Head {
    seq: u64,
    chain: Digest,
    body: Vec<u8>,
    file: PathBuf,
    line: u64,
    vouched: bool,
}

/// The state of a verification, record after record.
struct Walk<'c> {
    chain: &'c Chain,
    seal: Option<SealState>,
    /// The last record that checked out: its number and chain value.
    last: Option<(u64, Digest)>,
    head: Option<Head>,
    /// The last record of each file checked so far: its number and chain value.
    file_ends: Vec<(u64, Digest)>,
    first_seq: Option<u64>,
    records: u64,
    /// The chain value of the record the seal names, once seen, and where it is.
    at_seal: Option<(Digest, PathBuf, u64)>,
    torn_tail: bool,
    first_break: Option<Break>,
    /// Set when the first record checked against the chain does not check out.
    key_hint: Option<&'static str>,
    /// Files starting beyond the record due, in order: each a break unless an acceptance
    /// record further on names it, so the walk goes on past them meanwhile.
    gaps: Vec<Gap>,
    /// The acceptance records read, with where they are.
    claims: Vec<(Claim, PathBuf, u64)>,
    /// The trail's starts that retention records name, as read.
    starts: Vec<u64>,
    /// The gaps that acceptance records account for, in the order of the trail.
    accepted: Vec<AcceptedGap>,
    /// Set by [`Walk::finish`] when the first break is a removed file.
    removed: Acceptable,
    /// Records checked against the record before them: what shows that the key is the
    /// trail's (a record after a gap, or a trail's first, is taken as it is).
    linked: u64,
}

/// Records missing where a file starts (the file before it removed), and the record after
/// them, whose own chain value is what an acceptance must name: the one before it is lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Removed {
    pub(crate) first_missing: u64,
    pub(crate) last_missing: u64,
    pub(crate) resume_chain: Digest,
    /// Where the record after the gap is.
    pub(crate) file: PathBuf,
    pub(crate) line: u64,
}

/// A removed file found on the way, and what the report says if nothing accepts it.
struct Gap {
    removed: Removed,
    detail: String,
    /// What had checked out before it.
    records: u64,
    last: Option<(u64, Digest)>,
}

impl<'c> Walk<'c> {
    fn new(chain: &'c Chain, seal: Option<SealState>) -> Self {
        Self {
            chain,
            seal,
            last: None,
            head: None,
            file_ends: Vec::new(),
            first_seq: None,
            records: 0,
            at_seal: None,
            torn_tail: false,
            first_break: None,
            key_hint: None,
            gaps: Vec::new(),
            claims: Vec::new(),
            starts: Vec::new(),
            accepted: Vec::new(),
            removed: None,
            linked: 0,
        }
    }

    /// A rotated file left beside its compressed copy (a crash between the copy's completion
    /// and the file's removal): the copy must say the same, or it was changed.
    fn twin(&mut self, path: &Path, text: &[u8]) -> Result<(), AuditError> {
        let gz = rotate::gz(path);
        if path.extension().is_some_and(|e| e == "gz") || !gz.exists() {
            return Ok(());
        }
        let copy = match read_file(&gz) {
            Ok(copy) => copy,
            Err(Damaged { text, content: true, .. }) => text,
            Err(Damaged { error, .. }) => return Err(AuditError::io(&gz, &error)),
        };
        if copy != text {
            let same = copy.iter().zip(text).take_while(|(a, b)| a == b).count();
            let line = count_lines(copy.get(..same).unwrap_or_default()) + 1;
            let detail = "the compressed copy of a rotated file differs from the file".to_owned();
            self.broke(&gz, line, BreakKind::Edited, detail);
        }
        Ok(())
    }

    fn broke(&mut self, file: &Path, line: u64, kind: BreakKind, detail: String) {
        self.first_break.get_or_insert(Break { file: file.to_owned(), line, kind, detail });
    }

    /// The number the next record must have, and the chain value it follows.
    fn expected(&self) -> (u64, Digest) {
        self.last.map_or((1, GENESIS), |(seq, chain)| (seq.saturating_add(1), chain))
    }

    /// Whether `line` is record `seq` and follows `prev`.
    fn links(&self, line: Option<&[u8]>, seq: u64, prev: &Digest) -> bool {
        line.and_then(chain::parse)
            .is_some_and(|p| p.seq == seq && self.chain.next(prev, p.body) == p.chain)
    }

    /// Checks the lines of file number `index` of the trail.
    fn file(&mut self, path: &Path, index: usize, text: &[u8], last_file: bool) {
        let mut lines: Vec<&[u8]> = text.split(|b| *b == b'\n').collect();
        // What follows the last line end: nothing, or a line cut short.
        if let Some(tail) = lines.pop() {
            if !tail.is_empty() {
                if last_file {
                    self.torn_tail = true;
                } else {
                    lines.push(tail);
                }
            }
        }
        for (i, line) in lines.iter().enumerate() {
            let number = i as u64 + 1;
            let next = lines.get(i + 1).copied();
            let (expected, prev) = self.expected();
            let Some(record) = chain::parse(line) else {
                let (kind, detail) = if self.links(next, expected, &prev) {
                    (BreakKind::Inserted, "a line that is not an audit record".to_owned())
                } else {
                    (
                        BreakKind::Edited,
                        format!(
                            "expected record {expected}, found a line that is not an audit record"
                        ),
                    )
                };
                return self.broke(path, number, kind, detail);
            };
            if self.last.is_none() && record.seq > 1 && self.head.is_none() {
                // The oldest records are gone: a retention record must vouch for this one.
                self.head = Some(Head {
                    seq: record.seq,
                    chain: record.chain,
                    body: record.body.to_vec(),
                    file: path.to_owned(),
                    line: number,
                    vouched: false,
                });
                self.accept(&record, path, number);
                continue;
            }
            let seq = record.seq;
            let found = |what: &str| format!("expected record {expected}, found {what} {seq}");
            let broke = if seq == expected && self.chain.next(&prev, record.body) == record.chain {
                self.linked += 1;
                None
            } else if seq == expected {
                if self.links(next, expected, &prev) {
                    Some((BreakKind::Inserted, found("a copy or forgery of record")))
                } else {
                    // Nothing before it was checked against the chain: a wrong key (or none)
                    // breaks the chain right here too.
                    let first = self.records == u64::from(self.head.is_some());
                    if first && self.first_break.is_none() {
                        let plain = Chain::Plain.next(&prev, record.body) == record.chain;
                        self.key_hint = Some(if self.chain.is_keyed() && plain {
                            HINT_NO_KEY
                        } else {
                            HINT_SET_KEY
                        });
                    }
                    Some((BreakKind::Edited, format!("record {seq}'s chain value does not match its content and the record before it")))
                }
            } else if seq > expected {
                let later = lines
                    .iter()
                    .skip(i + 1)
                    .any(|l| chain::parse(l).is_some_and(|p| p.seq == expected));
                if later {
                    Some((BreakKind::Reordered, found("record")))
                } else if number == 1 && index > 0 {
                    // Accepted or not is known only at the end: the acceptance comes later.
                    self.gaps.push(Gap {
                        removed: Removed {
                            first_missing: expected,
                            last_missing: seq - 1,
                            resume_chain: record.chain,
                            file: path.to_owned(),
                            line: number,
                        },
                        detail: format!("the file starts at record {seq}, the file before it ends at record {}: {}", expected - 1, missing(expected, seq - 1)),
                        records: self.records,
                        last: self.last,
                    });
                    None
                } else {
                    Some((
                        BreakKind::Deleted,
                        format!("{}: {}", found("record"), missing(expected, seq - 1)),
                    ))
                }
            } else if self.links(next, expected, &prev) {
                Some((BreakKind::Inserted, found("a copy of record")))
            } else {
                Some((BreakKind::Reordered, found("record")))
            };
            if let Some((kind, detail)) = broke {
                return self.broke(path, number, kind, detail);
            }
            self.accept(&record, path, number);
        }
    }

    fn accept(&mut self, record: &Parsed<'_>, path: &Path, line: u64) {
        self.last = Some((record.seq, record.chain));
        self.first_seq.get_or_insert(record.seq);
        self.records += 1;
        if self.seal.is_some_and(|s| s.seq == record.seq) {
            self.at_seal = Some((record.chain, path.to_owned(), line));
        }
        if let Some(claim) = gap::claim(record) {
            self.claims.push((claim, path.to_owned(), line));
        }
        let anchor = retention_anchor(record.body);
        self.starts.extend(anchor.map(|(first_seq, _)| first_seq));
        if let (Some(head), Some((first_seq, first_prev))) = (&mut self.head, anchor) {
            // The record naming the head as the trail's start; or one naming a later start
            // that a file ends just before (left by a retention that stopped half-way): the
            // records before that start, the head's predecessors among them, went by retention.
            let names_head =
                first_seq == head.seq && self.chain.next(&first_prev, &head.body) == head.chain;
            let left_over = first_seq > head.seq
                && self.file_ends.contains(&(first_seq.saturating_sub(1), first_prev));
            if names_head || left_over {
                head.vouched = true;
            }
        }
    }

    /// The first break: one found on the way, else an unexplained start, else the end of the
    /// trail against the seal (`sealed`: its file exists, at `seal_path`).
    fn finish(&mut self, files: &[PathBuf], seal_path: &Path, sealed: bool) -> Option<Break> {
        let mut named = vec![false; self.claims.len()];
        if let Some(removed) = self.unaccepted_gap(&mut named) {
            return Some(removed);
        }
        if let Some(found) = self.first_break.take() {
            return Some(found);
        }
        if files.is_empty() {
            return Some(Break {
                file: seal_path.with_extension(""),
                line: 1,
                kind: BreakKind::FileRemoved,
                detail: self.seal.map_or_else(
                    || "no file of the trail is left, only its seal".to_owned(),
                    |s| {
                        format!("no file of the trail is left, but its seal names record {}", s.seq)
                    },
                ),
            });
        }
        if self.seal.is_none() {
            // The writer keeps a seal beside every trail: without it (or with no valid slot
            // in it) the end of the trail cannot be checked, which is what removing it is for.
            let detail = if sealed {
                "the seal holds no valid slot: truncation of the tail cannot be ruled out"
            } else {
                "the trail's seal is gone: truncation of the tail cannot be ruled out"
            };
            return Some(Break {
                file: seal_path.to_owned(),
                line: 1,
                kind: BreakKind::SealMissing,
                detail: detail.to_owned(),
            });
        }
        if let Some(removed) = self.unaccepted_head(&mut named) {
            return Some(removed);
        }
        if let Some(false_claim) = self.false_claim(&named) {
            return Some(false_claim);
        }
        let seal = self.seal?;
        let last_seq = self.last.map_or(0, |(seq, _)| seq);
        let last_file = files.last().cloned().unwrap_or_default();
        if seal.seq > last_seq {
            return Some(Break {
                line: read_file(&last_file).map_or(0, |t| count_lines(&t)) + 1,
                file: last_file,
                kind: BreakKind::Truncated,
                detail: format!(
                    "the seal names record {}, the trail ends at record {last_seq}",
                    seal.seq
                ),
            });
        }
        match &self.at_seal {
            Some((chain, _, _)) if *chain == seal.chain => None,
            Some((_, file, line)) => Some(Break {
                file: file.clone(),
                line: *line,
                kind: BreakKind::Edited,
                detail: format!("record {}'s chain value is not the one the seal holds: the trail was rewritten from there on", seal.seq),
            }),
            // The seal names a record that is not in the trail: record 0 (never sealed) or one
            // before the first present. It cannot be checked, so it vouches for no end.
            None => Some(Break {
                file: seal_path.to_owned(),
                line: 1,
                kind: BreakKind::SealMissing,
                detail: format!(
                    "the seal names record {}, which is not in the trail (it starts at record {}): truncation of the tail cannot be ruled out",
                    seal.seq,
                    self.first_seq.unwrap_or(0)
                ),
            }),
        }
    }
}

impl Walk<'_> {
    /// Lists the gaps acceptance records account for, up to the first they do not: that one
    /// is the first break, ahead of any found after it, and what was counted past it is not
    /// reported. `named`: the claims that name a gap.
    fn unaccepted_gap(&mut self, named: &mut [bool]) -> Option<Break> {
        for gap in std::mem::take(&mut self.gaps) {
            if let Some(accepted) = self.accept_gap(&gap.removed, named) {
                self.accepted.push(accepted);
                continue;
            }
            (self.records, self.last) = (gap.records, gap.last);
            self.removed = Some(match self.first_break.take() {
                None => Ok(gap.removed.clone()),
                Some(after) => Err(format!(
                    "the first break is a removed file, but the trail breaks again after it ({after}): accepting the loss would not make it verify"
                )),
            });
            let Removed { file, line, .. } = gap.removed;
            return Some(Break { file, line, kind: BreakKind::FileRemoved, detail: gap.detail });
        }
        None
    }

    /// The head (the trail starting after its first record with no retention record
    /// accounting for it) as a break, unless an acceptance record names it; listed if one does.
    fn unaccepted_head(&mut self, named: &mut [bool]) -> Option<Break> {
        if let Some(head) = self.head.as_ref().filter(|h| !h.vouched) {
            // The records from where the trail last started (record 1, or the start the
            // newest retention record before the head names) up to the head.
            let first_missing = self.starts.iter().copied().filter(|s| *s < head.seq).max();
            let removed = Removed {
                first_missing: first_missing.unwrap_or(1),
                last_missing: head.seq - 1,
                resume_chain: head.chain,
                file: head.file.clone(),
                line: head.line,
            };
            if let Some(accepted) = self.accept_gap(&removed, named) {
                self.accepted.insert(0, accepted);
            } else {
                let detail = format!("the trail starts at record {}: {} and no audit_files_deleted record accounts for them", head.seq, missing(removed.first_missing, removed.last_missing));
                let (file, line) = (removed.file.clone(), removed.line);
                self.removed = Some(Ok(removed));
                return Some(Break { file, line, kind: BreakKind::FileRemoved, detail });
            }
        }
        None
    }

    /// The first acceptance record that names no gap of the trail, as a break.
    fn false_claim(&self, named: &[bool]) -> Option<Break> {
        // An acceptance of records the trail holds, or that never were: false, whoever wrote
        // it. One for a gap before the trail's start tells of files retention deleted since.
        let start = self.first_seq.unwrap_or(0);
        let ((claim, file, line), _) =
            self.claims.iter().zip(named).find(|((claim, ..), named)| {
                !**named && claim.last_missing.saturating_add(1) > start
            })?;
        let (seq, resume) = (claim.seq, claim.last_missing.saturating_add(1));
        let missing = missing(claim.first_missing, claim.last_missing);
        Some(Break {
            file: file.clone(),
            line: *line,
            kind: BreakKind::Inserted,
            detail: format!("record {seq} accepts a removed file's loss ({missing}, the trail resuming at record {resume}), but the trail has no such gap"),
        })
    }

    /// The gap `removed` as an acceptance record names it, if one does; marks those in `named`.
    fn accept_gap(&self, removed: &Removed, named: &mut [bool]) -> Option<AcceptedGap> {
        let mut accepted = None;
        for ((claim, ..), named) in self.claims.iter().zip(named) {
            if claim.names(removed.first_missing, removed.last_missing, &removed.resume_chain) {
                *named = true;
                accepted.get_or_insert_with(|| AcceptedGap {
                    file: removed.file.clone(),
                    line: removed.line,
                    first_missing: removed.first_missing,
                    last_missing: removed.last_missing,
                    reason: claim.reason.clone(),
                });
            }
        }
        accepted
    }
}

/// The `first_seq` and `first_prev` of a retention record.
fn retention_anchor(body: &[u8]) -> Option<(u64, Digest)> {
    chain::find(body, RETENTION_HEAD)?;
    Some((chain::number(body, b"\"first_seq\":")?, chain::digest(body, b"\"first_prev\":\"")?))
}

/// The files of the trail `file` in `dir`, oldest first: the rotated files by number (the
/// uncompressed form when a crash left both), then the active file.
pub(crate) fn trail_files(dir: &Path, file: &str) -> io::Result<Vec<PathBuf>> {
    let mut rotated: BTreeMap<u64, PathBuf> = BTreeMap::new();
    let mut active = None;
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name();
        let Some(name) = name.to_str() else { continue };
        if name == file {
            active = Some(dir.join(name));
        } else if let Some((seq, compressed)) = rotate::parse_rotated(file, name) {
            let path = dir.join(name);
            if !compressed || !rotated.contains_key(&seq) {
                rotated.insert(seq, path);
            }
        }
    }
    Ok(rotated.into_values().chain(active).collect())
}

/// The names of the seal files in `dir` (`trail.log.seal`), sorted; none if it cannot be listed.
pub(crate) fn seals(dir: &Path) -> Vec<String> {
    let mut seals: Vec<String> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| {
            name.strip_suffix(".seal").is_some_and(|trail| seal::seal_name(trail) == *name)
                && !name.starts_with('.')
        })
        .collect();
    seals.sort();
    seals
}

/// A file that could not be read whole: what was read, and why it stopped.
pub(crate) struct Damaged {
    pub(crate) text: Vec<u8>,
    pub(crate) error: io::Error,
    /// Whether the content is at fault (a `.gz` that does not decompress), not the reading of
    /// it (a file that cannot be opened or read: an I/O error, not a sign of tampering).
    pub(crate) content: bool,
}

/// The content of a trail file, decompressed when its name ends in `.gz`.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, Damaged> {
    let unreadable = |text, error| Damaged { text, error, content: false };
    let mut file = dir::open_read_regular(path).map_err(|e| unreadable(Vec::new(), e))?;
    let mut text = Vec::new();
    let gz = path.extension().is_some_and(|e| e == "gz");
    let read = if gz {
        MultiGzDecoder::new(file).read_to_end(&mut text)
    } else {
        file.read_to_end(&mut text)
    };
    match read {
        Ok(_) => Ok(text),
        // What the decoder says of bad data; any other kind is the disk's or the system's.
        Err(e)
            if gz
                && matches!(
                    e.kind(),
                    io::ErrorKind::InvalidData
                        | io::ErrorKind::InvalidInput
                        | io::ErrorKind::UnexpectedEof
                ) =>
        {
            Err(Damaged { text, error: e, content: true })
        }
        Err(e) => Err(unreadable(text, e)),
    }
}

/// What [`check_file`] found in a file whose records all link up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileSummary {
    pub(crate) first_seq: u64,
    pub(crate) last_seq: u64,
    pub(crate) last_chain: Digest,
}

/// What is known of the first record of a file that may start the trail, or follow a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Link {
    /// The chain value before it: it must follow that value.
    After(Digest),
    /// Its own chain value, as an acceptance record names it: the value before it is lost
    /// with the gap before it.
    Is(Digest),
}

/// Checks one file: readable whole, every line a record, each following the one before, and
/// the first linked as `link` says for its number (`None`: to nothing). `None` when it is not
/// so, or holds no record.
pub(crate) fn check_file(
    path: &Path,
    chain: &Chain,
    link: impl FnOnce(u64) -> Option<Link>,
) -> Option<FileSummary> {
    let text = read_file(path).ok()?;
    let mut lines = text.strip_suffix(b"\n")?.split(|b| *b == b'\n');
    let first = chain::parse(lines.next()?)?;
    let linked = match link(first.seq)? {
        Link::After(before) => chain.next(&before, first.body) == first.chain,
        Link::Is(own) => own == first.chain,
    };
    if !linked {
        return None;
    }
    let mut summary =
        FileSummary { first_seq: first.seq, last_seq: first.seq, last_chain: first.chain };
    for line in lines {
        let record = chain::parse(line)?;
        if summary.last_seq.checked_add(1) != Some(record.seq)
            || chain.next(&summary.last_chain, record.body) != record.chain
        {
            return None;
        }
        (summary.last_seq, summary.last_chain) = (record.seq, record.chain);
    }
    Some(summary)
}

/// How record `seq` links up when the trail in `files` (oldest first) may start there: after
/// the genesis value for the first record, after the `first_prev` of the newest retention
/// record naming it, or as an acceptance record names it, resuming after records lost from
/// where the trail started (its first record, or the start of the newest retention record
/// naming an earlier one). `None` when nothing accounts for the records before it, or a newer retention record
/// accounts for fewer (records were removed after it without one): what `verify` would report
/// as a removed file.
pub(crate) fn start_of(files: &[PathBuf], seq: u64) -> Option<Link> {
    if seq == 1 {
        return Some(Link::After(GENESIS));
    }
    let mut start = 1;
    'files: for path in files.iter().rev() {
        let text = read_file(path).ok()?;
        for (first_seq, first_prev) in anchors_newest_first(&text) {
            match first_seq.cmp(&seq) {
                core::cmp::Ordering::Equal => return Some(Link::After(first_prev)),
                core::cmp::Ordering::Less => {
                    start = first_seq;
                    break 'files;
                }
                core::cmp::Ordering::Greater => {}
            }
        }
    }
    // An acceptance may come before the retention record (files deleted up to the gap) or
    // after it (a file removed after a retention).
    resumed(&claims(files), start, seq)
}

/// The acceptance records' claims in the trail in `files`.
fn claims(files: &[PathBuf]) -> Vec<Claim> {
    files
        .iter()
        .filter_map(|path| read_file(path).ok())
        .flat_map(|text| {
            text.split(|b| *b == b'\n')
                .filter_map(|line| chain::parse(line).and_then(|record| gap::claim(&record)))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// How record `seq` links up after records lost from `first_missing` on, if one of `claims`
/// accepts that.
fn resumed(claims: &[Claim], first_missing: u64, seq: u64) -> Option<Link> {
    claims
        .iter()
        .find(|c| c.first_missing == first_missing && c.last_missing.checked_add(1) == Some(seq))
        .map(|c| Link::Is(c.resume_chain))
}

/// How record `seq` links up after record `last` of the trail in `files` when it does not
/// follow it: as an acceptance record names it, resuming after the records between them.
pub(crate) fn across_gap(files: &[PathBuf], last: u64, seq: u64) -> Option<Link> {
    let first_missing = last.checked_add(1).filter(|first| *first < seq)?;
    resumed(&claims(files), first_missing, seq)
}

/// The retention records' claims in one file's `text`, newest first.
fn anchors_newest_first(text: &[u8]) -> impl Iterator<Item = (u64, Digest)> + '_ {
    text.split(|b| *b == b'\n')
        .rev()
        .filter_map(|line| chain::parse(line).and_then(|record| retention_anchor(record.body)))
}

/// The newest retention record's claim in the trail in `files` (oldest first): the record that
/// starts the trail and the chain value before it. Read newest first, up to that record.
pub(crate) fn newest_anchor(files: &[PathBuf]) -> Option<(u64, Digest)> {
    files.iter().rev().find_map(|path| anchors_newest_first(&read_file(path).ok()?).next())
}

/// The number of the last record of the file at `path`.
pub(crate) fn last_seq(path: &Path) -> Option<u64> {
    let text = read_file(path).ok()?;
    let last = text.strip_suffix(b"\n")?.rsplit(|b| *b == b'\n').next()?;
    chain::parse(last).map(|record| record.seq)
}

/// "record 8 is missing", "records 8 to 9 are missing".
pub(crate) fn missing(first: u64, last: u64) -> String {
    if first == last {
        format!("record {first} is missing")
    } else {
        format!("records {first} to {last} are missing")
    }
}
