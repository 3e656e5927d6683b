//! Loader throughput (documents/s): a generated mongoexport directory read, validated and stored by
//! `load::load_directory` (every core), plain relaxed, plain canonical and gzipped, and the same lines
//! judged one by one on one thread through `InMemoryStoreBuilder::accept_json_line`.
//!
//! `cargo bench -p halobuzz-analytics --bench load` (set `HALOBUZZ_BENCH_USERS` / `HALOBUZZ_BENCH_DAYS`
//! to change the generated dataset: 4,000 users over 30 days by default, about 100,000 documents).
//! `benches/compare/compare.py` times the same loader against DuckDB on a million documents.

use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use halobuzz_analytics::generate::{write_directory, ExtJsonMode, GeneratorConfig};
use halobuzz_analytics::load::{data_files, load_directory, LoadOptions};
use halobuzz_analytics::model::DecodeContext;
use halobuzz_analytics::store::InMemoryStoreBuilder;

fn env(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Every line of every collection file of `dir` (plain files only).
fn lines(dir: &Path) -> Vec<(halobuzz_analytics::Collection, String)> {
    let mut out = Vec::new();
    for file in data_files(dir).expect("data files") {
        let text = std::fs::read_to_string(&file.path).expect("read");
        out.extend(text.lines().map(|l| (file.collection, l.to_owned())));
    }
    out
}

fn bench(c: &mut Criterion) {
    let gen = GeneratorConfig {
        users: env("HALOBUZZ_BENCH_USERS", 4_000),
        days: env("HALOBUZZ_BENCH_DAYS", 30),
        seed: 7,
        ..GeneratorConfig::default()
    };
    let root = tempfile::tempdir().expect("tempdir");
    let datasets = [
        ("relaxed", ExtJsonMode::Relaxed, false),
        ("canonical", ExtJsonMode::Canonical, false),
        ("gzip", ExtJsonMode::Relaxed, true),
    ];
    let mut documents = 0;
    for (name, mode, gzip) in datasets {
        let manifest = write_directory(&gen, &root.path().join(name), mode, gzip, &mut |_, _| {})
            .expect("generate");
        documents = manifest.total_documents();
    }
    // Dates are judged against the end of the generated window, as a loader run that day would.
    let options = LoadOptions {
        context: DecodeContext {
            now: "2026-11-24T00:00:00Z".parse().expect("now"),
        },
        ..LoadOptions::default()
    };
    eprintln!(
        "dataset: {} users, {} days, {documents} documents per directory",
        gen.users, gen.days
    );

    let mut group = c.benchmark_group("load");
    group.throughput(Throughput::Elements(documents));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    for (name, _, _) in datasets {
        let dir = root.path().join(name);
        // The store is dropped outside the timing: freeing it is not loading it.
        group.bench_function(format!("directory_{name}"), |b| {
            b.iter_with_large_drop(|| {
                let store = load_directory(&dir, &options, &|_, _| {}).expect("load");
                assert_eq!(store.quality().total_read(), documents);
                store
            })
        });
    }
    let relaxed = lines(&root.path().join("relaxed"));
    group.bench_function("lines_one_thread", |b| {
        b.iter_with_large_drop(|| {
            let mut builder = InMemoryStoreBuilder::with_context(options.context);
            for (i, (collection, line)) in relaxed.iter().enumerate() {
                builder.accept_json_line(*collection, line, i as u64 + 1);
            }
            builder.build()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
