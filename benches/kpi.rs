//! Rollup throughput (raw events/s) and 90-day range-query latency on generated data of at least 5M events
//! (64,000 users), and the same range query over a million users' synthetic rollups.
//!
//! `cargo bench -p halobuzz-analytics --bench kpi` (set `HALOBUZZ_BENCH_USERS` / `HALOBUZZ_BENCH_DAYS` to
//! change the generated dataset, about 5.4M documents over 120 days by default, and
//! `HALOBUZZ_BENCH_BIG_USERS` the synthetic one, 1,000,000 users over 180 days; 0 skips it).

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use halobuzz_analytics::calendar::{add_days, DateRange};
use halobuzz_analytics::config::Config;
use halobuzz_analytics::generate::rollups::{synthesize_rollups, synthetic_users, RollupScale};
use halobuzz_analytics::generate::{generate, GeneratorConfig};
use halobuzz_analytics::kpi::CountryFilter;
use halobuzz_analytics::store::InMemoryStoreBuilder;
use halobuzz_analytics::Engine;

fn env(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn bench(c: &mut Criterion) {
    if env("HALOBUZZ_BENCH_USERS", 1) == 0 {
        return big(c);
    }
    let gen = GeneratorConfig {
        users: env("HALOBUZZ_BENCH_USERS", 64_000),
        days: env("HALOBUZZ_BENCH_DAYS", 120),
        seed: 7,
        ..GeneratorConfig::default()
    };
    let started = std::time::Instant::now();
    let mut builder = InMemoryStoreBuilder::new();
    generate(&gen, &mut builder, &mut |_, _| {}).expect("generate");
    let store = builder.build();
    let events = store.quality().total_valid();
    eprintln!(
        "dataset: {} users, {} days, {events} valid documents (generated and loaded in {:.1?})",
        gen.users,
        gen.days,
        started.elapsed()
    );
    let engine = Engine::new(
        Arc::new(store),
        Config::default()
            .with_ephemeral_pseudonym_key()
            .with_usd_to_npr("133.5")
            .expect("rate"),
    );
    let all = DateRange::new(gen.start_date(), gen.end_date()).expect("range");
    engine.refresh().expect("directory");

    let mut group = c.benchmark_group("rollup");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(40));
    group.throughput(Throughput::Elements(events));
    group.bench_function("backfill_all_days_forced", |b| {
        b.iter(|| {
            engine
                .backfill(all, true, &mut |_| ControlFlow::Continue(()))
                .expect("backfill")
        })
    });
    group.finish();

    let last90 = DateRange::new(add_days(all.to, -89), all.to).expect("range");
    engine
        .backfill(all, false, &mut |_| ControlFlow::Continue(()))
        .expect("backfill");
    range_queries(c, "range_query", &engine, last90);

    big(c);
}

/// The 90-day report over synthetic rollups of a million users (180 days: the range and its previous
/// period), published straight into the store.
fn big(c: &mut Criterion) {
    let users = env("HALOBUZZ_BENCH_BIG_USERS", 1_000_000);
    if users == 0 {
        return;
    }
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
    let last90 = DateRange::new(add_days(range.to, -89), range.to).expect("range");
    let report = engine.kpis(last90, CountryFilter::All).expect("kpis");
    // What a report's memory is bounded by: the bitmaps of the days it reads.
    let bitmap_bytes: usize = range
        .iter()
        .flat_map(|d| engine.rollups_of_day(d).expect("rollups"))
        .map(|r| {
            let f = &r.facts;
            [
                &f.active,
                &f.payers,
                &f.og_buyers,
                &f.players,
                &f.signups,
                &f.new_hosts,
            ]
            .iter()
            .map(|b| b.serialized_size())
            .sum::<usize>()
                + f.hosts.set().serialized_size()
                + f.rounds.set().serialized_size()
        })
        .sum();
    eprintln!(
        "synthetic dataset: {users} users, {} days, {rollups} rollups in {:.1?}; 90 days: {} active, DAU {:.0}; \
         bitmaps of all {} days and countries: {:.1} MB",
        scale.days,
        started.elapsed(),
        report.engagement.active_users,
        report.engagement.dau,
        scale.days,
        bitmap_bytes as f64 / 1e6
    );
    let name = format!("range_query_{}k_users", users / 1000);
    range_queries(c, &name, &engine, last90);
}

/// The 90-day report of `range`, for `ALL` and for Nepal, from ready rollups.
fn range_queries(c: &mut Criterion, name: &str, engine: &Engine, range: DateRange) {
    let mut group = c.benchmark_group(name);
    group.sample_size(20);
    for (id, country) in [("kpis_90_days_all", "ALL"), ("kpis_90_days_np", "NP")] {
        let country: CountryFilter = country.parse().expect("country");
        group.bench_function(id, |b| {
            b.iter(|| engine.kpis(range, country).expect("kpis"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
