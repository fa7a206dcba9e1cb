use logfix_runtime::logged;

#[logged(component = "jobs")]
fn retry<F>(attempts: u8, operation: &mut F) -> bool
where
    F: FnMut() -> bool,
{
    (0..attempts).any(|_| operation())
}

fn main() {}
