use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "payments", message = "charge failed for {card}")]
struct ChargeFailed {
    order_id: String,
    #[log(skip)]
    card: String,
}

fn main() {}
