use logfix_runtime::logged;

#[logged(component = "api")]
fn login(user: &str, #[log(skip, redact)] email: &str) {
    let _ = (user, email);
}

fn main() {}
