//! The chain: each record's sequence number and chain value, written at the end of its line,
//! and read back.
//!
//! A record is the event's ordinary JSON line with two keys added last:
//! `…,"audit_seq":42,"audit_chain":"<64 hex digits>"}`. The chain value of record `n` is
//! `HMAC-SHA256(key, chain(n-1) ‖ body(n))` with a key, `SHA-256(chain(n-1) ‖ body(n))` without,
//! where `body(n)` is the line from its `{` to the last digit of its sequence number, and
//! `chain(0)` is 32 zero bytes. So each value covers the record's content, its number and,
//! through the previous value, every record before it.

use hmac::{KeyInit, Mac};
use sha2::{Digest as _, Sha256};

use crate::config::AuditKey;

/// A chain value.
pub(crate) type Digest = [u8; 32];

/// The value before the first record.
pub(crate) const GENESIS: Digest = [0; 32];

const SEQ_KEY: &[u8] = b",\"audit_seq\":";
const CHAIN_KEY: &[u8] = b",\"audit_chain\":\"";
/// Hex digits of a chain value.
const HEX_LEN: usize = 64;

/// How chain values are computed: keyed or not.
#[derive(Clone)]
pub(crate) enum Chain {
    /// HMAC-SHA256, the key already absorbed: each record clones this state.
    Keyed(Box<hmac::Hmac<Sha256>>),
    Plain,
}

impl Chain {
    pub(crate) fn new(key: Option<&AuditKey>) -> Self {
        // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
        match key.map(|k| hmac::Hmac::<Sha256>::new_from_slice(k.bytes())) {
            Some(Ok(mac)) => Chain::Keyed(Box::new(mac)),
            _ => Chain::Plain,
        }
    }

    pub(crate) fn is_keyed(&self) -> bool {
        matches!(self, Chain::Keyed(_))
    }

    /// The chain value of a record with `body` after a record whose value is `prev`.
    pub(crate) fn next(&self, prev: &Digest, body: &[u8]) -> Digest {
        match self {
            Chain::Keyed(mac) => {
                let mut mac = (**mac).clone();
                mac.update(prev);
                mac.update(body);
                mac.finalize().into_bytes().into()
            }
            Chain::Plain => {
                let mut hash = Sha256::new();
                hash.update(prev);
                hash.update(body);
                hash.finalize().into()
            }
        }
    }
}

/// Appends to `out` the line `rendered` (`{…}\n`, as the renderer wrote it) as record `seq`
/// after `prev`, and returns its chain value.
pub(crate) fn append(
    out: &mut Vec<u8>,
    rendered: &[u8],
    seq: u64,
    chain: &Chain,
    prev: &Digest,
) -> Digest {
    let start = out.len();
    let object = rendered.strip_suffix(b"\n").unwrap_or(rendered);
    out.extend_from_slice(object.strip_suffix(b"}").unwrap_or(object));
    out.extend_from_slice(SEQ_KEY);
    out.extend_from_slice(itoa::Buffer::new().format(seq).as_bytes());
    let value = chain.next(prev, out.get(start..).unwrap_or_default());
    out.extend_from_slice(CHAIN_KEY);
    out.extend_from_slice(hex(&value).as_bytes());
    out.extend_from_slice(b"\"}\n");
    value
}

/// A record read back: its number, its chain value and the body that value covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parsed<'a> {
    pub(crate) seq: u64,
    pub(crate) chain: Digest,
    pub(crate) body: &'a [u8],
}

/// Reads the audit keys at the end of `line` (without its newline); `None` when the line does
/// not end with them as [`append`] writes them.
pub(crate) fn parse(line: &[u8]) -> Option<Parsed<'_>> {
    let rest = line.strip_suffix(b"\"}")?;
    let hex_start = rest.len().checked_sub(HEX_LEN)?;
    let (rest, digits) = rest.split_at_checked(hex_start)?;
    let chain = unhex(digits)?;
    let body = rest.strip_suffix(CHAIN_KEY)?;
    let seq_start = body.iter().rposition(|b| !b.is_ascii_digit()).map_or(0, |i| i + 1);
    let (head, seq) = body.split_at_checked(seq_start)?;
    if !head.ends_with(SEQ_KEY) || seq.is_empty() || (seq.len() > 1 && seq.starts_with(b"0")) {
        return None;
    }
    let seq = core::str::from_utf8(seq).ok()?.parse().ok()?;
    Some(Parsed { seq, chain, body })
}

/// The number under `key` (`"first_seq":`) in a record's `body`. Only the first occurrence
/// counts: keys of a notice come before its free text, and a quote in a value is escaped, so a
/// value cannot pass for a key.
pub(crate) fn number(body: &[u8], key: &[u8]) -> Option<u64> {
    let at = find(body, key)? + key.len();
    let digits = body.get(at..)?;
    let end = digits.iter().position(|b| !b.is_ascii_digit()).unwrap_or(digits.len());
    core::str::from_utf8(digits.get(..end)?).ok()?.parse().ok()
}

/// The chain value written in hex under `key` (`"first_prev":"`) in a record's `body`.
pub(crate) fn digest(body: &[u8], key: &[u8]) -> Option<Digest> {
    let at = find(body, key)? + key.len();
    unhex(body.get(at..at.checked_add(HEX_LEN)?)?)
}

/// The string under `key` (`"reason":"`) in a record's `body`, its JSON escapes undone.
pub(crate) fn string(body: &[u8], key: &[u8]) -> Option<String> {
    let at = find(body, key)? + key.len();
    let text = core::str::from_utf8(body.get(at..)?).ok()?;
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => {
                let escaped = match chars.next()? {
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'u' => {
                        let unit = hex4(&mut chars)?;
                        // A surrogate pair: the low half follows as its own escape.
                        if (0xd800..0xdc00).contains(&unit) {
                            if (chars.next()?, chars.next()?) != ('\\', 'u') {
                                return None;
                            }
                            let low = hex4(&mut chars)?;
                            if !(0xdc00..0xe000).contains(&low) {
                                return None;
                            }
                            char::from_u32(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00))?
                        } else {
                            char::from_u32(unit)?
                        }
                    }
                    other => other,
                };
                out.push(escaped);
            }
            c => out.push(c),
        }
    }
    None
}

/// Four hex digits of a `\\u` escape.
fn hex4(chars: &mut core::str::Chars<'_>) -> Option<u32> {
    let mut value = 0;
    for _ in 0..4 {
        value = (value << 4) | chars.next()?.to_digit(16)?;
    }
    Some(value)
}

pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for nibble in [b >> 4, b & 0xf] {
            s.push(char::from(*DIGITS.get(usize::from(nibble)).unwrap_or(&b'0')));
        }
    }
    s
}

/// A chain value from 64 lowercase hex digits.
pub(crate) fn unhex(digits: &[u8]) -> Option<Digest> {
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    if digits.len() != HEX_LEN {
        return None;
    }
    let mut out = GENESIS;
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let [hi, lo] = pair else { return None };
        *byte = (nibble(*hi)? << 4) | nibble(*lo)?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &[u8] = b"{\"timestamp\":\"2026-12-06T00:00:00.000000Z\",\"level\":\"info\",\"component\":\"admin\",\"event\":\"grant\",\"message\":\"m\",\"user_id\":7}\n";

    #[test]
    fn a_record_reads_back_as_written() {
        let chain = Chain::Plain;
        let mut out = Vec::new();
        let value = append(&mut out, LINE, 42, &chain, &GENESIS);
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(
            text.ends_with(&format!(
                ",\"user_id\":7,\"audit_seq\":42,\"audit_chain\":\"{}\"}}\n",
                hex(&value)
            )),
            "{text}"
        );
        let parsed = parse(out.strip_suffix(b"\n").unwrap()).unwrap();
        assert_eq!((parsed.seq, parsed.chain), (42, value));
        assert_eq!(chain.next(&GENESIS, parsed.body), value);
        assert!(parsed.body.ends_with(b"\"audit_seq\":42"));
    }

    /// SHA-256 of the empty input and HMAC-SHA256 from RFC 4231, test case 2: the primitives
    /// are the standard ones.
    #[test]
    fn the_primitives_are_the_standard_ones() {
        let sha = Sha256::digest(b"");
        assert_eq!(hex(&sha), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        let keyed = Chain::new(Some(&AuditKey::new("Jefe")));
        assert!(keyed.is_keyed());
        let Chain::Keyed(mac) = keyed else { unreachable!() };
        let mut mac = (*mac).clone();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_key_and_the_previous_value_change_every_value() {
        let plain = Chain::Plain;
        let keyed = Chain::new(Some(&AuditKey::new("k1")));
        let other = Chain::new(Some(&AuditKey::new("k2")));
        let a = plain.next(&GENESIS, b"x");
        assert_ne!(a, plain.next(&a, b"x"));
        assert_ne!(a, keyed.next(&GENESIS, b"x"));
        assert_ne!(keyed.next(&GENESIS, b"x"), other.next(&GENESIS, b"x"));
    }

    #[test]
    fn lines_without_both_keys_in_place_are_not_records() {
        let mut out = Vec::new();
        append(&mut out, LINE, 7, &Chain::Plain, &GENESIS);
        let good = String::from_utf8(out).unwrap();
        let good = good.trim_end();
        assert!(parse(good.as_bytes()).is_some());
        for bad in [
            std::str::from_utf8(LINE).unwrap().trim_end().to_owned(),
            good.replace("\"audit_seq\":7", "\"audit_seq\":07"),
            good.replace("\"audit_seq\":7", "\"audit_seq\":"),
            good.replace("\"audit_seq\"", "\"audit_sek\""),
            good[..good.len() - 3].to_owned() + "\"}",
            good.to_uppercase(),
        ] {
            assert_eq!(parse(bad.as_bytes()), None, "{bad}");
        }
        assert_eq!(unhex(hex(&[0xab; 32]).as_bytes()), Some([0xab; 32]));
    }

    #[test]
    fn the_fields_of_a_notice_read_back() {
        let body = br#"{"message":"\"first_seq\":9","first_seq":42,"first_prev":"abab","reason":"a \"b\" \\ \n \u00e9 \ud83d\ude00 c","x":1,"audit_seq":3"#;
        assert_eq!(number(body, b"\"first_seq\":"), Some(42));
        assert_eq!(number(body, b"\"missing\":"), None);
        assert_eq!(digest(body, b"\"first_prev\":\""), None, "too short");
        assert_eq!(
            string(body, b"\"reason\":\"").as_deref(),
            Some("a \"b\" \\ \n \u{e9} \u{1f600} c")
        );
        assert_eq!(string(br#""reason":"cut"#, b"\"reason\":\""), None);
        assert_eq!(string(br#""reason":"\ud83d""#, b"\"reason\":\""), None, "a lone surrogate");
    }
}
