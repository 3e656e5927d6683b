//! `halobuzz-analytics`: the command-line front end. It parses the command line, hands each command's
//! flags to the core's request layer (`halobuzz_analytics::api`, which alone validates them and applies
//! the defaults), prints the answer, and turns an error into a message and an exit status. Each command
//! lives in its own module under [`commands`].

/// `print!` that ends the process quietly when stdout is closed (`… --json | head`) instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::emit(format_args!($($arg)*), false)
    };
}

/// `println!` with the same behaviour as [`out!`].
macro_rules! outln {
    () => {
        $crate::emit(format_args!(""), true)
    };
    ($($arg:tt)*) => {
        $crate::emit(format_args!($($arg)*), true)
    };
}

mod commands;
mod progress;
mod render;

use std::io::Write as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use halobuzz_analytics::api::{restyle, NameStyle};
use halobuzz_analytics::{Error, ErrorCategory};

use commands::{
    alerts, backfill, cohorts, demo, forecast, funnel, generate, hosts, kpis, metrics, quality,
    report, rollup, schedule, timeseries,
};

/// How errors and exit statuses look; shown at the end of every `--help`.
const AFTER_HELP: &str = "\
Errors are printed on standard error as `error[CODE]: message`, CODE being the engine's stable error code \
(INVALID_ARGUMENT, READ_FAILED, NOT_A_DATA_DIRECTORY, STORAGE_ERROR, …).

Exit status: 0 on success; 2 when the input is invalid (a usage error, or any error of the invalid-input \
category such as INVALID_ARGUMENT: a malformed date, an unknown country, metric or option value); 1 for \
every other failure (unreadable data, storage or write errors, internal errors).";

/// HaloBuzz business analytics: generate data, check its quality, compute KPIs.
#[derive(Debug, Parser)]
#[command(name = "halobuzz-analytics", version, about, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a seeded synthetic HaloBuzz dataset as a mongoexport directory (only its own files).
    #[command(after_help = AFTER_HELP)]
    Generate(generate::GenerateArgs),
    /// KPIs of a date range: every section of METRICS.md, with growth against the previous period.
    #[command(after_help = AFTER_HELP)]
    Kpis(kpis::KpisArgs),
    /// One or more catalog metrics (`revenue.total`, `engagement.dau`, …) per day, week or month.
    #[command(after_help = AFTER_HELP)]
    Timeseries(timeseries::TimeseriesArgs),
    /// Signup cohorts with retention d1…d90, revenue, engagement per member, churn and creators
    /// (--refresh stores them as analyticscohorts, --stored reads them back).
    #[command(after_help = AFTER_HELP)]
    Cohorts(cohorts::CohortsArgs),
    /// Signup cohorts × day N: the share of each cohort active on (and on or after) its own day N.
    #[command(after_help = AFTER_HELP)]
    Retention(cohorts::RetentionArgs),
    /// New, returning, resurrecting and dormant users per day, week or month.
    #[command(after_help = AFTER_HELP)]
    Lifecycle(cohorts::LifecycleArgs),
    /// Signup funnels per signup day (first stream, gift, money payment), or a custom funnel of events.
    #[command(after_help = AFTER_HELP)]
    Funnel(funnel::FunnelArgs),
    /// Forecast a catalog metric's daily series (--metric), the series of a CSV file (--series), or
    /// list stored forecasts (--stored): point forecasts, prediction intervals and the model's
    /// validation accuracy.
    #[command(after_help = AFTER_HELP)]
    Forecast(forecast::ForecastArgs),
    /// A period's report (daily, weekly, monthly, custom) as PDF, XLSX, CSV or JSON, optionally stored
    /// with its analyticsreports record; --list and --fetch read stored reports back.
    #[command(after_help = AFTER_HELP)]
    Report(report::ReportArgs),
    /// Alert rules: check (raise, update, resolve), explain, list, ack and resolve alerts.
    #[command(after_help = AFTER_HELP)]
    Alerts(alerts::AlertsArgs),
    /// Host performance per host over a range: streams, viewers, coins, gifters, growth and ranks.
    #[command(after_help = AFTER_HELP)]
    Hosts(hosts::HostsArgs),
    /// Roll up one day and print its rollup summaries (or write its rollup documents).
    #[command(after_help = AFTER_HELP)]
    Rollup(rollup::RollupArgs),
    /// Roll up every day of a range (skipping days already rolled up unless --force), or re-roll the
    /// last N settled days (--recent N), with progress.
    #[command(after_help = AFTER_HELP)]
    Backfill(backfill::BackfillArgs),
    /// The main job: generate a dataset, check it, back-fill rollups, print the last 30 days' KPIs.
    #[command(after_help = AFTER_HELP)]
    Demo(demo::DemoArgs),
    /// The scheduler of recurring jobs: status, next runs, one pass (run-due) or a daemon.
    #[command(after_help = AFTER_HELP)]
    Schedule(schedule::ScheduleArgs),
    /// Check a mongoexport directory or a MongoDB database and print its data-quality report.
    #[command(after_help = AFTER_HELP)]
    Quality(quality::QualityArgs),
    /// List the metric catalog: every metric's id, unit, kind and description.
    #[command(after_help = AFTER_HELP)]
    Metrics(metrics::MetricsArgs),
}

/// Writes to stdout; a closed pipe ends the process with success (the reader has what it wanted), any
/// other write error with failure.
fn emit(args: std::fmt::Arguments<'_>, newline: bool) {
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_fmt(args).and_then(|()| {
        if newline {
            stdout.write_all(b"\n")
        } else {
            Ok(())
        }
    });
    if let Err(e) = written {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let status = exit_status(&e);
            eprintln!("error[{}]: {}", e.code(), restyle(e, NameStyle::Kebab));
            status
        }
    }
}

/// 2 for invalid input (like clap's usage errors), 1 for everything else.
fn exit_status(e: &Error) -> ExitCode {
    match e.category() {
        ErrorCategory::InvalidInput => ExitCode::from(2),
        _ => ExitCode::FAILURE,
    }
}

fn run(command: Command) -> Result<(), Error> {
    match command {
        Command::Generate(args) => generate::run(args),
        Command::Kpis(args) => kpis::run(args),
        Command::Timeseries(args) => timeseries::run(args),
        Command::Rollup(args) => rollup::run(args),
        Command::Cohorts(args) => cohorts::run_cohorts(args),
        Command::Retention(args) => cohorts::run_retention(args),
        Command::Lifecycle(args) => cohorts::run_lifecycle(args),
        Command::Funnel(args) => funnel::run(args),
        Command::Hosts(args) => hosts::run(args),
        Command::Forecast(args) => forecast::run(args),
        Command::Alerts(args) => alerts::run(args),
        Command::Report(args) => report::run(args),
        Command::Backfill(args) => backfill::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Schedule(args) => schedule::run(args),
        Command::Quality(args) => quality::run(args),
        Command::Metrics(args) => metrics::run(args),
    }
}
