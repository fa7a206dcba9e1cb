use logfix_runtime::logged;

#[logged(component = "api", mesage = "logged in")]
fn login(user: &str) {
    let _ = user;
}

fn main() {}
