//! The automatic forecaster: fits every candidate model to a series, chooses among them by rolling-origin
//! validation on the series' own history, calibrates the chosen model's intervals on that validation's
//! errors, and describes the series (trend, growth, volatility). docs/forecast.md has the choices.
//!
//! Candidates: MSTL with a non-seasonal ETS trend model (when a season length fits twice in the data),
//! ETS selected by AICc (seasonal when the shortest season is at most [`MAX_ETS_SEASON`]), seasonal
//! naive, naive, drift, and the mean of the MSTL and ETS forecasts (forecast combinations are often
//! more accurate than either model).

use serde::{Deserialize, Serialize};

use super::baseline::{self, BaselineMethod, FittedBaseline};
use super::ets::{self, FittedEts, SeasonType};
use super::mstl::{self, FittedMstl};
use super::summary::{summarize, SeriesSummary};
use super::types::{check_horizon, check_levels, check_series, Forecast, Interval};
use crate::{Error, Result};

mod validate;

use validate::{calibrate, nest, validate};
pub use validate::{CandidateScore, LevelCalibration, Validation};

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
        FittedModel::Ets(e) => e.approximate_interval_name(),
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
            Method::Drift,
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
