use logfix_runtime::logged;

#[logged(component = "api", component = "auth")]
fn login(user: &str) {
    let _ = user;
}

fn main() {}
