//! `not_sensitive` on an argument whose name only looks like a secret, in both forms, and
//! `redact` keeping a sensitive value out.
use logfix_runtime::logged;

#[logged(component = "auth")]
fn rotate(#[log(not_sensitive)] token_ttl_secs: u64, #[log(redact)] new_token: &str) -> bool {
    token_ttl_secs > 0 && !new_token.is_empty()
}

#[logged(component = "auth", not_sensitive(password_min_length))]
fn policy(password_min_length: usize) -> usize {
    password_min_length
}

fn main() {
    assert!(rotate(60, "t"));
    assert_eq!(policy(12), 12);
}
