//! What a signature may hold is kept: visibility, attributes, doc comments, inner attributes,
//! `unsafe`, `extern`, `mut` arguments, patterns (not logged), raw identifiers, and the crate
//! renamed.
#![allow(clippy::missing_safety_doc)]

extern crate logfix_runtime as lf;

use lf::logged;

pub mod api {
    use super::logged;

    /// Documented.
    #[logged(component = "api")]
    #[inline]
    #[must_use]
    pub fn documented(n: u32) -> u32 {
        #![allow(clippy::let_and_return)]
        let doubled = n * 2;
        doubled
    }

    #[logged(component = "api")]
    pub(crate) unsafe fn read(#[log(debug)] pointer: *const u8) -> u8 {
        unsafe { *pointer }
    }
}

#[logged(component = "ffi")]
extern "C" fn callback(code: i32) -> i32 {
    code + 1
}

#[logged(component = "geo")]
fn patterns(mut steps: u32, (x, y): (f64, f64), _: u8, #[log(skip)] Point { z }: Point) -> f64 {
    steps += 1;
    f64::from(steps) * x.hypot(y) * z
}

struct Point {
    z: f64,
}

#[logged(component = "kw")]
fn r#match(r#type: &str) -> bool {
    r#type == "match"
}

#[lf::logged(component = "renamed", crate = "lf")]
fn renamed(n: u8) -> u8 {
    n
}

fn main() {
    assert_eq!(api::documented(2), 4);
    assert_eq!(unsafe { api::read(&3) }, 3);
    let pointer: extern "C" fn(i32) -> i32 = callback;
    assert_eq!(pointer(1), 2);
    assert!(patterns(0, (3.0, 4.0), 0, Point { z: 1.0 }) > 4.9);
    assert!(r#match("match"));
    assert_eq!(renamed(1), 1);
    assert_eq!(configured(1), 1);
}

#[logged(component = "cfg")]
fn configured(#[cfg(any())] hidden: u8, #[cfg(not(any()))] shown: u8) -> u8 {
    shown
}
