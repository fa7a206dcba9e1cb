use logfix_runtime::logged;

#[logged(component = "api")]
fn call(#[log(rename = "apiKey")] key: &str) {
    let _ = key;
}

fn main() {}
