//! Point and interval accuracy of a forecast against what happened.
//!
//! Every function takes the actual values `y` and the forecasts `ŷ` (or interval bounds) as slices of the
//! same length and returns `None` when the metric is undefined: empty or mismatched inputs, any non-finite
//! value, or a zero scale. Undefined is never reported as 0 or NaN, so a caller cannot average it in by
//! mistake. All are single passes without allocation.
//!
//! Definitions (h values, e = y − ŷ):
//! - MAE = (1/h) Σ |e|; RMSE = √((1/h) Σ e²).
//! - sMAPE (M4) = (1/h) Σ 200 |e| / (|y| + |ŷ|), in percent, with a 0/0 term counted as 0.
//! - MASE (M4) = MAE / s, s = (1/(T − m)) Σ_{t=m+1..T} |y(t) − y(t − m)| over the in-sample series.
//! - coverage = the share of y with lower ≤ y ≤ upper.
//! - MSIS (M4) = (1/h) Σ [(u − l) + (2/α)(l − y)·1{y < l} + (2/α)(y − u)·1{y > u}] / s, α = 1 − level/100 (levels in percent).

use serde::{Deserialize, Serialize};

/// `None` unless both slices have the same non-zero length and finite values; else the pairs.
fn pairs<'a>(a: &'a [f64], b: &'a [f64]) -> Option<impl Iterator<Item = (f64, f64)> + 'a> {
    if a.is_empty() || a.len() != b.len() || !all_finite(a) || !all_finite(b) {
        return None;
    }
    Some(a.iter().copied().zip(b.iter().copied()))
}

fn all_finite(values: &[f64]) -> bool {
    values.iter().all(|v| v.is_finite())
}

/// A finite result or `None` (sums of huge finite values can overflow).
fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Mean absolute error (1/h) Σ |y − ŷ|.
pub fn mae(actual: &[f64], forecast: &[f64]) -> Option<f64> {
    let n = actual.len() as f64;
    finite(
        pairs(actual, forecast)?
            .map(|(y, f)| (y - f).abs())
            .sum::<f64>()
            / n,
    )
}

/// Root mean squared error √((1/h) Σ (y − ŷ)²).
pub fn rmse(actual: &[f64], forecast: &[f64]) -> Option<f64> {
    let n = actual.len() as f64;
    let mse = pairs(actual, forecast)?
        .map(|(y, f)| (y - f) * (y - f))
        .sum::<f64>()
        / n;
    finite(mse.sqrt())
}

/// Symmetric MAPE as the M4 competition defines it: (1/h) Σ 200 |y − ŷ| / (|y| + |ŷ|), in percent,
/// between 0 and 200. A term with y = ŷ = 0 is a perfect forecast and counts 0.
pub fn smape(actual: &[f64], forecast: &[f64]) -> Option<f64> {
    let n = actual.len() as f64;
    let total: f64 = pairs(actual, forecast)?
        .map(|(y, f)| {
            let denominator = y.abs() + f.abs();
            if denominator == 0.0 {
                0.0
            } else {
                200.0 * (y - f).abs() / denominator
            }
        })
        .sum();
    finite(total / n)
}

/// The MASE scale: the in-sample MAE of the seasonal naive method with season `m`,
/// (1/(T − m)) Σ_{t=m+1..T} |y(t) − y(t − m)|. `None` when m = 0, T ≤ m, a value is not finite, or the
/// scale is 0 (a series that repeats exactly every m steps has no scale to measure errors against).
pub fn mase_scale(insample: &[f64], m: usize) -> Option<f64> {
    if m == 0 || insample.len() <= m || !all_finite(insample) {
        return None;
    }
    let count = (insample.len() - m) as f64;
    let scale = insample
        .iter()
        .zip(&insample[m..])
        .map(|(prev, y)| (y - prev).abs())
        .sum::<f64>()
        / count;
    (scale > 0.0 && scale.is_finite()).then_some(scale)
}

/// Mean absolute scaled error: MAE / [`mase_scale`]`(insample, m)`.
pub fn mase(actual: &[f64], forecast: &[f64], insample: &[f64], m: usize) -> Option<f64> {
    finite(mae(actual, forecast)? / mase_scale(insample, m)?)
}

/// The share of actual values inside their interval, lower ≤ y ≤ upper, between 0 and 1. `None` when
/// the inputs are empty, of different lengths or not finite.
pub fn coverage(actual: &[f64], lower: &[f64], upper: &[f64]) -> Option<f64> {
    if actual.len() != lower.len() {
        return None;
    }
    let n = actual.len() as f64;
    let inside = pairs(actual, lower)?
        .zip(pairs(actual, upper)?)
        .filter(|((y, l), (_, u))| l <= y && y <= u)
        .count();
    Some(inside as f64 / n)
}

/// The mean interval score of the M4 competition, unscaled:
/// (1/h) Σ [(u − l) + (2/α)(l − y)·1{y < l} + (2/α)(y − u)·1{y > u}], α = 1 − level/100. `None` also unless
/// 0 < level < 100.
pub fn interval_score(actual: &[f64], lower: &[f64], upper: &[f64], level: f64) -> Option<f64> {
    if !(level > 0.0 && level < 100.0) || actual.len() != lower.len() {
        return None;
    }
    let penalty = 2.0 / (1.0 - level / 100.0);
    let n = actual.len() as f64;
    let total: f64 = pairs(actual, lower)?
        .zip(pairs(actual, upper)?)
        .map(|((y, l), (_, u))| {
            let mut score = u - l;
            if y < l {
                score += penalty * (l - y);
            }
            if y > u {
                score += penalty * (y - u);
            }
            score
        })
        .sum();
    finite(total / n)
}

/// Mean scaled interval score (M4): [`interval_score`] / [`mase_scale`]`(insample, m)`.
pub fn msis(
    actual: &[f64],
    lower: &[f64],
    upper: &[f64],
    level: f64,
    insample: &[f64],
    m: usize,
) -> Option<f64> {
    finite(interval_score(actual, lower, upper, level)? / mase_scale(insample, m)?)
}

/// The geometric mean (Π x)^(1/n) = exp((1/n) Σ ln x), the average of ratios such as a model's MASE
/// over the naive MASE across series (relative MASE), where an arithmetic mean would favour the
/// series with large ratios. `None` when empty or any value is not finite and positive.
pub fn geometric_mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() || values.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
        return None;
    }
    let mean_log = values.iter().map(|v| v.ln()).sum::<f64>() / values.len() as f64;
    finite(mean_log.exp())
}

/// The accuracy of one interval level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntervalAccuracy {
    /// The nominal level.
    pub level: f64,
    /// The measured share of actual values inside the interval.
    pub coverage: Option<f64>,
    /// The mean scaled interval score.
    pub msis: Option<f64>,
}

/// Every metric of one forecast (or of pooled forecasts, see the backtest).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Accuracy {
    /// How many (actual, forecast) pairs the metrics cover.
    pub count: usize,
    /// Mean absolute error.
    pub mae: Option<f64>,
    /// Root mean squared error.
    pub rmse: Option<f64>,
    /// Symmetric MAPE (M4), in percent.
    pub smape: Option<f64>,
    /// Mean absolute scaled error.
    pub mase: Option<f64>,
    /// Coverage and MSIS of each interval level, in the forecast's order.
    pub intervals: Vec<IntervalAccuracy>,
}

/// Every metric of `forecast` against `actual`, scaled by the seasonal naive MAE of `insample` with
/// season `m`. `forecast.point` and each interval must be as long as `actual` for their metrics to be
/// defined.
pub fn evaluate(
    actual: &[f64],
    forecast: &super::Forecast,
    insample: &[f64],
    m: usize,
) -> Accuracy {
    let point = &forecast.point;
    Accuracy {
        count: actual.len(),
        mae: mae(actual, point),
        rmse: rmse(actual, point),
        smape: smape(actual, point),
        mase: mase(actual, point, insample, m),
        intervals: forecast
            .intervals
            .iter()
            .map(|i| IntervalAccuracy {
                level: i.level,
                coverage: coverage(actual, &i.lower, &i.upper),
                msis: msis(actual, &i.lower, &i.upper, i.level, insample, m),
            })
            .collect(),
    }
}
