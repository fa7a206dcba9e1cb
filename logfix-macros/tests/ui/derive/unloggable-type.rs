use logfix_runtime::LogEvent;

struct Card {
    number: String,
}

#[derive(LogEvent)]
#[log(component = "payments", message = "charge failed for order {order_id}")]
struct ChargeFailed {
    order_id: String,
    card: Card,
}

fn main() {}
