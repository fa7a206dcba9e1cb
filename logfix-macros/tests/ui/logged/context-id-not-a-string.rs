use logfix_runtime::logged;

#[logged(component = "billing")]
fn charge(user_id: u64, cents: u64) -> u64 {
    user_id + cents
}

fn main() {
    let _ = charge(1, 2);
}
