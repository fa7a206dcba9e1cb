//! Every command on ECS lines (`LOGFIX_SCHEMA=ecs`): hand-written fixtures, a log mixing both
//! schemas (a service switched from one to the other), and a log the runtime wrote.

// Helpers outside `#[test]` functions are not covered by clippy.toml's `allow-*-in-tests`: in
// test code a broken expectation must panic with its message.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

mod fixture;

use fixture::{ecs_line, line, logfix, Dir};

/// Rotated ECS lines, compressed and not, then a service restarted in the logfix schema.
fn mixed_log(name: &str) -> Dir {
    let dir = Dir::new(name);
    dir.write_gz(
        "app.log.20261128T040001.000000Z.gz",
        &(ecs_line(1, "info", "shop", "order_placed", "r1")
            + &ecs_line(3, "warn", "db.pool", "slow", "r2")),
    );
    dir.write("app.log.20261128T040002.000000Z", ecs_line(2, "error", "payments", "charge", "r1"));
    dir.write("app.log", line(4, "info", "shop", "order_placed", "r1"));
    dir
}

fn numbers(stdout: &str) -> Vec<u64> {
    stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["n"].as_u64().or_else(|| v["logfix"]["fields"]["n"].as_u64()).unwrap()
        })
        .collect()
}

#[test]
fn check_counts_each_schema_and_names_what_is_wrong_in_an_ecs_line() {
    let dir = mixed_log("ecs-check");
    let run = logfix(&["check", dir.arg()]).expect(0);
    assert_eq!(run.stdout, "4 lines in 3 files: 4 valid (1 logfix, 3 ecs), 0 invalid\n");

    let top_level =
        ecs_line(5, "info", "shop", "e", "r9").replace(r#""user.id":"u-r9""#, r#""host":"web-1""#);
    let wrong_type = ecs_line(6, "info", "shop", "e", "r9")
        .replace(r#""user.id":"u-r9""#, r#""event.duration":"12""#);
    dir.append("app.log", &format!("{top_level}{wrong_type}"));
    let run = logfix(&["check", dir.arg()]).expect(1);
    let active = dir.path().join("app.log");
    let active = active.display();
    assert_eq!(
        run.lines(),
        [
            &format!("{active}:2: `host` is not a field of an ECS line of logfix: an application's field belongs under `logfix.fields`") as &str,
            &format!("{active}:3: `event.duration` is a string, expected an integer"),
            "6 lines in 3 files: 4 valid (1 logfix, 3 ecs), 2 invalid",
        ]
    );
}

#[test]
fn query_follows_a_request_across_both_schemas_in_time_order() {
    let dir = mixed_log("ecs-query");
    let query = |args: &[&str]| {
        let mut all = vec!["query", dir.arg(), "--format", "json"];
        all.extend_from_slice(args);
        numbers(&logfix(&all).expect(0).stdout)
    };
    assert_eq!(query(&["--request-id", "r1"]), [1, 2, 4]);
    assert_eq!(query(&["--component", "db"]), [3]);
    assert_eq!(query(&["--event", "order_placed"]), [1, 4]);
    assert_eq!(query(&["--level", "warn.."]), [2, 3]);
    // A field by either schema's name, and an application field by its own name or its path.
    assert_eq!(query(&["user_id=u-r2"]), [3]);
    assert_eq!(query(&["user.id=u-r2"]), [3]);
    assert_eq!(query(&["request_id=r1"]), [1, 2, 4]);
    assert_eq!(query(&["http.request.id=r1"]), [1, 2, 4]);
    assert_eq!(query(&["order=o-r1"]), [1, 2]);
    assert_eq!(query(&["logfix.fields.order=o-r1"]), [1, 2]);
    assert_eq!(query(&["n=3"]), [3]);

    // The lines are written out as they were, whatever their schema.
    let run = logfix(&["query", dir.arg(), "--request-id", "r2", "--format", "json"]).expect(0);
    assert_eq!(run.stdout, ecs_line(3, "warn", "db.pool", "slow", "r2"));
    let run = logfix(&["query", dir.arg(), "--request-id", "r2", "--format", "pretty"]).expect(0);
    assert_eq!(
        run.stdout,
        "2026-11-28T04:00:00.000003Z  WARN db.pool.slow: slow happened event.dataset=shop.log http.request.id=r2 user.id=u-r2 n=3 order=o-r2\n"
    );
}

#[test]
fn stats_and_tail_read_ecs_lines() {
    let dir = mixed_log("ecs-stats");
    let report = logfix(&["stats", dir.arg()]).expect(0).stdout;
    assert!(report.starts_with("4 lines, "), "{report}");
    for (row, count) in
        [("shop", "2"), ("payments", "1"), ("shop.order_placed", "2"), ("error", "1")]
    {
        let cells = report
            .lines()
            .find(|l| l.split_whitespace().next() == Some(row))
            .unwrap_or_else(|| panic!("no {row} in {report}"));
        assert_eq!(cells.split_whitespace().nth(1), Some(count), "{report}");
    }
    let file = dir.path().join("app.log.20261128T040002.000000Z");
    let run = logfix(&["tail", "-n", "1", "--format", "pretty", file.to_str().unwrap()]).expect(0);
    assert!(
        run.stdout
            .starts_with("2026-11-28T04:00:00.000002Z ERROR payments.charge: charge happened "),
        "{}",
        run.stdout
    );
}

/// What the runtime writes with `LOGFIX_SCHEMA=ecs` passes `check`, and `query` finds a request
/// in it by either name of its id.
#[test]
fn a_log_the_runtime_wrote_in_ecs() {
    #[derive(logfix_runtime::LogEvent)]
    #[log(component = "shop", message = "order {order} placed")]
    struct OrderPlaced {
        order: u64,
    }

    let dir = Dir::new("ecs-runtime");
    let logger = logfix_runtime::Config::from_env_vars([("LOGFIX_SCHEMA", "ecs")])
        .dir(dir.path().to_owned())
        .build();
    logfix_runtime::Context::new().request_id("req-7").scope(|| {
        logger.emit(&OrderPlaced { order: 1 });
        logger.emit(&OrderPlaced { order: 2 });
    });
    logger.emit(&OrderPlaced { order: 3 });
    logger.shutdown();

    let run = logfix(&["check", dir.arg()]).expect(0);
    assert_eq!(run.stdout, "4 lines in 1 files: 4 valid (4 ecs), 0 invalid\n");
    for args in [&["--request-id", "req-7"][..], &["request_id=req-7", "--level", "info.."]] {
        let mut all = vec!["query", dir.arg(), "--format", "json"];
        all.extend_from_slice(args);
        let run = logfix(&all).expect(0);
        let orders: Vec<u64> = run
            .stdout
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["logfix"]["fields"]["order"].as_u64().unwrap()
            })
            .collect();
        assert_eq!(orders, [1, 2], "{args:?}");
    }
}
