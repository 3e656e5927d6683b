//! Forecasting as requests: any series (`forecastSeries`, many at once with `forecastBatch`; CLI
//! `forecast --series`) and a catalog metric's daily series (`forecast`; CLI `forecast --metric`), see
//! [`crate::forecast`] and docs/forecast.md. Defaults and bounds live here, so every front end has the
//! same ones.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::day::Day;
use crate::calendar::add_days;
use crate::forecast::accuracy::Accuracy;
use crate::forecast::auto::{
    self, FittedModel, LevelCalibration, Method, Options, SeriesForecast, Validation,
};
use crate::forecast::fill::{fill, Fill};
use crate::forecast::summary::SeriesSummary;
use crate::forecast::types::{Interval, MAX_POINTS};
use crate::kpi::{CountryFilter, MetricId, Unit};
use crate::{Engine, Error, Result};

/// The interval levels when none are given, percent.
pub const DEFAULT_LEVELS: [f64; 2] = [80.0, 95.0];
/// Validation origins when none are given.
pub const DEFAULT_VALIDATION_ORIGINS: usize = 3;
/// The season lengths of a daily series when none are given: a week and a year.
pub const DAILY_SEASONS: [f64; 2] = [7.0, 365.0];
/// The most series one batch takes.
pub const MAX_BATCH_SERIES: usize = 100_000;
/// The most values one batch takes over all its series.
pub const MAX_BATCH_VALUES: usize = 20_000_000;
/// The longest series id.
pub const MAX_ID_LEN: usize = 200;
/// The longest metric forecast horizon, in days.
pub const MAX_METRIC_HORIZON: usize = 366;
/// The history of a metric forecast when no `from` is given: two years, enough for a yearly season.
pub const DEFAULT_HISTORY_DAYS: i64 = 730;

/// One season length or several (`7`, `[7, 365.25]`): periods in steps, rounded to whole steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SeasonLengths {
    /// One period.
    One(f64),
    /// Several periods.
    Many(Vec<f64>),
}

impl SeasonLengths {
    /// The periods as whole steps: each finite, rounded, 1 to the longest MSTL period.
    pub fn periods(&self) -> Result<Vec<usize>> {
        let raw: Vec<f64> = match self {
            SeasonLengths::One(p) => vec![*p],
            SeasonLengths::Many(v) => v.clone(),
        };
        if raw.len() > auto::MAX_SEASON_LENGTHS {
            return Err(Error::invalid_argument(
                "seasonLength",
                format!(
                    "has {} periods; at most {} are accepted",
                    raw.len(),
                    auto::MAX_SEASON_LENGTHS
                ),
            ));
        }
        let max = crate::forecast::mstl::MAX_PERIOD as f64;
        raw.iter()
            .map(|&p| {
                let r = p.round();
                if p.is_finite() && (1.0..=max).contains(&r) {
                    Ok(r as usize)
                } else {
                    Err(Error::invalid_argument(
                        "seasonLength",
                        format!("{p} is not a period between 1 and {max}"),
                    ))
                }
            })
            .collect()
    }
}

/// The model options every forecast request has.
struct ModelOptions<'a> {
    levels: &'a Option<Vec<f64>>,
    method: Option<Method>,
    validation_origins: Option<usize>,
    calibrate: Option<bool>,
}

impl ModelOptions<'_> {
    fn options(&self, horizon: usize, season_lengths: Vec<usize>) -> Options {
        Options {
            horizon,
            season_lengths,
            levels: self
                .levels
                .clone()
                .unwrap_or_else(|| DEFAULT_LEVELS.to_vec()),
            method: self.method.unwrap_or(Method::Auto),
            validation_origins: self
                .validation_origins
                .unwrap_or(DEFAULT_VALIDATION_ORIGINS),
            calibrate: self.calibrate.unwrap_or(true),
        }
    }
}

/// Forecast one series (`forecastSeries`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeriesForecastRequest {
    /// A name carried into the response (at most 200 characters), for batches.
    #[serde(default)]
    pub id: Option<String>,
    /// The values, oldest first, evenly spaced; `null` (or NaN) for a missing one; at most 1,000,000.
    pub values: Vec<Option<f64>>,
    /// The day of each value (strictly increasing); days between two given ones are missing values.
    /// With dates, the response dates its forecasts and the default seasons are 7 and 365.
    #[serde(default)]
    pub dates: Option<Vec<Day>>,
    /// Steps ahead, 1 to 10,000.
    pub horizon: usize,
    /// The season length(s) in steps (`7`, `[24, 168]`); default none, or 7 and 365 with dates.
    #[serde(default)]
    pub season_length: Option<SeasonLengths>,
    /// How a missing value is filled: `interpolate` (default) or `zero`.
    #[serde(default)]
    pub fill: Fill,
    /// Interval levels in percent, each strictly between 0 and 100 (default 80 and 95).
    #[serde(default)]
    pub levels: Option<Vec<f64>>,
    /// `auto` (default), `mstl`, `ets`, `combination`, `seasonalNaive`, `naive`, `drift` or `mean`.
    #[serde(default)]
    pub method: Option<Method>,
    /// Validation origins, 0 to 20 (default 3; 0 for none, then `auto` takes the first candidate).
    #[serde(default)]
    pub validation_origins: Option<usize>,
    /// Widen intervals that under-covered in validation (default true).
    #[serde(default)]
    pub calibrate: Option<bool>,
}

/// The model behind a forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelReport {
    /// The method that produced the forecast.
    pub method: Method,
    /// The model's name, e.g. `MSTL(7)+ETS(A,Ad,N)`.
    pub name: String,
    /// `analytic`, `approximate` (delta method), `combined` or `conformal` (scaled to validation).
    pub interval_method: String,
    /// The season lengths used.
    pub season_lengths: Vec<usize>,
    /// The fitted model: its parameters and states.
    pub fitted: FittedModel,
}

/// A series' forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeriesForecastResponse {
    /// The request's id.
    pub id: Option<String>,
    /// Steps forecast.
    pub horizon: usize,
    /// The day of each forecast step, when the request had dates.
    pub dates: Option<Vec<NaiveDate>>,
    /// The point forecasts, `point[i]` for step i + 1.
    pub point: Vec<f64>,
    /// The prediction intervals, one per level in the order asked.
    pub intervals: Vec<Interval>,
    /// The model.
    pub model: ModelReport,
    /// Every candidate's validation, the chosen one first.
    pub validation: Option<Validation>,
    /// How validation calibrated each level.
    pub calibration: Vec<LevelCalibration>,
    /// Direction, growth and volatility.
    pub summary: SeriesSummary,
    /// How many values were missing and filled.
    pub filled: usize,
    /// Fallbacks and other things a reader should know.
    pub notes: Vec<String>,
}

impl ModelReport {
    /// The model part of a forecast.
    pub fn of(fc: &SeriesForecast) -> Self {
        ModelReport {
            method: fc.method,
            name: fc.model_name.clone(),
            interval_method: fc.interval_method.clone(),
            season_lengths: fc.season_lengths.clone(),
            fitted: fc.model.clone(),
        }
    }
}

impl SeriesForecastRequest {
    /// The forecast.
    pub fn run(&self) -> Result<SeriesForecastResponse> {
        if let Some(id) = &self.id {
            if id.chars().count() > MAX_ID_LEN {
                return Err(Error::invalid_argument(
                    "id",
                    format!("is longer than {MAX_ID_LEN} characters"),
                ));
            }
        }
        let (raw, next_dates) = self.calendar()?;
        let periods = match &self.season_length {
            Some(s) => s.periods()?,
            None if self.dates.is_some() => {
                SeasonLengths::Many(DAILY_SEASONS.to_vec()).periods()?
            }
            None => Vec::new(),
        };
        let (values, filled, mut notes) = prepare(&raw, self.fill)?;
        if self.season_length.is_none() && self.dates.is_none() {
            notes.push("no season length given: only non-seasonal models were fitted".into());
        }
        let options = ModelOptions {
            levels: &self.levels,
            method: self.method,
            validation_origins: self.validation_origins,
            calibrate: self.calibrate,
        }
        .options(self.horizon, periods);
        let fc = auto::forecast(&values, &options)?;
        notes.extend(fc.notes.iter().cloned());
        let dates = next_dates.map(|last| {
            (1..=self.horizon as i64)
                .map(|k| add_days(last, k))
                .collect()
        });
        let model = ModelReport::of(&fc);
        Ok(SeriesForecastResponse {
            id: self.id.clone(),
            horizon: self.horizon,
            dates,
            point: fc.forecast.point,
            intervals: fc.forecast.intervals,
            model,
            validation: fc.validation,
            calibration: fc.calibration,
            summary: fc.summary,
            filled,
            notes,
        })
    }

    /// The values on an even daily calendar when dates are given (missing days inserted), and the
    /// last day.
    fn calendar(&self) -> Result<(Vec<Option<f64>>, Option<NaiveDate>)> {
        if self.values.len() > MAX_POINTS {
            return Err(Error::invalid_argument(
                "values",
                format!(
                    "has {} values; at most {MAX_POINTS} are accepted",
                    self.values.len()
                ),
            ));
        }
        let clean = |v: &Option<f64>| v.filter(|x| !x.is_nan());
        let Some(dates) = &self.dates else {
            return Ok((self.values.iter().map(clean).collect(), None));
        };
        if dates.len() != self.values.len() {
            return Err(Error::invalid_argument(
                "dates",
                format!(
                    "has {} dates for {} values; give one date per value",
                    dates.len(),
                    self.values.len()
                ),
            ));
        }
        let (Some(first), Some(last)) = (dates.first(), dates.last()) else {
            return Ok((Vec::new(), None));
        };
        if let Some(i) = (1..dates.len()).find(|&i| dates[i].0 <= dates[i - 1].0) {
            return Err(Error::invalid_argument(
                "dates",
                format!(
                    "date {i} ({}) does not come after date {} ({}); dates must increase",
                    dates[i].0,
                    i - 1,
                    dates[i - 1].0
                ),
            ));
        }
        let span = (last.0 - first.0).num_days();
        if span < 0 || span >= MAX_POINTS as i64 {
            return Err(Error::invalid_argument(
                "dates",
                format!(
                    "span {} … {}; they must increase and cover at most {MAX_POINTS} days",
                    first.0, last.0
                ),
            ));
        }
        let mut out = vec![None; span as usize + 1];
        let mut previous: Option<NaiveDate> = None;
        for (i, (d, v)) in dates.iter().zip(&self.values).enumerate() {
            if previous.is_some_and(|p| d.0 <= p) {
                return Err(Error::invalid_argument(
                    "dates",
                    format!("date {i} ({}) does not come after the one before it", d.0),
                ));
            }
            previous = Some(d.0);
            out[(d.0 - first.0).num_days() as usize] = clean(v);
        }
        Ok((out, Some(last.0)))
    }
}

/// Fills the missing values; infinities are refused.
fn prepare(raw: &[Option<f64>], how: Fill) -> Result<(Vec<f64>, usize, Vec<String>)> {
    if let Some(i) = raw.iter().position(|v| v.is_some_and(f64::is_infinite)) {
        return Err(Error::invalid_argument(
            "values",
            format!("value {i} is infinite; every value must be finite, null or NaN (missing)"),
        ));
    }
    if raw.is_empty() {
        return Err(Error::invalid_argument(
            "values",
            "is empty; at least one value is needed",
        ));
    }
    let (values, filled) = fill(raw, how).ok_or_else(|| {
        Error::invalid_argument("values", "every value is missing; nothing to forecast from")
    })?;
    let mut notes = Vec::new();
    if filled > 0 {
        notes.push(format!(
            "{filled} missing value(s) filled {}",
            how.describe()
        ));
    }
    Ok((values, filled, notes))
}

/// Many series at once (`forecastBatch`), in parallel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ForecastBatchRequest {
    /// The series, each a full [`SeriesForecastRequest`].
    pub series: Vec<SeriesForecastRequest>,
    /// Worker threads (default: the machine's cores, at most 64).
    #[serde(default)]
    pub threads: Option<usize>,
}

/// One series of a batch that could not be forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchFailure {
    /// Its position in the request.
    pub index: usize,
    /// Its id.
    pub id: Option<String>,
    /// The error's stable code.
    pub code: String,
    /// The error's message.
    pub message: String,
}

/// A batch's forecasts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForecastBatchResponse {
    /// The forecasts, in request order (failed series left out).
    pub forecasts: Vec<SeriesForecastResponse>,
    /// The series that failed, with why: one bad series does not fail the others.
    pub failures: Vec<BatchFailure>,
}

impl ForecastBatchRequest {
    /// Forecasts every series on `threads` workers.
    pub fn run(&self) -> Result<ForecastBatchResponse> {
        if self.series.len() > MAX_BATCH_SERIES {
            return Err(Error::invalid_argument(
                "series",
                format!(
                    "has {} series; at most {MAX_BATCH_SERIES} are accepted",
                    self.series.len()
                ),
            ));
        }
        let total: usize = self.series.iter().map(|s| s.values.len()).sum();
        if total > MAX_BATCH_VALUES {
            return Err(Error::invalid_argument(
                "series",
                format!("has {total} values in all; at most {MAX_BATCH_VALUES} are accepted"),
            ));
        }
        let threads = match self.threads {
            Some(0) | Some(65..) => {
                return Err(Error::invalid_argument(
                    "threads",
                    "must be between 1 and 64",
                ))
            }
            Some(t) => t,
            None => std::thread::available_parallelism().map_or(1, |n| n.get().min(64)),
        };
        let results = parallel_map(&self.series, threads, SeriesForecastRequest::run);
        let mut forecasts = Vec::with_capacity(results.len());
        let mut failures = Vec::new();
        for (index, (request, result)) in self.series.iter().zip(results).enumerate() {
            match result {
                Ok(f) => forecasts.push(f),
                Err(e) => failures.push(BatchFailure {
                    index,
                    id: request.id.clone(),
                    code: e.code().to_string(),
                    message: e.to_string(),
                }),
            }
        }
        Ok(ForecastBatchResponse {
            forecasts,
            failures,
        })
    }
}

/// `f` over `items` on up to `threads` scoped workers taking the next item from a shared counter
/// (series differ a lot in cost), results in input order.
fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let workers = threads.clamp(1, items.len().max(1));
    let mut parts: Vec<Vec<(usize, R)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(item)));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut all: Vec<(usize, R)> = parts.iter_mut().flat_map(std::mem::take).collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

/// Forecast a catalog metric's daily series (`forecast`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ForecastRequest {
    /// A metric id or alias of the catalog (`revenue.total`).
    pub metric: MetricId,
    /// Days ahead, 1 to 366 (default 14).
    #[serde(default)]
    pub horizon: Option<usize>,
    /// `ALL` (default), `UNKNOWN` or a code.
    #[serde(default)]
    pub country: CountryFilter,
    /// The first day of history (default: 730 days before `to`; days before the metric's first
    /// non-zero value are left out).
    #[serde(default)]
    pub from: Option<Day>,
    /// The last day of history (default: the last settled day).
    #[serde(default)]
    pub to: Option<Day>,
    /// The season lengths in days (default 7 and 365).
    #[serde(default)]
    pub season_length: Option<SeasonLengths>,
    /// Store the forecast in `analyticsforecasts` (default false).
    #[serde(default)]
    pub store: bool,
    /// Interval levels in percent, each strictly between 0 and 100 (default 80 and 95).
    #[serde(default)]
    pub levels: Option<Vec<f64>>,
    /// `auto` (default), `mstl`, `ets`, `combination`, `seasonalNaive`, `naive`, `drift` or `mean`.
    #[serde(default)]
    pub method: Option<Method>,
    /// Validation origins, 0 to 20 (default 3; 0 for none, then `auto` takes the first candidate).
    #[serde(default)]
    pub validation_origins: Option<usize>,
    /// Widen intervals that under-covered in validation (default true).
    #[serde(default)]
    pub calibrate: Option<bool>,
}

/// One forecast day: the value and its bounds at each level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Prediction {
    /// The local day.
    pub date: NaiveDate,
    /// The point forecast.
    pub value: f64,
    /// One bound pair per level.
    pub intervals: Vec<PredictionBound>,
}

/// A prediction's bounds at one level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PredictionBound {
    /// The level, percent.
    pub level: f64,
    /// The lower bound.
    pub lower: f64,
    /// The upper bound.
    pub upper: f64,
}

/// A metric's forecast, as `analyticsforecasts` stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricForecast {
    /// Application id.
    pub app_id: String,
    /// The metric id.
    pub metric: String,
    /// Its unit.
    pub unit: Unit,
    /// The country selection.
    pub country: CountryFilter,
    /// Days forecast.
    pub horizon_days: usize,
    /// The first day of history used.
    pub history_from: NaiveDate,
    /// The last day of history used (the forecasts start the day after).
    pub history_to: NaiveDate,
    /// When it was computed (the engine's clock).
    pub generated_at: DateTime<Utc>,
    /// The IANA time zone of the days.
    pub timezone: String,
    /// One prediction per day.
    pub predictions: Vec<Prediction>,
    /// The model's name (the old service's `modelType`).
    pub model_type: String,
    /// The model.
    pub model: ModelReport,
    /// The chosen model's validation accuracy (MAE, RMSE, sMAPE, MASE, coverage, MSIS).
    pub accuracy: Option<Accuracy>,
    /// Every candidate's validation.
    pub validation: Option<Validation>,
    /// How validation calibrated each level.
    pub calibration: Vec<LevelCalibration>,
    /// Direction, historical growth and volatility.
    pub summary: SeriesSummary,
    /// Days without a value that were filled (0 for counts and sums, interpolated for ratios).
    pub filled_days: usize,
    /// Fallbacks and other things a reader should know.
    pub notes: Vec<String>,
}

impl ForecastRequest {
    /// The forecast (stored when `store`).
    pub fn run(&self, engine: &Engine) -> Result<MetricForecast> {
        let horizon = self.horizon.unwrap_or(14);
        if horizon == 0 || horizon > MAX_METRIC_HORIZON {
            return Err(Error::invalid_argument(
                "horizon",
                format!("is {horizon}; it must be between 1 and {MAX_METRIC_HORIZON} days"),
            ));
        }
        let periods = match &self.season_length {
            Some(s) => s.periods()?,
            None => SeasonLengths::Many(DAILY_SEASONS.to_vec()).periods()?,
        };
        let to = self.to.map_or_else(|| engine.last_settled_day(), |d| d.0);
        let from = self
            .from
            .map_or_else(|| add_days(to, 1 - DEFAULT_HISTORY_DAYS), |d| d.0);
        let options = ModelOptions {
            levels: &self.levels,
            method: self.method,
            validation_origins: self.validation_origins,
            calibrate: self.calibrate,
        }
        .options(horizon, periods);
        let forecast = engine.forecast_metric(
            self.metric.metric(),
            crate::calendar::DateRange::new(from, to)?,
            self.country,
            &options,
        )?;
        if self.store {
            engine.store_forecast(&forecast)?;
        }
        Ok(forecast)
    }
}

/// Stored forecasts (`storedForecasts`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StoredForecastsRequest {
    /// Only this metric.
    #[serde(default)]
    pub metric: Option<MetricId>,
    /// Only this country selection.
    #[serde(default)]
    pub country: Option<CountryFilter>,
    /// Only forecasts whose history ends on or after this day.
    #[serde(default)]
    pub from: Option<Day>,
    /// … and on or before this day.
    #[serde(default)]
    pub to: Option<Day>,
}

impl StoredForecastsRequest {
    /// The stored forecasts, oldest history end first.
    pub fn run(&self, engine: &Engine) -> Result<Vec<MetricForecast>> {
        engine.stored_forecasts(
            self.metric.map(|m| m.metric()),
            self.country,
            self.from.map(|d| d.0),
            self.to.map(|d| d.0),
        )
    }
}
