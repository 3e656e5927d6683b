//! `retention` and `lifecycle`: the core's `RetentionMatrixRequest` (signup cohorts × day N) and
//! `LifecycleRequest` (new, returning, resurrecting and dormant users per period).

use clap::Args;
use halobuzz_analytics::api::{LifecycleRequest, RetentionMatrixRequest};
use halobuzz_analytics::Error;
use serde_json::json;

use super::{decode, to_json, EngineArgs, RangeArgs};
use crate::render;

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
