//! Helping with typos: how far apart two spellings are, for the macros' "did you mean" and the
//! runtime's word on an unknown `LOGFIX_*` variable.

/// Levenshtein distance between `a` and `b` (in characters), with one row of the table kept.
///
/// ```
/// assert_eq!(logfix_core::suggest::edit_distance("mesage", "message"), 1);
/// ```
#[must_use]
pub fn edit_distance(a: &str, b: &str) -> usize {
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

    #[test]
    fn distances() {
        assert_eq!(edit_distance("mesage", "message"), 1);
        assert_eq!(edit_distance("", "skip"), 4);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
