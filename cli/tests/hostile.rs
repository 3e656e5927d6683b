//! The hostile-input suite, command-line side: every case of `tests/hostile/requests.json` (the corpus
//! the Rust, Node and Python suites replay) run through the real binary against one generated dataset,
//! each one failing with its code and exit status (2 for invalid input, 1 otherwise), within a time
//! bound, without a panic and without printing any of its secrets. A case's camelCase arguments and
//! configuration become the command's kebab-case flags; an argument the command has no flag for is
//! clap's usage error (exit 2). Data directories under `tests/hostile/data/`, if any, are loaded and
//! reported on with the same guarantees (no crash, no hang).

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

mod common;

/// The longest any hostile case may take (a MongoDB URI that cannot connect included).
const TIME_BOUND: Duration = Duration::from_secs(60);

/// The suite's base configuration, as the corpus's `about` says.
const BASE_KEY: &str = "hostile-suite-key";

fn hostile_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/hostile")
}

fn corpus() -> Vec<Value> {
    let text = std::fs::read_to_string(hostile_dir().join("requests.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["cases"].as_array().unwrap().clone()
}

/// What a run ended with.
struct Outcome {
    code: Option<i32>,
    out: String,
    err: String,
    took: Duration,
}

/// Runs the binary with no pseudonymisation key in the environment (a case gives its own as a flag),
/// killing it and failing when it outlives [`TIME_BOUND`].
fn run_bounded(name: &str, args: &[String]) -> Outcome {
    let mut command = common::bin();
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in [
        "USD_TO_NPR",
        "REPORTS_TZ",
        "ANALYTICS_APP_ID",
        "ANALYTICS_PSEUDONYM_KEY",
    ] {
        command.env_remove(var);
    }
    let started = Instant::now();
    let mut child = command.spawn().unwrap();
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIME_BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{name}: still running after {TIME_BOUND:?}: {args:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Outcome {
        code: status.code(),
        out: out.join().unwrap(),
        err: err.join().unwrap(),
        took: started.elapsed(),
    }
}

/// The corpus's shorthand `{"$repeat": X, "count": N}` as N copies of X, anywhere in `v`.
fn expand(v: Value) -> Value {
    match v {
        Value::Object(o) if o.contains_key("$repeat") => {
            let n = o["count"].as_u64().unwrap() as usize;
            let item = expand(o["$repeat"].clone());
            Value::Array(vec![item; n])
        }
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, expand(v))).collect()),
        Value::Array(a) => Value::Array(a.into_iter().map(expand).collect()),
        other => other,
    }
}

/// `usdToNpr` → `--usd-to-npr`.
fn flag(name: &str) -> String {
    let mut out = String::from("--");
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Appends `--flag value` for a JSON value (`true`: the bare flag; `false`, `null`: nothing).
fn push(args: &mut Vec<String>, flag: String, value: &Value) {
    match value {
        Value::Null | Value::Bool(false) => {}
        Value::Bool(true) => args.push(flag),
        Value::String(s) => args.extend([flag, s.clone()]),
        // A list flag (`--steps a,b`) takes its values comma-separated.
        Value::Array(items) => {
            let items: Vec<String> = items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect();
            args.extend([flag, items.join(",")]);
        }
        other => args.extend([flag, other.to_string()]),
    }
}

/// Where `report` writes in the hostile cases, which all fail before writing.
const NULL_DEVICE: &str = if cfg!(windows) { "NUL" } else { "/dev/null" };

/// The configuration keys the engine commands have flags for.
const CONFIG_FLAGS: [&str; 10] = [
    "usdToNpr",
    "pseudonymKey",
    "now",
    "appId",
    "timezone",
    "maxRangeDays",
    "settleMinutes",
    "ephemeralPseudonymKey",
    "revealUserIds",
    "reportsDir",
];

/// The operations of the corpus the command line has no command for (the bindings' alert-rule
/// management and delivery through a host callback): the CLI suite leaves their cases to the others.
const NO_COMMAND: [&str; 6] = [
    // Custom jobs are functions of a host program.
    "addJob",
    "putAlertRule",
    "deleteAlertRule",
    "deliverAlertNotifications",
    // `forecast --series` reads a CSV file: its hostile files are in cli/tests/forecast.rs.
    "forecastSeries",
    "forecastBatch",
];

/// The command line of a case, and whether it holds an argument the command has no flag for.
fn command_line(case: &Value, data: &str) -> (Vec<String>, bool) {
    let name = case["name"].as_str().unwrap();
    let operation = case["operation"].as_str().unwrap();
    let mut arguments = expand(case["arguments"].clone())
        .as_object()
        .cloned()
        .unwrap_or_default();
    // `alerts check` spells the channel configuration as flags: `--channels slack,webhook`.
    if operation == "checkAlerts" {
        if let Some(Value::Object(mut channels)) = arguments.remove("channels") {
            if let Some(list) = channels.remove("channels") {
                arguments.insert("channels".to_owned(), list);
            }
            for (key, value) in channels {
                arguments.insert(format!("channels.{key}"), value);
            }
        }
    }
    // `alerts ack ID` and `alerts resolve ID` take the alert's id as their argument.
    let alert_id = matches!(operation, "acknowledgeAlert" | "resolveAlert")
        .then(|| arguments.remove("alertId"))
        .flatten();
    // operation → (subcommand and fixed flags, the arguments it has flags for, renamed ones)
    let (mut args, known, renamed): (Vec<&str>, &[&str], &[(&str, &str)]) = match operation {
        "kpis" => (vec!["kpis", "--json"], &["from", "to", "country"], &[]),
        "timeSeries" => (
            vec!["timeseries", "--json"],
            &["metric", "from", "to", "granularity", "country"],
            &[],
        ),
        "retentionMatrix" => (
            vec!["retention", "--json"],
            &["from", "to", "asOf", "granularity", "country", "days"],
            &[],
        ),
        "lifecycle" => (
            vec!["lifecycle", "--json"],
            &["from", "to", "granularity", "country"],
            &[],
        ),
        "cohorts" => (
            vec!["cohorts", "--json"],
            &["from", "to", "asOf", "granularity", "country"],
            &[],
        ),
        "storedCohorts" => (
            vec!["cohorts", "--stored", "--json"],
            &["from", "to", "granularity", "country"],
            &[],
        ),
        "hostPerformance" => (
            vec!["hosts", "--json"],
            &["from", "to", "country", "sortBy", "order", "limit", "hosts"],
            &[],
        ),
        "backfill" => (vec!["backfill"], &["from", "to", "force"], &[]),
        "backfillRecent" => (vec!["backfill"], &["days"], &[("days", "recent")]),
        "rollupDay" => (vec!["rollup"], &["date"], &[]),
        "checkAlerts" => (vec!["alerts", "check", "--json"], &["at", "channels"], &[]),
        "evaluateAlerts" => (vec!["alerts", "explain", "--json"], &["at"], &[]),
        "alerts" => (
            vec!["alerts", "list", "--json"],
            &["status", "rule", "country", "minSeverity", "limit"],
            &[],
        ),
        "acknowledgeAlert" => (vec!["alerts", "ack", "--json"], &["by"], &[]),
        "resolveAlert" => (vec!["alerts", "resolve", "--json"], &["by"], &[]),
        "funnel" => (
            vec!["funnel", "--json"],
            &[
                "from",
                "to",
                "steps",
                "country",
                "windowDays",
                "windowSeconds",
                "order",
                "breakdown",
            ],
            &[],
        ),
        "forecast" => (
            vec!["forecast", "--json"],
            &[
                "metric",
                "horizon",
                "country",
                "from",
                "to",
                "seasonLength",
                "levels",
                "method",
                "validationOrigins",
                "store",
            ],
            &[("seasonLength", "season")],
        ),
        "storedForecasts" => (
            vec!["forecast", "--stored", "--json"],
            &["metric", "country", "from", "to"],
            &[],
        ),
        // A report is written to --out (no case gets that far).
        "report" => (
            vec!["report", "--json", "--out", NULL_DEVICE],
            &["period", "from", "to", "at", "format", "country", "store"],
            &[],
        ),
        "reports" => (
            vec!["report", "--list", "--json"],
            &["format", "from", "to"],
            &[],
        ),
        "reportFile" => (
            vec!["report", "--json", "--out", NULL_DEVICE],
            &["id"],
            &[("id", "fetch")],
        ),
        "scheduler" => (
            vec!["schedule", "status", "--json"],
            &["alertIntervalMin", "leaseSeconds", "owner"],
            &[],
        ),
        "nextRuns" => (
            vec!["schedule", "next", "--json"],
            &["job", "after", "count"],
            &[],
        ),
        "runDue" => (vec!["schedule", "run-due", "--json"], &["at"], &[]),
        "schedulerHistory" => (
            vec!["schedule", "history", "--json"],
            &["job", "limit"],
            &[],
        ),
        "open" => (
            vec!["quality"],
            &["source", "database"],
            &[("source", "data")],
        ),
        other => {
            panic!("{name}: no command for operation `{other}`: add it to cli/tests/hostile.rs")
        }
    };
    // `schedule next` reads no data.
    if operation != "open" && operation != "nextRuns" {
        args.extend(["--data", data]);
    }
    let mut args: Vec<String> = args.into_iter().map(str::to_owned).collect();
    if let Some(id) = alert_id {
        args.push(id.as_str().map_or_else(|| id.to_string(), str::to_owned));
    }
    let mut unknown = false;
    for (key, value) in &arguments {
        unknown |= !known.contains(&key.as_str());
        let key = renamed
            .iter()
            .find(|(from, _)| from == key)
            .map_or(key.as_str(), |(_, to)| to);
        push(&mut args, flag(key), value);
    }
    if operation != "open" {
        let mut config = if case["bareConfig"] == json!(true) {
            Map::new()
        } else {
            json!({"usdToNpr": 133.5, "pseudonymKey": BASE_KEY, "now": "2026-04-20T00:00:00Z"})
                .as_object()
                .cloned()
                .unwrap()
        };
        config.extend(case["config"].as_object().cloned().unwrap_or_default());
        for (key, value) in &config {
            assert!(
                CONFIG_FLAGS.contains(&key.as_str()),
                "{name}: the CLI has no flag for configuration `{key}`: map it in cli/tests/hostile.rs"
            );
            push(&mut args, flag(key), value);
        }
    }
    (args, unknown)
}

/// The checks every hostile run passes: a bounded time, no panic, no secret anywhere.
fn assert_contained(name: &str, r: &Outcome, secrets: &[&str]) {
    assert!(r.took <= TIME_BOUND, "{name}: took {:?}", r.took);
    assert!(!r.err.contains("panicked"), "{name} panicked: {}", r.err);
    for secret in secrets {
        assert!(
            !r.out.contains(secret) && !r.err.contains(secret),
            "{name} shows `{secret}`: {}{}",
            r.out,
            r.err
        );
    }
}

#[test]
fn every_hostile_request_fails_with_its_code_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let r = common::run(&[
        "generate",
        "--out",
        data,
        "--users",
        "300",
        "--days",
        "20",
        "--start",
        "2026-03-20",
        "--seed",
        "7",
    ]);
    assert!(r.ok(), "{}", r.err);

    let cases = corpus();
    assert!(cases.len() >= 20, "the corpus lost its cases");
    // Cases run in parallel: the slow ones wait on a MongoDB server that is not there.
    std::thread::scope(|scope| {
        for case in &cases {
            scope.spawn(move || check_case(case, data));
        }
    });
}

fn check_case(case: &Value, data: &str) {
    if NO_COMMAND.contains(&case["operation"].as_str().unwrap()) {
        return;
    }
    let name = case["name"].as_str().unwrap();
    let code = case["code"].as_str().unwrap();
    let (args, unknown) = command_line(case, data);
    let r = run_bounded(name, &args);
    let mut secrets: Vec<&str> = case["secrets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| s.as_str().unwrap())
        .collect();
    secrets.push(BASE_KEY);
    assert_contained(name, &r, &secrets);
    if unknown {
        // The command line has no such option: clap refuses it as a usage error.
        assert_eq!(r.code, Some(2), "{name}: {args:?}: {}", r.err);
        assert!(
            r.err.starts_with("error: unexpected argument"),
            "{name}: {}",
            r.err
        );
        return;
    }
    let status = if code == "INVALID_ARGUMENT" { 2 } else { 1 };
    assert_eq!(r.code, Some(status), "{name}: {args:?}: {}", r.err);
    assert!(
        r.err.contains(&format!("error[{code}]")),
        "{name}: {args:?}: {}",
        r.err
    );
}

/// Hostile data directories (added to `tests/hostile/data/` by the data suite): loading one and
/// reporting on it ends with success or a coded error, never a panic or a hang.
#[test]
fn hostile_data_directories_never_crash_or_hang() {
    let Ok(entries) = std::fs::read_dir(hostile_dir().join("data")) else {
        return;
    };
    let dirs: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    std::thread::scope(|scope| {
        for dir in &dirs {
            scope.spawn(move || {
                let data = dir.to_str().unwrap().to_owned();
                let name = format!("data {}", dir.display());
                let runs = [
                    vec!["quality", "--data", &data, "--json"],
                    vec![
                        "kpis",
                        "--data",
                        &data,
                        "--from",
                        "2026-03-20",
                        "--to",
                        "2026-04-08",
                        "--usd-to-npr",
                        "133.5",
                        "--ephemeral-pseudonym-key",
                        "--now",
                        "2026-04-20T00:00:00Z",
                    ],
                ];
                for args in runs {
                    let args: Vec<String> = args.into_iter().map(str::to_owned).collect();
                    let r = run_bounded(&name, &args);
                    assert_contained(&name, &r, &[]);
                    match r.code {
                        Some(0) => {}
                        Some(1 | 2) => assert!(r.err.contains("error["), "{name}: {}", r.err),
                        other => panic!("{name}: {args:?} ended with {other:?}: {}", r.err),
                    }
                }
            });
        }
    });
}
