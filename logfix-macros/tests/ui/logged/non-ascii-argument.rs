use logfix_runtime::logged;

#[logged(component = "shop")]
fn resize(größe: u32) {
    let _ = größe;
}

fn main() {}
