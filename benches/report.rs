//! Rendering a monthly report (the renderers' fixture, `report::fixture::sample`): the PDF, whose target
//! is under 200 ms. The first render parses the embedded fonts; criterion's warm-up absorbs it, and the
//! cold case is measured once and printed.
//!
//! `cargo bench -p halobuzz-analytics --bench report`

use criterion::{criterion_group, criterion_main, Criterion};
use halobuzz_analytics::report::{fixture, render_pdf};

fn pdf(c: &mut Criterion) {
    let content = fixture::sample();
    let start = std::time::Instant::now();
    let first = render_pdf(&content).expect("the sample renders");
    eprintln!(
        "first PDF render (fonts parsed): {:?}, {} bytes",
        start.elapsed(),
        first.len()
    );
    c.bench_function("render_pdf monthly sample", |b| {
        b.iter(|| render_pdf(std::hint::black_box(&content)).expect("renders"))
    });
}

criterion_group!(benches, pdf);
criterion_main!(benches);
