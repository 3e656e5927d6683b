//! A fixed report content for the renderers' own tests and examples: every table filled with
//! plausible values, a Devanagari username, missing values and one open alert with a root cause.
//! [`sample_without_data`] is the same period with nothing in it. The engine's real reports come from
//! `Engine::report_content`.

use chrono::{Duration, NaiveDate, TimeZone, Utc};

use super::content::*;
use crate::calendar::add_days;
use crate::kpi::{Section, Unit};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn row(metric: &str, label: &str, unit: Unit, value: Option<f64>, previous: Option<f64>) -> KpiRow {
    KpiRow {
        metric: metric.to_owned(),
        label: label.to_owned(),
        unit,
        value,
        previous,
        change_pct: super::format::change_pct(value, previous),
        higher_is_better: !matches!(metric, "revenue.refunds" | "retention.churnRate"),
    }
}

/// A monthly report for October 2026 with every table filled.
pub fn sample() -> ReportContent {
    let from = day(2026, 10, 1);
    let to = day(2026, 10, 31);
    let previous_from = day(2026, 9, 1);
    let previous_to = day(2026, 9, 30);
    let dates: Vec<NaiveDate> = (0..31).map(|i| add_days(from, i)).collect();
    let previous_dates: Vec<NaiveDate> = (0..30).map(|i| add_days(previous_from, i)).collect();
    // A weekly rhythm with a slow rise, so the charts have a shape.
    let wave = |i: usize, base: f64, amp: f64, trend: f64| {
        let w = ((i % 7) as f64 / 7.0 * std::f64::consts::TAU).sin();
        ((base + amp * w + trend * i as f64) * 100.0).round() / 100.0
    };
    let revenue: Vec<Option<f64>> = (0..31)
        .map(|i| Some(wave(i, 41_000.0, 6_000.0, 120.0)))
        .collect();
    let revenue_prev: Vec<Option<f64>> = (0..30)
        .map(|i| Some(wave(i, 38_500.0, 5_500.0, 90.0)))
        .collect();
    let mut dau: Vec<Option<f64>> = (0..31)
        .map(|i| Some(wave(i, 5_200.0, 400.0, 8.0).round()))
        .collect();
    dau[17] = None; // a day without data
    let dau_prev: Vec<Option<f64>> = (0..30)
        .map(|i| Some(wave(i, 5_000.0, 380.0, 5.0).round()))
        .collect();
    let sections = vec![
        KpiSection {
            section: Section::Revenue,
            title: "Revenue".into(),
            rows: vec![
                row(
                    "revenue.total",
                    "Total revenue",
                    Unit::Npr,
                    Some(1_378_412.55),
                    Some(1_207_330.10),
                ),
                row(
                    "revenue.coinTopups",
                    "Coin top-ups",
                    Unit::Npr,
                    Some(1_102_000.00),
                    Some(990_120.40),
                ),
                row(
                    "revenue.refunds",
                    "Refunds",
                    Unit::Npr,
                    Some(12_400.00),
                    Some(15_900.00),
                ),
                row(
                    "revenue.giftRevenue",
                    "Gift revenue",
                    Unit::Coins,
                    Some(8_420_000.0),
                    Some(7_990_500.0),
                ),
            ],
        },
        KpiSection {
            section: Section::Engagement,
            title: "Engagement".into(),
            rows: vec![
                row(
                    "engagement.dau",
                    "Daily active users (mean)",
                    Unit::Count,
                    Some(5_311.4),
                    Some(5_071.9),
                ),
                row(
                    "engagement.stickiness",
                    "Stickiness",
                    Unit::Percent,
                    Some(23.4),
                    Some(22.9),
                ),
                row(
                    "engagement.avgSessionDuration",
                    "Session length (mean)",
                    Unit::Minutes,
                    None,
                    Some(14.2),
                ),
            ],
        },
        KpiSection {
            section: Section::Retention,
            title: "Retention".into(),
            rows: vec![
                row(
                    "retention.d7Retention",
                    "Day-7 retention",
                    Unit::Percent,
                    Some(31.2),
                    Some(33.0),
                ),
                row(
                    "retention.churnRate",
                    "Churn rate",
                    Unit::Percent,
                    Some(18.5),
                    Some(17.1),
                ),
            ],
        },
    ];
    let daily = DailyTable {
        dates,
        previous_dates,
        columns: vec![
            DailyColumn {
                metric: "revenue.total".into(),
                label: "Revenue".into(),
                unit: Unit::Npr,
                values: revenue,
                previous: revenue_prev,
            },
            DailyColumn {
                metric: "engagement.dau".into(),
                label: "Daily active users".into(),
                unit: Unit::Count,
                values: dau,
                previous: dau_prev,
            },
        ],
    };
    let pm = |key: &str, label: &str, value: f64| LabelledValue {
        key: key.into(),
        label: label.into(),
        value,
    };
    let creator = |rank: u32, id: &str, name: Option<&str>, revenue: f64| CreatorRow {
        rank,
        host_id: id.into(),
        username: name.map(str::to_owned),
        revenue_coins: revenue,
        streams: 40 - u64::from(rank),
        viewers: 12_000 / u64::from(rank),
    };
    let generated_at = Utc
        .with_ymd_and_hms(2026, 11, 1, 8, 0, 0)
        .single()
        .unwrap_or_default();
    let history_from = add_days(to, -27);
    ReportContent {
        title: "HaloBuzz monthly report".into(),
        period: "monthly".into(),
        from,
        to,
        previous_from,
        previous_to,
        as_of: day(2026, 11, 1),
        generated_at,
        generated_local: "2026-11-01 19:00 +11:00".into(),
        timezone: "Australia/Sydney".into(),
        country: "ALL".into(),
        currency: "NPR".into(),
        summary: "Revenue rose 14.2% to NPR 1,378,412.55, led by eSewa top-ups; daily active users rose \
                  4.7%. Day-7 retention fell 1.8 points. One alert is open: revenue in NP fell 22% on \
                  Oct 30, mostly from Khalti."
            .into(),
        sections,
        daily,
        payment_methods: vec![
            pm("esewa", "eSewa", 702_000.10),
            pm("khalti", "Khalti", 401_312.45),
            pm("stripe", "Stripe", 190_100.00),
            pm("paypal", "PayPal", 60_000.00),
            pm("other", "Other", 25_000.00),
        ],
        top_creators: vec![
            creator(1, "h_5f2c9a1e", Some("सुनिता_श्रेष्ठ"), 912_000.0),
            creator(2, "h_0a93b7d4", Some("rajesh.k"), 644_500.0),
            creator(3, "h_77e1c0f2", None, 301_250.0),
        ],
        cohorts: CohortGrid {
            granularity: "week".into(),
            days: vec![1, 7, 14, 30],
            rows: (0..6)
                .map(|w| CohortGridRow {
                    cohort: day(2026, 9, 7) + Duration::weeks(w),
                    size: 800 + 37 * w as u64,
                    rates: vec![
                        Some(42.0 - w as f64),
                        Some(30.0 - w as f64 * 0.8),
                        (w < 5).then_some(24.0 - w as f64 * 0.5),
                        (w < 3).then_some(17.5 - w as f64 * 0.4),
                    ],
                })
                .collect(),
        },
        alerts: vec![AlertRow {
            severity: "high".into(),
            status: "active".into(),
            title: "Revenue drop in NP".into(),
            metric: "revenue.total".into(),
            country: "NP".into(),
            current: Some(31_200.0),
            baseline: Some(40_000.0),
            deviation_pct: Some(-22.0),
            since: generated_at - Duration::hours(30),
            root_cause: Some(
                "By payment method, the change is in khalti (12400.00 → 6152.00, 71% of the change while 38% of the baseline).".into(),
            ),
        }],
        forecast: Some(ForecastBlock {
            metric: "revenue.total".into(),
            unit: Unit::Npr,
            model: "MSTL(7)".into(),
            mase: Some(0.84),
            level: 80.0,
            history: (0..28)
                .map(|i| (add_days(history_from, i), wave(i as usize + 3, 42_000.0, 6_000.0, 120.0)))
                .collect(),
            points: (0..14)
                .map(|i| {
                    let v = wave(i + 31, 41_000.0, 6_000.0, 120.0);
                    let w = 2_500.0 + 150.0 * i as f64;
                    ForecastPoint {
                        date: add_days(to, i as i64 + 1),
                        value: v,
                        lower: v - w,
                        upper: v + w,
                    }
                })
                .collect(),
            total: (0..14).map(|i| wave(i + 31, 41_000.0, 6_000.0, 120.0)).sum(),
        }),
        notes: vec![],
    }
}

/// The same period with no data at all: every value missing, every table empty, no forecast.
pub fn sample_without_data() -> ReportContent {
    let mut c = sample();
    c.summary = "No data for this period.".into();
    for s in &mut c.sections {
        for r in &mut s.rows {
            r.value = None;
            r.previous = None;
            r.change_pct = None;
        }
    }
    for col in &mut c.daily.columns {
        col.values.iter_mut().for_each(|v| *v = None);
        col.previous.iter_mut().for_each(|v| *v = None);
    }
    c.payment_methods.clear();
    c.top_creators.clear();
    c.cohorts.rows.clear();
    c.alerts.clear();
    c.forecast = None;
    c.notes = vec!["No revenue forecast: no history before the period.".into()];
    c
}
