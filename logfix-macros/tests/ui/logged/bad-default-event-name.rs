use logfix_runtime::logged;

#[allow(non_snake_case)]
#[logged(component = "api")]
fn LogIn(user: &str) {
    let _ = user;
}

fn main() {}
