//! The commands, one module each, and what several of them share: the flags that name the data, the
//! configuration flags, the date-range flags, and writing rollup documents and JSON. Flags are taken
//! as text and handed to the core's request layer (`halobuzz_analytics::api`): the command line has no
//! date format, default or bound of its own, so it accepts and refuses exactly what the Node and Python
//! bindings do.

pub mod alerts;
pub mod backfill;
pub mod cohorts;
pub mod demo;
pub mod forecast;
pub mod funnel;
pub mod generate;
pub mod hosts;
pub mod kpis;
pub mod metrics;
pub mod quality;
pub mod report;
pub mod rollup;
pub mod schedule;
pub mod timeseries;

use std::io::Write as _;
use std::path::Path;

use clap::Args;
use halobuzz_analytics::api::{
    self, BackfillRequest, ConfigOptions, DataSource, Day, Decimalish, NameStyle,
};
use halobuzz_analytics::calendar::{add_days, DateRange};
use halobuzz_analytics::kpi::{report_days, DailyRollup};
use halobuzz_analytics::store::AnalyticsDoc as _;
use halobuzz_analytics::{Engine, Error};
use serde::de::DeserializeOwned;

use crate::progress;

/// Where the raw collections are.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// A mongoexport data directory, or a MongoDB URI (`mongodb://…` or `mongodb+srv://…`): then the
    /// collections are read from the database and rollups are written to its `analyticsdailykpis`.
    #[arg(long)]
    pub data: String,
    /// The database of a MongoDB URI (default: the URI's path, else `halobuzz`).
    #[arg(long)]
    pub database: Option<String>,
}

impl DataArgs {
    /// Opens an engine over the data with `options`; a directory loads behind a progress bar.
    pub fn open(&self, options: ConfigOptions) -> Result<Engine, Error> {
        let source = DataSource::parse(&self.data, self.database.as_deref())?;
        match source {
            DataSource::Directory(_) => progress::load(|p| api::open(&source, options, p)),
            DataSource::MongoDb { .. } => api::open(&source, options, &|_, _| {}),
        }
    }
}

/// Where the data is and how to configure the engine; every option left out comes from the previous
/// service's environment variables, else the core's default.
#[derive(Debug, Args)]
pub struct EngineArgs {
    #[command(flatten)]
    pub source: DataArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// The engine's configuration flags (apart from the data's), for a command whose data is optional.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Reporting time zone, an IANA name (default: REPORTS_TZ or Australia/Sydney).
    #[arg(long, visible_alias = "tz")]
    pub timezone: Option<String>,
    /// NPR per USD (default: USD_TO_NPR; required when the data has USD amounts).
    #[arg(long, allow_negative_numbers = true)]
    pub usd_to_npr: Option<String>,
    /// Application id of the rollup keys (default: ANALYTICS_APP_ID or halobuzz).
    #[arg(long)]
    pub app_id: Option<String>,
    /// Key of the keyed hash that pseudonymises user ids in outputs (default: ANALYTICS_PSEUDONYM_KEY).
    /// A report needs a key, --ephemeral-pseudonym-key or --reveal-user-ids.
    #[arg(long)]
    pub pseudonym_key: Option<String>,
    /// Without a pseudonym key, use a random key of this process: pseudonyms then change with every
    /// run (for trials and demos).
    #[arg(long)]
    pub ephemeral_pseudonym_key: bool,
    /// Show raw user ids instead of pseudonyms.
    #[arg(long)]
    pub reveal_user_ids: bool,
    /// The longest range a request may span, in days (default 3660).
    #[arg(long, value_name = "DAYS")]
    pub max_range_days: Option<u32>,
    /// Minutes after a day's end before its rollup is stored (default 60).
    #[arg(long, value_name = "MINUTES")]
    pub settle_minutes: Option<u32>,
    /// How many days a backfill rolls up at once (default 1).
    #[arg(long, value_name = "DAYS")]
    pub backfill_concurrency: Option<u32>,
    /// Freeze the engine's clock at this instant (RFC 3339, e.g. 2026-04-10T00:00:00Z): which days are
    /// over and which dates are valid are decided as of it (default: the system clock).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Where stored reports' files are written (default: REPORTS_STORAGE_DIR).
    #[arg(long, value_name = "DIR")]
    pub reports_dir: Option<String>,
}

impl ConfigArgs {
    /// The configuration options of the flags, over the process environment.
    pub fn options(&self) -> ConfigOptions {
        ConfigOptions {
            read_env: true,
            timezone: self.timezone.clone(),
            app_id: self.app_id.clone(),
            usd_to_npr: self.usd_to_npr.clone().map(Decimalish::Text),
            pseudonym_key: self.pseudonym_key.clone(),
            ephemeral_pseudonym_key: self.ephemeral_pseudonym_key,
            reveal_user_ids: self.reveal_user_ids.then_some(true),
            max_range_days: self.max_range_days,
            settle_minutes: self.settle_minutes,
            backfill_concurrency: self.backfill_concurrency,
            now: self.now.clone(),
            reports_dir: self.reports_dir.clone(),
            ..ConfigOptions::default()
        }
    }
}

impl EngineArgs {
    /// The engine: the options are checked before any data is read.
    pub fn open(&self) -> Result<Engine, Error> {
        self.source.open(self.config.options())
    }
}

/// An inclusive range of local days, as text (the core reads them strictly as `YYYY-MM-DD`).
#[derive(Debug, Args)]
pub struct RangeArgs {
    /// First local day (YYYY-MM-DD).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: String,
    /// Last local day, inclusive (YYYY-MM-DD).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub to: String,
}

/// Reads the request of `command` from its flags, given as a JSON object with the flags' names
/// (kebab-case); a flag not given is `null`, which the core reads as "use the default".
pub fn decode<T: DeserializeOwned>(command: &str, flags: serde_json::Value) -> Result<T, Error> {
    api::decode(command, flags, NameStyle::Kebab)
}

/// Rolls up what a report of `range` reads behind a progress bar, so the report that follows finds
/// its rollups done instead of computing them silently. The request's own range is checked first (its
/// error is the report's); of the earlier days a report also reads (previous period, trailing 30
/// days), only as many as one backfill accepts are rolled up here, and the report does the rest.
pub fn roll_up_for_report(engine: &Engine, range: DateRange) -> Result<(), Error> {
    engine.check_range(range)?;
    let needed = report_days(range);
    let to = needed.to.min(engine.last_settled_day());
    let span = i64::from(engine.config().max_range_days);
    let earliest = needed.from.max(add_days(to, 1 - span));
    let candidates = [earliest, range.from.max(earliest)];
    let Some(days) = candidates
        .into_iter()
        .filter(|from| *from <= to)
        .map(|from| DateRange { from, to })
        .find(|days| engine.check_range(*days).is_ok())
    else {
        return Ok(());
    };
    let request = BackfillRequest {
        from: Day(days.from),
        to: Day(days.to),
        force: false,
    };
    progress::backfill(|p| request.run(engine, p)).map(drop)
}

/// Writes stored rollup documents as Extended JSON lines (relaxed, mongoimport-ready). These are the
/// documents of `analyticsdailykpis` as stored, raw user ids included: a file for operators.
pub fn write_rollups(path: &Path, rollups: &[DailyRollup]) -> Result<(), Error> {
    let write_err = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(write_err)?);
    for r in rollups {
        let line = bson::Bson::Document(r.to_document()?)
            .into_relaxed_extjson()
            .to_string();
        writeln!(file, "{line}").map_err(write_err)?;
    }
    file.flush().map_err(write_err)?;
    outln!("wrote {} rollups to {}", rollups.len(), path.display());
    Ok(())
}

/// Ends a command's use of its engine. An in-memory store is not freed: the process exits right
/// after and the system takes its memory back at once, where freeing the records one by one would
/// delay the exit by tens of milliseconds per million documents. A database store is closed as usual.
pub fn leave(engine: Engine) {
    if engine.store().reads_in_process() {
        std::mem::forget(engine);
    }
}

/// `value` as indented JSON.
pub fn to_json(value: &impl serde::Serialize) -> Result<String, Error> {
    serde_json::to_string_pretty(value).map_err(|e| Error::encode("the result as JSON", e))
}
