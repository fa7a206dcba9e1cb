use logfix_runtime::logged;

#[derive(Debug)]
struct Declined;

#[logged(component = "payments")]
fn charge(amount_cents: u64) -> Result<(), Declined> {
    let _ = amount_cents;
    Err(Declined)
}

fn main() {}
