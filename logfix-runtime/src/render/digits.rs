//! Decimal digits two at a time, for the timestamp and for small numbers.

#![allow(clippy::inline_always, reason = "each length must reach the caller's copy as a constant")]

/// `00` to `99`.
const DIGIT_PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// The two digits of `n` (below 100), or `00` for anything else.
#[inline]
pub(crate) fn pair(n: usize) -> [u8; 2] {
    match DIGIT_PAIRS.get(2 * n..2 * n + 2) {
        Some(&[tens, ones]) => [tens, ones],
        _ => [b'0'; 2],
    }
}

/// Calls `write` with the decimal digits of `v` if it is below 10 000, and returns whether it
/// did. Most numbers in logs are that small (counts, status codes, ids of small tables,
/// milliseconds): each length is written with a copy of fixed size, which the compiler turns
/// into one store, instead of formatting into a buffer and calling `memcpy` for a length known
/// only at run time (measured: see docs/BENCHMARKS.md).
#[cfg_attr(not(debug_assertions), inline(always))]
#[cfg_attr(debug_assertions, inline)]
pub(crate) fn write_small(v: u64, write: impl FnOnce(&[u8])) -> bool {
    // Below 10 000, so the casts cannot truncate.
    #[allow(clippy::cast_possible_truncation)]
    let v = match v {
        0..=9_999 => v as usize,
        _ => return false,
    };
    let [thousands, hundreds] = pair(v / 100);
    let [tens, ones] = pair(v % 100);
    match v {
        0..=9 => write(&[ones]),
        10..=99 => write(&[tens, ones]),
        100..=999 => write(&[hundreds, tens, ones]),
        _ => write(&[thousands, hundreds, tens, ones]),
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_numbers_read_as_their_decimal_and_others_are_left() {
        for v in (0..=10_050).chain([u64::MAX, 123_456]) {
            let mut out = b"x".to_vec();
            let small = write_small(v, |digits| out.extend_from_slice(digits));
            if v < 10_000 {
                assert!(small);
                assert_eq!(String::from_utf8(out).unwrap(), format!("x{v}"));
            } else {
                assert!(!small);
                assert_eq!(out, b"x");
            }
        }
    }
}
