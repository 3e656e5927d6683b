//! `funnel`: the core's `FunnelRequest`: the built-in signup funnels per signup day, or a custom
//! funnel over event names (`--steps`).

use clap::Args;
use halobuzz_analytics::api::FunnelRequest;
use halobuzz_analytics::Error;
use serde_json::{json, Value};

use super::{decode, to_json, EngineArgs, RangeArgs};
use crate::render;

/// The flags of `funnel`.
#[derive(Debug, Args)]
pub struct FunnelArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// Signup days (built-in funnels) or days of the entering events (custom funnels).
    #[command(flatten)]
    range: RangeArgs,
    /// A custom funnel's event names in order, comma-separated (2 to 20); without it, the built-in
    /// signup → first stream / first gift sent / first money payment funnels.
    #[arg(long, value_delimiter = ',')]
    steps: Option<Vec<String>>,
    /// ALL (default), UNKNOWN or an ISO-3166 alpha-2 code: users by users.country (built-in),
    /// entering events by their country (custom).
    #[arg(long)]
    country: Option<String>,
    /// Conversion window in calendar days of the reporting zone (default 7; 1 to 90).
    #[arg(long, allow_negative_numbers = true)]
    window_days: Option<String>,
    /// Custom funnels: the conversion window in seconds instead (1 to 7,776,000).
    #[arg(long, allow_negative_numbers = true)]
    window_seconds: Option<String>,
    /// Custom funnels: ordered (default; other events may come between steps) or consecutive.
    #[arg(long)]
    order: Option<String>,
    /// Custom funnels: break down by country or platform.
    #[arg(long)]
    breakdown: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// A flag's text as a JSON number when it is an integer, else as the text: the core alone decides
/// which numbers it accepts, and refuses text with the flag's name (where clap would refuse `-1` for an
/// unsigned flag as a usage error without a code).
fn number(text: String) -> Value {
    text.trim()
        .parse::<i128>()
        .ok()
        .and_then(serde_json::Number::from_i128)
        .map_or(Value::String(text), Value::Number)
}

/// Runs `funnel`.
pub fn run(args: FunnelArgs) -> Result<(), Error> {
    let request: FunnelRequest = decode(
        "funnel",
        json!({
            "from": args.range.from, "to": args.range.to, "steps": args.steps,
            "country": args.country, "window-days": args.window_days.map(number),
            "window-seconds": args.window_seconds.map(number), "order": args.order,
            "breakdown": args.breakdown,
        }),
    )?;
    let engine = args.engine.open()?;
    let result = request.run(&engine)?;
    if args.json {
        outln!("{}", to_json(&result)?);
    } else {
        out!("{}", render::funnel(&result));
    }
    Ok(())
}
