use logfix_runtime::logged;

#[logged(component = "fs")]
fn store(path: &str, contents: &[u8]) {
    let _ = (path, contents);
}

fn main() {}
