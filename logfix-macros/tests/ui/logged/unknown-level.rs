use logfix_runtime::logged;

#[logged(component = "api", level = "warning")]
fn login(user: &str) {
    let _ = user;
}

fn main() {}
