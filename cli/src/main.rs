//! `halobuzz-analytics`: the command-line front end. Parses arguments, calls the core, prints.

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

mod progress;
mod render;

use std::path::PathBuf;
use std::process::ExitCode;

use std::io::Write as _;
use std::sync::Arc;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use halobuzz_analytics::calendar::{add_days, Calendar, DateRange, Granularity};
use halobuzz_analytics::config::{parse_rate, Config};
use halobuzz_analytics::generate::{write_directory, ExtJsonMode, GeneratorConfig, RevenueDrop};
use halobuzz_analytics::kpi::{report_days, CountryFilter, DailyRollup};
use halobuzz_analytics::load::{load_directory, LoadOptions};
use halobuzz_analytics::store::{is_mongodb_uri, MongoStore, Store};
use halobuzz_analytics::{Engine, Error};

/// HaloBuzz business analytics: generate data, check its quality, compute KPIs.
#[derive(Debug, Parser)]
#[command(name = "halobuzz-analytics", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a seeded synthetic HaloBuzz dataset as a mongoexport directory.
    Generate {
        /// Output directory (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Number of users.
        #[arg(long, default_value_t = 2000)]
        users: u32,
        /// Number of days of activity.
        #[arg(long, default_value_t = 60)]
        days: u32,
        /// Random seed: the same seed writes the same bytes.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// First day (YYYY-MM-DD); by default the window is centred on the Sydney DST change of 2026-04-05.
        #[arg(long)]
        start: Option<NaiveDate>,
        /// Inject a revenue drop on this day (YYYY-MM-DD).
        #[arg(long)]
        drop_day: Option<NaiveDate>,
        /// Share of money payments removed on the drop day, in %.
        #[arg(long, default_value_t = 40.0)]
        drop_pct: f64,
        /// Share of extra invalid documents per collection (0–0.5).
        #[arg(long, default_value_t = 0.002)]
        invalid_rate: f64,
        /// Share of extra duplicate documents per collection (0–0.5).
        #[arg(long, default_value_t = 0.0005)]
        duplicate_rate: f64,
        /// Extended JSON mode of the files.
        #[arg(long, value_enum, default_value_t = Mode::Relaxed)]
        mode: Mode,
        /// Gzip the files (`<collection>.json.gz`).
        #[arg(long)]
        gzip: bool,
    },
    /// KPIs of a date range: every section of METRICS.md, with growth against the previous period.
    Kpis {
        #[command(flatten)]
        engine: EngineArgs,
        #[command(flatten)]
        range: RangeArgs,
        /// Country: ALL, UNKNOWN or an ISO-3166 alpha-2 code.
        #[arg(long, default_value = "ALL")]
        country: String,
        /// Compute straight from raw events instead of daily rollups.
        #[arg(long)]
        raw: bool,
        /// Print JSON (the `data` of the backend's `{success, data}` answer) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// One numeric metric (`revenue.total`, `engagement.dau`, …) per day, week or month.
    Timeseries {
        #[command(flatten)]
        engine: EngineArgs,
        #[command(flatten)]
        range: RangeArgs,
        /// The metric path; repeat for several metrics (JSON output is then an array of series).
        #[arg(long, required = true)]
        metric: Vec<String>,
        /// day, week or month.
        #[arg(long, default_value = "day")]
        granularity: String,
        /// Country: ALL, UNKNOWN or an ISO-3166 alpha-2 code.
        #[arg(long, default_value = "ALL")]
        country: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Roll up one day and print (or write) its rollup documents.
    Rollup {
        #[command(flatten)]
        engine: EngineArgs,
        /// The local day (YYYY-MM-DD).
        #[arg(long)]
        date: NaiveDate,
        /// Write the rollups as Extended JSON lines (mongoimport-ready) to this file instead of a summary.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Roll up every day of a range (skipping days already rolled up unless --force), with progress.
    Backfill {
        #[command(flatten)]
        engine: EngineArgs,
        #[command(flatten)]
        range: RangeArgs,
        /// Recompute days that already have a rollup.
        #[arg(long)]
        force: bool,
        /// Write all rollups of the range as Extended JSON lines to this file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The main job: generate a dataset, check it, back-fill rollups, print the last 30 days' KPIs.
    Demo {
        /// Keep the generated data here (default: a temporary directory, removed afterwards).
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
    },
    /// Check a mongoexport directory or a MongoDB database and print its data-quality report.
    Quality {
        #[command(flatten)]
        source: DataArgs,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// Where the raw collections are.
#[derive(Debug, Args)]
struct DataArgs {
    /// A mongoexport data directory, or a MongoDB URI (`mongodb://…` or `mongodb+srv://…`): then the
    /// collections are read from the database and rollups are written to its `analyticsdailykpis`.
    #[arg(long)]
    data: String,
    /// The database of a MongoDB URI (default: the URI's path, else `halobuzz`).
    #[arg(long)]
    database: Option<String>,
}

impl DataArgs {
    /// The store: a MongoDB connection for a URI, else the directory loaded into memory.
    fn store(&self) -> Result<Arc<dyn Store>, Error> {
        if is_mongodb_uri(&self.data) {
            return Ok(Arc::new(MongoStore::connect(
                &self.data,
                self.database.as_deref(),
            )?));
        }
        if self.database.is_some() {
            return Err(Error::InvalidArgument {
                name: "database",
                reason: "--database applies only when --data is a mongodb:// URI".to_owned(),
            });
        }
        let dir = PathBuf::from(&self.data);
        Ok(Arc::new(progress::load(
            &dir,
            &LoadOptions::default(),
            load_directory,
        )?))
    }
}

/// Where the data is and how to read it.
#[derive(Debug, Args)]
struct EngineArgs {
    #[command(flatten)]
    source: DataArgs,
    /// Reporting time zone (default: REPORTS_TZ or Australia/Sydney).
    #[arg(long)]
    tz: Option<String>,
    /// NPR per USD (default: USD_TO_NPR; required when the data has USD amounts).
    #[arg(long)]
    usd_to_npr: Option<String>,
    /// Application id of the rollup keys (default: ANALYTICS_APP_ID or halobuzz).
    #[arg(long)]
    app_id: Option<String>,
    /// Show raw user ids instead of pseudonyms.
    #[arg(long)]
    reveal_user_ids: bool,
}

impl EngineArgs {
    fn config(&self) -> Result<Config, Error> {
        let mut c = Config::from_env()?;
        if let Some(tz) = &self.tz {
            c.calendar = Calendar::parse(tz)?;
        }
        if let Some(rate) = &self.usd_to_npr {
            c.usd_to_npr = Some(parse_rate(rate)?);
        }
        if let Some(app) = &self.app_id {
            c.app_id = app.clone();
        }
        c.reveal_user_ids = self.reveal_user_ids;
        Ok(c)
    }

    fn engine(&self) -> Result<Engine, Error> {
        let config = self.config()?;
        Ok(Engine::new(self.source.store()?, config))
    }
}

/// An inclusive range of local dates.
#[derive(Debug, Args)]
struct RangeArgs {
    /// First day (YYYY-MM-DD).
    #[arg(long)]
    from: NaiveDate,
    /// Last day, inclusive (YYYY-MM-DD).
    #[arg(long)]
    to: NaiveDate,
}

impl RangeArgs {
    fn range(&self) -> Result<DateRange, Error> {
        DateRange::new(self.from, self.to)
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Mode {
    Relaxed,
    Canonical,
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
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), halobuzz_analytics::Error> {
    match cli.command {
        Command::Generate {
            out,
            users,
            days,
            seed,
            start,
            drop_day,
            drop_pct,
            invalid_rate,
            duplicate_rate,
            mode,
            gzip,
        } => {
            let config = GeneratorConfig {
                users,
                days,
                seed,
                start,
                revenue_drop: drop_day.map(|day| RevenueDrop { day, pct: drop_pct }),
                invalid_rate,
                duplicate_rate,
            };
            config.validate()?;
            let mode = match mode {
                Mode::Relaxed => ExtJsonMode::Relaxed,
                Mode::Canonical => ExtJsonMode::Canonical,
            };
            let bar = progress::bar(u64::from(days), "generating", "days");
            let manifest = write_directory(&config, &out, mode, gzip, &mut |done, _| {
                bar.set_position(u64::from(done))
            })?;
            bar.finish_and_clear();
            let docs: u64 = manifest.collections.iter().map(|c| c.documents).sum();
            outln!(
                "wrote {docs} documents for {users} users over {days} days ({} … {}) to {}",
                manifest.start,
                manifest.end,
                out.display()
            );
            for c in &manifest.collections {
                let invalid: u64 = c.invalid.iter().map(|i| i.count).sum();
                outln!(
                    "  {:<16} {:>9} documents  ({} invalid, {} duplicates injected)",
                    c.collection.name(),
                    c.documents,
                    invalid,
                    c.duplicates
                );
            }
            Ok(())
        }
        Command::Kpis {
            engine,
            range,
            country,
            raw,
            json,
        } => {
            let country: CountryFilter = country.parse()?;
            let range = range.range()?;
            let engine = engine.engine()?;
            let report = if raw {
                engine.kpis_from_raw(range, country)?
            } else {
                with_backfill_bar(&engine, range, |e| e.kpis(range, country))?
            };
            if json {
                outln!("{}", to_json(&report)?);
            } else {
                out!("{}", render::report(&report));
            }
            Ok(())
        }
        Command::Timeseries {
            engine,
            range,
            metric,
            granularity,
            country,
            json,
        } => {
            let country: CountryFilter = country.parse()?;
            let granularity: Granularity = granularity.parse()?;
            let range = range.range()?;
            let engine = engine.engine()?;
            let series = with_backfill_bar(&engine, range, |e| {
                metric
                    .iter()
                    .map(|m| e.time_series(m, range, granularity, country))
                    .collect::<Result<Vec<_>, Error>>()
            })?;
            match (json, series.as_slice()) {
                (true, [one]) => outln!("{}", to_json(one)?),
                (true, many) => outln!("{}", to_json(&many)?),
                (false, many) => many.iter().for_each(|s| out!("{}", render::series(s))),
            }
            Ok(())
        }
        Command::Rollup { engine, date, out } => {
            let engine = engine.engine()?;
            let rollups = engine.rollup_day(date)?;
            match out {
                Some(path) => write_rollups(&path, &rollups),
                None => {
                    for r in &rollups {
                        outln!(
                            "{} {:<8} active {:>7}  streams {:>5}  messages {:>7}",
                            r.date,
                            r.country.key(),
                            r.facts.active.len(),
                            r.facts.streams,
                            r.facts.messages_sent
                        );
                    }
                    Ok(())
                }
            }
        }
        Command::Backfill {
            engine,
            range,
            force,
            out,
        } => {
            let range = range.range()?;
            let engine = engine.engine()?;
            let (summary, took) = progress::backfill(&engine, range, force)?;
            outln!(
                "{} days: {} rolled up ({} documents), {} skipped, in {:.2?}",
                summary.days,
                summary.computed,
                summary.rollups_written,
                summary.skipped,
                took
            );
            if let Some(path) = out {
                let mut all = Vec::new();
                for date in range.iter() {
                    all.extend(engine.rollups_of_day(date)?);
                }
                write_rollups(&path, &all)?;
            }
            Ok(())
        }
        Command::Demo {
            out,
            users,
            days,
            seed,
        } => demo(out, users, days, seed),
        Command::Quality { source, json } => {
            // A MongoDB store computes the report with a full validating pass on request.
            let quality = source.store()?.quality_report()?;
            if json {
                outln!("{}", to_json(&quality)?);
            } else {
                out!("{}", quality.to_table());
            }
            Ok(())
        }
    }
}

/// Runs `f` (which may roll up missing days) behind a progress bar over the range's days.
fn with_backfill_bar<T>(
    engine: &Engine,
    range: DateRange,
    f: impl FnOnce(&Engine) -> Result<T, Error>,
) -> Result<T, Error> {
    // Roll up the range (and what its report reads before it) visibly first; `f` then finds it done.
    progress::backfill(engine, report_days(range), false)?;
    f(engine)
}

fn write_rollups(path: &std::path::Path, rollups: &[DailyRollup]) -> Result<(), Error> {
    let write_err = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(write_err)?);
    for r in rollups {
        let doc = bson::serialize_to_document(r).map_err(|e| Error::Encode {
            what: format!("the rollup of {} {}", r.date, r.country),
            reason: e.to_string(),
        })?;
        let line = bson::Bson::Document(doc).into_relaxed_extjson().to_string();
        writeln!(file, "{line}").map_err(write_err)?;
    }
    file.flush().map_err(write_err)?;
    outln!("wrote {} rollups to {}", rollups.len(), path.display());
    Ok(())
}

/// The demo's exchange rate (METRICS.md: no built-in default in production paths; the demo sets one).
const DEMO_USD_TO_NPR: &str = "133.50";

fn demo(out: Option<PathBuf>, users: u32, days: u32, seed: u64) -> Result<(), Error> {
    let temp;
    let dir = match out {
        Some(d) => d,
        None => {
            temp = TempDir::new()?;
            temp.path().to_owned()
        }
    };
    let gen = GeneratorConfig {
        users,
        days,
        seed,
        ..GeneratorConfig::default()
    };
    let gen = GeneratorConfig {
        revenue_drop: Some(RevenueDrop {
            day: add_days(gen.end_date(), -10),
            pct: 45.0,
        }),
        ..gen
    };
    gen.validate()?;
    outln!(
        "1. Generating {users} users over {days} days ({} … {}), seed {seed}, with a 45% revenue drop on {}",
        gen.start_date(),
        gen.end_date(),
        add_days(gen.end_date(), -10)
    );
    let bar = progress::bar(u64::from(days), "generating", "days");
    let manifest = write_directory(&gen, &dir, ExtJsonMode::Relaxed, false, &mut |d, _| {
        bar.set_position(u64::from(d))
    })?;
    bar.finish_and_clear();
    let docs: u64 = manifest.collections.iter().map(|c| c.documents).sum();
    outln!("   wrote {docs} documents to {}\n", dir.display());

    outln!("2. Loading and checking the data");
    let started = std::time::Instant::now();
    let store = progress::load(&dir, &LoadOptions::default(), load_directory)?;
    let secs = started.elapsed().as_secs_f64();
    outln!(
        "   loaded in {secs:.2} s ({:.0} documents/s)\n",
        docs as f64 / secs.max(1e-9)
    );
    out!("{}", indent(&store.quality().to_table()));

    let config = Config::from_env()?.with_usd_to_npr(DEMO_USD_TO_NPR)?;
    let engine = Engine::new(Arc::new(store), config);
    let all = DateRange::new(gen.start_date(), gen.end_date())?;
    outln!(
        "\n3. Back-filling daily rollups for {} … {}",
        all.from,
        all.to
    );
    let (summary, took) = progress::backfill(&engine, all, false)?;
    outln!(
        "   {} days, {} rollup documents, in {took:.2?}\n",
        summary.computed,
        summary.rollups_written
    );

    let last30 = DateRange::new(add_days(all.to, -29), all.to)?;
    outln!("4. KPIs of the last 30 days (USD at {DEMO_USD_TO_NPR} NPR)\n");
    let report = engine.kpis(last30, CountryFilter::All)?;
    out!("{}", indent(&render::report(&report)));
    outln!();
    let series = engine.time_series(
        "revenue.total",
        last30,
        Granularity::Day,
        CountryFilter::All,
    )?;
    out!("{}", indent(&render::series(&series)));
    Ok(())
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("   {l}\n")).collect()
}

/// A temporary directory removed on drop (the demo's data when no --out is given).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<Self, Error> {
        let path = std::env::temp_dir().join(format!("halobuzz-demo-{}", std::process::id()));
        std::fs::create_dir_all(&path).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        Ok(TempDir(path))
    }

    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn to_json(value: &impl serde::Serialize) -> Result<String, halobuzz_analytics::Error> {
    serde_json::to_string_pretty(value).map_err(|e| halobuzz_analytics::Error::Encode {
        what: "the result as JSON".to_owned(),
        reason: e.to_string(),
    })
}
