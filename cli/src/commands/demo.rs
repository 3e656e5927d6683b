//! `demo`: the main job end to end on generated data — generate a dataset with a revenue drop, load
//! and check it, back-fill daily rollups, print the last 30 days' KPIs and revenue per day, forecast the next 14 days' revenue, and write
//! the last complete month's report as PDF, XLSX and CSV. The data
//! goes to a private temporary directory (removed afterwards) unless `--out` names one, and user ids
//! are pseudonymised with an ephemeral key of the process unless ANALYTICS_PSEUDONYM_KEY is set.

use std::path::PathBuf;

use clap::Args;
use halobuzz_analytics::api::{
    self, BackfillRequest, CheckAlertsRequest, ConfigOptions, DataSource, Day, Decimalish,
    ForecastRequest, FunnelRequest, GenerateRequest, KpiRequest, PeriodKind, ReportRequest,
    RetentionMatrixRequest, TimeSeriesRequest,
};
use halobuzz_analytics::calendar::{add_days, DateRange, Granularity};
use halobuzz_analytics::generate::{write_directory, ExtJsonMode, GeneratorConfig, RevenueDrop};
use halobuzz_analytics::kpi::CountryFilter;
use halobuzz_analytics::report::ReportFormat;
use halobuzz_analytics::Error;

use super::to_json;
use crate::{progress, render};

/// The flags of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the generated data here: a new or empty folder, or one holding only an earlier demo's
    /// files (default: a private temporary directory, removed afterwards).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Number of users.
    #[arg(long, default_value_t = 5000)]
    users: u32,
    /// Number of days.
    #[arg(long, default_value_t = 90)]
    days: u32,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Write the demo's reports (PDF, XLSX, CSV) here (default: a new folder under the system's
    /// temporary directory, kept after the demo).
    #[arg(long, value_name = "DIR")]
    reports_out: Option<PathBuf>,
}

/// The demo's exchange rate (METRICS.md: no built-in default in production paths; the demo sets one).
const DEMO_USD_TO_NPR: &str = "133.50";

/// Runs `demo`.
pub fn run(args: DemoArgs) -> Result<(), Error> {
    let DemoArgs {
        out,
        users,
        days,
        seed,
        reports_out,
    } = args;
    let temp;
    let dir = match out {
        Some(d) => d,
        None => {
            // Private (mode 0700 on Unix) and unpredictably named, unlike a name made of the pid.
            temp = tempfile::Builder::new()
                .prefix("halobuzz-demo-")
                .tempdir()
                .map_err(|source| Error::Write {
                    path: std::env::temp_dir(),
                    source,
                })?;
            temp.path().to_owned()
        }
    };
    let gen = GenerateRequest {
        users: Some(users),
        days: Some(days),
        seed: Some(seed),
        ..GenerateRequest::default()
    }
    .into_config()?;
    // Ten days before the end, or the first day of a shorter window.
    let drop_day = add_days(gen.end_date(), -i64::from(days.saturating_sub(1).min(10)));
    let gen = GeneratorConfig {
        revenue_drop: Some(RevenueDrop {
            day: drop_day,
            pct: 45.0,
            payment_method: None,
        }),
        ..gen
    };
    gen.validate()?;
    outln!(
        "1. Generating {users} users over {days} days ({} … {}), seed {seed}, with a 45% revenue drop on {drop_day}",
        gen.start_date(),
        gen.end_date(),
    );
    let bar = progress::bar(u64::from(days), "generating", "days");
    let manifest = write_directory(&gen, &dir, ExtJsonMode::Relaxed, false, &mut |d, _| {
        bar.set_position(u64::from(d))
    })?;
    bar.finish_and_clear();
    let docs: u64 = manifest.collections.iter().map(|c| c.documents).sum();
    outln!("   wrote {docs} documents to {}\n", dir.display());

    outln!("2. Loading and checking the data");
    let options = ConfigOptions {
        read_env: true,
        usd_to_npr: Some(Decimalish::Text(DEMO_USD_TO_NPR.to_owned())),
        ephemeral_pseudonym_key: true,
        ..ConfigOptions::default()
    };
    outln!(
        "   user ids are pseudonymised with an ephemeral key of this run (unless \
         ANALYTICS_PSEUDONYM_KEY is set): pseudonyms change with every run"
    );
    let source = DataSource::Directory(dir.clone());
    let started = std::time::Instant::now();
    let engine = progress::load(|p| api::open(&source, options, p))?;
    let secs = started.elapsed().as_secs_f64();
    outln!(
        "   loaded in {secs:.2} s ({:.0} documents/s)\n",
        docs as f64 / secs.max(1e-9)
    );
    out!("{}", indent(&engine.quality_report()?.to_table()));

    let all = DateRange::new(gen.start_date(), gen.end_date())?;
    outln!(
        "\n3. Back-filling daily rollups for {} … {}",
        all.from,
        all.to
    );
    let backfill = BackfillRequest {
        from: Day(all.from),
        to: Day(all.to),
        force: false,
    };
    let (summary, took) = progress::backfill(|p| backfill.run(&engine, p))?;
    outln!(
        "   {} days, {} rollup documents, in {took:.2?}\n",
        summary.computed,
        summary.rollups_written
    );

    let (from, to) = (Day(add_days(all.to, -29)), Day(all.to));
    outln!("4. KPIs of the last 30 days (USD at {DEMO_USD_TO_NPR} NPR)\n");
    let kpis = KpiRequest {
        from,
        to,
        country: CountryFilter::All,
    };
    out!("{}", indent(&render::report(&kpis.run(&engine)?)));
    outln!();
    let revenue = TimeSeriesRequest {
        metric: "revenue.total".parse()?,
        from,
        to,
        granularity: Granularity::Day,
        country: CountryFilter::All,
    };
    out!("{}", indent(&render::series(&revenue.run(&engine)?)));
    outln!();

    outln!("5. Weekly signup cohorts and their retention\n");
    let cohorts = RetentionMatrixRequest {
        from: Day(all.from),
        to: Day(all.to),
        as_of: None,
        granularity: Granularity::Week,
        country: CountryFilter::All,
        days: Some(vec![1, 3, 7, 14, 30]),
    };
    out!("{}", indent(&render::retention(&cohorts.run(&engine)?)));
    outln!();

    outln!("6. Signup funnels of the last 30 days (7-day window)\n");
    let funnels = FunnelRequest {
        from,
        to,
        steps: None,
        country: CountryFilter::All,
        window_days: None,
        window_seconds: None,
        order: None,
        breakdown: None,
    };
    out!("{}", indent(&render::funnel(&funnels.run(&engine)?)));
    outln!();

    outln!("7. Alerts the morning after the drop ({drop_day}), with the Slack message of the revenue alert\n");
    let at = engine
        .config()
        .calendar
        .day_range(add_days(drop_day, 1))
        .start
        + chrono::Duration::hours(2);
    let check = CheckAlertsRequest {
        at: Some(at.to_rfc3339()),
        channels: Some(
            serde_json::from_value(serde_json::json!({ "channels": ["slack"] }))
                .map_err(|e| Error::Internal(format!("the demo's channel settings: {e}")))?,
        ),
    }
    .run(&engine)?;
    for t in &check.check.transitions {
        let Some(a) = check.check.alerts.iter().find(|a| a.alert_id == t.alert_id) else {
            continue;
        };
        outln!("   [{}] {}", a.severity.as_str(), render::cell(&a.title));
        outln!("      {}", render::clipped(&a.description, 600));
    }
    if let Some(slack) = check
        .notifications
        .iter()
        .find(|n| n.alert_id.starts_with("revenue_drop:"))
    {
        outln!();
        out!("{}", indent(&to_json(&slack.payload)?));
    }

    outln!("\n8. Revenue of the next 14 days, forecast from the data (80% band)\n");
    let forecast = ForecastRequest {
        metric: "revenue.total".parse()?,
        horizon: Some(14),
        country: CountryFilter::All,
        from: None,
        to: Some(Day(all.to)),
        season_length: None,
        store: false,
        levels: None,
        method: None,
        validation_origins: None,
        calibrate: None,
    }
    .run(&engine)?;
    out!(
        "{}",
        indent(&render::metric_forecast_short(&forecast, 80.0))
    );

    let at = Day(add_days(all.to, 1));
    let month = ReportRequest {
        at: Some(at),
        ..ReportRequest::new(PeriodKind::Monthly, ReportFormat::Pdf)
    }
    .resolve(&engine)?;
    outln!(
        "\n9. The monthly report of {} … {} (against {} … {}) as PDF, XLSX and CSV\n",
        month.range.from,
        month.range.to,
        month.previous.from,
        month.previous.to
    );
    let reports_dir = match reports_out {
        Some(d) => d,
        None => tempfile::Builder::new()
            .prefix("halobuzz-demo-reports-")
            .tempdir()
            .map_err(|source| Error::Write {
                path: std::env::temp_dir(),
                source,
            })?
            .keep(),
    };
    std::fs::create_dir_all(&reports_dir).map_err(|source| Error::Write {
        path: reports_dir.clone(),
        source,
    })?;
    for format in [ReportFormat::Pdf, ReportFormat::Xlsx, ReportFormat::Csv] {
        let report = ReportRequest {
            at: Some(at),
            ..ReportRequest::new(PeriodKind::Monthly, format)
        }
        .run(&engine)?;
        let path = reports_dir.join(&report.file_name);
        std::fs::write(&path, &report.bytes).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        outln!("   {:>9} bytes  {}", report.bytes.len(), path.display());
    }
    Ok(())
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("   {l}\n")).collect()
}
