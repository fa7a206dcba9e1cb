use logfix_runtime::LogEvent;

struct OrderId(u64);

#[derive(LogEvent)]
#[log(component = "payments", message = "charge failed for order {order_id}")]
struct ChargeFailed {
    order_id: OrderId,
}

fn main() {}
