//! Progress bars on standard error; hidden when it is not a terminal (CI logs stay clean).

use std::ops::ControlFlow;

use halobuzz_analytics::{BackfillSummary, Error, Progress};
use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `len` steps, labelled with what it counts.
pub fn bar(len: u64, what: &str, unit: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let template = format!("{what:>12} [{{bar:40}}] {{pos}}/{{len}} {unit} ({{eta}} left)");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Runs `load` (which reports bytes read so far and in all) behind a byte-progress bar.
pub fn load<T>(load: impl FnOnce(&(dyn Fn(u64, u64) + Sync)) -> T) -> T {
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template(
        "     loading [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    let out = load(&|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    });
    bar.finish_and_clear();
    out
}

/// Runs `run` (given the progress callback to pass on) behind a bar of the days it rolls up.
pub fn rolling_up<T>(run: impl FnOnce(Progress<'_>) -> Result<T, Error>) -> Result<T, Error> {
    let bar = bar(0, "rolling up", "days");
    let out = run(&mut |p| {
        bar.set_length(p.total);
        bar.set_position(p.done);
        ControlFlow::Continue(())
    });
    bar.finish_and_clear();
    out
}

/// Runs a backfill (`run`, given the progress callback to pass on) behind a bar of its days; returns
/// what was done and how long it took.
pub fn backfill(
    run: impl FnOnce(Progress<'_>) -> Result<BackfillSummary, Error>,
) -> Result<(BackfillSummary, std::time::Duration), Error> {
    let started = std::time::Instant::now();
    let summary = rolling_up(run)?;
    Ok((summary, started.elapsed()))
}
