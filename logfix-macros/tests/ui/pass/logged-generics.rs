//! Generics, lifetimes, const generics and where clauses are kept as written.
use std::fmt::{Debug, Display};

use logfix_runtime::{logged, Value};

#[logged(component = "gen")]
fn largest<'a, T, const N: usize>(
    items: &'a [T; N],
    #[log(debug)] hint: Option<&'a T>,
) -> Option<&'a T>
where
    T: Ord + Value + Debug,
{
    items.iter().max().or(hint)
}

#[logged(component = "gen", display(label))]
fn labelled<L: Display, E>(label: L, #[log(skip)] extra: E) -> Result<String, E>
where
    E: Display,
{
    if label.to_string().is_empty() {
        return Err(extra);
    }
    Ok(label.to_string())
}

/// A function argument, skipped: it cannot be logged.
#[logged(component = "gen")]
fn retry<F>(attempts: u8, #[log(skip)] operation: &mut F) -> bool
where
    F: FnMut() -> bool,
{
    (0..attempts).any(|_| operation())
}

struct Wrapper<T>(T);

impl<T: Clone + Value> Wrapper<T> {
    #[logged(component = "gen")]
    fn replace<U>(&mut self, with: T, #[log(skip)] _marker: U) -> T
    where
        U: Copy,
    {
        std::mem::replace(&mut self.0, with)
    }
}

fn main() {
    assert_eq!(largest(&[1, 3, 2], None), Some(&3));
    assert_eq!(
        labelled::<_, String>("x", String::new()).ok().as_deref(),
        Some("x")
    );
    let mut calls = 0;
    assert!(retry(3, &mut || {
        calls += 1;
        calls == 2
    }));
    let mut w = Wrapper(1_u8);
    assert_eq!(w.replace(2, ()), 1);
    let pointer: fn(&mut Wrapper<u8>, u8, ()) -> u8 = Wrapper::replace;
    assert_eq!(pointer(&mut w, 3, ()), 2);
}
