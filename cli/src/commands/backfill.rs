//! `backfill`: rolls up every day of a range (the core's `BackfillRequest`) behind a progress bar and,
//! with `--out`, writes the range's stored rollup documents as Extended JSON lines for operators.

use std::path::PathBuf;

use clap::Args;
use halobuzz_analytics::api::BackfillRequest;
use halobuzz_analytics::calendar::DateRange;
use halobuzz_analytics::Error;
use serde_json::json;

use super::{decode, write_rollups, EngineArgs, RangeArgs};
use crate::progress;

/// The flags of `backfill`.
#[derive(Debug, Args)]
pub struct BackfillArgs {
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    range: RangeArgs,
    /// Recompute days that already have a rollup.
    #[arg(long)]
    force: bool,
    /// Write all stored rollup documents of the range as Extended JSON lines (mongoimport-ready) to
    /// this file. For operators: the documents hold raw user ids, whatever --reveal-user-ids says.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `backfill`.
pub fn run(args: BackfillArgs) -> Result<(), Error> {
    let request: BackfillRequest = decode(
        "backfill",
        json!({ "from": args.range.from, "to": args.range.to, "force": args.force }),
    )?;
    let engine = args.engine.open()?;
    let (summary, took) = progress::backfill(&engine, &request)?;
    outln!(
        "{} days: {} rolled up ({} documents), {} skipped, in {:.2?}{}",
        summary.days,
        summary.computed,
        summary.rollups_written,
        summary.skipped,
        took,
        if summary.cancelled {
            " (cancelled)"
        } else {
            ""
        }
    );
    if let Some(path) = args.out {
        let mut all = Vec::new();
        for date in DateRange::new(request.from.date(), request.to.date())?.iter() {
            all.extend(engine.rollups_of_day(date)?);
        }
        write_rollups(&path, &all)?;
    }
    Ok(())
}
