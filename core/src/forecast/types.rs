//! The forecast every model returns, and the input checks all forecasting code shares.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The longest series a forecast or backtest accepts.
pub const MAX_POINTS: usize = 1_000_000;
/// The longest horizon a forecast or backtest accepts.
pub const MAX_HORIZON: usize = 10_000;
/// The largest magnitude of a value: beyond it squares and sums of squares overflow, and no model
/// computes anything meaningful (no business series comes near).
pub const MAX_ABS_VALUE: f64 = 1e100;
/// The most interval levels one forecast carries.
pub const MAX_LEVELS: usize = 16;

/// One central prediction interval at `level` for every step of the horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Interval {
    /// The nominal coverage in percent, strictly between 0 and 100 (`80.0` is an 80 % interval), as
    /// statsforecast writes levels.
    pub level: f64,
    /// The lower bound of each step, `lower[i]` for step `i + 1`.
    pub lower: Vec<f64>,
    /// The upper bound of each step.
    pub upper: Vec<f64>,
}

/// A forecast of `point.len()` steps ahead with zero or more prediction intervals.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Forecast {
    /// The point forecast of each step, `point[i]` for step `i + 1`.
    pub point: Vec<f64>,
    /// The intervals, in the order the levels were asked for.
    pub intervals: Vec<Interval>,
}

impl Forecast {
    /// The interval at `level` (compared to within 1e-12), if the forecast carries one.
    pub fn interval(&self, level: f64) -> Option<&Interval> {
        self.intervals
            .iter()
            .find(|i| (i.level - level).abs() <= 1e-12)
    }
}

/// A non-empty series of finite values no longer than [`MAX_POINTS`], at least `min_len` long.
pub(crate) fn check_series(name: &'static str, series: &[f64], min_len: usize) -> Result<()> {
    if series.len() > MAX_POINTS {
        return Err(Error::invalid_argument(
            name,
            format!(
                "has {} points; at most {MAX_POINTS} are accepted",
                series.len()
            ),
        ));
    }
    if series.len() < min_len.max(1) {
        return Err(Error::invalid_argument(
            name,
            format!(
                "has {} points; at least {} are needed",
                series.len(),
                min_len.max(1)
            ),
        ));
    }
    if let Some(i) = series.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid_argument(
            name,
            format!("value {i} is {}; every value must be finite", series[i]),
        ));
    }
    if let Some(i) = series.iter().position(|v| v.abs() > MAX_ABS_VALUE) {
        return Err(Error::invalid_argument(
            name,
            format!(
                "value {i} is {:e}; values beyond ±{MAX_ABS_VALUE:e} cannot be forecast (their squares overflow)",
                series[i]
            ),
        ));
    }
    Ok(())
}

/// A horizon in 1..=[`MAX_HORIZON`].
pub(crate) fn check_horizon(h: usize) -> Result<()> {
    if h == 0 || h > MAX_HORIZON {
        return Err(Error::invalid_argument(
            "horizon",
            format!("is {h}; it must be between 1 and {MAX_HORIZON}"),
        ));
    }
    Ok(())
}

/// At most [`MAX_LEVELS`] distinct levels, each strictly between 0 and 100 (percent).
pub(crate) fn check_levels(levels: &[f64]) -> Result<()> {
    if levels.len() > MAX_LEVELS {
        return Err(Error::invalid_argument(
            "levels",
            format!(
                "has {} levels; at most {MAX_LEVELS} are accepted",
                levels.len()
            ),
        ));
    }
    for (i, &level) in levels.iter().enumerate() {
        // `!(0 < level < 100)` also rejects NaN.
        if !(level > 0.0 && level < 100.0) {
            return Err(Error::invalid_argument(
                "levels",
                format!("level {i} is {level}; a level is a percentage strictly between 0 and 100 (80 for an 80 % interval)"),
            ));
        }
        if levels[..i].iter().any(|&l| (l - level).abs() <= 1e-12) {
            return Err(Error::invalid_argument(
                "levels",
                format!("level {level} is given twice"),
            ));
        }
    }
    Ok(())
}
