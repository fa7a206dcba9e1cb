//! The line cap (`LOGFIX_MAX_LINE`): a line longer than the cap has its longest values cut, with
//! a marker, until it fits, so that it stays one valid JSON object with every mandatory key.
//! Log shippers split or drop longer lines (Filebeat's `max_bytes` and Fluent Bit's
//! `Buffer_Max_Size` are 10 MB and 32 KB by default).

use core::ops::Range;

/// What a shortened string value ends with.
const MARKER: &str = "...[truncated]";
/// What replaces a value that is not a string (an array, an object) when it must go.
const DROPPED: &[u8] = b"\"[truncated]\"";

/// Shortens the JSON line `line` (`{...}` and a newline) to at most `max` bytes by cutting its
/// longest values; returns whether it did. The keys, the timestamp, level, component and event
/// are kept whole: only the values after them are cut, strings to a prefix with [`MARKER`],
/// other values replaced by a string. A line whose kept part alone is over `max` keeps that part.
pub(crate) fn shorten_json(line: &mut Vec<u8>, max: usize) -> bool {
    if line.len() <= max {
        return false;
    }
    let mut values = top_level_values(line);
    // The first four values are the timestamp, level, component and event.
    let mut cuttable: Vec<Range<usize>> = values.drain(..).skip(4).collect();
    while line.len() > max {
        let Some((i, longest)) =
            cuttable.iter().enumerate().max_by_key(|(_, r)| r.len()).map(|(i, r)| (i, r.clone()))
        else {
            break;
        };
        let excess = line.len() - max;
        let replacement = shortened(line.get(longest.clone()).unwrap_or_default(), excess);
        if replacement.len() >= longest.len() {
            break;
        }
        let shrink = longest.len() - replacement.len();
        line.splice(longest.clone(), replacement);
        // The values after the cut one moved; the cut one is done.
        cuttable.remove(i);
        for r in cuttable.iter_mut().filter(|r| r.start > longest.start) {
            *r = r.start - shrink..r.end - shrink;
        }
    }
    true
}

/// `value` (a JSON value as written) made at least `excess` bytes shorter if it can be: a string
/// keeps as much of its start as fits, cut between characters and escapes, then [`MARKER`].
fn shortened(value: &[u8], excess: usize) -> Vec<u8> {
    if value.first() != Some(&b'"') {
        return DROPPED.to_vec();
    }
    // Content between the quotes, and what it may keep.
    let content = value.get(1..value.len().saturating_sub(1)).unwrap_or_default();
    let keep = content.len().saturating_sub(excess + MARKER.len());
    let cut = boundary_at_most(content, keep);
    let mut out = Vec::with_capacity(cut + MARKER.len() + 2);
    out.push(b'"');
    out.extend_from_slice(content.get(..cut).unwrap_or_default());
    out.extend_from_slice(MARKER.as_bytes());
    out.push(b'"');
    out
}

/// The largest position at most `limit` in the escaped JSON string content `content` that is
/// neither inside an escape sequence nor inside a UTF-8 character.
fn boundary_at_most(content: &[u8], limit: usize) -> usize {
    let mut at = 0;
    let mut best = 0;
    while at < content.len() {
        if at > limit {
            break;
        }
        best = at;
        let step = match content.get(at) {
            Some(b'\\') => match content.get(at + 1) {
                Some(b'u') => 6,
                _ => 2,
            },
            Some(b) if *b >= 0xF0 => 4,
            Some(b) if *b >= 0xE0 => 3,
            Some(b) if *b >= 0xC0 => 2,
            _ => 1,
        };
        at += step;
    }
    if at <= limit {
        best = at.min(content.len());
    }
    best
}

/// The byte ranges of the values of the top-level object in `line`, in order.
fn top_level_values(line: &[u8]) -> Vec<Range<usize>> {
    let mut members = Vec::new();
    top_level_members(line, &mut members);
    members.into_iter().map(|m| m.value).collect()
}

/// A key and its value in a JSON line, as byte ranges of the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    /// The key's characters between its quotes, escaped as written.
    pub(crate) key: Range<usize>,
    /// The value as written.
    pub(crate) value: Range<usize>,
}

/// Sets `members` to the keys and values of the top-level object in `line`, in order; returns
/// whether the object was read to its closing brace. The line is one that logfix wrote: valid
/// JSON is assumed, not checked, but a line cut short stops the scan and returns false.
pub(crate) fn top_level_members(line: &[u8], members: &mut Vec<Member>) -> bool {
    members.clear();
    let mut at = match line.iter().position(|b| *b == b'{') {
        Some(open) => open + 1,
        None => return false,
    };
    if line.get(at) == Some(&b'}') {
        return true;
    }
    // A key, then `:`, then the value.
    while let Some(key) = line.get(at..).and_then(|rest| rest.iter().position(|b| *b == b'"')) {
        let key_start = at + key;
        let key_end = skip_string(line, key_start);
        let Some(colon) = line.get(key_end..).and_then(|rest| rest.iter().position(|b| *b == b':'))
        else {
            break;
        };
        let start = key_end + colon + 1;
        let end = skip_value(line, start);
        members.push(Member { key: key_start + 1..key_end.saturating_sub(1), value: start..end });
        match line.get(end) {
            Some(b',') => at = end + 1,
            Some(b'}') => return true,
            _ => break,
        }
    }
    false
}

/// The position after the JSON string starting at `at` (a `"`).
pub(crate) fn skip_string(line: &[u8], at: usize) -> usize {
    let mut i = at + 1;
    // The next quote or backslash: the rest of a string is plain text. (A plain search: the
    // strings of a line are short, shorter than what memchr2 needs to pay off.)
    while let Some(found) =
        line.get(i..).and_then(|rest| rest.iter().position(|b| *b == b'"' || *b == b'\\'))
    {
        i += found;
        match line.get(i) {
            Some(b'\\') => i += 2,
            _ => return i + 1,
        }
    }
    line.len()
}

/// The position after the JSON value starting at `at`.
pub(crate) fn skip_value(line: &[u8], at: usize) -> usize {
    match line.get(at) {
        Some(b'"') => skip_string(line, at),
        Some(b'[' | b'{') => {
            let mut depth = 0usize;
            let mut i = at;
            while let Some(b) = line.get(i) {
                match b {
                    b'"' => {
                        i = skip_string(line, i);
                        continue;
                    }
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            line.len()
        }
        _ => {
            let rest = line.get(at..).unwrap_or_default();
            at + rest.iter().position(|b| matches!(b, b',' | b'}')).unwrap_or(rest.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn line(fields: &str) -> Vec<u8> {
        format!(
            "{{\"timestamp\":\"2026-12-06T00:00:00.000000Z\",\"level\":\"info\",\"component\":\"c\",\
             \"event\":\"e\",\"message\":\"m\"{fields}}}\n"
        )
        .into_bytes()
    }

    fn parsed(line: &[u8]) -> serde_json::Map<String, serde_json::Value> {
        let text = std::str::from_utf8(line).unwrap();
        assert!(text.ends_with("}\n"), "{text}");
        serde_json::from_str(text.trim_end()).unwrap()
    }

    #[test]
    fn a_line_within_the_cap_is_untouched() {
        let mut l = line(r#","a":"x""#);
        let before = l.clone();
        assert!(!shorten_json(&mut l, before.len()));
        assert_eq!(l, before);
    }

    #[test]
    fn the_longest_value_is_cut_with_a_marker() {
        let long = "y".repeat(10_000);
        let mut l = line(&format!(r#","short":"x","long":"{long}","n":5"#));
        assert!(shorten_json(&mut l, 1_000));
        assert!(l.len() <= 1_000, "{}", l.len());
        let v = parsed(&l);
        assert_eq!(v["short"], "x");
        assert_eq!(v["n"], 5);
        let cut = v["long"].as_str().unwrap();
        assert!(cut.starts_with("yyy") && cut.ends_with(MARKER), "{cut}");
        assert_eq!((v["event"].as_str(), v["message"].as_str()), (Some("e"), Some("m")));
    }

    /// The timestamp, level, component and event stay whole however long they are, even when
    /// they are the longest values: only the values after them are cut.
    #[test]
    fn the_mandatory_values_are_never_cut() {
        let (component, event) = ("c".repeat(3_000), "e".repeat(2_500));
        let mut l = format!(
            "{{\"timestamp\":\"2026-12-06T00:00:00.000000Z\",\"level\":\"info\",\
             \"component\":\"{component}\",\"event\":\"{event}\",\"message\":\"{}\",\"n\":\"{}\"}}\n",
            "m".repeat(2_000),
            "x".repeat(1_000)
        )
        .into_bytes();
        assert!(shorten_json(&mut l, 1_024));
        let v = parsed(&l);
        assert_eq!(v["timestamp"], "2026-12-06T00:00:00.000000Z");
        assert_eq!(v["level"], "info");
        assert_eq!(v["component"].as_str(), Some(component.as_str()));
        assert_eq!(v["event"].as_str(), Some(event.as_str()));
        for cut in ["message", "n"] {
            assert!(v[cut].as_str().unwrap().ends_with(MARKER), "{cut}: {}", v[cut]);
        }
    }

    #[test]
    fn an_array_that_must_go_is_replaced_by_a_string() {
        let array = format!("[{}]", vec!["1"; 3_000].join(","));
        let mut l = line(&format!(r#","ids":{array}"#));
        assert!(shorten_json(&mut l, 500));
        assert_eq!(parsed(&l)["ids"], "[truncated]");
    }

    proptest! {
        /// Whatever the values (escapes, multi-byte characters, nesting), the shortened line is
        /// valid JSON with the same keys, within the cap once the mandatory part fits.
        #[test]
        fn shortened_lines_stay_valid(
            values in prop::collection::vec("[a-z\"\\\\\u{e9}\u{1F600}\n]{0,300}", 1..6),
            max in 200usize..2_000,
        ) {
            let fields: Vec<String> = values
                .iter()
                .enumerate()
                .map(|(i, v)| format!(",\"f{i}\":{}", serde_json::to_string(v).unwrap()))
                .collect();
            let fields = fields.concat();
            let mut l = line(&fields);
            let keys: Vec<String> = parsed(&l).keys().cloned().collect();
            shorten_json(&mut l, max);
            let after = parsed(&l);
            prop_assert_eq!(after.keys().cloned().collect::<Vec<_>>(), keys);
            prop_assert!(l.len() <= max.max(line("").len() + values.len() * 40));
        }
    }
}
