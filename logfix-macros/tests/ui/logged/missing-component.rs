use logfix_runtime::logged;

#[logged]
fn login(user: &str) {
    let _ = user;
}

fn main() {
    login("ann");
}
