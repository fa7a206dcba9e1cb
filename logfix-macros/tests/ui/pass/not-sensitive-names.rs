//! Names that only look like a sensitive one compile untagged: other words that contain its
//! letters (`pinned`, `span`, `company`), and words next to a measure word (`token_count`).
#![deny(warnings)]

use logfix_runtime::__private::render_json;
use logfix_runtime::{logged, LogEvent};

#[derive(LogEvent)]
#[log(component = "jobs", message = "{company} pinned {token_count} tokens")]
struct Pinned {
    token_count: u32,
    max_tokens: u32,
    token_type: &'static str,
    password_min_length: usize,
    pinned: bool,
    span: u64,
    panic: bool,
    company: &'static str,
    session: u64,
    key: &'static str,
    #[log(rename = "cardHolderNumberType")]
    card_holder_number_type: &'static str,
}

#[logged(component = "jobs")]
fn schedule(token_count: u32, pinned: bool, span: u64, panic: bool, company: &str) -> u32 {
    let _ = (pinned, span, panic, company);
    token_count
}

fn main() {
    let line = render_json(&Pinned {
        token_count: 3,
        max_tokens: 8,
        token_type: "bearer",
        password_min_length: 12,
        pinned: true,
        span: 4,
        panic: false,
        company: "acme",
        session: 9,
        key: "k",
        card_holder_number_type: "visa",
    });
    assert!(line.contains(r#""message":"acme pinned 3 tokens","token_count":3,"max_tokens":8"#));
    assert!(line.ends_with(r#""key":"k","cardHolderNumberType":"visa"}"#), "{line}");
    assert_eq!(schedule(3, true, 4, false, "acme"), 3);
}
