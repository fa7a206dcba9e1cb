use logfix_runtime::LogEvent;

struct OrderId(u64);

#[derive(LogEvent)]
#[log(component = "payments", message = "charge failed")]
struct ChargeFailed {
    #[log(display)]
    order_id: OrderId,
}

fn main() {}
