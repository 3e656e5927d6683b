//! Generated data through the whole pipeline: the loader's quality report must count exactly what the
//! generator says it injected, the in-memory path must equal the file path, and KPIs from rollups must
//! equal KPIs from raw events over 30 days.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::ops::ControlFlow;
use std::sync::Arc;

use halobuzz_analytics::calendar::{add_days, DateRange};
use halobuzz_analytics::config::Config;
use halobuzz_analytics::generate::{
    generate, write_directory, ExtJsonMode, GeneratorConfig, RevenueDrop,
};
use halobuzz_analytics::kpi::CountryFilter;
use halobuzz_analytics::load::{load_directory, LoadOptions};
use halobuzz_analytics::store::InMemoryStoreBuilder;
use halobuzz_analytics::{Collection, Engine};

fn config() -> GeneratorConfig {
    GeneratorConfig {
        users: 600,
        days: 40,
        seed: 11,
        invalid_rate: 0.01,
        duplicate_rate: 0.005,
        ..GeneratorConfig::default()
    }
}

#[test]
fn quality_report_counts_what_the_generator_injected() {
    for (mode, gzip) in [
        (ExtJsonMode::Relaxed, false),
        (ExtJsonMode::Canonical, true),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let manifest = write_directory(&config(), dir.path(), mode, gzip, &mut |_, _| {}).unwrap();
        let store = load_directory(dir.path(), &LoadOptions::default(), &|_, _| {}).unwrap();
        let report = store.quality();
        for c in Collection::ALL {
            let m = manifest.collection(c).unwrap();
            let q = report.collection(c).unwrap();
            assert_eq!(q.read, m.documents, "{c} read");
            assert_eq!(q.valid, m.valid, "{c} valid");
            assert_eq!(q.duplicates, m.duplicates, "{c} duplicates");
            let mut expected = m.invalid.clone();
            let mut got = q.invalid_by_field.clone();
            expected.sort();
            got.sort();
            assert_eq!(got, expected, "{c} invalid by field and reason");
            assert!(m.documents > 0, "{c} is empty");
        }
        assert!(
            report.collections.iter().map(|c| c.invalid).sum::<u64>() > 0,
            "the generator injected nothing invalid"
        );
        assert!(
            report.collections.iter().map(|c| c.duplicates).sum::<u64>() > 0,
            "the generator injected no duplicates"
        );
    }
}

#[test]
fn filling_a_store_directly_equals_loading_the_files() {
    let dir = tempfile::tempdir().unwrap();
    write_directory(
        &config(),
        dir.path(),
        ExtJsonMode::Relaxed,
        false,
        &mut |_, _| {},
    )
    .unwrap();
    let from_files = load_directory(dir.path(), &LoadOptions::default(), &|_, _| {}).unwrap();
    let mut builder = InMemoryStoreBuilder::new();
    generate(&config(), &mut builder, &mut |_, _| {}).unwrap();
    let direct = builder.build();
    let strip = |r: &halobuzz_analytics::QualityReport| {
        let mut r = r.clone();
        for c in &mut r.collections {
            c.issues.clear(); // line numbers exist only for files
        }
        r
    };
    assert_eq!(strip(direct.quality()), strip(from_files.quality()));
    assert_eq!(direct.transactions(), from_files.transactions());
    assert_eq!(direct.analytics_events(), from_files.analytics_events());
}

#[test]
fn kpis_from_rollups_equal_kpis_from_raw_events_over_30_days() {
    let gen = GeneratorConfig {
        revenue_drop: Some(RevenueDrop {
            day: add_days(config().end_date(), -5),
            pct: 50.0,
            payment_method: None,
        }),
        ..config()
    };
    let mut builder = InMemoryStoreBuilder::new();
    generate(&gen, &mut builder, &mut |_, _| {}).unwrap();
    let engine = Engine::new(
        Arc::new(builder.build()),
        Config::default()
            .with_ephemeral_pseudonym_key()
            .with_usd_to_npr("133.5")
            .unwrap(),
    );
    let range = DateRange::new(add_days(gen.end_date(), -29), gen.end_date()).unwrap();
    let all = DateRange::new(gen.start_date(), gen.end_date()).unwrap();
    let summary = engine
        .backfill(all, false, &mut |_| ControlFlow::Continue(()))
        .unwrap();
    assert_eq!(summary.computed, all.days() as u64);
    for c in ["ALL", "NP", "IN", "UNKNOWN"] {
        let country: CountryFilter = c.parse().unwrap();
        let from_rollups = engine.kpis(range, country).unwrap();
        let from_raw = engine.kpis_from_raw(range, country).unwrap();
        assert_eq!(from_rollups, from_raw, "{c}");
    }
    let report = engine.kpis(range, CountryFilter::All).unwrap();
    // The generated platform is alive in every section.
    assert!(report.revenue.total > 0.0 && report.revenue.gift_revenue > 0.0);
    assert!(report.engagement.dau > 0.0 && report.engagement.messages_sent > 0);
    assert!(report.monetization.paying_users > 0);
    assert!(report.retention.d1_retention.is_some());
    assert!(report.creators.active_hosts > 0 && !report.creators.top_creators.is_empty());
    assert!(report.safety.flagged_content > 0);
    assert!(report.gaming.games_played > 0 && report.gaming.avg_game_duration.is_some());
    // The injected drop shows in the daily series.
    let series = engine
        .time_series(
            halobuzz_analytics::kpi::Metric::parse("revenue.coinTopups").unwrap(),
            range,
            halobuzz_analytics::calendar::Granularity::Day,
            CountryFilter::All,
        )
        .unwrap();
    assert_eq!(series.points.len(), 30);
}
