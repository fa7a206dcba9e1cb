//! Names that suggest a secret: the one policy for the field and argument names the macros check
//! at compile time and for the names (fields, headers, query parameters) the runtime checks.
//!
//! A name is split into [`words`], and it is sensitive when the words of an entry of the
//! vocabulary ([`SENSITIVE_NAMES`], plus an operator's own with [`Policy::with_extra`]) appear in
//! it one after the other, unless a [measure word](MEASURE_WORDS) stands right before or after
//! them. The [crate documentation](crate#sensitive-names) states the rules exactly.
//!
//! # Examples
//! ```
//! use logfix_core::sensitive::{is_sensitive, words};
//!
//! assert_eq!(words("x.apiKey").collect::<Vec<_>>(), ["x", "api", "Key"]);
//! assert!(is_sensitive("x.apiKey"));
//! assert!(is_sensitive("user_passwords"));
//! assert!(!is_sensitive("token_count"));
//! assert!(!is_sensitive("company"));
//! ```

use std::sync::OnceLock;

/// The default vocabulary: the names that make a name sensitive, one entry per name, its words
/// lowercase and joined by `_` (`card_number` is the words `card`, `number`).
///
/// Run-together spellings that cannot be split into words (`apikey`, `sessionid`) are entries of
/// their own.
///
/// # Examples
/// ```
/// assert!(logfix_core::sensitive::SENSITIVE_NAMES.contains(&"card_number"));
/// ```
pub const SENSITIVE_NAMES: &[&str] = &[
    "access_key",
    "api_key",
    "apikey",
    "authorization",
    "bearer",
    "card_number",
    "cookie",
    "credential",
    "creds",
    "cvc",
    "cvv",
    "iban",
    "jsessionid",
    "jwt",
    "mfa_code",
    "otp",
    "pan",
    "passphrase",
    "passwd",
    "password",
    "pin",
    "private_key",
    "privatekey",
    "pwd",
    "secret",
    "session_id",
    "sessionid",
    "signing_key",
    "ssn",
    "token",
    "totp",
];

/// Words that say a name holds a measure or a description of a secret, not the secret itself:
/// an entry right after or right before one of these does not count (`token_count`,
/// `max_tokens`, `password_min_length`, `token_type`).
///
/// # Examples
/// ```
/// assert!(logfix_core::sensitive::MEASURE_WORDS.contains(&"count"));
/// ```
pub const MEASURE_WORDS: &[&str] = &[
    "count", "expires", "expiry", "kind", "len", "length", "limit", "max", "min", "size", "ttl",
    "type",
];

/// The words of `name`, as slices of it, in their original case.
///
/// Words are separated by every ASCII character that is not a letter or a digit (`_`, `-`, `.`,
/// spaces, ...), and a new word starts at an uppercase ASCII letter that follows a lowercase one
/// (`apiKey`; digits in between count as the letter before them: `oauth2Token`) or that is
/// followed by a lowercase one (`APIKey` is `API`, `Key`). Non-ASCII characters belong to the
/// word they are in.
///
/// # Examples
/// ```
/// use logfix_core::sensitive::words;
///
/// let split = |name| words(name).collect::<Vec<_>>();
/// assert_eq!(split("api_key"), ["api", "key"]);
/// assert_eq!(split("X-Api-Key"), ["X", "Api", "Key"]);
/// assert_eq!(split("APIKey"), ["API", "Key"]);
/// assert_eq!(split("sessionID"), ["session", "ID"]);
/// assert_eq!(split("JSESSIONID"), ["JSESSIONID"]);
/// assert_eq!(split("__"), [] as [&str; 0]);
/// ```
#[must_use]
pub fn words(name: &str) -> Words<'_> {
    Words { name, at: 0 }
}

/// The iterator returned by [`words`].
#[derive(Debug, Clone)]
pub struct Words<'a> {
    name: &'a str,
    /// Where the next word is looked for: always a character boundary.
    at: usize,
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.name.as_bytes();
        let class = |at: usize| bytes.get(at).map_or(Class::Separator, |&b| Class::of(b));
        let mut start = self.at;
        while class(start) == Class::Separator {
            if start >= bytes.len() {
                return None;
            }
            start += 1;
        }
        // Whether the last ASCII letter so far is lowercase: digits keep the case before them.
        let mut lowercase = class(start) == Class::Lower;
        let mut end = start + 1;
        loop {
            match class(end) {
                Class::Separator => break,
                Class::Upper if lowercase || class(end + 1) == Class::Lower => break,
                Class::Lower => lowercase = true,
                Class::Upper | Class::Other => {}
            }
            end += 1;
        }
        // `start` follows an ASCII byte or the start, and `end` is an ASCII byte or the end:
        // both are character boundaries.
        self.at = end;
        self.name.get(start..end)
    }
}

/// What a byte is to the word splitter.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Any ASCII byte that is not a letter or a digit.
    Separator,
    Lower,
    Upper,
    /// A digit, or a byte of a non-ASCII character.
    Other,
}

impl Class {
    #[inline]
    const fn of(b: u8) -> Self {
        match b {
            b'a'..=b'z' => Class::Lower,
            b'A'..=b'Z' => Class::Upper,
            b'0'..=b'9' | 0x80.. => Class::Other,
            _ => Class::Separator,
        }
    }
}

/// Whether `name` is sensitive by the default vocabulary ([`SENSITIVE_NAMES`]).
///
/// # Examples
/// ```
/// use logfix_core::sensitive::is_sensitive;
///
/// assert!(is_sensitive("Authorization"));
/// assert!(is_sensitive("clientSecret"));
/// assert!(is_sensitive("X-API-KEY"));
/// assert!(!is_sensitive("user_id"));
/// assert!(!is_sensitive("pinned"));
/// ```
#[must_use]
#[inline]
pub fn is_sensitive(name: &str) -> bool {
    default_policy().is_sensitive(name)
}

/// The entry of the default vocabulary that makes `name` sensitive, as written in
/// [`SENSITIVE_NAMES`], if any.
///
/// # Examples
/// ```
/// use logfix_core::sensitive::sensitive_entry;
///
/// assert_eq!(sensitive_entry("cardNumber"), Some("card_number"));
/// assert_eq!(sensitive_entry("page"), None);
/// ```
#[must_use]
pub fn sensitive_entry(name: &str) -> Option<&'static str> {
    default_policy().matching_entry(name)
}

/// The default vocabulary ([`SENSITIVE_NAMES`]) as a [`Policy`], built on first use.
///
/// # Examples
/// ```
/// assert!(logfix_core::sensitive::default_policy().is_sensitive("api_key"));
/// ```
#[must_use]
#[inline]
pub fn default_policy() -> &'static Policy {
    static DEFAULT: OnceLock<Policy> = OnceLock::new();
    DEFAULT.get_or_init(Policy::default)
}

/// A sensitive-name vocabulary: the default one, or the default one extended with an operator's
/// words (`LOGFIX_REDACT_KEYS`).
///
/// Build it once. Checking a name allocates nothing and costs a few hundred instructions for a
/// name of three words; where names are static (a `tracing` callsite's fields), check each name
/// once and keep the answer.
///
/// # Examples
/// ```
/// use logfix_core::sensitive::Policy;
///
/// let policy = Policy::with_extra(["tenant_key", "x-internal-auth"]);
/// assert!(policy.is_sensitive("password"));
/// assert!(policy.is_sensitive("TenantKey"));
/// assert!(policy.is_sensitive("X-Internal-Auth"));
/// assert!(!policy.is_sensitive("tenant"));
/// assert!(!Policy::default().is_sensitive("TenantKey"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Sorted by the length of their first word, then by text.
    entries: Vec<Entry>,
    /// `entries[by_len[n]..by_len[n + 1]]` are the entries whose first word is `n` bytes long.
    by_len: Vec<usize>,
    /// Which words may be the first word of an entry: a name none of whose words (or their
    /// singulars) is among them is not sensitive, and most names are turned down by it alone.
    first_words: Box<FirstWords>,
}

/// A set of words by their length (modulo 16) and their first, second and last bytes, ignoring
/// ASCII case, hashed into 16 384 bits: exact enough to turn down nearly every ordinary word in
/// a few instructions, and never turning down a word it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FirstWords([u64; 256]);

impl FirstWords {
    /// The bit of `word`. Five bits of each byte are kept (`a` and `A` share them; other bytes
    /// share them with some letter, which can only let a word through), then mixed
    /// (Fibonacci hashing) into the top fourteen bits.
    #[inline]
    fn bit(word: &[u8]) -> usize {
        let byte = |at: usize| word.get(at).map_or(0, |&b| u32::from(b & 0x1f));
        #[allow(clippy::cast_possible_truncation, reason = "four bits of the length are kept")]
        let len = (word.len() & 15) as u32;
        let last = word.len().saturating_sub(1);
        let key = len << 15 | byte(0) << 10 | byte(1) << 5 | byte(last);
        (key.wrapping_mul(0x9e37_79b1) >> 18) as usize
    }

    fn insert(&mut self, word: &[u8]) {
        let bit = Self::bit(word);
        if let Some(slot) = self.0.get_mut(bit / 64) {
            *slot |= 1 << (bit % 64);
        }
    }

    #[inline]
    fn holds(&self, word: &[u8]) -> bool {
        let bit = Self::bit(word);
        self.0.get(bit / 64).is_some_and(|slot| slot & 1 << (bit % 64) != 0)
    }

    /// Whether `word` or its singular ([`singular`]) may be the first word of an entry.
    #[inline]
    fn may_start(&self, word: &[u8]) -> bool {
        match word.split_last() {
            None => false,
            Some((b's' | b'S', stem)) if !stem.is_empty() => self.holds(word) || self.holds(stem),
            Some(_) => self.holds(word),
        }
    }
}

/// Whether `name` is one word ([`words`]) from its first byte to its last: no separator, and
/// not both ASCII cases (a case change is where a word may start).
#[inline]
fn is_one_word(name: &[u8]) -> bool {
    const LOWER: u8 = 1;
    const UPPER: u8 = 2;
    const SEPARATOR: u8 = 4;
    /// What each byte is, as bits: one lookup per byte of every name checked.
    #[allow(
        clippy::indexing_slicing,
        reason = "b < 256, in a constant: a wrong index fails the build"
    )]
    static KIND: [u8; 256] = {
        let mut table = [0; 256];
        let mut b = 0;
        while b < 256 {
            #[allow(clippy::cast_possible_truncation, reason = "b < 256")]
            let byte = b as u8;
            table[b] = match Class::of(byte) {
                Class::Lower => LOWER,
                Class::Upper => UPPER,
                Class::Separator => SEPARATOR,
                Class::Other => 0,
            };
            b += 1;
        }
        table
    };
    let kinds = name
        .iter()
        .fold(0, |kinds, &b| kinds | KIND.get(usize::from(b)).copied().unwrap_or(SEPARATOR));
    !name.is_empty() && kinds & SEPARATOR == 0 && kinds & (LOWER | UPPER) != LOWER | UPPER
}

/// An entry of the vocabulary: its words, lowercase, joined by `_`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    /// The length of the first word in `text`.
    first_len: usize,
    text: Box<str>,
}

impl Entry {
    fn new(text: String) -> Self {
        Self { first_len: text.find('_').unwrap_or(text.len()), text: text.into_boxed_str() }
    }

    fn first_word(&self) -> &str {
        self.text.get(..self.first_len).unwrap_or_default()
    }

    fn other_words(&self) -> impl Iterator<Item = &str> {
        self.text.get(self.first_len..).unwrap_or_default().split('_').skip(1)
    }
}

impl Default for Policy {
    /// The default vocabulary, [`SENSITIVE_NAMES`].
    fn default() -> Self {
        Self::with_extra::<_, &str>([])
    }
}

impl Policy {
    /// The default vocabulary and `extra` entries, each written as a name would be: `tenant_key`,
    /// `TenantKey` and `tenant-key` are all the entry of the words `tenant`, `key`. An entry
    /// without letters or digits is ignored.
    #[must_use]
    pub fn with_extra<I, S>(extra: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let extra = extra.into_iter().map(|entry| {
            let words: Vec<String> = words(entry.as_ref()).map(str::to_ascii_lowercase).collect();
            words.join("_")
        });
        let mut entries: Vec<Entry> = SENSITIVE_NAMES
            .iter()
            .map(|&entry| entry.to_owned())
            .chain(extra)
            .filter(|text| !text.is_empty())
            .map(Entry::new)
            .collect();
        entries.sort();
        entries.dedup();
        let longest = entries.iter().map(|entry| entry.first_len).max().unwrap_or(0);
        let by_len =
            (0..=longest + 1).map(|n| entries.partition_point(|e| e.first_len < n)).collect();
        let mut first_words = Box::new(FirstWords([0; 256]));
        for entry in &entries {
            first_words.insert(entry.first_word().as_bytes());
        }
        Self { entries, by_len, first_words }
    }

    /// Whether `name` is sensitive: whether the words of an entry appear in it one after the
    /// other, with no [measure word](MEASURE_WORDS) right before or after them.
    #[must_use]
    #[inline]
    pub fn is_sensitive(&self, name: &str) -> bool {
        self.matching_entry(name).is_some()
    }

    /// [`Policy::is_sensitive`] of `word`, which the caller has found to be one word (only ASCII
    /// letters and digits, and not both ASCII cases): for a scanner that reads a name's bytes
    /// anyway, without classifying them again. Most words are turned down inline.
    #[doc(hidden)]
    #[must_use]
    #[inline]
    pub fn is_sensitive_word(&self, word: &str) -> bool {
        debug_assert!(is_one_word(word.as_bytes()), "{word:?} is not one word");
        self.first_words.may_start(word.as_bytes()) && self.one_word_entry(word).is_some()
    }

    /// The entry that makes `name` sensitive (its words joined by `_`), if any.
    #[must_use]
    #[inline]
    pub fn matching_entry(&self, name: &str) -> Option<&str> {
        if is_one_word(name.as_bytes()) {
            if !self.first_words.may_start(name.as_bytes()) {
                return None;
            }
            return self.one_word_entry(name);
        }
        self.entry_in_words(name)
    }

    /// [`Policy::entry_in_words`] for a name that is one word: only an entry of one word can
    /// match it, and no word stands before or after it to discount the match, so the name is
    /// not split.
    fn one_word_entry(&self, word: &str) -> Option<&str> {
        let of_one_word = |word| {
            self.starting_with(word)
                .find(|entry| entry.first_len == entry.text.len())
                .map(|entry| &*entry.text)
        };
        of_one_word(word).or_else(|| singular(word).and_then(of_one_word))
    }

    /// [`Policy::matching_entry`], looking at every word of `name`.
    fn entry_in_words(&self, name: &str) -> Option<&str> {
        let mut before: Option<&str> = None;
        let mut rest = words(name);
        while let Some(word) = rest.next() {
            if !self.first_words.may_start(word.as_bytes()) {
                before = Some(word);
                continue;
            }
            let singular = singular(word);
            for first in core::iter::once(word).chain(singular) {
                for entry in self.starting_with(first) {
                    let mut after = rest.clone();
                    let matched = entry
                        .other_words()
                        .all(|entry_word| after.next().is_some_and(|w| same_word(w, entry_word)));
                    if matched
                        && !before.is_some_and(is_measure)
                        && !after.next().is_some_and(is_measure)
                    {
                        return Some(&entry.text);
                    }
                }
            }
            before = Some(word);
        }
        None
    }

    /// The entries whose first word is `word`, ignoring ASCII case.
    fn starting_with<'p, 'w>(
        &'p self,
        word: &'w str,
    ) -> impl Iterator<Item = &'p Entry> + use<'p, 'w> {
        let len = word.len();
        let same_len = match (self.by_len.get(len), self.by_len.get(len + 1)) {
            (Some(&from), Some(&to)) => self.entries.get(from..to).unwrap_or_default(),
            _ => &[],
        };
        let initial = word.as_bytes().first().map(u8::to_ascii_lowercase);
        same_len.iter().filter(move |entry| {
            entry.first_word().as_bytes().first().copied() == initial
                && entry.first_word().eq_ignore_ascii_case(word)
        })
    }
}

/// `word` without its final `s` or `S`, unless that leaves nothing.
fn singular(word: &str) -> Option<&str> {
    match word.as_bytes() {
        [_, .., b's' | b'S'] => word.get(..word.len() - 1),
        _ => None,
    }
}

/// Whether a word of a name is `entry_word` (lowercase), ignoring ASCII case and a final `s`.
fn same_word(word: &str, entry_word: &str) -> bool {
    word.eq_ignore_ascii_case(entry_word)
        || singular(word).is_some_and(|stem| stem.eq_ignore_ascii_case(entry_word))
}

fn is_measure(word: &str) -> bool {
    MEASURE_WORDS.iter().any(|measure| word.eq_ignore_ascii_case(measure))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn split(name: &str) -> Vec<&str> {
        words(name).collect()
    }

    #[test]
    fn names_split_at_separators_and_case_changes() {
        for (name, expected) in [
            ("api_key", &["api", "key"][..]),
            ("api-key", &["api", "key"]),
            ("x.api_key", &["x", "api", "key"]),
            ("apiKey", &["api", "Key"]),
            ("APIKey", &["API", "Key"]),
            ("getAPIKeys", &["get", "API", "Keys"]),
            ("API_KEY", &["API", "KEY"]),
            ("oauth2Token", &["oauth2", "Token"]),
            ("OAUTH2Token", &["OAUTH2", "Token"]),
            ("OAUTH2_TOKEN", &["OAUTH2", "TOKEN"]),
            ("login2FA", &["login2", "FA"]),
            ("2FA", &["2FA"]),
            ("sha256", &["sha256"]),
            ("sessionID", &["session", "ID"]),
            ("X-Amz-Signature", &["X", "Amz", "Signature"]),
            ("  user  name ", &["user", "name"]),
            ("ü_token", &["ü", "token"]),
            ("größeInBytes", &["größe", "In", "Bytes"]),
            ("a", &["a"]),
            ("", &[]),
            ("_-.", &[]),
        ] {
            assert_eq!(split(name), expected, "{name}");
        }
    }

    #[test]
    fn every_entry_is_sensitive_in_every_spelling() {
        for entry in SENSITIVE_NAMES {
            let parts: Vec<&str> = entry.split('_').collect();
            let camel: String = parts
                .iter()
                .enumerate()
                .map(|(i, part)| if i == 0 { (*part).to_owned() } else { capitalized(part) })
                .collect();
            for name in [
                (*entry).to_owned(),
                parts.join("-"),
                parts.join("."),
                camel,
                entry.to_uppercase(),
                format!("user_{entry}"),
                format!("{entry}s"),
                format!("x-{}-value", parts.join("-")),
            ] {
                assert_eq!(sensitive_entry(&name), Some(*entry), "{name}");
            }
        }
    }

    fn capitalized(word: &str) -> String {
        let mut chars = word.chars();
        chars
            .next()
            .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
            .unwrap_or_default()
    }

    #[test]
    fn names_the_issue_lists_are_sensitive() {
        for name in [
            "password",
            "passwd",
            "pwd",
            "passphrase",
            "client_secret",
            "creds",
            "credentials",
            "otp",
            "pin",
            "cvv",
            "pan",
            "card_number",
            "cardNumber",
            "iban",
            "ssn",
            "jwt",
            "mfa_code",
            "signing_key",
            "bearer",
            "session_id",
            "sessionId",
            "JSESSIONID",
            "refresh-token",
            "apiKey",
            "api-key",
            "x.api_key",
            "APIKey",
            "X-API-KEY",
            "Authorization",
            "proxy-authorization",
            "set-cookie",
            "private.key",
            "ssh-private-key",
            "sessionToken",
        ] {
            assert!(is_sensitive(name), "{name}");
        }
    }

    #[test]
    fn common_false_positives_pass() {
        for name in [
            "token_count",
            "max_tokens",
            "token_type",
            "password_min_length",
            "pinned",
            "span",
            "panic",
            "company",
            "spin",
            "key",
            "api",
            "private",
            "pass",
            "author",
            "session",
            "session_count",
            "user_id",
            "page",
            "user-agent",
            "card",
            "number",
            "",
        ] {
            assert_eq!(sensitive_entry(name), None, "{name}");
        }
    }

    #[test]
    fn a_measure_word_discounts_only_the_match_next_to_it() {
        assert!(!is_sensitive("token_count"));
        assert!(!is_sensitive("count_token"));
        assert!(!is_sensitive("token_count_password"), "`count` is right before `password` too");
        assert!(is_sensitive("token_count_user_password"));
        assert!(is_sensitive("token_in_count"));
        assert!(is_sensitive("token_hash"));
    }

    #[test]
    fn operator_entries_extend_the_vocabulary_in_any_spelling() {
        let policy = Policy::with_extra(["Tenant-Key", "ssn", "_", "x_internal_auth"]);
        assert_eq!(policy.matching_entry("tenantKeys"), Some("tenant_key"));
        assert_eq!(policy.matching_entry("X-Internal-Auth"), Some("x_internal_auth"));
        assert!(policy.is_sensitive("ssn"));
        assert!(!policy.is_sensitive("tenant"));
        assert!(!policy.is_sensitive("internal_auth"));
        assert_eq!(policy.entries.len(), SENSITIVE_NAMES.len() + 2, "duplicates and empties go");
        assert_eq!(policy.matching_entry("card_numbers"), Some("card_number"));
        assert!(Policy::with_extra(["tenant_key"]).is_sensitive("tenant_key"));
    }

    #[test]
    fn the_default_vocabulary_is_written_as_the_policy_stores_it() {
        for entry in SENSITIVE_NAMES.iter().chain(MEASURE_WORDS) {
            let normalized: Vec<String> = words(entry).map(str::to_ascii_lowercase).collect();
            assert_eq!(normalized.join("_"), *entry);
        }
    }

    /// A word that is neither in the vocabulary nor a measure word.
    fn ordinary_word() -> impl Strategy<Value = String> {
        prop::sample::select(&["user", "request", "http", "header", "value", "id", "retry"][..])
            .prop_map(str::to_owned)
    }

    /// `parts` written in one of the spellings names come in.
    fn spelled(parts: &[String], style: u8) -> String {
        match style % 5 {
            0 => parts.join("_"),
            1 => parts.join("-"),
            2 => parts.join("."),
            3 => parts.join("_").to_uppercase(),
            _ => parts
                .iter()
                .enumerate()
                .map(|(i, part)| if i == 0 { part.clone() } else { capitalized(part) })
                .collect(),
        }
    }

    proptest! {
        /// Words start with two letters: camel case cannot tell `aAB` or `xA0B0` apart.
        #[test]
        fn splitting_a_spelled_name_gives_its_words_back(
            parts in prop::collection::vec("[a-z]{2,6}[0-9]{0,2}", 1..5),
            style in any::<u8>(),
        ) {
            let name = spelled(&parts, style);
            let back: Vec<String> = words(&name).map(str::to_ascii_lowercase).collect();
            prop_assert_eq!(back, parts);
        }

        #[test]
        fn words_keep_every_letter_and_digit(name in "\\PC{0,24}") {
            let kept: String = words(&name).collect();
            let expected: String =
                name.chars().filter(|c| c.is_ascii_alphanumeric() || !c.is_ascii()).collect();
            prop_assert_eq!(kept, expected);
            prop_assert!(words(&name).all(|word| !word.is_empty()));
        }

        /// A name of one word is judged without being split, exactly as its split would be:
        /// words of the vocabulary in any case, with a plural `s` or other letters around them.
        #[test]
        fn a_one_word_name_is_judged_as_its_words_would_be(
            entry in prop::sample::select(SENSITIVE_NAMES),
            before in "[a-z0-9]{0,2}",
            after in "(s|S|[a-z0-9]{0,2})",
            case in 0u8..3,
            random in "[a-zA-Z0-9]{1,12}",
        ) {
            let policy = Policy::with_extra(["tenant_key", "otp2", "pins"]);
            let word = format!("{before}{}{after}", entry.split('_').next().unwrap_or_default());
            let word = match case {
                0 => word,
                1 => word.to_uppercase(),
                _ => capitalized(&word),
            };
            for name in [&word, &random] {
                prop_assert_eq!(policy.matching_entry(name), policy.entry_in_words(name), "{}", name);
            }
        }

        #[test]
        fn an_entry_among_ordinary_words_is_found_in_any_spelling(
            entry in prop::sample::select(SENSITIVE_NAMES),
            before in prop::collection::vec(ordinary_word(), 0..3),
            after in prop::collection::vec(ordinary_word(), 0..3),
            style in any::<u8>(),
        ) {
            let parts: Vec<String> = before
                .into_iter()
                .chain(entry.split('_').map(str::to_owned))
                .chain(after)
                .collect();
            let name = spelled(&parts, style);
            prop_assert_eq!(sensitive_entry(&name), Some(entry), "{}", name);
        }

        /// The quick turn-down of one-word names never turns down an entry: whatever its
        /// bytes (digits, non-ASCII, one letter), in either case, singular or plural.
        #[test]
        fn an_operator_word_is_found_however_it_is_written(
            word in "[a-z0-9\u{e0}-\u{ff}]{1,20}",
            upper: bool,
            plural: bool,
        ) {
            let policy = Policy::with_extra([word.as_str()]);
            let mut name = if upper { word.to_ascii_uppercase() } else { word.clone() };
            if plural {
                name.push(if upper { 'S' } else { 's' });
            }
            prop_assert!(policy.is_sensitive(&name), "{} as {}", word, name);
        }

        #[test]
        fn ordinary_words_are_never_sensitive(
            parts in prop::collection::vec(ordinary_word(), 1..5),
            style in any::<u8>(),
        ) {
            prop_assert!(!is_sensitive(&spelled(&parts, style)));
        }
    }
}
