//! File sink benchmarks, through the public API, each figure against a reference measured in
//! the same run:
//!
//! - `retention`: 100 000 events through 64 KiB rotations (about 300 of them), into an empty
//!   directory and into one holding 8 000 rotated files: what a rotation costs with many files.
//! - `compress`: a 100 MB rotated log file compressed by logfix's compression thread, and by
//!   `gzip -6` on the same file.
//!
//! Run: `cargo bench -p logfix-benches --bench sink [-- retention|compress]`.
#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]
#![allow(
    clippy::expect_used,
    clippy::cast_precision_loss,
    reason = "a benchmark binary: failing loudly is what it should do"
)]
#![allow(missing_docs, reason = "a benchmark binary")]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use logfix_runtime::{Compression, Config, LogEvent, Logger};

#[derive(LogEvent)]
#[log(component = "auth", message = "user {account_id} logged in")]
struct UserLogin<'a> {
    account_id: u64,
    request_id: &'a str,
    path: &'a str,
    ok: bool,
}

/// Emits `n` events whose ids and paths vary as in a real service (xorshift), so that the
/// file compresses like a real log, not like one line repeated.
fn emit(logger: &Logger, n: u64) {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for _ in 0..n {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let request_id = format!("req-{:08x}", state >> 32);
        let path = format!("/api/items/{}", state % 5_000);
        logger.emit(&UserLogin {
            account_id: state % 100_000,
            request_id: &request_id,
            path: &path,
            ok: true,
        });
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("logfix-bench-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// Emits 100 000 events through 64 KiB rotations into `dir`, holding `present` rotated files
/// at the start; returns the time the producer spent in `emit` and the time until every line
/// was written.
fn rotate_through(dir: &Path, present: u64) -> (Duration, Duration) {
    for seq in 1..=present {
        fs::write(dir.join(format!("app.log.{seq:08}")), [b'x'; 1024]).expect("rotated file");
    }
    let logger = Config::new()
        .dir(dir.to_owned())
        .max_file_size(64 * 1024)
        .max_files(10_000)
        .compression(Compression::None)
        .build();
    let start = Instant::now();
    emit(&logger, 100_000);
    let emitted = start.elapsed();
    logger.shutdown();
    let total = start.elapsed();
    let m = logger.metrics();
    assert_eq!(m.lost_lines + m.dropped + m.stderr_lines, 0, "{m:?}");
    println!("  {present:>5} rotated files present: {} rotations", m.rotations);
    (emitted, total)
}

fn retention() {
    println!("retention: 100 000 events, 1 producer, 64 KiB rotations, no compression");
    for present in [0, 8_000, 0, 8_000] {
        let dir = scratch("retention");
        let (emitted, total) = rotate_through(&dir, present);
        println!(
            "  {present:>5} files: {:.2} s until written, producer in emit {:.2} s",
            total.as_secs_f64(),
            emitted.as_secs_f64()
        );
        let _ = fs::remove_dir_all(dir);
    }
}

fn compress() {
    const SIZE: u64 = 100_000_000;
    let dir = scratch("compress");
    // A rotated file of logfix's own lines, left uncompressed as if by a crash: the next start
    // compresses it, and shutdown waits for that.
    let logger = Config::new()
        .dir(dir.clone())
        .max_file_size(2 * SIZE)
        .compression(Compression::None)
        .build();
    while logger.metrics().bytes_written < SIZE {
        emit(&logger, 100_000);
        logger.flush();
    }
    logger.shutdown();
    let rotated = dir.join("app.log.00000001");
    fs::rename(dir.join("app.log"), &rotated).expect("rename");
    let size = fs::metadata(&rotated).expect("rotated file").len();
    // Once to read the file into the page cache for both.
    let copy = dir.join("copy");
    fs::copy(&rotated, &copy).expect("copy");

    let gz = dir.join("gzip.gz");
    let start = Instant::now();
    let status = Command::new("gzip")
        .args(["-6", "-c"])
        .arg(&copy)
        .stdout(Stdio::from(fs::File::create(&gz).expect("gzip output")))
        .status()
        .expect("gzip -6");
    let gzip = start.elapsed();
    assert!(status.success());
    let gzip_size = fs::metadata(&gz).expect("gzip output").len();

    let start = Instant::now();
    let logger = Config::new().dir(dir.clone()).compression(Compression::Gzip).build();
    logger.shutdown();
    let ours = start.elapsed();
    assert_eq!(logger.metrics().compressions, 1, "the rotated file was compressed");
    let ours_size = fs::metadata(dir.join("app.log.00000001.gz")).expect("our .gz").len();

    let mb = size as f64 / 1e6;
    println!("compress: a {mb:.0} MB rotated file of logfix lines");
    println!(
        "  gzip -6: {:.2} s, {:.0} MB/s, {:.1} MB",
        gzip.as_secs_f64(),
        mb / gzip.as_secs_f64(),
        gzip_size as f64 / 1e6
    );
    println!(
        "  logfix:  {:.2} s, {:.0} MB/s, {:.1} MB (start-up, compression, fsync, shutdown)",
        ours.as_secs_f64(),
        mb / ours.as_secs_f64(),
        ours_size as f64 / 1e6
    );
    println!("  speed against gzip -6: {:.2}", gzip.as_secs_f64() / ours.as_secs_f64());
    let _ = fs::remove_dir_all(dir);
}

fn main() {
    let which: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let run = |name: &str| which.is_empty() || which.iter().any(|w| w == name);
    if run("retention") {
        retention();
    }
    if run("compress") {
        compress();
    }
}
