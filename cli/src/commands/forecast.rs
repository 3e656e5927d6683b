//! `forecast`: the core's forecast requests (docs/forecast-api.md). `--metric` forecasts a catalog
//! metric's daily series from the data (`ForecastRequest`; `--store` keeps it in
//! `analyticsforecasts`), `--series FILE.csv` any series of a CSV file (`SeriesForecastRequest`, or a
//! parallel `ForecastBatchRequest` with an id column), and `--stored` lists stored forecasts
//! (`StoredForecastsRequest`). Every flag is handed to the core as given: the horizon, seasons,
//! levels and method are checked, and defaulted, there.

mod csv;

use std::path::PathBuf;

use clap::Args;
use halobuzz_analytics::api::{
    ForecastBatchRequest, ForecastRequest, SeriesForecastRequest, StoredForecastsRequest,
};
use halobuzz_analytics::{Engine, Error};
use serde_json::{json, Map, Value};

use super::{decode, to_json, ConfigArgs, DataArgs};
use crate::render;

/// The flags of `forecast`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("mode").required(true).multiple(true).args(["metric", "series", "stored"]))]
pub struct ForecastArgs {
    /// A mongoexport data directory or a MongoDB URI (for --metric and --stored; see `kpis --help`).
    #[arg(long)]
    data: Option<String>,
    /// The database of a MongoDB URI (default: the URI's path, else `halobuzz`).
    #[arg(long, requires = "data")]
    database: Option<String>,
    /// The engine's configuration (for --metric and --stored).
    #[command(flatten)]
    config: ConfigArgs,
    /// A metric id or alias of the catalog (see `metrics`): forecast its daily series. With --stored,
    /// only this metric's stored forecasts.
    #[arg(long, requires = "data")]
    metric: Option<String>,
    /// A CSV file: a header row, a value column, optionally a date and an id column (one series per
    /// id, forecast in parallel). Empty cells and NaN are missing values.
    #[arg(long, value_name = "FILE.csv", conflicts_with_all = ["data", "metric", "stored"])]
    series: Option<PathBuf>,
    /// List the stored forecasts (analyticsforecasts) instead of forecasting.
    #[arg(long, requires = "data")]
    stored: bool,
    /// Steps (days for --metric) ahead (--metric: default 14, at most 366; --series: required).
    #[arg(long, allow_negative_numbers = true)]
    horizon: Option<i64>,
    /// Country: ALL (default), UNKNOWN or an ISO-3166 alpha-2 code.
    #[arg(long, conflicts_with = "series")]
    country: Option<String>,
    /// The first day of history (--metric; default 730 days before --to); with --stored, the first
    /// last-history day listed.
    #[arg(long, value_name = "YYYY-MM-DD", conflicts_with = "series")]
    from: Option<String>,
    /// The last day of history (--metric; default the last settled day); with --stored, the last
    /// last-history day listed.
    #[arg(long, value_name = "YYYY-MM-DD", conflicts_with = "series")]
    to: Option<String>,
    /// A season length in steps; repeat or comma-separate for several (default 7 and 365 for daily
    /// data, none for a series without dates).
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    season: Option<Vec<f64>>,
    /// Interval levels in percent, comma-separated (default 80,95).
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    levels: Option<Vec<f64>>,
    /// auto (default), mstl, ets, combination, seasonalNaive, naive, drift or mean.
    #[arg(long)]
    method: Option<String>,
    /// Validation origins, 0 to 20 (default 3).
    #[arg(long, allow_negative_numbers = true)]
    validation_origins: Option<i64>,
    /// Keep the model's own intervals even where they under-covered in validation.
    #[arg(long)]
    no_calibrate: bool,
    /// How missing values of --series are filled: interpolate (default) or zero.
    #[arg(long, requires = "series")]
    fill: Option<String>,
    /// The CSV column of the values (default: `value`, else `y`, else the only numeric column).
    #[arg(long, requires = "series")]
    value_column: Option<String>,
    /// The CSV column of the dates, YYYY-MM-DD (default: `date` or `ds` if there is one).
    #[arg(long, requires = "series")]
    date_column: Option<String>,
    /// The CSV column of the series ids (default: `id` or `unique_id` if there is one).
    #[arg(long, requires = "series")]
    id_column: Option<String>,
    /// Worker threads for many series (default: the machine's cores).
    #[arg(long, requires = "series", allow_negative_numbers = true)]
    threads: Option<i64>,
    /// Store the forecast in analyticsforecasts (--metric).
    #[arg(long, requires = "metric", conflicts_with = "stored")]
    store: bool,
    /// Print the core's response as JSON instead of tables.
    #[arg(long)]
    json: bool,
}

impl ForecastArgs {
    /// The model flags every forecast request has, kebab-case as the core reads them.
    fn model_flags(&self) -> Map<String, Value> {
        let mut flags = Map::new();
        let mut put = |k: &str, v: Value| {
            if !v.is_null() {
                flags.insert(k.to_owned(), v);
            }
        };
        put("horizon", json!(self.horizon));
        put("season-length", json!(self.season));
        put("levels", json!(self.levels));
        put("method", json!(self.method));
        put("validation-origins", json!(self.validation_origins));
        if self.no_calibrate {
            put("calibrate", json!(false));
        }
        flags
    }

    /// The engine over --data (which clap requires with --metric and --stored).
    fn open(&self) -> Result<Engine, Error> {
        let data = self
            .data
            .clone()
            .ok_or_else(|| Error::invalid_argument("data", "is required"))?;
        DataArgs {
            data,
            database: self.database.clone(),
        }
        .open(self.config.options())
    }
}

/// Runs `forecast`.
pub fn run(args: ForecastArgs) -> Result<(), Error> {
    if args.stored {
        return stored(&args);
    }
    if let Some(path) = &args.series {
        return series(&args, path);
    }
    let mut flags = args.model_flags();
    for (k, v) in [
        ("metric", json!(args.metric)),
        ("country", json!(args.country)),
        ("from", json!(args.from)),
        ("to", json!(args.to)),
        ("store", json!(args.store)),
    ] {
        flags.insert(k.to_owned(), v);
    }
    let request: ForecastRequest = decode("forecast", Value::Object(flags))?;
    let engine = args.open()?;
    let forecast = request.run(&engine)?;
    if args.json {
        outln!("{}", to_json(&forecast)?);
    } else {
        out!("{}", render::metric_forecast(&forecast));
        if request.store {
            outln!("stored in analyticsforecasts");
        }
    }
    Ok(())
}

fn stored(args: &ForecastArgs) -> Result<(), Error> {
    let request: StoredForecastsRequest = decode(
        "forecast",
        json!({
            "metric": args.metric, "country": args.country, "from": args.from, "to": args.to,
        }),
    )?;
    let engine = args.open()?;
    let stored = request.run(&engine)?;
    if args.json {
        outln!("{}", to_json(&stored)?);
    } else {
        out!("{}", render::stored_forecasts(&stored));
    }
    Ok(())
}

fn series(args: &ForecastArgs, path: &std::path::Path) -> Result<(), Error> {
    // The options are checked before the file is read; each series then gets its values directly
    // (not through JSON: a file may hold millions).
    let options = args.model_flags();
    let mut with_fill = options.clone();
    with_fill.insert("fill".to_owned(), json!(args.fill));
    with_fill.insert("values".to_owned(), json!([]));
    let template: SeriesForecastRequest = decode("forecast", Value::Object(with_fill.clone()))?;
    let batch_options: ForecastBatchRequest =
        decode("forecast", json!({ "series": [], "threads": args.threads }))?;
    let names = csv::ColumnNames {
        value: args.value_column.clone(),
        date: args.date_column.clone(),
        id: args.id_column.clone(),
    };
    let read = csv::read_series(path, &names)?;
    let batch = read.first().is_some_and(|s| s.id.is_some());
    let mut requests = Vec::with_capacity(read.len());
    for s in read {
        let mut request = if s.id.is_none() && s.dates.is_none() {
            template.clone()
        } else {
            let mut flags = with_fill.clone();
            flags.insert("id".to_owned(), json!(s.id));
            flags.insert("dates".to_owned(), json!(s.dates));
            decode::<SeriesForecastRequest>("forecast", Value::Object(flags))?
        };
        request.values = s.values;
        requests.push(request);
    }
    if !batch {
        let Some(request) = requests.pop() else {
            return Err(Error::invalid_argument("series", "the file has no rows"));
        };
        let forecast = request.run()?;
        if args.json {
            outln!("{}", to_json(&forecast)?);
        } else {
            out!("{}", render::series_forecast(&forecast));
        }
        return Ok(());
    }
    let response = ForecastBatchRequest {
        series: requests,
        ..batch_options
    }
    .run()?;
    if args.json {
        outln!("{}", to_json(&response)?);
    } else {
        out!("{}", render::forecast_batch(&response));
    }
    Ok(())
}
