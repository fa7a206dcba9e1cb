use logfix_runtime::logged;

struct Card;

#[logged(component = "payments")]
fn charge(#[log(display)] card: Card) {
    let _ = card;
}

fn main() {}
