use logfix_runtime::logged;

#[logged(component = "api")]
fn login(#[log(level = "debug")] user: &str) {
    let _ = user;
}

fn main() {}
