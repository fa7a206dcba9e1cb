use logfix_runtime::logged;

#[logged(component = "chat")]
fn send(to: &str, message: &str) {
    let _ = (to, message);
}

fn main() {}
