use logfix_runtime::logged;

#[logged(component = "api", skip(emial))]
fn login(user: &str, email: &str) {
    let _ = (user, email);
}

fn main() {}
