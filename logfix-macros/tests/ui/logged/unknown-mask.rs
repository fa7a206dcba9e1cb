use logfix_runtime::logged;

#[logged(component = "auth")]
fn sign_in(#[log(redact = "first4")] card: &str) {
    let _ = card;
}

fn main() {}
