//! `generate`: writes a seeded synthetic HaloBuzz dataset as a mongoexport directory. The options are
//! the core's `GenerateRequest` (its defaults and bounds); only the file format flags and `--force`
//! are the command line's own. The writer touches only the dataset's own files (8 collection files
//! and `manifest.json`), refuses a folder holding anything else unless `--force`, and never writes
//! through a symbolic link.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use halobuzz_analytics::api::{Day, GenerateRequest, RevenueDropRequest};
use halobuzz_analytics::generate::{write_directory_with, DirectoryOptions, ExtJsonMode};
use halobuzz_analytics::Error;

use crate::progress;

/// The flags of `generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Output directory (created if missing): new, empty, or holding only an earlier dataset of the
    /// same format, which is replaced.
    #[arg(long)]
    out: PathBuf,
    /// Write into a folder that also holds other files or directories; they are left as they are
    /// (only the dataset's own files are written).
    #[arg(long)]
    force: bool,
    /// Number of users (default 2000).
    #[arg(long)]
    users: Option<u32>,
    /// Number of days of activity (default 60).
    #[arg(long)]
    days: Option<u32>,
    /// Random seed: the same seed writes the same bytes (default 42).
    #[arg(long)]
    seed: Option<u64>,
    /// First day (YYYY-MM-DD); by default the window is centred on the Sydney DST change of 2026-04-05.
    #[arg(long, value_name = "YYYY-MM-DD")]
    start: Option<String>,
    /// Inject a revenue drop on this day (YYYY-MM-DD).
    #[arg(long, value_name = "YYYY-MM-DD")]
    drop_day: Option<String>,
    /// Share of money payments removed on the drop day, in % (with --drop-day).
    #[arg(long, default_value_t = 40.0)]
    drop_pct: f64,
    /// Share of extra invalid documents per collection, 0–0.5 (default 0.002).
    #[arg(long)]
    invalid_rate: Option<f64>,
    /// Share of extra duplicate documents per collection, 0–0.5 (default 0.0005).
    #[arg(long)]
    duplicate_rate: Option<f64>,
    /// Extended JSON mode of the files.
    #[arg(long, value_enum, default_value_t = Mode::Relaxed)]
    mode: Mode,
    /// Gzip the files (`<collection>.json.gz`).
    #[arg(long)]
    gzip: bool,
}

/// The Extended JSON flavours `mongoexport` writes.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Mode {
    Relaxed,
    Canonical,
}

/// Runs `generate`.
pub fn run(args: GenerateArgs) -> Result<(), Error> {
    let day = |name: &'static str, text: Option<String>| {
        text.map(|t| Day::parse_named(name, &t).map(Day::date))
            .transpose()
    };
    let revenue_drop = day("drop-day", args.drop_day)?.map(|day| RevenueDropRequest {
        day,
        pct: args.drop_pct,
    });
    let config = GenerateRequest {
        users: args.users,
        days: args.days,
        seed: args.seed,
        start: day("start", args.start)?,
        revenue_drop,
        invalid_rate: args.invalid_rate,
        duplicate_rate: args.duplicate_rate,
    }
    .into_config()?;
    let mode = match args.mode {
        Mode::Relaxed => ExtJsonMode::Relaxed,
        Mode::Canonical => ExtJsonMode::Canonical,
    };
    let bar = progress::bar(u64::from(config.days), "generating", "days");
    let options = DirectoryOptions {
        mode,
        gzip: args.gzip,
        force: args.force,
    };
    let manifest = write_directory_with(&config, &args.out, options, &mut |done, _| {
        bar.set_position(u64::from(done))
    })?;
    bar.finish_and_clear();
    let docs: u64 = manifest.collections.iter().map(|c| c.documents).sum();
    outln!(
        "wrote {docs} documents for {} users over {} days ({} … {}) to {}",
        config.users,
        config.days,
        manifest.start,
        manifest.end,
        args.out.display()
    );
    for c in &manifest.collections {
        let invalid: u64 = c.invalid.iter().map(|i| i.count).sum();
        outln!(
            "  {:<16} {:>9} documents  ({} invalid, {} duplicates injected)",
            c.collection.name(),
            c.documents,
            invalid,
            c.duplicates
        );
    }
    Ok(())
}
