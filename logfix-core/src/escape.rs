//! JSON string escaping: the one function every string in every line goes through.
//!
//! Rust strings are valid UTF-8, so there are no lone surrogates to worry about; what can break a
//! line or forge another one is a quote, a backslash or a control character, and those are escaped.
//! U+2028 and U+2029 are escaped as well because some JavaScript-based log viewers treat them as
//! line breaks, and U+0085 (next line) because some text tools do.
//!
//! The runtime escapes every string of every line with [`escape_into`]; the macros escape the
//! constant parts of a derived event's line (message text, keys) with the same function at
//! compile time, so the two cannot disagree.

use core::fmt;

/// The escape sequence for each ASCII byte that needs one (`0` = copy as is).
#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: a bad index fails the build"
)]
const fn escape_table() -> [u8; 128] {
    let mut table = [0u8; 128];
    let mut i = 0;
    while i < 0x20 {
        table[i] = b'u';
        i += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table[0x7f] = b'u';
    table
}

static ESCAPE: [u8; 128] = escape_table();
const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `s` to `out` escaped for the inside of a JSON string (no surrounding quotes).
///
/// # Examples
/// ```
/// let mut out = b"\"".to_vec();
/// logfix_core::escape::escape_into(&mut out, "say \"hi\"\n");
/// out.push(b'"');
/// assert_eq!(out, br#""say \"hi\"\n""#);
/// ```
#[inline]
pub fn escape_into(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    if is_clean(bytes) {
        // The common case: one copy.
        out.extend_from_slice(bytes);
    } else {
        escape_slow(out, bytes);
    }
}

#[cold]
fn escape_slow(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut start = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        // Most text needs no escaping: skip it eight bytes at a time.
        if let Some(word) = bytes.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
            if !may_need_escape(u64::from_le_bytes(word)) {
                i += 8;
                continue;
            }
        }
        let replacement: Option<&[u8]> = if b < 0x80 {
            match ESCAPE.get(usize::from(b)).copied().unwrap_or(0) {
                0 => None,
                b'u' => {
                    flush(out, bytes, start, i);
                    out.extend_from_slice(b"\\u00");
                    out.push(hex(b >> 4));
                    out.push(hex(b & 0xf));
                    i += 1;
                    start = i;
                    continue;
                }
                b'"' => Some(b"\\\""),
                b'\\' => Some(b"\\\\"),
                b'b' => Some(b"\\b"),
                b't' => Some(b"\\t"),
                b'n' => Some(b"\\n"),
                b'f' => Some(b"\\f"),
                _ => Some(b"\\r"),
            }
        } else if b == 0xc2 && bytes.get(i + 1) == Some(&0x85) {
            // U+0085 is C2 85.
            Some(b"\\u0085".as_slice())
        } else if b == 0xe2 && bytes.get(i + 1) == Some(&0x80) {
            // U+2028 is E2 80 A8, U+2029 is E2 80 A9.
            match bytes.get(i + 2) {
                Some(0xa8) => Some(b"\\u2028".as_slice()),
                Some(0xa9) => Some(b"\\u2029".as_slice()),
                _ => None,
            }
        } else {
            None
        };
        match replacement {
            None => i += 1,
            Some(seq) => {
                flush(out, bytes, start, i);
                out.extend_from_slice(seq);
                // The length of the character replaced: ASCII, U+0085 or U+2028/2029.
                i += match b {
                    0..0x80 => 1,
                    0xc2 => 2,
                    _ => 3,
                };
                start = i;
            }
        }
    }
    flush(out, bytes, start, bytes.len());
}

/// Whether a key or value of a pretty (`key=value`) line must be quoted to be read back
/// unambiguously: empty, or holding a space, `=`, a quote, a backslash, a control character or
/// a character that ends a line somewhere (U+0085, U+2028, U+2029), any of which would let a
/// value or a dynamic key (`"a b=c"`) pass for more fields than it is. The runtime's pretty
/// console and `logfix query --format pretty` both follow it.
///
/// # Examples
/// ```
/// use logfix_core::escape::needs_quotes;
///
/// assert!(!needs_quotes("acme"));
/// assert!(needs_quotes("user=admin level") && needs_quotes("") && needs_quotes("a\u{2028}b"));
/// ```
#[must_use]
pub fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.bytes().any(|b| b <= b' ' || b == b'"' || b == b'=' || b == b'\\' || b == 0x7f)
        || s.contains(['\u{85}', '\u{2028}', '\u{2029}'])
}

/// Whether no byte of `bytes` needs escaping, checked sixteen bytes at a time (SSE2) on x86-64,
/// eight elsewhere.
///
/// # Examples
/// ```
/// use logfix_core::escape::is_clean;
///
/// assert!(is_clean(b"user 42 logged in"));
/// assert!(!is_clean(b"two\nlines"));
/// ```
#[inline]
#[must_use]
pub fn is_clean(bytes: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code, reason = "a measured gain: see docs/BENCHMARKS.md")]
    // SAFETY: `is_clean_sse2` needs SSE2, which every x86-64 CPU has (the `x86_64` targets
    // enable it), and reads no memory through pointers.
    return unsafe { is_clean_sse2(bytes) };
    #[cfg(not(target_arch = "x86_64"))]
    return is_clean_words(bytes);
}

/// [`is_clean`] eight bytes at a time in a `u64`, for other CPUs.
#[cfg_attr(target_arch = "x86_64", allow(dead_code, reason = "tested against the SSE2 check"))]
fn is_clean_words(bytes: &[u8]) -> bool {
    if bytes.len() < 8 {
        return !may_need_escape(padded_word(bytes));
    }
    // The last eight bytes cover the tail (overlapping bytes already checked is harmless).
    let last = bytes.get(bytes.len() - 8..).map_or(0, word);
    if bytes.len() <= 16 {
        // The common short value (an id, a path): two words, no loop.
        return !(may_need_escape(bytes.get(..8).map_or(0, word)) | may_need_escape(last));
    }
    let mut words = bytes.chunks_exact(8);
    !(words.any(|w| may_need_escape(word(w))) || may_need_escape(last))
}

fn word(w: &[u8]) -> u64 {
    u64::from_le_bytes(<[u8; 8]>::try_from(w).unwrap_or([0; 8]))
}

/// Up to eight bytes in a register, padded with a byte that never needs escaping: copying them
/// into a padded array and loading it back stalls on store forwarding.
#[inline]
fn padded_word(bytes: &[u8]) -> u64 {
    match bytes.get(..8) {
        Some(eight) => word(eight),
        None => {
            bytes.iter().rev().fold(u64::from_le_bytes([b'a'; 8]), |w, &b| (w << 8) | u64::from(b))
        }
    }
}

/// [`is_clean`] sixteen bytes at a time in an SSE2 register; the last block overlaps the one
/// before it.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn is_clean_sse2(bytes: &[u8]) -> bool {
    use core::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        _mm_set_epi64x,
    };
    #[allow(clippy::cast_possible_wrap, reason = "bits as the signed lanes SSE2 takes")]
    let dirty = |low: u64, high: u64| {
        let block = _mm_set_epi64x(high as i64, low as i64);
        let is = |b: u8| _mm_cmpeq_epi8(block, _mm_set1_epi8(b as i8));
        // Below 0x20: the unsigned minimum with 0x1f is the byte itself.
        let control = _mm_cmpeq_epi8(_mm_min_epu8(block, _mm_set1_epi8(0x1f)), block);
        let ascii = _mm_or_si128(_mm_or_si128(is(b'"'), is(b'\\')), is(0x7f));
        let lead = _mm_or_si128(is(0xc2), is(0xe2));
        _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(control, ascii), lead)) != 0
    };
    let len = bytes.len();
    if len <= 16 {
        // Two words that cover the text, overlapping when it is shorter than sixteen bytes.
        let (low, high) = match (bytes.get(..8), bytes.get(len.saturating_sub(8)..)) {
            (Some(first), Some(last)) => (word(first), word(last)),
            _ => (covering_word(bytes), u64::from_le_bytes([b'a'; 8])),
        };
        return !dirty(low, high);
    }
    let mut blocks = bytes.chunks_exact(16);
    for block in &mut blocks {
        if dirty(word(block.get(..8).unwrap_or_default()), word(block.get(8..).unwrap_or_default()))
        {
            return false;
        }
    }
    blocks.remainder().is_empty() || {
        let tail = bytes.get(len - 16..).unwrap_or_default();
        !dirty(word(tail.get(..8).unwrap_or_default()), word(tail.get(8..).unwrap_or_default()))
    }
}

/// A word holding every byte of `bytes` (fewer than eight), some of them twice, padded with a
/// byte that never needs escaping.
#[cfg(target_arch = "x86_64")]
#[inline]
fn covering_word(bytes: &[u8]) -> u64 {
    // Always four bytes; a zero (which needs escaping) would only make the answer cautious.
    let half = |w: &[u8]| u64::from(u32::from_le_bytes(<[u8; 4]>::try_from(w).unwrap_or([0; 4])));
    let len = bytes.len();
    match (bytes.get(..4), bytes.get(len.saturating_sub(4)..)) {
        // Four to seven bytes: two halves that overlap.
        (Some(first), Some(last)) if len >= 4 => half(first) | half(last) << 32,
        _ => padded_word(bytes),
    }
}

/// Whether any byte of `word` is below 0x20, a quote, a backslash, DEL, 0xC2 (the lead byte of
/// U+0085) or 0xE2 (of U+2028/2029). May answer yes for a clean word (then the bytes are checked one by one), never
/// no for a word that needs escaping. Bit tricks from
/// <https://graphics.stanford.edu/~seander/bithacks.html#ZeroInWord>.
const fn may_need_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const fn has_zero(v: u64) -> u64 {
        v.wrapping_sub(ONES) & !v & HIGHS
    }
    const fn has_byte(v: u64, b: u8) -> u64 {
        has_zero(v ^ (ONES * b as u64))
    }
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    (below_space
        | has_byte(word, b'"')
        | has_byte(word, b'\\')
        | has_byte(word, 0x7f)
        | has_byte(word, 0xc2)
        | has_byte(word, 0xe2))
        != 0
}

fn flush(out: &mut Vec<u8>, bytes: &[u8], start: usize, end: usize) {
    if let Some(run) = bytes.get(start..end) {
        out.extend_from_slice(run);
    }
}

fn hex(nibble: u8) -> u8 {
    HEX.get(usize::from(nibble)).copied().unwrap_or(b'0')
}

/// A [`fmt::Write`] that escapes whatever a `Display` or `Debug` impl writes, so that no
/// implementation can break out of the string it is rendered into.
///
/// # Examples
/// ```
/// use core::fmt::Write as _;
/// use logfix_core::escape::EscapeWriter;
///
/// let mut out = Vec::new();
/// write!(EscapeWriter(&mut out), "{:?}", "quoted").unwrap();
/// assert_eq!(out, br#"\"quoted\""#);
/// ```
pub struct EscapeWriter<'a>(pub &'a mut Vec<u8>);

impl fmt::Write for EscapeWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        escape_into(self.0, s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(s: &str) -> String {
        let mut out = Vec::new();
        escape_into(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn leaves_plain_text_alone() {
        assert_eq!(escaped("user 42 logged in"), "user 42 logged in");
        assert_eq!(escaped("héllo wörld ✓"), "héllo wörld ✓");
    }

    #[test]
    fn escapes_what_could_break_or_forge_a_line() {
        assert_eq!(escaped("a\"b"), r#"a\"b"#);
        assert_eq!(escaped("a\\b"), r"a\\b");
        assert_eq!(escaped("a\nb\r\t"), r"a\nb\r\t");
        assert_eq!(escaped("\u{0}\u{1f}\u{7f}"), r"\u0000\u001f\u007f");
        assert_eq!(escaped("\u{1b}[31m"), r"\u001b[31m");
        assert_eq!(escaped("x\u{2028}y\u{2029}z"), r"x\u2028y\u2029z");
        assert_eq!(escaped("a\u{85}b\u{a0}c"), "a\\u0085b\u{a0}c");
    }

    #[test]
    fn finds_special_bytes_at_every_position_of_a_word() {
        for special in ["\"", "\\", "\n", "\u{0}", "\u{1f}", "\u{7f}", "\u{2028}", "\u{85}"] {
            for at in 0..20 {
                let input = format!("{}{special}{}", "a".repeat(at), "b".repeat(20 - at));
                let json = format!("\"{}\"", escaped(&input));
                assert_eq!(
                    serde_json::from_str::<String>(&json).unwrap(),
                    input,
                    "{special:?} at {at}"
                );
            }
        }
    }

    /// The SSE2 check answers as the portable one, and never calls clean a text with a byte
    /// that needs escaping, at any length and position (the blocks overlap at the tail).
    #[test]
    fn the_sse2_check_agrees_with_the_portable_one() {
        let needs = |b: u8| b < 0x20 || matches!(b, b'"' | b'\\' | 0x7f | 0xc2 | 0xe2);
        let mut bytes = Vec::new();
        for len in 0..50 {
            for at in 0..=len {
                for special in [
                    None,
                    Some(b'"'),
                    Some(b'\\'),
                    Some(0x1f),
                    Some(0x7f),
                    Some(0xc2),
                    Some(0xe2),
                    Some(0x20),
                ] {
                    bytes.clear();
                    bytes.extend((b'a'..=b'z').cycle().take(len));
                    if let (Some(b), Some(slot)) = (special, bytes.get_mut(at)) {
                        *slot = b;
                    }
                    let clean = !bytes.iter().any(|&b| needs(b));
                    assert_eq!(is_clean(&bytes), clean, "{bytes:?}");
                    assert_eq!(is_clean_words(&bytes), clean, "{bytes:?}");
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn the_checks_agree_on_any_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..80)) {
            proptest::prop_assert_eq!(is_clean(&bytes), is_clean_words(&bytes));
        }
    }

    #[test]
    fn escaped_text_parses_back_to_the_input() {
        let input = "q\"\\\n\u{0}\u{2028}é\u{1F600}\u{85}";
        let json = format!("\"{}\"", escaped(input));
        let back: String = serde_json::from_str(&json).unwrap();
        assert_eq!(back, input);
    }
}
