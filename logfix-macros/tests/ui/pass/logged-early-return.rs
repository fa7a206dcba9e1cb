//! Sync functions with early `return` and `?` (with a `From` conversion, into a boxed error, and
//! on `Option`).
use std::num::ParseIntError;

use logfix_runtime::logged;

#[derive(Debug)]
enum AppError {
    Parse(ParseIntError),
    Empty,
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Parse(e) => write!(f, "parse: {e}"),
            AppError::Empty => f.write_str("empty"),
        }
    }
}

impl From<ParseIntError> for AppError {
    fn from(e: ParseIntError) -> Self {
        AppError::Parse(e)
    }
}

#[logged(component = "input")]
fn parse(text: &str) -> Result<u32, AppError> {
    if text.is_empty() {
        return Err(AppError::Empty);
    }
    let n = text.trim().parse::<u32>()?;
    Ok(n)
}

#[logged(component = "input")]
fn parse_boxed(text: &str) -> Result<u32, Box<dyn std::error::Error + Send + Sync>> {
    if text.is_empty() {
        return Err("empty".into());
    }
    Ok(text.parse()?)
}

#[logged(component = "input")]
fn first_digit(text: &str) -> Option<u32> {
    let c = text.chars().next()?;
    c.to_digit(10)
}

#[logged(component = "input")]
fn count(text: &str) -> usize {
    if text.is_empty() {
        return 0;
    }
    text.len()
}

fn main() {
    assert!(parse("").is_err());
    assert_eq!(parse(" 4").ok(), Some(4));
    assert!(parse_boxed("x").is_err());
    assert_eq!(first_digit("7a"), Some(7));
    assert_eq!(count(""), 0);
}
