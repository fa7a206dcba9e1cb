//! Helping with typos: "did you mean", and lists of what may be written instead.

/// `` `a`, `b` and `c` ``
pub(crate) fn list(keys: &[&str]) -> String {
    let quoted: Vec<String> = keys.iter().map(|key| format!("`{key}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}

/// "did you mean `message`? " for a name one or two typos away from a known one, or that
/// starts with one (`warning` for `warn`), the case of its letters aside (`WARN`).
pub(crate) fn did_you_mean(name: &str, keys: &[&str]) -> String {
    // `WARN` for `warn`: the case alone is wrong, however far apart the spellings are.
    let lower = name.to_ascii_lowercase();
    keys.iter()
        .map(|key| (edit_distance(&lower, key), key))
        .filter(|&(distance, key)| distance <= 2 || lower.starts_with(key))
        .min()
        .map(|(_, key)| format!("did you mean `{key}`? "))
        .unwrap_or_default()
}

/// Levenshtein distance, with one row of the table kept.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = i;
        let mut left = i + 1;
        for (&cb, above) in b.iter().zip(row.iter_mut().skip(1)) {
            let cost = diagonal + usize::from(ca != cb);
            diagonal = *above;
            left = cost.min(*above + 1).min(left + 1);
            *above = left;
        }
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::symbol::{CONTAINER_KEYS, FIELD_KEYS};

    #[test]
    fn unknown_keys_get_a_suggestion_when_close() {
        assert_eq!(edit_distance("mesage", "message"), 1);
        assert_eq!(edit_distance("", "skip"), 4);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(did_you_mean("redacted", &FIELD_KEYS), "did you mean `redact`? ");
        assert_eq!(did_you_mean("componnet", &CONTAINER_KEYS), "did you mean `component`? ");
        assert_eq!(did_you_mean("format", &FIELD_KEYS), "");
        assert_eq!(did_you_mean("warning", &["trace", "warn"]), "did you mean `warn`? ");
        assert_eq!(did_you_mean("skipped", &FIELD_KEYS), "did you mean `skip`? ");
        assert_eq!(did_you_mean("WARN", &["trace", "warn"]), "did you mean `warn`? ");
        assert_eq!(did_you_mean("Error", &["error", "warn"]), "did you mean `error`? ");
    }

    #[test]
    fn lists_read_as_a_sentence() {
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` and `c`");
        assert_eq!(list(&["a", "b"]), "`a` and `b`");
        assert_eq!(list(&["a"]), "`a`");
        assert_eq!(list(&[]), "");
    }
}
