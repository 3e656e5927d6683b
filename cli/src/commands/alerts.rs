//! `alerts`: the core's alert requests (docs/alerts.md). `check` evaluates every rule at an instant
//! and raises, updates or resolves alerts (with `--channels`, it prints the notification payloads of
//! what changed); `explain` is the same evaluation without storing anything; `list`, `ack` and
//! `resolve` work on the stored alerts (a MongoDB store keeps them between runs; a directory's
//! in-memory store only for the run).

use clap::{Args, Subcommand};
use halobuzz_analytics::api::{
    AlertAction, AlertActionRequest, CheckAlertsRequest, EvaluateAlertsRequest, ListAlertsRequest,
};
use halobuzz_analytics::Error;
use serde_json::json;

use super::{decode, to_json, EngineArgs};
use crate::render;

/// The flags of `alerts`.
#[derive(Debug, Args)]
pub struct AlertsArgs {
    #[command(subcommand)]
    command: AlertsCommand,
}

#[derive(Debug, Subcommand)]
enum AlertsCommand {
    /// Evaluate every rule at an instant and raise, update or resolve alerts.
    Check(CheckArgs),
    /// Explain every rule's value, baseline and decision at an instant, storing nothing.
    Explain(ExplainArgs),
    /// List stored alerts, most recently updated first.
    List(ListArgs),
    /// Acknowledge a firing alert.
    Ack(ActionArgs),
    /// Resolve an alert by hand.
    Resolve(ActionArgs),
}

#[derive(Debug, Args)]
struct CheckArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// The instant to evaluate, RFC 3339 (default: now, or --now).
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// Build notification payloads for these channels (comma-separated: slack, telegram, webhook,
    /// email) and print them with --json.
    #[arg(long, value_delimiter = ',')]
    channels: Option<Vec<String>>,
    /// The Telegram chat id of the `telegram` channel.
    #[arg(long)]
    telegram_chat_id: Option<String>,
    /// A link to the alert in a dashboard (`{alertId}` is replaced).
    #[arg(long)]
    dashboard_url: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ExplainArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// The instant to evaluate, RFC 3339 (default: now, or --now).
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ListArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// Only these statuses (comma-separated: pending, active, acknowledged, resolved, no_data, error).
    #[arg(long, value_delimiter = ',')]
    status: Option<Vec<String>>,
    /// Only this rule.
    #[arg(long)]
    rule: Option<String>,
    /// Only this country selection.
    #[arg(long)]
    country: Option<String>,
    /// At least this severity (low, medium, high, critical).
    #[arg(long)]
    min_severity: Option<String>,
    /// At most this many (default 100).
    #[arg(long, allow_negative_numbers = true)]
    limit: Option<i64>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ActionArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// The alert id.
    alert_id: String,
    /// Who acts (default: the user of the shell, from $USER).
    #[arg(long)]
    by: Option<String>,
    /// Print JSON instead of a line.
    #[arg(long)]
    json: bool,
}

/// Runs `alerts`.
pub fn run(args: AlertsArgs) -> Result<(), Error> {
    match args.command {
        AlertsCommand::Check(a) => {
            let channels = a.channels.map(|c| {
                json!({
                    "channels": c,
                    "telegram": a.telegram_chat_id.as_ref().map(|id| json!({ "chatId": id })),
                    "dashboardUrl": a.dashboard_url,
                })
            });
            let request: CheckAlertsRequest =
                decode("alerts check", json!({ "at": a.at, "channels": channels }))?;
            let engine = a.engine.open()?;
            let done = request.run(&engine)?;
            if a.json {
                outln!("{}", to_json(&done)?);
            } else {
                out!("{}", render::alert_check(&done));
            }
        }
        AlertsCommand::Explain(a) => {
            let request: EvaluateAlertsRequest = decode("alerts explain", json!({ "at": a.at }))?;
            let engine = a.engine.open()?;
            let evaluations = request.run(&engine)?;
            if a.json {
                outln!("{}", to_json(&evaluations)?);
            } else {
                out!("{}", render::evaluations(&evaluations));
            }
        }
        AlertsCommand::List(a) => {
            let request: ListAlertsRequest = decode(
                "alerts list",
                json!({
                    "status": a.status, "rule": a.rule, "country": a.country,
                    "min-severity": a.min_severity, "limit": a.limit,
                }),
            )?;
            let engine = a.engine.open()?;
            let alerts = request.run(&engine)?;
            if a.json {
                outln!("{}", to_json(&alerts)?);
            } else {
                out!("{}", render::alerts(&alerts));
            }
        }
        AlertsCommand::Ack(a) => action(a, AlertAction::Acknowledge)?,
        AlertsCommand::Resolve(a) => action(a, AlertAction::Resolve)?,
    }
    Ok(())
}

fn action(a: ActionArgs, what: AlertAction) -> Result<(), Error> {
    let by =
        a.by.or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "cli".to_owned());
    let request: AlertActionRequest =
        decode("alerts", json!({ "alert-id": a.alert_id, "by": by }))?;
    let engine = a.engine.open()?;
    let alert = request.run(&engine, what)?;
    if a.json {
        outln!("{}", to_json(&alert)?);
    } else {
        outln!(
            "{} is {}",
            render::cell(&alert.alert_id),
            alert.status.as_str()
        );
    }
    Ok(())
}
