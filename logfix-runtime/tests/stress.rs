//! Stress tests of the file pipeline: many threads, many rotations with gzip, and a count of
//! every line read back (decompressed) — none lost, duplicated, corrupt or out of order.

// Helpers outside `#[test]` functions are not covered by clippy.toml's `allow-*-in-tests`: in
// test code a broken expectation must panic with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    reason = "test code: failing loudly is the point; children report to their parent on stdout"
)]

mod common;

use common::{emit_from_threads, file_set, read_back, strangers, Scratch, Seq};
use logfix_runtime::{Compression, Config};

const ROTATE_AT: u64 = 64 * 1024;

#[test]
fn four_threads_lose_duplicate_and_corrupt_nothing_across_rotations() {
    const THREADS: u32 = 4;
    const PER_THREAD: u64 = 250_000;
    let scratch = Scratch::new("stress");
    let logger = Config::new()
        .dir(scratch.path().to_owned())
        .file("app.log")
        .max_file_size(ROTATE_AT)
        // Far more than the ~2 000 rotations: every line must still be there to be counted.
        .max_files(100_000)
        .compression(Compression::Gzip)
        .build();
    emit_from_threads(&logger, THREADS, PER_THREAD);
    logger.shutdown();
    let m = logger.metrics();

    let back = read_back(scratch.path(), "app.log", &[PER_THREAD; THREADS as usize]);
    back.assert_clean();
    // The writer rotates before a write would take the file past the limit.
    back.assert_rotated_at_most(ROTATE_AT);
    let first = back.first.as_ref().unwrap();
    assert_eq!(
        (&first["component"], &first["event"]),
        (&"logfix".into(), &"logging_started".into())
    );
    let own: Vec<_> = back.logfix.iter().map(|l| &l["event"]).collect();
    assert_eq!(own, ["logging_started"], "no failure was reported");

    let set = file_set(scratch.path(), "app.log");
    let rotated: Vec<_> = set.iter().filter(|f| f.rotated.is_some()).collect();
    let compressed = rotated.iter().filter(|f| f.compressed).count() as u64;
    assert!(m.rotations > 0, "{m:?}");
    assert_eq!(rotated.len() as u64, m.rotations, "every rotated file is kept");
    // With thousands of files kept, compression cannot keep up with a rotation every ~2 ms;
    // what shutdown could not wait for stays uncompressed for the next start (its lines were
    // read above all the same).
    assert_eq!(m.compressions, compressed, "{m:?}");
    assert!(compressed > 0, "{m:?}");
    assert_eq!(m.compression_failures, 0, "{m:?}");
    assert!(strangers(scratch.path(), "app.log").is_empty(), "no temporary files are left");
    assert_eq!((m.lost_lines, m.dropped, m.write_errors), (0, 0, 0), "{m:?}");
    assert_eq!(m.lines_written, back.lines, "{m:?}");
    assert_eq!(m.files_deleted, 0, "{m:?}");
}

#[test]
fn retention_keeps_max_files_all_compressed() {
    const MAX_FILES: u32 = 3;
    const EVENTS: u64 = 20_000;
    let scratch = Scratch::new("stress-retention");
    let logger = Config::new()
        .dir(scratch.path().to_owned())
        .file("app.log")
        .max_file_size(ROTATE_AT)
        .max_files(MAX_FILES)
        .compression(Compression::Gzip)
        .build();
    emit_from_threads(&logger, 2, EVENTS / 2);
    // The newest line of all, to find in the active file. With a backlog this large the writer
    // may take lines from the slots before the queue is empty, so the order across threads is
    // only certain across a flush (see docs/OPERATIONS.md).
    logger.flush();
    logger.emit(&Seq { thread: 2, seq: 0 });
    logger.shutdown();
    let m = logger.metrics();

    let set = file_set(scratch.path(), "app.log");
    let rotated: Vec<_> = set.iter().filter(|f| f.rotated.is_some()).collect();
    assert!(m.rotations > u64::from(MAX_FILES) * 3, "many rotations: {m:?}");
    assert_eq!(rotated.len(), MAX_FILES as usize, "{set:?}");
    assert!(rotated.iter().all(|f| f.compressed), "{set:?}");
    assert!(
        strangers(scratch.path(), "app.log").is_empty(),
        "no temporary files are left: {:?}",
        common::names(scratch.path())
    );
    assert_eq!(m.files_deleted, m.rotations - u64::from(MAX_FILES), "{m:?}");
    // A file queued for compression may be deleted by retention before its turn, so not every
    // rotation is compressed; the kept ones are.
    assert!((u64::from(MAX_FILES)..=m.rotations).contains(&m.compressions), "{m:?}");
    assert_eq!(
        (m.compression_failures, m.lost_lines, m.dropped, m.write_errors),
        (0, 0, 0, 0),
        "{m:?}"
    );

    // What is kept is whole: the newest files, every line valid, in order per thread.
    let mut corrupt = common::Corrupt::default();
    let mut last = [None::<u64>; 3];
    let mut newest = None;
    for f in &set {
        let text = common::read_text(&scratch.join(&f.name));
        for line in common::parse_text(&f.name, &text, &mut corrupt) {
            if line["event"] == "seq" {
                let t = usize::try_from(line["thread"].as_u64().unwrap()).unwrap();
                let seq = line["seq"].as_u64().unwrap();
                assert!(last[t] < Some(seq), "thread {t}: {seq} after {:?}", last[t]);
                last[t] = Some(seq);
                newest = Some((t, seq, f.rotated.is_none()));
            }
        }
    }
    assert!(corrupt.0.is_empty(), "{:?}", corrupt.0);
    assert_eq!(newest, Some((2, 0, true)), "the newest line is in the active file");
}
