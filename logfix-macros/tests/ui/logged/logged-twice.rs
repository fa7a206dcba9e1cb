use logfix_runtime::logged;

#[logged(component = "api")]
#[logged(component = "api")]
fn login(user: &str) {
    let _ = user;
}

fn main() {}
