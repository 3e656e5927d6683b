//! `metrics`: lists the metric catalog (`api::metrics()`): every metric's id, unit, kind and
//! description as a table, or the whole listing (with sections and accepted aliases) as JSON.

use clap::Args;
use halobuzz_analytics::api;
use halobuzz_analytics::Error;

use super::to_json;

/// The flags of `metrics`.
#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// Print JSON (each metric's id, section, unit, kind, description and aliases) instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs `metrics`.
pub fn run(args: MetricsArgs) -> Result<(), Error> {
    let metrics = api::metrics();
    if args.json {
        outln!("{}", to_json(&metrics)?);
        return Ok(());
    }
    let rows: Vec<[String; 4]> = metrics
        .iter()
        .map(|m| {
            [
                m.id.clone(),
                name(&m.unit),
                name(&m.kind),
                m.description.clone(),
            ]
        })
        .collect();
    let header = ["metric", "unit", "kind", "description"].map(str::to_owned);
    let width = |i: usize| {
        std::iter::once(&header)
            .chain(&rows)
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0), width(1), width(2));
    let rule = [
        "-".repeat(w0),
        "-".repeat(w1),
        "-".repeat(w2),
        "-".repeat(11),
    ];
    for [id, unit, kind, description] in std::iter::once(&header)
        .chain(std::iter::once(&rule))
        .chain(&rows)
    {
        outln!("{id:<w0$}  {unit:<w1$}  {kind:<w2$}  {description}");
    }
    Ok(())
}

/// The JSON name of a unit or kind (`npr`, `distinctCount`).
fn name(value: &impl serde::Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => format!("{other:?}"),
    }
}
