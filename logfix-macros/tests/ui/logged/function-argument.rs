use logfix_runtime::logged;

#[logged(component = "jobs")]
fn retry(attempts: u8, operation: impl Fn() -> bool) -> bool {
    (0..attempts).any(|_| operation())
}

fn main() {}
