use logfix_runtime::logged;

struct Card {
    number: String,
}

#[logged(component = "payments")]
fn charge(amount_cents: u64, card: Card, cards: &[Card]) {
    let _ = (amount_cents, card.number, cards);
}

fn main() {}
