use logfix_runtime::logged;

#[logged(component = "api", message = "user {user} logged in")]
fn login(user: &str) {
    let _ = user;
}

fn main() {}
