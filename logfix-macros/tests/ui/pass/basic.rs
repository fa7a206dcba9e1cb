use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "auth", message = "user {user_id} logged in")]
struct UserLogin<'a> {
    // A context id is a string in every line: a number is written as its text.
    #[log(display)]
    user_id: u64,
    #[log(redact)]
    email: &'a str,
}

#[derive(Debug)]
struct Card;

#[derive(LogEvent)]
#[log(
    component = "payments",
    event = "charge_failed",
    level = "error",
    message = "charge failed for order {order_id}"
)]
struct ChargeFailed {
    order_id: String,
    amount_cents: i64,
    #[log(skip)]
    card: Card,
}

fn main() {
    let login = UserLogin {
        user_id: 42,
        email: "ann@example.com",
    };
    let meta = login.metadata();
    assert_eq!(
        (meta.component(), meta.event(), meta.level()),
        ("auth", "user_login", logfix_runtime::Level::Info)
    );
    assert_eq!(meta.fields(), ["user_id", "email"]);

    let failed = ChargeFailed {
        order_id: "o-1".to_owned(),
        amount_cents: -5,
        card: Card,
    };
    let _ = &failed.card;
    let meta = failed.metadata();
    assert_eq!(
        (meta.event(), meta.level()),
        ("charge_failed", logfix_runtime::Level::Error)
    );
    assert_eq!(meta.fields(), ["order_id", "amount_cents"]);
    let line = logfix_runtime::__private::render_json(&failed);
    assert!(
        line.contains(
            r#""message":"charge failed for order o-1","order_id":"o-1","amount_cents":-5}"#
        ),
        "{line}"
    );
}
