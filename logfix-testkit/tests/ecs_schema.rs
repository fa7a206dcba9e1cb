//! The ECS form's JSON Schema agrees with logfix-core's tables, and `validate_line_as` checks
//! ECS lines: what passes, and what it rejects.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

use logfix_runtime::ecs::{self, Kind};
use logfix_testkit::{validate_line_as, LineSchema, SchemaError, SchemaErrorKind, ECS_SCHEMA};
use serde_json::{json, Value};

const VALID: &str = r#"{"@timestamp":"2026-11-28T04:39:13.123456Z","log.level":"info","message":"user 42 logged in","ecs.version":"8.11.0","service.name":"shop","event.dataset":"shop.log","log.logger":"auth","event.action":"user_login","user.id":"42","logfix":{"fields":{"user":"ann"}}}"#;

fn schema() -> Value {
    serde_json::from_str(ECS_SCHEMA).unwrap()
}

fn reject(line: &str) -> SchemaError {
    validate_line_as(line, LineSchema::Ecs).unwrap_err()
}

fn json_type(kind: Kind) -> Value {
    json!(kind.json_type())
}

/// Every top-level field of the tables is in the schema with its JSON type, and the schema has
/// nothing else at the top level but `logfix`; the same for `logfix`'s own fields.
#[test]
fn the_json_schema_and_the_tables_agree() {
    let schema = schema();
    let properties = schema["properties"].as_object().unwrap();
    for &(key, kind) in ecs::FIELDS {
        assert_eq!(properties[key]["type"], json_type(kind), "{key}");
    }
    let mut keys: Vec<&str> = properties.keys().map(String::as_str).collect();
    keys.retain(|k| *k != ecs::NAMESPACE);
    let mut listed: Vec<&str> = ecs::FIELDS.iter().map(|(k, _)| *k).collect();
    keys.sort_unstable();
    listed.sort_unstable();
    assert_eq!(keys, listed);
    assert_eq!(schema["additionalProperties"], false);

    let own = &properties[ecs::NAMESPACE];
    assert_eq!(own["additionalProperties"], false);
    let own_properties = own["properties"].as_object().unwrap();
    for &(key, kind) in ecs::OWN_FIELDS {
        assert_eq!(own_properties[key]["type"], json_type(kind), "logfix.{key}");
    }
    assert_eq!(own_properties[ecs::APP_FIELDS]["type"], "object");
    assert_eq!(own_properties.len(), ecs::OWN_FIELDS.len() + 1);

    assert_eq!(properties["ecs.version"]["const"], ecs::ECS_VERSION);
    let required: Vec<&str> =
        schema["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(required[..3], ["@timestamp", "log.level", "message"]);
    for key in &required {
        assert!(ecs::kind(key).is_some(), "{key}");
    }
    // The ECS names of a logfix line's keys are fields of the schema.
    for &(_, name) in ecs::LINE_KEYS {
        assert!(properties.contains_key(name), "{name}");
    }
}

#[test]
fn accepts_a_valid_ecs_line() {
    let map = validate_line_as(VALID, LineSchema::Ecs).unwrap();
    assert_eq!(map["logfix"]["fields"]["user"], "ann");
    assert_eq!(LineSchema::detect(VALID), LineSchema::Ecs);
    validate_line_as(&format!("{VALID}\n"), LineSchema::detect(VALID)).unwrap();
}

#[test]
fn rejects_a_top_level_application_field() {
    // A string `host` where ECS has an object: Elasticsearch would refuse the document.
    let line = VALID.replace(r#""user.id":"42""#, r#""host":"web-1""#);
    assert!(matches!(reject(&line).kind(), SchemaErrorKind::Schema { .. }), "{line}");
}

#[test]
fn rejects_an_ecs_field_of_the_wrong_type() {
    for (from, to) in [
        (r#""user.id":"42""#, r#""user.id":42"#),
        (r#""user.id":"42""#, r#""event.duration":"12""#),
        (r#""user.id":"42""#, r#""http.response.status_code":"200""#),
        (r#""ecs.version":"8.11.0""#, r#""ecs.version":"1.0.0""#),
        (r#""log.level":"info""#, r#""log.level":"INFO""#),
        (r#""fields":{"user":"ann"}"#, r#""outcome":1"#),
        (r#""fields":{"user":"ann"}"#, r#""stranger":"x""#),
    ] {
        let line = VALID.replace(from, to);
        assert_ne!(line, VALID);
        match reject(&line).kind() {
            SchemaErrorKind::Schema { errors, .. } => assert!(!errors.is_empty()),
            other => panic!("{line}: {other:?}"),
        }
    }
}

#[test]
fn rejects_missing_or_misplaced_first_keys() {
    let without_service = VALID.replace(r#""service.name":"shop","#, "");
    assert!(matches!(reject(&without_service).kind(), SchemaErrorKind::Schema { .. }));
    let swapped = VALID.replace(
        r#""log.level":"info","message":"user 42 logged in""#,
        r#""message":"user 42 logged in","log.level":"info""#,
    );
    let err = reject(&swapped);
    match err.kind() {
        SchemaErrorKind::KeyOrder { position, expected, found, .. } => {
            assert_eq!((*position, *expected, found.as_str()), (2, "log.level", "message"));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("an ECS line starts with `@timestamp`"), "{err}");
}

#[test]
fn rejects_duplicates_and_days_that_do_not_exist() {
    let twice = VALID.replace(r#""user.id":"42""#, r#""user.id":"42","user.id":"43""#);
    assert!(matches!(reject(&twice).kind(), SchemaErrorKind::DuplicateKey { .. }));
    let no_day = VALID.replace("2026-11-28", "2026-02-30");
    assert!(matches!(reject(&no_day).kind(), SchemaErrorKind::NoSuchDay { .. }));
}

#[test]
fn a_logfix_line_is_not_an_ecs_line_and_the_other_way_round() {
    let logfix = r#"{"timestamp":"2026-11-28T04:39:13.123456Z","level":"info","component":"auth","event":"user_login","message":"hi"}"#;
    assert_eq!(LineSchema::detect(logfix), LineSchema::Logfix);
    assert!(validate_line_as(logfix, LineSchema::Ecs).is_err());
    assert!(validate_line_as(VALID, LineSchema::Logfix).is_err());
}
