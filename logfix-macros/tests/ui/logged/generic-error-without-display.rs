use std::fmt::Debug;

use logfix_runtime::logged;

#[logged(component = "jobs")]
fn first<E: Debug>(#[log(skip)] errors: Vec<E>) -> Result<(), E> {
    errors.into_iter().next().map_or(Ok(()), Err)
}

fn main() {}
