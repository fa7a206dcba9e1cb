use logfix_runtime::logged;

#[logged(component = "math")]
const fn double(n: u32) -> u32 {
    n * 2
}

fn main() {
    let _ = double(2);
}
