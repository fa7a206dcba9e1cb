//! What this machine's slow states slow down: small kernels taking turns of 20 000 timed calls,
//! so that all of them run under each state, then each kernel's median turn in the turns where
//! the hand-written render ran at its best and in the others (see docs/BENCHMARKS.md).
//!
//! Run: `cargo bench -p logfix-benches --bench machine [-- TURNS]` (100 turns by default).
#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]
#![allow(
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    reason = "a benchmark binary: failing loudly is what it should do"
)]
#![allow(missing_docs, reason = "a benchmark binary")]

use std::hint::black_box;
use std::time::Instant;

use logfix_benches::hand_render;

const TURN: usize = 20_000;

const KERNELS: [&str; 5] = [
    "hand render",
    "Vec pushes (130)",
    "arithmetic (60 steps)",
    "L1 load chain (60)",
    "empty call",
];

/// The p50 of `TURN` timed calls of `call`.
fn turn(mut call: impl FnMut(usize)) -> u64 {
    let mut latencies: Vec<u64> = (0..TURN)
        .map(|i| {
            let t = Instant::now();
            call(i);
            t.elapsed().as_nanos() as u64
        })
        .collect();
    latencies.sort_unstable();
    latencies[TURN / 2]
}

/// 60 dependent multiply-rotate-xor steps: registers only.
#[inline(never)]
fn arithmetic(x: u64) -> u64 {
    (0..60).fold(x, |h, _| h.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(7) ^ 0x55)
}

/// 60 dependent loads from a 256-byte table: the L1 cache's latency.
#[inline(never)]
fn load_chain(next: &[u8; 256], start: u8) -> u8 {
    (0..60).fold(start, |at, _| next[usize::from(at)])
}

/// 130 pushes onto a `Vec` behind a reference: each push stores the length and the next one
/// loads it back, as every append of a rendered line does.
#[inline(never)]
fn pushes(line: &mut Vec<u8>) {
    line.clear();
    for i in 0..130_u8 {
        line.push(i);
    }
}

fn main() {
    let turns: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let mut table = [0_u8; 256];
    for (i, next) in table.iter_mut().enumerate() {
        *next = ((i * 97 + 13) % 256) as u8;
    }
    let stamp = b"2026-11-28T04:39:13.123456Z";
    let mut line = Vec::with_capacity(256);
    let rows: Vec<[u64; 5]> = (0..turns)
        .map(|_| {
            [
                turn(|i| {
                    line.clear();
                    hand_render(&mut line, 42 + i as u64 % 7, stamp);
                    black_box(&line);
                }),
                turn(|_| pushes(black_box(&mut line))),
                turn(|i| {
                    black_box(arithmetic(black_box(i as u64)));
                }),
                turn(|i| {
                    black_box(load_chain(black_box(&table), i as u8));
                }),
                turn(|i| {
                    black_box(i);
                }),
            ]
        })
        .collect();
    // A turn is at the machine's best when the hand render ran within 8 % of its fastest turn.
    let fastest = rows.iter().map(|r| r[0]).min().unwrap_or(0) as f64;
    let (best, slower): (Vec<_>, Vec<_>) = rows.iter().partition(|r| r[0] as f64 <= fastest * 1.08);
    println!(
        "p50 ns of each kernel: median turn at the machine's best ({} turns), in the others ({})",
        best.len(),
        slower.len()
    );
    for (k, name) in KERNELS.iter().enumerate() {
        let median = |turns: &[&[u64; 5]]| {
            let mut v: Vec<u64> = turns.iter().map(|r| r[k]).collect();
            v.sort_unstable();
            v.get(v.len() / 2).copied()
        };
        match (median(&best), median(&slower)) {
            (Some(a), Some(b)) => {
                println!("  {name:<24} {a:>5} {b:>5}  x{:.2}", b as f64 / a as f64);
            }
            (Some(a), None) => println!("  {name:<24} {a:>5}     -"),
            _ => {}
        }
    }
}
