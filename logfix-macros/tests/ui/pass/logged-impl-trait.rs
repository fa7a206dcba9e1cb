//! `impl Trait` as an argument and as a return type, alone and inside a `Result`.
use std::fmt::Display;

use logfix_runtime::{logged, Value};

#[logged(component = "iter")]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

#[logged(component = "iter")]
fn describe(#[log(display)] item: impl Display, count: impl Value) -> Result<impl Display, String> {
    let _ = count;
    let text = item.to_string();
    if text.is_empty() {
        return Err("empty".to_owned());
    }
    Ok(text)
}

#[logged(component = "iter")]
fn borrowed<'a>(items: &'a [u16]) -> Box<dyn Iterator<Item = &'a u16> + 'a> {
    Box::new(items.iter())
}

#[logged(component = "iter")]
fn adder(#[log(skip)] base: impl Fn(u32) -> u32) -> impl Fn(u32) -> u32 {
    move |n| base(n) + 1
}

fn main() {
    assert_eq!(evens(5).count(), 3);
    assert_eq!(
        describe('x', 2_u8).map(|d| d.to_string()).ok().as_deref(),
        Some("x")
    );
    assert_eq!(borrowed(&[1, 2]).count(), 2);
    assert_eq!(adder(|n| n * 2)(3), 7);
}
