//! The seal: the last sequence number and chain value of the trail, in a file of its own
//! (`audit.log.seal`), updated once the records it names are synced, never backwards.
//!
//! A record removed from the end of the trail leaves no gap in the chain: only something
//! outside the trail can tell. The seal holds two slots of [`SLOT`] bytes, written in turn,
//! each with a checksum, so that a write torn by a crash damages only the slot being written
//! and the other still holds the seal of the commit before. A reader takes the valid slot with
//! the higher number.
//!
//! Each slot is a line of text: `logfix-audit-seal v1 seq=<20 digits> chain=<64 hex> check=<16
//! hex>`, padded with spaces. The check is the first 8 bytes of SHA-256 of the text before it:
//! it detects a torn write, not a forgery (see docs/AUDIT.md).

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::chain::{self, Digest};
use crate::sink::dir;
use crate::sink::file::identity;

/// The size of one slot.
pub(crate) const SLOT: usize = 160;
const MAGIC: &str = "logfix-audit-seal v1";

pub(crate) use crate::file_names::seal_name;

/// What a seal says: the trail's last record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SealState {
    pub(crate) seq: u64,
    pub(crate) chain: Digest,
}

/// The seal file, open for writing.
pub(crate) struct SealFile {
    file: File,
    path: PathBuf,
}

impl SealFile {
    pub(crate) fn open(path: PathBuf, mode: u32) -> io::Result<Self> {
        let file = dir::open_read_write(&path, mode).and_then(dir::regular)?;
        Ok(Self { file, path })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the seal's path no longer names this file (removed, or replaced by another).
    pub(crate) fn replaced(&self) -> bool {
        let Ok(on_disk) = std::fs::symlink_metadata(&self.path) else { return true };
        let open = self.file.metadata().ok();
        identity(&on_disk) != open.as_ref().and_then(identity)
    }

    /// Writes `state` into the slot of its number's parity, unless the seal already names it
    /// or a later record. Not synced: the seal is written after the records it names are on
    /// disk, so a seal lost to a power cut is behind the trail, never ahead of it.
    pub(crate) fn write(&self, state: SealState) -> io::Result<()> {
        // Other processes sharing the trail seal it too, their syncs ending in any order: under
        // the file's lock the look and the write are one step for all of them, and the seal
        // never goes back.
        self.file.lock()?;
        let written = match sealed(&self.file) {
            Ok(Some(newer)) if newer.seq >= state.seq => Ok(()),
            Ok(_) => write_at(&self.file, &slot(state), (state.seq % 2) * SLOT as u64),
            Err(e) => Err(e),
        };
        let _ = self.file.unlock();
        written
    }
}

/// Reads the seal at `path`: `Ok(None)` when there is no seal file or no valid slot in it.
pub(crate) fn read(path: &Path) -> io::Result<Option<SealState>> {
    match dir::open_read_regular(path) {
        Ok(file) => sealed(&file),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The seal in `file`: the valid slot with the higher number.
fn sealed(file: &File) -> io::Result<Option<SealState>> {
    let mut bytes = [0; 2 * SLOT];
    let mut len = 0;
    while let Some(rest) = bytes.get_mut(len..).filter(|rest| !rest.is_empty()) {
        match read_at(file, rest, len as u64) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let read = bytes.get(..len).unwrap_or_default();
    Ok(read.chunks(SLOT).filter_map(parse_slot).max_by_key(|s| s.seq))
}

fn slot(state: SealState) -> [u8; SLOT] {
    let text = format!("{MAGIC} seq={:020} chain={}", state.seq, chain::hex(&state.chain));
    let line = format!("{text} check={}", check(&text));
    let mut slot = [b' '; SLOT];
    for (to, from) in slot.iter_mut().zip(line.bytes()) {
        *to = from;
    }
    if let Some(last) = slot.last_mut() {
        *last = b'\n';
    }
    slot
}

fn parse_slot(slot: &[u8]) -> Option<SealState> {
    let line = core::str::from_utf8(slot).ok()?.trim_end();
    let (text, sum) = line.rsplit_once(" check=")?;
    if sum != check(text) {
        return None;
    }
    let rest = text.strip_prefix(MAGIC)?.strip_prefix(" seq=")?;
    let (seq, chain) = rest.split_once(" chain=")?;
    Some(SealState { seq: seq.parse().ok()?, chain: chain::unhex(chain.as_bytes())? })
}

fn check(text: &str) -> String {
    chain::hex(Sha256::digest(text.as_bytes()).get(..8).unwrap_or_default())
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = file;
    file.seek(SeekFrom::Start(offset))?;
    file.read(buf)
}

#[cfg(unix)]
fn write_at(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

#[cfg(not(unix))]
fn write_at(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    let mut file = file;
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("logfix-seal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_newest_valid_slot_wins_and_a_torn_one_is_ignored() {
        let dir = scratch("slots");
        let path = dir.join(seal_name("audit.log"));
        assert_eq!(read(&path).unwrap(), None, "no file, no seal");
        let seal = SealFile::open(path.clone(), 0o640).unwrap();
        for n in 1..=5_u8 {
            seal.write(SealState { seq: n.into(), chain: [n; 32] }).unwrap();
        }
        assert_eq!(read(&path).unwrap(), Some(SealState { seq: 5, chain: [5; 32] }));
        // A write of seal 6 torn half-way: slot 0 holds half of it.
        let mut torn = slot(SealState { seq: 6, chain: [6; 32] });
        torn[SLOT / 2..].copy_from_slice(&slot(SealState { seq: 4, chain: [4; 32] })[SLOT / 2..]);
        write_at(&seal.file, &torn, 0).unwrap();
        assert_eq!(read(&path).unwrap(), Some(SealState { seq: 5, chain: [5; 32] }));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.lines()
                .nth(1)
                .unwrap()
                .starts_with("logfix-audit-seal v1 seq=00000000000000000005 chain=0505"),
            "{text}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// Two processes sharing a trail each write the seal as their syncs end: one whose sync ends
    /// after the other's later one never takes the seal back.
    #[test]
    fn a_seal_written_by_another_process_never_goes_back() {
        let dir = scratch("shared");
        let path = dir.join(seal_name("audit.log"));
        let (first, second) = (
            SealFile::open(path.clone(), 0o640).unwrap(),
            SealFile::open(path.clone(), 0o640).unwrap(),
        );
        first.write(SealState { seq: 12, chain: [12; 32] }).unwrap();
        second.write(SealState { seq: 10, chain: [10; 32] }).unwrap();
        second.write(SealState { seq: 11, chain: [11; 32] }).unwrap();
        assert_eq!(read(&path).unwrap(), Some(SealState { seq: 12, chain: [12; 32] }));
        second.write(SealState { seq: 13, chain: [13; 32] }).unwrap();
        assert_eq!(read(&path).unwrap(), Some(SealState { seq: 13, chain: [13; 32] }));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
