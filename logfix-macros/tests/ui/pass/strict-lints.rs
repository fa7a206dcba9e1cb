//! Generated code must not trip the lints a strict user crate denies.
#![deny(
    warnings,
    missing_docs,
    unused_qualifications,
    unused_results,
    unreachable_pub
)]
#![deny(
    missing_debug_implementations,
    trivial_casts,
    trivial_numeric_casts,
    unused_lifetimes
)]
#![deny(clippy::all, clippy::pedantic, clippy::nursery)]

use std::fmt::{self, Debug, Display};

use logfix_runtime::LogEvent;

/// A public event with every kind of field.
#[derive(Debug, LogEvent)]
#[log(
    component = "auth",
    level = "trace",
    message = "user {user_id} from {ip} as {role} via {client}"
)]
pub struct Everything<'a, T: Debug, U>
where
    U: Display,
{
    /// Plain.
    pub user_id: &'a str,
    /// Display.
    #[log(display)]
    pub ip: U,
    /// Debug.
    #[log(debug)]
    pub client: T,
    /// Borrowed.
    #[log(rename = "roleName")]
    pub role: &'a str,
    /// Redacted.
    #[log(redact)]
    pub password: &'a str,
    /// Skipped.
    #[log(skip)]
    pub session: fmt::Error,
}

/// A unit event.
#[derive(Debug, LogEvent)]
#[log(component = "auth", message = "nothing")]
pub struct Nothing;

fn main() {
    let event = Everything {
        user_id: "1",
        ip: "::1",
        client: 'c',
        role: "admin",
        password: "p",
        session: fmt::Error,
    };
    assert_eq!(event.metadata().fields().len(), 5);
    assert_eq!(Nothing.metadata().fields().len(), 0);
}
