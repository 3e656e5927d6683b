//! `kpis`: the KPI report of a range of local days and a country (the core's `KpiRequest`), from daily
//! rollups (rolled up first behind a progress bar) or straight from the raw records.

use clap::Args;
use halobuzz_analytics::api::KpiRequest;
use halobuzz_analytics::Error;
use serde_json::json;

use super::{decode, leave, roll_up_for_report, to_json, EngineArgs, RangeArgs};
use crate::render;

/// The flags of `kpis`.
#[derive(Debug, Args)]
pub struct KpisArgs {
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    range: RangeArgs,
    /// Country: ALL (default), UNKNOWN or an ISO-3166 alpha-2 code.
    #[arg(long)]
    country: Option<String>,
    /// Compute straight from raw events instead of daily rollups.
    #[arg(long)]
    raw: bool,
    /// Print JSON (the `data` of the backend's `{success, data}` answer) instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs `kpis`.
pub fn run(args: KpisArgs) -> Result<(), Error> {
    let request: KpiRequest = decode(
        "kpis",
        json!({ "from": args.range.from, "to": args.range.to, "country": args.country }),
    )?;
    let engine = args.engine.open()?;
    // A report shows user ids: without a pseudonymisation key it fails, so fail before rolling up.
    engine.config().pseudonymizer()?;
    let report = if args.raw {
        request.run_from_raw(&engine)?
    } else {
        roll_up_for_report(&engine, request.range()?)?;
        request.run(&engine)?
    };
    if args.json {
        outln!("{}", to_json(&report)?);
    } else {
        out!("{}", render::report(&report));
    }
    leave(engine);
    Ok(())
}
