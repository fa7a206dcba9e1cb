use logfix_runtime::logged;

#[logged(component = "api", redact(password))]
fn login(user: &str, #[log(skip)] password: &str) {
    let _ = (user, password);
}

fn main() {}
