//! Parsers for the values of `LOGFIX_*` variables. Each returns a sentence saying what was
//! expected, used in the `config_invalid` event.

use std::time::Duration;

/// Parses a size: a whole number with an optional unit, `B`, `KB`, `MB`, `GB` (powers of 1000)
/// or `KiB`, `MiB`, `GiB` (powers of 1024), case-insensitive, spaces allowed: `100MB`, `64 KiB`.
pub(crate) fn size(s: &str) -> Result<u64, String> {
    const EXPECTED: &str = "expected a whole number of bytes with an optional unit B, KB, MB, GB, KiB, MiB or GiB, e.g. `100MB`";
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let number: u64 = digits.parse().map_err(|_| EXPECTED.to_owned())?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "mb" => 1000 * 1000,
        "gb" => 1000 * 1000 * 1000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => return Err(EXPECTED.to_owned()),
    };
    number.checked_mul(factor).ok_or_else(|| "size too large".to_owned())
}

/// Parses a duration: a whole number with a unit `ms`, `s`, `m`, `h` or `d`: `100ms`, `30d`.
pub(crate) fn duration(s: &str) -> Result<Duration, String> {
    const EXPECTED: &str =
        "expected a whole number with a unit ms, s, m, h or d, e.g. `100ms` or `30d`";
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let number: u64 = digits.parse().map_err(|_| EXPECTED.to_owned())?;
    let millis: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "ms" => 1,
        "s" => 1000,
        "m" => 60 * 1000,
        "h" => 60 * 60 * 1000,
        "d" => 24 * 60 * 60 * 1000,
        _ => return Err(EXPECTED.to_owned()),
    };
    number
        .checked_mul(millis)
        .map(Duration::from_millis)
        .ok_or_else(|| "duration too large".to_owned())
}

/// Parses a name written as it is in a line (a service's name, version or environment): not
/// empty, at most 256 bytes, no control characters.
pub(crate) fn label(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() || s.len() > 256 || s.chars().any(char::is_control) {
        return Err(
            "expected a non-empty name of at most 256 bytes, without control characters".to_owned()
        );
    }
    Ok(s.to_owned())
}

/// Parses `true | false` (also `1 | 0`, `yes | no`, `on | off`).
pub(crate) fn boolean(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err("expected `true` or `false`".to_owned()),
    }
}

/// Parses a whole number in `min..=max`.
pub(crate) fn count(s: &str, min: u64, max: u64) -> Result<u64, String> {
    s.trim()
        .parse::<u64>()
        .ok()
        .map_or_else(|| Err(expected_count(min, max)), |n| within(n, min, max))
}

/// Checks that `n` lies from `min` to `max`.
pub(crate) fn within(n: u64, min: u64, max: u64) -> Result<u64, String> {
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(expected_count(min, max))
    }
}

fn expected_count(min: u64, max: u64) -> String {
    format!("expected a whole number from {min} to {max}")
}

/// Checks a size that caps a file or a line: below 1 KiB, nearly every line would rotate the
/// file or be cut.
pub(crate) fn at_least_kib(n: u64) -> Result<u64, String> {
    if n >= 1024 {
        Ok(n)
    } else {
        Err("must be at least 1KiB".to_owned())
    }
}

/// Checks a log file name: one path component, no separators, not `.` or `..`.
pub(crate) fn file_name(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() || s == "." || s == ".." || s.contains(['/', '\\', '\0']) {
        return Err("expected a file name without a directory, e.g. `app.log` (set the directory with LOGFIX_DIR)".to_owned());
    }
    Ok(s.to_owned())
}

/// Parses a file mode in octal, `0640` or `640`: at most `0777`, and readable and writable by
/// the owner, or logfix could not reopen its own file.
pub(crate) fn file_mode(s: &str) -> Result<u32, String> {
    let s = s.trim();
    let digits = s.strip_prefix("0o").unwrap_or(s);
    let octal =
        (1..=4).contains(&digits.len()) && digits.bytes().all(|b| (b'0'..=b'7').contains(&b));
    match u32::from_str_radix(digits, 8) {
        Ok(mode) if octal => mode_bits(mode),
        _ => Err(EXPECTED_MODE.to_owned()),
    }
}

/// Checks a file mode's bits (see [`file_mode`]).
pub(crate) fn mode_bits(mode: u32) -> Result<u32, String> {
    if mode <= 0o777 && mode & 0o600 == 0o600 {
        Ok(mode)
    } else {
        Err(EXPECTED_MODE.to_owned())
    }
}

const EXPECTED_MODE: &str =
    "expected an octal file mode from 0600 to 0777 that lets the owner read and write, e.g. `0640`";

/// Parses one of `choices` (case-insensitive), returning its index.
pub(crate) fn choice(s: &str, choices: &[&str]) -> Result<usize, String> {
    let lower = s.trim().to_ascii_lowercase();
    choices.iter().position(|c| *c == lower).ok_or_else(|| {
        let list: Vec<String> = choices.iter().map(|c| format!("`{c}`")).collect();
        format!("expected one of {}", list.join(", "))
    })
}

/// Parses names separated by commas (`LOGFIX_REDACT_KEYS`), each trimmed and with at least one
/// letter or digit. An empty value is an empty list.
pub(crate) fn names(s: &str) -> Result<Vec<String>, String> {
    if s.trim().is_empty() {
        return Ok(Vec::new());
    }
    s.split(',')
        .map(|name| {
            let name = name.trim();
            match logfix_core::sensitive::words(name).next() {
                Some(_) => Ok(name.to_owned()),
                None => Err("expected names separated by commas, each with a letter or a digit, \
                             e.g. `tenant_key,x-internal-auth`"
                    .to_owned()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_decimal_and_binary_units() {
        assert_eq!(size("100MB"), Ok(100_000_000));
        assert_eq!(size("64 KiB"), Ok(65_536));
        assert_eq!(size("1gib"), Ok(1 << 30));
        assert_eq!(size("512"), Ok(512));
        assert_eq!(size(" 7 b "), Ok(7));
        for bad in
            ["", "MB", "-1MB", "1.5MB", "10 TB", "99999999999999999999", "18446744073709551615GB"]
        {
            assert!(size(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn durations_need_a_unit() {
        assert_eq!(duration("100ms"), Ok(Duration::from_millis(100)));
        assert_eq!(duration("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(duration("2 h"), Ok(Duration::from_secs(7200)));
        for bad in ["", "100", "1.5s", "1w", "ms"] {
            assert!(duration(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn booleans_counts_names_and_choices() {
        assert_eq!(boolean("TRUE"), Ok(true));
        assert_eq!(boolean("off"), Ok(false));
        assert!(boolean("maybe").is_err());
        assert_eq!(count("10", 0, 100), Ok(10));
        assert!(count("101", 0, 100).is_err());
        assert!(count("-1", 0, 100).is_err());
        assert_eq!(file_name(" app.log "), Ok("app.log".to_owned()));
        for bad in ["", "..", "logs/app.log", "a\\b"] {
            assert!(file_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(file_mode("0640"), Ok(0o640));
        assert_eq!(file_mode(" 600 "), Ok(0o600));
        assert_eq!(file_mode("0o660"), Ok(0o660));
        for bad in ["", "0", "0440", "0200", "1777", "0800", "rw-r-----", "+640", "00640"] {
            assert!(file_mode(bad).is_err(), "{bad:?}");
        }
        assert_eq!(choice("Stderr", &["stdout", "stderr", "off"]), Ok(1));
        assert_eq!(
            choice("file", &["stdout", "stderr"]),
            Err("expected one of `stdout`, `stderr`".to_owned())
        );
    }

    #[test]
    fn names_are_separated_by_commas_and_none_is_empty() {
        assert_eq!(names(" a_b , c-d "), Ok(vec!["a_b".to_owned(), "c-d".to_owned()]));
        assert_eq!(names("  "), Ok(Vec::new()));
        for bad in ["a,", ",a", "a,,b", "a, _ ,b"] {
            assert!(names(bad).is_err(), "{bad:?}");
        }
    }
}
