use logfix_runtime::logged;

#[logged(component = "api")]
#[log(level = "debug")]
fn login(user: &str) {
    let _ = user;
}

fn main() {}
