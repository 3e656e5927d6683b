//! The XLSX, CSV and JSON reports (issue 15): the XLSX is a valid package with its charts, opens
//! with openpyxl with the engine's values in typed cells, its number formats, frozen headers, the
//! cohort colour scale and native charts (`tests/report/check_xlsx.py`); the CSV parses back to the
//! content's values; hostile content renders without a panic and in bounded size.
//!
//! The openpyxl check needs a Python with `openpyxl`: `HALOBUZZ_PYTHON`, else the Python binding's
//! test virtualenv (`bindings-python/.venv`, which `scripts/test-all` prepares), else `python3`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use halobuzz_analytics::kpi::Unit;
use halobuzz_analytics::report::content::*;
use halobuzz_analytics::report::fixture::{sample, sample_without_data};
use halobuzz_analytics::report::tabular::{table_csv, TABLES};
use halobuzz_analytics::report::xlsx::{unit_number_format, CHANGE_FORMAT};
use halobuzz_analytics::report::{render_csv, render_json, render_xlsx};
use serde_json::{json, Value};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("core/ has a parent")
        .to_path_buf()
}

fn zip_parts(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    let mut parts = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).expect("a zip entry");
        let mut text = String::new();
        let name = file.name().expect("a UTF-8 entry name").into_owned();
        if name.ends_with(".xml") || name.ends_with(".rels") {
            file.read_to_string(&mut text).expect("UTF-8 XML");
        }
        parts.insert(name, text);
    }
    parts
}

#[test]
fn xlsx_is_a_package_with_sheets_charts_and_properties() {
    let bytes = render_xlsx(&sample()).expect("renders");
    let parts = zip_parts(&bytes);
    for part in [
        "[Content_Types].xml",
        "xl/workbook.xml",
        "xl/styles.xml",
        "docProps/core.xml",
        "xl/worksheets/sheet1.xml",
        "xl/charts/chart1.xml",
        "xl/charts/chart4.xml",
        "xl/drawings/drawing1.xml",
    ] {
        assert!(
            parts.contains_key(part),
            "{part} missing: {:?}",
            parts.keys()
        );
    }
    // Two daily charts, payment methods, forecast.
    assert!(!parts.contains_key("xl/charts/chart5.xml"));
    let core = &parts["docProps/core.xml"];
    assert!(
        core.contains("<dc:title>HaloBuzz monthly report</dc:title>"),
        "{core}"
    );
    assert!(core.contains("2026-11-01T08:00:00Z"), "{core}");
    let workbook = &parts["xl/workbook.xml"];
    for name in ["Summary", "Revenue", "Daily", "Cohorts", "Forecast"] {
        assert!(workbook.contains(&format!("name=\"{name}\"")), "{name}");
    }
    // Dashed previous period in the daily chart, a line chart, the colour scale on the cohorts.
    assert!(parts["xl/charts/chart1.xml"].contains("<c:lineChart>"));
    assert!(parts["xl/charts/chart1.xml"].contains("prstDash val=\"dash\""));
    assert!(parts.values().any(|x| x.contains("<c:barChart>")));
    assert!(parts.values().any(|x| x.contains("type=\"colorScale\"")));
    assert!(!parts
        .values()
        .any(|x| x.contains("NaN") || x.contains("inf<")));
}

#[test]
fn xlsx_without_data_says_no_data_and_has_no_chart() {
    let bytes = render_xlsx(&sample_without_data()).expect("renders");
    let parts = zip_parts(&bytes);
    assert!(
        !parts.keys().any(|p| p.starts_with("xl/charts/")),
        "{:?}",
        parts.keys()
    );
    let strings = &parts["xl/sharedStrings.xml"];
    assert!(strings.contains(NO_DATA));
}

/// Excel's A1 name of a zero-based cell.
fn a1(row: usize, col: usize) -> String {
    let mut letters = String::new();
    let mut c = col + 1;
    while c > 0 {
        let r = (c - 1) % 26;
        letters.insert(0, (b'A' + r as u8) as char);
        c = (c - 1) / 26;
    }
    format!("{letters}{}", row + 1)
}

fn date(d: NaiveDate) -> Value {
    json!(format!("date:{d}"))
}

fn num_or_no_data(v: Option<f64>, format: &str) -> (Value, Value) {
    match v {
        Some(v) => (json!(v), json!(format)),
        None => (json!(NO_DATA), Value::Null),
    }
}

/// What `check_xlsx.py` asserts of the workbook of `c`.
fn expectation(c: &ReportContent) -> Value {
    let mut cells: Vec<Value> = Vec::new();
    let mut cell = |sheet: &str, row: usize, col: usize, (v, f): (Value, Value)| {
        cells.push(json!([sheet, a1(row, col), v, f]));
    };
    let s = "Summary";
    cell(s, 0, 0, (json!(c.title), Value::Null));
    cell(s, 2, 1, (json!(c.period), Value::Null));
    cell(s, 3, 1, (date(c.from), json!("yyyy-mm-dd")));
    cell(s, 4, 1, (date(c.to), json!("yyyy-mm-dd")));
    cell(s, 5, 1, (date(c.previous_from), Value::Null));
    cell(s, 6, 1, (date(c.previous_to), Value::Null));
    let generated = c.generated_at.naive_utc().format("%Y-%m-%dT%H:%M:%S");
    cell(
        s,
        8,
        1,
        (
            json!(format!("datetime:{generated}")),
            json!("yyyy-mm-dd hh:mm"),
        ),
    );
    cell(s, 10, 1, (json!(c.timezone), Value::Null));
    cell(s, 11, 1, (json!(c.country), Value::Null));
    cell(s, 13, 1, (json!(c.summary), Value::Null));

    let mut sheets = vec!["Summary".to_owned()];
    let mut frozen = serde_json::Map::new();
    frozen.insert("Summary".into(), json!("A2"));
    for sec in &c.sections {
        sheets.push(sec.title.clone());
        frozen.insert(sec.title.clone(), json!("A2"));
        for (i, r) in sec.rows.iter().enumerate() {
            let row = i + 1;
            cell(&sec.title, row, 0, (json!(r.metric), Value::Null));
            cell(&sec.title, row, 1, (json!(r.label), Value::Null));
            let f = |v: Option<f64>| unit_number_format(r.unit, v.unwrap_or(0.0));
            cell(&sec.title, row, 2, num_or_no_data(r.value, f(r.value)));
            cell(
                &sec.title,
                row,
                3,
                num_or_no_data(r.previous, f(r.previous)),
            );
            cell(
                &sec.title,
                row,
                4,
                num_or_no_data(r.change_pct, CHANGE_FORMAT),
            );
        }
    }
    for t in [
        "Daily",
        "Payment methods",
        "Top creators",
        "Cohorts",
        "Alerts",
        "Forecast",
    ] {
        sheets.push(t.to_owned());
        frozen.insert(t.to_owned(), json!("A2"));
    }

    let d = &c.daily;
    let prev_col = d.columns.len() + 1;
    for (i, day) in d.dates.iter().enumerate() {
        cell("Daily", i + 1, 0, (date(*day), json!("yyyy-mm-dd")));
        for (j, col) in d.columns.iter().enumerate() {
            let v = col.values[i];
            let f = unit_number_format(col.unit, v.unwrap_or(0.0));
            cell("Daily", i + 1, j + 1, num_or_no_data(v, f));
        }
    }
    for (i, day) in d.previous_dates.iter().enumerate() {
        cell("Daily", i + 1, prev_col, (date(*day), Value::Null));
        for (j, col) in d.columns.iter().enumerate() {
            let v = col.previous[i];
            let f = unit_number_format(col.unit, v.unwrap_or(0.0));
            cell("Daily", i + 1, prev_col + 1 + j, num_or_no_data(v, f));
        }
    }
    for (i, p) in c.payment_methods.iter().enumerate() {
        cell("Payment methods", i + 1, 1, (json!(p.label), Value::Null));
        cell(
            "Payment methods",
            i + 1,
            2,
            (json!(p.value), json!("\"NPR \"#,##0.00")),
        );
    }
    for (i, r) in c.top_creators.iter().enumerate() {
        cell("Top creators", i + 1, 0, (json!(r.rank), Value::Null));
        let name = r.username.clone().unwrap_or_else(|| NO_DATA.to_owned());
        cell("Top creators", i + 1, 2, (json!(name), Value::Null));
        let f = unit_number_format(Unit::Coins, r.revenue_coins);
        cell("Top creators", i + 1, 3, (json!(r.revenue_coins), json!(f)));
    }
    for (i, r) in c.cohorts.rows.iter().enumerate() {
        cell("Cohorts", i + 1, 0, (date(r.cohort), Value::Null));
        cell("Cohorts", i + 1, 1, (json!(r.size), json!("#,##0")));
        for (j, rate) in r.rates.iter().enumerate() {
            cell("Cohorts", i + 1, j + 2, num_or_no_data(*rate, "0.0\"%\""));
        }
    }
    for (i, a) in c.alerts.iter().enumerate() {
        cell("Alerts", i + 1, 2, (json!(a.title), Value::Null));
        cell(
            "Alerts",
            i + 1,
            7,
            num_or_no_data(a.deviation_pct, CHANGE_FORMAT),
        );
    }
    let mut charts = serde_json::Map::new();
    let mut color_scales = serde_json::Map::new();
    let mut hidden = vec![];
    match &c.forecast {
        Some(f) => {
            for (i, (day, v)) in f.history.iter().enumerate() {
                cell("Forecast", i + 1, 0, (date(*day), Value::Null));
                cell("Forecast", i + 1, 1, (json!(v), Value::Null));
            }
            for (i, p) in f.points.iter().enumerate() {
                let row = f.history.len() + i + 1;
                cell("Forecast", row, 0, (date(p.date), Value::Null));
                cell("Forecast", row, 2, (json!(p.value), Value::Null));
                cell("Forecast", row, 3, (json!(p.lower), Value::Null));
                cell("Forecast", row, 4, (json!(p.upper), Value::Null));
            }
            charts.insert("Forecast".into(), json!(1));
        }
        None => cell("Forecast", 1, 0, (json!(NO_DATA), Value::Null)),
    }
    if c.daily.has_data() {
        charts.insert("Daily".into(), json!(2));
    }
    if !c.payment_methods.is_empty() {
        charts.insert("Payment methods".into(), json!(1));
    } else {
        cell("Payment methods", 1, 0, (json!(NO_DATA), Value::Null));
    }
    if c.top_creators.is_empty() {
        cell("Top creators", 1, 0, (json!(NO_DATA), Value::Null));
    }
    if c.alerts.is_empty() {
        cell("Alerts", 1, 0, (json!(NO_DATA), Value::Null));
    }
    if c.cohorts.rows.is_empty() {
        cell("Cohorts", 1, 0, (json!(NO_DATA), Value::Null));
    } else {
        let last = a1(c.cohorts.rows.len(), c.cohorts.days.len() + 1);
        color_scales.insert("Cohorts".into(), json!(format!("C2:{last}")));
    }
    if c.daily.has_data() || c.forecast.is_some() {
        sheets.push("Chart data".into());
        hidden.push("Chart data");
    }
    json!({
        "sheets": sheets,
        "hidden": hidden,
        "cells": cells,
        "charts": charts,
        "frozen": frozen,
        "colorScales": color_scales,
        "title": c.title,
        "created": c.generated_at.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string(),
    })
}

/// The interpreter that has openpyxl, or a panic that says how to get one.
fn python_with_openpyxl() -> String {
    let venv = repo_root().join("bindings-python/.venv/bin/python");
    let candidates: Vec<String> = match std::env::var("HALOBUZZ_PYTHON") {
        Ok(p) if !p.is_empty() => vec![p],
        _ => [venv.display().to_string(), "python3".to_owned()]
            .into_iter()
            .collect(),
    };
    for py in &candidates {
        let ok = Command::new(py)
            .args(["-c", "import openpyxl"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return py.clone();
        }
    }
    panic!(
        "no Python with openpyxl among {candidates:?}: run `pip install openpyxl`, or \
         `HALOBUZZ_PY_PREPARE_ONLY=1 bindings-python/scripts/test.sh` (the binding's virtualenv, \
         which this test finds), or set HALOBUZZ_PYTHON to an interpreter that has it"
    );
}

fn check_with_openpyxl(content: &ReportContent) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let xlsx = dir.path().join("report.xlsx");
    let expected = dir.path().join("expected.json");
    std::fs::write(&xlsx, render_xlsx(content).expect("renders")).expect("writes");
    std::fs::write(&expected, expectation(content).to_string()).expect("writes");
    let out = Command::new(python_with_openpyxl())
        .arg(repo_root().join("tests/report/check_xlsx.py"))
        .arg(&xlsx)
        .arg(&expected)
        .output()
        .expect("runs the checker");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "check_xlsx.py failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

#[test]
fn xlsx_opens_with_openpyxl_with_the_engines_values_and_formats() {
    check_with_openpyxl(&sample());
}

/// The same check on a report the engine assembled from generated platform data (its KPI values,
/// daily series, cohorts and forecast), not only on the fixture.
#[test]
fn xlsx_of_an_engine_report_opens_with_openpyxl() {
    use halobuzz_analytics::api::{self, ConfigOptions, Decimalish, GenerateRequest, NameStyle};
    let options = ConfigOptions {
        usd_to_npr: Some(Decimalish::Text("133.5".into())),
        ephemeral_pseudonym_key: true,
        now: Some("2026-05-04T02:00:00Z".into()),
        ..ConfigOptions::default()
    };
    let gen = GenerateRequest {
        users: Some(400),
        days: Some(60),
        seed: Some(3),
        start: Some("2026-03-01".parse().expect("date")),
        ..GenerateRequest::default()
    };
    let engine = api::open_generated(gen, options).expect("engine").engine;
    let request: api::ReportRequest = api::decode(
        "report",
        json!({"period": "monthly", "format": "xlsx"}),
        NameStyle::Camel,
    )
    .expect("request");
    let content = request.content(&engine).expect("content");
    assert!(content.daily.has_data() && content.forecast.is_some());
    check_with_openpyxl(&content);
}

#[test]
fn xlsx_without_data_opens_with_openpyxl() {
    check_with_openpyxl(&sample_without_data());
}

fn parse_long_csv(bytes: &[u8]) -> Vec<[String; 4]> {
    let mut r = csv::Reader::from_reader(bytes);
    assert_eq!(
        r.headers().expect("a header").iter().collect::<Vec<_>>(),
        ["table", "key", "column", "value"]
    );
    r.records()
        .map(|rec| {
            let rec = rec.expect("a record");
            assert_eq!(rec.len(), 4);
            [0, 1, 2, 3].map(|i| rec[i].to_owned())
        })
        .collect()
}

fn lookup<'a>(rows: &'a [[String; 4]], table: &str, key: &str, column: &str) -> &'a str {
    rows.iter()
        .find(|r| r[0] == table && r[1] == key && r[2] == column)
        .map(|r| r[3].as_str())
        .unwrap_or_else(|| panic!("no {table},{key},{column}"))
}

fn parsed(field: &str) -> Option<f64> {
    (!field.is_empty()).then(|| field.parse().expect("a number"))
}

#[test]
fn csv_holds_every_value_of_the_content() {
    let c = sample();
    let rows = parse_long_csv(&render_csv(&c).expect("renders"));
    for s in &c.sections {
        for r in &s.rows {
            assert_eq!(parsed(lookup(&rows, "kpis", &r.metric, "value")), r.value);
            assert_eq!(
                parsed(lookup(&rows, "kpis", &r.metric, "previous")),
                r.previous
            );
            assert_eq!(
                parsed(lookup(&rows, "kpis", &r.metric, "changePct")),
                r.change_pct
            );
        }
    }
    assert_eq!(
        lookup(&rows, "kpis", "revenue.total", "value"),
        "1378412.55"
    );
    for col in &c.daily.columns {
        for (d, v) in c.daily.dates.iter().zip(&col.values) {
            assert_eq!(
                parsed(lookup(&rows, "daily", &d.to_string(), &col.metric)),
                *v
            );
        }
        for (d, v) in c.daily.previous_dates.iter().zip(&col.previous) {
            let got = lookup(&rows, "dailyPrevious", &d.to_string(), &col.metric);
            assert_eq!(parsed(got), *v);
        }
    }
    assert_eq!(lookup(&rows, "daily", "2026-10-18", "engagement.dau"), "");
    assert_eq!(
        lookup(&rows, "paymentMethods", "esewa", "value"),
        "702000.1"
    );
    assert_eq!(lookup(&rows, "topCreators", "1", "username"), "सुनिता_श्रेष्ठ");
    assert_eq!(lookup(&rows, "topCreators", "3", "username"), "");
    assert_eq!(lookup(&rows, "cohorts", "2026-09-07", "day1"), "42");
    assert_eq!(
        lookup(&rows, "alerts", "1", "since"),
        "2026-10-31T02:00:00Z"
    );
    assert_eq!(lookup(&rows, "report", "from", "value"), "2026-10-01");
    assert_eq!(
        lookup(&rows, "report", "forecast.model", "value"),
        "MSTL(7)"
    );
    let f = c.forecast.as_ref().expect("a forecast");
    let p = &f.points[0];
    assert_eq!(
        parsed(lookup(&rows, "forecast", &p.date.to_string(), "upper")),
        Some(p.upper)
    );
    let tables: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    for t in TABLES {
        assert!(tables.contains(t) || t == "notes", "{t}");
    }
}

#[test]
fn csv_without_data_has_empty_fields_and_never_nan() {
    let mut c = sample_without_data();
    c.sections[0].rows[0].value = Some(f64::NAN);
    c.sections[0].rows[1].previous = Some(f64::INFINITY);
    let bytes = render_csv(&c).expect("renders");
    let text = String::from_utf8(bytes.clone()).expect("UTF-8");
    assert!(
        !text.contains("NaN") && !text.to_lowercase().contains("inf"),
        "{text}"
    );
    let rows = parse_long_csv(&bytes);
    assert_eq!(lookup(&rows, "kpis", "revenue.total", "value"), "");
    assert_eq!(lookup(&rows, "kpis", "revenue.coinTopups", "previous"), "");
    assert!(rows
        .iter()
        .all(|r| r[0] != "paymentMethods" && r[0] != "forecast"));
    assert_eq!(lookup(&rows, "notes", "1", "text"), c.notes[0]);
    let json = String::from_utf8(render_json(&c).expect("renders")).expect("UTF-8");
    assert!(!json.contains("NaN"));
    let back: ReportContent = serde_json::from_str(&json).expect("parses back");
    assert_eq!(back.sections[0].rows[0].value, None);
}

#[test]
fn wide_tables_have_their_natural_columns() {
    let c = sample();
    let kpis = String::from_utf8(table_csv(&c, "kpis").expect("renders")).expect("UTF-8");
    let mut lines = kpis.lines();
    assert_eq!(
        lines.next(),
        Some("metric,section,label,unit,value,previous,changePct,higherIsBetter")
    );
    assert!(lines.next().is_some_and(
        |l| l.starts_with("revenue.total,revenue,Total revenue,npr,1378412.55,1207330.1,")
    ));
    let daily = String::from_utf8(table_csv(&c, "daily").expect("renders")).expect("UTF-8");
    assert!(daily.starts_with("date,revenue.total,engagement.dau\n2026-10-01,"));
    assert_eq!(daily.lines().count(), 32);
    let cohorts = String::from_utf8(table_csv(&c, "cohorts").expect("renders")).expect("UTF-8");
    assert!(
        cohorts.starts_with("cohort,size,day1,day7,day14,day30\n2026-09-07,800,42,30,24,17.5\n")
    );
    for t in TABLES {
        table_csv(&c, t).expect("every listed table renders");
    }
    let e = table_csv(&c, "nope").expect_err("unknown table");
    assert_eq!(e.code(), "INVALID_ARGUMENT");
}

#[test]
fn json_is_the_content_in_camel_case() {
    let c = sample();
    let json = render_json(&c).expect("renders");
    let v: Value = serde_json::from_slice(&json).expect("JSON");
    assert_eq!(
        v["sections"][0]["rows"][0]["changePct"],
        json!(c.sections[0].rows[0].change_pct)
    );
    assert_eq!(v["previousFrom"], json!("2026-09-01"));
    let back: ReportContent = serde_json::from_slice(&json).expect("parses back");
    assert_eq!(back, c);
}

/// 10,000 days, 1,000 creators, hostile usernames and titles: no panic, bounded output.
fn hostile() -> ReportContent {
    let mut c = sample();
    let start = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date");
    c.daily.dates = (0..10_000)
        .map(|i| start + chrono::Duration::days(i))
        .collect();
    c.daily.previous_dates = c.daily.dates.clone();
    for col in &mut c.daily.columns {
        col.values = (0..10_000)
            .map(|i| (i % 7 != 0).then_some(i as f64 * 1.5))
            .collect();
        col.previous = col.values.clone();
    }
    let nasty =
        "a\u{0}b\u{1}\u{8}\u{b}\u{c}\u{1b}[31m\u{7f}\u{FFFE}=cmd|' /C calc'!A0 _x0041_ \u{202e}";
    c.top_creators = (0..1_000)
        .map(|i| CreatorRow {
            rank: i + 1,
            host_id: format!("h_{i:08x}"),
            username: Some(if i % 100 == 1 {
                "x".repeat(100_000)
            } else {
                nasty.repeat(1 + i as usize % 50)
            }),
            revenue_coins: f64::from(1_000 - i),
            streams: u64::MAX,
            viewers: 0,
        })
        .collect();
    c.title = format!("{nasty}{}", "t".repeat(50_000));
    c.sections[0].title = "Revenue/[Q4]: *?".into();
    c.sections[1].title = "x".repeat(200);
    c.sections[2].title = "revenue/[q4]: *?".into();
    c.sections[0].rows[0].value = Some(f64::NAN);
    c.summary = "\u{0}".repeat(40_000);
    c.cohorts.days = (0..400).collect();
    c
}

#[test]
fn hostile_content_renders_bounded() {
    let c = hostile();
    let start = std::time::Instant::now();
    let xlsx = render_xlsx(&c).expect("renders");
    assert!(xlsx.len() < 40_000_000, "{} bytes", xlsx.len());
    let parts = zip_parts(&xlsx);
    let workbook = &parts["xl/workbook.xml"];
    assert!(
        workbook.contains("name=\"Revenue  Q4\"") && workbook.contains("name=\"revenue  q4 (2)\"")
    );
    assert!(parts
        .values()
        .all(|x| !x.contains('\u{0}') && !x.contains('\u{1b}')));
    let csv = render_csv(&c).expect("renders");
    assert!(csv.len() < 300_000_000, "{} bytes", csv.len());
    parse_long_csv(&csv);
    render_json(&c).expect("renders");
    for empty in [ReportContent {
        sections: vec![],
        daily: DailyTable::default(),
        cohorts: CohortGrid::default(),
        notes: vec![String::new(); 3],
        ..sample_without_data()
    }] {
        let parts = zip_parts(&render_xlsx(&empty).expect("renders"));
        assert!(!parts.keys().any(|p| p.starts_with("xl/charts/")));
        render_csv(&empty).expect("renders");
        for t in TABLES {
            table_csv(&empty, t).expect("renders");
        }
    }
    assert!(start.elapsed().as_secs() < 120);
}
