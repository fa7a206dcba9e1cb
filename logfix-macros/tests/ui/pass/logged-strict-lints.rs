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
    unused_lifetimes,
    elided_lifetimes_in_paths
)]
#![deny(clippy::all, clippy::pedantic, clippy::nursery)]

use std::fmt;

use logfix_runtime::logged;

/// An error.
#[derive(Debug)]
pub struct Failed;

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("failed")
    }
}

impl std::error::Error for Failed {}

/// Every shape at once.
///
/// # Errors
///
/// When `n` is zero.
#[logged(component = "strict", enter, redact(email))]
pub fn everything<'a>(
    n: u32,
    email: &'a str,
    #[log(display)] shown: char,
    #[log(debug)] listed: &[u8],
    #[log(skip)] password: &str,
) -> Result<&'a str, Failed> {
    let _ = (shown, listed, password);
    if n == 0 {
        return Err(Failed);
    }
    Ok(email)
}

/// A unit function.
#[logged(component = "strict")]
pub fn nothing() {}

/// An async function.
///
/// # Errors
///
/// Never.
#[logged(component = "strict")]
pub async fn later(n: u32) -> Result<u32, Failed> {
    Ok(n)
}

fn main() {
    assert!(everything(0, "e", 'c', &[1], "p").is_err());
    nothing();
    drop(later(1));
}
