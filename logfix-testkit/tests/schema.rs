//! `validate_line` and `validate_file`: what passes, and what each rule rejects with which message.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "the helpers of these tests fail the test by panicking"
)]

use std::io::Write as _;
use std::path::PathBuf;

use flate2::write::GzEncoder;
use flate2::Compression;
use logfix_testkit::{validate_file, validate_line, SchemaError, SchemaErrorKind};

const VALID: &str = r#"{"timestamp":"2026-11-28T04:39:13.123456Z","level":"info","component":"auth","event":"user_login","message":"user 42 logged in"}"#;

/// `VALID` with `extra` (starting with a comma) added after `message`.
fn with(extra: &str) -> String {
    format!("{}{extra}}}", VALID.strip_suffix('}').unwrap())
}

fn reject(line: &str) -> SchemaError {
    match validate_line(line) {
        Ok(map) => panic!("accepted {line:?} as {map:?}"),
        Err(e) => e,
    }
}

/// Rejects `line` with a message containing each of `needles`.
#[track_caller]
fn reject_saying(line: &str, needles: &[&str]) -> SchemaError {
    let err = reject(line);
    let message = err.to_string();
    for needle in needles {
        assert!(message.contains(needle), "{line}\n  message {message:?} lacks {needle:?}");
    }
    err
}

#[test]
fn accepts_valid_lines() {
    let lines = [
        VALID.to_owned(),
        format!("{VALID}\n"),
        with(
            r#","request_id":"req-1","correlation_id":"c-9","user_id":"u-42","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7""#,
        ),
        // An event's own `user_id` replaces the context's: a string, or `null` (`Option`).
        with(r#","user_id":"42""#),
        with(r#","request_id":null,"trace_id":null"#),
        // Fields of every JSON type, nested, with escapes and non-ASCII text.
        with(
            r#","n":-1.5e3,"ok":true,"none":null,"list":[1,"two",[3]],"obj":{"a":{"b":[]}},"text":"line\nbreak \"quoted\" \u00e9 ünï""#,
        ),
        // Components and events bridged from `tracing`/`log` need only be non-empty strings.
        VALID.replace(r#""component":"auth""#, r#""component":"hyper::proto::h1""#),
        VALID.replace(r#""event":"user_login""#, r#""event":"Connection Closed""#),
        VALID.replace(r#""component":"auth""#, r#""component":"logfix""#),
        VALID.replace(r#""message":"user 42 logged in""#, r#""message":"""#),
        VALID.replace("2026-11-28", "2024-02-29"),
        VALID.replace("04:39:13.123456", "23:59:59.999999"),
    ];
    for level in ["trace", "debug", "info", "warn", "error"] {
        let line = VALID.replace(r#""level":"info""#, &format!(r#""level":"{level}""#));
        validate_line(&line).unwrap();
    }
    for line in &lines {
        if let Err(e) = validate_line(line) {
            panic!("rejected {line}: {e}");
        }
    }
}

#[test]
fn returns_the_keys_and_values() {
    let map = validate_line(&with(r#","account_id":42,"tags":["a"]"#)).unwrap();
    assert_eq!(map["component"], "auth");
    assert_eq!(map["account_id"], 42);
    assert_eq!(map["tags"][0], "a");
    assert_eq!(map.len(), 7);
}

#[test]
fn rejects_a_missing_mandatory_key() {
    let pairs = [
        ("timestamp", r#""2026-11-28T04:39:13.123456Z""#),
        ("level", r#""info""#),
        ("component", r#""auth""#),
        ("event", r#""user_login""#),
        ("message", r#""m""#),
    ];
    for (missing, _) in pairs {
        let kept: Vec<String> = pairs
            .iter()
            .filter(|(key, _)| *key != missing)
            .map(|(k, v)| format!(r#""{k}":{v}"#))
            .collect();
        let line = format!("{{{}}}", kept.join(","));
        let err = reject_saying(&line, &["missing properties", missing]);
        assert!(matches!(err.kind(), SchemaErrorKind::Schema { .. }), "{err:?}");
    }
}

#[test]
fn rejects_mandatory_keys_out_of_order() {
    let line = r#"{"timestamp":"2026-11-28T04:39:13.123456Z","component":"auth","level":"info","event":"user_login","message":"m"}"#;
    let err = reject_saying(line, &["key 2 is `component`, expected `level`"]);
    assert!(matches!(err.kind(), SchemaErrorKind::KeyOrder { position: 2, expected: "level", .. }));

    // A field before the mandatory keys are all written.
    let line = r#"{"timestamp":"2026-11-28T04:39:13.123456Z","level":"info","component":"auth","event":"user_login","user_id":"u-1","message":"m"}"#;
    reject_saying(line, &["key 5 is `user_id`, expected `message`"]);

    let line = r#"{"message":"m","timestamp":"2026-11-28T04:39:13.123456Z","level":"info","component":"auth","event":"e"}"#;
    reject_saying(line, &["key 1 is `message`, expected `timestamp`"]);
}

/// The context's ids are strings in every line (or `null`, an event's `Option` that is `None`):
/// one key, one type in a log store.
#[test]
fn rejects_a_context_id_that_is_not_a_string() {
    for (key, value) in [("user_id", "42"), ("request_id", "true"), ("trace_id", r#"{"a":1}"#)] {
        reject_saying(&with(&format!(r#","{key}":{value}"#)), &[key]);
    }
}

#[test]
fn rejects_bad_timestamps() {
    for bad in [
        "2026-11-28T04:39:13Z",             // no fraction
        "2026-11-28T04:39:13.123Z",         // milliseconds
        "2026-11-28T04:39:13.123456789Z",   // nanoseconds
        "2026-11-28T04:39:13.123456+00:00", // offset instead of Z
        "2026-11-28T04:39:13.123456z",      // lowercase z
        "2026-11-28 04:39:13.123456Z",      // space instead of T
        "2026-13-28T04:39:13.123456Z",      // month 13
        "2026-11-00T04:39:13.123456Z",      // day 0
        "2026-11-28T24:00:00.000000Z",      // hour 24
        "2026-11-28T04:60:13.123456Z",      // minute 60
        "2026-11-28T04:39:13.123456Z ",     // trailing space
        "",
    ] {
        let line = VALID.replace("2026-11-28T04:39:13.123456Z", bad);
        let err = reject_saying(&line, &["`/timestamp`", "does not match pattern"]);
        assert!(matches!(err.kind(), SchemaErrorKind::Schema { .. }), "{bad}: {err:?}");
    }
    reject_saying(
        &VALID.replace(r#""2026-11-28T04:39:13.123456Z""#, "1795840753"),
        &["`/timestamp`", "want string"],
    );

    for no_such_day in ["2026-02-29", "2026-04-31", "1900-02-29"] {
        let line = VALID.replace("2026-11-28", no_such_day);
        let err = reject_saying(&line, &[no_such_day, "names a day that does not exist"]);
        assert!(matches!(err.kind(), SchemaErrorKind::NoSuchDay { .. }));
    }
}

#[test]
fn rejects_bad_levels() {
    for bad in [r#""WARN""#, r#""warning""#, r#""fatal""#, r#""""#, "3", "null"] {
        let line = VALID.replace(r#""info""#, bad);
        reject_saying(&line, &["`/level`", "must be one of"]);
    }
}

#[test]
fn rejects_empty_or_non_string_component_and_event() {
    reject_saying(
        &VALID.replace(r#""component":"auth""#, r#""component":"""#),
        &["`/component`", "length must be >=1"],
    );
    reject_saying(
        &VALID.replace(r#""event":"user_login""#, r#""event":"""#),
        &["`/event`", "length must be >=1"],
    );
    reject_saying(
        &VALID.replace(r#""component":"auth""#, r#""component":["auth"]"#),
        &["`/component`", "want string"],
    );
    reject_saying(
        &VALID.replace(r#""message":"user 42 logged in""#, r#""message":42"#),
        &["`/message`", "want string"],
    );
}

#[test]
fn reports_every_schema_violation_of_a_line() {
    let line = VALID.replace(r#""info""#, r#""loud""#).replace(r#""auth""#, r#""""#);
    let err = reject(&line);
    let SchemaErrorKind::Schema { errors, .. } = err.kind() else { panic!("{err:?}") };
    assert_eq!(errors.len(), 2, "{errors:?}");
}

#[test]
fn rejects_duplicate_keys() {
    let err = reject_saying(&with(r#","user_id":1,"user_id":2"#), &["duplicate key `/user_id`"]);
    assert!(
        matches!(err.kind(), SchemaErrorKind::DuplicateKey { pointer, .. } if pointer == "/user_id")
    );
    // serde_json alone would keep the second `level` and see a valid line.
    reject_saying(&with(r#","level":"error""#), &["duplicate key `/level`"]);
    reject_saying(&with(r#","payload":{"id":1,"id":1}"#), &["duplicate key `/payload/id`"]);
}

#[test]
fn rejects_two_objects_on_one_line() {
    let err = reject_saying(
        &format!("{VALID}{VALID}"),
        &["unexpected text after the JSON object", "two objects on one line"],
    );
    assert!(
        matches!(err.kind(), SchemaErrorKind::TrailingCharacters { column, .. } if *column == VALID.len() + 1)
    );
    reject_saying(&format!("{VALID} {VALID}\n"), &["unexpected text after the JSON object"]);
}

#[test]
fn rejects_raw_line_breaks() {
    // Between two keys: valid JSON, but two lines.
    let line = VALID.replace(r#","level""#, "\n,\"level\"");
    let err = reject_saying(&line, &["raw line break at column 43", "exactly one line"]);
    assert!(matches!(err.kind(), SchemaErrorKind::LineBreak { column: 43, .. }));
    // Inside a string: invalid JSON too, but the line break is what matters.
    reject_saying(&VALID.replace("user 42", "user\n42"), &["raw line break"]);
    // Only one trailing `\n` is the terminator.
    reject_saying(&format!("{VALID}\n\n"), &["raw line break"]);
    reject_saying(&format!("{VALID}\r\n"), &["raw line break"]);
}

#[test]
fn rejects_what_is_not_one_json_object() {
    for (line, found) in [
        ("[1,2]", "an array"),
        (r#""text""#, "a string"),
        ("42", "a number"),
        ("null", "null"),
        ("true", "a boolean"),
    ] {
        let err = reject_saying(line, &["expected a JSON object, found", found]);
        assert!(matches!(err.kind(), SchemaErrorKind::NotAnObject { .. }));
    }
    let err = reject_saying(r#"{"timestamp":"#, &["not valid JSON"]);
    assert!(matches!(err.kind(), SchemaErrorKind::Json(_)));
    reject_saying("not json", &["not valid JSON"]);
    let err = reject_saying("", &["empty line"]);
    assert!(matches!(err.kind(), SchemaErrorKind::Empty));
    reject_saying("\n", &["empty line"]);
}

// ---- files ----

/// A fresh path under cargo's per-target temporary directory.
fn temp_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("logfix-testkit-schema");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn three_lines() -> String {
    let second = with(r#","account_id":42"#);
    let third = VALID.replace(r#""info""#, r#""error""#);
    format!("{VALID}\n{second}\n{third}\n")
}

#[test]
fn validates_a_plain_file() {
    let path = temp_path("plain.log");
    std::fs::write(&path, three_lines()).unwrap();
    assert_eq!(validate_file(&path).unwrap(), 3);
}

#[test]
fn validates_gzip_files_including_concatenated_members() {
    let path = temp_path("rotated.log.1.gz");
    std::fs::write(&path, gzip(three_lines().as_bytes())).unwrap();
    assert_eq!(validate_file(&path).unwrap(), 3);

    let path = temp_path("appended.log.gz");
    let mut data = gzip(three_lines().as_bytes());
    data.extend(gzip(format!("{VALID}\n").as_bytes()));
    std::fs::write(&path, data).unwrap();
    assert_eq!(validate_file(&path).unwrap(), 4);
}

#[test]
fn an_empty_file_has_no_lines() {
    let path = temp_path("empty.log");
    std::fs::write(&path, "").unwrap();
    assert_eq!(validate_file(&path).unwrap(), 0);
    let path = temp_path("empty.log.gz");
    std::fs::write(&path, gzip(b"")).unwrap();
    assert_eq!(validate_file(&path).unwrap(), 0);
}

#[test]
fn names_the_file_and_line_of_a_violation() {
    let path = temp_path("bad-line.log.gz");
    let content = format!("{VALID}\n{}\n{VALID}\n", with(r#","a":1,"a":2"#));
    std::fs::write(&path, gzip(content.as_bytes())).unwrap();
    let err = validate_file(&path).unwrap_err();
    assert_eq!(err.line(), Some(2));
    assert_eq!(err.path(), Some(path.as_path()));
    assert_eq!(
        err.to_string(),
        format!("{}:2: duplicate key `/a`: no key may appear twice in an object", path.display())
    );

    let path = temp_path("blank-line.log");
    std::fs::write(&path, format!("{VALID}\n\n{VALID}\n")).unwrap();
    let err = validate_file(&path).unwrap_err();
    assert!(matches!(err.kind(), SchemaErrorKind::Empty) && err.line() == Some(2), "{err}");
}

#[test]
fn rejects_an_unterminated_last_line() {
    let path = temp_path("torn.log");
    std::fs::write(&path, format!("{VALID}\n{}", &VALID[..40])).unwrap();
    let err = validate_file(&path).unwrap_err();
    assert!(matches!(err.kind(), SchemaErrorKind::Unterminated) && err.line() == Some(2), "{err}");
    assert!(err.to_string().contains("does not end with a newline"), "{err}");
}

#[test]
fn reports_unreadable_files() {
    let path = temp_path("missing.log");
    let err = validate_file(&path).unwrap_err();
    assert!(matches!(err.kind(), SchemaErrorKind::Io(_)) && err.line().is_none(), "{err}");
    // The I/O error's own text is in the message (and not also a `source()`, printed twice).
    let SchemaErrorKind::Io(io) = err.kind() else { unreachable!() };
    assert!(err.to_string().ends_with(&io.to_string()), "{err}");
    assert!(std::error::Error::source(&err).is_none());

    let path = temp_path("corrupt.log.gz");
    let mut data = gzip(three_lines().as_bytes());
    let middle = data.len() / 2;
    data.truncate(middle);
    std::fs::write(&path, data).unwrap();
    let err = validate_file(&path).unwrap_err();
    assert!(matches!(err.kind(), SchemaErrorKind::Io(_)), "{err}");

    let path = temp_path("latin1.log");
    let mut data = VALID.replace("user 42", "caf\u{e9}").into_bytes();
    let at = data.iter().position(|&b| b == 0xc3).unwrap();
    data.splice(at..at + 2, [0xe9]);
    data.push(b'\n');
    std::fs::write(&path, data).unwrap();
    let err = validate_file(&path).unwrap_err();
    assert!(
        matches!(err.kind(), SchemaErrorKind::NotUtf8 { valid_up_to, .. } if *valid_up_to == at),
        "{err}"
    );
}
