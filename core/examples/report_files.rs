//! Writes the sample report (`report::fixture::sample`) as XLSX, CSV and JSON into a directory, and
//! prints each file's size and render time: `cargo run --release --example report_files -- DIR`.

use std::time::Instant;

use halobuzz_analytics::report::fixture::{sample, sample_without_data};
use halobuzz_analytics::report::{render_csv, render_json, render_xlsx, ReportContent};

type Renderer = fn(&ReportContent) -> halobuzz_analytics::Result<Vec<u8>>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".to_owned());
    std::fs::create_dir_all(&dir)?;
    let renderers: [(&str, Renderer); 3] = [
        ("xlsx", render_xlsx),
        ("csv", render_csv),
        ("json", render_json),
    ];
    for (name, content) in [("sample", sample()), ("no-data", sample_without_data())] {
        for (ext, render) in renderers {
            // The first render warms up; the time is the best of ten.
            let mut bytes = render(&content)?;
            let mut best = f64::INFINITY;
            for _ in 0..10 {
                let start = Instant::now();
                bytes = render(&content)?;
                best = best.min(start.elapsed().as_secs_f64() * 1e3);
            }
            let path = format!("{dir}/{name}.{ext}");
            std::fs::write(&path, &bytes)?;
            println!("{path}: {} bytes, {best:.2} ms", bytes.len());
        }
    }
    Ok(())
}
