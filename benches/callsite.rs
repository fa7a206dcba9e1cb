//! What a disabled call site costs with logfix installed, against tracing-subscriber's registry
//! with a level filter measured in the same run, and what an enabled `tracing::info!` of the
//! reference event costs through the bridge (latency and heap allocations per event).
//!
//! Run: `cargo bench -p logfix-benches --bench callsite`. Each side runs in a child process of
//! its own (a process has one global `tracing` subscriber and one `log` logger), several rounds
//! taking turns; the report gives each figure's median over the rounds and logfix's ratio to the
//! reference. `-- logfix` or `-- reference` runs one side once; `-- bridged` the enabled event.
//! The `composed` side is logfix's layer in a subscriber of the program's, with per-layer filters
//! (`-- composed`).
#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]
#![allow(
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a benchmark binary: failing loudly is what it should do"
)]
#![allow(missing_docs, reason = "a benchmark binary")]
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "statistics on counts far below 2^52"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use logfix_runtime::{Config, LogEvent};

/// Counts heap allocations, to show that a bridged event makes none.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
#[allow(unsafe_code, reason = "a global allocator that counts")]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above, with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(LogEvent)]
#[log(component = "auth", level = "trace", message = "user {account_id} logged in")]
struct Disabled {
    account_id: u64,
}

/// Calls in one timed loop; the figure is the loop's time divided by it (one call is far below
/// the timer's resolution).
const CALLS: u64 = 20_000_000;
/// Events of the bridged scenario, after as many again to warm up.
const EVENTS: u64 = 1_000_000;
/// Rounds of both sides, taking turns.
const ROUNDS: usize = 5;

/// The disabled call sites, each timed over `CALLS` calls: nanoseconds per call.
fn disabled_sites(derived: bool) -> Vec<(&'static str, f64)> {
    let per_call = |f: &mut dyn FnMut(u64)| {
        let start = Instant::now();
        for i in 0..CALLS {
            f(black_box(i));
        }
        start.elapsed().as_nanos() as f64 / CALLS as f64
    };
    let mut figures = vec![
        (
            "tracing::trace!",
            per_call(&mut |i| tracing::trace!(target: "auth", account_id = i, "x")),
        ),
        (
            "trace_span! + in_scope",
            per_call(&mut |i| {
                tracing::trace_span!("request", id = i).in_scope(|| black_box(i));
            }),
        ),
        ("log::trace!", per_call(&mut |i| log::trace!(target: "auth", "user {i}"))),
    ];
    if derived {
        figures.push((
            "derived event",
            per_call(&mut |i| logfix_runtime::emit(&Disabled { account_id: i })),
        ));
    }
    figures
}

fn logfix_side() {
    let dir = std::env::temp_dir().join(format!("logfix-bench-callsite-{}", std::process::id()));
    let guard = Config::new().dir(dir.clone()).init();
    for (name, ns) in disabled_sites(true) {
        println!("figure\t{name}\t{ns:.3}");
    }
    drop(guard);
    logfix_runtime::shutdown();
    let _ = std::fs::remove_dir_all(dir);
}

/// logfix's layer in a subscriber the program composes, next to another layer, each with its
/// per-layer filter (`layer().with_filter(filter())`): the set-up that keeps disabled call
/// sites free outside `init()`'s own subscriber.
fn composed_side() {
    use logfix_runtime::bridge::tracing::{filter, layer};
    use tracing_subscriber::layer::{Layer as _, SubscriberExt as _};
    let dir = std::env::temp_dir().join(format!("logfix-bench-composed-{}", std::process::id()));
    let guard = Config::new().dir(dir.clone()).install_bridges(false).init();
    let subscriber = tracing_subscriber::registry().with(layer().with_filter(filter())).with(
        tracing_subscriber::fmt::layer()
            .json()
            .with_writer(std::io::sink)
            .with_filter(tracing_subscriber::filter::LevelFilter::INFO),
    );
    tracing::subscriber::set_global_default(subscriber).expect("no subscriber yet");
    for (name, ns) in disabled_sites(false) {
        println!("figure\t{name}\t{ns:.3}");
    }
    drop(guard);
    logfix_runtime::shutdown();
    let _ = std::fs::remove_dir_all(dir);
}

fn reference_side() {
    use tracing_subscriber::layer::SubscriberExt;
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::filter::LevelFilter::INFO)
        .with(tracing_subscriber::fmt::layer().json().with_writer(std::io::sink));
    tracing::subscriber::set_global_default(subscriber).expect("no subscriber yet");
    // `log` with a logger that filters at `info`, as env_logger and others set it.
    log::set_max_level(log::LevelFilter::Info);
    for (name, ns) in disabled_sites(false) {
        println!("figure\t{name}\t{ns:.3}");
    }
}

/// The reference event through `tracing::info!` into logfix: latency percentiles and heap
/// allocations per event once warm.
fn bridged() {
    let dir = std::env::temp_dir().join(format!("logfix-bench-bridged-{}", std::process::id()));
    let guard = Config::new().dir(dir.clone()).max_file_size(100_000_000_000).init();
    let event = |i: u64| {
        let account_id = 42 + i % 7;
        tracing::info!(
            name: "user_login",
            target: "auth",
            account_id,
            request_id = "req-7f3a9c",
            path = "/api/items",
            ok = true,
            "user {account_id} logged in"
        );
    };
    for i in 0..EVENTS {
        event(i);
    }
    let mut latencies = Vec::with_capacity(EVENTS as usize);
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for i in 0..EVENTS {
        let start = Instant::now();
        event(i);
        latencies.push(start.elapsed().as_nanos() as u64);
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    drop(guard);
    logfix_runtime::shutdown();
    let _ = std::fs::remove_dir_all(dir);
    latencies.sort_unstable();
    let at = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize];
    println!("the reference event through tracing::info! into logfix, 1 producer");
    println!("  latency p50       {} ns", at(0.50));
    println!("  latency p99       {} ns", at(0.99));
    println!("  latency p99.9     {} ns", at(0.999));
    println!(
        "  heap allocations  {:.4} per event ({allocations} in {EVENTS} events, the writer's included)",
        allocations as f64 / EVENTS as f64
    );
}

fn child(side: &str) -> Vec<(String, f64)> {
    let out = Command::new(std::env::current_exe().expect("own path"))
        .arg(side)
        .output()
        .expect("child runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut parts = l.strip_prefix("figure\t")?.split('\t');
            Some((parts.next()?.to_owned(), parts.next()?.parse().ok()?))
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    match std::env::args().skip(1).find(|a| !a.starts_with('-')).as_deref() {
        Some("logfix") => return logfix_side(),
        Some("reference") => return reference_side(),
        Some("composed") => return composed_side(),
        Some("bridged") => return bridged(),
        Some(other) => panic!("unknown scenario {other}"),
        None => {}
    }
    let mut ours: Vec<Vec<(String, f64)>> = Vec::new();
    let mut theirs: Vec<Vec<(String, f64)>> = Vec::new();
    let mut composed: Vec<Vec<(String, f64)>> = Vec::new();
    for _ in 0..ROUNDS {
        ours.push(child("logfix"));
        theirs.push(child("reference"));
        composed.push(child("composed"));
    }
    let of = |rounds: &[Vec<(String, f64)>], name: &str| {
        median(rounds.iter().filter_map(|r| r.iter().find(|f| f.0 == name)).map(|f| f.1).collect())
    };
    println!("disabled call sites, ns per call, median of {ROUNDS} rounds taking turns");
    println!(
        "  {:<24} {:>8} {:>14} {:>7} {:>9} {:>7}",
        "call site", "logfix", "registry+level", "ratio", "composed", "ratio"
    );
    let reference_trace = of(&theirs, "tracing::trace!");
    for (name, _) in &ours[0] {
        let us = of(&ours, name);
        // The derived event has no tracing counterpart: compared with a disabled trace!.
        let them = if name == "derived event" { reference_trace } else { of(&theirs, name) };
        print!("  {name:<24} {us:>8.3} {them:>14.3} {:>7.2}", us / them);
        if name == "derived event" {
            println!();
        } else {
            let with_filters = of(&composed, name);
            println!(" {with_filters:>9.3} {:>7.2}", with_filters / them);
        }
    }
    println!();
    bridged();
}
