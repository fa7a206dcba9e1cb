//! Every entry of the sensitive-name vocabulary is refused as an untagged field name, each error
//! saying how to fix it. `tests/ui.rs` checks that the list is complete.
use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "auth", message = "every sensitive name")]
struct Vocabulary {
    access_key: String,
    api_key: String,
    apikey: String,
    authorization: String,
    bearer: String,
    card_number: String,
    cookie: String,
    credential: String,
    creds: String,
    cvc: String,
    cvv: String,
    iban: String,
    jsessionid: String,
    jwt: String,
    mfa_code: String,
    otp: String,
    pan: String,
    passphrase: String,
    passwd: String,
    password: String,
    pin: String,
    private_key: String,
    privatekey: String,
    pwd: String,
    secret: String,
    session_id: String,
    sessionid: String,
    signing_key: String,
    ssn: String,
    token: String,
    totp: String,
}

fn main() {}
