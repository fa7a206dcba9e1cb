//! Secrets planted on every path a line is built from, of every kind the content scrubber knows,
//! never reach a line: in the JSON file and on a pretty console. Each configuration runs in a
//! child process (one global logger per process); the parent reads the file and the child's
//! stdout.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

mod common;

use common::{assert_success, is_child, run_child, Scratch};
use logfix_runtime::{emit, logged, LogEvent};
use proptest::prelude::*;

/// A secret of each kind, with `marker` (letters only) or `digits` inside it, and the text that
/// must not appear in any line.
fn kinds(marker: &str, digits: u32) -> Vec<(String, String)> {
    let card = luhn_card(digits);
    vec![
        (format!("password={marker}"), marker.to_owned()),
        (format!("login failed, password: {marker}"), marker.to_owned()),
        (format!(r#"{{"api_key":"{marker}"}}"#), marker.to_owned()),
        // A derived `Debug` whose secret is not a bare string.
        (format!(r#"Config {{ password: Some("{marker} x"), retries: 3 }}"#), marker.to_owned()),
        (format!("Authorization: Bearer {marker}"), marker.to_owned()),
        (format!("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.{marker}"), marker.to_owned()),
        (format!("key AKIA{}", &format!("{marker}QQQQQQQQQQQQQQQQ")[..16]), marker.to_owned()),
        (
            format!("-----BEGIN RSA PRIVATE KEY-----\nMII{marker}\n-----END RSA PRIVATE KEY-----"),
            marker.to_owned(),
        ),
        (format!("charged {card}"), card.clone()),
        (format!("dsn postgres://app:{marker}@db:5432/shop"), marker.to_owned()),
        (format!("dsn redis://:{marker}/x@cache:6379/0"), marker.to_owned()),
    ]
}

/// A Luhn-valid 16-digit card number that contains `n`.
fn luhn_card(n: u32) -> String {
    let body = format!("4{n:014}");
    let sum: u32 = body
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap();
            if i % 2 == 0 {
                let d = d * 2;
                if d > 9 {
                    d - 9
                } else {
                    d
                }
            } else {
                d
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// Every path gets a marker of its own, so that a leak says where it came from.
fn marker(path: usize) -> String {
    format!("ZQX{}SEC", char::from(b'A' + u8::try_from(path % 26).unwrap()))
}

/// Free text in a derived event's `Display` field.
#[derive(LogEvent)]
#[log(component = "secrets", message = "noted {note}")]
struct Noted {
    #[log(display)]
    note: String,
}

/// Free text inside a derived event's `Debug` field.
#[derive(LogEvent)]
#[log(component = "secrets", message = "shown")]
struct Shown {
    #[log(debug)]
    detail: Option<String>,
}

/// A `#[logged]` call whose error is the text (which it does not receive as an argument: a
/// `&str` argument is a typed value, written as it is).
#[logged(component = "secrets", skip(text))]
fn refuse(text: impl Fn() -> String) -> Result<(), String> {
    Err(text())
}

/// A form whose derived `Debug` shows its password.
#[derive(Debug)]
#[allow(dead_code, reason = "read through Debug")]
struct Form {
    user: &'static str,
    password: &'static str,
}

/// Redacted and masked fields whose values the `Display` and `Debug` fields quote.
#[derive(LogEvent)]
#[log(component = "secrets", message = "signed in: {detail}")]
struct SignedIn {
    #[log(redact)]
    pin: u32,
    #[log(redact = "hash")]
    account: String,
    #[log(redact = "last4")]
    card: String,
    #[log(redact = "email")]
    email: String,
    #[log(display)]
    detail: String,
    #[log(debug)]
    form: Form,
}

/// A `#[logged]` call whose error quotes its skipped and masked arguments.
#[logged(component = "secrets")]
fn unlock(#[log(skip)] vault: &str, #[log(redact = "hash")] account: &str) -> Result<(), String> {
    Err(format!("vault {vault} of {account} is sealed"))
}

/// Emits every kind of secret through every path; returns what must not appear.
fn plant_everywhere() -> Vec<String> {
    let mut forbidden = Vec::new();
    let paths: [&dyn Fn(&str); 12] = [
        &|s| tracing::info!("{s}"),
        &|s| tracing::info!(note = s, "a note"),
        &|s| tracing::info!(detail = ?s, "debug value"),
        &|s| tracing::info!(detail = %s, "display value"),
        &|s| {
            let span = tracing::info_span!("request", note = s);
            span.in_scope(|| tracing::info!("in a span"));
        },
        &|s| log::info!("{s}"),
        &|s| log::info!(note = s; "a note"),
        &|s| log::info!(target: s, "a target made at run time"),
        &|s| {
            let s = s.to_owned();
            let _ = std::thread::spawn(move || panic!("{s}")).join();
        },
        &|s| emit(&Noted { note: s.to_owned() }),
        &|s| emit(&Shown { detail: Some(s.to_owned()) }),
        &|s| {
            let _ = refuse(|| s.to_owned());
        },
    ];
    for (p, emit) in paths.iter().enumerate() {
        for (text, hidden) in kinds(&marker(p), u32::try_from(p).unwrap()) {
            emit(&text);
            forbidden.push(hidden);
        }
    }
    // The context: a sensitive key, and an id written as a pseudonym (or redacted without a key).
    logfix_runtime::Context::new()
        .field("session_token", "ZQXCTX1SEC")
        .user_id_masked("ZQXCTX2SEC", logfix_runtime::redact::Mask::Hash)
        .scope(|| tracing::info!("in a request"));
    forbidden.extend(["ZQXCTX1SEC", "ZQXCTX2SEC"].map(String::from));
    // By name: a sensitive field name hides any value, in any spelling.
    // (The number is longer than any run of digits a line holds otherwise: a timestamp's
    // microseconds or a pid could hold a short one.)
    tracing::info!(
        password = "ZQXNAME1SEC",
        apiKey = "ZQXNAME2SEC",
        pin = 73_914_826_055_u64,
        "by name"
    );
    log::info!(client_secret = "ZQXNAME3SEC"; "by name");
    forbidden
        .extend(["ZQXNAME1SEC", "ZQXNAME2SEC", "73914826055", "ZQXNAME3SEC"].map(String::from));
    // Known values: a derived event's redacted and masked fields, quoted by its free text, and
    // a `#[logged]` call's skipped and masked arguments, quoted by its error.
    emit(&SignedIn {
        pin: 73_915_406,
        account: "ZQXKNOWN1SEC".to_owned(),
        card: "5555-0000-1234-4242".to_owned(),
        email: "zqxknown3sec@example.com".to_owned(),
        detail: "pin 73915406 for ZQXKNOWN1SEC, card 5555-0000-1234-4242, zqxknown3sec@example.com"
            .to_owned(),
        form: Form { user: "ann", password: "ZQXKNOWN4SEC" },
    });
    let _ = unlock("ZQXKNOWN5SEC", "ZQXKNOWN6SEC");
    forbidden.extend(
        ["73915406", "ZQXKNOWN1SEC", "5555-0000-1234", "zqxknown3sec", "ZQXKNOWN4SEC"]
            .into_iter()
            .chain(["ZQXKNOWN5SEC", "ZQXKNOWN6SEC"])
            .map(String::from),
    );
    forbidden
}

#[test]
fn child_plants_secrets() {
    if !is_child("child_plants_secrets") {
        return;
    }
    let _guard = logfix_runtime::init();
    let forbidden = plant_everywhere();
    logfix_runtime::flush();
    println!("child-forbidden {}", forbidden.join("\u{1f}"));
}

/// Runs the child with `vars`; returns the lines of the file, of stdout, and what is forbidden.
fn planted(name: &str, vars: &[(&str, &str)]) -> (String, String, Vec<String>) {
    let dir = Scratch::new(name);
    let mut env: Vec<(&str, &std::ffi::OsStr)> = vec![("LOGFIX_DIR", dir.path().as_os_str())];
    env.extend(vars.iter().map(|(k, v)| (*k, std::ffi::OsStr::new(v))));
    let out = run_child("child_plants_secrets", &env);
    assert_success(&out, "the child");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let forbidden = stdout
        .lines()
        .find_map(|l| l.split_once("child-forbidden ").map(|(_, f)| f.to_owned()))
        .unwrap()
        .split('\u{1f}')
        .map(String::from)
        .collect();
    let file = std::fs::read_to_string(dir.join("app.log")).unwrap_or_default();
    let console: String =
        stdout.lines().filter(|l| !l.contains("child-forbidden")).collect::<Vec<_>>().join("\n");
    (file, console, forbidden)
}

fn assert_clean(what: &str, text: &str, forbidden: &[String]) {
    for secret in forbidden {
        assert!(!text.contains(secret.as_str()), "{what} holds {secret}:\n{text}");
    }
}

#[test]
fn no_planted_secret_reaches_the_json_file() {
    let (file, _, forbidden) = planted("secrets-json", &[]);
    assert!(file.lines().count() > 70, "the events were written: {file}");
    assert_clean("the file", &file, &forbidden);
    // No pseudonym key: the id was redacted, and that is said once.
    let missing = file.lines().filter(|l| l.contains(r#""variable":"LOGFIX_REDACT_KEY""#)).count();
    assert_eq!(missing, 1, "{file}");
}

#[test]
fn no_planted_secret_reaches_a_pretty_console() {
    let vars = [
        ("LOGFIX_ENV", "development"),
        ("LOGFIX_CONSOLE", "stdout"),
        ("NO_COLOR", "1"),
        ("LOGFIX_REDACT_KEY", "0123456789abcdef0123456789abcdef"),
    ];
    let (file, console, forbidden) = planted("secrets-pretty", &vars);
    assert!(file.contains(r#""user_id":"hmac:"#), "a pseudonym with the key: {file}");
    for masked in [r#""account":"hmac:"#, r#""card":"****4242""#, r#""email":"***@example.com""#] {
        assert!(file.contains(masked), "{masked} in {file}");
    }
    assert!(console.lines().count() > 70, "the events were printed: {console}");
    assert_clean("the pretty console", &console, &forbidden);
    assert_clean("the file", &file, &forbidden);
}

/// A value holding an operator's sensitive name, nested.
#[cfg(feature = "serde")]
#[derive(serde::Serialize)]
struct Tenant {
    id: u32,
    tenant_key: &'static str,
}

#[cfg(feature = "serde")]
#[derive(LogEvent)]
#[log(component = "billing", message = "tenant loaded")]
struct TenantLoaded {
    #[log(serde)]
    tenant: Tenant,
}

#[test]
fn child_with_operator_names() {
    if !is_child("child_with_operator_names") {
        return;
    }
    let _guard = logfix_runtime::init();
    tracing::info!(tenant_key = "OPERATOR1", "bridged");
    logfix_runtime::Context::new().field("tenant_key", "OPERATOR2").scope(|| {
        tracing::info!("inside, with tenant_key=OPERATOR3 in the text");
    });
    #[cfg(feature = "serde")]
    emit(&TenantLoaded { tenant: Tenant { id: 1, tenant_key: "OPERATOR4" } });
    #[cfg(feature = "tower")]
    access_log_with("/api/items;tenant_key=OPERATOR5?page=1&tenant_key=OPERATOR6&cb=%2Fx%3Ftenant_key%3DOPERATOR7");
    logfix_runtime::flush();
}

/// One request through the access log layer, answered at once.
#[cfg(feature = "tower")]
fn access_log_with(uri: &str) {
    use tower_layer::Layer;
    use tower_service::Service;
    let handler = tower_service_fn(|_: http::Request<String>| async {
        Ok::<_, String>(http::Response::new(String::new()))
    });
    let mut service = logfix_runtime::web::AccessLogLayer::new().layer(handler);
    let request = http::Request::get(uri).body(String::new()).unwrap();
    let mut future = std::pin::pin!(service.call(request));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    while std::future::Future::poll(future.as_mut(), &mut cx).is_pending() {}
}

#[cfg(feature = "tower")]
fn tower_service_fn<F>(f: F) -> ServiceFn<F> {
    ServiceFn(f)
}

#[cfg(feature = "tower")]
#[derive(Clone)]
struct ServiceFn<F>(F);

#[cfg(feature = "tower")]
impl<F, Fut> tower_service::Service<http::Request<String>> for ServiceFn<F>
where
    F: FnMut(http::Request<String>) -> Fut,
    Fut: std::future::Future<Output = Result<http::Response<String>, String>>,
{
    type Response = http::Response<String>;
    type Error = String;
    type Future = Fut;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), String>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<String>) -> Fut {
        (self.0)(request)
    }
}

/// `LOGFIX_REDACT_KEYS` applies wherever the built-in names do: bridged fields and text, the
/// context, nested `#[log(serde)]` values, and the access log's path and query.
#[test]
fn operator_names_apply_on_every_path() {
    let dir = Scratch::new("secrets-operator-names");
    let vars =
        [("LOGFIX_DIR", dir.path().as_os_str()), ("LOGFIX_REDACT_KEYS", "tenant_key".as_ref())];
    assert_success(&run_child("child_with_operator_names", &vars), "the child");
    let file = std::fs::read_to_string(dir.join("app.log")).unwrap();
    assert!(file.lines().count() >= 3, "{file}");
    assert!(!file.contains("OPERATOR"), "{file}");
}

/// A `#[logged]` call whose error quotes its skipped argument.
#[logged(component = "secrets")]
fn sign_in(#[log(skip)] credentials: &str) -> Result<(), String> {
    Err(format!("rejected credentials {credentials}"))
}

/// A redacted field that the `Display` field quotes.
#[derive(LogEvent)]
#[log(component = "secrets", message = "stored")]
struct Stored {
    #[log(redact)]
    credentials: String,
    #[log(display)]
    note: String,
}

/// A known value goes whole, also when the content scrubber finds a secret in part of it (the
/// access key id of an `id:secret` pair): the rest, the secret access key, stays out too.
#[test]
fn a_known_value_goes_whole_where_the_content_scrubber_finds_part_of_it() {
    let credentials = "AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY";
    let events = logfix_testkit::capture(|| {
        let _ = sign_in(credentials);
        emit(&Stored { credentials: credentials.to_owned(), note: format!("got {credentials}") });
    });
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["error"], "rejected credentials [REDACTED]");
    assert_eq!(events[1]["note"], "got [REDACTED]");
    for line in events.lines() {
        assert!(!line.contains("wJalrXUtnFEMIK7MDENG"), "{line}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A secret of any kind at a random place of a random bridged message and field value never
    /// survives, and the text before it does (what follows `name:` may be taken as its value).
    #[test]
    fn random_secrets_in_bridged_text_never_survive(
        before in "[a-z ,.]{0,40}",
        after in "[a-z ,.]{0,40}",
        kind in 0usize..11,
        n in 0u32..10_000,
    ) {
        let (secret, hidden) = kinds("ZQXRNDSEC", n).swap_remove(kind);
        let text = format!("{before} {secret} {after}");
        let events = logfix_testkit::capture(|| {
            tracing::info!(note = text.as_str(), "{text}");
            log::info!(note = text.as_str(); "{text}");
        });
        prop_assert_eq!(events.len(), 2);
        for line in events.lines() {
            prop_assert!(!line.contains(hidden.as_str()), "{}", line);
            prop_assert!(line.contains(before.trim()), "{}", line);
        }
    }
}

#[derive(LogEvent)]
#[log(component = "secrets", message = "closed")]
struct Closed {
    #[log(display)]
    note: String,
    #[log(redact = "hash")]
    account: String,
}

/// A logger from `Config::build()` redacts its lines with its own settings: its operator words,
/// its patterns and its pseudonym key, not only the defaults of a process without `init()`.
#[test]
fn a_built_logger_redacts_with_its_own_settings() {
    use logfix_runtime::redact::{pseudonym::PseudonymKey, scrub::Patterns};
    use logfix_runtime::Config;

    let scratch = Scratch::new("secrets-built");
    let mut patterns = Patterns::new();
    patterns.add(r"ticket-\d+").unwrap();
    let logger = Config::new()
        .dir(scratch.path())
        .redact_keys(vec!["tenant_key".to_owned()])
        .redact_patterns(patterns)
        .redact_key(PseudonymKey::new(b"0123456789abcdef0123456789abcdef").unwrap())
        .build();
    logger.emit(&Closed {
        note: "closed ticket-123456 tenant_key=ZQXTENANT".to_owned(),
        account: "acct-77".to_owned(),
    });
    logger.shutdown();
    let text = common::read_text(&scratch.join("app.log"));
    assert!(!text.contains("123456") && !text.contains("ZQXTENANT"), "{text}");
    let line = text.lines().find(|l| l.contains(r#""event":"closed""#)).unwrap();
    let closed = common::parse_line(line).unwrap();
    assert_eq!(closed["note"], "closed [REDACTED] tenant_key=[REDACTED]");
    assert!(closed["account"].as_str().unwrap().starts_with("hmac:"), "{line}");
}

/// A context made before `init()`, with a field named by `LOGFIX_REDACT_KEYS`, written by the
/// logger `init()` installs: a derived event, a bridged one and an audit record inside it.
#[test]
fn child_with_a_context_made_before_init() {
    if !is_child("child_with_a_context_made_before_init") {
        return;
    }
    let ctx =
        logfix_runtime::Context::new().field("tenant_key", "ZQXEARLY1SEC").field("tenant", "acme");
    write_after_init(&ctx);
}

/// `init()`, then in `ctx`'s scope a derived event, a bridged one and an audit record.
fn write_after_init(ctx: &logfix_runtime::Context) {
    let _guard = logfix_runtime::init();
    ctx.scope(|| {
        emit(&Noted { note: "early".to_owned() });
        tracing::info!("bridged");
        logfix_runtime::audit(&Noted { note: "audited".to_owned() }).unwrap();
    });
    logfix_runtime::flush();
}

/// A context's fields are judged by the redaction of the logger that writes the line, not by
/// the one in force when the context was made (the defaults, before `init()`): in the JSON
/// file, the ECS form, the audit trail and a pretty console.
#[test]
fn a_context_made_before_init_is_redacted_with_the_operator_s_names() {
    let pretty = [("LOGFIX_ENV", "development"), ("LOGFIX_CONSOLE", "stdout"), ("NO_COLOR", "1")];
    for (name, vars) in
        [("json", &[][..]), ("ecs", &[("LOGFIX_SCHEMA", "ecs")][..]), ("pretty", &pretty[..])]
    {
        let dir = Scratch::new(&format!("secrets-early-{name}"));
        let mut env: Vec<(&str, &std::ffi::OsStr)> = vec![
            ("LOGFIX_DIR", dir.path().as_os_str()),
            ("LOGFIX_REDACT_KEYS", "tenant_key".as_ref()),
        ];
        env.extend(vars.iter().map(|(k, v)| (*k, std::ffi::OsStr::new(v))));
        let out = run_child("child_with_a_context_made_before_init", &env);
        assert_success(&out, "the child");
        let file = common::read_text(&dir.join("app.log"));
        let audit = common::read_text(&dir.join("audit.log"));
        let console = String::from_utf8_lossy(&out.stdout);
        // The context is in every line, its sensitive field without its value.
        let json = r#""tenant_key":"[REDACTED]","tenant":"acme""#;
        let mut written =
            vec![("the file", &*file, json, 2), ("the audit trail", &*audit, json, 1)];
        if name == "pretty" {
            written.push(("the console", &*console, "tenant_key=[REDACTED] tenant=acme", 2));
        }
        for (what, text, redacted, lines) in written {
            assert_eq!(text.matches(redacted).count(), lines, "{name}, {what}: {text}");
            assert!(!text.contains("ZQXEARLY1SEC"), "{name}, {what}: {text}");
        }
    }
}

/// A logger from `Config::build()` judges the context's fields with its own names, for a
/// context made before it and one made after it, in its file and in its audit trail.
#[test]
fn a_built_logger_redacts_the_context_with_its_own_names() {
    use logfix_runtime::{Config, Context};

    let scratch = Scratch::new("secrets-built-context");
    let before = Context::new().field("tenant_key", "ZQXOWN1SEC").field("tenant", "acme");
    let logger =
        Config::new().dir(scratch.path()).redact_keys(vec!["tenant_key".to_owned()]).build();
    before.scope(|| {
        logger.emit(&Noted { note: "before".to_owned() });
        logger.audit(&Noted { note: "audited".to_owned() }).unwrap();
    });
    Context::new()
        .field("tenant_key", "ZQXOWN2SEC")
        .field("tenant", "acme")
        .scope(|| logger.emit(&Noted { note: "after".to_owned() }));
    logger.shutdown();
    let file = common::read_text(&scratch.join("app.log"));
    let audit = common::read_text(&scratch.join("audit.log"));
    assert_eq!(file.matches(r#""tenant_key":"[REDACTED]","tenant":"acme""#).count(), 2, "{file}");
    assert_eq!(audit.matches(r#""tenant_key":"[REDACTED]","tenant":"acme""#).count(), 1, "{audit}");
    for text in [&file, &audit] {
        assert!(!text.contains("ZQXOWN"), "{text}");
    }
}

/// The directory of the logger the child builds before `init()`.
const BUILT_DIR_ENV: &str = "SECRETS_BUILT_DIR";

/// A logger built with the default settings before `init()`, then `init()` with the operator's
/// names: both write a line inside a context with a field of such a name.
#[test]
fn child_with_a_logger_built_before_init() {
    if !is_child("child_with_a_logger_built_before_init") {
        return;
    }
    let built_dir = std::env::var_os(BUILT_DIR_ENV).unwrap();
    let built = logfix_runtime::Config::new().dir(std::path::PathBuf::from(built_dir)).build();
    let _guard = logfix_runtime::init();
    logfix_runtime::Context::new().field("tenant_key", "t-1").scope(|| {
        built.emit(&Noted { note: "built".to_owned() });
        emit(&Noted { note: "global".to_owned() });
    });
    built.shutdown();
    logfix_runtime::flush();
}

/// A logger renders with its own settings' redaction, also when it was built before `init()`
/// installed other ones: `init()`'s names hide the field in the global logger's line only.
#[test]
fn a_logger_built_before_init_keeps_its_own_redaction() {
    let (global, built) = (Scratch::new("secrets-built-first"), Scratch::new("secrets-built-own"));
    let out = run_child(
        "child_with_a_logger_built_before_init",
        &[
            ("LOGFIX_DIR", global.path().as_os_str()),
            ("LOGFIX_REDACT_KEYS", "tenant_key".as_ref()),
            (BUILT_DIR_ENV, built.path().as_os_str()),
        ],
    );
    assert_success(&out, "the child");
    let (global, built) =
        (common::read_text(&global.join("app.log")), common::read_text(&built.join("app.log")));
    assert_eq!(global.matches(r#""tenant_key":"[REDACTED]""#).count(), 1, "{global}");
    assert_eq!(built.matches(r#""tenant_key":"t-1""#).count(), 1, "{built}");
}

/// The pseudonym keys of the tests of masks.
const MASK_KEYS: [&str; 2] =
    ["0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"];

/// A context's masks are applied by the logger that writes the line, with its own key: a
/// context made before two loggers with keys of their own is written with each one's
/// pseudonyms, and its values in clear in neither.
#[test]
fn a_masked_context_is_written_with_the_key_of_each_line_s_logger() {
    use logfix_runtime::redact::{pseudonym::PseudonymKey, Mask};
    use logfix_runtime::{Config, Context};

    let ctx = Context::new()
        .user_id_masked("ZQXMASK1SEC", Mask::Hash)
        .field_masked("account", "ZQXMASK2SEC", Mask::Hash)
        .field_masked("card_number", "4111 1111 1111 1111", Mask::Last4);
    let keys = MASK_KEYS.map(|k| PseudonymKey::new(k.as_bytes()).unwrap());
    let dirs = [Scratch::new("secrets-mask-a"), Scratch::new("secrets-mask-b")];
    let loggers =
        [0, 1].map(|i| Config::new().dir(dirs[i].path()).redact_key(keys[i].clone()).build());
    ctx.scope(|| {
        for logger in &loggers {
            logger.emit(&Noted { note: "masked".to_owned() });
        }
    });
    for ((logger, dir), key) in loggers.iter().zip(&dirs).zip(&keys) {
        logger.shutdown();
        let text = common::read_text(&dir.join("app.log"));
        let line = text.lines().find(|l| l.contains(r#""event":"noted""#)).unwrap();
        let noted = common::parse_line(line).unwrap();
        assert_eq!(noted["user_id"], key.pseudonym("ZQXMASK1SEC").as_str(), "{line}");
        assert_eq!(noted["account"], key.pseudonym("ZQXMASK2SEC").as_str(), "{line}");
        assert_eq!(noted["card_number"], "****1111", "{line}");
        assert!(!text.contains("ZQXMASK") && !text.contains("4111 1111"), "{text}");
    }
    assert_ne!(keys[0].pseudonym("ZQXMASK1SEC"), keys[1].pseudonym("ZQXMASK1SEC"));
}

/// A context with pseudonyms made before `init()`, written by the logger `init()` installs: a
/// derived event, a bridged one and an audit record inside it.
#[test]
fn child_with_masks_made_before_init() {
    use logfix_runtime::redact::Mask;

    if !is_child("child_with_masks_made_before_init") {
        return;
    }
    let ctx = logfix_runtime::Context::new()
        .user_id_masked("ZQXMASK3SEC", Mask::Hash)
        .field_masked("account", "ZQXMASK4SEC", Mask::Hash);
    write_after_init(&ctx);
}

/// A pseudonym asked for before `init()` is written with the key `init()` then sets, and
/// without a key it is `[REDACTED]`, the key reported missing once: in the JSON file, the audit
/// trail and a pretty console, never with the value in clear.
#[test]
fn masks_made_before_init_are_applied_with_init_s_key() {
    use logfix_runtime::redact::pseudonym::PseudonymKey;

    let key = PseudonymKey::new(MASK_KEYS[0].as_bytes()).unwrap();
    let pretty = [("LOGFIX_ENV", "development"), ("LOGFIX_CONSOLE", "stdout"), ("NO_COLOR", "1")];
    for (name, vars, keyed) in [
        ("json", &[][..], true),
        ("pretty", &pretty[..], true),
        ("json-no-key", &[][..], false),
        ("pretty-no-key", &pretty[..], false),
    ] {
        let dir = Scratch::new(&format!("secrets-masks-{name}"));
        let mut env: Vec<(&str, &std::ffi::OsStr)> = vec![("LOGFIX_DIR", dir.path().as_os_str())];
        if keyed {
            env.push(("LOGFIX_REDACT_KEY", MASK_KEYS[0].as_ref()));
        }
        env.extend(vars.iter().map(|(k, v)| (*k, std::ffi::OsStr::new(v))));
        let out = run_child("child_with_masks_made_before_init", &env);
        assert_success(&out, "the child");
        let file = common::read_text(&dir.join("app.log"));
        let audit = common::read_text(&dir.join("audit.log"));
        let console = String::from_utf8_lossy(&out.stdout);
        let (user, account) = if keyed {
            (key.pseudonym("ZQXMASK3SEC").to_string(), key.pseudonym("ZQXMASK4SEC").to_string())
        } else {
            ("[REDACTED]".to_owned(), "[REDACTED]".to_owned())
        };
        let json = format!(r#""user_id":"{user}","account":"{account}""#);
        let mut written =
            vec![("the file", &*file, json.clone(), 2), ("the audit trail", &*audit, json, 1)];
        if name.starts_with("pretty") {
            written.push((
                "the console",
                &*console,
                format!("user_id={user} account={account}"),
                2,
            ));
        }
        for (what, text, masked, lines) in written {
            assert_eq!(text.matches(&masked).count(), lines, "{name}, {what}: {text}");
            assert!(!text.contains("ZQXMASK"), "{name}, {what}: {text}");
        }
        let missing = file.matches(r#""variable":"LOGFIX_REDACT_KEY""#).count();
        assert_eq!(missing, usize::from(!keyed), "{name}: {file}");
    }
}
