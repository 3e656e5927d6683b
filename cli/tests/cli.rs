//! The README's commands, run as a user would: the binary on generated data.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_halobuzz-analytics"))
}

fn run(args: &[&str]) -> (bool, String, String) {
    let out = bin()
        .args(args)
        .env_remove("USD_TO_NPR")
        .env_remove("REPORTS_TZ")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn generate_quality_kpis_timeseries_backfill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let (ok, out, err) = run(&[
        "generate", "--out", data, "--users", "300", "--days", "20", "--seed", "3",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("wrote"), "{out}");
    assert!(std::path::Path::new(data)
        .join("transactions.json")
        .exists());

    let (ok, out, err) = run(&["quality", "--data", data]);
    assert!(ok, "{err}");
    assert!(
        out.contains("collection") && out.contains("transactions") && out.contains("total"),
        "{out}"
    );
    let (ok, out, _) = run(&["quality", "--data", data, "--json"]);
    assert!(ok);
    let q: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(q["collections"].as_array().unwrap().len(), 8);

    let range = ["--from", "2026-03-28", "--to", "2026-04-10"];
    let (ok, out, err) = run(&[
        &["kpis", "--data", data, "--usd-to-npr", "133.5", "--json"][..],
        &range,
    ]
    .concat());
    assert!(ok, "{err}");
    let k: serde_json::Value = serde_json::from_str(&out).unwrap();
    for section in [
        "revenue",
        "engagement",
        "monetization",
        "retention",
        "creators",
        "safety",
        "gaming",
    ] {
        assert!(k[section].is_object(), "{section} missing in {out}");
    }
    assert!(k["revenue"]["byOGTier"]["tier1"].is_number());
    let (ok, table, err) = run(&[
        &[
            "kpis",
            "--data",
            data,
            "--usd-to-npr",
            "133.5",
            "--country",
            "np",
        ][..],
        &range,
    ]
    .concat());
    assert!(ok, "{err}");
    assert!(
        table.contains("== Revenue") && table.contains("country NP"),
        "{table}"
    );

    let (ok, out, err) = run(&[
        &[
            "timeseries",
            "--data",
            data,
            "--usd-to-npr",
            "133.5",
            "--metric",
            "engagement.dau",
            "--granularity",
            "week",
            "--json",
        ][..],
        &range,
    ]
    .concat());
    assert!(ok, "{err}");
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["points"].as_array().unwrap().len(), 3, "{out}");

    let rollups = dir.path().join("rollups.json");
    let (ok, out, err) = run(&[
        &[
            "backfill",
            "--data",
            data,
            "--out",
            rollups.to_str().unwrap(),
        ][..],
        &range,
    ]
    .concat());
    assert!(ok, "{err}");
    assert!(out.contains("14 days"), "{out}");
    let lines = std::fs::read_to_string(&rollups).unwrap();
    assert!(lines.lines().count() >= 14);
    assert!(lines.lines().all(|l| l.contains("\"appId\":\"halobuzz\"")));
}

#[test]
fn bad_input_is_a_clear_error_and_a_failing_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (
            &[
                "kpis",
                "--data",
                data,
                "--from",
                "2026-04-10",
                "--to",
                "2026-04-01",
            ],
            "after",
        ),
        (
            &[
                "kpis",
                "--data",
                data,
                "--from",
                "2026-04-01",
                "--to",
                "2026-04-02",
                "--country",
                "Nepal",
            ],
            "Nepal",
        ),
        (
            &[
                "kpis",
                "--data",
                data,
                "--from",
                "2026-04-01",
                "--to",
                "2026-04-02",
                "--tz",
                "Mars/Base",
            ],
            "Mars/Base",
        ),
        (
            &[
                "timeseries",
                "--data",
                data,
                "--from",
                "2026-04-01",
                "--to",
                "2026-04-02",
                "--metric",
                "nope",
            ],
            "nope",
        ),
        (
            &["quality", "--data", "/nonexistent/dir"],
            "/nonexistent/dir",
        ),
    ];
    for (args, needle) in cases {
        let (ok, _, err) = run(args);
        assert!(!ok, "{args:?} should fail");
        assert!(
            err.contains("error:") && err.contains(needle),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (ok, _, err) = run(&["generate", "--out", data, "--users", "200", "--days", "10"]);
    assert!(ok, "{err}");
    // Like `… --json | head -1`: the reader goes away before the output is written.
    let mut child = bin()
        .args(["quality", "--data", data, "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?} {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
