//! `hosts`: the core's `HostPerformanceRequest` (per host over a range: streams, viewers, revenue,
//! gifters, growth and ranks; docs/hosts.md).

use clap::Args;
use halobuzz_analytics::api::HostPerformanceRequest;
use halobuzz_analytics::Error;
use serde_json::json;

use super::{decode, to_json, EngineArgs, RangeArgs};
use crate::render;

/// The flags of `hosts`.
#[derive(Debug, Args)]
pub struct HostsArgs {
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    range: RangeArgs,
    /// Country of the streams (their own, else their host's): ALL (default), UNKNOWN or an ISO-3166
    /// alpha-2 code.
    #[arg(long)]
    country: Option<String>,
    /// revenue (default), viewers, engagement, streams, duration, unique-gifters, peak-viewers or growth.
    #[arg(long)]
    sort_by: Option<String>,
    /// desc (default) or asc.
    #[arg(long)]
    order: Option<String>,
    /// At most this many hosts (default 100, at most 10000).
    #[arg(long, allow_negative_numbers = true)]
    limit: Option<i64>,
    /// Only these hosts, comma-separated, by the ids reports show (pseudonyms unless --reveal-user-ids).
    #[arg(long, value_delimiter = ',')]
    hosts: Option<Vec<String>>,
    /// Also list each host's days with a stream or a gifter (JSON `days`; at most 400 days).
    #[arg(long)]
    daily: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs `hosts`.
pub fn run(args: HostsArgs) -> Result<(), Error> {
    let request: HostPerformanceRequest = decode(
        "hosts",
        json!({
            "from": args.range.from, "to": args.range.to, "country": args.country,
            "sort-by": args.sort_by, "order": args.order, "limit": args.limit, "hosts": args.hosts,
            "daily": args.daily,
        }),
    )?;
    let engine = args.engine.open()?;
    let report = request.run(&engine)?;
    if args.json {
        outln!("{}", to_json(&report)?);
    } else {
        out!("{}", render::hosts(&report));
    }
    Ok(())
}
