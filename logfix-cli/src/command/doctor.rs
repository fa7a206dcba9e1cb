//! `logfix doctor`: what `init()` would do with this environment, and whether anything would
//! degrade.

use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

// The runtime's `Schema` by its path: the CLI's own `schema::Schema` is the one it reads.
use logfix_runtime::{
    ecs, Config, Console, Format, Settings, REDACTED, SECRET_VARIABLES, VARIABLES,
};

use crate::error::{Error, PROBLEM, SUCCESS};
use crate::output::bytes;
use crate::source;

/// Show the logging configuration `init()` would use in this environment, where lines would go
/// and why, the disk budget, and the shipper settings to use.
///
/// Run it as the service's user, with the service's environment and working directory: it reads
/// the LOGFIX_* variables and tries the directories as the service would, without creating
/// anything. Exit code 0 when nothing would degrade, 1 when something would: a rejected
/// variable, a fallback directory, no directory at all, nowhere to write, or too little disk.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  logfix doctor                                          this shell's environment
  env $(cat /etc/myapp.env) logfix doctor                a service's environment file
  sudo -u myapp env LOGFIX_DIR=/srv/myapp/logs logfix doctor
  docker exec myapp logfix doctor                        inside the container")]
pub(crate) struct Args {}

pub(crate) fn run(_: &Args) -> Result<u8, Error> {
    let (settings, issues) = Config::from_env().resolve();
    let mut problems = Vec::new();
    let mut out = String::new();
    let out = &mut out;

    let _ = writeln!(out, "configuration, as init() resolves it from this environment:");
    let _ = writeln!(out, "  {settings}");
    let mut set: Vec<String> = std::env::vars_os()
        .filter_map(|(k, v)| {
            let k = k.into_string().ok()?;
            // As the runtime: a key never, nor a variable logfix does not read (it may be a key
            // under a misspelt name), nor the patterns (they may spell out what they hide).
            let shown = if SECRET_VARIABLES.contains(&k.as_str()) {
                REDACTED.into()
            } else if k == "LOGFIX_REDACT_PATTERNS" || !VARIABLES.contains(&k.as_str()) {
                "(not shown)".into()
            } else {
                v.to_string_lossy()
            };
            k.starts_with("LOGFIX_").then(|| format!("{k}={shown}"))
        })
        .collect();
    set.sort();
    if set.is_empty() {
        let _ = writeln!(
            out,
            "  (no LOGFIX_* variable is set: these are the defaults of the production preset)"
        );
    } else {
        let _ = writeln!(out, "  (set: {})", set.join(" "));
    }
    for issue in &issues {
        problems.push(format!(
            "{}={:?} is rejected ({}): {} is used instead",
            issue.variable, issue.value, issue.reason, issue.used
        ));
    }

    let _ = writeln!(out, "\nschema:");
    schema(out, &settings);

    let _ = writeln!(out, "\nwhere lines go:");
    let file = where_lines_go(out, &settings, &mut problems);

    if let Some(file) = &file {
        let _ = writeln!(out, "\ndisk:");
        disk(out, &settings, file, &mut problems);
    }

    let _ = writeln!(out, "\nshipping:");
    shipping(out, &settings, file.as_deref(), &mut problems);

    let _ = writeln!(out);
    if problems.is_empty() {
        let _ = writeln!(out, "ok: nothing would degrade");
    }
    for problem in &problems {
        let _ = writeln!(out, "problem: {problem}");
    }
    io::stdout().lock().write_all(out.as_bytes())?;
    Ok(if problems.is_empty() { SUCCESS } else { PROBLEM })
}

/// Prints where the file would be, trying the directories as the file sink does; returns it.
fn where_lines_go(
    out: &mut String,
    settings: &Settings,
    problems: &mut Vec<String>,
) -> Option<PathBuf> {
    let console = match settings.console {
        Console::Stdout => Some("stdout"),
        Console::Stderr => Some("stderr"),
        Console::Off => None,
        _ => Some("the console"),
    };
    if let Some(console) = console {
        let _ =
            writeln!(out, "  the console: {console} ({} lines; LOGFIX_CONSOLE)", settings.format);
    }
    if !settings.file_enabled {
        // With the console off too, the configuration sends lines to stderr (and says so).
        let _ = writeln!(out, "  no file (LOGFIX_FILE_ENABLED=false)");
        return None;
    }
    let mut refused = Vec::new();
    for (i, dir) in logfix_runtime::log_directories(settings).into_iter().enumerate() {
        let shown = std::path::absolute(&dir).unwrap_or_else(|_| dir.clone());
        match probe(&shown, &settings.file) {
            Ok(state) => {
                let file = shown.join(&settings.file);
                let _ = writeln!(
                    out,
                    "  {}. {}: {state}: lines go to {}",
                    i + 1,
                    shown.display(),
                    file.display()
                );
                if settings.dir.is_none() {
                    let _ = writeln!(out, "     (LOGFIX_DIR is unset: `logs` under the working directory of the service)");
                }
                if !refused.is_empty() {
                    problems.push(format!(
                        "lines would go to the fallback directory {}, because {}",
                        shown.display(),
                        refused.join("; ")
                    ));
                }
                return Some(file);
            }
            Err(e) => {
                let _ = writeln!(out, "  {}. {}: cannot be used: {e}", i + 1, shown.display());
                refused.push(format!("{}: {e}", shown.display()));
            }
        }
    }
    let _ = writeln!(out, "  no directory can be used: lines go to stderr");
    problems.push(format!(
        "no log directory can be used ({}): lines would go to stderr",
        refused.join("; ")
    ));
    None
}

/// Whether the file sink could use `dir`, without creating anything that is not there: what it
/// would find, or why it would refuse it.
fn probe(dir: &Path, file: &str) -> io::Result<&'static str> {
    match fs::metadata(dir) {
        Ok(metadata) if !metadata.is_dir() => {
            Err(io::Error::new(io::ErrorKind::NotADirectory, "it is not a directory"))
        }
        Ok(_) => {
            let path = dir.join(file);
            if path.exists() {
                OpenOptions::new().append(true).open(&path)?;
                Ok("exists, the file is writable")
            } else {
                probe_write(dir)?;
                Ok("exists, writable")
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let parent = dir.ancestors().skip(1).find(|a| a.exists()).unwrap_or(Path::new("/"));
            if !parent.is_dir() {
                return Err(io::Error::new(
                    io::ErrorKind::NotADirectory,
                    format!("{} is not a directory", parent.display()),
                ));
            }
            probe_write(parent).map_err(|e| {
                io::Error::new(e.kind(), format!("cannot create it in {}: {e}", parent.display()))
            })?;
            Ok("does not exist yet, init() would create it")
        }
        Err(e) => Err(e),
    }
}

/// Creates and deletes a file in `dir`.
fn probe_write(dir: &Path) -> io::Result<()> {
    let path = dir.join(format!(".logfix-doctor-{}.tmp", std::process::id()));
    File::options().write(true).create_new(true).open(&path)?;
    fs::remove_file(&path)
}

/// Prints the worst-case disk use against the free space, docs/OPERATIONS.md's budget.
fn disk(out: &mut String, settings: &Settings, file: &Path, problems: &mut Vec<String>) {
    let size = settings.max_file_size;
    let files = u64::from(settings.max_files) + 1;
    let mut worst = size.saturating_mul(files);
    let _ = writeln!(
        out,
        "  worst case: LOGFIX_MAX_FILE_SIZE × (LOGFIX_MAX_FILES + 1) = {} × {files} = {}",
        bytes(size),
        bytes(worst)
    );
    if let Some(total) = settings.max_total_size {
        let capped = total.saturating_add(size);
        if capped < worst {
            worst = capped;
            let _ = writeln!(
                out,
                "  capped by LOGFIX_MAX_TOTAL_SIZE + one active file: {} + {} = {}",
                bytes(total),
                bytes(size),
                bytes(worst)
            );
        }
    }
    let (dir, name) = (file.parent().unwrap_or(Path::new("/")), settings.file.as_str());
    let used: u64 =
        source::discover(dir, name).map_or(0, |files| files.iter().map(|f| f.size).sum());
    let existing = dir.ancestors().find(|a| a.exists()).unwrap_or(Path::new("/"));
    match free_space(existing) {
        Ok(free) => {
            let needed = worst.saturating_sub(used);
            let _ = writeln!(
                out,
                "  the log's files use {} now; {} free on the file system of {}",
                bytes(used),
                bytes(free),
                existing.display()
            );
            if free < needed {
                problems.push(format!(
                    "{} free on the file system of {}, but the log may grow by {} more \
                     (lower LOGFIX_MAX_FILE_SIZE or LOGFIX_MAX_FILES, or set LOGFIX_MAX_TOTAL_SIZE)",
                    bytes(free),
                    existing.display(),
                    bytes(needed)
                ));
            }
        }
        Err(e) => {
            let _ = writeln!(out, "  free space unknown: {e}");
        }
    }
}

#[cfg(unix)]
fn free_space(path: &Path) -> io::Result<u64> {
    let stat = rustix::fs::statvfs(path)?;
    Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
}

#[cfg(not(unix))]
fn free_space(_: &Path) -> io::Result<u64> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "only measured on Unix"))
}

/// Prints the schema of the lines written to the file and the JSON console.
fn schema(out: &mut String, settings: &Settings) {
    match settings.schema {
        logfix_runtime::Schema::Logfix => {
            let _ = writeln!(
                out,
                "  logfix (LOGFIX_SCHEMA=logfix, the default): schema/logfix-event.schema.json"
            );
        }
        logfix_runtime::Schema::Ecs => {
            let name = settings.service_name.as_deref();
            let dataset = match (&settings.event_dataset, name) {
                (Some(dataset), _) => dataset.clone(),
                (None, Some(name)) => format!("{name}.log"),
                (None, None) => "<executable name>.log".to_owned(),
            };
            let _ = writeln!(
                out,
                "  ecs (LOGFIX_SCHEMA=ecs): Elastic Common Schema {}, schema/ecs-event.schema.json",
                ecs::ECS_VERSION
            );
            let _ = writeln!(
                out,
                "  service.name={} service.version={} service.environment={} event.dataset={dataset}",
                name.unwrap_or("<executable name> (LOGFIX_SERVICE_NAME is unset)"),
                settings.service_version.as_deref().unwrap_or("(unset)"),
                settings.service_environment.as_deref().unwrap_or("(unset)"),
            );
            let _ =
                writeln!(out, "  the pretty console and the audit trail keep the logfix schema");
        }
        other => {
            let _ = writeln!(out, "  {other} (LOGFIX_SCHEMA={other})");
        }
    }
}

/// Prints what a shipper should read, and how to parse it.
fn shipping(
    out: &mut String,
    settings: &Settings,
    file: Option<&Path>,
    problems: &mut Vec<String>,
) {
    let Some(file) = file else {
        if settings.console == Console::Stdout {
            let _ = writeln!(out, "  collect the container's stdout (Docker's or Kubernetes' log driver): one JSON object a line");
            if settings.format == Format::Pretty {
                problems.push(
                    "LOGFIX_FORMAT=pretty on stdout: log shippers cannot parse it; use json".into(),
                );
            }
        } else {
            let _ = writeln!(out, "  nothing to ship: no file, and the console is not stdout");
        }
        return;
    };
    let file = file.display();
    let _ = writeln!(
        out,
        "  read {file} only: rotated files are renamed away from it, and shippers follow the rename"
    );
    if settings.schema == logfix_runtime::Schema::Ecs {
        let _ = write!(
            out,
            "  time key `@timestamp`: RFC 3339, UTC, microseconds; the fields are ECS's, at the top level
  Filebeat:   filestream input, paths: [\"{file}\"], parsers: ndjson (target: \"\",
              overwrite_keys: true, expand_keys: true)
  Fluent Bit: tail input, Path {file}, a json parser with Time_Key @timestamp,
              Time_Format %Y-%m-%dT%H:%M:%S.%LZ, Time_Keep On
  Fluentd:    tail source, path {file}, <parse> @type json, time_key @timestamp,
              keep_time_key true, time_type string and no time_format
  Elasticsearch: map logfix.fields as `flattened` (docs/SHIPPING.md)
  (complete configurations, Vector, rsyslog and syslog-ng too: docs/SHIPPING.md)
"
        );
        return;
    }
    let _ = write!(
        out,
        "  time key `timestamp`: RFC 3339, UTC, microseconds (2026-11-28T04:39:13.123456Z)
  Filebeat:   filestream input, paths: [\"{file}\"], parsers: ndjson (target: logfix),
              timestamp processor on logfix.timestamp, layouts: [\"2006-01-02T15:04:05.999999Z\"]
  Fluent Bit: tail input, Path {file}, a json parser with Time_Key timestamp,
              Time_Format %Y-%m-%dT%H:%M:%S.%LZ
  Fluentd:    tail source, path {file}, <parse> @type json, time_key timestamp,
              time_type string and no time_format (a literal Z would read local time)
  (complete configurations, rsyslog and syslog-ng too: docs/SHIPPING.md)
"
    );
}
