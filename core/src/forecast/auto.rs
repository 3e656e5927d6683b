//! The automatic forecaster: fits every candidate model to a series, chooses among them by rolling-origin
//! validation on the series' own history, calibrates the chosen model's intervals on that validation's
//! errors, and describes the series (trend, growth, volatility). docs/forecast.md has the choices.
//!
//! Candidates: MSTL with a non-seasonal ETS trend model (when a season length fits twice in the data),
//! ETS selected by AICc (seasonal when the shortest season is at most [`MAX_ETS_SEASON`]), seasonal
//! naive, naive, and the mean of the MSTL and ETS forecasts (forecast combinations are often more
//! accurate than either model).

use serde::{Deserialize, Serialize};

use super::accuracy::{self, Accuracy, IntervalAccuracy};
use super::baseline::{self, BaselineMethod, FittedBaseline};
use super::ets::{self, FittedEts, SeasonType};
use super::mstl::{self, FittedMstl};
use super::summary::{summarize, SeriesSummary};
use super::types::{check_horizon, check_levels, check_series, Forecast, Interval};
use crate::{Error, Result};

/// The longest season an ETS model carries as seasonal states (`forecast::ets` refuses longer ones:
/// too many initial states to estimate).
pub const MAX_ETS_SEASON: usize = 24;
/// The most validation origins.
pub const MAX_VALIDATION_ORIGINS: usize = 20;
/// The most season lengths.
pub const MAX_SEASON_LENGTHS: usize = mstl::MAX_PERIODS;

/// A forecasting method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Method {
    /// Every applicable candidate below, the best by validation.
    Auto,
    /// MSTL decomposition with a non-seasonal ETS trend model.
    Mstl,
    /// ETS selected by AICc.
    Ets,
    /// The mean of the MSTL and ETS forecasts.
    Combination,
    /// The last value of the same season.
    SeasonalNaive,
    /// The last value.
    Naive,
    /// The last value plus the average change.
    Drift,
    /// The mean of the series.
    Mean,
}

impl Method {
    /// Every method, in the order candidates are tried (ties go to the earlier).
    pub const ALL: [Method; 8] = [
        Method::Auto,
        Method::Mstl,
        Method::Ets,
        Method::Combination,
        Method::SeasonalNaive,
        Method::Naive,
        Method::Drift,
        Method::Mean,
    ];

    /// The name used in requests and results, e.g. `seasonalNaive`.
    pub fn key(self) -> &'static str {
        match self {
            Method::Auto => "auto",
            Method::Mstl => "mstl",
            Method::Ets => "ets",
            Method::Combination => "combination",
            Method::SeasonalNaive => "seasonalNaive",
            Method::Naive => "naive",
            Method::Drift => "drift",
            Method::Mean => "mean",
        }
    }
}

/// What to forecast and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Steps ahead.
    pub horizon: usize,
    /// The season lengths (7 and 365 for daily data), each 1..=[`mstl::MAX_PERIOD`]; 1 or none for no
    /// season.
    pub season_lengths: Vec<usize>,
    /// Interval levels in percent.
    pub levels: Vec<f64>,
    /// The method; [`Method::Auto`] validates every candidate.
    pub method: Method,
    /// Validation origins (0 for none): the chosen model is measured on the last `origins × horizon`
    /// values, and `auto` chooses by it.
    pub validation_origins: usize,
    /// Widen the intervals to the coverage measured in validation when they under-covered.
    pub calibrate: bool,
}

/// The fitted model behind a forecast, with its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum FittedModel {
    /// An MSTL model.
    Mstl(Box<FittedMstl>),
    /// An ETS model.
    Ets(Box<FittedEts>),
    /// A baseline.
    Baseline(FittedBaseline),
    /// The mean of two models' forecasts.
    Combination {
        /// The models combined.
        models: Vec<FittedModel>,
    },
}

impl FittedModel {
    /// The model's name, e.g. `MSTL(7)+ETS(A,Ad,N)`.
    pub fn name(&self) -> String {
        match self {
            FittedModel::Mstl(m) => m.name(),
            FittedModel::Ets(e) => e.name.clone(),
            FittedModel::Baseline(b) => match b.method {
                BaselineMethod::Naive => "Naive".to_string(),
                BaselineMethod::SeasonalNaive { period } => format!("SeasonalNaive({period})"),
                BaselineMethod::Drift => "Drift".to_string(),
                BaselineMethod::Mean => "Mean".to_string(),
            },
            FittedModel::Combination { models } => {
                let names: Vec<String> = models.iter().map(FittedModel::name).collect();
                format!("Mean({})", names.join(", "))
            }
        }
    }

    /// Forecasts `horizon` steps with intervals at `levels` (percent).
    pub fn forecast(&self, horizon: usize, levels: &[f64]) -> Result<Forecast> {
        match self {
            FittedModel::Mstl(m) => m.forecast(horizon, levels),
            FittedModel::Ets(e) => e.forecast_approximate(horizon, levels),
            FittedModel::Baseline(b) => b.forecast(horizon, levels),
            FittedModel::Combination { models } => {
                let forecasts = models
                    .iter()
                    .map(|m| m.forecast(horizon, levels))
                    .collect::<Result<Vec<_>>>()?;
                Ok(mean_forecast(&forecasts))
            }
        }
    }

    /// The same model (same smoothing parameters) over other values, for validation.
    fn with_params_on(&self, values: &[f64]) -> Result<FittedModel> {
        Ok(match self {
            FittedModel::Mstl(m) => FittedModel::Mstl(Box::new(m.with_params_on(values)?)),
            FittedModel::Ets(e) => FittedModel::Ets(Box::new(e.with_params_on(values)?)),
            FittedModel::Baseline(b) => FittedModel::Baseline(baseline::fit(values, b.method)?),
            FittedModel::Combination { models } => FittedModel::Combination {
                models: models
                    .iter()
                    .map(|m| m.with_params_on(values))
                    .collect::<Result<_>>()?,
            },
        })
    }
}

/// The point-wise mean of forecasts, intervals by their bounds' means (levels of the first forecast
/// that every forecast carries).
fn mean_forecast(forecasts: &[Forecast]) -> Forecast {
    let k = forecasts.len().max(1) as f64;
    let h = forecasts.first().map_or(0, |f| f.point.len());
    let mean_of = |get: &dyn Fn(&Forecast) -> Option<&Vec<f64>>| -> Option<Vec<f64>> {
        let mut out = vec![0.0; h];
        for f in forecasts {
            for (o, v) in out.iter_mut().zip(get(f)?) {
                *o += v / k;
            }
        }
        Some(out)
    };
    let point = mean_of(&|f| Some(&f.point)).unwrap_or_default();
    let intervals = forecasts
        .first()
        .map(|first| {
            first
                .intervals
                .iter()
                .filter_map(|i| {
                    Some(Interval {
                        level: i.level,
                        lower: mean_of(&|f| f.interval(i.level).map(|x| &x.lower))?,
                        upper: mean_of(&|f| f.interval(i.level).map(|x| &x.upper))?,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Forecast { point, intervals }
}

/// One candidate's validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CandidateScore {
    /// The candidate's method.
    pub method: Method,
    /// Its model's name.
    pub name: String,
    /// Its accuracy over the validation origins (MASE the mean of the origins').
    pub accuracy: Accuracy,
}

/// How the chosen model was validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    /// Origins: the last `origins × horizon` values were forecast `horizon` at a time.
    pub origins: usize,
    /// Steps forecast from each origin.
    pub horizon: usize,
    /// The season of the MASE and MSIS scale.
    pub season: usize,
    /// Every candidate validated, the chosen one first.
    pub candidates: Vec<CandidateScore>,
}

/// The calibration of one level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LevelCalibration {
    /// The level, percent.
    pub level: f64,
    /// The coverage the model's own intervals reached in validation.
    pub validation_coverage: Option<f64>,
    /// The factor the half-widths were multiplied by (1: unchanged).
    pub factor: f64,
}

/// A forecast with everything needed to trust it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeriesForecast {
    /// The method that produced the forecast.
    pub method: Method,
    /// The model's name.
    pub model_name: String,
    /// The fitted model and its parameters.
    pub model: FittedModel,
    /// The point forecasts and (calibrated) intervals.
    pub forecast: Forecast,
    /// How the intervals were computed: `analytic`, `simulated` or `conformal` (widened by validation).
    pub interval_method: String,
    /// The validation of every candidate (absent when the series is too short or origins is 0).
    pub validation: Option<Validation>,
    /// Per level, how validation calibrated the intervals.
    pub calibration: Vec<LevelCalibration>,
    /// The season lengths used; those the data is too short for are named in `notes`.
    pub season_lengths: Vec<usize>,
    /// The forecast's direction, the history's growth and volatility.
    pub summary: SeriesSummary,
    /// Fallbacks and other things a reader should know.
    pub notes: Vec<String>,
}

/// Forecasts `values` (oldest first, finite, evenly spaced) as `options` say.
pub fn forecast(values: &[f64], options: &Options) -> Result<SeriesForecast> {
    check_series("values", values, 1)?;
    check_horizon(options.horizon)?;
    check_levels(&options.levels)?;
    if options.season_lengths.len() > MAX_SEASON_LENGTHS {
        return Err(Error::invalid_argument(
            "seasonLengths",
            format!(
                "has {}; at most {MAX_SEASON_LENGTHS} are accepted",
                options.season_lengths.len()
            ),
        ));
    }
    if let Some(p) = options
        .season_lengths
        .iter()
        .find(|&&p| p == 0 || p > mstl::MAX_PERIOD)
    {
        return Err(Error::invalid_argument(
            "seasonLengths",
            format!("{p} is not between 1 and {}", mstl::MAX_PERIOD),
        ));
    }
    if options.validation_origins > MAX_VALIDATION_ORIGINS {
        return Err(Error::invalid_argument(
            "validationOrigins",
            format!(
                "is {}; at most {MAX_VALIDATION_ORIGINS} are accepted",
                options.validation_origins
            ),
        ));
    }
    let n = values.len();
    let mut notes = Vec::new();
    let asked: Vec<usize> = options
        .season_lengths
        .iter()
        .copied()
        .filter(|&p| p > 1)
        .collect();
    let mut periods = mstl::usable_periods(&asked, n);
    for p in asked.iter().filter(|p| !periods.contains(p)) {
        notes.push(format!(
            "season length {p} ignored: {n} values are fewer than two full seasons ({})",
            2 * p
        ));
    }
    // `auto` only chooses what it could validate: a season that leaves no room for the validation
    // origins after two full cycles (365 on two years of days) would make every candidate
    // unvalidated, so it is left out (asked for by name, MSTL keeps it).
    let k = options.validation_origins;
    if options.method == Method::Auto && k > 0 {
        let (kept, dropped): (Vec<usize>, Vec<usize>) =
            periods.iter().partition(|&&p| n >= 2 * p + 1 + k);
        if !kept.is_empty() {
            for p in &dropped {
                notes.push(format!(
                    "season length {p} not used: validating {k} origin(s) after two full seasons needs \
                     more than {} values",
                    2 * p + k
                ));
            }
            periods = kept;
        }
    }
    let season = periods.first().copied().unwrap_or(1);
    let (h, levels) = (options.horizon, options.levels.as_slice());

    if values.iter().all(|&v| v == values[0]) {
        notes.push(
            "constant series: the forecast is the constant, with zero-width intervals".into(),
        );
        let model = FittedModel::Baseline(FittedBaseline {
            method: BaselineMethod::Naive,
            sigma: 0.0,
            n,
            level: values[0],
            slope: 0.0,
            last_season: Vec::new(),
        });
        return finish(
            values,
            model,
            Method::Naive,
            h,
            levels,
            None,
            Vec::new(),
            periods,
            notes,
        );
    }

    let fitted = fit_candidates(values, options.method, &periods, season, &mut notes)?;
    let validation = validate(values, &fitted, options, season, levels)?;
    let chosen = match (&validation, options.method) {
        (Some(v), Method::Auto) => v.best,
        _ => 0,
    };
    if validation.is_none() && options.validation_origins > 0 {
        notes.push(format!(
            "{n} values are too few to validate on {} origin(s): no validation{}",
            options.validation_origins,
            if options.method == Method::Auto {
                "; chose the first applicable candidate"
            } else {
                ""
            }
        ));
    }
    let (method, model) = fitted
        .into_iter()
        .nth(chosen)
        .ok_or_else(|| Error::invalid_argument("values", "no model could be fitted"))?;
    let (report, calibration) = match validation {
        Some(v) => {
            let calibration = match v.runs.get(chosen) {
                Some(Some(run)) if options.calibrate => calibrate(run, levels),
                _ => Vec::new(),
            };
            (Some(v.into_report(chosen, season)), calibration)
        }
        None => (None, Vec::new()),
    };
    finish(
        values,
        model,
        method,
        h,
        levels,
        report,
        calibration,
        periods,
        notes,
    )
}

#[allow(clippy::too_many_arguments)]
fn finish(
    values: &[f64],
    model: FittedModel,
    method: Method,
    h: usize,
    levels: &[f64],
    validation: Option<Validation>,
    calibration: Vec<LevelCalibration>,
    season_lengths: Vec<usize>,
    notes: Vec<String>,
) -> Result<SeriesForecast> {
    let mut forecast = model.forecast(h, levels)?;
    let mut interval_method = interval_method(&model).to_string();
    for cal in &calibration {
        if cal.factor != 1.0 {
            interval_method = "conformal".to_string();
            if let Some(i) = forecast.intervals.iter_mut().find(|i| i.level == cal.level) {
                for ((l, u), p) in i
                    .lower
                    .iter_mut()
                    .zip(i.upper.iter_mut())
                    .zip(&forecast.point)
                {
                    *l = p - (p - *l) * cal.factor;
                    *u = p + (*u - p) * cal.factor;
                }
            }
        }
    }
    nest(&mut forecast.intervals);
    let season = season_lengths.first().copied().unwrap_or(1);
    Ok(SeriesForecast {
        summary: summarize(values, &forecast.point, season),
        method,
        model_name: model.name(),
        model,
        forecast,
        interval_method,
        validation,
        calibration,
        season_lengths,
        notes,
    })
}

fn interval_method(model: &FittedModel) -> &'static str {
    match model {
        FittedModel::Mstl(m) => m.interval_method(),
        FittedModel::Ets(e) => match e.interval_method() {
            ets::IntervalMethod::Analytic => "analytic",
            ets::IntervalMethod::Simulated => "approximate",
        },
        FittedModel::Baseline(_) => "analytic",
        FittedModel::Combination { .. } => "combined",
    }
}

/// Fits the candidates of `method` on the whole series, in preference order.
fn fit_candidates(
    values: &[f64],
    method: Method,
    periods: &[usize],
    season: usize,
    notes: &mut Vec<String>,
) -> Result<Vec<(Method, FittedModel)>> {
    let wanted: Vec<Method> = match method {
        Method::Auto => vec![
            Method::Mstl,
            Method::Ets,
            Method::Combination,
            Method::SeasonalNaive,
            Method::Naive,
        ],
        m => vec![m],
    };
    let mut out: Vec<(Method, FittedModel)> = Vec::new();
    for m in wanted {
        let fitted = match m {
            Method::Mstl if periods.is_empty() => {
                if method == Method::Mstl {
                    notes.push(
                        "MSTL needs a season length that fits twice in the data: fell back to ETS"
                            .into(),
                    );
                    fit_ets(values, season, false).map(|e| (Method::Ets, e))
                } else {
                    continue;
                }
            }
            Method::Mstl => mstl::fit(values, periods).map(|f| (m, FittedModel::Mstl(Box::new(f)))),
            Method::Ets => fit_ets(values, season, method == Method::Auto).map(|e| (m, e)),
            Method::Combination => {
                let parts: Vec<FittedModel> = out
                    .iter()
                    .filter(|(k, _)| matches!(k, Method::Mstl | Method::Ets))
                    .map(|(_, f)| f.clone())
                    .collect();
                if parts.len() == 2 {
                    Ok((m, FittedModel::Combination { models: parts }))
                } else if method == Method::Combination {
                    let mstl = mstl::fit(values, periods);
                    let ets = fit_ets(values, season, false);
                    match (mstl, ets) {
                        (Ok(a), Ok(b)) => Ok((
                            m,
                            FittedModel::Combination {
                                models: vec![FittedModel::Mstl(Box::new(a)), b],
                            },
                        )),
                        (Err(_), Ok(b)) => {
                            notes.push("combination needs MSTL, which needs a season length that fits twice in the data: fell back to ETS".into());
                            Ok((Method::Ets, b))
                        }
                        (_, Err(e)) => Err(e),
                    }
                } else {
                    continue;
                }
            }
            Method::SeasonalNaive if season < 2 && method == Method::Auto => continue,
            Method::SeasonalNaive => {
                let period = season.min(values.len().saturating_sub(1)).max(1);
                baseline::fit(values, BaselineMethod::SeasonalNaive { period })
                    .map(|b| (m, FittedModel::Baseline(b)))
            }
            Method::Naive => base(values, BaselineMethod::Naive, m),
            Method::Drift => base(values, BaselineMethod::Drift, m),
            Method::Mean => base(values, BaselineMethod::Mean, m),
            Method::Auto => continue,
        };
        match fitted {
            Ok(f) => out.push(f),
            // In `auto` a candidate that cannot be fitted is simply not a candidate.
            Err(e) if method == Method::Auto => notes.push(format!("{} not fitted: {e}", m.key())),
            Err(e) => return Err(e),
        }
    }
    if out.is_empty() {
        // Too short for every candidate (one or two values): the last value.
        notes.push(format!(
            "{} values are too few for any model: the last value is the forecast",
            values.len()
        ));
        out.push((Method::Naive, naive_of_last(values)));
    }
    Ok(out)
}

fn base(values: &[f64], method: BaselineMethod, m: Method) -> Result<(Method, FittedModel)> {
    baseline::fit(values, method).map(|b| (m, FittedModel::Baseline(b)))
}

fn naive_of_last(values: &[f64]) -> FittedModel {
    FittedModel::Baseline(FittedBaseline {
        method: BaselineMethod::Naive,
        sigma: 0.0,
        n: values.len(),
        level: values.last().copied().unwrap_or(0.0),
        slope: 0.0,
        last_season: Vec::new(),
    })
}

/// ETS by AICc with the shortest season when it is short enough to carry as states. Within `auto`
/// only the seasonal models without trend are candidates ((A,N,A), (A,N,M), (M,N,M)): MSTL's trend
/// model covers trends, and the benchmark (benches/forecast) found the full family no more accurate
/// there at 5 times the cost. Asked for by name (`method: ets`), the full family is searched.
fn fit_ets(values: &[f64], season: usize, within_auto: bool) -> Result<FittedModel> {
    let m = if season <= MAX_ETS_SEASON { season } else { 1 };
    let fitted = if m > 1 && within_auto {
        ets::auto_ets_among(values, m, |s| {
            s.season != SeasonType::None && s.trend == ets::TrendType::None
        })?
    } else if m > 1 {
        ets::auto_ets(values, m)?
    } else {
        ets::auto_ets_among(values, 1, |s| s.season == SeasonType::None)?
    };
    Ok(FittedModel::Ets(Box::new(fitted)))
}

/// What validation measured: per candidate (aligned with the fitted candidates; `None` when it could
/// not be validated) its accuracy and, per origin, (actual, forecast).
struct Validated {
    origins: usize,
    horizon: usize,
    runs: Vec<Option<CandidateRun>>,
    /// The candidate with the lowest validation MASE (MAE when no MASE exists).
    best: usize,
}

struct CandidateRun {
    method: Method,
    name: String,
    accuracy: Accuracy,
    windows: Vec<(Vec<f64>, Forecast)>,
}

impl Validated {
    fn into_report(self, chosen: usize, season: usize) -> Validation {
        let mut candidates = Vec::with_capacity(self.runs.len());
        let mut runs = self.runs;
        if let Some(Some(c)) = runs.get_mut(chosen).map(Option::take) {
            candidates.push(score(c));
        }
        candidates.extend(runs.into_iter().flatten().map(score));
        Validation {
            origins: self.origins,
            horizon: self.horizon,
            season,
            candidates,
        }
    }
}

fn score(c: CandidateRun) -> CandidateScore {
    CandidateScore {
        method: c.method,
        name: c.name,
        accuracy: c.accuracy,
    }
}

/// Rolling-origin validation: origin i of k forecasts values[n − (k − i)·hv ..][..hv] from the values
/// before it, every candidate with the smoothing parameters fitted on the whole series (re-running
/// only the decomposition and the states), so that validating costs a pass, not a fit, per origin.
fn validate(
    values: &[f64],
    fitted: &[(Method, FittedModel)],
    options: &Options,
    season: usize,
    levels: &[f64],
) -> Result<Option<Validated>> {
    let n = values.len();
    let k = options.validation_origins;
    if k == 0 {
        return Ok(None);
    }
    let longest = fitted
        .iter()
        .map(|(_, f)| min_training(f))
        .max()
        .unwrap_or(2)
        .max(2 * season + 1);
    if n <= longest + k {
        return Ok(None);
    }
    let hv = options.horizon.min((n - longest) / k);
    if hv == 0 {
        return Ok(None);
    }
    // Candidates are compared on points alone; only the chosen one's intervals are needed (for its
    // coverage and the calibration), so only its windows are forecast again with them.
    let run = |model: &FittedModel, method: Method, levels: &[f64]| -> Option<CandidateRun> {
        let mut windows = Vec::with_capacity(k);
        for i in 0..k {
            let origin = n - (k - i) * hv;
            let f = model
                .with_params_on(&values[..origin])
                .and_then(|m| m.forecast(hv, levels))
                .ok()
                .filter(|f| f.point.iter().all(|v| v.is_finite()))?;
            windows.push((values[origin..origin + hv].to_vec(), f));
        }
        Some(CandidateRun {
            method,
            name: model.name(),
            accuracy: pooled_accuracy(values, &windows, n - k * hv, hv, season),
            windows,
        })
    };
    let mut runs: Vec<Option<CandidateRun>> = Vec::with_capacity(fitted.len());
    for (method, model) in fitted {
        // The combination's points are the mean of its members' points, which were just validated:
        // averaging them saves re-running the members (an MSTL decomposition per origin).
        let reused = match model {
            FittedModel::Combination { models } => {
                combine_runs(&runs, fitted, models).map(|windows| CandidateRun {
                    method: *method,
                    name: model.name(),
                    accuracy: pooled_accuracy(values, &windows, n - k * hv, hv, season),
                    windows,
                })
            }
            _ => None,
        };
        runs.push(reused.or_else(|| run(model, *method, &[])));
    }
    let key = |r: &Option<CandidateRun>| {
        r.as_ref()
            .and_then(|c| c.accuracy.mase.or(c.accuracy.mae))
            .unwrap_or(f64::INFINITY)
    };
    if runs.iter().all(Option::is_none) {
        return Ok(None);
    }
    let best = (0..runs.len())
        .min_by(|&a, &b| key(&runs[a]).total_cmp(&key(&runs[b])))
        .unwrap_or(0);
    let chosen = if options.method == Method::Auto {
        best
    } else {
        0
    };
    if !levels.is_empty() {
        if let Some((method, model)) = fitted.get(chosen) {
            runs[chosen] = run(model, *method, levels);
        }
    }
    Ok(Some(Validated {
        origins: k,
        horizon: hv,
        runs,
        best,
    }))
}

/// The validation windows of a combination from its members' runs (points only), when every member
/// was validated as a candidate of its own.
fn combine_runs(
    runs: &[Option<CandidateRun>],
    fitted: &[(Method, FittedModel)],
    members: &[FittedModel],
) -> Option<Vec<(Vec<f64>, Forecast)>> {
    let member_runs: Vec<&CandidateRun> = members
        .iter()
        .map(|m| {
            let i = fitted.iter().position(|(_, f)| f == m)?;
            runs.get(i)?.as_ref()
        })
        .collect::<Option<_>>()?;
    let first = member_runs.first()?;
    Some(
        (0..first.windows.len())
            .map(|w| {
                let forecasts: Vec<Forecast> =
                    member_runs.iter().map(|r| r.windows[w].1.clone()).collect();
                (first.windows[w].0.clone(), mean_forecast(&forecasts))
            })
            .collect(),
    )
}

/// The fewest values a model's validation refit needs.
fn min_training(model: &FittedModel) -> usize {
    match model {
        FittedModel::Mstl(m) => 2 * m.periods.last().copied().unwrap_or(1) + 1,
        FittedModel::Ets(e) => 2 * e.season_length + 2,
        FittedModel::Baseline(b) => b.method.min_points(),
        FittedModel::Combination { models } => models.iter().map(min_training).max().unwrap_or(2),
    }
}

/// MAE, RMSE, sMAPE and coverage over every validation value; MASE and MSIS the mean of the origins'
/// (each scaled by its own training values).
fn pooled_accuracy(
    values: &[f64],
    windows: &[(Vec<f64>, Forecast)],
    first_origin: usize,
    hv: usize,
    season: usize,
) -> Accuracy {
    let actual: Vec<f64> = windows
        .iter()
        .flat_map(|(a, _)| a.iter().copied())
        .collect();
    let point: Vec<f64> = windows
        .iter()
        .flat_map(|(_, f)| f.point.iter().copied())
        .collect();
    let scale_season = |train: &[f64]| {
        if accuracy::mase_scale(train, season).is_some() {
            season
        } else {
            1
        }
    };
    let per_origin: Vec<Accuracy> = windows
        .iter()
        .enumerate()
        .map(|(i, (a, f))| {
            let train = &values[..first_origin + i * hv];
            accuracy::evaluate(a, f, train, scale_season(train))
        })
        .collect();
    let mean = |get: &dyn Fn(&Accuracy) -> Option<f64>| -> Option<f64> {
        let v: Vec<f64> = per_origin.iter().filter_map(get).collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    let levels: Vec<f64> = windows
        .first()
        .map(|(_, f)| f.intervals.iter().map(|i| i.level).collect())
        .unwrap_or_default();
    let intervals = levels
        .iter()
        .map(|&level| {
            let lower: Vec<f64> = windows
                .iter()
                .flat_map(|(_, f)| {
                    f.interval(level)
                        .map(|i| i.lower.clone())
                        .unwrap_or_default()
                })
                .collect();
            let upper: Vec<f64> = windows
                .iter()
                .flat_map(|(_, f)| {
                    f.interval(level)
                        .map(|i| i.upper.clone())
                        .unwrap_or_default()
                })
                .collect();
            IntervalAccuracy {
                level,
                coverage: accuracy::coverage(&actual, &lower, &upper),
                msis: mean(&|a: &Accuracy| {
                    a.intervals
                        .iter()
                        .find(|x| x.level == level)
                        .and_then(|x| x.msis)
                }),
            }
        })
        .collect();
    Accuracy {
        count: actual.len(),
        mae: accuracy::mae(&actual, &point),
        rmse: accuracy::rmse(&actual, &point),
        smape: accuracy::smape(&actual, &point),
        mase: mean(&|a: &Accuracy| a.mase),
        intervals,
    }
}

/// Scaled split-conformal calibration: each validation error is divided by its interval's half-width
/// at the level (on the side the error fell), and the rank-⌈(N + 1)·level⌉ of those ratios is the
/// factor that would have covered the level (see [`calibration_factor`]).
fn calibrate(run: &CandidateRun, levels: &[f64]) -> Vec<LevelCalibration> {
    let calibrated = levels
        .iter()
        .map(|&level| {
            let mut ratios = Vec::new();
            let mut inside = 0usize;
            let mut total = 0usize;
            for (actual, f) in &run.windows {
                let Some(i) = f.interval(level) else { continue };
                for (j, y) in actual.iter().enumerate() {
                    let (p, l, u) = (f.point[j], i.lower[j], i.upper[j]);
                    total += 1;
                    if (l..=u).contains(y) {
                        inside += 1;
                    }
                    let half = if *y >= p { u - p } else { p - l };
                    let err = (y - p).abs();
                    if half > 0.0 {
                        ratios.push(err / half);
                    } else if err > 0.0 {
                        ratios.push(f64::INFINITY);
                    } else {
                        ratios.push(0.0);
                    }
                }
            }
            let coverage = (total > 0).then(|| inside as f64 / total as f64);
            ratios.sort_by(f64::total_cmp);
            let factor = calibration_factor(&ratios, level);
            let measurable =
                ((ratios.len() + 1) as f64 * level / 100.0 - 1e-9).ceil() as usize <= ratios.len();
            (
                LevelCalibration {
                    level,
                    validation_coverage: coverage,
                    factor,
                },
                measurable,
            )
        })
        .collect::<Vec<_>>();
    // A level too high to calibrate on this many errors (95 % needs 19) still widens at least as much
    // as the highest lower level that was widened: otherwise a calibrated 80 % interval could end up
    // wider than the uncalibrated 95 % one.
    let mut out = Vec::with_capacity(levels.len());
    for (cal, measurable) in &calibrated {
        let mut cal = cal.clone();
        if !measurable {
            let inherited = calibrated
                .iter()
                .filter(|(c, m)| *m && c.level < cal.level)
                .map(|(c, _)| c.factor)
                .fold(1.0, f64::max);
            cal.factor = cal.factor.max(inherited);
        }
        out.push(cal);
    }
    out
}

/// Makes the intervals nest: each contains every interval of a lower level (a higher level's interval
/// is widened to the union where calibration left it narrower).
fn nest(intervals: &mut [Interval]) {
    for a in 0..intervals.len() {
        for b in 0..intervals.len() {
            if intervals[b].level >= intervals[a].level {
                continue;
            }
            let (lower, upper) = (intervals[b].lower.clone(), intervals[b].upper.clone());
            let high = &mut intervals[a];
            high.lower
                .iter_mut()
                .zip(&lower)
                .for_each(|(h, l)| *h = h.min(*l));
            high.upper
                .iter_mut()
                .zip(&upper)
                .for_each(|(h, u)| *h = h.max(*u));
        }
    }
}

/// The factor of the half-widths from the sorted ratios |error| / half-width: the conformal quantile q
/// at rank ⌈(N + 1)·level⌉ when it exceeds 1 (the intervals under-covered: widen). Narrowing needs
/// more evidence, since too-narrow intervals cost more than too-wide ones: the one-sided 99 % upper
/// confidence bound of that quantile (the rank plus 2.326 binomial standard deviations) must be below
/// 1, and the intervals are narrowed only to it. 1 when the sample is too small for the rank.
fn calibration_factor(sorted_ratios: &[f64], level: f64) -> f64 {
    let n = sorted_ratios.len();
    let p = level / 100.0;
    let rank = ((n + 1) as f64 * p - 1e-9).ceil() as usize;
    if rank == 0 || rank > n {
        return 1.0;
    }
    let q = sorted_ratios[rank - 1];
    if !q.is_finite() {
        return 1.0;
    }
    if q >= 1.0 {
        return q;
    }
    let upper_rank = rank + (2.326 * (n as f64 * p * (1.0 - p)).sqrt()).ceil() as usize;
    match sorted_ratios.get(upper_rank.saturating_sub(1)) {
        Some(&hi) if upper_rank <= n && hi < 1.0 && hi > 0.0 => hi,
        _ => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibration_widens_on_evidence_and_narrows_only_on_strong_evidence() {
        // 99 ratios 0.01 … 0.99 (all inside): the 80 % conformal quantile is rank 80, 0.80; its 99 %
        // upper bound is rank 80 + ⌈2.326·√(99·0.16)⌉ = 90, 0.90 < 1: narrowed to 0.90.
        let inside: Vec<f64> = (1..=99).map(|i| i as f64 / 100.0).collect();
        assert_eq!(calibration_factor(&inside, 80.0), 0.9);
        // Scaled up 1.5 times, the quantile 1.2 exceeds 1: widened by it.
        let outside: Vec<f64> = inside.iter().map(|r| r * 1.5).collect();
        assert!((calibration_factor(&outside, 80.0) - 1.2).abs() < 1e-12);
        // The upper bound at 0.99 × 1.5 > 1 is no evidence for narrowing a 95 % interval: ratios
        // 0.01 … 0.99 scaled by 1.02 give q(95) = 0.969 but an upper bound above 1.
        let near: Vec<f64> = inside.iter().map(|r| r * 1.02).collect();
        assert_eq!(calibration_factor(&near, 95.0), 1.0);
        // Too few ratios for the rank: unchanged.
        assert_eq!(calibration_factor(&[0.1; 10], 95.0), 1.0);
        assert_eq!(calibration_factor(&[], 80.0), 1.0);
    }

    #[test]
    fn intervals_nest_after_calibration() {
        let mut v = vec![
            Interval {
                level: 95.0,
                lower: vec![0.0, 1.0],
                upper: vec![10.0, 9.0],
            },
            Interval {
                level: 80.0,
                lower: vec![-1.0, 2.0],
                upper: vec![8.0, 9.5],
            },
        ];
        nest(&mut v);
        assert_eq!(v[0].lower, vec![-1.0, 1.0]);
        assert_eq!(v[0].upper, vec![10.0, 9.5]);
        assert_eq!(v[1].lower, vec![-1.0, 2.0]);
    }
}
