//! The injected revenue drop: it lowers the money payments of its day and changes nothing on the other
//! days, so an anomaly detector has one known dip to find.

use std::collections::BTreeMap;

use bson::Document;
use chrono::NaiveDate;

use super::*;

/// Counts `recharge` transactions by UTC day.
fn recharges_by_day(docs: &[(Collection, Document)]) -> BTreeMap<NaiveDate, u64> {
    let mut out = BTreeMap::new();
    for (c, d) in docs {
        if *c == Collection::Transactions && d.get_str("type").ok() == Some("recharge") {
            // Reporting days (Australia/Sydney), the days the drop is defined on.
            let at = d.get_datetime("createdAt").unwrap().to_chrono();
            *out.entry(crate::calendar::Calendar::default().day_of(at))
                .or_default() += 1;
        }
    }
    out
}

#[test]
fn revenue_drop_lowers_that_days_recharges_only() {
    let base = GeneratorConfig {
        users: 5000,
        days: 14,
        invalid_rate: 0.0,
        duplicate_rate: 0.0,
        ..GeneratorConfig::default()
    };
    let day = base.start_date() + chrono::Days::new(9);
    let dropped = GeneratorConfig {
        revenue_drop: Some(RevenueDrop {
            day,
            pct: 60.0,
            payment_method: None,
        }),
        ..base.clone()
    };
    let (_, without) = capture(&base);
    let (manifest, with) = capture(&dropped);
    assert_eq!(manifest.revenue_drop, dropped.revenue_drop);
    let (a, b) = (recharges_by_day(&without), recharges_by_day(&with));
    let (before, after) = (a[&day], b.get(&day).copied().unwrap_or(0));
    assert!(before >= 20, "too few recharges to test: {before}");
    assert!((after as f64) < before as f64 * 0.6, "{after} of {before}");
    assert!((after as f64) > before as f64 * 0.2, "{after} of {before}");
    // Nothing else changes: every other day has the same recharges.
    for (d, n) in &a {
        if *d != day {
            assert_eq!(b.get(d), Some(n), "{d}");
        }
    }
    // OG purchases are dropped too, never raised.
    let og = |docs: &[(Collection, Document)]| {
        docs.iter()
            .filter(|(c, d)| {
                *c == Collection::Transactions
                    && matches!(d.get_str("type"), Ok("og_subscription" | "subscription"))
                    && crate::calendar::Calendar::default()
                        .day_of(d.get_datetime("createdAt").unwrap().to_chrono())
                        == day
            })
            .count()
    };
    assert!(og(&with) <= og(&without));
}
