//! Cohort views over a million users' synthetic rollups (180 days): the table of 12 weekly cohorts
//! counted 90 days on, and the 90 × 90 daily retention matrix (cohorts of 90 signup days × days 1…90),
//! with the heap each call needs at its peak (above what was in use before it).
//!
//! `cargo bench -p halobuzz-analytics --bench cohort` (`HALOBUZZ_BENCH_BIG_USERS` changes the number of
//! users, 1,000,000 by default).

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use halobuzz_analytics::calendar::{add_days, DateRange, Granularity};
use halobuzz_analytics::config::Config;
use halobuzz_analytics::generate::rollups::{synthesize_rollups, synthetic_users, RollupScale};
use halobuzz_analytics::kpi::CountryFilter;
use halobuzz_analytics::store::InMemoryStoreBuilder;
use halobuzz_analytics::Engine;
use peak_alloc::PeakAlloc;

/// The system allocator, counting the heap in use and its peak.
#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

/// The heap `f` needs at its peak above what was in use before it, in MB.
fn peak_mb<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let base = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let out = f();
    (out, HEAP.peak_usage().saturating_sub(base) as f64 / 1e6)
}

fn bench(c: &mut Criterion) {
    let users = std::env::var("HALOBUZZ_BENCH_BIG_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000u32);
    let scale = RollupScale {
        users,
        days: 180,
        end: chrono::NaiveDate::from_ymd_opt(2026, 6, 30).expect("date"),
        seed: 11,
    };
    let started = std::time::Instant::now();
    let mut builder = InMemoryStoreBuilder::new();
    synthetic_users(&scale, &mut builder).expect("users");
    let engine = Engine::new(
        Arc::new(builder.build()),
        Config::default().with_ephemeral_pseudonym_key(),
    );
    let rollups = synthesize_rollups(&scale, &engine).expect("rollups");
    let range = scale.range().expect("range");
    eprintln!(
        "synthetic dataset: {users} users, {} days, {rollups} rollups in {:.1?}; heap in use {:.0} MB",
        scale.days,
        started.elapsed(),
        HEAP.current_usage() as f64 / 1e6
    );

    // 12 weekly cohorts from the first Monday, counted up to the last day (at least 90 days after
    // the last signup day).
    let mut monday = range.from;
    while Granularity::Week.period_start(monday) != monday {
        monday = add_days(monday, 1);
    }
    let weeks = DateRange::new(monday, add_days(monday, 83)).expect("weeks");
    // 90 daily cohorts × days 1…90, counted up to the last day.
    let days90 = DateRange::new(range.from, add_days(range.from, 89)).expect("days");
    let ns: Vec<u32> = (1..=90).collect();

    let (table, table_mb) = peak_mb(|| {
        engine
            .cohort_table(weeks, range.to, Granularity::Week, CountryFilter::All)
            .expect("table")
    });
    let (matrix, matrix_mb) = peak_mb(|| {
        engine
            .retention_matrix(days90, range.to, Granularity::Day, CountryFilter::All, &ns)
            .expect("matrix")
    });
    eprintln!(
        "cohort table: {} cohorts, {} members, peak heap + {table_mb:.1} MB; \
         daily matrix: {} cohorts × {} days, {} members, peak heap + {matrix_mb:.1} MB",
        table.cohorts.len(),
        table.cohorts.iter().map(|c| c.cohort_size).sum::<u64>(),
        matrix.cohorts.len(),
        ns.len(),
        matrix.cohorts.iter().map(|c| c.cohort_size).sum::<u64>(),
    );

    let mut group = c.benchmark_group(format!("cohorts_{}k_users", users / 1000));
    group.sample_size(10);
    group.bench_function("table_12_weekly_cohorts_90_days", |b| {
        b.iter(|| {
            engine
                .cohort_table(weeks, range.to, Granularity::Week, CountryFilter::All)
                .expect("table")
        })
    });
    group.bench_function("table_12_weekly_cohorts_90_days_np", |b| {
        b.iter(|| {
            engine
                .cohort_table(
                    weeks,
                    range.to,
                    Granularity::Week,
                    CountryFilter::Code(np()),
                )
                .expect("table")
        })
    });
    group.bench_function("retention_matrix_90x90_daily", |b| {
        b.iter(|| {
            engine
                .retention_matrix(days90, range.to, Granularity::Day, CountryFilter::All, &ns)
                .expect("matrix")
        })
    });
    group.finish();
}

fn np() -> halobuzz_analytics::model::Country {
    halobuzz_analytics::model::Country::parse("NP").expect("NP")
}

criterion_group!(benches, bench);
criterion_main!(benches);
