//! Pseudonyms and masks: for values that must stay followable or recognizable across lines
//! without being written.
//!
//! - [`PseudonymKey::pseudonym`]: `hmac:` and the first 64 bits of HMAC-SHA256 of the value, in
//!   hex, under the key of `LOGFIX_REDACT_KEY`. One value always gives the same pseudonym, so one
//!   user or session can be followed across lines and services that share the key; without the
//!   key, a pseudonym cannot be tied to a value, not even by trying every likely value.
//! - [`last4`]: the last four digits of a card-like number (`****1111`).
//! - [`email`]: the domain of an address (`***@example.com`).
//!
//! Why 64 bits: among a billion distinct values, two share a pseudonym with a probability of
//! about 3 %; among a million, about 3 × 10⁻⁸ (the birthday bound, n² / 2⁶⁵). That is enough to
//! follow one value through a log store, in 16 characters instead of 64; a pseudonym needs no
//! resistance to forgery, and shortening an HMAC does not make its key easier to find.
//!
//! # Examples
//! ```
//! use logfix_runtime::redact::pseudonym::{email, last4, pseudonym, PseudonymKey};
//!
//! let key = PseudonymKey::new(b"0123456789abcdef0123456789abcdef")?;
//! let ann = key.pseudonym("ann@example.com");
//! assert_eq!(ann.as_str(), "hmac:093e3dd9df951c50");
//! assert_eq!(key.pseudonym("ann@example.com"), ann);
//! // Without a key, the caller writes `[REDACTED]` and reports `MissingKey` once.
//! assert!(pseudonym(None, "ann@example.com").is_err());
//!
//! assert_eq!(last4("4111 1111 1111 1111").to_string(), "****1111");
//! assert_eq!(email("ann.lee@example.com").to_string(), "***@example.com");
//! assert_eq!(email("not an address").to_string(), "[REDACTED]");
//! # Ok::<(), logfix_runtime::redact::pseudonym::KeyTooShort>(())
//! ```

use core::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use logfix_core::REDACTED;

/// The shortest key accepted, in bytes: 32, the output size of SHA-256 (RFC 2104 advises no
/// less). `openssl rand -hex 32` makes a good one.
pub const MIN_KEY_LEN: usize = 32;

/// What a pseudonym starts with, so that a reader knows it is not the value.
const PREFIX: &[u8; 5] = b"hmac:";
/// How many bytes of the HMAC a pseudonym keeps (64 bits; see the [module docs](self)).
const KEPT: usize = 8;

/// The key of the pseudonyms (`LOGFIX_REDACT_KEY`). It is never written: its `Debug` shows
/// `[REDACTED]`, and the settings' summary in `logging_started` says only that a key is set.
///
/// # Examples
/// ```
/// use logfix_runtime::redact::pseudonym::PseudonymKey;
///
/// let key = PseudonymKey::new(b"0123456789abcdef0123456789abcdef")?;
/// assert_eq!(format!("{key:?}"), "PseudonymKey([REDACTED])");
/// assert!(PseudonymKey::new(b"changeme").is_err());
/// # Ok::<(), logfix_runtime::redact::pseudonym::KeyTooShort>(())
/// ```
#[derive(Clone)]
pub struct PseudonymKey {
    /// HMAC keyed once: each pseudonym starts from a copy.
    mac: Hmac<Sha256>,
}

impl PseudonymKey {
    /// A key from its bytes.
    ///
    /// # Errors
    /// If `key` is shorter than [`MIN_KEY_LEN`].
    pub fn new(key: &[u8]) -> Result<Self, KeyTooShort> {
        if key.len() < MIN_KEY_LEN {
            return Err(KeyTooShort { len: key.len() });
        }
        let mac =
            Hmac::<Sha256>::new_from_slice(key).map_err(|_| KeyTooShort { len: key.len() })?;
        Ok(Self { mac })
    }

    /// The pseudonym of `value`: `hmac:` and 16 lowercase hex digits.
    #[must_use]
    pub fn pseudonym(&self, value: &str) -> Pseudonym {
        let mut mac = self.mac.clone();
        mac.update(value.as_bytes());
        let tag = mac.finalize().into_bytes();
        let mut text = [0; PREFIX.len() + 2 * KEPT];
        let (prefix, digits) = text.split_at_mut(PREFIX.len());
        prefix.copy_from_slice(PREFIX);
        for (pair, byte) in digits.chunks_exact_mut(2).zip(tag.iter()) {
            for (digit, nibble) in pair.iter_mut().zip([byte >> 4, byte & 0xf]) {
                *digit = b"0123456789abcdef".get(usize::from(nibble)).copied().unwrap_or(b'0');
            }
        }
        Pseudonym(text)
    }
}

/// Two keys are equal when they give the same pseudonyms (compared on the full HMAC of an
/// empty value, so that the key itself need not be kept).
impl PartialEq for PseudonymKey {
    fn eq(&self, other: &Self) -> bool {
        self.mac.clone().finalize().into_bytes() == other.mac.clone().finalize().into_bytes()
    }
}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PseudonymKey({REDACTED})")
    }
}

/// A key shorter than [`MIN_KEY_LEN`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyTooShort {
    /// Its length in bytes.
    pub len: usize,
}

impl fmt::Display for KeyTooShort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the key has {} bytes, at least {MIN_KEY_LEN} are needed (`openssl rand -hex 32` makes one)",
            self.len
        )
    }
}

impl std::error::Error for KeyTooShort {}

/// A pseudonym: `hmac:` and the first 64 bits of HMAC-SHA256 of the value in lowercase hex,
/// the same as `printf %s "$VALUE" | openssl dgst -sha256 -hmac "$LOGFIX_REDACT_KEY"` shows
/// (its first 16 digits), so that the lines of one value can be looked up.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pseudonym([u8; PREFIX.len() + 2 * KEPT]);

impl Pseudonym {
    /// The pseudonym as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Always ASCII: the prefix and hex digits.
        core::str::from_utf8(&self.0).unwrap_or(REDACTED)
    }
}

impl fmt::Display for Pseudonym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Pseudonym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The pseudonym of `value` under `key`.
///
/// # Errors
/// [`MissingKey`] without a key: the caller writes `[REDACTED]` instead, and reports the
/// missing key once (as a `config_invalid` event: `ConfigIssue::from(MissingKey)`).
///
/// # Examples
/// ```
/// use logfix_runtime::redact::pseudonym::{pseudonym, MissingKey, PseudonymKey};
///
/// let key = PseudonymKey::new(&[7; 32])?;
/// assert_eq!(pseudonym(Some(&key), "u-42")?, key.pseudonym("u-42"));
/// assert_eq!(pseudonym(None, "u-42"), Err(MissingKey));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn pseudonym(key: Option<&PseudonymKey>, value: &str) -> Result<Pseudonym, MissingKey> {
    key.map(|key| key.pseudonym(value)).ok_or(MissingKey)
}

/// A pseudonym was asked for while `LOGFIX_REDACT_KEY` is not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingKey;

impl fmt::Display for MissingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no key is set, so values to be pseudonymized are written as {REDACTED} (set a key of at least {MIN_KEY_LEN} bytes, e.g. from `openssl rand -hex 32`)"
        )
    }
}

impl std::error::Error for MissingKey {}

/// A masked value: what [`last4`] and [`email`] return. Its `Display` writes the mask, then
/// the part of the value that is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Masked<'a> {
    mask: &'static str,
    kept: &'a str,
}

impl Masked<'_> {
    const REDACTED: Masked<'static> = Masked { mask: REDACTED, kept: "" };
}

impl fmt::Display for Masked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.mask)?;
        f.write_str(self.kept)
    }
}

/// The fewest digits a number must have for its last four to be shown: below that, four digits
/// are too large a part of it.
const MIN_LAST4_DIGITS: usize = 12;

/// `****` and the last four digits of a card-like number: digits, with spaces or dashes
/// between them, at least 12 digits, ending in four digits. Anything else is `[REDACTED]`.
///
/// # Examples
/// ```
/// use logfix_runtime::redact::pseudonym::last4;
///
/// assert_eq!(last4("4111-1111-1111-1234").to_string(), "****1234");
/// assert_eq!(last4("1234").to_string(), "[REDACTED]");
/// assert_eq!(last4("DE89 3704 0044 0532 0130 00").to_string(), "[REDACTED]");
/// ```
#[must_use]
pub fn last4(value: &str) -> Masked<'_> {
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    let card_like = value.bytes().all(|b| b.is_ascii_digit() || b == b' ' || b == b'-');
    let tail = value.get(value.len().saturating_sub(4)..).unwrap_or_default();
    if card_like
        && digits >= MIN_LAST4_DIGITS
        && tail.len() == 4
        && tail.bytes().all(|b| b.is_ascii_digit())
    {
        Masked { mask: "****", kept: tail }
    } else {
        Masked::REDACTED
    }
}

/// `***@` and the domain of an e-mail address: the local part (before the last `@`) is hidden.
/// Anything that is not an address (no `@`, nothing before it, a domain that is empty, longer
/// than 253 bytes or holds a space or a control character) is `[REDACTED]`.
///
/// # Examples
/// ```
/// use logfix_runtime::redact::pseudonym::email;
///
/// assert_eq!(email("ann.lee+shop@Example.COM").to_string(), "***@Example.COM");
/// assert_eq!(email("@example.com").to_string(), "[REDACTED]");
/// ```
#[must_use]
pub fn email(value: &str) -> Masked<'_> {
    match value.rsplit_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && !domain.is_empty()
                && domain.len() <= 253
                && !domain.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Masked { mask: "***@", kept: domain }
        }
        _ => Masked::REDACTED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231, test case 6 (a key longer than a block): the pseudonym is the first 64 bits of
    /// the standard HMAC-SHA256, so that other tools can compute it.
    #[test]
    fn pseudonyms_are_truncated_hmac_sha256() {
        let key = PseudonymKey::new(&[0xaa; 131]).unwrap();
        let value = "Test Using Larger Than Block-Size Key - Hash Key First";
        assert_eq!(key.pseudonym(value).as_str(), "hmac:60e431591ee0b67f");
    }

    #[test]
    fn one_value_one_pseudonym_and_keys_differ() {
        let key = PseudonymKey::new(&[1; 32]).unwrap();
        let other = PseudonymKey::new(&[2; 32]).unwrap();
        assert_eq!(key.pseudonym("u-42"), key.clone().pseudonym("u-42"));
        assert_ne!(key.pseudonym("u-42"), key.pseudonym("u-43"));
        assert_ne!(key.pseudonym("u-42"), other.pseudonym("u-42"));
        assert_eq!(key, PseudonymKey::new(&[1; 32]).unwrap());
        assert_ne!(key, other);
        let text = key.pseudonym("u-42").to_string();
        assert_eq!(text.len(), 21);
        assert!(text.strip_prefix("hmac:").unwrap().bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn short_keys_are_refused_and_keys_are_never_shown() {
        assert_eq!(PseudonymKey::new(&[1; 31]).unwrap_err(), KeyTooShort { len: 31 });
        let key = PseudonymKey::new(b"super-secret-key-material-0123456789").unwrap();
        assert!(!format!("{key:?}").contains("super"));
        assert!(!format!("{:?}", Some(key)).contains("super"));
    }

    #[test]
    fn last_four_digits_of_card_like_numbers_only() {
        for (value, expected) in [
            ("4111111111111111", "****1111"),
            ("4111 1111 1111 1111", "****1111"),
            ("3782-822463-10005", "****0005"),
            ("123456789012", "****9012"),
            ("12345678901", "[REDACTED]"),
            ("4111 1111 1111 11 11", "[REDACTED]"),
            ("4111111111111111 ", "[REDACTED]"),
            ("4111-1111-1111-111x", "[REDACTED]"),
            ("", "[REDACTED]"),
            ("é4111111111111", "[REDACTED]"),
        ] {
            assert_eq!(last4(value).to_string(), expected, "{value:?}");
        }
    }

    #[test]
    fn emails_keep_the_domain_only() {
        for (value, expected) in [
            ("ann@example.com", "***@example.com"),
            ("\"a@b\"@example.com", "***@example.com"),
            ("ann@localhost", "***@localhost"),
            ("ann", "[REDACTED]"),
            ("ann@", "[REDACTED]"),
            ("@example.com", "[REDACTED]"),
            ("ann@exa mple.com", "[REDACTED]"),
            ("ann@ex\nample.com", "[REDACTED]"),
        ] {
            assert_eq!(email(value).to_string(), expected, "{value:?}");
        }
    }
}
