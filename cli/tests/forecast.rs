//! `forecast`: a CSV series (one, with dates, and many by id), a catalog metric from generated data,
//! stored forecasts, as tables and JSON, and the core's refusals with exit status 2.

#![allow(clippy::unwrap_used)]

mod common;

use common::{dataset_with, run};
use serde_json::Value;

/// A weekly pattern with a slow trend, `n` days from 2026-01-01, as CSV rows `date,value`.
fn weekly_rows(n: usize) -> Vec<(String, f64)> {
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    (0..n)
        .map(|i| {
            let day = start + chrono::Duration::days(i as i64);
            let v = 100.0 + i as f64 * 0.5 + [0.0, 5.0, 9.0, 4.0, -3.0, -8.0, -6.0][i % 7];
            (day.to_string(), v)
        })
        .collect()
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_csv_series_with_dates_and_missing_values() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("date,value\n");
    for (i, (d, v)) in weekly_rows(84).iter().enumerate() {
        // An empty cell and a NaN are both missing values.
        let cell = match i {
            10 => String::new(),
            20 => "NaN".to_owned(),
            _ => v.to_string(),
        };
        csv.push_str(&format!("{d},{cell}\n"));
    }
    let file = write(&dir, "s.csv", &csv);
    let r = run(&[
        "forecast",
        "--series",
        &file,
        "--horizon",
        "14",
        "--season",
        "7",
        "--json",
    ]);
    assert!(r.ok(), "{}", r.err);
    let f: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(f["point"].as_array().unwrap().len(), 14);
    assert_eq!(f["dates"][0], "2026-03-26");
    assert_eq!(f["filled"], 2);
    assert_eq!(f["intervals"][0]["level"], 80.0);
    assert_eq!(f["intervals"][1]["level"], 95.0);
    assert_eq!(f["model"]["seasonLengths"], serde_json::json!([7]));
    assert!(f["validation"]["candidates"].as_array().unwrap().len() > 1);

    let r = run(&[
        "forecast",
        "--series",
        &file,
        "--horizon",
        "3",
        "--season",
        "7",
        "--levels",
        "90",
    ]);
    assert!(r.ok(), "{}", r.err);
    for needle in [
        "date",
        "lo 90%",
        "hi 90%",
        "2026-03-28",
        "model:",
        "validation",
        "candidates' MASE",
        "trend",
    ] {
        assert!(r.out.contains(needle), "{needle}: {}", r.out);
    }
}

#[test]
fn many_series_by_id_run_as_one_batch() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("unique_id,ds,y\n");
    for id in ["a", "b"] {
        for (d, v) in weekly_rows(42) {
            csv.push_str(&format!("{id},{d},{v}\n"));
        }
    }
    // A series with no value at all fails alone.
    csv.push_str("\"c, empty\",2026-01-01,\n\"c, empty\",2026-01-02,NaN\n");
    let file = write(&dir, "many.csv", &csv);
    let r = run(&["forecast", "--series", &file, "--horizon", "7", "--json"]);
    assert!(r.ok(), "{}", r.err);
    let b: Value = serde_json::from_str(&r.out).unwrap();
    let forecasts = b["forecasts"].as_array().unwrap();
    assert_eq!(forecasts.len(), 2);
    assert_eq!(forecasts[0]["id"], "a");
    assert_eq!(forecasts[1]["id"], "b");
    assert_eq!(forecasts[0]["point"], forecasts[1]["point"]);
    assert_eq!(b["failures"][0]["index"], 2);
    assert_eq!(b["failures"][0]["id"], "c, empty");
    assert_eq!(b["failures"][0]["code"], "INVALID_ARGUMENT");

    let r = run(&["forecast", "--series", &file, "--horizon", "2"]);
    assert!(r.ok(), "{}", r.err);
    assert!(r.out.contains("Forecast of a") && r.out.contains("2 series forecast, 1 failed"));
}

#[test]
fn a_plain_column_of_numbers_has_steps() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "v.csv", "sales\n1\n2\n3\n4\n5\n6\n7\n8\n");
    let r = run(&["forecast", "--series", &file, "--horizon", "2", "--json"]);
    assert!(r.ok(), "{}", r.err);
    let f: Value = serde_json::from_str(&r.out).unwrap();
    assert!(f["dates"].is_null());
    assert_eq!(f["point"].as_array().unwrap().len(), 2);
    let r = run(&["forecast", "--series", &file, "--horizon", "2"]);
    assert!(r.out.contains("step"), "{}", r.out);
}

#[test]
fn bad_requests_and_files_are_invalid_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(&dir, "g.csv", "value\n1\n2\n3\n4\n");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--horizon", "-3"], "horizon"),
        (vec!["--horizon", "0"], "horizon"),
        (vec!["--horizon", "1000000000"], "horizon"),
        (vec!["--horizon", "3", "--method", "crystal-ball"], "method"),
        (vec!["--horizon", "3", "--season", "0"], "season"),
        (vec!["--horizon", "3", "--levels", "120"], "levels"),
        (
            vec!["--horizon", "3", "--validation-origins", "99"],
            "validation-origins",
        ),
        (
            vec!["--horizon", "3", "--value-column", "nope"],
            "no column `nope`",
        ),
        (vec![], "horizon"),
    ];
    for (extra, says) in cases {
        let args = [&["forecast", "--series", good.as_str()][..], &extra].concat();
        let r = run(&args);
        assert_eq!(r.code, Some(2), "{extra:?}: {}", r.err);
        assert!(
            r.err.contains("error[INVALID_ARGUMENT]"),
            "{extra:?}: {}",
            r.err
        );
        assert!(r.err.contains(says), "{extra:?}: {}", r.err);
    }
    for (text, says) in [
        ("value\nabc\n", "not a number"),
        ("value\ninf\n2\n", "infinite"),
        ("", "empty"),
        ("date,value\n2026-02-30,1\n", "2026-02-30"),
        ("date,value\n2026-01-02,1\n2026-01-01,2\n", "must increase"),
        ("value\n\"1\n", "never closed"),
    ] {
        let file = write(&dir, "bad.csv", text);
        let r = run(&["forecast", "--series", &file, "--horizon", "2"]);
        assert_eq!(r.code, Some(2), "{text:?}: {}", r.err);
        assert!(r.err.contains(says), "{text:?}: {}", r.err);
    }
    let r = run(&[
        "forecast",
        "--series",
        "/nonexistent/file.csv",
        "--horizon",
        "2",
    ]);
    assert_eq!(r.code, Some(1), "{}", r.err);
    assert!(r.err.contains("error[READ_FAILED]"), "{}", r.err);
}

#[test]
fn a_metric_forecast_from_generated_data() {
    let (_dir, data) = dataset_with("300", "40", &["--seed", "3", "--start", "2026-03-01"]);
    let base = [
        "forecast",
        "--data",
        &data,
        "--usd-to-npr",
        "133.5",
        "--now",
        "2026-04-20T00:00:00Z",
        "--to",
        "2026-04-09",
    ];
    let r = run(&[
        &base[..],
        &["--metric", "revenue.total", "--horizon", "10", "--json"],
    ]
    .concat());
    assert!(r.ok(), "{}", r.err);
    let f: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(f["metric"], "revenue.total");
    assert_eq!(f["horizonDays"], 10);
    assert_eq!(f["historyTo"], "2026-04-09");
    let p = f["predictions"].as_array().unwrap();
    assert_eq!(p.len(), 10);
    assert_eq!(p[0]["date"], "2026-04-10");
    assert!(p[0]["intervals"][0]["lower"].as_f64().unwrap() >= 0.0);

    let r = run(&[
        &base[..],
        &["--metric", "engagement.dau", "--country", "NP", "--store"],
    ]
    .concat());
    assert!(r.ok(), "{}", r.err);
    for needle in [
        "engagement.dau",
        "country NP",
        "lo 80%",
        "hi 95%",
        "model:",
        "stored",
    ] {
        assert!(r.out.contains(needle), "{needle}: {}", r.out);
    }
    // A directory's store lives for one run: nothing stored is left for the next.
    let r = run(&[&base[..], &["--stored", "--json"]].concat());
    assert!(r.ok(), "{}", r.err);
    assert_eq!(r.out.trim(), "[]");
    let r = run(&[&base[..], &["--metric", "no.such.metric"]].concat());
    assert_eq!(r.code, Some(2), "{}", r.err);
    assert!(r.err.contains("error[INVALID_ARGUMENT]"), "{}", r.err);
    let r = run(&[
        &base[..],
        &["--metric", "revenue.total", "--horizon", "400"],
    ]
    .concat());
    assert_eq!(r.code, Some(2), "{}", r.err);
    assert!(r.err.contains("366"), "{}", r.err);
}

#[test]
fn series_and_data_do_not_mix() {
    let r = run(&[
        "forecast",
        "--series",
        "x.csv",
        "--data",
        "d",
        "--horizon",
        "1",
    ]);
    assert_eq!(r.code, Some(2));
    assert!(r.err.contains("cannot be used with"), "{}", r.err);
    let r = run(&["forecast", "--horizon", "1"]);
    assert_eq!(r.code, Some(2));
}

#[test]
fn huge_files_are_refused_by_the_core_bounds() {
    let dir = tempfile::tempdir().unwrap();
    // Two million values in one series: more than one series may hold.
    let mut text = String::from("value\n");
    text.push_str(&"1\n".repeat(2_000_000));
    let file = write(&dir, "long.csv", &text);
    let r = run(&["forecast", "--series", &file, "--horizon", "3"]);
    assert_eq!(r.code, Some(2), "{}", r.err);
    assert!(r.err.contains("at most 1000000"), "{}", r.err);
    // 200,000 tiny series: more than one batch takes.
    let mut text = String::from("id,value\n");
    for i in 0..200_000 {
        text.push_str(&format!("s{i},1\n"));
    }
    let file = write(&dir, "many.csv", &text);
    let r = run(&["forecast", "--series", &file, "--horizon", "1"]);
    assert_eq!(r.code, Some(2), "{}", r.err);
    assert!(r.err.contains("at most 100000"), "{}", r.err);
    assert!(r.took.as_secs() < 60, "{:?}", r.took);
}
