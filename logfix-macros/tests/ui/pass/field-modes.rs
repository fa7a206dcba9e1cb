use std::fmt;

use logfix_runtime::LogEvent;

struct Money(i64);

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02} EUR", self.0 / 100, self.0 % 100)
    }
}

#[derive(Debug)]
enum Method {
    Card,
}

#[derive(LogEvent)]
#[log(
    component = "payments",
    level = "debug",
    message = "{amount} by {method} for {order}"
)]
struct Paid {
    #[log(rename = "order_id")]
    order: u64,
    #[log(display)]
    amount: Money,
    #[log(debug, rename = "payment_method")]
    method: Method,
    #[log(redact, rename = "card_holder")]
    holder: String,
    #[log(skip)]
    internal: Vec<u8>,
    #[log(not_sensitive)]
    token_count: u32,
    #[log(not_sensitive, display)]
    cookie_policy: &'static str,
    #[log(redact)]
    password: String,
    #[log(skip)]
    api_key: String,
    #[log(skip)]
    on_done: Box<dyn Fn() + Send>,
    #[log(rename = "user@host.example-1")]
    odd: bool,
    #[log(redact = "hash")]
    account: Money,
    #[log(redact = "last4", rename = "card")]
    card_number: String,
    #[log(redact = "email")]
    email: &'static str,
}

fn main() {
    let paid = Paid {
        order: 7,
        amount: Money(1250),
        method: Method::Card,
        holder: "Ann".to_owned(),
        internal: vec![1],
        token_count: 3,
        cookie_policy: "strict",
        password: "hunter2".to_owned(),
        api_key: "k".to_owned(),
        on_done: Box::new(|| ()),
        odd: true,
        account: Money(4200),
        card_number: "4111 1111 1111 1234".to_owned(),
        email: "ann@example.com",
    };
    let _ = (&paid.internal, &paid.api_key);
    (paid.on_done)();
    assert_eq!(
        paid.metadata().fields(),
        [
            "order_id",
            "amount",
            "payment_method",
            "card_holder",
            "token_count",
            "cookie_policy",
            "password",
            "user@host.example-1",
            "account",
            "card",
            "email"
        ]
    );
    let line = logfix_runtime::__private::render_json(&paid);
    assert!(line.contains(r#""message":"12.50 EUR by Card for 7","order_id":7,"amount":"12.50 EUR","payment_method":"Card","card_holder":"[REDACTED]","token_count":3,"cookie_policy":"strict","password":"[REDACTED]","user@host.example-1":true,"account":"[REDACTED]","card":"****1234","email":"***@example.com"}"#), "{line}");
    // No pseudonym key outside `init()`: `hash` hides the value entirely.
    for secret in ["hunter2", "Ann", "42.00", "4111", "ann@"] {
        assert!(!line.contains(secret), "{line}");
    }
}
