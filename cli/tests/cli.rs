//! The README's commands, run as a user would: the binary on generated data, its error messages and
//! its exit statuses (0 success, 2 invalid input, 1 any other failure).

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod common;

use common::{bin, dataset, dataset_with, run};

const RANGE: [&str; 4] = ["--from", "2026-03-28", "--to", "2026-04-10"];

#[test]
fn generate_quality_kpis_timeseries_backfill() {
    let (dir, data) = dataset("300", "20");
    let data = data.as_str();
    assert!(std::path::Path::new(data)
        .join("transactions.json")
        .exists());

    let r = run(&["quality", "--data", data]);
    assert!(r.ok(), "{}", r.err);
    assert!(
        r.out.contains("collection") && r.out.contains("transactions") && r.out.contains("total"),
        "{}",
        r.out
    );
    let r = run(&["quality", "--data", data, "--json"]);
    assert!(r.ok());
    let q: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(q["collections"].as_array().unwrap().len(), 8);

    let r = run(&[
        &["kpis", "--data", data, "--usd-to-npr", "133.5", "--json"][..],
        &RANGE,
    ]
    .concat());
    assert!(r.ok(), "{}", r.err);
    let k: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    for section in [
        "revenue",
        "engagement",
        "monetization",
        "retention",
        "creators",
        "safety",
        "gaming",
    ] {
        assert!(k[section].is_object(), "{section} missing in {}", r.out);
    }
    assert!(k["revenue"]["byOGTier"]["tier1"].is_number());
    let r = run(&[
        &[
            "kpis",
            "--data",
            data,
            "--usd-to-npr",
            "133.5",
            "--country",
            "np",
        ][..],
        &RANGE,
    ]
    .concat());
    assert!(r.ok(), "{}", r.err);
    assert!(
        r.out.contains("== Revenue") && r.out.contains("country NP"),
        "{}",
        r.out
    );

    let r = run(&[
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
        &RANGE,
    ]
    .concat());
    assert!(r.ok(), "{}", r.err);
    let s: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(s["points"].as_array().unwrap().len(), 3, "{}", r.out);

    let rollups = dir.path().join("rollups.json");
    let r = run(&[
        &[
            "backfill",
            "--data",
            data,
            "--out",
            rollups.to_str().unwrap(),
        ][..],
        &RANGE,
    ]
    .concat());
    assert!(r.ok(), "{}", r.err);
    assert!(r.out.contains("14 days"), "{}", r.out);
    let lines = std::fs::read_to_string(&rollups).unwrap();
    assert!(lines.lines().count() >= 14);
    assert!(lines.lines().all(|l| l.contains("\"appId\":\"halobuzz\"")));
}

#[test]
fn timeseries_takes_several_metrics_by_id_or_alias() {
    let (_dir, data) = dataset("200", "12");
    let r = run(&[
        &[
            "timeseries",
            "--data",
            &data,
            "--usd-to-npr",
            "133.5",
            "--metric",
            "revenue.by_og_tier.tier1",
            "--metric",
            "engagement.dau",
            "--json",
        ][..],
        &RANGE,
    ]
    .concat());
    assert!(r.ok(), "{}", r.err);
    let s: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    let series = s.as_array().unwrap();
    assert_eq!(series.len(), 2, "{}", r.out);
    assert_eq!(series[0]["metric"], "revenue.byOGTier.tier1", "{}", r.out);
    assert_eq!(series[1]["metric"], "engagement.dau", "{}", r.out);
    assert_eq!(series[1]["points"].as_array().unwrap().len(), 14);
}

#[test]
fn rollup_prints_summaries_and_writes_documents() {
    let (dir, data) = dataset("200", "12");
    let r = run(&[
        "rollup",
        "--data",
        &data,
        "--usd-to-npr",
        "133.5",
        "--date",
        "2026-04-02",
    ]);
    assert!(r.ok(), "{}", r.err);
    let first = r.out.lines().next().unwrap();
    assert!(
        first.starts_with("2026-04-02 ALL")
            && first.contains("active")
            && first.contains("messages"),
        "{}",
        r.out
    );

    let file = dir.path().join("day.json");
    let r = run(&[
        "rollup",
        "--data",
        &data,
        "--usd-to-npr",
        "133.5",
        "--timezone",
        "Asia/Kathmandu",
        "--app-id",
        "ops",
        "--date",
        "2026-04-02",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(r.ok(), "{}", r.err);
    assert!(r.out.contains("wrote"), "{}", r.out);
    let lines = std::fs::read_to_string(&file).unwrap();
    assert!(lines.lines().count() >= 2);
    for line in lines.lines() {
        let doc: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(doc["appId"], "ops", "{line}");
        assert_eq!(doc["timezone"], "Asia/Kathmandu", "{line}");
    }
}

#[test]
fn the_pseudonym_key_and_the_tz_alias_are_options() {
    let (_dir, data) = dataset("300", "20");
    let host = |extra: &[&str]| {
        let r = run(&[
            &["kpis", "--data", &data, "--usd-to-npr", "133.5", "--json"][..],
            extra,
            &RANGE,
        ]
        .concat());
        assert!(r.ok(), "{}", r.err);
        let k: serde_json::Value = serde_json::from_str(&r.out).unwrap();
        k["creators"]["topCreators"][0]["hostId"].clone()
    };
    let default = host(&[]);
    assert!(default.is_string(), "{default}");
    assert_eq!(host(&["--tz", "Australia/Sydney"]), default);
    assert_ne!(host(&["--pseudonym-key", "another key"]), default);
    // The flag and ANALYTICS_PSEUDONYM_KEY are the same option.
    assert_eq!(host(&["--pseudonym-key", common::TEST_KEY]), default);
}

#[test]
fn metrics_lists_the_catalog() {
    let r = run(&["metrics", "--json"]);
    assert!(r.ok(), "{}", r.err);
    let list: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    let total = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "revenue.total")
        .unwrap_or_else(|| panic!("no revenue.total in {}", r.out));
    assert_eq!(total["unit"], "npr");
    assert!(total["description"].is_string());

    let r = run(&["metrics"]);
    assert!(r.ok(), "{}", r.err);
    let line = r
        .out
        .lines()
        .find(|l| l.starts_with("revenue.total "))
        .unwrap();
    assert!(line.contains("npr"), "{line}");
}

#[test]
fn bad_input_is_a_clear_error_and_exit_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let kpis = |extra: &[&str]| -> Vec<String> {
        [&["kpis", "--data", data][..], extra]
            .concat()
            .into_iter()
            .map(str::to_owned)
            .collect()
    };
    let april = ["--from", "2026-04-01", "--to", "2026-04-02"];
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            kpis(&["--from", "2026-04-10", "--to", "2026-04-01"]),
            "after",
        ),
        (
            kpis(&["--from", "2026-4-1", "--to", "2026-04-30"]),
            "invalid from: `2026-4-1`",
        ),
        (
            kpis(&[&april[..], &["--country", "Nepal"]].concat()),
            "invalid country: ",
        ),
        (
            kpis(&[&april[..], &["--tz", "Mars/Base"]].concat()),
            "Mars/Base",
        ),
        (
            kpis(&[&april[..], &["--app-id", ""]].concat()),
            "invalid app-id: must not be empty",
        ),
        (
            kpis(&[&april[..], &["--usd-to-npr", "-1"]].concat()),
            "invalid usd-to-npr",
        ),
        (
            kpis(&[&april[..], &["--pseudonym-key", ""]].concat()),
            "invalid pseudonym-key",
        ),
        (
            [
                &["timeseries", "--data", data, "--metric", "nope"][..],
                &april,
            ]
            .concat()
            .into_iter()
            .map(str::to_owned)
            .collect(),
            "`nope` is not a metric",
        ),
        (
            [
                &["timeseries", "--data", data, "--metric", "revenue.total"][..],
                &april,
                &["--granularity", "fortnight"],
            ]
            .concat()
            .into_iter()
            .map(str::to_owned)
            .collect(),
            "fortnight",
        ),
        (
            ["rollup", "--data", data, "--date", "2026-04-01T00:00:00Z"]
                .map(str::to_owned)
                .to_vec(),
            "not an instant",
        ),
        (
            ["generate", "--out", data, "--start", "1/4/2026"]
                .map(str::to_owned)
                .to_vec(),
            "invalid start",
        ),
        (
            ["quality", "--data", data, "--database", "x"]
                .map(str::to_owned)
                .to_vec(),
            "database",
        ),
    ];
    for (args, needle) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run(&args);
        assert_eq!(r.code, Some(2), "{args:?} should fail with 2: {}", r.err);
        assert!(
            r.err.starts_with("error[INVALID_ARGUMENT]: ") && r.err.contains(needle),
            "{args:?}: {}",
            r.err
        );
    }
}

#[test]
fn other_failures_exit_with_1_and_their_code() {
    let r = run(&["quality", "--data", "/nonexistent/dir"]);
    assert_eq!(r.code, Some(1), "{}", r.err);
    assert!(
        r.err.starts_with("error[") && r.err.contains("/nonexistent/dir"),
        "{}",
        r.err
    );
    assert!(!r.err.contains("INVALID_ARGUMENT"), "{}", r.err);
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let r = run(&["generate", "--out", data, "--users", "200", "--days", "10"]);
    assert!(r.ok(), "{}", r.err);
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

#[test]
fn retention_and_lifecycle_print_tables_and_json() {
    let (_dir, data) = dataset("300", "20");
    let r = run(&[
        &["retention", "--data", &data, "--days", "1,7", "--json"][..],
        &RANGE,
    ]
    .concat());
    assert!(r.ok(), "{}", r.err);
    let m: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(m["granularity"], "week", "{}", r.out);
    assert_eq!(m["days"], serde_json::json!([1, 7]));
    for c in m["cohorts"].as_array().unwrap() {
        for cell in c["cells"].as_array().unwrap() {
            let (eligible, retained, later) = (
                cell["eligible"].as_u64().unwrap(),
                cell["retained"].as_u64().unwrap(),
                cell["retainedOnOrAfter"].as_u64().unwrap(),
            );
            assert!(retained <= later && later <= eligible, "{cell}");
        }
    }
    let table = run(&[
        &["lifecycle", "--data", &data, "--granularity", "week"][..],
        &RANGE,
    ]
    .concat());
    assert!(table.ok(), "{}", table.err);
    assert!(table.out.contains("resurrecting"), "{}", table.out);
    // The core checks the request: a day N beyond the bound is refused with the field's name.
    let bad = run(&[
        &["retention", "--data", &data, "--days", "99999"][..],
        &RANGE,
    ]
    .concat());
    assert_eq!(bad.code, Some(2), "{}", bad.err);
    assert!(bad.err.contains("days"), "{}", bad.err);
}

#[test]
fn cohorts_print_a_table_json_and_store_what_they_computed() {
    let (dir, data) = dataset("300", "20");
    let money = ["--usd-to-npr", "133.5", "--now", "2026-04-20T00:00:00Z"];
    let table = run(&[&["cohorts", "--data", &data][..], &money, &RANGE].concat());
    assert!(table.ok(), "{}", table.err);
    for column in [
        "cohort", "users", "d1", "revenue", "churned", "creators", "mature",
    ] {
        assert!(table.out.contains(column), "{column}: {}", table.out);
    }
    let json = |extra: &[&str]| -> serde_json::Value {
        let r = run(&[
            &["cohorts", "--data", &data, "--json"][..],
            &money,
            &RANGE,
            extra,
        ]
        .concat());
        assert!(r.ok(), "{}", r.err);
        serde_json::from_str(&r.out).unwrap()
    };
    let t = json(&[]);
    assert_eq!(
        (t["granularity"].as_str(), t["currency"].as_str()),
        (Some("week"), Some("NPR"))
    );
    let rows = t["cohorts"].as_array().unwrap();
    assert!(!rows.is_empty());
    let sizes: u64 = rows.iter().map(|c| c["cohortSize"].as_u64().unwrap()).sum();
    let daily = json(&["--granularity", "day"]);
    let daily_sizes: u64 = daily["cohorts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cohortSize"].as_u64().unwrap())
        .sum();
    assert_eq!(sizes, daily_sizes);
    // The in-memory store lives as long as the process: --refresh prints what it stored, then the
    // table.
    let refreshed = run(&[
        &["cohorts", "--data", &data, "--refresh"][..],
        &money,
        &RANGE,
    ]
    .concat());
    assert!(refreshed.ok(), "{}", refreshed.err);
    assert!(refreshed.out.starts_with("stored "), "{}", refreshed.out);
    let stored = json(&["--stored"]);
    assert_eq!(
        stored["cohorts"],
        serde_json::json!([]),
        "a new process has no stored cohorts"
    );
    let bad = run(&[
        &["cohorts", "--data", &data, "--as-of", "2001-01-01"][..],
        &money,
        &RANGE,
    ]
    .concat());
    assert_eq!(bad.code, Some(2), "{}", bad.err);
    assert!(
        bad.err.contains("asOf") || bad.err.contains("as-of"),
        "{}",
        bad.err
    );
    drop(dir);
}

#[test]
fn hosts_prints_a_table_and_json_with_pseudonymised_ids() {
    let (_dir, data) = dataset("300", "20");
    let r = run(&[
        &[
            "hosts",
            "--data",
            &data,
            "--json",
            "--sort-by",
            "unique-gifters",
            "--limit",
            "5",
        ][..],
        &RANGE,
    ]
    .concat());
    assert!(r.ok(), "{}", r.err);
    let h: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(h["sortBy"], "uniqueGifters", "{}", r.out);
    let rows = h["hosts"].as_array().unwrap();
    assert!(!rows.is_empty() && rows.len() <= 5, "{}", r.out);
    assert!(h["totalHosts"].as_u64().unwrap() >= rows.len() as u64);
    let gifters: Vec<u64> = rows
        .iter()
        .map(|r| r["uniqueGifters"].as_u64().unwrap())
        .collect();
    assert!(gifters.windows(2).all(|w| w[0] >= w[1]), "{gifters:?}");
    assert!(gifters[0] > 0, "{}", r.out);
    for row in rows {
        let id = row["hostId"].as_str().unwrap();
        assert!(id.starts_with("u_") && id.len() == 26, "{id}");
    }
    // The host filter takes those ids; the table shows the same host.
    let first = rows[0]["hostId"].as_str().unwrap();
    let table = run(&[&["hosts", "--data", &data, "--hosts", first][..], &RANGE].concat());
    assert!(table.ok(), "{}", table.err);
    assert!(
        table.out.contains(first) && table.out.contains("gifters"),
        "{}",
        table.out
    );
    // The core checks the request.
    let bad = run(&[&["hosts", "--data", &data, "--limit", "0"][..], &RANGE].concat());
    assert_eq!(bad.code, Some(2), "{}", bad.err);
    assert!(bad.err.contains("limit"), "{}", bad.err);
}

#[test]
fn alerts_check_raises_the_injected_drop_and_explain_shows_every_rule() {
    let (_dir, data) = dataset_with(
        "3000",
        "30",
        &["--drop-day", "2026-04-14", "--drop-pct", "60"],
    );
    let engine = ["--usd-to-npr", "133.5", "--now", "2026-04-20T00:00:00Z"];
    let at = ["--at", "2026-04-14T16:00:00Z"];
    let r = run(&[
        &[
            "alerts",
            "check",
            "--data",
            &data,
            "--json",
            "--channels",
            "slack,webhook",
        ][..],
        &engine,
        &at,
    ]
    .concat());
    assert!(r.ok(), "{}", r.err);
    let done: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    let raised: Vec<&str> = done["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["alertId"].as_str())
        .collect();
    assert!(
        raised.contains(&"revenue_drop:ALL:2026-04-14"),
        "{raised:?}"
    );
    let notes = done["notifications"].as_array().unwrap();
    assert!(notes.iter().any(|n| n["channel"] == "slack"), "{}", r.out);
    let table = run(&[&["alerts", "explain", "--data", &data][..], &engine, &at].concat());
    assert!(table.ok(), "{}", table.err);
    for rule in [
        "revenue_drop",
        "payer_rate_drop",
        "abuse_spike",
        "infra_errors",
        "churn_spike",
        "engagement_drop",
    ] {
        assert!(table.out.contains(rule), "{rule}: {}", table.out);
    }
    let bad = run(&[
        &["alerts", "check", "--data", &data, "--at", "yesterday"][..],
        &engine,
    ]
    .concat());
    assert_eq!(bad.code, Some(2), "{}", bad.err);
    assert!(bad.err.contains("at"), "{}", bad.err);
    let missing = run(&[
        &["alerts", "ack", "no-such-alert", "--data", &data][..],
        &engine,
    ]
    .concat());
    assert_eq!(missing.code, Some(2), "{}", missing.err);
}
