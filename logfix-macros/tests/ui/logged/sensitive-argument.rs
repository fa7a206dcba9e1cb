use logfix_runtime::logged;

#[logged(component = "api")]
fn login(user: &str, password: &str) {
    let _ = (user, password);
}

fn main() {}
