//! What the CLI's test files share: running the binary with a clean environment (the previous
//! service's variables removed, a test pseudonymisation key set unless a test says otherwise) and
//! generating a small dataset into a temporary directory.

#![allow(dead_code, clippy::unwrap_used)] // each test file uses some of these; tests fail loudly

use std::process::Command;
use std::time::{Duration, Instant};

/// The pseudonymisation key the tests' commands run with (ANALYTICS_PSEUDONYM_KEY).
pub const TEST_KEY: &str = "cli-test-pseudonym-key";

/// The binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_halobuzz-analytics"))
}

/// What a run ended with: its exit status, standard output and standard error, and how long it took.
pub struct Run {
    pub code: Option<i32>,
    pub out: String,
    pub err: String,
    pub took: Duration,
}

impl Run {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }
}

/// Runs the binary with `args` and `env` (a `None` value removes the variable) over an environment
/// without the previous service's variables.
pub fn run_env(args: &[&str], env: &[(&str, Option<&str>)]) -> Run {
    let mut command = bin();
    command.args(args);
    for var in [
        "USD_TO_NPR",
        "REPORTS_TZ",
        "ANALYTICS_APP_ID",
        "ANALYTICS_PSEUDONYM_KEY",
    ] {
        command.env_remove(var);
    }
    for (k, v) in env {
        match v {
            Some(v) => command.env(k, v),
            None => command.env_remove(k),
        };
    }
    let started = Instant::now();
    let out = command.output().unwrap();
    Run {
        code: out.status.code(),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: started.elapsed(),
    }
}

/// Runs the binary with `args` and the tests' pseudonymisation key.
pub fn run(args: &[&str]) -> Run {
    run_env(args, &[("ANALYTICS_PSEUDONYM_KEY", Some(TEST_KEY))])
}

/// Runs the binary with `args` and no pseudonymisation key at all.
pub fn run_without_key(args: &[&str]) -> Run {
    run_env(args, &[])
}

/// A generated dataset in `<temp>/data`: `generate --out … --users U --days D` plus `extra` flags.
pub fn dataset_with(users: &str, days: &str, extra: &[&str]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").to_str().unwrap().to_owned();
    let args = [
        &["generate", "--out", &data, "--users", users, "--days", days][..],
        extra,
    ]
    .concat();
    let r = run(&args);
    assert!(r.ok(), "{}", r.err);
    assert!(r.out.contains("wrote"), "{}", r.out);
    (dir, data)
}

/// A small generated dataset (seed 3) in a temporary directory.
pub fn dataset(users: &str, days: &str) -> (tempfile::TempDir, String) {
    dataset_with(users, days, &["--seed", "3"])
}
