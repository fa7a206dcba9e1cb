//! Writes a realistic log directory for measuring `logfix` on large logs: the lines of a web
//! service (access events, handler, database, cache and bridged `tracing` lines, a few warnings
//! and errors, each request's lines sharing a `request_id`), rotated every 100 MB as the
//! runtime rotates them (`app.log.<UTC time>`), the rotated files gzip-compressed at the
//! runtime's level, and the rest in the active `app.log`. Threads' lines are interleaved a
//! little out of order, as the writer leaves them under load. The same arguments give the same
//! files.
//!
//! ```sh
//! cargo run --release -p logfix-cli --example generate_logs -- /tmp/logfix-bench 1000   # ~1 GB of lines
//! ```
//!
//! It prints two request ids to query: a typical request (a handful of lines in one file), and
//! a long-running job whose lines are spread over every file.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;

const ROTATE_AT: usize = 100_000_000;
/// 2026-11-28T00:00:00Z in microseconds since the epoch.
const START: u64 = 1_795_824_000_000_000;

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "/tmp/logfix-bench".to_owned()));
    let megabytes: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    std::fs::create_dir_all(&dir)?;

    let mut random = Random(0x2545_f491_4f6c_dd1d);
    let mut now = START;
    let mut file = Vec::with_capacity(ROTATE_AT + 1_000_000);
    let mut written = 0;
    let mut request = 0u64;
    let mut typical = None;
    let mut lines = Vec::new();
    while written < megabytes * 1_000_000 {
        request += 1;
        let id = format!("{:016x}-{:08x}", random.next(), request);
        if request == 250_000 {
            typical = Some(id.clone());
        }
        request_lines(&mut lines, &mut random, &mut now, &id, request);
        // Threads' lines reach the file up to a batch apart: swap neighbours now and then.
        for pair in lines.chunks_mut(2) {
            if random.below(8) == 0 {
                pair.reverse();
            }
        }
        for line in lines.drain(..) {
            written += line.len() + 1;
            file.extend_from_slice(line.as_bytes());
            file.push(b'\n');
        }
        if file.len() >= ROTATE_AT {
            rotate(&dir, &file, now)?;
            file.clear();
        }
    }
    File::create(dir.join("app.log"))?.write_all(&file)?;
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{} MB of lines in {}", written / 1_000_000, dir.display())?;
    writeln!(stdout, "a typical request: {}", typical.unwrap_or_default())?;
    writeln!(stdout, "a job spread over every file: job-0001")?;
    Ok(())
}

/// Writes `lines` as a rotated, compressed file named after the time `now`.
fn rotate(dir: &Path, lines: &[u8], now: u64) -> io::Result<()> {
    let name = format!("app.log.{}.gz", stamp(now).replace(['-', ':'], ""));
    let mut gz = GzEncoder::new(
        BufWriter::new(File::create(dir.join(name))?),
        flate2::Compression::default(),
    );
    gz.write_all(lines)?;
    gz.finish()?.flush()
}

/// The lines of one request, and every 1000th request a line of the long-running job.
fn request_lines(lines: &mut Vec<String>, random: &mut Random, now: &mut u64, id: &str, n: u64) {
    let user = random.below(50_000);
    let item = random.below(10_000);
    let mut at = |step: u64, random: &mut Random| {
        *now += 20 * (step + random.below(step));
        stamp(*now)
    };
    let context = format!(
        r#""request_id":"{id}","correlation_id":"{id}","user_id":"u-{user}","trace_id":"{:016x}{:016x}","span_id":"{:016x}""#,
        random.next(),
        random.next(),
        random.next()
    );
    lines.push(format!(
        r#"{{"timestamp":"{}","level":"debug","component":"shop::cache","event":"tracing","message":"item cache miss",{context},"hit":false,"item":{item}}}"#,
        at(40, random)
    ));
    lines.push(format!(
        r#"{{"timestamp":"{}","level":"info","component":"db.pool","event":"query","message":"SELECT items by id in {} us",{context},"rows":{},"duration_us":{}}}"#,
        at(60, random),
        random.below(3000),
        random.below(20),
        random.below(3000)
    ));
    if random.below(40) == 0 {
        lines.push(format!(
            r#"{{"timestamp":"{}","level":"warn","component":"db.pool","event":"slow_query","message":"query took {} ms",{context},"sql":"SELECT * FROM items WHERE id = $1 AND tenant = $2","threshold_ms":250}}"#,
            at(60, random),
            250 + random.below(2000)
        ));
    }
    let status = if random.below(200) == 0 { 500 } else { 200 };
    if status == 500 {
        lines.push(format!(
            r#"{{"timestamp":"{}","level":"error","component":"payments","event":"charge_failed","message":"charge failed for order A-{item}",{context},"order_id":"A-{item}","amount_cents":{},"error":"card declined: insufficient funds","source":"gateway returned 402"}}"#,
            at(80, random),
            random.below(100_000)
        ));
    }
    lines.push(format!(
        r#"{{"timestamp":"{}","level":"info","component":"auth","event":"user_login","message":"user {user} logged in",{context},"email":"[REDACTED]","method":"password"}}"#,
        at(30, random)
    ));
    lines.push(format!(
        r#"{{"timestamp":"{}","level":"info","component":"http","event":"request","message":"GET /api/items/{item} {status}",{context},"method":"GET","route":"/api/items/:id","path":"/api/items/{item}","query":"page=1&token=[REDACTED]","status":{status},"duration_us":{},"bytes":{},"client":"10.0.{}.{}:{}","user_agent":"Mozilla/5.0 (X11; Linux x86_64) shop-client/2.3","panicked":false}}"#,
        at(50, random),
        random.below(20_000),
        random.below(50_000),
        random.below(256),
        random.below(256),
        30_000 + random.below(30_000)
    ));
    if n.is_multiple_of(1000) {
        lines.push(format!(
            r#"{{"timestamp":"{}","level":"info","component":"jobs.reindex","event":"progress","message":"reindexed {n} items","request_id":"job-0001","done":{n}}}"#,
            at(10, random)
        ));
    }
}

/// `2026-11-28T04:39:13.123456Z` for microseconds since the epoch (days from Howard Hinnant's
/// `civil_from_days`, <https://howardhinnant.github.io/date_algorithms.html>).
fn stamp(micros: u64) -> String {
    let (days, in_day) = (micros / 86_400_000_000, micros % 86_400_000_000);
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    let seconds = in_day / 1_000_000;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        in_day % 1_000_000
    )
}

/// xorshift64*: enough for varied, repeatable fields.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
