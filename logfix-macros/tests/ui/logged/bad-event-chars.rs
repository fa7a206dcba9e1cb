use logfix_runtime::logged;

#[logged(component = "api", event = "User Login")]
fn login(user: &str) {
    let _ = user;
}

fn main() {}
