//! Audit retention's check, away from the trail: which expired files may be deleted. Checking a
//! file means decompressing it and following its chain, which for a busy trail's files takes
//! long enough to hold up every `audit()` call if done under the trail's lock, so it runs on a
//! thread of its own, at the compressor's low priority. The writer then records the trail's new
//! start and deletes the files ([`Plan`]), if they are still as they were when checked.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::SystemTime;

use crossbeam_channel::{Receiver, Sender};

use super::chain::{Chain, Digest};
use super::verify::{self, check_file, Link};
use crate::event::notice::{self, Notice};
use crate::sink::compress;

/// The name of the checking thread.
pub(crate) const THREAD_NAME: &str = "logfix-audit-retention";

/// The writer's side of retention: whether a check is due or running, where its plan comes
/// through, and where the writer's last retention left the start of the trail.
pub(crate) struct Retention {
    pub(crate) due: bool,
    pub(crate) checking: bool,
    /// The first record's number and the chain value before it, as the writer's last retention
    /// left them (`None`: read from the trail).
    pub(crate) start: Option<(u64, Digest)>,
    sender: Sender<Plan>,
    pub(crate) plans: Receiver<Plan>,
    /// Tests: handed to the next check, which waits for a word on it before it reads anything.
    #[cfg(test)]
    pub(crate) hold: Option<Receiver<()>>,
}

impl Retention {
    pub(crate) fn new(due: bool) -> Self {
        let (sender, plans) = crossbeam_channel::bounded(1);
        Self {
            due,
            checking: false,
            start: None,
            sender,
            plans,
            #[cfg(test)]
            hold: None,
        }
    }

    /// Starts the check of `candidates` (the expired compressed files of the trail `name` in
    /// `dir`, oldest first) on a thread of its own, which sends its plan to
    /// [`plans`](Self::plans). `Some`: no thread could be started, and the check ran on this one.
    pub(crate) fn check(
        &mut self,
        dir: &Path,
        name: &str,
        chain: &Chain,
        candidates: Vec<(u64, PathBuf)>,
    ) -> Option<Plan> {
        self.checking = true;
        let check = Check {
            dir: dir.to_owned(),
            name: name.to_owned(),
            chain: chain.clone(),
            candidates,
            start: self.start,
            #[cfg(test)]
            hold: self.hold.take(),
        };
        start(check, self.sender.clone())
    }
}

/// What a check is to check; see [`Retention`].
struct Check {
    dir: PathBuf,
    name: String,
    chain: Chain,
    candidates: Vec<(u64, PathBuf)>,
    start: Option<(u64, Digest)>,
    #[cfg(test)]
    hold: Option<Receiver<()>>,
}

/// What the check found: the files that may go, oldest first, and what to say.
pub(crate) struct Plan {
    pub(crate) doomed: Vec<Doomed>,
    /// The last record of the last file that checked out: the trail's new start follows it.
    /// `None` when only files a retention record already accounts for may go.
    pub(crate) last: Option<(u64, Digest)>,
    /// Why the check stopped at a file, if it did.
    pub(crate) refused: Option<Notice>,
    /// A file was gone when the check came to it: the plan is to be made again.
    pub(crate) vanished: bool,
}

impl Plan {
    /// Whether the files are as they were when checked (none vanished, none changed since).
    pub(crate) fn holds(&self) -> bool {
        !self.vanished && self.doomed.iter().all(Doomed::unchanged)
    }
}

/// A file that may go, and its state when it was checked.
pub(crate) struct Doomed {
    pub(crate) seq: u64,
    pub(crate) path: PathBuf,
    stamp: Stamp,
}

impl Doomed {
    /// Whether the file is as it was when checked: not replaced, written or removed since.
    fn unchanged(&self) -> bool {
        Stamp::of(&self.path).is_ok_and(|now| now == self.stamp)
    }
}

/// What says that a file changed: its identity, length and times. The status-change time moves
/// with any write or change of metadata, and no call sets it.
#[derive(PartialEq, Eq)]
struct Stamp {
    identity: Option<(u64, u64)>,
    len: u64,
    modified: Option<SystemTime>,
    changed: Option<(i64, i64)>,
}

impl Stamp {
    fn of(path: &Path) -> io::Result<Self> {
        let meta = fs::symlink_metadata(path)?;
        #[cfg(unix)]
        let changed = {
            use std::os::unix::fs::MetadataExt;
            Some((meta.ctime(), meta.ctime_nsec()))
        };
        #[cfg(not(unix))]
        let changed = None;
        Ok(Stamp {
            identity: crate::sink::file::identity(&meta),
            len: meta.len(),
            modified: meta.modified().ok(),
            changed,
        })
    }
}

/// Starts `check` on a thread of its own, which sends its plan to `plans`. `Some`: no thread
/// could be started, and the check ran on this one.
fn start(check: Check, plans: Sender<Plan>) -> Option<Plan> {
    let slot = Arc::new(Mutex::new(Some(check)));
    let theirs = Arc::clone(&slot);
    let take =
        |slot: &Mutex<Option<Check>>| slot.lock().unwrap_or_else(PoisonError::into_inner).take();
    let spawned = thread::Builder::new().name(THREAD_NAME.into()).spawn(move || {
        compress::lower_priority();
        if let Some(check) = take(&theirs) {
            // The writer stopped if no one receives: the next start checks again.
            let _ = plans.send(plan(&check));
        }
    });
    match spawned {
        Ok(_) => None,
        Err(_) => take(&slot).map(|check| plan(&check)),
    }
}

/// Checks the candidates oldest first and keeps those that may go: each readable whole, its
/// records linked, the files linked to each other, the first starting where the trail began or
/// where the last retention record says it starts (otherwise files before it were removed by
/// hand, and a retention record naming a later start would hide that from `verify`).
fn plan(check: &Check) -> Plan {
    #[cfg(test)]
    if let Some(hold) = &check.hold {
        let _ = hold.recv();
    }
    let mut doomed = Vec::new();
    let mut last: Option<(u64, Digest)> = None;
    let mut refused = None;
    let mut vanished = false;
    for (seq, path) in check.candidates.iter().cloned() {
        // Taken before the file is read: a change during the check shows when the writer
        // looks again.
        let stamp = match Stamp::of(&path) {
            Ok(stamp) => stamp,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // Gone since the writer listed it (another process's retention, say): the
                // writer lists the files again and checks them again.
                vanished = true;
                break;
            }
            Err(_) => {
                refused = Some(refuse(&path, last.is_none()));
                break;
            }
        };
        let summary = {
            check_file(&path, &check.chain, |first| match last {
                Some((last_seq, last_chain)) if last_seq.checked_add(1) == Some(first) => {
                    Some(Link::After(last_chain))
                }
                // The records between them lost with a removed file, if accepted.
                Some((last_seq, _)) => verify::across_gap(&trail_files(check)?, last_seq, first),
                None => start_of(check, first),
            })
        };
        match summary {
            Some(summary) => last = Some((summary.last_seq, summary.last_chain)),
            // A retention that stopped half-way (a crash, a failed delete) recorded the
            // trail's new start and left this file behind: its record accounts for it.
            None if last.is_none() && left_over(check, &path) => {}
            None => {
                refused = Some(refuse(&path, last.is_none()));
                break;
            }
        }
        doomed.push(Doomed { seq, path, stamp });
    }
    Plan { doomed, last, refused, vanished }
}

/// Why retention stops at the file at `path`; `first`: no file before it checked out.
fn refuse(path: &Path, first: bool) -> Notice {
    let what = if first {
        "the oldest audit file past LOGFIX_AUDIT_MAX_AGE does not check out, or does not start where the trail began or the last audit_files_deleted record says it starts (a file removed by hand?): no file is deleted; check the trail with audit::verify"
    } else {
        "an audit file past LOGFIX_AUDIT_MAX_AGE does not check out: it and the files after it are kept; check the trail with audit::verify"
    };
    Notice::new(&notice::ROTATION_FAILED, what).field("path", path.display().to_string())
}

/// Whether the file at `path` holds only records before the start the newest retention record
/// names: left over by a retention that stopped half-way.
fn left_over(check: &Check, path: &Path) -> bool {
    let start = match check.start {
        Some((start, _)) => Some(start),
        None => verify::trail_files(&check.dir, &check.name)
            .ok()
            .and_then(|files| verify::newest_anchor(&files))
            .map(|(start, _)| start),
    };
    start.is_some_and(|start| verify::last_seq(path).is_some_and(|last| last < start))
}

/// How record `seq` links up if the trail may start there (see [`verify::start_of`]): known
/// from the writer's last retention, or read from the trail.
fn start_of(check: &Check, seq: u64) -> Option<Link> {
    match check.start {
        Some((start, prev)) if start == seq => Some(Link::After(prev)),
        _ => verify::start_of(&trail_files(check)?, seq),
    }
}

fn trail_files(check: &Check) -> Option<Vec<PathBuf>> {
    verify::trail_files(&check.dir, &check.name).ok()
}
