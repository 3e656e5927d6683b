//! Seasonal-hybrid ESD and the robust z-score rule on a series shaped like Twitter's reference series:
//! 14,398 minutely points with a daily cycle (period 1440), `maxAnoms = 0.02`, both directions.
//!
//! `cargo bench -p halobuzz-analytics --bench anomaly`

use criterion::{criterion_group, criterion_main, Criterion};
use halobuzz_analytics::anomaly::{
    robust_zscore, seasonal_hybrid_esd, Direction, MadOptions, ShesdOptions,
};

/// A daily cycle with a slow trend, deterministic noise and a few spikes and dips.
fn series() -> Vec<f64> {
    (0..14_398_usize)
        .map(|i| {
            let phase = (i % 1440) as f64 / 1440.0 * std::f64::consts::TAU;
            let noise = ((i * 7919) % 1009) as f64 / 100.0 - 5.0;
            let spike = match i % 997 {
                0 => 80.0,
                500 => -60.0,
                _ => 0.0,
            };
            150.0 + 0.001 * i as f64 + 60.0 * phase.sin() + noise + spike
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let values = series();
    let opts = ShesdOptions {
        max_anoms: 0.02,
        direction: Direction::Both,
        ..ShesdOptions::new(1440)
    };
    let found = seasonal_hybrid_esd(&values, &opts).expect("valid options");
    eprintln!(
        "S-H-ESD: {} anomalies in {} points",
        found.len(),
        values.len()
    );
    c.bench_function("shesd_14398_minutely_both", |b| {
        b.iter(|| seasonal_hybrid_esd(std::hint::black_box(&values), &opts))
    });
    let mad = MadOptions {
        window: 1440,
        direction: Direction::Both,
        ..MadOptions::default()
    };
    c.bench_function("robust_zscore_14398_window_1440", |b| {
        b.iter(|| robust_zscore(std::hint::black_box(&values), &mad))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
