//! Helping with typos: "did you mean", and lists of what may be written instead.

use logfix_core::suggest::edit_distance;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::symbol::{CONTAINER_KEYS, FIELD_KEYS};

    #[test]
    fn unknown_keys_get_a_suggestion_when_close() {
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
