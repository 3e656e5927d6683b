//! `rollup`: rolls up one local day (the core's `DayRequest`) and prints a summary of its rollups —
//! sizes only, never user ids — or, with `--out`, writes the stored rollup documents as Extended JSON
//! lines for operators (mongoimport-ready; those keep raw user ids, as `analyticsdailykpis` does).

use std::path::PathBuf;

use clap::Args;
use halobuzz_analytics::api::DayRequest;
use halobuzz_analytics::Error;
use serde_json::json;

use super::{decode, write_rollups, EngineArgs};

/// The flags of `rollup`.
#[derive(Debug, Args)]
pub struct RollupArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// The local day (YYYY-MM-DD).
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: String,
    /// Write the day's stored rollup documents as Extended JSON lines (mongoimport-ready) to this file
    /// instead of a summary. For operators: the documents hold raw user ids, whatever
    /// --reveal-user-ids says.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `rollup`.
pub fn run(args: RollupArgs) -> Result<(), Error> {
    let request: DayRequest = decode("rollup", json!({ "date": args.date }))?;
    let engine = args.engine.open()?;
    let views = request.rollup(&engine)?;
    match args.out {
        Some(path) => write_rollups(&path, &engine.rollups_of_day(request.date.date())?),
        None => {
            for r in &views {
                outln!(
                    "{} {:<8} active {:>7}  streams {:>5}  messages {:>7}",
                    r.date,
                    r.country.key(),
                    r.facts.active,
                    r.facts.streams,
                    r.facts.messages_sent
                );
            }
            Ok(())
        }
    }
}
