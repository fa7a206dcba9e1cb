//! `logfix doctor`: the configuration from the environment, where lines would go and why, the
//! disk budget, and exit 1 whenever something would degrade.

// Helpers outside `#[test]` functions are not covered by clippy.toml's `allow-*-in-tests`: in
// test code a broken expectation must panic with its message.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

mod fixture;

use fixture::{command, Dir, Run};

/// `logfix doctor` in `dir`, with `TMPDIR` set to `dir/tmp` and the variables `vars`.
fn doctor(dir: &Dir, vars: &[(&str, &str)]) -> Run {
    let tmp = dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut command = command(&["doctor"]);
    command.current_dir(dir.path()).env("TMPDIR", &tmp).envs(vars.iter().copied());
    fixture::run(command)
}

#[test]
fn a_healthy_configuration_passes_and_nothing_is_created() {
    let dir = Dir::new("doctor-ok");
    let logs = dir.path().join("logs");
    let run = doctor(
        &dir,
        &[
            ("LOGFIX_DIR", logs.to_str().unwrap()),
            ("LOGFIX_MAX_FILE_SIZE", "1MB"),
            ("LOGFIX_MAX_FILES", "2"),
        ],
    )
    .expect(0);
    let out = &run.stdout;
    // The runtime's one-line summary, as `logging_started` writes it.
    let summary = out.lines().nth(1).unwrap();
    assert!(summary.starts_with("  env=production level=info format=json console=off"), "{out}");
    assert!(summary.contains(" max_file_size=1000000 max_files=2 "), "{out}");
    assert!(
        out.contains(&format!(
            "  1. {}: does not exist yet, init() would create it: lines go to {}/app.log\n",
            logs.display(),
            logs.display()
        )),
        "{out}"
    );
    assert!(
        out.contains(
            "worst case: LOGFIX_MAX_FILE_SIZE × (LOGFIX_MAX_FILES + 1) = 1.0 MB × 3 = 3.0 MB"
        ),
        "{out}"
    );
    assert!(out.contains(&format!("paths: [\"{}/app.log\"]", logs.display())), "{out}");
    assert!(out.ends_with("ok: nothing would degrade\n"), "{out}");
    assert!(!logs.exists(), "doctor creates nothing");

    std::fs::create_dir(&logs).unwrap();
    let run = doctor(&dir, &[("LOGFIX_DIR", logs.to_str().unwrap())]).expect(0);
    assert!(
        run.stdout.contains(&format!("  1. {}: exists, writable: lines go to", logs.display())),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("(no LOGFIX_* variable is set")
            || run.stdout.contains("(set: LOGFIX_DIR="),
        "{}",
        run.stdout
    );
    assert_eq!(std::fs::read_dir(&logs).unwrap().count(), 0, "the probe file is removed");
}

#[test]
fn a_directory_that_cannot_be_used_falls_back_and_fails() {
    let dir = Dir::new("doctor-fallback");
    let file = dir.write("not-a-dir", "");
    let configured = file.join("logs");
    let run = doctor(&dir, &[("LOGFIX_DIR", configured.to_str().unwrap())]).expect(1);
    // The runtime names the fallback (`logfix`, or `logfix-<uid>` for a private one).
    let fallback = dir.path().join("tmp").join("logfix");
    let problem = run.stdout.lines().find(|l| l.starts_with("problem: ")).unwrap();
    let expected =
        format!("problem: lines would go to the fallback directory {}", fallback.display());
    assert!(problem.starts_with(&expected), "{}", run.stdout);
    assert!(problem.contains(&format!(", because {}: ", configured.display())), "{}", run.stdout);

    // The temp directory is a file too: nothing is left but stderr.
    let mut command = command(&["doctor"]);
    command.env("TMPDIR", &file).env("LOGFIX_DIR", &configured);
    let run = fixture::run(command).expect(1);
    assert!(
        run.stdout.contains("  no directory can be used: lines go to stderr"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("problem: no log directory can be used ("), "{}", run.stdout);
    assert!(!run.stdout.contains("\ndisk:"), "{}", run.stdout);
}

/// Rejected values, names logfix does not read, and a set-up that would write nowhere (which
/// logfix turns to stderr) are each a problem.
#[test]
fn rejected_variables_and_writing_nowhere_are_problems() {
    let dir = Dir::new("doctor-rejected");
    let run = doctor(
        &dir,
        &[
            ("LOGFIX_MAX_FILES", "lots"),
            ("LOGFIX_LOG_LEVEL", "debug"),
            ("LOGFIX_FILE_ENABLED", "false"),
            ("LOGFIX_CONSOLE", "off"),
        ],
    )
    .expect(1);
    let problems: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("problem: ")).collect();
    assert_eq!(problems.len(), 3, "{}", run.stdout);
    assert!(
        problems[0].starts_with("problem: LOGFIX_MAX_FILES=\"lots\" is rejected ("),
        "{}",
        problems[0]
    );
    assert!(problems[0].ends_with("): 10 is used instead"), "{}", problems[0]);
    assert!(problems[1].contains("did you mean LOGFIX_LEVEL?"), "{}", problems[1]);
    assert!(!problems[1].contains("debug"), "the value is not shown: {}", problems[1]);
    assert!(
        problems[2]
            .starts_with("problem: LOGFIX_CONSOLE=\"off\" is rejected (the file is disabled too"),
        "{}",
        problems[2]
    );
    assert!(problems[2].ends_with(": stderr is used instead"), "{}", problems[2]);
    assert!(run.stdout.contains("the console: stderr"), "{}", run.stdout);
}

/// `LOGFIX_FORMAT=pretty` under a preset whose console is off would change nothing: a
/// configuration problem, as `init()` reports it.
#[test]
fn a_pretty_format_without_a_console_is_pointed_out() {
    let dir = Dir::new("doctor-pretty-off");
    let logs = dir.path().join("logs");
    let run = doctor(&dir, &[("LOGFIX_DIR", logs.to_str().unwrap()), ("LOGFIX_FORMAT", "pretty")])
        .expect(1);
    assert!(run.stdout.contains("problem: LOGFIX_FORMAT=\"pretty\" is rejected"), "{}", run.stdout);
    assert!(run.stdout.contains("set LOGFIX_CONSOLE=stderr to see pretty lines"), "{}", run.stdout);
    let run = doctor(
        &dir,
        &[
            ("LOGFIX_DIR", logs.to_str().unwrap()),
            ("LOGFIX_FORMAT", "pretty"),
            ("LOGFIX_CONSOLE", "stderr"),
        ],
    )
    .expect(0);
    assert!(!run.stdout.contains("problem:"), "{}", run.stdout);
}

#[test]
fn a_container_set_up_ships_stdout_as_json() {
    let dir = Dir::new("doctor-container");
    let run =
        doctor(&dir, &[("LOGFIX_FILE_ENABLED", "false"), ("LOGFIX_CONSOLE", "stdout")]).expect(0);
    assert!(run.stdout.contains("collect the container's stdout"), "{}", run.stdout);
    let run = doctor(
        &dir,
        &[
            ("LOGFIX_FILE_ENABLED", "false"),
            ("LOGFIX_CONSOLE", "stdout"),
            ("LOGFIX_FORMAT", "pretty"),
        ],
    )
    .expect(1);
    assert!(run.stdout.contains("problem: LOGFIX_FORMAT=pretty on stdout"), "{}", run.stdout);
}

#[test]
fn too_little_disk_for_the_worst_case_is_a_problem() {
    let dir = Dir::new("doctor-disk");
    let logs = dir.path().join("logs");
    let run = doctor(
        &dir,
        &[
            ("LOGFIX_DIR", logs.to_str().unwrap()),
            ("LOGFIX_MAX_FILE_SIZE", "1000000GB"),
            ("LOGFIX_MAX_FILES", "10000"),
        ],
    )
    .expect(1);
    assert!(run.stdout.contains("= 1000.0 TB × 10001 = 10001000.0 TB"), "{}", run.stdout);
    assert!(run.stdout.contains("free on the file system of"), "{}", run.stdout);
    assert!(run.stdout.contains("but the log may grow by 10001000.0 TB more"), "{}", run.stdout);

    // LOGFIX_MAX_TOTAL_SIZE caps it.
    let run = doctor(
        &dir,
        &[
            ("LOGFIX_DIR", logs.to_str().unwrap()),
            ("LOGFIX_MAX_FILE_SIZE", "1MB"),
            ("LOGFIX_MAX_FILES", "10000"),
            ("LOGFIX_MAX_TOTAL_SIZE", "10MB"),
        ],
    )
    .expect(0);
    assert!(
        run.stdout.contains(
            "capped by LOGFIX_MAX_TOTAL_SIZE + one active file: 10.0 MB + 1.0 MB = 11.0 MB"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn the_schema_in_force_and_its_shipper_settings_are_shown() {
    let dir = Dir::new("doctor-schema");
    let logs = dir.path().join("logs");
    let run = doctor(&dir, &[("LOGFIX_DIR", logs.to_str().unwrap())]).expect(0);
    assert!(
        run.stdout.contains(
            "\nschema:\n  logfix (LOGFIX_SCHEMA=logfix, the default): schema/logfix-event.schema.json\n"
        ),
        "{}",
        run.stdout
    );
    let run = doctor(
        &dir,
        &[
            ("LOGFIX_DIR", logs.to_str().unwrap()),
            ("LOGFIX_SCHEMA", "ecs"),
            ("LOGFIX_SERVICE_NAME", "shop"),
            ("LOGFIX_SERVICE_ENVIRONMENT", "prod"),
        ],
    )
    .expect(0);
    let out = &run.stdout;
    assert!(out.lines().nth(1).unwrap().contains(" schema=ecs service_name=shop "), "{out}");
    assert!(
        out.contains("\nschema:\n  ecs (LOGFIX_SCHEMA=ecs): Elastic Common Schema 8.11.0, schema/ecs-event.schema.json\n  service.name=shop service.version=(unset) service.environment=prod event.dataset=shop.log\n"),
        "{out}"
    );
    assert!(out.contains("time key `@timestamp`"), "{out}");

    let run = doctor(&dir, &[("LOGFIX_DIR", logs.to_str().unwrap()), ("LOGFIX_SCHEMA", "elastic")])
        .expect(1);
    assert!(
        run.stdout.contains("problem: LOGFIX_SCHEMA=\"elastic\" is rejected (expected one of `logfix`, `ecs`): logfix is used instead"),
        "{}",
        run.stdout
    );
}

/// `docker exec myapp logfix doctor` shows the variables in force, never the keys among them.
#[test]
fn the_keys_are_never_shown() {
    let dir = Dir::new("doctor-keys");
    let logs = dir.path().join("logs");
    let (redact_key, audit_key) = ("KEYMARKER0123456789abcdef0123456789", "AUDITKEYMARKER");
    let run = doctor(
        &dir,
        &[
            ("LOGFIX_DIR", logs.to_str().unwrap()),
            ("LOGFIX_REDACT_KEY", redact_key),
            ("LOGFIX_AUDIT_KEY", audit_key),
        ],
    )
    .expect(0);
    let out = &run.stdout;
    assert!(
        out.contains("LOGFIX_AUDIT_KEY=[REDACTED]") && out.contains("LOGFIX_REDACT_KEY=[REDACTED]"),
        "{out}"
    );
    assert!(!out.contains("KEYMARKER") && !run.stderr.contains("KEYMARKER"), "{out}");
}

/// A key under a misspelt name is no less a key, and a pattern may spell out what it hides:
/// the runtime shows neither (`config_invalid` says "(not shown)", `logging_started` counts the
/// patterns), and neither does the doctor.
#[test]
fn misspelt_keys_and_patterns_are_never_shown() {
    let dir = Dir::new("doctor-misspelt-keys");
    let logs = dir.path().join("logs");
    let run = doctor(
        &dir,
        &[
            ("LOGFIX_DIR", logs.to_str().unwrap()),
            ("LOGFIX_AUDITKEY", "MISSPELTKEYMARKER"),
            ("LOGFIX_REDACT_PATTERNS", r"PATTERNMARKER-\d+"),
        ],
    )
    .expect(1);
    let out = &run.stdout;
    assert!(out.contains("LOGFIX_AUDITKEY"), "the variable is named: {out}");
    assert!(out.contains("redact_patterns=1"), "the patterns are counted: {out}");
    for marker in ["MISSPELTKEYMARKER", "PATTERNMARKER"] {
        assert!(!out.contains(marker) && !run.stderr.contains(marker), "{marker}: {out}");
    }
}
