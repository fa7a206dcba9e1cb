use logfix_runtime::logged;

#[logged(component = "api", skip)]
fn login(user: &str) {
    let _ = user;
}

fn main() {}
