//! Audit trail benchmark: `audit()` latency (p50, p99) and throughput with 1, 4 and 16 threads,
//! against a plain `write` + `fdatasync` per record (each thread on its own, one file shared
//! through `O_APPEND`), measured in the same run, in the same directory, alternating.
//!
//! Run: `cargo bench -p logfix-benches --bench audit`. `BENCH_SECS` (default 3) is how long
//! each measurement runs, `BENCH_REPEAT` (default 1) how many rounds, `BENCH_THREADS` (default
//! `1,4,16`) the numbers of threads; `BENCH_DIR` the directory
//! (default: the system temp directory, which must be on a real disk for the figures to mean
//! anything: on tmpfs `fdatasync` does nothing).
//!
//! Each row also prints a ceiling for callers that each wait for a sync of their own record:
//! every call lasts at least one sync, and no sync in the run was faster than the baseline's
//! fastest call, so `threads` callers finish at most `threads` calls in that time. It is loose
//! (the fastest sync, not the typical one); docs/BENCHMARKS.md says what else bounds a group
//! commit on one disk.
#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]
#![allow(
    clippy::expect_used,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a benchmark binary: failing loudly is what it should do"
)]
#![allow(missing_docs, reason = "a benchmark binary")]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use logfix_runtime::{Compression, Config, LogEvent};

#[derive(LogEvent)]
#[log(component = "admin", message = "{admin} granted {role} to user {account_id}")]
struct RoleGranted<'a> {
    admin: &'a str,
    account_id: u64,
    role: &'a str,
    request_id: &'a str,
}

/// Latencies of every call, and how long the run took.
struct Run {
    latencies: Vec<Duration>,
    elapsed: Duration,
}

impl Run {
    fn percentile(&mut self, p: f64) -> Duration {
        self.latencies.sort_unstable();
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies.get(index).copied().unwrap_or_default()
    }

    fn throughput(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn fastest(&self) -> Duration {
        self.latencies.iter().min().copied().unwrap_or_default()
    }
}

/// Runs `call` on `threads` threads for `secs`, timing each call.
fn measure(threads: usize, secs: Duration, call: impl Fn(usize, u64) + Sync) -> Run {
    let start = Instant::now();
    let deadline = start + secs;
    let per_thread: Vec<Vec<Duration>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let call = &call;
                s.spawn(move || {
                    let mut latencies = Vec::new();
                    let mut n = 0;
                    while Instant::now() < deadline {
                        let before = Instant::now();
                        call(t, n);
                        latencies.push(before.elapsed());
                        n += 1;
                    }
                    latencies
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    Run { latencies: per_thread.concat(), elapsed: start.elapsed() }
}

fn audit(dir: &Path, threads: usize, secs: Duration) -> (Run, u64) {
    let logger = Config::new()
        .dir(dir.to_owned())
        .compression(Compression::None)
        .max_file_size(1 << 40)
        .build();
    let run = measure(threads, secs, |t, n| {
        logger
            .audit(&RoleGranted {
                admin: "ann",
                account_id: n,
                role: "billing-admin",
                request_id: &format!("req-{t}-{n}"),
            })
            .expect("audit");
    });
    logger.shutdown();
    (run, logger.metrics().audit_commits)
}

/// A record as long as an audit record, written and synced on its own by each caller.
fn baseline(dir: &Path, threads: usize, secs: Duration) -> Run {
    let path = dir.join("baseline.log");
    let files: Vec<fs::File> = (0..threads)
        .map(|_| fs::File::options().create(true).append(true).open(&path).expect("baseline file"))
        .collect();
    let line = format!("{{\"pad\":\"{}\"}}\n", "x".repeat(310));
    measure(threads, secs, |t, _| {
        let mut file = files.get(t).expect("file");
        file.write_all(line.as_bytes()).expect("write");
        file.sync_data().expect("fdatasync");
    })
}

fn scratch(name: &str) -> PathBuf {
    let root = std::env::var_os("BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let dir = root.join(format!("logfix-bench-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// `BENCH_THREADS` (comma-separated), or 1, 4 and 16.
fn thread_counts() -> Vec<usize> {
    std::env::var("BENCH_THREADS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect::<Vec<_>>())
        .filter(|counts| !counts.is_empty())
        .unwrap_or_else(|| vec![1, 4, 16])
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    let env = |name: &str, default: u64| {
        std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
    };
    let secs = Duration::from_secs(env("BENCH_SECS", 3));
    let rounds = env("BENCH_REPEAT", 1);
    println!("audit: {} s per measurement, {rounds} round(s)", secs.as_secs());
    println!(
        "  {:<9} {:>11} {:>10} {:>10} {:>12} {:>12}",
        "threads", "what", "p50 µs", "p99 µs", "records/s", "per fsync"
    );
    for _ in 0..rounds {
        for threads in thread_counts() {
            let dir = scratch("audit");
            let (mut ours, commits) = audit(&dir, threads, secs);
            let mut plain = baseline(&dir, threads, secs);
            let per_commit = ours.latencies.len() as f64 / commits.max(1) as f64;
            for (what, run, per) in
                [("audit", &mut ours, per_commit), ("write+fsync", &mut plain, 1.0)]
            {
                println!(
                    "  {threads:<9} {what:>11} {:>10.0} {:>10.0} {:>12.0} {per:>12.1}",
                    micros(run.percentile(0.5)),
                    micros(run.percentile(0.99)),
                    run.throughput()
                );
            }
            let fastest = plain.fastest();
            let ceiling = threads as f64 / fastest.as_secs_f64().max(1e-9);
            println!(
                "  {threads:<9} throughput audit / write+fsync: {:.2}; ceiling {:.2} \
                 ({threads} calls per fastest sync, {:.0} µs: {ceiling:.0} records/s)",
                ours.throughput() / plain.throughput(),
                ceiling / plain.throughput(),
                micros(fastest),
            );
            let _ = fs::remove_dir_all(dir);
        }
    }
}
