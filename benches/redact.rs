//! The content scrubber (`redact::scrub`): its throughput on 1 MB of log-like text (clean, and
//! mixed with about one secret in 50 lines), and what scrubbing the text of a bridged event —
//! a 100-byte message and four short string fields — costs against not scrubbing it, in the
//! same run (rounds of both taking turns).
//!
//! `typed` renders a derived event whose fields are all typed, which the scrubber never sees:
//! its cost is compared with the same part built at an earlier commit (see `docs/BENCHMARKS.md`).
//!
//! Run: `cargo bench -p logfix-benches --bench redact`. Results in `docs/BENCHMARKS.md`.
//! `-- NAME` runs one part only: `clean`, `mixed`, `typed`, or one of the messages (`prose`,
//! `colon`, `logfmt`, `secret`); `BENCH_ROUNDS` and `BENCH_EVENTS` make it shorter (e.g. under
//! callgrind).
#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]
#![allow(
    clippy::indexing_slicing,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    reason = "a benchmark binary: failing loudly is what it should do"
)]
#![allow(missing_docs, reason = "a benchmark binary")]

use std::hint::black_box;
use std::time::{Duration, Instant};

use logfix_runtime::redact::scrub::Scrubber;
use logfix_runtime::LogEvent;

/// A derived event whose fields are all typed: numbers, a string, a flag.
#[derive(LogEvent)]
#[log(component = "orders", message = "order {order} placed for {total_cents} cents")]
struct OrderPlaced<'a> {
    order: u64,
    total_cents: i64,
    region: &'a str,
    express: bool,
}

/// Size of the text of the throughput test.
const MEGABYTE: usize = 1_000_000;
/// Timed rounds of each measurement (`BENCH_ROUNDS`); the tenth percentile and the median are
/// reported. Other processes only ever add time, so on a busy machine the tenth percentile is
/// the closer estimate of the cost itself.
const ROUNDS: usize = 101;
/// Events per round of the per-event measurement (`BENCH_EVENTS`): short rounds, so that some
/// run without being interrupted.
const EVENTS: usize = 10_000;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A small deterministic generator (`SplitMix64`), so that every run scrubs the same text.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn token(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..len).map(|_| char::from(ALPHABET[self.below(ALPHABET.len() as u64) as usize])).collect()
    }
}

/// About `MEGABYTE` bytes of log lines; with `secrets`, one line in 50 carries one.
fn log_text(secrets: bool) -> String {
    let mut random = Random(42);
    let mut text = String::with_capacity(MEGABYTE + 200);
    while text.len() < MEGABYTE {
        let n = random.below(100_000);
        let line = match random.below(5) {
            0 => format!(
                "2026-01-15T12:30:{:02}.{:03}Z INFO request completed method=GET path=/api/v1/orders/{n} status=200 duration_ms={}",
                n % 60,
                n % 1000,
                n % 300
            ),
            1 => format!("user ann-{n} logged in from 10.0.{}.{} with role viewer", n % 256, n % 7),
            2 => format!("cache miss for key orders:{n}, fetching from the database"),
            3 => format!("retrying connection to db-{}.internal after error: connection refused", n % 9),
            _ => format!("GET /api/v1/orders?page={}&sort=asc returned {} items in {} ms", n % 40, n % 50, n % 90),
        };
        text.push_str(&line);
        if secrets && random.below(50) == 0 {
            let secret = match random.below(6) {
                0 => format!(" password={}", random.token(12)),
                1 => format!(" Authorization: Bearer {}", random.token(32)),
                2 => " card 4111 1111 1111 1111".to_owned(),
                3 => " key AKIAIOSFODNN7EXAMPLE".to_owned(),
                4 => format!(" token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.{}", random.token(43)),
                _ => format!(" dsn postgres://app:{}@db:5432/orders", random.token(16)),
            };
            text.push_str(&secret);
        }
        text.push('\n');
    }
    text
}

/// The tenth percentile and the median.
fn p10_median(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    (samples[samples.len() / 10], samples[samples.len() / 2])
}

fn throughput(scrubber: &Scrubber<'_>, name: &str, text: &str) {
    let mut found = 0;
    let seconds: Vec<f64> = (0..setting("BENCH_ROUNDS", ROUNDS))
        .map(|_| {
            let start = Instant::now();
            let out = scrubber.scrub(black_box(text));
            let elapsed = start.elapsed();
            found = out.matches("[REDACTED]").count();
            black_box(out);
            elapsed.as_secs_f64()
        })
        .collect();
    let (fast, median) = p10_median(seconds);
    let rate = |seconds: f64| text.len() as f64 / seconds / 1e6;
    println!(
        "{name:>6} 1 MB: {:6.1} MB/s p10, {:6.1} MB/s median; {found} secrets redacted",
        rate(fast),
        rate(median)
    );
}

/// One round: `EVENTS` events of `message` and `fields`, scrubbed or only looked at.
fn round(scrubber: &Scrubber<'_>, message: &str, fields: &[&str; 4], scrub: bool) -> Duration {
    let start = Instant::now();
    for _ in 0..setting("BENCH_EVENTS", EVENTS) {
        let message = black_box(message);
        if scrub {
            black_box(scrubber.scrub(message));
            for field in fields {
                black_box(scrubber.scrub(black_box(field)));
            }
        } else {
            black_box(message);
            for field in fields {
                black_box(black_box(field));
            }
        }
    }
    start.elapsed()
}

fn per_event(scrubber: &Scrubber<'_>, name: &str, message: &str) {
    assert_eq!(message.len(), 100, "{message}");
    let fields = ["acme", "eu-west-1", "GET", "/api/v1/orders"];
    let (mut on, mut off) = (Vec::new(), Vec::new());
    let events = setting("BENCH_EVENTS", EVENTS) as f64;
    for _ in 0..setting("BENCH_ROUNDS", ROUNDS) {
        on.push(round(scrubber, message, &fields, true).as_nanos() as f64 / events);
        off.push(round(scrubber, message, &fields, false).as_nanos() as f64 / events);
    }
    let ((on_p10, on), (off_p10, off)) = (p10_median(on), p10_median(off));
    println!(
        "{name:>6}: scrubbing {on_p10:5.1} ns p10 ({on:5.1} median), not scrubbing {off_p10:3.1} ns ({off:3.1}): {:5.1} ns per event p10 ({:5.1} median)",
        on_p10 - off_p10,
        on - off
    );
}

/// Rendering [`OrderPlaced`] as a JSON line, per event.
fn typed() {
    let (mut samples, events) = (Vec::new(), setting("BENCH_EVENTS", EVENTS));
    for _ in 0..setting("BENCH_ROUNDS", ROUNDS) {
        let start = Instant::now();
        for i in 0..events {
            let event = OrderPlaced {
                order: 8812 + i as u64,
                total_cents: 12_990,
                region: "eu-west-1",
                express: true,
            };
            black_box(logfix_runtime::__private::render_json(black_box(&event)));
        }
        samples.push(start.elapsed().as_nanos() as f64 / events as f64);
    }
    let (p10, median) = p10_median(samples);
    println!(" typed: rendering a typed derived event {p10:5.1} ns p10 ({median:5.1} median)");
}

fn main() {
    let only = std::env::args().nth(1).filter(|arg| !arg.starts_with('-'));
    let run = |name: &str| only.as_deref().is_none_or(|only| only == name);
    let scrubber = Scrubber::default();
    for (name, secrets) in [("clean", false), ("mixed", true)] {
        if run(name) {
            throughput(&scrubber, name, &log_text(secrets));
        }
    }
    if run("typed") {
        typed();
    }
    // A 100-byte message and four short string fields (a bridged `tracing::info!`).
    for (name, message) in [
        ("prose", "GET /api/v1/orders returned 48 items in 35 ms for tenant acme in region eu-west-1, from the cache ok"),
        ("colon", "order placed: 3 items for 129.90 EUR, express shipping to region eu-west-1 for tenant acme today, ok"),
        ("logfmt", "order placed id=8812 items=3 total=129.90 currency=EUR shipping=express region=eu-west-1 user=ann ok"),
        ("secret", "login failed for ann: password=hunter2 rejected by the upstream auth service in 35 ms, attempt 3 / 5"),
    ] {
        if run(name) {
            per_event(&scrubber, name, message);
        }
    }
}
