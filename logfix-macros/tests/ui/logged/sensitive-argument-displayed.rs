use logfix_runtime::logged;

// `display` is a way of logging the value, not of hiding it.
#[logged(component = "api")]
fn refresh(#[log(display)] refresh_token: &str) {
    let _ = refresh_token;
}

fn main() {}
