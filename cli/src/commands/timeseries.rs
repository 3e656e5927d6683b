//! `timeseries`: one or more metrics of the catalog (ids or aliases such as `revenue.by_og_tier.tier1`)
//! per day, week or month of a range — one core `TimeSeriesRequest` per `--metric`.

use clap::Args;
use halobuzz_analytics::api::TimeSeriesRequest;
use halobuzz_analytics::calendar::DateRange;
use halobuzz_analytics::Error;
use serde_json::json;

use super::{decode, leave, roll_up_for_report, to_json, EngineArgs, RangeArgs};
use crate::render;

/// The flags of `timeseries`.
#[derive(Debug, Args)]
pub struct TimeseriesArgs {
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    range: RangeArgs,
    /// A metric id or alias of the catalog (see `metrics`); repeat for several metrics (JSON output is
    /// then an array of series).
    #[arg(long, required = true)]
    metric: Vec<String>,
    /// day (default), week or month.
    #[arg(long)]
    granularity: Option<String>,
    /// Country: ALL (default), UNKNOWN or an ISO-3166 alpha-2 code.
    #[arg(long)]
    country: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs `timeseries`.
pub fn run(args: TimeseriesArgs) -> Result<(), Error> {
    // Every request is checked before any data is read.
    let requests = args
        .metric
        .iter()
        .map(|metric| {
            decode::<TimeSeriesRequest>(
                "timeseries",
                json!({
                    "metric": metric,
                    "from": args.range.from,
                    "to": args.range.to,
                    "granularity": args.granularity,
                    "country": args.country,
                }),
            )
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let engine = args.engine.open()?;
    if let Some(first) = requests.first() {
        roll_up_for_report(&engine, DateRange::new(first.from.date(), first.to.date())?)?;
    }
    let series = requests
        .iter()
        .map(|r| r.run(&engine))
        .collect::<Result<Vec<_>, Error>>()?;
    match (args.json, series.as_slice()) {
        (true, [one]) => outln!("{}", to_json(one)?),
        (true, many) => outln!("{}", to_json(&many)?),
        (false, many) => many.iter().for_each(|s| out!("{}", render::series(s))),
    }
    leave(engine);
    Ok(())
}
