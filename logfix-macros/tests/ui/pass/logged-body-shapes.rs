//! No body shape makes `#[logged]` warn: sync or async, returning `()`, a value or a `Result`,
//! with a body that is empty, one expression, one statement, or several, with `return` and `?`.
#![deny(warnings)]

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use logfix_runtime::logged;

#[derive(Debug)]
struct Failed;

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failed")
    }
}

#[logged(component = "shapes")]
fn empty() {}

#[logged(component = "shapes")]
fn unit_expression(items: Vec<u16>) {
    drop(items)
}

#[logged(component = "shapes")]
fn unit_statement(items: Vec<u16>) {
    drop(items);
}

#[logged(component = "shapes")]
fn value_expression(n: u8) -> u8 {
    n + 1
}

#[logged(component = "shapes")]
fn one_line(n: u8) -> u8 { n + 1 }

#[logged(component = "shapes")]
fn one_line_result(n: u8) -> Result<u8, Failed> { Ok(n) }

#[logged(component = "shapes")]
fn value_block(n: u8) -> u8 {
    {
        n + 1
    }
}

#[logged(component = "shapes")]
fn value_statements(n: u8) -> u8 {
    let doubled = n * 2;
    if doubled > 10 {
        return 10;
    }
    doubled
}

#[logged(component = "shapes")]
fn result_expression(n: u8) -> Result<u8, Failed> {
    if n > 0 { Ok(n) } else { Err(Failed) }
}

#[logged(component = "shapes")]
fn result_statements(text: &str) -> Result<u8, std::num::ParseIntError> {
    let n: u8 = text.parse()?;
    Ok(n)
}

#[logged(component = "shapes")]
fn result_match(n: u8) -> Result<u8, Failed> {
    match n {
        0 => Err(Failed),
        n => Ok(n),
    }
}

#[logged(component = "shapes")]
async fn async_empty() {}

#[logged(component = "shapes")]
async fn async_unit_expression(items: Vec<u16>) {
    drop(items)
}

#[logged(component = "shapes")]
async fn async_unit_statement(items: Vec<u16>) {
    drop(items);
}

#[logged(component = "shapes")]
async fn async_value_expression(n: u8) -> u8 {
    n + 1
}

#[logged(component = "shapes")]
async fn async_one_line(n: u8) -> u8 { n + 1 }

#[logged(component = "shapes")]
async fn async_one_line_result(n: u8) -> Result<u8, Failed> { Ok(n) }

#[logged(component = "shapes")]
async fn async_one_line_unit(items: Vec<u16>) { drop(items) }

#[logged(component = "shapes")]
async fn async_value_block(n: u8) -> u8 {
    {
        n + 1
    }
}

#[logged(component = "shapes")]
async fn async_value_await(n: u8) -> u8 {
    async_value_expression(n).await
}

#[logged(component = "shapes")]
async fn async_value_statements(n: u8) -> u8 {
    let doubled = async_value_expression(n).await * 2;
    if doubled > 10 {
        return 10;
    }
    doubled
}

#[logged(component = "shapes")]
async fn async_result_expression(n: u8) -> Result<u8, Failed> {
    if n > 0 { Ok(n) } else { Err(Failed) }
}

#[logged(component = "shapes")]
async fn async_result_statements(text: &str) -> Result<u8, std::num::ParseIntError> {
    let n: u8 = text.parse()?;
    Ok(n)
}

#[logged(component = "shapes")]
async fn async_result_match(n: u8) -> Result<u8, Failed> {
    match n {
        0 => Err(Failed),
        n => Ok(n),
    }
}

/// Polls a future that never waits to its end.
fn ready<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("these futures never wait"),
    }
}

fn main() {
    empty();
    unit_expression(vec![1]);
    unit_statement(vec![1]);
    assert_eq!(one_line(1), 2);
    assert_eq!(one_line_result(1).ok(), Some(1));
    assert_eq!(value_expression(1), 2);
    assert_eq!(value_block(1), 2);
    assert_eq!(value_statements(9), 10);
    assert!(result_expression(0).is_err());
    assert_eq!(result_statements("3").ok(), Some(3));
    assert!(result_match(0).is_err());
    ready(async_empty());
    ready(async_unit_expression(vec![1]));
    ready(async_unit_statement(vec![1]));
    assert_eq!(ready(async_one_line(1)), 2);
    assert_eq!(ready(async_one_line_result(1)).ok(), Some(1));
    ready(async_one_line_unit(vec![1]));
    assert_eq!(ready(async_value_expression(1)), 2);
    assert_eq!(ready(async_value_block(1)), 2);
    assert_eq!(ready(async_value_await(1)), 2);
    assert_eq!(ready(async_value_statements(9)), 10);
    assert!(ready(async_result_expression(0)).is_err());
    assert_eq!(ready(async_result_statements("3")).ok(), Some(3));
    assert!(ready(async_result_match(0)).is_err());
}
