//! Durations, bytes, structured values and a level chosen at run time, in a strict crate.
#![deny(clippy::pedantic, unused_qualifications, warnings)]

use std::time::Duration;

use logfix_runtime::{logged, Level, LogEvent};

#[derive(serde::Serialize)]
struct Body {
    user: String,
    items: Vec<u32>,
}

#[derive(LogEvent)]
#[log(component = "api", level = dynamic, message = "handled {digest} in {elapsed_us} us")]
struct Handled<B: AsRef<[u8]>> {
    level: Level,
    elapsed_us: Duration,
    #[log(hex)]
    digest: B,
    #[log(base64)]
    raw: Vec<u8>,
    #[log(serde)]
    body: Body,
    #[log(skip)]
    scratch: Vec<u8>,
}

#[logged(component = "fs", hex(digest))]
fn store(#[log(base64)] contents: &[u8], digest: [u8; 4], #[log(serde)] tags: &[&str]) -> usize {
    contents.len() + digest.len() + tags.len()
}

fn main() {
    let body = Body { user: "ann".to_owned(), items: vec![1] };
    logfix_runtime::emit(&Handled {
        level: Level::Warn,
        elapsed_us: Duration::from_millis(3),
        digest: [1_u8, 2],
        raw: vec![3],
        body,
        scratch: Vec::new(),
    });
    let _ = store(b"abc", [0; 4], &["a"]);
}
