//! The error of reading a setting from text.

use core::fmt;

/// Text that is not a valid value of the setting it was parsed as: a [`Format`](crate::Format)
/// (`json`, `pretty`), a [`Rate`](crate::Rate) (`50/s`) or [`RateLimits`](crate::RateLimits)
/// (`hyper=50/s,sqlx=10/m`). Its message says what was expected.
///
/// # Examples
/// ```
/// use logfix_runtime::{Format, ParseError, RateLimits};
///
/// let error: ParseError = "xml".parse::<Format>().unwrap_err();
/// assert_eq!(error.to_string(), "expected `json` or `pretty`");
/// assert!("hyper=fast".parse::<RateLimits>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(String);

impl ParseError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}
