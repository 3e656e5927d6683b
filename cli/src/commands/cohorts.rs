//! `cohorts`, `retention` and `lifecycle`: the core's `CohortTableRequest` (signup cohorts with
//! retention, revenue and engagement; `--refresh` also stores them, `--stored` reads the stored ones),
//! `RetentionMatrixRequest` (signup cohorts × day N) and `LifecycleRequest` (new, returning,
//! resurrecting and dormant users per period).

use clap::Args;
use halobuzz_analytics::api::{
    CohortTableRequest, LifecycleRequest, RetentionMatrixRequest, StoredCohortsRequest,
};
use halobuzz_analytics::Error;
use serde_json::json;

use super::{decode, to_json, EngineArgs, RangeArgs};
use crate::render;

/// The flags of `cohorts`.
#[derive(Debug, Args)]
pub struct CohortsArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// First and last signup day.
    #[command(flatten)]
    range: RangeArgs,
    /// Count activity and money up to this day (default: the last stored day, or --to if later).
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<String>,
    /// Cohort period: day, week (default) or month.
    #[arg(long)]
    granularity: Option<String>,
    /// Country of the users (users.country): ALL (default), UNKNOWN or an ISO-3166 alpha-2 code.
    #[arg(long)]
    country: Option<String>,
    /// Also write the cohorts of these periods that are not final yet to `analyticscohorts`.
    #[arg(long, conflicts_with = "stored")]
    refresh: bool,
    /// Print the stored `analyticscohorts` documents of the range instead of computing.
    #[arg(long)]
    stored: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs `cohorts`.
pub fn run_cohorts(args: CohortsArgs) -> Result<(), Error> {
    if args.stored {
        let request: StoredCohortsRequest = decode(
            "cohorts",
            json!({
                "from": args.range.from, "to": args.range.to,
                "granularity": args.granularity, "country": args.country,
            }),
        )?;
        let engine = args.engine.open()?;
        let stored = request.run(&engine)?;
        if args.json {
            outln!("{}", to_json(&stored)?);
        } else {
            let table = halobuzz_analytics::cohort::CohortTable {
                granularity: stored.granularity,
                country: request.country,
                from: request.from.0,
                to: request.to.0,
                as_of: stored
                    .cohorts
                    .iter()
                    .map(|d| d.as_of)
                    .max()
                    .unwrap_or(request.to.0),
                currency: "NPR".to_owned(),
                cohorts: stored.cohorts.into_iter().map(|d| d.row).collect(),
            };
            out!("{}", render::cohort_table(&table));
        }
        return Ok(());
    }
    let request: CohortTableRequest = decode(
        "cohorts",
        json!({
            "from": args.range.from, "to": args.range.to, "as-of": args.as_of,
            "granularity": args.granularity, "country": args.country,
        }),
    )?;
    let engine = args.engine.open()?;
    if args.refresh {
        let done = request.refresh(&engine)?;
        if !args.json {
            outln!(
                "stored {} cohorts as of {} (kept {} final ones)",
                done.written,
                done.as_of,
                done.kept
            );
        }
    }
    let table = request.run(&engine)?;
    if args.json {
        outln!("{}", to_json(&table)?);
    } else {
        out!("{}", render::cohort_table(&table));
    }
    Ok(())
}

/// The flags of `retention`.
#[derive(Debug, Args)]
pub struct RetentionArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// First and last signup day.
    #[command(flatten)]
    range: RangeArgs,
    /// Count activity up to this day (default: --to).
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<String>,
    /// Cohort period: day, week (default) or month.
    #[arg(long)]
    granularity: Option<String>,
    /// Country of the users (users.country): ALL (default), UNKNOWN or an ISO-3166 alpha-2 code.
    #[arg(long)]
    country: Option<String>,
    /// The days N, comma-separated (default 1,3,7,14,30,60,90).
    #[arg(long, value_delimiter = ',')]
    days: Option<Vec<u32>>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs `retention`.
pub fn run_retention(args: RetentionArgs) -> Result<(), Error> {
    let request: RetentionMatrixRequest = decode(
        "retention",
        json!({
            "from": args.range.from, "to": args.range.to, "as-of": args.as_of,
            "granularity": args.granularity, "country": args.country, "days": args.days,
        }),
    )?;
    let engine = args.engine.open()?;
    let matrix = request.run(&engine)?;
    if args.json {
        outln!("{}", to_json(&matrix)?);
    } else {
        out!("{}", render::retention(&matrix));
    }
    Ok(())
}

/// The flags of `lifecycle`.
#[derive(Debug, Args)]
pub struct LifecycleArgs {
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    range: RangeArgs,
    /// day (default), week or month.
    #[arg(long)]
    granularity: Option<String>,
    /// Country of the users (users.country): ALL (default), UNKNOWN or an ISO-3166 alpha-2 code.
    #[arg(long)]
    country: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs `lifecycle`.
pub fn run_lifecycle(args: LifecycleArgs) -> Result<(), Error> {
    let request: LifecycleRequest = decode(
        "lifecycle",
        json!({
            "from": args.range.from, "to": args.range.to,
            "granularity": args.granularity, "country": args.country,
        }),
    )?;
    let engine = args.engine.open()?;
    let lifecycle = request.run(&engine)?;
    if args.json {
        outln!("{}", to_json(&lifecycle)?);
    } else {
        out!("{}", render::lifecycle(&lifecycle));
    }
    Ok(())
}
