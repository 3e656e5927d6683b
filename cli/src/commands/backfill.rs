//! `backfill`: rolls up every day of a range (the core's `BackfillRequest`), or re-rolls the last `N`
//! settled days for documents that arrived late (`--recent N`, the core's `RecentBackfillRequest`),
//! behind a progress bar and, with `--out`, writes the days' stored rollup documents as Extended JSON
//! lines for operators.

use std::path::PathBuf;

use clap::Args;
use halobuzz_analytics::api::{BackfillRequest, RecentBackfillRequest};
use halobuzz_analytics::calendar::DateRange;
use halobuzz_analytics::Error;
use serde_json::json;

use super::{decode, write_rollups, EngineArgs};
use crate::progress;

/// The flags of `backfill`.
#[derive(Debug, Args)]
pub struct BackfillArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// First local day (YYYY-MM-DD).
    #[arg(
        long,
        value_name = "YYYY-MM-DD",
        required_unless_present = "recent",
        requires = "to"
    )]
    from: Option<String>,
    /// Last local day, inclusive (YYYY-MM-DD).
    #[arg(
        long,
        value_name = "YYYY-MM-DD",
        required_unless_present = "recent",
        requires = "from"
    )]
    to: Option<String>,
    /// Instead of a range: re-roll the last N settled days (always recomputed), for documents that
    /// arrived late.
    #[arg(long, value_name = "N", conflicts_with_all = ["from", "to", "force"])]
    recent: Option<u32>,
    /// Recompute days that already have a rollup.
    #[arg(long)]
    force: bool,
    /// Write all stored rollup documents of the days as Extended JSON lines (mongoimport-ready) to
    /// this file. For operators: the documents hold raw user ids, whatever --reveal-user-ids says.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `backfill`.
pub fn run(args: BackfillArgs) -> Result<(), Error> {
    let range = match args.recent {
        Some(_) => None,
        None => Some(decode::<BackfillRequest>(
            "backfill",
            json!({ "from": args.from, "to": args.to, "force": args.force }),
        )?),
    };
    let engine = args.engine.open()?;
    // The days the backfill went through, for --out.
    let mut days = Vec::new();
    let (summary, took) = progress::backfill(|bar| {
        let mut each = |p: halobuzz_analytics::BackfillProgress| {
            days.push(p.date);
            bar(p)
        };
        match (&range, args.recent) {
            (Some(request), _) => request.run(&engine, &mut each),
            (None, days) => RecentBackfillRequest {
                days: days.unwrap_or_default(),
            }
            .run(&engine, &mut each),
        }
    })?;
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
        let days = match &range {
            Some(r) => DateRange::new(r.from.date(), r.to.date())?.iter().collect(),
            None => days,
        };
        let mut all = Vec::new();
        for date in days {
            all.extend(engine.rollups_of_day(date)?);
        }
        write_rollups(&path, &all)?;
    }
    Ok(())
}
