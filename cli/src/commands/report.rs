//! `report`: a period's report as PDF, XLSX, CSV or JSON (`ReportRequest`), written to `--out` and,
//! with `--store`, to the reports directory with its `analyticsreports` record; `--list` lists the
//! stored reports and `--fetch ID` writes a stored report's file again. Every flag is handed to the
//! core as given: the period, days and format are checked, and defaulted, there.

use std::path::{Path, PathBuf};

use clap::Args;
use halobuzz_analytics::api::{ReportInfo, ReportRequest, ReportsRequest};
use halobuzz_analytics::report::{ReportFormat, ReportRecord};
use halobuzz_analytics::{Engine, Error};
use serde_json::json;

use super::{decode, leave, to_json, EngineArgs};
use crate::progress;

/// The flags of `report`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("mode").required(true).args(["period", "list", "fetch"]))]
pub struct ReportArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// daily (the last complete day), weekly (the last complete Monday–Sunday week), monthly (the
    /// last complete month) or custom (--from … --to).
    #[arg(long)]
    period: Option<String>,
    /// First day of a custom period (YYYY-MM-DD).
    #[arg(long, value_name = "YYYY-MM-DD", requires = "period")]
    from: Option<String>,
    /// Last day of a custom period, inclusive (YYYY-MM-DD).
    #[arg(long, value_name = "YYYY-MM-DD", requires = "period")]
    to: Option<String>,
    /// Resolve the period as of this local day instead of today (YYYY-MM-DD).
    #[arg(long, value_name = "YYYY-MM-DD", requires = "period")]
    at: Option<String>,
    /// pdf (default), xlsx, csv or json.
    #[arg(long)]
    format: Option<String>,
    /// Country: ALL (default), UNKNOWN or an ISO-3166 alpha-2 code.
    #[arg(long, requires = "period")]
    country: Option<String>,
    /// Where to write the file (a directory: the report's own file name in it).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also store it in the reports directory (--reports-dir or REPORTS_STORAGE_DIR) with its
    /// analyticsreports record.
    #[arg(long, requires = "period")]
    store: bool,
    /// Leave the revenue forecast out (it reads up to 26 weeks of history).
    #[arg(long, requires = "period")]
    no_forecast: bool,
    /// List the stored reports (newest first; --format, --from and --to filter).
    #[arg(long)]
    list: bool,
    /// Write the stored report with this id to --out (its checksum is verified).
    #[arg(long, value_name = "ID", requires = "out")]
    fetch: Option<String>,
    /// Print the record (or the list) as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `report`.
pub fn run(args: ReportArgs) -> Result<(), Error> {
    if args.list {
        return list(&args);
    }
    if let Some(id) = &args.fetch {
        return fetch(&args, id);
    }
    let request: ReportRequest = decode(
        "report",
        json!({
            "period": args.period, "from": args.from, "to": args.to, "at": args.at,
            "format": args.format, "country": args.country, "store": args.store,
            "forecast": args.no_forecast.then_some(false),
        }),
    )?;
    if args.out.is_none() && !request.store {
        return Err(Error::invalid_argument(
            "out",
            "is required (or --store, to write it to the reports directory)",
        ));
    }
    let engine = args.engine.open()?;
    let result = generate(&engine, &request, args.out.as_deref(), args.json);
    leave(engine);
    result
}

/// Produces the report of `request` and writes it to `out` (a file, or a directory for the report's
/// own file name); returns where it went.
pub fn generate(
    engine: &Engine,
    request: &ReportRequest,
    out: Option<&Path>,
    json: bool,
) -> Result<(), Error> {
    // Every day the report reads is rolled up first, behind a bar of those days.
    let report = progress::rolling_up(|p| request.run_with_progress(engine, p))?;
    let mut written = None;
    if let Some(out) = out {
        written = Some(report.write_to(out)?);
    }
    if json {
        outln!("{}", to_json(&ReportInfo::from(&report))?);
        return Ok(());
    }
    let r = &report.record;
    outln!(
        "{} report {} … {} ({}), {} bytes, sha256 {}",
        r.period,
        r.from,
        r.to,
        r.format.extension(),
        r.size,
        r.checksum
    );
    if let Some(path) = written {
        outln!("wrote {}", path.display());
    }
    if report.stored {
        outln!("stored as {} ({})", r.id, r.file_name);
    }
    Ok(())
}

fn list(args: &ReportArgs) -> Result<(), Error> {
    let format = args
        .format
        .as_deref()
        .map(ReportFormat::parse)
        .transpose()?;
    let request: ReportsRequest = decode(
        "report",
        json!({ "format": format, "from": args.from, "to": args.to }),
    )?;
    let engine = args.engine.open()?;
    let records = request.run(&engine);
    leave(engine);
    let records = records?;
    if args.json {
        outln!("{}", to_json(&records)?);
    } else if records.is_empty() {
        outln!("no stored reports");
    } else {
        for r in &records {
            outln!("{}", line(r));
        }
    }
    Ok(())
}

fn line(r: &ReportRecord) -> String {
    format!(
        "{}  {:<7} {} … {}  {:<4}  {:>9} bytes  {}  {}",
        r.id,
        r.period,
        r.from,
        r.to,
        r.format.extension(),
        r.size,
        r.created_at.format("%Y-%m-%dT%H:%M:%SZ"),
        r.file_name
    )
}

fn fetch(args: &ReportArgs, id: &str) -> Result<(), Error> {
    let engine = args.engine.open()?;
    let fetched = engine.report_file(id);
    leave(engine);
    let (record, bytes) = fetched?;
    let out = args
        .out
        .as_deref()
        .ok_or_else(|| Error::invalid_argument("out", "is required with --fetch"))?;
    let path = if out.is_dir() {
        out.join(&record.file_name)
    } else {
        out.to_owned()
    };
    std::fs::write(&path, &bytes).map_err(|source| Error::Write {
        path: path.clone(),
        source,
    })?;
    if args.json {
        outln!("{}", to_json(&record)?);
    } else {
        outln!("{}", line(&record));
        outln!("wrote {}", path.display());
    }
    Ok(())
}
