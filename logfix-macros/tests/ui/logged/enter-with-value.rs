use logfix_runtime::logged;

#[logged(component = "api", enter = true)]
fn login(user: &str) {
    let _ = user;
}

fn main() {}
