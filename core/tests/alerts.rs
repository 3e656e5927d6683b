//! Alerts on generated data (METRICS.md "Alerts", docs/alerts.md).

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::sync::Arc;

use chrono::{DateTime, Utc};
use halobuzz_analytics::alert::{AlertStatus, Decision, Severity};
use halobuzz_analytics::calendar::{add_days, DateRange};
use halobuzz_analytics::clock::{ClockHandle, FixedClock};
use halobuzz_analytics::config::Config;
use halobuzz_analytics::generate::{generate, GeneratorConfig, RevenueDrop};
use halobuzz_analytics::kpi::CountryFilter;
use halobuzz_analytics::model::PaymentMethod;
use halobuzz_analytics::store::InMemoryStoreBuilder;
use halobuzz_analytics::Engine;

fn engine(gen: &GeneratorConfig, now: DateTime<Utc>) -> Engine {
    let mut builder = InMemoryStoreBuilder::new();
    generate(gen, &mut builder, &mut |_, _| {}).unwrap();
    let mut config = Config::default()
        .with_ephemeral_pseudonym_key()
        .with_usd_to_npr("133.5")
        .unwrap();
    config.clock = ClockHandle::new(FixedClock(now));
    Engine::new(Arc::new(builder.build()), config)
}

#[test]
fn scratch() {
    let base = GeneratorConfig {
        users: 8000,
        days: 30,
        seed: 11,
        invalid_rate: 0.0,
        duplicate_rate: 0.0,
        ..GeneratorConfig::default()
    };
    let mut day = add_days(base.end_date(), -3);
    while chrono::Datelike::weekday(&day) != chrono::Weekday::Tue {
        day = add_days(day, -1);
    }
    eprintln!("drop day {day}");
    for (pct, method) in [(35.0, None), (90.0, Some(PaymentMethod::Esewa))] {
        let gen = GeneratorConfig {
            revenue_drop: Some(RevenueDrop {
                day,
                pct,
                payment_method: method,
            }),
            ..base.clone()
        };
        let cal = halobuzz_analytics::calendar::Calendar::default();
        let at = cal.day_range(day).end + chrono::Duration::hours(2);
        let e = engine(&gen, at);
        let check = e.check_alerts(at).unwrap();
        for ev in &check.evaluations {
            eprintln!(
                "{} {} {:?} {:?} {:?} {:?}",
                ev.rule, ev.window.label, ev.decision, ev.value, ev.baseline, ev.deviation
            );
        }
        for a in &check.alerts {
            eprintln!(
                "ALERT {} {:?} {:?} {}",
                a.alert_id, a.severity, a.status, a.description
            );
        }
    }
}
