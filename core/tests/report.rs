//! Reports from platform data: the content equals the engine's own answers, the period is compared
//! with the right previous period, a period without data says so, and stored reports are listed and
//! fetched again with their checksum verified.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use halobuzz_analytics::api::{self, ConfigOptions, Decimalish, GenerateRequest, NameStyle};
use halobuzz_analytics::api::{ReportRequest, ReportsRequest};
use halobuzz_analytics::calendar::DateRange;
use halobuzz_analytics::kpi::{CountryFilter, Metric};
use halobuzz_analytics::report::{ReportContent, NO_DATA};
use halobuzz_analytics::{Engine, ErrorCategory};
use serde_json::json;

fn engine(reports_dir: Option<&std::path::Path>) -> Engine {
    let options = ConfigOptions {
        usd_to_npr: Some(Decimalish::Text("133.5".into())),
        ephemeral_pseudonym_key: true,
        now: Some("2026-05-04T02:00:00Z".into()),
        reports_dir: reports_dir.map(|d| d.display().to_string()),
        ..ConfigOptions::default()
    };
    let gen = GenerateRequest {
        users: Some(600),
        days: Some(75),
        seed: Some(5),
        start: Some("2026-02-16".parse().unwrap()),
        ..GenerateRequest::default()
    };
    api::open_generated(gen, options).unwrap().engine
}

fn ask(v: serde_json::Value) -> ReportRequest {
    api::decode("report", v, NameStyle::Camel).unwrap()
}

fn row<'a>(c: &'a ReportContent, metric: &str) -> &'a halobuzz_analytics::report::content::KpiRow {
    c.sections
        .iter()
        .flat_map(|s| s.rows.iter())
        .find(|r| r.metric == metric)
        .unwrap_or_else(|| panic!("no row {metric}"))
}

#[test]
fn monthly_content_equals_the_engines_answers() {
    let e = engine(None);
    // As of 2026-05-04 (Sydney): April, compared with March.
    let c = ask(json!({"period": "monthly", "format": "json"}))
        .content(&e)
        .unwrap();
    assert_eq!(
        (c.from.to_string(), c.to.to_string()),
        ("2026-04-01".into(), "2026-04-30".into())
    );
    assert_eq!(c.previous_from.to_string(), "2026-03-01");
    assert_eq!(c.previous_to.to_string(), "2026-03-31");
    assert_eq!(c.timezone, "Australia/Sydney");
    assert_eq!(c.generated_local, "2026-05-04 12:00 +10:00");
    let april = DateRange::new(c.from, c.to).unwrap();
    let march = DateRange::new(c.previous_from, c.previous_to).unwrap();
    let k = e.kpis(april, CountryFilter::All).unwrap();
    let p = e.kpis(march, CountryFilter::All).unwrap();
    for id in [
        "revenue.total",
        "engagement.dau",
        "monetization.payingUsers",
        "retention.d7Retention",
        "gaming.totalStakes",
    ] {
        let m = Metric::parse(id).unwrap();
        let r = row(&c, id);
        assert_eq!(r.value, m.value(&k), "{id}");
        assert_eq!(r.previous, m.value(&p), "{id}");
    }
    let total = row(&c, "revenue.total");
    let expected =
        (total.value.unwrap() - total.previous.unwrap()) / total.previous.unwrap().abs() * 100.0;
    assert!((total.change_pct.unwrap() - expected).abs() < 1e-9);
    // Every section is there, and no growth metric is a row (the change column says it).
    assert_eq!(c.sections.len(), 7);
    assert!(c
        .sections
        .iter()
        .flat_map(|s| &s.rows)
        .all(|r| !r.metric.ends_with(".growth")));
    // Daily series: April's 30 days and March's 31, each day equal to a one-day KPI report.
    assert_eq!(c.daily.dates.len(), 30);
    assert_eq!(c.daily.previous_dates.len(), 31);
    let rev = c.daily.column("revenue.total").unwrap();
    let day = DateRange::day(c.daily.dates[9]);
    assert_eq!(
        rev.values[9],
        Some(e.kpis(day, CountryFilter::All).unwrap().revenue.total)
    );
    let dau = c.daily.column("engagement.dau").unwrap();
    let sum: f64 = dau.values.iter().flatten().sum();
    assert!((sum / 30.0 - k.engagement.dau).abs() < 1e-6);
    // Payment methods add up to the total; creators are the KPI report's top creators.
    let pm: f64 = c.payment_methods.iter().map(|m| m.value).sum();
    assert!(
        (pm - k.revenue.total).abs() < 0.05,
        "{pm} vs {}",
        k.revenue.total
    );
    assert_eq!(c.top_creators.len(), k.creators.top_creators.len());
    assert_eq!(
        c.top_creators[0].host_id,
        k.creators.top_creators[0].host_id
    );
    // Cohorts: the weeks ending with April, with retention columns.
    assert!(c.cohorts.has_data());
    assert_eq!(c.cohorts.days, vec![1, 3, 7, 14, 30]);
    // The forecast starts the day after the period.
    let f = c.forecast.as_ref().expect("a forecast");
    assert_eq!(f.points[0].date.to_string(), "2026-05-01");
    assert_eq!(f.points.len(), 14);
    assert!(f
        .points
        .iter()
        .all(|p| p.lower <= p.value && p.value <= p.upper));
    assert!(c.summary.starts_with("Revenue was NPR "), "{}", c.summary);
    let json = serde_json::to_string(&c).unwrap();
    assert!(!json.contains("NaN") && !json.contains("inf"));
}

#[test]
fn weekly_daily_and_custom_periods() {
    let e = engine(None);
    // 2026-05-04 is a Monday: the week before is Apr 27 – May 3.
    let c = ask(json!({"period": "weekly", "format": "json"}))
        .content(&e)
        .unwrap();
    assert_eq!(
        (c.from.to_string(), c.to.to_string()),
        ("2026-04-27".into(), "2026-05-03".into())
    );
    assert_eq!(c.previous_from.to_string(), "2026-04-20");
    let c = ask(json!({"period": "daily", "at": "2026-04-06"}))
        .content(&e)
        .unwrap();
    assert_eq!(c.from.to_string(), "2026-04-05");
    // 2026-04-05 is Sydney's 25-hour day (DST ends); it is one day, compared with the day before.
    assert_eq!(c.daily.dates.len(), 1);
    assert_eq!(c.previous_to.to_string(), "2026-04-04");
    let c = ask(json!({"period": "custom", "from": "2026-03-10", "to": "2026-03-19"}))
        .content(&e)
        .unwrap();
    assert_eq!(c.previous_from.to_string(), "2026-02-28");
    assert_eq!(c.previous_to.to_string(), "2026-03-09");
    // The first valid week: its previous week and earlier cohorts are before 2000 and simply empty.
    let c = ask(
        json!({"period": "custom", "from": "2000-01-03", "to": "2000-01-09", "format": "json"}),
    )
    .content(&e)
    .unwrap();
    assert_eq!(c.previous_from.to_string(), "1999-12-27");
    assert!(
        c.summary.starts_with("No data for 2000-01-03"),
        "{}",
        c.summary
    );
}

#[test]
fn a_period_without_data_says_no_data() {
    let e = engine(None);
    // Before the first generated day.
    let c = ask(json!({"period": "monthly", "at": "2001-02-10"}))
        .content(&e)
        .unwrap();
    assert!(
        c.summary
            .starts_with("No data for 2001-01-01 to 2001-01-31"),
        "{}",
        c.summary
    );
    assert!(c.forecast.is_none());
    assert!(
        c.notes.iter().any(|n| n.starts_with("No revenue forecast")),
        "{:?}",
        c.notes
    );
    assert!(c.payment_methods.is_empty() && c.top_creators.is_empty());
    assert!(!c.daily.has_data());
    assert_eq!(NO_DATA, "no data");
}

#[test]
fn bad_requests_are_refused_with_the_field() {
    let e = engine(None);
    let bad = |v: serde_json::Value, field: &str| {
        let err = match api::decode::<ReportRequest>("report", v, NameStyle::Camel) {
            Ok(r) => r.run(&e).unwrap_err(),
            Err(err) => err,
        };
        assert_eq!(err.category(), ErrorCategory::InvalidInput);
        assert!(err.to_string().contains(field), "{err}");
    };
    bad(json!({"period": "custom", "from": "2026-03-01"}), "from");
    bad(json!({"period": "monthly", "from": "2026-03-01"}), "from");
    bad(json!({"period": "hourly"}), "period");
    bad(json!({"period": "daily", "format": "docx"}), "format");
    bad(json!({"period": "daily", "colour": "red"}), "colour");
    bad(
        json!({"period": "custom", "from": "2026-03-10", "to": "2026-03-01"}),
        "2026-03-01",
    );
    bad(json!({"period": "daily", "at": "2999-01-01"}), "2998-12-31");
    // Storing needs a directory.
    bad(
        json!({"period": "daily", "format": "json", "store": true}),
        "REPORTS_STORAGE_DIR",
    );
}

#[test]
fn stored_reports_are_listed_and_fetched_with_their_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(Some(dir.path()));
    let g = ask(json!({"period": "weekly", "format": "json", "store": true}))
        .run(&e)
        .unwrap();
    assert!(g.stored);
    assert_eq!(g.file_name, "halobuzz-weekly-2026-04-27-2026-05-03.json");
    assert!(dir.path().join(&g.file_name).exists());
    let again = ask(json!({"period": "weekly", "format": "json", "store": true, "country": "NP"}))
        .run(&e)
        .unwrap();
    assert_eq!(
        again.file_name,
        "halobuzz-weekly-2026-04-27-2026-05-03-NP.json"
    );
    let list = ReportsRequest::default().run(&e).unwrap();
    assert_eq!(list.len(), 2);
    let r = list.iter().find(|r| r.id == g.record.id).unwrap();
    assert_eq!(r.size, g.bytes.len() as u64);
    assert_eq!(
        (r.period.as_str(), r.from.to_string()),
        ("weekly", "2026-04-27".to_owned())
    );
    let (rec, bytes) = e.report_file(&g.record.id).unwrap();
    assert_eq!(bytes, g.bytes);
    assert_eq!(rec.checksum, g.record.checksum);
    // Producing it again replaces the record instead of adding one.
    ask(json!({"period": "weekly", "format": "json", "store": true}))
        .run(&e)
        .unwrap();
    assert_eq!(ReportsRequest::default().run(&e).unwrap().len(), 2);
    // A file changed behind the record's back is refused, not served.
    std::fs::write(dir.path().join(&g.file_name), b"tampered").unwrap();
    let err = e.report_file(&g.record.id).unwrap_err();
    assert!(err.to_string().contains("checksum"), "{err}");
    assert!(e.report_file("rpt_nope").is_err());
    // Written to a directory: the report's own file name in it; to a file: that file.
    let out = tempfile::tempdir().unwrap();
    let written = g.write_to(out.path()).unwrap();
    assert_eq!(written, out.path().join(&g.file_name));
    assert_eq!(std::fs::read(&written).unwrap(), g.bytes);
    let named = out.path().join("r.json");
    assert_eq!(g.write_to(&named).unwrap(), named);
    assert_eq!(std::fs::read(&named).unwrap(), g.bytes);
    let err = g
        .write_to(out.path().join("no/such/dir/r.json"))
        .unwrap_err();
    assert_eq!(err.code(), "WRITE_FAILED");
    let filtered: ReportsRequest =
        api::decode("reports", json!({"period": "monthly"}), NameStyle::Camel).unwrap();
    assert!(filtered.run(&e).unwrap().is_empty());
}

#[test]
fn a_report_rolls_up_its_days_with_progress_and_can_be_cancelled() {
    let e = engine(None);
    let request = ask(json!({"period": "monthly", "format": "json"}));
    // Stopped after three days: nothing is produced, and the error says so.
    let mut seen = 0;
    let err = request
        .run_with_progress(&e, &mut |_| {
            seen += 1;
            if seen == 3 {
                std::ops::ControlFlow::Break(())
            } else {
                std::ops::ControlFlow::Continue(())
            }
        })
        .unwrap_err();
    assert_eq!(err.code(), "CANCELLED");
    assert_eq!(err.category(), ErrorCategory::InvalidInput);
    assert!(err.to_string().contains("monthly report"), "{err}");
    assert_eq!(seen, 3, "no report after the stop");

    // Run again: the days rolled up before the stop are skipped, every day the report reads is
    // reported once, and the report equals one produced without progress on a fresh engine.
    let mut reports = Vec::new();
    let report = request
        .run_with_progress(&e, &mut |p| {
            reports.push(p);
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
    let total = reports[0].total;
    assert_eq!(reports.len() as u64, total);
    assert!(reports.iter().filter(|p| p.skipped).count() >= 3);
    // April and March with their baselines, 8 weeks of cohorts, and the forecast's 182 days of history
    // (the generated users signed up before that); nothing after the period.
    let first = reports.iter().map(|p| p.date).min().unwrap();
    let last = reports.iter().map(|p| p.date).max().unwrap();
    assert_eq!(first.to_string(), "2025-10-31");
    assert_eq!(last.to_string(), "2026-04-30");
    let plain = ask(json!({"period": "monthly", "format": "json"}))
        .run(&engine(None))
        .unwrap();
    assert_eq!(report.bytes, plain.bytes);

    // Once the days are rolled up, a report only reads: every day is reported as skipped.
    let mut again = Vec::new();
    request
        .run_with_progress(&e, &mut |p| {
            again.push(p);
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
    assert!(again.iter().all(|p| p.skipped));
}
