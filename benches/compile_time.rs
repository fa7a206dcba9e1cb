//! What derived events cost at compile time, against the same structs with
//! `#[derive(serde::Serialize)]`, measured side by side in one run.
//!
//! Run: `cargo bench -p logfix-benches --bench compile_time [-- ROUNDS]`. It writes two crates
//! into a temporary directory, each with `EVENTS` structs of five fields (`u64`, `String`,
//! `bool`, `i64`, `f64`): one with `#[derive(logfix_runtime::LogEvent)]` and a message naming
//! two fields, the other with `#[derive(serde::Serialize)]`; each event is used once, as an
//! application would (`logfix_runtime::emit`, or `serde_json::to_vec`), so that what a use
//! instantiates is counted too. Their dependencies are built once;
//! then, in `ROUNDS` rounds taking turns (default 3), each crate is
//!
//! - **rebuilt**: `cargo clean -p` on the crate alone, then `cargo build` (dev profile);
//! - **edited**: one field added to one struct in the middle, then `cargo build` (incremental);
//!   the next round removes it again;
//!
//! and the rlib's size is read. The report gives the median of each figure and the ratio of
//! logfix to serde. `EVENTS=n` changes the number of structs (default 200); `PROFILE=release`
//! builds with `--release` instead; `BENCH_WORKSPACE=dir` measures the logfix checkout in `dir`
//! (e.g. `git archive main | tar -x -C dir`, for a before/after comparison) instead of this one.
#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]
#![allow(
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a benchmark binary: failing loudly is what it should do"
)]
#![allow(missing_docs, reason = "a benchmark binary")]
#![allow(clippy::cast_precision_loss, reason = "sizes and times far below 2^52")]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const DEFAULT_EVENTS: usize = 200;
const DEFAULT_ROUNDS: usize = 3;
/// The struct that the one-field edit changes: one in the middle.
const EDITED: usize = 100;

/// One of the two crates.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Logfix,
    Serde,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Logfix => "events_logfix",
            Kind::Serde => "events_serde",
        }
    }
}

/// The source of one crate, with or without the extra field in struct [`EDITED`].
fn source(kind: Kind, events: usize, extra_field: bool) -> String {
    let mut src = String::from("#![allow(dead_code)]\n\n");
    for i in 0..events {
        match kind {
            Kind::Logfix => {
                let _ = writeln!(
                    src,
                    "#[derive(logfix_runtime::LogEvent)]\n#[log(component = \"svc{}\", message = \"step {{count}} of {{name}} done\")]",
                    i % 10
                );
            }
            Kind::Serde => src.push_str("#[derive(serde::Serialize)]\n"),
        }
        let _ = writeln!(
            src,
            "pub struct Event{i} {{\n    pub count: u64,\n    pub name: String,\n    pub ok: bool,\n    pub delta: i64,\n    pub ratio: f64,"
        );
        if extra_field && i == EDITED.min(events.saturating_sub(1)) {
            src.push_str("    pub extra: u32,\n");
        }
        src.push_str("}\n\n");
    }
    // Every event is used once, as an application would: emitted, or serialized to JSON.
    src.push_str("pub fn use_all(n: u64) {\n");
    for i in 0..events {
        let extra = if extra_field && i == EDITED.min(events.saturating_sub(1)) {
            ", extra: 0"
        } else {
            ""
        };
        let event = format!(
            "Event{i} {{ count: n, name: String::new(), ok: true, delta: -1, ratio: 0.5{extra} }}"
        );
        let _ = match kind {
            Kind::Logfix => writeln!(src, "    logfix_runtime::emit(&{event});"),
            Kind::Serde => writeln!(src, "    let _ = serde_json::to_vec(&{event});"),
        };
    }
    src.push_str("}\n");
    src
}

fn main() {
    let rounds =
        std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(DEFAULT_ROUNDS).max(1);
    let events =
        std::env::var("EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_EVENTS);
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    let here =
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("benches/ is in the workspace");
    let workspace =
        std::env::var_os("BENCH_WORKSPACE").map_or_else(|| here.to_owned(), PathBuf::from);
    let workspace = workspace.as_path();
    let dir = std::env::temp_dir().join(format!("logfix-compile-time-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    write_crates(&dir, workspace, events);

    let build = |kind: Kind| -> Duration {
        let mut cargo = Command::new(env!("CARGO"));
        cargo.current_dir(&dir).args(["build", "--offline", "--quiet", "-p", kind.name()]);
        if release {
            cargo.arg("--release");
        }
        let start = Instant::now();
        let status = cargo.status().expect("cargo runs");
        assert!(status.success(), "building {} failed", kind.name());
        start.elapsed()
    };
    let clean = |kind: Kind| {
        let mut cargo = Command::new(env!("CARGO"));
        cargo.current_dir(&dir).args(["clean", "--offline", "--quiet", "-p", kind.name()]);
        if release {
            cargo.arg("--release");
        }
        assert!(cargo.status().expect("cargo runs").success());
    };
    let lib = |kind: Kind| dir.join(kind.name()).join("src/lib.rs");
    let rlib = |kind: Kind| {
        dir.join("target")
            .join(if release { "release" } else { "debug" })
            .join(format!("lib{}.rlib", kind.name()))
    };

    println!(
        "{events} structs x 5 fields, {} profile, {rounds} rounds",
        if release { "release" } else { "dev" }
    );
    // The dependencies, once, and a first build of each crate.
    for kind in [Kind::Logfix, Kind::Serde] {
        build(kind);
    }
    let (mut rebuild, mut edit, mut size) = ([vec![], vec![]], [vec![], vec![]], [vec![], vec![]]);
    for round in 0..rounds {
        for (i, kind) in [Kind::Logfix, Kind::Serde].into_iter().enumerate() {
            clean(kind);
            rebuild[i].push(build(kind).as_secs_f64());
            size[i].push(std::fs::metadata(rlib(kind)).expect("the rlib exists").len() as f64);
            std::fs::write(lib(kind), source(kind, events, round % 2 == 0))
                .expect("source written");
            edit[i].push(build(kind).as_secs_f64());
        }
        println!(
            "round {}: rebuild {:.2} s / {:.2} s, one-field edit {:.2} s / {:.2} s (logfix / serde)",
            round + 1,
            rebuild[0][round],
            rebuild[1][round],
            edit[0][round],
            edit[1][round]
        );
    }
    let report = |what: &str, unit: &str, scale: f64, figures: &[Vec<f64>; 2]| {
        let (logfix, serde) = (median(&figures[0]) / scale, median(&figures[1]) / scale);
        println!(
            "{what:<16} logfix {logfix:>8.2} {unit}, serde {serde:>8.2} {unit}, {:.2} x",
            logfix / serde
        );
    };
    println!("medians:");
    report("crate rebuild", "s", 1.0, &rebuild);
    report("one-field edit", "s", 1.0, &edit);
    report("rlib", "MB", 1e6, &size);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A workspace with the two crates, on the lock file of logfix's (so that `--offline` finds
/// every dependency already downloaded).
fn write_crates(dir: &Path, workspace: &Path, events: usize) {
    let runtime = workspace.join("logfix-runtime");
    let manifest = |kind: Kind, dependency: &str| {
        format!(
            "[package]\nname = \"{}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{dependency}\n",
            kind.name()
        )
    };
    for (kind, dependency) in [
        (
            Kind::Logfix,
            format!("logfix-runtime = {{ path = {:?} }}", runtime.display().to_string()),
        ),
        (
            Kind::Serde,
            "serde = { version = \"1\", features = [\"derive\"] }\nserde_json = \"1\"".to_owned(),
        ),
    ] {
        let src: PathBuf = dir.join(kind.name()).join("src");
        std::fs::create_dir_all(&src).expect("temporary directory");
        std::fs::write(dir.join(kind.name()).join("Cargo.toml"), manifest(kind, &dependency))
            .expect("manifest written");
        std::fs::write(src.join("lib.rs"), source(kind, events, false)).expect("source written");
    }
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"events_logfix\", \"events_serde\"]\n",
    )
    .expect("workspace manifest written");
    std::fs::copy(workspace.join("Cargo.lock"), dir.join("Cargo.lock")).expect("lock file copied");
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN)
}
