use logfix_runtime::logged;

// Only the missing component is reported: the function is still there for its callers, and the
// `#[log(...)]` on its argument is not reported as an unknown attribute.
#[logged]
fn login(user: &str, #[log(redact)] email: &str) -> Result<u64, String> {
    let _ = (user, email);
    Ok(1)
}

fn main() {
    let id: Result<u64, String> = login("ann", "ann@example.com");
    let _ = id;
}
