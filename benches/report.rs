//! Producing a monthly report over a million users' synthetic rollups: the content once (KPIs of the
//! month and the month before, daily series, cohorts, alerts, the revenue forecast), then each format
//! rendered from it, with the heap each needs at its peak.
//!
//! `cargo bench -p halobuzz-analytics --bench report` (`HALOBUZZ_BENCH_BIG_USERS` changes the number of
//! users, 1,000,000 by default).

use std::sync::Arc;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use halobuzz_analytics::clock::{ClockHandle, FixedClock};
use halobuzz_analytics::config::Config;
use halobuzz_analytics::generate::rollups::{synthesize_rollups, synthetic_users, RollupScale};
use halobuzz_analytics::kpi::CountryFilter;
use halobuzz_analytics::report::{render, ReportFormat, ReportPeriod};
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
    let mut builder = InMemoryStoreBuilder::new();
    synthetic_users(&scale, &mut builder).expect("users");
    let mut config = Config::default().with_ephemeral_pseudonym_key();
    let now = chrono::DateTime::parse_from_rfc3339("2026-07-01T12:00:00Z").expect("now");
    config.clock = ClockHandle::new(FixedClock(now.to_utc()));
    let engine = Engine::new(Arc::new(builder.build()), config);
    synthesize_rollups(&scale, &engine).expect("rollups");
    // June 2026, compared with May.
    let period = ReportPeriod::Monthly
        .resolve(chrono::NaiveDate::from_ymd_opt(2026, 7, 1).expect("date"))
        .expect("period");
    let started = Instant::now();
    let (content, content_mb) = peak_mb(|| {
        engine
            .report_content(&period, CountryFilter::All, true)
            .expect("content")
    });
    eprintln!(
        "{users} users: monthly content ({} … {}) in {:.2?}, peak heap {content_mb:.1} MB",
        content.from,
        content.to,
        started.elapsed()
    );
    let mut group = c.benchmark_group(format!("report_monthly_{}k_users", users / 1000));
    group.sample_size(20);
    for format in [
        ReportFormat::Pdf,
        ReportFormat::Xlsx,
        ReportFormat::Csv,
        ReportFormat::Json,
    ] {
        let (bytes, mb) = peak_mb(|| render(&content, format).expect("render"));
        eprintln!(
            "{}: {} bytes, peak heap {mb:.1} MB",
            format.extension(),
            bytes.len()
        );
        group.bench_function(format.extension(), |b| {
            b.iter(|| render(&content, format).expect("render"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
