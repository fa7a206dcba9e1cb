//! `logfix check` validates lines by hand, for speed. Here it must give, line for line, the
//! verdict of `logfix_testkit::validate_line_as` in the schema the line is detected as (logfix's
//! or ECS): the published JSON Schema through a generic
//! validator (boon), plus the rules the schema cannot express. First on hand-picked lines that
//! sit on the edge of a rule, then on generated lines, most of them near-valid.

// Helpers outside `#[test]` functions are not covered by clippy.toml's `allow-*-in-tests`: in
// test code a broken expectation must panic with its message.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

mod fixture;

use std::collections::BTreeSet;

use fixture::{logfix, Dir};
use logfix_testkit::LineSchema;
use proptest::prelude::*;

/// Checks `lines` (none with a raw `\n`) with one `logfix check` run, and asserts that the
/// lines it reports invalid are exactly those the testkit rejects.
fn assert_agreement(dir: &Dir, lines: &[String]) {
    let path = dir.write("app.log", lines.join("\n") + "\n");
    let run = logfix(&["check", "--show", "1000000", path.to_str().unwrap()]);
    assert!(run.code == 0 || run.code == 1, "exit {}: {}", run.code, run.stderr);
    let prefix = format!("{}:", path.display());
    let invalid: BTreeSet<usize> = run
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix)?.split(':').next()?.parse().ok())
        .collect();
    for (i, line) in lines.iter().enumerate() {
        let schema = logfix_testkit::validate_line_as(line, LineSchema::detect(line));
        let check = !invalid.contains(&(i + 1));
        assert_eq!(
            check,
            schema.is_ok(),
            "line {}: `logfix check` says {}, the schema says {schema:?}\n{line}",
            i + 1,
            if check { "valid" } else { "invalid" },
        );
    }
}

const VALID: &str = r#"{"timestamp":"2026-11-28T04:39:13.123456Z","level":"info","component":"auth","event":"user_login","message":"user 42 logged in","request_id":"req-1","user_id":"u-42","n":42}"#;

#[test]
fn agrees_on_lines_at_the_edge_of_each_rule() {
    let with = |from: &str, to: &str| {
        assert!(VALID.contains(from), "{from}");
        VALID.replacen(from, to, 1)
    };
    let mut lines = vec![
        VALID.to_owned(),
        format!("  {VALID}\t "),
        format!("{VALID}\r"),
        format!("{VALID}{{}}"),
        format!("[{VALID}]"),
        String::new(),
        " ".into(),
        "null".into(),
        "\"text\"".into(),
        "{}".into(),
        with("\"timestamp\"", "\"\\u0074imestamp\""),
        with("\"info\"", "\"\\u0069nfo\""),
        with("\"info\"", "\"INFO\""),
        with("\"info\"", "\"warning\""),
        with("\"info\"", "\"info \""),
        with("\"info\"", "4"),
        with("\"auth\"", "\"\""),
        with("\"auth\"", "\" \""),
        with("\"auth\"", "null"),
        with("\"user_login\"", "\"\""),
        with("\"user 42 logged in\"", "\"\""),
        with("\"user 42 logged in\"", "42"),
        with("\"user 42 logged in\"", "\"\\ud83d\\ude00 \\u00e9 \\\" \\\\ \\/\""),
        with("\"user 42 logged in\"", "\"\\ud800\""),
        with("\"user 42 logged in\"", "\"\\x\""),
        with("\"user 42 logged in\"", "\"tab\there\""),
        with("42}", "1e400}"),
        with("42}", "-0}"),
        with("42}", "01}"),
        with("42}", "123456789012345678901234567890}"),
        with("42}", "1.5e-7}"),
        with("42}", &format!("{}1{}}}", "[".repeat(200), "]".repeat(200))),
        with("42}", &format!("{}1{}}}", "[".repeat(100), "]".repeat(100))),
        with("42}", r#"{"a":1,"a":2}}"#),
        with("42}", r#"[{"a":1},{"a":2}]}"#),
        with("42}", r#"42,"user_id":43}"#),
        with("42}", r#"42,"trace_id":43}"#),
        with("42}", r#"42,"span_id":null}"#),
        with(r#""user_id":"u-42""#, r#""user_id":{"id":1}"#),
        with(r#""request_id":"req-1""#, r#""request_id":["req-1"]"#),
        with("42}", r#"42,"timestamp":"x"}"#),
        with("42}", r#"42,"\u0075ser_id":43}"#),
        with("42}", r#"42,"":1,"":2}"#),
        with(r#""level":"info","component":"auth""#, r#""component":"auth","level":"info""#),
        with(r#","request_id":"req-1""#, ""),
        with(r#""message":"user 42 logged in","#, ""),
        with(r#""message":"user 42 logged in","#, r#""request_id":"r","message":"m","#),
    ];
    for timestamp in [
        "2026-11-28T04:39:13.123456",
        "2026-11-28T04:39:13.12345Z",
        "2026-11-28T04:39:13.1234567Z",
        "2026-11-28 04:39:13.123456Z",
        "2026-11-28t04:39:13.123456Z",
        "2026-11-28T04:39:13.123456z",
        "2026-02-29T04:39:13.123456Z",
        "2024-02-29T04:39:13.123456Z",
        "1900-02-29T04:39:13.123456Z",
        "2000-02-29T04:39:13.123456Z",
        "2026-04-31T04:39:13.123456Z",
        "2026-00-10T04:39:13.123456Z",
        "2026-11-28T24:00:00.000000Z",
        "2026-11-28T23:59:60.000000Z",
        "0000-01-01T00:00:00.000000Z",
        "2026-11-28T04:39:13.123456Z\\n",
        "\\u0032026-11-28T04:39:13.123456Z",
        "２026-11-28T04:39:13.123456Z",
    ] {
        lines.push(with("2026-11-28T04:39:13.123456Z", timestamp));
    }
    assert_agreement(&Dir::new("agreement-edges"), &lines);
}

const ECS: &str = r#"{"@timestamp":"2026-11-28T04:39:13.123456Z","log.level":"info","message":"user 42 logged in","ecs.version":"8.11.0","service.name":"shop","event.dataset":"shop.log","log.logger":"auth","event.action":"user_login","http.request.id":"req-1","event.duration":1500,"http.response.status_code":200,"logfix":{"outcome":"ok","fields":{"user_id":42}}}"#;

#[test]
fn agrees_on_ecs_lines_at_the_edge_of_each_rule() {
    let with = |from: &str, to: &str| {
        assert!(ECS.contains(from), "{from}");
        ECS.replacen(from, to, 1)
    };
    let mut lines = vec![
        ECS.to_owned(),
        format!("  {ECS}\t "),
        format!("{ECS}{{}}"),
        with(r#""service.name":"shop","#, ""),
        with(r#""message":"user 42 logged in","#, ""),
        with(r#""http.request.id":"req-1""#, r#""host":"web-1""#),
        with(r#""http.request.id":"req-1""#, r#""http.request.id":7"#),
        with(r#""http.request.id":"req-1""#, r#""http.request.id":null"#),
        with(r#""http.request.id":"req-1""#, r#""client.ip":"not an address""#),
        with(r#""http.request.id":"req-1""#, r#""event.outcome":"ok""#),
        with(r#""http.request.id":"req-1""#, r#""event.outcome":"failure""#),
        with(r#""http.request.id":"req-1""#, r#""logfix.retry":true"#),
        with("1500", "\"1500\""),
        with("1500", "-1"),
        with("1500", "-0"),
        with("1500", "1.0"),
        with("1500", "1.5"),
        with("1500", "1e3"),
        with("1500", "123456789012345678901234567890"),
        with("1500", "true"),
        with(":200", ":99"),
        with(":200", ":999"),
        with(":200", ":1000"),
        with("8.11.0", "8.12.0"),
        with(r#""info""#, r#""INFO""#),
        with(r#""info""#, r#""\u0069nfo""#),
        with(r#""shop.log""#, r#""""#),
        with(r#""auth""#, r#""""#),
        with(r#""user_login""#, "3"),
        with(r#""user 42 logged in""#, r#""""#),
        with(r#""logfix":{"outcome":"ok","fields":{"user_id":42}}"#, r#""logfix":{}"#),
        with(r#""logfix":{"outcome":"ok","fields":{"user_id":42}}"#, r#""logfix":"x""#),
        with(r#""fields":{"user_id":42}"#, r#""fields":[42]"#),
        with(r#""fields":{"user_id":42}"#, r#""fields":{"a":1,"a":2}"#),
        with(r#""fields":{"user_id":42}"#, r#""retry":true"#),
        with(r#""fields":{"user_id":42}"#, r#""retry":"yes""#),
        with(r#""outcome":"ok""#, r#""outcome":1"#),
        with(r#""outcome":"ok""#, r#""stranger":1"#),
        with(
            r#""log.level":"info","message""#,
            r#""message":"user 42 logged in","log.level":"info","m""#,
        ),
        with(
            r#""@timestamp":"2026-11-28T04:39:13.123456Z","log.level":"info""#,
            r#""log.level":"info","@timestamp":"2026-11-28T04:39:13.123456Z""#,
        ),
        with("1500,", "1500,\"event.duration\":1,"),
    ];
    for timestamp in [
        "2026-02-29T04:39:13.123456Z",
        "2024-02-29T04:39:13.123456Z",
        "2026-11-28T04:39:13.123456",
        "2026-11-28T24:00:00.000000Z",
    ] {
        lines.push(with("2026-11-28T04:39:13.123456Z", timestamp));
    }
    assert_agreement(&Dir::new("agreement-ecs-edges"), &lines);
}

/// A JSON value as text, sometimes not quite JSON: what a broken writer might produce.
fn value(depth: u32) -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        prop::sample::select(vec![
            "0",
            "-1",
            "42",
            "1.5",
            "-0",
            "1e400",
            "01",
            "1.",
            "2E5",
            "18446744073709551616"
        ])
        .prop_map(str::to_owned),
        string(),
    ];
    leaf.prop_recursive(depth, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec(
                (prop::sample::select(vec!["a", "b", "c", "d", "e", "f"]), inner),
                0..3
            )
            .prop_map(|fields| {
                let fields: Vec<String> =
                    fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", fields.join(","))
            }),
        ]
    })
}

/// A JSON string as text, with escapes valid and not.
fn string() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        12 => "[a-z0-9 ._:-]{0,6}",
        1 => prop::sample::select(vec![
            "\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\u0000", "\\ud83d\\ude00", "\\ud800", "\\udc00x", "\\x", "\\u12",
            "\t", "\r", "\u{1}", "é", "\u{2028}", "\u{85}",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..4).prop_map(|pieces| format!("\"{}\"", pieces.concat()))
}

fn timestamp() -> impl Strategy<Value = String> {
    let valid = (1970u32..2100, 1u32..13, 1u32..29, 0u32..24, 0u32..60, 0u32..60, 0u32..1_000_000)
        .prop_map(|(y, mo, d, h, mi, s, us)| {
            format!("\"{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{us:06}Z\"")
        });
    let near_valid = (
        prop::sample::select(vec!["1900", "2000", "2024", "2026", "0000", "9999", "202"]),
        0u32..14,
        0u32..33,
        0u32..25,
        0u32..61,
        0u32..61,
        prop::sample::select(vec!["123456", "000000", "12345", "1234567", "12345a"]),
        prop::sample::select(vec!["Z", "", "z", "+00:00"]),
    )
        .prop_map(|(y, mo, d, h, mi, s, micros, z)| {
            format!("\"{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{micros}{z}\"")
        });
    prop_oneof![12 => valid, 4 => near_valid, 1 => value(1)]
}

fn level() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => prop::sample::select(vec!["trace", "debug", "info", "warn", "error"]).prop_map(|l| format!("\"{l}\"")),
        1 => prop::sample::select(vec!["\"INFO\"", "\"warning\"", "\"fatal\"", "\"\"", "\"\\u0069nfo\"", "3"]).prop_map(str::to_owned),
        1 => value(1),
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![12 => "\"[a-z_.:]{1,6}\"", 1 => Just("\"\"".to_owned()), 1 => value(1)]
}

/// A line: the five keys (each sometimes missing, out of place, repeated or escaped), then
/// fields, and sometimes something around the object.
fn line() -> impl Strategy<Value = String> {
    let mandatory =
        (timestamp(), level(), name(), name(), prop_oneof![8 => string(), 1 => value(1)]);
    let extra = prop::collection::vec(
        (
            prop::sample::select(vec![
                "request_id",
                "user_id",
                "a",
                "b",
                "c",
                "d",
                "e",
                "f",
                "level",
                "n\\u0020",
            ]),
            value(3),
        ),
        0..3,
    );
    let mutation = prop_oneof![
        12 => Just("none"),
        1 => prop::sample::select(vec!["drop", "swap", "repeat", "escape", "extra first"]),
    ];
    let wrapper =
        prop_oneof![12 => Just(""), 1 => prop::sample::select(vec![" ", "\r", "x", "{}", "array"])];
    (mandatory, extra, mutation, 0usize..5, 0usize..5, wrapper).prop_map(
        |((ts, level, component, event, message), extra, mutation, i, j, wrapper)| {
            let mut fields: Vec<(String, String)> = [
                ("timestamp", ts),
                ("level", level),
                ("component", component),
                ("event", event),
                ("message", message),
            ]
            .into_iter()
            .map(|(k, v)| (format!("\"{k}\""), v))
            .collect();
            match mutation {
                "drop" => {
                    fields.remove(i);
                }
                "swap" => fields.swap(i, j),
                "repeat" => fields.push(fields[i].clone()),
                "escape" => {
                    // The same key, its first letter written as a `\u` escape.
                    let key = &fields[i].0;
                    let first = key.chars().nth(1).unwrap();
                    fields[i].0 = format!("\"\\u{:04x}{}", u32::from(first), &key[2..]);
                }
                "extra first" => fields.insert(0, ("\"request_id\"".into(), "\"r\"".into())),
                _ => {}
            }
            fields.extend(extra.into_iter().map(|(k, v)| (format!("\"{k}\""), v)));
            let object: Vec<String> = fields.iter().map(|(k, v)| format!("{k}:{v}")).collect();
            let object = format!("{{{}}}", object.join(","));
            match wrapper {
                "array" => format!("[{object}]"),
                " " => format!(" {object} "),
                other => format!("{object}{other}"),
            }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Each case checks 400 lines in one run of the binary.
    #[test]
    fn agrees_on_generated_lines(lines in prop::collection::vec(line(), 400)) {
        let valid = lines.iter().filter(|l| logfix_testkit::validate_line(l).is_ok()).count();
        prop_assert!(valid > 0 && valid < lines.len(), "the generator makes both valid and invalid lines");
        assert_agreement(&Dir::new("agreement-generated"), &lines);
    }
}
