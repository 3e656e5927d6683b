//! Rolling-origin evaluation (time-series cross-validation, FPP3 §5.10): refit at several forecast
//! origins, forecast the next `horizon` values each time, and measure them against what happened.
//!
//! With T values, horizon h, k origins and step s, origin i (0-based, oldest first) is
//! `T − h − (k − 1 − i)·s`: the model sees `series[..origin]` and forecasts `series[origin..origin + h]`.
//! The last window ends exactly at the end of the series and the origins go back `s` values at a time,
//! so with the default s = h the windows tile the last k·h values without overlap. The first origin
//! must leave at least 2m values to fit on (m the MASE season), so the series needs
//! T ≥ h + (k − 1)·s + 2m values (k·h + 2m with the default step).

use serde::{Deserialize, Serialize};

use super::accuracy::{self, Accuracy, IntervalAccuracy};
use super::baseline::MAX_PERIOD;
use super::types::{check_horizon, check_levels, check_series, Forecast, MAX_HORIZON};
use crate::{Error, Result};

/// The most forecast origins one backtest evaluates.
pub const MAX_ORIGINS: usize = 100;

/// What to evaluate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BacktestOptions {
    /// Steps forecast at each origin, 1..=10,000.
    pub horizon: usize,
    /// How many origins, 1..=[`MAX_ORIGINS`].
    pub origins: usize,
    /// Values between consecutive origins, 1..=10,000; `None` is the horizon (no overlapping windows).
    #[serde(default)]
    pub step: Option<usize>,
    /// The interval levels asked of the forecaster, percentages in (0, 100).
    #[serde(default)]
    pub levels: Vec<f64>,
    /// The season m of the MASE and MSIS scale (1 for none), 1..=10,000.
    #[serde(default = "default_season")]
    pub season: usize,
}

fn default_season() -> usize {
    1
}

impl BacktestOptions {
    /// `origins` windows of `horizon` steps, no intervals, MASE scaled by the naive method.
    pub fn new(horizon: usize, origins: usize) -> Self {
        BacktestOptions {
            horizon,
            origins,
            step: None,
            levels: Vec::new(),
            season: 1,
        }
    }
}

/// The evaluation at one origin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OriginAccuracy {
    /// The index of the first forecast value, which is also how many values the model saw.
    pub origin: usize,
    /// The metrics of this origin's forecast, scaled by `series[..origin]`.
    pub accuracy: Accuracy,
}

/// The result of a backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Backtest {
    /// The horizon h.
    pub horizon: usize,
    /// The step between origins.
    pub step: usize,
    /// Each origin's evaluation, oldest first.
    pub origins: Vec<OriginAccuracy>,
    /// All origins together: MAE, RMSE, sMAPE and coverage over every (origin, step) pair; MASE and
    /// MSIS the mean of the origins' values (each origin has its own scale, and equal-length windows
    /// make that the pooled mean of scaled errors). An interval level appears when every origin's
    /// forecast carried it.
    pub pooled: Accuracy,
    /// The signed errors y − ŷ by horizon step: `errors[j][i]` is step j + 1 of origin i. What
    /// [`conformal::calibrate`](super::conformal::calibrate) needs.
    pub errors: Vec<Vec<f64>>,
}

/// Runs `forecaster(training, horizon, levels)` at every origin of `series` and evaluates it.
///
/// The forecaster's errors are returned as they are; a forecast with the wrong number of points,
/// a non-finite value or a malformed interval is an invalid `forecaster` argument.
pub fn backtest<F>(series: &[f64], options: &BacktestOptions, forecaster: F) -> Result<Backtest>
where
    F: Fn(&[f64], usize, &[f64]) -> Result<Forecast>,
{
    let h = options.horizon;
    check_horizon(h)?;
    check_levels(&options.levels)?;
    let k = options.origins;
    if k == 0 || k > MAX_ORIGINS {
        return Err(Error::invalid_argument(
            "origins",
            format!("is {k}; it must be between 1 and {MAX_ORIGINS}"),
        ));
    }
    let step = options.step.unwrap_or(h);
    if step == 0 || step > MAX_HORIZON {
        return Err(Error::invalid_argument(
            "step",
            format!("is {step}; it must be between 1 and {MAX_HORIZON}"),
        ));
    }
    let m = options.season;
    if m == 0 || m > MAX_PERIOD {
        return Err(Error::invalid_argument(
            "season",
            format!("is {m}; it must be between 1 and {MAX_PERIOD}"),
        ));
    }
    // All factors are bounded above, so this cannot overflow.
    let needed = h + (k - 1) * step + 2 * m;
    check_series("series", series, 0)?;
    if series.len() < needed {
        return Err(Error::invalid_argument(
            "series",
            format!(
                "has {} values; {k} origins {step} apart with horizon {h} and season {m} need at least \
                 horizon + (origins − 1)·step + 2·season = {needed}",
                series.len()
            ),
        ));
    }

    let last_origin = series.len() - h;
    let mut origins = Vec::with_capacity(k);
    let mut errors = vec![Vec::with_capacity(k); h];
    let mut pooled_actual = Vec::with_capacity(k * h);
    let mut pooled_point = Vec::with_capacity(k * h);
    // Per requested level: pooled lower and upper bounds, or None once an origin lacks the level.
    let mut pooled_bounds: Vec<Option<(Vec<f64>, Vec<f64>)>> =
        vec![Some((Vec::new(), Vec::new())); options.levels.len()];
    for i in 0..k {
        let origin = last_origin - (k - 1 - i) * step;
        let training = &series[..origin];
        let actual = &series[origin..origin + h];
        let forecast = forecaster(training, h, &options.levels)?;
        check_forecast(&forecast, h, origin)?;
        for (j, (y, f)) in actual.iter().zip(&forecast.point).enumerate() {
            errors[j].push(y - f);
        }
        pooled_actual.extend_from_slice(actual);
        pooled_point.extend_from_slice(&forecast.point);
        for (&level, bounds) in options.levels.iter().zip(pooled_bounds.iter_mut()) {
            match (forecast.interval(level), bounds.as_mut()) {
                (Some(interval), Some((lower, upper))) => {
                    lower.extend_from_slice(&interval.lower);
                    upper.extend_from_slice(&interval.upper);
                }
                _ => *bounds = None,
            }
        }
        origins.push(OriginAccuracy {
            origin,
            accuracy: accuracy::evaluate(actual, &forecast, training, m),
        });
    }

    let mean_of = |get: &dyn Fn(&Accuracy) -> Option<f64>| -> Option<f64> {
        let mut total = 0.0;
        for o in &origins {
            total += get(&o.accuracy)?;
        }
        Some(total / origins.len() as f64)
    };
    let mut intervals = Vec::new();
    for (&level, bounds) in options.levels.iter().zip(&pooled_bounds) {
        let Some((lower, upper)) = bounds else {
            continue;
        };
        let msis = mean_of(&|a: &Accuracy| {
            a.intervals
                .iter()
                .find(|i| (i.level - level).abs() <= 1e-12)
                .and_then(|i| i.msis)
        });
        intervals.push(IntervalAccuracy {
            level,
            coverage: accuracy::coverage(&pooled_actual, lower, upper),
            msis,
        });
    }
    let pooled = Accuracy {
        count: pooled_actual.len(),
        mae: accuracy::mae(&pooled_actual, &pooled_point),
        rmse: accuracy::rmse(&pooled_actual, &pooled_point),
        smape: accuracy::smape(&pooled_actual, &pooled_point),
        mase: mean_of(&|a: &Accuracy| a.mase),
        intervals,
    };
    Ok(Backtest {
        horizon: h,
        step,
        origins,
        pooled,
        errors,
    })
}

/// A forecast of exactly `h` finite points whose intervals are `h` long, finite and ordered.
fn check_forecast(forecast: &Forecast, h: usize, origin: usize) -> Result<()> {
    let bad = |why: String| {
        Err(Error::invalid_argument(
            "forecaster",
            format!("its forecast at origin {origin} {why}"),
        ))
    };
    if forecast.point.len() != h {
        return bad(format!(
            "has {} points; the horizon is {h}",
            forecast.point.len()
        ));
    }
    if forecast.point.iter().any(|v| !v.is_finite()) {
        return bad("has a non-finite point".to_string());
    }
    for interval in &forecast.intervals {
        if interval.lower.len() != h || interval.upper.len() != h {
            return bad(format!(
                "has a {} interval that is not {h} long",
                interval.level
            ));
        }
        let ordered = interval
            .lower
            .iter()
            .zip(&interval.upper)
            .all(|(l, u)| l.is_finite() && u.is_finite() && l <= u);
        if !(ordered && interval.level > 0.0 && interval.level < 100.0) {
            return bad(format!(
                "has a {} interval with a bad level, a non-finite bound or lower > upper",
                interval.level
            ));
        }
    }
    Ok(())
}
