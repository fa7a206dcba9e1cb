use logfix_runtime::logged;

#[logged(component = "api")]
fn login(user: &str, #[log(redacted)] email: &str) {
    let _ = (user, email);
}

fn main() {}
